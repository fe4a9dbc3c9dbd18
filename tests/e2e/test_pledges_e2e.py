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
from storage.models import Signature
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


async def _register(bot: RunningBot, employee_no: str, first_name: str) -> EmulatorUser:
    user = bot.user(first_name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # greeting and menu
    return user


async def _publish(bot: RunningBot, key: str = "confidentiality", hours: int = 48) -> None:
    async with bot.app.unit_of_work() as svc:
        await svc.pledges.publish(
            Actor.cli(), key, due_at=bot.clock.now() + timedelta(hours=hours)
        )


async def _edited(user: EmulatorUser, message_id: int, before: str) -> BotMessage:
    """The message once the bot has edited it (polled like the client polls reads)."""
    deadline = time.monotonic() + 5
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
    assert "新任务：保密承诺书" in notice.text
    await alice.press("阅读")
    page = await alice.read_one()
    assert "保密承诺书" in page.text and "第 1/1 页" in page.text
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
    for src in (bot.app.settings.content_dir / "pledges").glob("confidentiality.*.md"):
        text = src.read_text(encoding="utf-8").replace("version: 1", "version: 2")
        (content / src.name).write_text(text + "\n\n十、本承诺书第 2 版。", encoding="utf-8")
    bot.app.settings.content_dir = content.parent
    await _publish(bot)
    second = await alice.read_one()
    assert "新任务：保密承诺书" in second.text
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
    assert "带辅民警已当面提醒您" in reminder.text and "保密承诺书" in reminder.text
    assert "阅读" in " ".join(reminder.labels)
