"""The policy hotline end to end: a question answered from the knowledge base, a question
handed to a person, and the office's reply arriving at the asker through the real outbox
sender and the aiogram adapter over HTTP; the asker answers back in the same thread."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from storage.models_hotline import Ticket, TicketMessage
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.sealed_scan import asker_marks, links, ticket_marks

pytestmark = pytest.mark.e2e

TIMEOUT = 10.0
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
        if text in message.text:
            return message
        if time.monotonic() > deadline:
            raise AssertionError(f"message {message_id} never showed {text!r}: {message}")
        await asyncio.sleep(POLL)


async def test_question_answered_from_the_knowledge_base(bot: RunningBot) -> None:
    alice = bot.user("张三")
    await _register(bot, alice, "A001")
    await alice.send("年假有几天？")
    answer = await alice.read_one()
    assert "连续工作满一年的享受带薪年休假" in answer.text
    assert "来源：《辅警休假与考勤办法（示例）》第二条 年休假" in answer.text
    assert "（示例政策，以本单位规定为准）" in answer.text
    assert answer.parse_mode == bot.markup
    assert answer.labels == ["✅ 这解答了我的问题", "🙋 转人工"]
    await alice.press("这解答了我的问题")
    thanks = await alice.read_one()
    assert "很高兴帮到您" in thanks.text
    async with bot.app.sessionmaker() as session:
        assert (await session.execute(select(Ticket))).first() is None


async def test_question_handed_to_a_person_and_the_reply_reaches_the_asker(
    bot: RunningBot,
) -> None:
    alice, office = bot.user("张三"), bot.user("周政工")
    await _register(bot, alice, "A001")
    await _register(bot, office, "O001")

    # 1. The knowledge base has no answer: the asker hands the question to a person.
    await alice.send("我下个月借调到交警大队，借调期间社保谁交？")
    nothing = await alice.read_one()
    assert "知识库里暂时没有找到相关答案" in nothing.text
    assert nothing.labels == ["🙋 转人工"]
    await alice.press("转人工")
    confirm = await alice.read_one()
    assert "借调期间社保谁交" in confirm.text
    await alice.press("署名提问")
    sent = await _until_shown(alice, confirm.message_id, "已转交政治处辅警办")
    assert "问题编号 H000001" in sent.text

    # 2. The office hears of it through the outbox, opens it and replies in the bot.
    note = await office.read_one(timeout=TIMEOUT)
    assert "新的热线问题 H000001（实名（姓名已隐藏））" in note.text
    assert "借调期间社保谁交" in note.text and "张三" not in note.text
    await office.press("打开问题单")
    ticket = await office.read_one()
    assert "问题单 H000001 · 待回复" in ticket.text and "提问人：实名（姓名已隐藏）" in ticket.text
    await office.press("回复")
    prompt = await office.read_one()
    assert "请输入给问题 H000001 的回复" in prompt.text
    await office.send("借调期间社保仍由原单位缴纳，不会断缴。")
    done = await office.read_one()
    assert "回复已发送（H000001）" in done.text

    # 3. The reply arrives at the asker as a message, with a button to answer back.
    reply = await alice.read_one(timeout=TIMEOUT)
    assert "政治处辅警办回复了您的问题 H000001" in reply.text
    assert "借调期间社保仍由原单位缴纳，不会断缴。" in reply.text
    assert reply.labels == ["✍️ 回复"]
    await alice.press("回复")
    ask_more = await alice.read_one()
    assert "请输入您对问题 H000001 的补充" in ask_more.text
    await alice.send("那住房公积金呢？")
    ok = await alice.read_one()
    assert "已发送给政治处辅警办（H000001）" in ok.text

    # 4. The follow-up reaches the office in the same thread.
    followup = await office.read_one(timeout=TIMEOUT)
    assert "问题单 H000001 有新的补充" in followup.text and "住房公积金" in followup.text
    async with bot.app.sessionmaker() as session:
        [row] = (await session.execute(select(Ticket))).scalars().all()
        thread = (
            (
                await session.execute(
                    select(TicketMessage.sender)
                    .where(TicketMessage.ticket_id == row.id)
                    .order_by(TicketMessage.id)
                )
            )
            .scalars()
            .all()
        )
    assert row.status == "open"
    assert thread == ["asker", "office", "asker"]


async def test_sealed_askers_anonymous_leaves_no_link_and_a_named_one_is_told_when_shown(
    bot: RunningBot,
) -> None:
    """Issue 21 over every channel: an anonymous exchange leaves no row in any table that
    links the ticket to the asker (read as someone without MUSTER_HOTLINE_KEY would); a
    named asker's name is shown to the office only for a reason, and he is told."""
    alice, office = bot.user("张三"), bot.user("周政工")
    await _register(bot, alice, "A001")
    await _register(bot, office, "O001")

    question = "有人打击报复举报人怎么办？"
    answer, more = "可以向政治处实名或匿名反映，我们会保护举报人。", "我担心被发现"
    await alice.send(question)
    await alice.read_one()
    await alice.press("转人工")
    confirm = await alice.read_one()
    await alice.press("匿名提问")
    sent = await _until_shown(alice, confirm.message_id, "已匿名转交")
    number = "H" + sent.text.split("问题编号 H", 1)[1][:6]
    note = await office.read_one(timeout=TIMEOUT)
    assert f"新的热线问题 {number}（匿名）" in note.text
    await office.press("打开问题单")
    ticket = await office.read_one()
    assert "查看提问人" not in ticket.labels  # nothing to show on an anonymous ticket
    await office.press("回复")
    await office.read_one()
    await office.send(answer)
    await office.read_one()
    reply = await alice.read_one(timeout=TIMEOUT)  # delivered from a sealed outbox row
    assert answer in reply.text and number in reply.text
    await alice.press("回复")
    await alice.read_one()
    await alice.send(more)
    await alice.read_one()
    followup = await office.read_one(timeout=TIMEOUT)
    assert more in followup.text and "张三" not in followup.text

    async with bot.app.sessionmaker() as session:
        anonymous = (await session.execute(select(Ticket))).scalar_one()
        asker = await asker_marks(session, "A001")
        marks = ticket_marks(anonymous.id, number, question, answer, more)
        assert await links(session, asker, marks) == []

    # a named question: the office sees "named", shows the asker for a reason, he is told
    await alice.send("借调期间社保谁交？")
    await alice.read_one()
    await alice.press("转人工")
    await alice.read_one()
    await alice.press("署名提问")
    named_note = await office.read_one(timeout=TIMEOUT)
    assert "实名（姓名已隐藏）" in named_note.text and "张三" not in named_note.text
    await office.press("打开问题单")
    await office.read_one()
    await office.press("查看提问人")
    prompt = await office.read_one()
    assert "需要说明事由" in prompt.text
    await office.send("核实借调人员名单")
    shown = await office.read_one()
    assert "张三" in shown.text and "A001" in shown.text and "核实借调人员名单" in shown.text
    told = await alice.read_one(timeout=TIMEOUT)
    assert "周政工" in told.text and "查看了您的问题" in told.text
    assert "核实借调人员名单" in told.text
