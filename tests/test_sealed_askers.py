"""Sealed askers (issue 21): anonymity that holds against someone who can read the
database, and a named asker's name shown only for a reason, audited and told to him.

The anonymous exchange (question, office reply delivered by the real sender, the asker's
follow-up, closing) is run in the chat and over the web chat, then every table is read
(tests/sealed_scan.py): no row names both the ticket and the asker. The same scan runs
after the end-to-end scenario over every channel adapter (tests/e2e/test_hotline_e2e.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.config import Settings
from bot.errors import InvalidInput, NotAllowed
from bot.sealing import HotlineKeyMissing, sealer_for
from bot.services.hotline import AnonymousAsker
from storage.db import make_engine, upgrade
from storage.models import AuditEvent, Outbox, OutboxStatus
from storage.models_hotline import Ticket, TicketRoute
from tests.chat import ChatUser, chat_users
from tests.factories import bind_account
from tests.helpers import HOTLINE_KEY, sealed_for
from tests.sealed_scan import asker_marks, links, rows_holding, ticket_marks
from tests.test_notices import Channel, _deliver
from tests.test_webchat import chat, post, read_events, registered

__all__ = ["chat"]  # the web chat fixture of tests/test_webchat.py

QUESTION = "带辅民警经常让我一个人去处理纠纷，可以吗？"
ANSWER = "不可以，处理纠纷须有民警在场。"
FOLLOW_UP = "如果他坚持呢？"


async def _ask(user: ChatUser, question: str, *, anonymous: bool) -> str:
    await user.send(question)
    await user.press("转人工")
    await user.press("匿名提问" if anonymous else "署名提问")
    return "H" + user.text.split("问题编号 H", 1)[1][:6]


async def _only_ticket(app: App) -> Ticket:
    async with app.sessionmaker() as s:
        return (await s.execute(select(Ticket))).scalar_one()


async def _scan(app: App, employee_no: str, ticket: Ticket, *texts: str) -> list[str]:
    async with app.sessionmaker() as s:
        asker = await asker_marks(s, employee_no)
        marks = ticket_marks(ticket.id, ticket.number, *texts)
        assert await rows_holding(s, asker), "the scan must see the asker's own rows"
        assert "ticket_message" in await rows_holding(s, marks), "and the ticket's"
        return await links(s, asker, marks)


# --- anonymity that holds against a reader of the database --------------------------------


async def test_after_an_anonymous_exchange_no_table_links_the_ticket_to_the_asker(
    app: App,
) -> None:
    users = await chat_users(app, "A001", "O001")
    alice, office = users["A001"], users["O001"]
    number = await _ask(alice, QUESTION, anonymous=True)
    recorder = Channel()
    await _deliver(app, recorder)
    ticket = await _only_ticket(app)
    await office.tap(f"hl:t:{ticket.id}")
    await office.press("回复")
    await office.send(ANSWER)
    await _deliver(app, recorder)
    [reply] = recorder.to("A001")  # the sender opened the sealed row for the channel
    assert ANSWER in reply.text and number in reply.text and reply.private
    await alice.tap(reply.buttons[0][0].action)  # "✍️ 回复": the asker answers back
    await alice.send(FOLLOW_UP)
    assert "已发送给政治处辅警办" in alice.text
    await office.tap(f"hl:t:{ticket.id}")
    assert FOLLOW_UP in office.text and "张三" not in office.text
    await office.press("办结")
    await _deliver(app, recorder)
    assert any("已由政治处辅警办办结" in r.text for r in recorder.to("A001"))

    assert await _scan(app, "A001", ticket, QUESTION, ANSWER, FOLLOW_UP) == []
    # ... while the asker is still reachable, through the sealed route only
    async with app.unit_of_work() as svc:
        asker = Actor.of(await svc.people.get(Actor.cli(), "A001"))
        [mine] = await svc.hotline.my_tickets(asker)
        assert mine.number == number and mine.anonymous
        bob = Actor.of(await svc.people.get(Actor.cli(), "A002"))
        assert await svc.hotline.my_tickets(bob) == []


async def test_the_scan_finds_a_link_where_there_is_one(app: App) -> None:
    """The scan is not blind: a named ticket names its asker (asker_person_id), and an
    outbox row written the old way (person, ticket ref) would be a link too."""
    users = await chat_users(app, "A001", "O001")
    await _ask(users["A001"], QUESTION, anonymous=False)
    ticket = await _only_ticket(app)
    found = await _scan(app, "A001", ticket, QUESTION)
    assert any(f.startswith("ticket:") and "asker_person_id" in f for f in found), found


async def press(
    client: Any, csrf: str, client_id: str, button: dict[str, str], entry: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    body = {"id": client_id, "action": button["action"], "message_id": entry["id"]}
    return await post(client, csrf, "button", body)


async def test_over_the_web_chat_the_log_keeps_the_askers_conversation_sealed(
    app: App, chat: Any
) -> None:
    client, web, _ = chat
    csrf = await registered(app, client, "A001")
    async with app.unit_of_work() as svc:
        office_person = await svc.people.get(Actor.cli(), "O001")
        await bind_account(svc.session, app.clock, office_person, user_id="O001")
    office = ChatUser(app.conversation(), "O001")

    _, asked = await post(client, csrf, "message", {"id": "q1", "text": QUESTION})
    offer = asked["entries"][-1]
    to_person = next(b for r in offer["buttons"] for b in r if "转人工" in b["label"])
    _, confirm = await press(client, csrf, "b1", to_person, offer)
    shown = confirm["entries"][-1]
    assert QUESTION in shown["html"]  # the page shows it: the log keeps it sealed
    anonymous = next(b for r in shown["buttons"] for b in r if "匿名提问" in b["label"])
    _, sent = await press(client, csrf, "b2", anonymous, shown)
    assert "已匿名转交" in sent["entries"][-1]["html"]
    ticket = await _only_ticket(app)
    await office.tap(f"hl:t:{ticket.id}")
    await office.press("回复")
    await office.send(ANSWER)
    await _deliver(app, web, Channel())
    # the log: the code and the question as typed (the asker's own bubbles), the welcome,
    # the menu, the offer, the question shown, its hand-over (an edit), the reply
    events = await read_events(client, None, 8)
    reply = next(e for e in events if ANSWER in e.get("html", ""))  # the page shows the reply
    answer_back = reply["buttons"][0][0]
    _, prompt = await press(client, csrf, "b3", answer_back, reply)
    assert ticket.number in prompt["entries"][-1]["html"]
    _, done = await post(client, csrf, "message", {"id": "f1", "text": FOLLOW_UP})
    assert "已发送给政治处辅警办" in done["entries"][-1]["html"]
    # a repeated POST is answered from the (sealed) turn result, the same as the first
    assert (await post(client, csrf, "message", {"id": "f1", "text": FOLLOW_UP}))[1] == done

    assert await _scan(app, "A001", ticket, QUESTION, ANSWER, FOLLOW_UP) == []


async def test_sealed_rows_open_only_with_their_key_for_their_account(app: App) -> None:
    users = await chat_users(app, "A001", "O001")
    await _ask(users["A001"], QUESTION, anonymous=True)
    ticket = await _only_ticket(app)
    async with app.unit_of_work() as svc:
        office = Actor.of(await svc.people.get(Actor.cli(), "O001"))
        await svc.hotline.reply(office, ticket.id, ANSWER)
    [(row, _)] = await sealed_for(app, "A001")
    assert row.kind == "sealed" and row.person_id is None and row.ref is None
    assert re.fullmatch(r"sealed:[0-9a-f]{64}", row.dedupe_key)  # a keyed tag, nothing else
    # moved to another account (someone who can write the database), it does not open:
    # the sender fails it, saying why, and delivers nothing
    async with app.sessionmaker() as s:
        other = (
            await s.execute(select(Outbox.account_id).where(Outbox.chat_id == "O001").limit(1))
        ).scalar_one()
        await s.execute(
            Outbox.__table__.update()
            .where(Outbox.id == row.id)
            .values(account_id=other, chat_id="O001")
        )
        await s.commit()
    recorder = Channel()
    await _deliver(app, recorder)
    assert all(ANSWER not in r.text for _, r in recorder.sent)
    async with app.sessionmaker() as s:
        failed = await s.get(Outbox, row.id)
    assert failed is not None and failed.status == OutboxStatus.FAILED
    assert "sealed row does not open" in (failed.error or "")


async def test_without_the_key_nothing_is_kept_readable(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await chat_users(app, "A001", "O001")
    no_key = app.settings.model_copy(update={"hotline_key": None})
    with pytest.raises(HotlineKeyMissing):
        sealer_for(no_key)
    app.settings = no_key
    alice = ChatUser(app.conversation(), "A001", channel="test")
    await alice.send(QUESTION)
    assert "MUSTER_HOTLINE_KEY" in alice.text  # refused, not stored in the clear
    async with app.sessionmaker() as s:
        assert (await s.execute(select(Ticket))).first() is None
    assert users  # the force exists: the refusal is the key's


# --- named tickets: the name only for a reason --------------------------------------------


async def test_show_asker_needs_a_reason_is_audited_and_tells_the_asker(app: App) -> None:
    users = await chat_users(app, "A001", "O001")
    alice, office = users["A001"], users["O001"]
    number = await _ask(alice, QUESTION, anonymous=False)
    assert "说明事由后才能查看" in alice.text  # the asker knows how his name is kept
    ticket = await _only_ticket(app)
    await office.tap(f"hl:t:{ticket.id}")
    assert "张三" not in office.text and "实名（姓名已隐藏）" in office.text
    await office.press("查看提问人")
    assert "需要说明事由" in office.text
    await office.send("   ")
    assert "请说明查看提问人的事由" in office.text and "张三" not in office.text
    await office.send("x" * 201)
    assert "张三" not in office.text
    await office.send("核实其反映的纠纷处置情况")
    assert "张三" in office.text and "A001" in office.text and "城关派出所" in office.text
    assert "已记入审计日志" in office.text

    async with app.sessionmaker() as s:
        [event] = (
            (await s.execute(select(AuditEvent).where(AuditEvent.kind == "hotline.asker_shown")))
            .scalars()
            .all()
        )
    assert event.actor == "person:O001" and event.subject == f"ticket:{number}"
    assert event.payload["reason"] == "核实其反映的纠纷处置情况"
    [(_, told)] = await sealed_for(app, "A001")
    assert "查看了您的问题" in told.text and number in told.text
    assert "周政工" in told.text and "核实其反映的纠纷处置情况" in told.text
    assert "2026-12-01 10:00" in told.text  # when, in local time
    # the name shows only in that answer: the ticket and the queue still hide it
    await office.tap(f"hl:t:{ticket.id}")
    assert "张三" not in office.text
    await office.send("/queue")
    assert "张三" not in office.text


async def test_show_asker_is_refused_for_anonymous_tickets_and_other_roles(app: App) -> None:
    users = await chat_users(app, "A001", "A002", "M001", "L001", "O001")
    await _ask(users["A001"], QUESTION, anonymous=False)
    await _ask(users["A002"], "有人打击报复怎么办", anonymous=True)
    async with app.sessionmaker() as s:
        named, anonymous = (await s.execute(select(Ticket).order_by(Ticket.id))).scalars().all()
    async with app.unit_of_work() as svc:
        office = Actor.of(await svc.people.get(Actor.cli(), "O001"))
        with pytest.raises(AnonymousAsker):
            await svc.hotline.show_asker(office, anonymous.id, "核实")
        with pytest.raises(InvalidInput):
            await svc.hotline.show_asker(office, named.id, "")
        for no in ("M001", "L001", "A001"):
            someone = Actor.of(await svc.people.get(Actor.cli(), no))
            with pytest.raises(NotAllowed):
                await svc.hotline.show_asker(someone, named.id, "核实")
    office_user = users["O001"]
    await office_user.tap(f"hl:t:{anonymous.id}")
    assert "查看提问人" not in " ".join(office_user.labels())
    await office_user.tap(f"hl:who:{anonymous.id}")  # an old or forged button
    assert "匿名提问，没有可以查看的姓名" in office_user.text
    async with app.sessionmaker() as s:
        shown = (
            await s.execute(select(AuditEvent).where(AuditEvent.kind == "hotline.asker_shown"))
        ).first()
    assert shown is None and await sealed_for(app, "A002") == []


async def test_the_console_shows_the_asker_for_a_reason_once(app: App) -> None:
    from tests.console_client import FORM_ID, console_client, sign_in  # noqa: PLC0415

    await chat_users(app, "A001", "O001", "L001")
    async with app.unit_of_work() as svc:
        alice = Actor.of(await svc.people.get(Actor.cli(), "A001"))
        ref = await svc.hotline.ask(alice, QUESTION, anonymous=False)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        page = await (await client.get(f"/console/hotline/{ref.id}")).text()
        assert "张三" not in page and "实名（姓名已隐藏）" in page and 'id="show-asker"' in page
        asker_form = page[page.index('/asker"') :]
        form_id = FORM_ID.search(asker_form).group(1)  # type: ignore[union-attr]
        url = f"/console/hotline/{ref.id}/asker"
        empty = await client.post(url, data={"csrf": csrf, "form_id": form_id, "reason": ""})
        assert empty.status == 400 and "张三" not in await empty.text()
        data = {"csrf": csrf, "form_id": form_id, "reason": "核实纠纷处置"}
        shown = await client.post(url, data=data)
        body = await shown.text()
        assert shown.status == 200 and "张三" in body and "核实纠纷处置" in body
        again = await client.post(url, data=data)  # the same form again: nothing more
        assert again.status == 400 and "张三" not in await again.text()
        assert "张三" not in await (await client.get(f"/console/hotline/{ref.id}")).text()
    async with app.sessionmaker() as s:
        events = (
            await s.execute(select(AuditEvent).where(AuditEvent.kind == "hotline.asker_shown"))
        ).all()
    assert len(events) == 1 and len(await sealed_for(app, "A001")) == 1


# --- the key: the demo keeps one, `muster run` needs one, the migration seals old routes ---


def test_muster_run_refuses_to_start_without_the_hotline_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.setenv("MUSTER_CHANNELS", "")
    monkeypatch.setenv("MUSTER_AUDIT_KEY", "muster-test-audit-key-not-secret")
    monkeypatch.delenv("MUSTER_HOTLINE_KEY")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["run"]) == 2
    assert "没有设置 MUSTER_HOTLINE_KEY" in capsys.readouterr().err


async def test_the_migration_seals_routes_written_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine, "f3b8d2a6c417")  # the revision before routes were sealed
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO unit (id, name, created_at) VALUES (1, 'u', '2026-01-01')")
            )
            await conn.execute(
                text(
                    "INSERT INTO person (id, employee_no, name, unit_id, status, created_at,"
                    " updated_at) VALUES (7, 'A7', 'n', 1, 'active', '2026-01-01', '2026-01-01')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO ticket (id, anonymous, status, created_at, last_activity_at)"
                    " VALUES (3, 1, 'open', '2026-01-01', '2026-01-01')"
                )
            )
            await conn.execute(text("INSERT INTO ticket_route VALUES (3, 7)"))
        monkeypatch.delenv("MUSTER_HOTLINE_KEY")
        with pytest.raises(RuntimeError, match="MUSTER_HOTLINE_KEY is not set"):
            await upgrade(engine)
        monkeypatch.setenv("MUSTER_HOTLINE_KEY", HOTLINE_KEY)
        await upgrade(engine)
        async with engine.connect() as conn:
            [(ticket_id, sealed)] = (await conn.execute(select(TicketRoute.__table__))).all()
        settings = Settings(hotline_key=HOTLINE_KEY, _env_file=None)  # type: ignore[call-arg]
        assert sealer_for(settings).open(sealed, purpose="route:3") == "7" and ticket_id == 3
    finally:
        await engine.dispose()
