"""Policy hotline: answers from the knowledge base, tickets, anonymity, confidentiality, SLA."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot import kb
from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from bot.errors import NotAllowed
from bot.sealing import sealer_for
from bot.services.hotline import ContactFields, KbInvalid, NoSuchTicket, next_working_day
from scheduled.hotline import remind_overdue_tickets
from storage.db import make_engine
from storage.models import AppendOnlyViolation, Outbox, Person
from storage.models_hotline import Ticket, TicketMessage, TicketRoute
from storage.sealed import SealBroken, Sealer
from tests.chat import ChatUser
from tests.factories import bind_account, make_force
from tests.helpers import SHANGHAI, local, outbox_for, sealed_for

ROOT = Path(__file__).resolve().parents[1]
ASKED = "年假有几天"  # a question the sample knowledge base answers confidently


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "M001", "L001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
    return users


async def _actor(app: App, employee_no: str) -> Actor:
    async with app.unit_of_work() as svc:
        return Actor.of(await svc.people.get(Actor.cli(), employee_no))


async def _hand_to_person(user: ChatUser, question: str, *, anonymous: bool) -> str:
    """Type a question, press "Ask a person", choose named or anonymous; the ticket number."""
    await user.send(question)
    await user.press("转人工")
    assert "将转交政治处辅警办" in user.text
    await user.press("匿名提问" if anonymous else "署名提问")
    assert "问题编号 H" in user.text
    return "H" + user.text.split("问题编号 H", 1)[1][:6]


async def _tickets(app: App) -> list[Ticket]:
    async with app.sessionmaker() as s:
        return list((await s.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def _outbox_ref(app: App, ref: str) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(
            (
                await s.execute(select(Outbox).where(Outbox.ref == ref).order_by(Outbox.id))
            ).scalars()
        )


# --- answering from the knowledge base ---------------------------------------------------


async def test_confident_question_gets_the_answer_with_its_source(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send(ASKED)
    assert "连续工作满一年的享受带薪年休假" in alice.text
    assert "来源：《辅警休假与考勤办法（示例）》第二条 年休假" in alice.text
    assert "（示例政策，以本单位规定为准）" in alice.text
    assert alice.labels() == ["✅ 这解答了我的问题", "🙋 转人工"]
    await alice.press("这解答了我的问题")
    assert "很高兴帮到您" in alice.text
    assert await _tickets(app) == []


async def test_english_question_is_answered_in_english(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send("/lang en")
    await alice.send("how many days of annual leave do I get")
    assert "paid annual leave: five days" in alice.text
    assert "Source: Leave and Attendance Rules (Sample), Article 2 Annual leave" in alice.text
    assert "(Sample policy; your unit's own rules apply.)" in alice.text
    assert alice.labels() == ["✅ This answered my question", "🙋 Ask a person"]


async def test_weak_match_offers_the_three_closest_questions(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send("/ask 公积金能取出来交房租吗")
    assert "您想问的是下面哪个问题" in alice.text
    labels = alice.labels()
    assert len(labels) == 4 and labels[-1] == "🙋 转人工"
    assert "住房公积金怎么提取？" in labels
    await alice.press("住房公积金怎么提取？")
    assert "按当地公积金管理中心的规定申请提取" in alice.text
    assert "第十条 公积金提取与转移" in alice.text
    # "Ask a person" still hands on what was typed, not the suggestion
    await alice.press("转人工")
    assert "公积金能取出来交房租吗" in alice.text


async def test_unknown_question_is_not_answered_only_handed_on(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send("食堂今天吃什么")
    assert "知识库里暂时没有找到相关答案" in alice.text
    assert app.settings.hotline_phone in alice.text
    assert alice.labels() == ["🙋 转人工"]


async def test_menu_and_ask_prompt_then_answer(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send("/menu")
    await alice.press("政策咨询")
    assert "请直接输入您的问题" in alice.text
    await alice.send("执勤照片能发朋友圈吗")
    assert "不得在微信朋友圈" in alice.text


async def test_help_shows_the_hotline_contact(app: App) -> None:
    users = await _setup(app)
    await users["A001"].send("/help")
    s = app.settings
    text = users["A001"].text
    assert s.hotline_phone in text and s.hotline_email in text and "9:00-17:30" in text
    assert "/ask" in text


# --- tickets -----------------------------------------------------------------------------


async def test_ticket_life_cycle(app: App) -> None:
    users = await _setup(app)
    alice, office = users["A001"], users["O001"]
    number = await _hand_to_person(alice, "我下个月借调到别的单位，社保谁交？", anonymous=False)
    [ticket] = await _tickets(app)
    assert ticket.number == number and ticket.status == "open" and not ticket.anonymous
    assert ticket.asker_person_id is not None
    # the office is told that a named question came, without the name
    [note] = await outbox_for(app, "O001")
    assert number in note.text and "实名（姓名已隐藏）" in note.text and "借调" in note.text
    assert "张三" not in note.text and "城关派出所" not in note.text
    assert note.buttons[0][0]["action"] == f"hl:t:{ticket.id}"

    await office.send("/queue")
    assert number in office.text and "实名" in office.text and "待回复" in office.text
    assert "张三" not in office.text
    await office.press(number)
    assert "借调到别的单位" in office.text and "提问人：实名（姓名已隐藏）" in office.text
    assert "张三" not in office.text and "👤 查看提问人" in office.labels()
    await office.press("回复")
    await office.send("借调期间社保仍由原单位缴纳，具体请看借调通知。")
    assert f"回复已发送（{number}）" in office.text
    [ticket] = await _tickets(app)
    assert ticket.status == "answered" and ticket.reply_due_at is None

    # the reply reaches the asker through the outbox (sealed), with a button to answer back
    [(row, reply)] = await sealed_for(app, "A001")
    assert "借调期间社保仍由原单位缴纳" in reply.text and number in reply.text
    assert row.priority == 1 and row.status == "pending" and row.chat_id == "A001"
    assert [[(b.label, b.action) for b in r] for r in reply.buttons] == [
        [("✍️ 回复", f"hl:ar:{ticket.id}")]
    ]
    assert reply.private and row.person_id is None and row.ref is None
    assert "借调" not in row.text and number not in row.text and row.buttons == []

    # the asker answers back in the same thread
    await alice.tap(f"hl:ar:{ticket.id}")
    assert f"请输入您对问题 {number} 的补充" in alice.text
    await alice.send("那公积金呢？")
    assert "已发送给政治处辅警办" in alice.text
    [ticket] = await _tickets(app)
    assert ticket.status == "open" and ticket.reply_due_at is not None
    office_notes = await outbox_for(app, "O001")
    assert len(office_notes) == 2 and "那公积金呢" in office_notes[1].text

    await office.send("/queue")
    await office.press(number)
    thread = office.text
    assert thread.index("借调到别的单位") < thread.index("周政工") < thread.index("那公积金呢")
    await office.press("办结")
    assert f"问题单 {number} 已办结" in office.text
    [ticket] = await _tickets(app)
    assert ticket.status == "closed" and ticket.closed_at is not None
    closed = [r for _, r in await sealed_for(app, "A001") if "已由政治处辅警办办结" in r.text]
    assert len(closed) == 1 and number in closed[0].text
    await office.send("/queue")
    assert "目前没有未办结的热线问题" in office.text


async def test_ticket_messages_are_append_only(app: App) -> None:
    users = await _setup(app)
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=False)
    async with app.sessionmaker() as s:
        message = (await s.execute(select(TicketMessage))).scalar_one()
        message.text = "changed"
        with pytest.raises(AppendOnlyViolation):
            await s.flush()
    async with app.sessionmaker() as s:
        with pytest.raises(Exception, match="append-only"):
            await s.execute(update(TicketMessage).values(text="changed"))


async def test_follow_up_only_by_the_asker(app: App) -> None:
    users = await _setup(app)
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=True)
    [ticket] = await _tickets(app)
    bob = await _actor(app, "A002")
    async with app.unit_of_work() as svc:
        with pytest.raises(NoSuchTicket):
            await svc.hotline.follow_up(bob, ticket.id, "I am not the asker")
    await users["A002"].tap(f"hl:ar:{ticket.id}")
    assert "没有找到这个问题单" in users["A002"].text


# --- anonymity ---------------------------------------------------------------------------


async def test_anonymous_ticket_shows_office_only_the_number(app: App) -> None:
    users = await _setup(app)
    alice, office = users["A001"], users["O001"]
    number = await _hand_to_person(
        alice, "带教民警经常让我一个人去处理纠纷，可以吗？", anonymous=True
    )
    assert "政治处辅警办看不到您的姓名" in alice.text
    [ticket] = await _tickets(app)
    assert ticket.anonymous and ticket.asker_person_id is None

    secret = ("张三", "A001", "城关派出所")
    [note] = await outbox_for(app, "O001")
    assert number in note.text and "匿名" in note.text
    await office.send("/queue")
    views = [office.text, " ".join(office.labels())]
    await office.press(number)
    views.append(office.text)
    office_actor = await _actor(app, "O001")
    async with app.unit_of_work() as svc:
        [summary] = await svc.hotline.queue(office_actor)
        detail = await svc.hotline.ticket(office_actor, ticket.id)
    views.append(repr(summary) + repr(detail))
    for view in [note.text, *views]:
        for word in secret:
            assert word not in view, (word, view)

    # the office can still reply, and the reply reaches the asker
    await office.press("回复")
    await office.send("不可以，处理纠纷须有民警在场。")
    # rows naming the ticket go to office staff only, never to the asker
    assert {m.chat_id for m in await _outbox_ref(app, f"ticket:{ticket.id}")} == {"O001"}
    [(row, reply)] = await sealed_for(app, "A001")
    assert row.chat_id == "A001" and row.person_id is None  # no person link in the outbox
    assert "须有民警在场" in reply.text and "须有民警在场" not in row.text
    await alice.tap(reply.buttons[0][0].action)
    await alice.send("明白了，谢谢")
    assert "已发送给政治处辅警办" in alice.text
    notes = await outbox_for(app, "O001")
    assert "明白了" in notes[-1].text and "张三" not in notes[-1].text


# --- confidentiality ---------------------------------------------------------------------


def _every_method(ticket_id: int) -> dict[str, Callable[[Any, Actor], Awaitable[Any]]]:
    return {
        "lookup": lambda h, a: h.lookup(a, ASKED, locale="zh_CN"),
        "entry": lambda h, a: h.entry(a, "leave-annual", locale="zh_CN"),
        "ask": lambda h, a: h.ask(a, "我想问问", anonymous=False),
        "my_ticket": lambda h, a: h.my_ticket(a, ticket_id),
        "my_tickets": lambda h, a: h.my_tickets(a),
        "my_thread": lambda h, a: h.my_thread(a, ticket_id),
        "follow_up": lambda h, a: h.follow_up(a, ticket_id, "补充"),
        "queue": lambda h, a: h.queue(a),
        "ticket": lambda h, a: h.ticket(a, ticket_id),
        "reply": lambda h, a: h.reply(a, ticket_id, "回复"),
        "close": lambda h, a: h.close(a, ticket_id),
        "show_asker": lambda h, a: h.show_asker(a, ticket_id, "核实情况"),
        "remind_overdue": lambda h, a: h.remind_overdue(a),
        "reload_kb": lambda h, a: h.reload_kb(a),
        "gaps": lambda h, a: h.gaps(a),
        "unit_contacts": lambda h, a: h.unit_contacts(a),
        "set_unit_contact": lambda h, a: h.set_unit_contact(
            a, "城关派出所", ContactFields(phone="1")
        ),
    }


# Open to everyone: what /help shows every person (no question, no ticket, no asker).
PUBLIC_INFO = {"contact"}


def test_every_public_hotline_method_is_in_the_confidentiality_list() -> None:
    from bot.services.hotline import HotlineService  # noqa: PLC0415

    public = {
        name
        for name in vars(HotlineService)
        if not name.startswith("_") and callable(getattr(HotlineService, name))
    }
    assert public == set(_every_method(0)) | PUBLIC_INFO


async def test_mentors_and_leaders_cannot_reach_any_hotline_method(app: App) -> None:
    users = await _setup(app)
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=False)
    await _hand_to_person(users["A002"], "有人打击报复怎么办", anonymous=True)
    [named, anonymous] = await _tickets(app)
    for employee_no in ("M001", "L001"):
        actor = await _actor(app, employee_no)
        for ticket_id in (named.id, anonymous.id):
            for name, call in _every_method(ticket_id).items():
                async with app.unit_of_work() as svc:
                    try:
                        await call(svc.hotline, actor)
                    except NotAllowed:
                        continue
                pytest.fail(f"{employee_no} reached hotline method {name}")
    # in the chat: no menu entry, no queue, free text is not a hotline question
    for employee_no in ("M001", "L001"):
        user = users[employee_no]
        await user.send("/menu")
        assert not any("热线" in label or "政策咨询" in label for label in user.labels())
        for attempt in ("/queue", f"/ask {ASKED}", "/ask"):
            await user.send(attempt)
            assert "没有执行此操作的权限" in user.text, attempt
        await user.tap(f"hl:t:{named.id}")
        assert "没有执行此操作的权限" in user.text
        await user.send(ASKED)
        assert "没有理解您的意思" in user.text
    # nothing about the hotline reached them, and their own views hold no trace of it
    for employee_no in ("M001", "L001"):
        assert await outbox_for(app, employee_no) == []
    mentor, leader = await _actor(app, "M001"), await _actor(app, "L001")
    async with app.unit_of_work() as svc:
        team = await svc.escalations.team(mentor)
        leader_team = await svc.escalations.team(leader)
    for view in (repr(team), repr(leader_team)):
        assert "借调" not in view and "打击报复" not in view and "H0000" not in view
    assert all(m.open == 0 for m in [*team, *leader_team])  # a ticket is not a task


# --- the reply time (SLA) ----------------------------------------------------------------


def test_next_working_day_skips_the_weekend() -> None:
    friday = local(2026, 12, 4, 15, 0)
    assert next_working_day(friday, SHANGHAI) == local(2026, 12, 7, 15, 0)  # Monday
    assert next_working_day(local(2026, 12, 1, 10, 0), SHANGHAI) == local(2026, 12, 2, 10, 0)
    assert next_working_day(local(2026, 12, 5, 11, 0), SHANGHAI) == local(2026, 12, 8, 0, 0)


async def test_ticket_unanswered_for_a_working_day_reminds_the_office(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    clock.set(local(2026, 12, 4, 15, 0))  # Friday afternoon
    number = await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=True)

    async def reminders() -> list[Outbox]:
        return [m for m in await outbox_for(app, "O001") if m.kind == "hotline.overdue"]

    for when in (
        local(2026, 12, 4, 17, 0),
        local(2026, 12, 5, 16, 0),
        local(2026, 12, 6, 16, 0),
        local(2026, 12, 7, 14, 0),
    ):
        clock.set(when)  # Friday evening, the weekend, Monday before 15:00
        assert await remind_overdue_tickets(app) == 0
    clock.set(local(2026, 12, 7, 15, 0))  # one working day later
    assert await remind_overdue_tickets(app) == 1
    [reminder] = await reminders()
    assert number in reminder.text and "超过一个工作日未回复" in reminder.text
    assert "2026-12-04 15:00" in reminder.text
    assert reminder.buttons[0][0]["action"].startswith("hl:t:")
    clock.set(local(2026, 12, 7, 16, 0))
    assert await remind_overdue_tickets(app) == 0  # once a day
    clock.set(local(2026, 12, 8, 9, 0))
    assert await remind_overdue_tickets(app) == 1  # still waiting on Tuesday
    await users["O001"].send("/queue")
    assert "⚠️ 超过一个工作日未回复" in users["O001"].text
    await users["O001"].press(number)
    await users["O001"].press("回复")
    await users["O001"].send("由借出单位缴纳。")
    clock.set(local(2026, 12, 9, 9, 0))
    assert await remind_overdue_tickets(app) == 0
    assert len(await reminders()) == 2


async def test_reminders_respect_quiet_hours(app: App, clock: FrozenClock) -> None:
    users = await _setup(app)
    clock.set(local(2026, 12, 1, 6, 0))  # Tuesday 06:00
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=False)
    clock.set(local(2026, 12, 2, 6, 30))  # due 06:00 Wednesday, inside quiet hours
    assert await remind_overdue_tickets(app) == 1
    [reminder] = [m for m in await outbox_for(app, "O001") if m.kind == "hotline.overdue"]
    assert reminder.not_before == local(2026, 12, 2, 7, 0)


# --- the pledge "I have a question" button -----------------------------------------------


async def test_pledge_question_button_opens_the_hotline(app: App) -> None:
    users = await _setup(app)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=local(2026, 12, 15, 12))
    alice = users["A001"]
    await alice.send("/menu")
    await alice.press("我的任务")
    await alice.press("阅读")
    while any("下一页" in label for label in alice.labels()):
        await alice.press("下一页")
    await alice.press("我有疑问")
    assert "请输入您对承诺书的疑问" in alice.text
    await alice.send("能在朋友圈发执勤照片吗")
    assert "不得在微信朋友圈" in alice.text


# --- the knowledge base: check and reload ------------------------------------------------


def test_shipped_knowledge_base_is_clean_and_a_sample() -> None:
    content, problems = kb.check(ROOT / "content")
    assert content is not None, [str(p) for p in problems]
    assert [p for p in problems if p.error] == []
    assert len(content.faqs) >= 40 and content.sample
    for faq in content.faqs.values():
        assert set(faq.texts) == {"zh_CN", "en"}, faq.id
        assert all(len(t.phrasings) >= 3 for t in faq.texts.values()), faq.id
    topics = {faq.topic for faq in content.faqs.values()}
    assert {
        "pay",
        "insurance",
        "level",
        "leave",
        "injury",
        "training",
        "contract",
        "duty",
        "complaint",
        # issue 18: the topics the force's own rules lay down for auxiliaries
        "equipment",
        "welfare",
        "career",
        "pledge",
        "mentor",
        "contact",
    } <= topics
    by_topic = {faq.id: faq.topic for faq in content.faqs.values()}
    for faq_id in (
        "duty-state-secrets",
        "duty-certificate",
        "duty-work-secrets",
        "duty-business",
        "insurance-accident",
        "survivor-benefits",
        "hardship-help",
        "union",
        "career-police",
        "career-civil-service",
        "probation-training",
        "pledge-why",
        "pledge-online",
        "pledge-leaving",
        "mentor-change",
        "hotline-contact",
    ):
        assert faq_id in by_topic, faq_id
        assert content.faqs[faq_id].source.doc == "protection", faq_id


def _copy_kb(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "kb", content / "kb")
    return content


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_kb_check_finds_missing_answer_duplicate_phrasing_and_broken_source(
    tmp_path: Path,
) -> None:
    content = _copy_kb(tmp_path)
    faq = content / "kb" / "faq.zh_CN.yaml"
    _edit(faq, "    answer: >-\n      辅警工资一般由", "    answr: >-\n      辅警工资一般由")
    _edit(faq, "      - 发薪日是哪天\n", "      - 发薪日是哪天\n      - 辅警工资包括哪些项目！\n")
    _edit(faq, "source: {doc: leave, article: 2}", "source: {doc: leave, article: 42}")
    _edit(faq, "source: {doc: leave, article: 3}", "source: {doc: holidays, article: 3}")
    _edit(content / "kb" / "docs" / "leave.en.md", "## Article 10 Absence", "## Absence")
    kb_, problems = kb.check(content)
    assert kb_ is None
    messages = [str(p) for p in problems if p.error]
    expected = [
        "entry 'pay-structure': missing answer",
        "entry 'pay-structure': unknown field(s) answr",
        "entry 'pay-day': duplicate phrasing '辅警工资包括哪些项目！' (also in entry "
        "'pay-structure')",
        "entry 'leave-annual': broken source: document 'leave' has no article 42",
        "entry 'leave-personal': broken source: no document 'holidays'",
        "leave.en.md: its articles",
    ]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)
    with pytest.raises(kb.KbError):
        kb.load(content)


def test_kb_check_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    assert main(["kb", "check"]) == 0
    assert "知识库检查通过：68 条问答" in capsys.readouterr().out
    content = _copy_kb(tmp_path)
    _edit(
        content / "kb" / "faq.en.yaml",
        "source: {doc: leave, article: 2}",
        "source: {doc: leave, article: 3}",
    )
    monkeypatch.setenv("MUSTER_CONTENT_DIR", str(content))
    assert main(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert "entry 'leave-annual' cites leave #3 but the zh_CN entry cites leave #2" in err


async def test_kb_reload_reaches_a_running_process_without_restart(
    engine: Any, settings: Settings, clock: FrozenClock, tmp_path: Path
) -> None:
    content = _copy_kb(tmp_path)
    app = App(settings.model_copy(update={"content_dir": content}), engine, clock)
    users = await _setup(app)
    alice = users["A001"]
    await alice.send(ASKED)
    assert "满十年不满二十年的十天" in alice.text
    faq = content / "kb" / "faq.zh_CN.yaml"
    _edit(faq, "满十年不满二十年的十天", "满十年不满二十年的十二天")
    await alice.send(ASKED)
    assert "满十年不满二十年的十天" in alice.text  # edited files are not live until reloaded
    office = await _actor(app, "O001")
    async with app.unit_of_work() as svc:
        result = await svc.hotline.reload_kb(office)
    assert result.generation == 1 and result.changed and result.entries == 68
    await alice.send(ASKED)
    assert "满十年不满二十年的十二天" in alice.text
    # a broken edit is refused, and the running content stays
    _edit(faq, "    answer: >-\n      连续工作满一年", "    answer: ''\n    x: >-\n      连续")
    async with app.unit_of_work() as svc:
        with pytest.raises(KbInvalid):
            await svc.hotline.reload_kb(office)
    await alice.send(ASKED)
    assert "满十年不满二十年的十二天" in alice.text


# --- the CLI queue -----------------------------------------------------------------------


async def _cli_tickets(url: str) -> None:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, make_engine(url), SystemClock())
    try:
        async with app.unit_of_work() as svc:
            force = await make_force(svc.session, app.clock)
            await svc.hotline.ask(Actor.of(force["A001"]), "借调期间社保谁交", anonymous=False)
            await svc.hotline.ask(Actor.of(force["A002"]), "有人打击报复怎么办", anonymous=True)
    finally:
        await app.close()


def test_cli_queue_names_only_named_askers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_cli_tickets(url))
    capsys.readouterr()
    assert main(["hotline", "queue"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("H")}
    assert "实名" in lines["H000001"] and "借调" in lines["H000001"]
    assert "张三" not in out and "A001" not in out
    assert "匿名" in lines["H000002"] and "李四" not in out and "A002" not in out
    assert "共 2 个问题，2 个待回复" in out
    assert main(["hotline", "show", "H000002"]) == 0
    shown = capsys.readouterr().out
    assert "匿名" in shown and "有人打击报复怎么办" in shown and "李四" not in shown
    assert main(["kb", "reload"]) == 0
    assert "知识库第 1 代：68 条问答" in capsys.readouterr().out


async def test_the_route_to_an_anonymous_asker_is_sealed(app: App) -> None:
    users = await _setup(app)
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=True)
    async with app.sessionmaker() as s:
        ticket = (await s.execute(select(Ticket))).scalar_one()
        route = (await s.execute(select(TicketRoute))).scalar_one()
        asker = (await s.execute(select(Person).where(Person.employee_no == "A001"))).scalar_one()
        messages = (await s.execute(select(TicketMessage))).scalars().all()
    assert ticket.asker_person_id is None and all(m.author_person_id is None for m in messages)
    assert set(TicketRoute.__table__.columns.keys()) == {"ticket_id", "sealed"}
    assert route.sealed.startswith("s1.")
    sealer = sealer_for(app.settings)
    assert sealer.open(route.sealed, purpose=f"route:{ticket.id}") == str(asker.id)
    with pytest.raises(SealBroken):  # copied onto another ticket, it does not open
        sealer.open(route.sealed, purpose=f"route:{ticket.id + 1}")
    with pytest.raises(SealBroken):  # nor with another key
        Sealer(b"another-key-of-sixteen+").open(route.sealed, purpose=f"route:{ticket.id}")


async def test_clock_is_used_for_ticket_times(app: App, clock: FrozenClock) -> None:
    users = await _setup(app)
    clock.advance(timedelta(hours=3))
    await _hand_to_person(users["A001"], "借调期间社保谁交", anonymous=False)
    [ticket] = await _tickets(app)
    assert ticket.created_at == clock.now()
    assert ticket.reply_due_at == clock.now() + timedelta(days=1)


async def test_office_staff_can_try_the_knowledge_base_but_not_open_tickets(app: App) -> None:
    users = await _setup(app)
    office = users["O001"]
    await office.send(ASKED)
    assert "连续工作满一年的享受带薪年休假" in office.text
    assert office.labels() == ["✅ 这解答了我的问题"]
    await office.tap("hl:p")
    assert "没有执行此操作的权限" in office.text
    assert await _tickets(app) == []
