"""The outbox sender: limits, 429/403/5xx, priorities, crash recovery, two senders at once.

Time is fake: the sender's injected sleep advances a fake monotonic clock and the
FrozenClock together, so a 20 s backoff costs nothing and every pause can be measured.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import test_utils as aiohttp_test
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.app import App
from bot.channels.base import Rejected, RetryAfter, TransientError, Unreachable
from bot.channels.telegram_aiogram import AiogramChannel
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core import Button, Incoming, Reply
from bot.notify import PRIORITY_BULK, PRIORITY_URGENT, Message
from scheduled.sender import HEARTBEAT_TTL, OutboxSender, claim_statement
from storage import outbox
from storage import people as people_repo
from storage.models import ChannelAccount, Outbox, OutboxStatus, Person
from tests.conftest import T0
from tests.factories import Force, add_person, bind_account, make_force

BLOCKED = "Forbidden: bot was blocked by the user"
SETTLED = {OutboxStatus.SENT, OutboxStatus.UNREACHABLE, OutboxStatus.FAILED}


class FakeTime:
    """A monotonic clock and a sleep that advance the FrozenClock too, without waiting."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # Let the tasks that are ready run first: they act "now", before time moves on.
        await asyncio.sleep(0)
        if seconds > 0:
            self.now += seconds
            self.slept += seconds
            self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


class Crash(BaseException):
    """The process dies (kill -9) right after the platform accepted a message."""


@dataclass
class Call:
    at: float  # fake monotonic time of the call
    chat_id: str
    text: str
    reply: Reply


class FakeChannel:
    """A channel adapter that records every call and fails the way it is told to."""

    def __init__(self, time: FakeTime, name: str = "test") -> None:
        self.name = name
        self.time = time
        self.calls: list[Call] = []
        self.delivered: list[tuple[str, str]] = []  # (chat, text) the person got
        self.edits: list[tuple[str, str]] = []  # (chat, message id) edited
        self.blocked: set[str] = set()  # chats answering 403
        self.failing: dict[str, int] = {}  # chat -> 5xx answers left (-1: forever)
        self.retry_after: dict[int, float] = {}  # call number -> 429 with this wait
        self.rejected: set[str] = set()  # chats answering 400
        self.crash_after: int | None = None  # call number that dies after delivering
        self.before: Callable[[int], Awaitable[None]] | None = None

    async def send(self, chat_id: str, reply: Reply) -> str:
        n = len(self.calls) + 1
        self.calls.append(Call(self.time.now, chat_id, reply.text, reply))
        await asyncio.sleep(0)  # let other deliveries interleave, as a network call would
        if self.before is not None:
            await self.before(n)
        if n in self.retry_after:
            raise RetryAfter("Too Many Requests: retry after", self.retry_after[n])
        if chat_id in self.blocked:
            raise Unreachable(BLOCKED)
        if chat_id in self.rejected:
            raise Rejected("Bad Request: chat not found")
        left = self.failing.get(chat_id, 0)
        if left:
            self.failing[chat_id] = left - 1 if left > 0 else left
            raise TransientError("Internal Server Error")
        self.delivered.append((chat_id, reply.text))
        if n == self.crash_after:
            raise Crash
        return str(n)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        self.edits.append((chat_id, message_id))
        await self.send(chat_id, reply)  # the same limits and failures as a new message
        return message_id

    def at(self, chat_id: str) -> list[float]:
        return [c.at for c in self.calls if c.chat_id == chat_id]


@pytest.fixture
def fake_time(clock: FrozenClock) -> FakeTime:
    return FakeTime(clock)


@pytest.fixture
def channel(fake_time: FakeTime) -> FakeChannel:
    return FakeChannel(fake_time)


@pytest.fixture
async def force(app: App) -> Force:
    """The sample force, everyone bound on the "test" channel (chat id = employee no)."""
    async with app.unit_of_work() as svc:
        built = await make_force(svc.session, app.clock)
        for emp, person in built.people.items():
            await bind_account(svc.session, app.clock, person, user_id=emp)
    return built


def make_sender(app: App, channels: list[Any], time: FakeTime, **settings: Any) -> OutboxSender:
    return OutboxSender(
        app.sessionmaker,
        {ch.name: ch for ch in channels},
        clock=app.clock,
        settings=app.settings.model_copy(update=settings),
        catalog=app.catalog,
        sleep=time.sleep,
        monotonic=time.monotonic,
    )


async def account(app: App, employee_no: str) -> ChannelAccount:
    async with app.sessionmaker() as s:
        person = await people_repo.person_by_employee_no(s, employee_no)
        assert person is not None
        [acc] = await people_repo.active_accounts_of(s, person.id)
        return acc


async def enqueue(
    app: App,
    employee_no: str,
    count: int,
    *,
    prefix: str = "bulk",
    priority: int = PRIORITY_BULK,
    chat: Callable[[int], str] | None = None,
    buttons: list[list[dict[str, str]]] | None = None,
    edit: str | None = None,
) -> None:
    """`count` messages to a person (or, with `chat`, to made-up chats of that account);
    with `edit`, edits of that message."""
    acc = await account(app, employee_no)
    now = app.clock.now()
    rows = []
    for i in range(count):
        row = outbox.row_for(
            outbox.Outgoing(
                kind="notice",
                ref=f"notice:{prefix}",
                text=f"{prefix} {i}",
                buttons=buttons,
                not_before=now,
                now=now,
                priority=priority,
            ),
            person_id=acc.person_id,
            account=acc,
            dedupe_key=f"{prefix}:{i}",
            edit_message_id=edit,
        )
        if chat is not None:
            row["chat_id"] = chat(i)
        rows.append(row)
    async with app.sessionmaker() as s:
        await outbox.enqueue(s, rows)
        await s.commit()


async def all_rows(app: App) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list((await s.execute(select(Outbox).order_by(Outbox.id))).scalars())


async def rows_of(app: App, prefix: str) -> list[Outbox]:
    return [r for r in await all_rows(app) if r.dedupe_key.startswith(f"{prefix}:")]


# --- the whole path ------------------------------------------------------------------


async def test_every_row_is_delivered_or_accounted_for_and_none_twice(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 40, chat=lambda i: f"c{i % 20}")  # 2 per chat
    await enqueue(app, "A002", 3, prefix="blocked")
    await enqueue(app, "A003", 2, prefix="reject")
    channel.blocked.add("A002")
    channel.rejected.add("A003")
    channel.failing |= {"c3": 2, "c4": 1, "c5": -1}
    channel.retry_after |= {5: 3.0, 17: 1.0}
    sender = make_sender(app, [channel], fake_time)
    report = await sender.run_until_idle()

    rows = await all_rows(app)
    assert all(r.status in SETTLED for r in rows)
    assert Counter(channel.delivered).most_common(1)[0][1] == 1  # nobody got one twice
    sent = {(r.chat_id, r.text) for r in rows if r.status == OutboxStatus.SENT}
    assert sent == set(channel.delivered)
    bulk = await rows_of(app, "bulk")
    failed = [r for r in bulk if r.status == OutboxStatus.FAILED]
    assert {r.chat_id for r in failed} == {"c5"}  # the chat whose server always fails
    assert all(r.error == "Internal Server Error" for r in failed)
    assert sum(r.status == OutboxStatus.SENT for r in bulk) == 38
    assert {r.status for r in await rows_of(app, "blocked")} == {OutboxStatus.UNREACHABLE}
    assert {r.status for r in await rows_of(app, "reject")} == {OutboxStatus.FAILED}
    assert report.throttled == 2 and report.sent == len(sent)


async def test_buttons_reach_the_channel_as_button_rows(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    buttons = [[{"label": "阅读", "action": "pl:o:7"}, {"label": "稍后", "action": "m:home"}]]
    await enqueue(app, "A001", 1, buttons=buttons)
    await make_sender(app, [channel], fake_time).run_until_idle()
    [call] = channel.calls
    assert call.reply.buttons == [[Button("阅读", "pl:o:7"), Button("稍后", "m:home")]]
    [row] = await all_rows(app)
    assert row.status == OutboxStatus.SENT
    assert row.external_message_id == "1" and row.sent_at == app.clock.now()


async def test_a_row_with_a_message_id_edits_that_message(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 1, prefix="progress", edit="41")
    await enqueue(app, "A001", 1)
    await make_sender(app, [channel], fake_time).run_until_idle()
    assert channel.edits == [("A001", "41")]  # the other row is a new message
    assert channel.delivered == [("A001", "progress 0"), ("A001", "bulk 0")]
    [edited] = await rows_of(app, "progress")
    assert edited.status == OutboxStatus.SENT and edited.external_message_id == "41"
    [sent] = await rows_of(app, "bulk")
    assert sent.status == OutboxStatus.SENT and sent.external_message_id == "2"


# --- 429 ---------------------------------------------------------------------------


async def test_429_pauses_all_sending_for_retry_after_and_drops_nothing(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 30, chat=lambda i: f"c{i}")
    channel.retry_after[6] = 7.0
    report = await make_sender(app, [channel], fake_time).run_until_idle()

    throttled_at = channel.calls[5].at
    later = [c.at for c in channel.calls[6:]]
    assert later and min(later) >= throttled_at + 7.0  # everything waited, not just that chat
    # In-flight calls started before the 429 are the only ones inside the pause.
    inside = [c for c in channel.calls if throttled_at < c.at < throttled_at + 7.0]
    assert inside == []
    rows = await all_rows(app)
    assert [r.status for r in rows] == [OutboxStatus.SENT] * 30
    assert len(channel.delivered) == len(set(channel.delivered)) == 30
    throttled_chat = channel.calls[5].chat_id
    [row] = [r for r in rows if r.chat_id == throttled_chat]
    assert row.attempts == 1  # the 429 was not counted as a failed attempt
    assert report.throttled == 1


# --- 403 ---------------------------------------------------------------------------


async def test_403_marks_account_unreachable_and_tells_the_mentor_once(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 4, prefix="zhang")  # 张三 blocked the bot
    await enqueue(app, "A002", 2, prefix="li")
    channel.blocked.add("A001")
    await make_sender(app, [channel], fake_time).run_until_idle()

    assert len(channel.at("A001")) == 1  # one 403 is enough: no more calls to that chat
    assert {r.status for r in await rows_of(app, "zhang")} == {OutboxStatus.UNREACHABLE}
    assert {r.error for r in await rows_of(app, "zhang")} == {BLOCKED}
    assert {r.status for r in await rows_of(app, "li")} == {OutboxStatus.SENT}
    acc = await account(app, "A001")
    assert not acc.reachable and acc.unreachable_reason == BLOCKED
    notes = [r for r in await all_rows(app) if r.kind == "esc.unreachable"]
    assert len(notes) == 1
    [note] = notes
    assert note.chat_id == "M001" and note.status == OutboxStatus.SENT  # sent in the same run
    assert "张三" in note.text and "已屏蔽本助手" in note.text
    assert note.dedupe_key == f"unreachable:{force['A001'].id}:{acc.id}"


async def test_403_note_is_not_repeated_by_the_deadline_engine_key(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    """A second 403 later (new rows, a later run) does not tell the mentor again."""
    channel.blocked.add("A001")
    await enqueue(app, "A001", 1, prefix="first")
    await make_sender(app, [channel], fake_time).run_until_idle()
    async with app.sessionmaker() as s:  # the person unblocked, then blocked again
        await s.execute(update(ChannelAccount).values(reachable=True))
        await s.commit()
    await enqueue(app, "A001", 1, prefix="second")
    await make_sender(app, [channel], fake_time).run_until_idle()
    assert len(channel.at("A001")) == 2
    assert len([r for r in await all_rows(app) if r.kind == "esc.unreachable"]) == 1


# --- network errors and 5xx ----------------------------------------------------------


async def test_5xx_is_retried_with_backoff_then_failed_with_the_reason(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 1, prefix="down")
    await enqueue(app, "A002", 1, prefix="flaky")
    channel.failing |= {"A001": -1, "A002": 2}
    report = await make_sender(app, [channel], fake_time).run_until_idle()

    tries = channel.at("A001")
    assert len(tries) == app.settings.send_max_attempts == 5
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert all(gap >= want for gap, want in zip(gaps, [2, 4, 8, 16], strict=True))
    [down] = await rows_of(app, "down")
    assert (down.status, down.error, down.attempts) == (
        OutboxStatus.FAILED,
        "Internal Server Error",
        5,
    )
    [flaky] = await rows_of(app, "flaky")
    assert flaky.status == OutboxStatus.SENT and flaky.attempts == 3
    assert len(channel.at("A002")) == 3
    assert (report.failed, report.sent) == (1, 1)


async def test_max_attempts_is_a_setting(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 1, prefix="down")
    channel.failing["A001"] = -1
    await make_sender(app, [channel], fake_time, send_max_attempts=2).run_until_idle()
    assert len(channel.at("A001")) == 2
    assert (await rows_of(app, "down"))[0].status == OutboxStatus.FAILED


async def test_an_adapter_bug_is_retried_like_a_network_error(
    app: App,
    force: Force,
    channel: FakeChannel,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(n: int) -> None:
        if n == 1:
            raise KeyError("reply_markup")

    channel.before = broken
    await enqueue(app, "A001", 1)
    await make_sender(app, [channel], fake_time).run_until_idle()
    [row] = await all_rows(app)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert row.error is None  # sent in the end: no stale error shown to the office
    assert "outbox 1: unexpected error from test" in caplog.text


# --- priorities --------------------------------------------------------------------


async def test_urgent_row_is_not_stuck_behind_a_broadcast(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 500, chat=lambda i: f"c{i}")
    enqueued_at: list[int] = []

    async def escalate_midway(n: int) -> None:
        if n == 100:  # the broadcast is under way when the escalation comes in
            await enqueue(app, "M001", 1, prefix="urgent", priority=PRIORITY_URGENT)
            enqueued_at.append(n)

    channel.before = escalate_midway
    await make_sender(app, [channel], fake_time).run_until_idle()
    assert enqueued_at == [100]
    position = next(i for i, c in enumerate(channel.calls) if c.text == "urgent 0")
    batch = app.settings.send_concurrency * 4
    assert position < 100 + 2 * batch  # the next claim, not after the other 400
    assert len(channel.delivered) == 501


async def test_urgent_row_enqueued_after_the_broadcast_goes_first(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 500, chat=lambda i: f"c{i}")
    await enqueue(app, "M001", 1, prefix="urgent", priority=PRIORITY_URGENT)
    await make_sender(app, [channel], fake_time).run_until_idle()
    assert channel.calls[0].text == "urgent 0"


# --- limits ------------------------------------------------------------------------


async def test_one_chat_gets_one_message_a_second_without_holding_up_others(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 3, prefix="same")  # three to 张三
    await enqueue(app, "A002", 10, prefix="others", chat=lambda i: f"o{i}")
    await make_sender(app, [channel], fake_time).run_until_idle()

    same = channel.at("A001")
    assert len(same) == 3
    assert all(b - a >= 1.0 for a, b in zip(same, same[1:], strict=False))
    others = [c.at for c in channel.calls if c.chat_id.startswith("o")]
    assert len(others) == 10 and max(others) < same[1]  # nobody waited for 张三's chat
    texts = [c.text for c in channel.calls if c.chat_id == "A001"]
    assert texts == ["same 0", "same 1", "same 2"]  # a chat's messages keep their order


async def test_a_group_gets_at_most_20_messages_a_minute(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "O001", 4, prefix="group", chat=lambda _: "-1001234")
    await make_sender(app, [channel], fake_time).run_until_idle()
    times = channel.at("-1001234")
    assert len(times) == 4
    assert all(b - a >= 3.0 for a, b in zip(times, times[1:], strict=False))


@pytest.mark.parametrize("rate", [28.0, 10.0])
async def test_global_rate_is_kept(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime, rate: float
) -> None:
    count = 120
    await enqueue(app, "A001", count, chat=lambda i: f"c{i}")
    await make_sender(app, [channel], fake_time, send_rate=rate).run_until_idle()
    times = [c.at for c in channel.calls]
    assert len(times) == count
    assert times[-1] - times[0] >= (count - 1) / rate - 1e-9
    for i in range(len(times) - int(rate)):  # no second holds more than `rate` calls
        assert times[i + int(rate)] - times[i] >= 1.0 - 1e-9


# --- crashes and several senders ----------------------------------------------------


async def test_recovery_after_a_crash_sends_at_most_the_in_flight_twice(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime, db_kind: str
) -> None:
    await enqueue(app, "A001", 60, chat=lambda i: f"c{i}")
    channel.crash_after = 10
    with pytest.raises(Crash):
        await make_sender(app, [channel], fake_time).drain_once()
    stuck = [r for r in await all_rows(app) if r.status == OutboxStatus.SENDING]
    assert stuck  # the killed process left claimed rows behind

    channel.crash_after = None
    restarted = make_sender(app, [channel], fake_time)
    if db_kind == "pg":
        # Another process may still be delivering those: not while its heartbeat is fresh
        assert await restarted.recover() == 0
        # the dead sender stops beating: its rows come back within seconds, not minutes
        app.clock.advance(HEARTBEAT_TTL + timedelta(seconds=1))
        assert HEARTBEAT_TTL + timedelta(seconds=1) < timedelta(seconds=15)
    assert await restarted.recover() == len(stuck)
    await restarted.run_until_idle()

    rows = await all_rows(app)
    assert [r.status for r in rows] == [OutboxStatus.SENT] * 60
    twice = [k for k, n in Counter(channel.delivered).items() if n > 1]
    assert twice == [(channel.calls[9].chat_id, channel.calls[9].text)]  # the one in flight
    assert len(twice) <= app.settings.send_concurrency
    assert len(set(channel.delivered)) == 60


async def test_a_live_senders_claims_are_never_taken(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    """However long a delivery or a 429 pause lasts, a sender that beats keeps its rows."""
    await enqueue(app, "A001", 20, chat=lambda i: f"c{i}")
    channel.crash_after = 3
    slow = make_sender(app, [channel], fake_time)
    with pytest.raises(Crash):
        await slow.drain_once()  # leaves claimed rows, as a sender in the middle of a batch
    other = make_sender(app, [channel], fake_time)
    for _ in range(5):
        app.clock.advance(timedelta(minutes=2))
        await slow.heartbeat()
        assert await other.recover(at_start=False) == 0
    app.clock.advance(HEARTBEAT_TTL + timedelta(seconds=1))  # `slow` died
    assert await other.recover(at_start=False) > 0


async def test_two_senders_deliver_each_row_exactly_once(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 300, chat=lambda i: f"c{i}")
    first = make_sender(app, [channel], fake_time, send_concurrency=4)
    second = make_sender(app, [channel], fake_time, send_concurrency=4)
    reports = await asyncio.gather(first.run_until_idle(), second.run_until_idle())
    assert len(channel.delivered) == len(set(channel.delivered)) == 300
    assert {r.status for r in await all_rows(app)} == {OutboxStatus.SENT}
    assert sum(r.sent for r in reports) == 300
    assert all(r.sent > 0 for r in reports)  # both really took part


def test_claim_skips_locked_rows_on_postgresql_only() -> None:
    def sql(dialect: Any, name: str) -> str:
        stmt = claim_statement(name, now=T0, channels=["telegram"], limit=32)
        return str(stmt.compile(dialect=dialect))

    assert "FOR UPDATE SKIP LOCKED" in sql(postgresql.dialect(), "postgresql")
    assert "FOR UPDATE" not in sql(sqlite.dialect(), "sqlite")
    assert "ORDER BY outbox.priority, outbox.id" in sql(sqlite.dialect(), "sqlite")


async def test_rows_for_a_channel_nobody_runs_are_left_alone(
    app: App, force: Force, channel: FakeChannel, fake_time: FakeTime
) -> None:
    await enqueue(app, "A001", 2)
    console = FakeChannel(fake_time, name="console")
    await make_sender(app, [console], fake_time).run_until_idle()
    assert console.calls == []
    assert {r.status for r in await all_rows(app)} == {OutboxStatus.PENDING}


async def test_run_delivers_what_is_enqueued_while_it_runs(
    app: App, force: Force, clock: FrozenClock
) -> None:
    """The real loop with real time: woken by an enqueuer, stopped gracefully."""
    time = FakeTime(clock)
    channel = FakeChannel(time)
    got = asyncio.Event()

    async def count(n: int) -> None:
        if n == 3:
            got.set()

    channel.before = count
    sender = OutboxSender(
        app.sessionmaker,
        {"test": channel},
        clock=app.clock,
        settings=app.settings.model_copy(update={"send_per_chat_interval": 0.0}),
        catalog=app.catalog,
        poll_interval=5.0,
    )
    progress: list[int] = []
    sender.on_progress = lambda totals: progress.append(totals.sent)
    task = asyncio.create_task(sender.run())
    await enqueue(app, "A001", 3, chat=lambda i: f"c{i}")
    sender.wake()
    await asyncio.wait_for(got.wait(), 5)
    sender.stop()
    await asyncio.wait_for(task, 5)
    assert len(channel.delivered) == 3
    assert progress[-1] == 3 and sender.totals.sent == 3


# --- over HTTP, through the real aiogram adapter ------------------------------------


class BotApi:
    """A tiny Bot API: 429 on some calls, 403 for blocked chats, 500 now and then."""

    def __init__(self) -> None:
        self.calls = 0
        self.delivered: list[tuple[int, str]] = []
        self.throttle_on = {8, 25}
        self.blocked: set[int] = set()
        self.flaky: set[int] = set()  # chats whose first call fails with 500
        self.down: set[int] = set()  # chats whose calls always fail with 500
        self._tried: set[int] = set()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.server = aiohttp_test.TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        chat, text = int(str(form["chat_id"])), str(form["text"])
        self.calls += 1
        if self.calls in self.throttle_on:
            return self._error(429, "Too Many Requests: retry after 4", retry_after=4)
        if chat in self.blocked:
            return self._error(403, BLOCKED)
        if chat in self.down or (chat in self.flaky and chat not in self._tried):
            self._tried.add(chat)
            return self._error(500, "Internal Server Error")
        self.delivered.append((chat, text))
        message = {
            "message_id": self.calls,
            "date": 1_700_000_000,
            "text": text,
            "chat": {"id": chat, "type": "private"},
        }
        return web.json_response({"ok": True, "result": message})

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.Response(status=code, text=json.dumps(body), content_type="application/json")


class NoConversation:
    async def handle(self, event: Incoming) -> list[Reply]:
        return []


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApi]:
    api = BotApi()
    await api.server.start_server()
    yield api
    await api.server.close()


async def test_over_http_every_row_is_delivered_or_accounted_for(
    app: App, bot_api: BotApi, fake_time: FakeTime, settings: Settings
) -> None:
    chats = list(range(7000, 7050))
    bot_api.blocked = {c for c in chats if c % 10 == 7}
    bot_api.flaky = {c for c in chats if c % 6 == 1}
    bot_api.down = {7000}
    async with app.unit_of_work() as svc:
        built = await make_force(svc.session, app.clock)
        mentor = built["M001"]
        await bind_account(svc.session, app.clock, mentor, channel="telegram", user_id="6999")
        for chat in chats:
            person = await add_person(
                svc.session,
                app.clock,
                employee_no=f"H{chat}",
                name=f"辅警{chat}",
                unit=built.units["城关派出所"],
            )
            await people_repo.rebind(
                svc.session,
                auxiliary_id=person.id,
                mentor_id=mentor.id,
                leader_id=built["L001"].id,
                at=app.clock.now(),
                changed_by="test",
            )
            await bind_account(
                svc.session, app.clock, person, channel="telegram", user_id=str(chat)
            )
        await svc.session.flush()
        people = (
            (await svc.session.execute(select(Person).where(Person.employee_no.like("H%"))))
            .scalars()
            .all()
        )
        for person in people:
            await svc.notifier.to_person(
                person,
                Message("esc-person-left", "notice", PRIORITY_BULK),
                ref="notice:1",
                dedupe_key=f"n:{person.id}",
                name=person.name,
            )
    adapter = AiogramChannel(
        settings.model_copy(
            update={
                "telegram_token": SecretStr("123456:TEST-token"),
                "telegram_api_url": bot_api.url,
            }
        ),
        NoConversation(),  # type: ignore[arg-type]
    )
    try:
        sender = make_sender(app, [adapter], fake_time)
        await sender.run_until_idle()
    finally:
        await adapter.bot.session.close()

    rows = await all_rows(app)
    assert all(r.status in SETTLED for r in rows)
    notices = [r for r in rows if r.kind == "notice"]
    assert len(notices) == 50
    by_status = Counter(r.status for r in notices)
    assert by_status[OutboxStatus.UNREACHABLE] == len(bot_api.blocked) == 5
    assert by_status[OutboxStatus.FAILED] == 1  # chat 7000, whose server never recovered
    assert by_status[OutboxStatus.SENT] == 44
    assert Counter(bot_api.delivered).most_common(1)[0][1] == 1  # none twice
    delivered = {str(chat) for chat, _ in bot_api.delivered}
    assert {r.chat_id for r in notices if r.status == OutboxStatus.SENT} <= delivered
    [failed] = [r for r in notices if r.status == OutboxStatus.FAILED]
    assert "Internal Server Error" in (failed.error or "")
    notes = [r for r in rows if r.kind == "esc.unreachable"]
    assert len(notes) == 5 and {r.status for r in notes} == {OutboxStatus.SENT}
    assert sum(chat == 6999 for chat, _ in bot_api.delivered) == 5  # the mentor heard it
    assert fake_time.slept >= 8.0  # two 429s paused everything for 4 s each
