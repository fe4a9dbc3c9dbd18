"""A notice end to end: the office composes it in the chat, the outbox sender running beside
the bot (as in `muster run`) delivers it through the Telegram adapter over HTTP, some people
press "收到", and the nudge reaches only the others."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

from bot.actor import Actor
from bot.services.notices import Progress
from storage import people as repo
from storage.models import Unit
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.factories import add_person
from tests.helpers import SHANGHAI

pytestmark = pytest.mark.e2e

PEOPLE = 20
ACKING = 8  # the first eight confirm; the other twelve get the nudge
TIMEOUT = 15.0
POLL = 0.05


async def _register(bot: RunningBot, user: EmulatorUser, employee_no: str) -> None:
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    welcome, _menu = await user.read(2)
    assert "绑定成功" in welcome.text


async def _until_shown(user: EmulatorUser, message_id: int, text: str) -> BotMessage:
    """Wait until the bot's message `message_id` (edited in place) shows `text`."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        message = await user.message(message_id)
        if text in message.text or text in " ".join(message.labels):
            return message
        if time.monotonic() > deadline:
            raise AssertionError(f"message {message_id} never showed {text!r}: {message}")
        await asyncio.sleep(POLL)


async def _settled(bot: RunningBot, notice_id: int, nudge_round: int | None = None) -> Progress:
    """Wait until the sender has an outcome for every row of the notice (or nudge round)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        async with bot.app.unit_of_work() as svc:
            progress = await svc.notices.progress(Actor.cli(), notice_id, nudge_round=nudge_round)
        if progress.done:
            return progress
        if time.monotonic() > deadline:
            raise AssertionError(f"notice {notice_id} still sending: {progress}")
        await asyncio.sleep(POLL)


async def test_notice_to_20_people_some_confirm_and_the_nudge_reaches_only_the_rest(
    bot: RunningBot,
) -> None:
    async with bot.app.unit_of_work() as svc:
        bureau = await repo.unit_by_name(svc.session, "示例县公安局")
        assert bureau is not None
        squad = Unit(name="巡特警大队", parent_id=bureau.id, created_at=bot.app.clock.now())
        svc.session.add(squad)
        await svc.session.flush()
        for i in range(PEOPLE):
            await add_person(
                svc.session,
                bot.app.clock,
                employee_no=f"X{i:03d}",
                name=f"队员{i:02d}",
                unit=squad,
            )
    office = bot.user("周政工")
    await _register(bot, office, "O001")
    people = [bot.user(f"队员{i:02d}") for i in range(PEOPLE)]
    for i, person in enumerate(people):
        await _register(bot, person, f"X{i:03d}")

    # The office composes the notice in the chat.
    await office.send("/notice")
    picker = await office.read_one()
    assert "发给谁" in picker.text
    await office.press("巡特警大队")  # ticked: the picker shows the count
    await _until_shown(office, picker.message_id, "共 20 人")
    await office.press("下一步（20 人）")
    await _until_shown(office, picker.message_id, "第 2 步")
    await office.send("关于周末<集中>训练的通知\n周六 8:00 在局大院集合，带齐装备。")
    ask_ack = await office.read_one()
    await office.press("需要确认")
    await _until_shown(office, ask_ack.message_id, "确认截止时间")
    in_a_week = (datetime.now(SHANGHAI) + timedelta(days=7)).strftime("%m-%d 18:00")
    await office.press(f"一周后（{in_a_week}）")  # a quick deadline button
    head, preview = await office.read(2)
    assert "确认截止：" in head.text and in_a_week.replace(" ", "") in head.text.replace(" ", "")
    assert "人数：20 人，其中 0 人未绑定助手" in head.text
    assert preview.parse_mode == bot.markup
    escaped = bot.shown("<b>关于周末&lt;集中&gt;训练的通知</b>")  # the office's text, escaped
    assert escaped in preview.text
    await office.press("发送")
    sent = await _until_shown(office, preview.message_id, "已开始发送")
    notice_id = int(sent.text.split("#", 1)[1].split()[0])

    # Everyone gets it from the outbox sender, with a "收到" button.
    for person in people:
        message = await person.read_one(TIMEOUT)
        assert message.text.startswith(bot.shown("📢 <b>关于周末&lt;集中&gt;训练的通知</b>"))
        assert message.labels == ["✅ 收到"]
    assert (await _settled(bot, notice_id)).sent == PEOPLE

    # Some confirm: the button turns into "已确认 HH:MM" on the same message.
    for person in people[:ACKING]:
        pressed = await person.press("收到")
        confirmed = await _until_shown(person, pressed.message_id, "已确认")
        assert confirmed.text == pressed.text
        assert len(confirmed.labels) == 1 and confirmed.labels[0].startswith("☑️ 已确认 ")
    if bot.answers_buttons:  # Telegram shows a toast; WeCom has none
        answers = await people[0].callback_answers()
        assert [a["text"] for a in answers][0].startswith("已确认收到")

    await office.press("刷新进度")
    await _until_shown(office, preview.message_id, f"已确认 {ACKING}")
    await office.press("提醒未确认的人")
    confirm = await office.read_one()
    assert f"将向 {PEOPLE - ACKING} 名未确认的人" in confirm.text
    await office.press("确定提醒")
    await _until_shown(office, confirm.message_id, f"已安排第 1 轮提醒：{PEOPLE - ACKING} 人")

    # The nudge reaches exactly those who did not confirm.
    for person in people[ACKING:]:
        reminder = await person.read_one(TIMEOUT)
        assert reminder.text.startswith(bot.shown("⏰ <b>提醒</b>：您还没有确认收到"))
        assert bot.shown("关于周末&lt;集中&gt;训练的通知") in reminder.text
    progress = await _settled(bot, notice_id, nudge_round=1)
    assert (progress.total, progress.sent) == (PEOPLE - ACKING, PEOPLE - ACKING)
    for person in people[:ACKING]:
        assert await person.read(0) == []  # nothing new for those who confirmed

    # Confirming on the reminder counts too.
    late = people[-1]
    pressed = await late.press("收到")
    await _until_shown(late, pressed.message_id, "已确认")
    async with bot.app.unit_of_work() as svc:
        stats = await svc.notices.stats(Actor.cli(), notice_id)
    assert (stats.total.targeted, stats.total.delivered, stats.total.acknowledged) == (
        PEOPLE,
        PEOPLE,
        ACKING + 1,
    )
    assert stats.nudged == PEOPLE - ACKING
