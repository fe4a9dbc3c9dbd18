"""A person on several channels (web chat beside Telegram): binding a second channel with a
code, pushed messages through the reachable account used last, falling back to the next
one when a channel cannot reach the person, per-channel unbinding, and the console's
person page naming the account that gets the pushes. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.actor import Actor
from bot.app import App
from bot.channels.common import incoming
from bot.clock import FrozenClock
from bot.core import Account
from bot.notify import Message
from bot.services.registration import CodeRejected
from scheduled.sender import OutboxSender
from storage import people as repo
from storage.models import AuditEvent, ChannelAccount, Outbox, OutboxStatus
from tests.console_client import console_client, sign_in
from tests.factories import Force, bind_account, make_force
from tests.test_sender import FakeChannel, FakeTime


@pytest.fixture
async def force(app: App) -> Force:
    """The sample force; 张三 (A001) is bound on Telegram only."""
    async with app.unit_of_work() as svc:
        built = await make_force(svc.session, app.clock)
        await bind_account(svc.session, app.clock, built["A001"], channel="telegram")
    return built


def telegram(force: Force) -> Account:
    uid = f"u{force['A001'].id}"
    return Account("telegram", uid, uid)


WEB = Account("web", "w-browser", "w-browser")


async def turn(app: App, account: Account, text: str, key: str) -> str:
    """One message typed on `account`; the first reply's text."""
    [reply, *_] = await app.conversation().handle(incoming(account, text, key))
    return str(reply.text)


async def bind_web(app: App, clock: FrozenClock) -> None:
    async with app.unit_of_work() as svc:
        [issued] = await svc.registration.issue_codes(
            Actor.cli("test"), employee_no="A001", also_bound=True
        )
    clock.advance(timedelta(minutes=1))
    assert "绑定成功" in await turn(app, WEB, f"/start {issued.code}", "web-1")


async def push(app: App, key: str) -> Outbox:
    """A reminder to 张三 through the outbox, as every feature queues one."""
    async with app.unit_of_work() as svc:
        person = await repo.person_by_employee_no(svc.session, "A001")
        assert person is not None
        await svc.notifier.to_person(
            person, Message("menu-title", "test"), ref=None, dedupe_key=key, name="x"
        )
    async with app.sessionmaker() as session:
        return (await session.execute(select(Outbox).where(Outbox.dedupe_key == key))).scalar_one()


async def test_a_bound_person_binds_the_web_chat_too(
    app: App, force: Force, clock: FrozenClock
) -> None:
    async with app.unit_of_work() as svc:  # without asking for it: "already bound"
        with pytest.raises(Exception, match="invite-person-bound"):
            await svc.registration.issue_codes(Actor.cli("test"), employee_no="A001")
    await bind_web(app, clock)
    async with app.sessionmaker() as session:
        accounts = await repo.active_accounts_of(session, force["A001"].id)
        assert sorted(a.channel for a in accounts) == ["telegram", "web"]
    # A second code cannot bind a second browser while the first one reaches the person.
    async with app.unit_of_work() as svc:
        [again] = await svc.registration.issue_codes(
            Actor.cli("test"), employee_no="A001", also_bound=True
        )
    other = Account("web", "w-other", "w-other")
    async with app.unit_of_work() as svc:
        with pytest.raises(CodeRejected) as refused:
            await svc.registration.redeem(other, again.code)
    assert refused.value.key == "reg-person-has-account"


async def test_pushes_go_to_the_account_used_last(
    app: App, force: Force, clock: FrozenClock
) -> None:
    assert (await push(app, "r1")).channel == "telegram"  # the only account
    await bind_web(app, clock)
    assert (await push(app, "r2")).channel == "web"  # bound just now: used last
    clock.advance(timedelta(minutes=1))
    await turn(app, telegram(force), "/menu", "tg-1")
    assert (await push(app, "r3")).channel == "telegram"
    clock.advance(timedelta(minutes=1))
    await turn(app, WEB, "/menu", "web-2")
    row = await push(app, "r4")
    assert (row.channel, row.chat_id) == ("web", "w-browser")
    async with app.unit_of_work() as svc:
        page = await svc.console.person(Actor.cli("test"), "A001", locale="zh_CN")
    assert [(a.channel, a.receives) for a in page.accounts if a.unbound_at is None] == [
        ("web", True),
        ("telegram", False),
    ]


async def test_binding_the_web_chat_brings_waiting_pushes_along(
    app: App, force: Force, clock: FrozenClock
) -> None:
    waiting = await push(app, "w1")
    assert waiting.channel == "telegram" and waiting.status == OutboxStatus.PENDING
    later = clock.now() + timedelta(hours=9)  # held back (quiet hours) until then
    async with app.sessionmaker() as session:
        await session.execute(
            update(Outbox).where(Outbox.id == waiting.id).values(not_before=later)
        )
        await session.commit()
    await bind_web(app, clock)
    async with app.sessionmaker() as session:
        moved = await session.get(Outbox, waiting.id)
    assert moved is not None and (moved.channel, moved.chat_id) == ("web", "w-browser")
    assert moved.not_before == later  # still held back: moving it is not sending it now


async def test_an_unreachable_channel_falls_back_to_the_next(
    app: App, force: Force, clock: FrozenClock
) -> None:
    await bind_web(app, clock)
    time = FakeTime(clock)
    web, tg = FakeChannel(time, "web"), FakeChannel(time, "telegram")
    web.blocked.add("w-browser")  # e.g. the device session ended
    row = await push(app, "f1")
    assert row.channel == "web"
    sender = OutboxSender(
        app.sessionmaker,
        {"web": web, "telegram": tg},
        clock=app.clock,
        settings=app.settings,
        catalog=app.catalog,
        sleep=time.sleep,
        monotonic=time.monotonic,
    )
    report = await sender.run_until_idle()
    assert (report.rerouted, report.sent, report.unreachable) == (1, 1, 0)
    assert [chat for chat, _ in tg.delivered] == [f"u{force['A001'].id}"]
    async with app.sessionmaker() as session:
        done = await session.get(Outbox, row.id)
        assert done is not None
        assert (done.status, done.channel) == (OutboxStatus.SENT, "telegram")
        web_account = (
            await session.execute(select(ChannelAccount).where(ChannelAccount.channel == "web"))
        ).scalar_one()
        assert not web_account.reachable
        # the person was reached: the mentor is not told they cannot be
        notes = await session.execute(select(Outbox).where(Outbox.kind == "unreachable"))
        assert notes.scalars().all() == []
    # the next push goes straight to Telegram; writing from the web makes it reachable again
    assert (await push(app, "f2")).channel == "telegram"
    clock.advance(timedelta(minutes=1))
    await turn(app, WEB, "/menu", "web-3")
    assert (await push(app, "f3")).channel == "web"


async def test_a_new_code_replaces_an_unreachable_account_of_that_channel(
    app: App, force: Force, clock: FrozenClock
) -> None:
    await bind_web(app, clock)
    async with app.unit_of_work() as svc:
        acc = await repo.active_account(svc.session, "web", "w-browser")
        assert acc is not None
        acc.reachable = False  # its device session ended
        [issued] = await svc.registration.issue_codes(
            Actor.cli("test"), employee_no="A001", also_bound=True
        )
    new = Account("web", "w-new-phone", "w-new-phone")
    assert "绑定成功" in await turn(app, new, f"/start {issued.code}", "web-new")
    async with app.sessionmaker() as session:
        active = await repo.active_accounts_of(session, force["A001"].id)
        assert sorted(a.external_user_id for a in active if a.channel == "web") == ["w-new-phone"]
        events = (
            (
                await session.execute(
                    select(AuditEvent.payload).where(AuditEvent.kind == "account.unbound")
                )
            )
            .scalars()
            .all()
        )
    assert [e["accounts"] for e in events] == [["web:w-browser"]]


async def test_unbind_one_channel_keeps_the_other(
    app: App, force: Force, clock: FrozenClock
) -> None:
    await bind_web(app, clock)
    async with app.unit_of_work() as svc:
        assert await svc.registration.unbind(Actor.cli("test"), "A001", channel="web") == 1
    async with app.sessionmaker() as session:
        active = await repo.active_accounts_of(session, force["A001"].id)
        events = (
            (
                await session.execute(
                    select(AuditEvent.payload).where(AuditEvent.kind == "account.unbound")
                )
            )
            .scalars()
            .all()
        )
    assert [a.channel for a in active] == ["telegram"]
    assert [e["accounts"] for e in events] == [["web:w-browser"]]
    assert (await push(app, "u1")).channel == "telegram"


async def test_the_console_shows_where_pushes_go_and_prints_a_web_link(
    app: App, force: Force, clock: FrozenClock
) -> None:
    await bind_web(app, clock)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        page = await (await client.get("/console/people/A001")).text()
        rows = re.findall(r"<tr( class=\"receives\")?><td>(\w+)</td>", page)
        assert rows[:2] == [(' class="receives"', "web"), ("", "telegram")]  # then bindings
        assert "通知和提醒发到这里" in page
        # the office prints a code for a bound person: another device, with the web link
        printed = await (
            await client.post("/console/people/A001/invite", data={"csrf": csrf})
        ).text()
    assert re.search(r'href="http://127\.0\.0\.1:8080/chat/\?code=\w{8}"', printed)
