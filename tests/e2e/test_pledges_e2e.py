"""Pledges and escalation end to end: the real bot over HTTP, the outbox sender beside it,
the deadline engine driven by the bot's frozen clock."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.config import ROOT
from bot.training_content import load_modules
from storage.models import Assignment, AssignmentStatus, Person, Signature
from storage.models_training import TrainingAttempt
from tests.e2e.client import TIMEOUT, BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.e2e.test_training_e2e import _changed, _take_quiz

CONFIDENTIALITY = load_modules(ROOT / "content")["confidentiality-daily"].content(None).questions

pytestmark = pytest.mark.e2e


async def _register(bot: RunningBot, employee_no: str, first_name: str) -> EmulatorUser:
    user = bot.user(first_name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # greeting and menu
    return user


async def _publish(bot: RunningBot, key: str = "online-conduct", hours: int = 48) -> None:
    async with bot.app.unit_of_work() as svc:
        await svc.pledges.publish(
            Actor.cli(), key, due_at=bot.clock.now() + timedelta(hours=hours)
        )


async def _edited(user: EmulatorUser, message_id: int, before: str) -> BotMessage:
    """The message once the bot has edited it (polled like the client polls reads)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        message = await user.message(message_id)
        if message.text != before:
            return message
        await asyncio.sleep(0.05)  # polling the emulator, as EmulatorUser.read does
    raise AssertionError(f"message {message_id} was not edited")


@pytest.mark.not_over("wecom", reason="a pledge page is longer than a WeCom card holds")
async def test_sign_a_pledge_from_the_phone(bot: RunningBot) -> None:
    alice = await _register(bot, "A001", "张三")
    await _publish(bot)
    notice = await alice.read_one()  # delivered by the outbox sender
    assert "新任务：网络社交行为承诺书" in notice.text
    await alice.press("阅读")
    page = await alice.read_one()
    assert "网络社交行为承诺书" in page.text and "第 1/1 页" in page.text
    assert "我已阅读并同意" in " ".join(page.labels)
    await alice.press("我已阅读并同意")
    assert "请输入您的完整姓名" in (await alice.read_one()).text
    await alice.send("张四")
    refused = await alice.read_one()
    assert "姓名与花名册不一致" in refused.text and "还可尝试 2 次" in refused.text
    await alice.send("张 三")
    receipt = await alice.read_one()
    assert "签署成功" in receipt.text
    async with bot.app.sessionmaker() as session:
        sig = (await session.execute(select(Signature))).scalar_one()
    assert sig.signature_no in receipt.text
    assert sig.document_sha256[:12] in receipt.text
    assert sig.channel == bot.channel_name and sig.channel_user_id == str(alice.user_id)


@pytest.mark.not_over("wecom", reason="a pledge page is longer than a WeCom card holds")
async def test_new_version_and_an_old_button(bot: RunningBot, tmp_path: Path) -> None:
    alice = await _register(bot, "A001", "张三")
    await _publish(bot)
    await alice.read_one()
    # the office edits the text and bumps the version
    content = tmp_path / "content" / "pledges"
    content.mkdir(parents=True)
    for src in (bot.app.settings.content_dir / "pledges").glob("online-conduct.*.md"):
        text = src.read_text(encoding="utf-8").replace("version: 1", "version: 2")
        (content / src.name).write_text(text + "\n\n十、本承诺书第 2 版。", encoding="utf-8")
    bot.app.settings.content_dir = content.parent
    await _publish(bot)
    second = await alice.read_one()
    assert "新任务：网络社交行为承诺书" in second.text
    # the Read button of the first message now belongs to a replaced version
    history = [m for m in await alice.history() if "阅读" in " ".join(m.labels)]
    first = history[0]
    await alice.press_on(first.message_id, "阅读")
    answer = await alice.read_one()
    assert "已被新版本（第 2 版）替代" in answer.text
    await alice.press("阅读最新版本")
    page = await alice.read_one()
    assert "第 2 版" in page.text and "十、本承诺书第 2 版。" in page.text


async def test_overdue_pledge_reaches_mentor_who_reminds_in_person(bot: RunningBot) -> None:
    alice = await _register(bot, "A001", "张三")
    mentor = await _register(bot, "M001", "王民警")
    await _publish(bot, hours=1)
    await alice.read_one()  # the new-task message
    bot.clock.advance(timedelta(hours=1))
    report = await bot.tick()
    assert report.escalated[1] == 4  # all four auxiliaries; 张三 and 李四 are M001's
    digest = await mentor.read_one()
    assert "督办提醒" in digest.text and "张三" in digest.text and "李四" in digest.text
    assert "无法通过本助手联系" in digest.text  # 李四 has no account
    await mentor.press("已当面提醒 张三")
    assert "已记录" in (await mentor.read_one()).text
    reminder = await alice.read_one()
    assert "带辅民警已当面提醒您" in reminder.text and "网络社交行为承诺书" in reminder.text
    assert "阅读" in " ".join(reminder.labels)


async def test_mentor_chooses_what_to_excuse(bot: RunningBot) -> None:
    """Issue 19, defect 1 over every channel: the list of the person's overdue tasks, a
    confirmation naming the chosen ones, the reason; only those close."""
    mentor = await _register(bot, "M001", "王民警")
    await _publish(bot, hours=1)
    bot.clock.advance(timedelta(hours=1))
    await bot.tick()
    assert "督办提醒" in (await mentor.read_one()).text
    await mentor.press("免除 张三")
    listing = await _on_screen(mentor, "请选择要免除的 张三 的逾期任务")
    assert any(label.startswith("☑ 网络社交行为承诺书") for label in listing.labels)
    await mentor.press("下一步")
    await _on_screen(mentor, "确认免除 张三 的以下 1 项任务")
    await mentor.press("确认")
    await _on_screen(mentor, "以上 1 项任务的理由")
    await mentor.send("病假")
    await _on_screen(mentor, "已免除 张三 的 1 项任务")
    async with bot.app.sessionmaker() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Person.employee_no, Assignment.status).join(
                        Person, Person.id == Assignment.person_id
                    )
                )
            ).all()
        )
    assert statuses["A001"] == AssignmentStatus.EXCUSED
    assert statuses["A002"] == AssignmentStatus.OPEN  # 李四: not chosen, not his


async def _on_screen(user: EmulatorUser, text: str) -> BotMessage:
    """The newest message showing `text`, sent or edited in place, once one does."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for message in reversed(await user.history()):
            if text in message.text:
                return message
        await asyncio.sleep(0.05)  # polling the chat, as EmulatorUser.read does
    raise AssertionError(f"{text!r} never on screen")


async def _arrives(user: EmulatorUser, text: str) -> BotMessage:
    """Read until a message with `text` arrives (WeCom shows a long page as its text, then
    a card with the buttons)."""
    while True:
        for message in await user.read(1):  # fails the test when nothing more arrives
            if text in message.text:
                return message


async def _showing(user: EmulatorUser, label: str) -> BotMessage:
    """The newest message with a button `label`, once one is on screen."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for message in reversed(await user.history()):
            if any(label in shown for shown in message.labels):
                return message
        await asyncio.sleep(0.05)  # polling the chat, as EmulatorUser.read does
    raise AssertionError(f"no button {label!r} on screen")


async def test_a_pledge_that_presupposes_training(bot: RunningBot) -> None:
    """The confidentiality pledge presupposes the confidentiality training: its sign button
    leads to the training and says why; once passed, signing proceeds and the signature
    records the attempt."""
    alice = await _register(bot, "A001", "张三")
    await _publish(bot, "confidentiality")
    tasks = " ".join(m.text for m in await alice.read(2))  # the pledge, and the training
    assert "新任务：保密承诺书" in tasks and "新任务：日常工作中的保密" in tasks
    await alice.press("阅读")
    await _showing(alice, "我已阅读并同意")
    await alice.press("我已阅读并同意")
    why = await _arrives(alice, "须以完成培训为前提")
    assert "请先学习并通过「日常工作中的保密」" in bot.shown(why.text)
    await alice.press("去学习")
    lesson = await _arrives(alice, "第 1/5 课")
    while "第 5/5 课" not in lesson.text:
        await alice.press_on(lesson.message_id, "下一课")
        lesson = await _changed(alice, lesson)
    await alice.press_on(lesson.message_id, "开始测验")
    result = await _take_quiz(alice, wrong=set(), questions=CONFIDENTIALITY)
    assert "恭喜，您已通过「日常工作中的保密」" in result.text
    await alice.press_on(result.message_id, "现在签署「保密承诺书」")
    await _showing(alice, "我已阅读并同意")
    await alice.press("我已阅读并同意")
    assert "请输入您的完整姓名" in (await _arrives(alice, "完整姓名")).text
    await alice.send("张三")
    receipt = await _arrives(alice, "签署成功")
    assert "培训依据：「日常工作中的保密」第 1 版，100%" in bot.shown(receipt.text)
    async with bot.app.sessionmaker() as session:
        sig = (await session.execute(select(Signature))).scalar_one()
        attempt = (
            await session.execute(select(TrainingAttempt).where(TrainingAttempt.passed))
        ).scalar_one()
    assert sig.training_attempt_id == attempt.id and sig.channel == bot.channel_name
