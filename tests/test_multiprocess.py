"""Several processes on one database: the update ledger, one event of a person at a time,
transient database faults retried, simultaneous people on SQLite, double presses.

`Conversation`s built from one App stand for several bot processes: each has its own
in-process lock, so only the database (the ledger, the row lock on the conversation
state, SQLite's write lock) keeps them from handling one update twice.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.conversation import Conversation, NotHandled
from bot.core import Incoming, Kind, Reply
from bot.services.checkins import Week
from bot.services.notices import Composed
from scheduled import jobs as jobs_mod
from scheduled.checkins import open_week
from storage import audit
from storage.db import make_engine
from storage.models import (
    Assignment,
    Base,
    Campaign,
    Person,
    ProcessedUpdate,
    SchedulerLease,
    Signature,
)
from storage.models_checkin import CheckinResponse
from storage.models_hotline import Ticket
from storage.models_notices import Notice, NoticeAck
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import AUDIT_KEY_BYTES, local, outbox_for

ASKED = "年假有几天"


async def _bound(app: App, *employee_nos: str) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in employee_nos:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)


async def _count(app: App, model: Any) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _event(user: ChatUser, action: str, event_id: str | None) -> Incoming:
    return Incoming(user.account, Kind.BUTTON, name=action, message_ref="7", event_id=event_id)


def _action(user: ChatUser, label: str) -> str:
    for reply in reversed(user.last):
        for row in reply.buttons:
            for button in row:
                if label in button.label:
                    return button.action
    raise AssertionError(f"no button {label!r} in {user.text}")


async def _to_named_question(app: App) -> ChatUser:
    """A001 typed a question and pressed "ask a person": the named/anonymous choice shows."""
    await _bound(app, "A001")
    user = ChatUser(app.conversation(), "A001")
    await user.send(ASKED)
    await user.press("转人工")
    return user


async def test_a_redelivered_update_is_acknowledged_and_ignored(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-77")
    first = await user.conversation.handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in first)
    # Telegram sends it again (a webhook retry, a polling restart), to another process
    again = await app.conversation().handle(named)
    assert again == []  # acknowledged, nothing said twice
    assert await _count(app, Ticket) == 1
    async with app.sessionmaker() as s:
        keys = (await s.execute(select(ProcessedUpdate.update_key))).scalars().all()
    assert keys == ["update-77"]


async def test_the_same_update_at_two_processes_at_once_is_handled_once(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-78")
    answers = await asyncio.gather(*(app.conversation().handle(named) for _ in range(3)))
    assert sorted(len(a) for a in answers) == [0, 0, 1]
    assert await _count(app, Ticket) == 1


async def test_one_persons_events_are_handled_one_at_a_time_across_processes(
    app: App,
) -> None:
    """Two processes take two updates of one person at the same moment: the second starts
    from the state the first left (one ticket, and a clear answer to the second)."""
    user = await _to_named_question(app)
    action = _action(user, "署名提问")
    answers = await asyncio.gather(
        app.conversation().handle(_event(user, action, "u1")),
        app.conversation().handle(_event(user, action, "u2")),
    )
    texts = ["\n".join(r.text for r in a) for a in answers]
    assert sum("转交政治处辅警办，问题编号 H" in t for t in texts) == 1, texts
    assert await _count(app, Ticket) == 1


class FlakySessions:
    """A sessionmaker whose first `failures` commits lose the connection."""

    def __init__(self, app: App, failures: int) -> None:
        self.inner = app.writer
        self.failures = failures

    def __call__(self) -> Any:
        return self._session()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self.inner() as session:
            real_commit = session.commit

            async def commit() -> None:
                if self.failures > 0:
                    self.failures -= 1
                    await session.rollback()
                    raise OperationalError(
                        "COMMIT", {}, ConnectionResetError("connection is closed")
                    )
                await real_commit()

            session.commit = commit  # type: ignore[method-assign]
            yield session


def _flaky(app: App, failures: int) -> Conversation:
    conversation = app.conversation()
    conversation.sessionmaker = FlakySessions(app, failures)  # type: ignore[assignment]
    conversation.retry_delays = (0.0,) * 5  # the backoff itself is not under test
    return conversation


async def test_a_dropped_connection_is_retried_and_the_update_handled_once(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-80")
    replies = await _flaky(app, failures=2).handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in replies)
    assert await _count(app, Ticket) == 1
    assert await app.conversation().handle(named) == []


async def test_a_database_that_stays_down_leaves_the_update_unacknowledged(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-81")
    conversation = _flaky(app, failures=100)
    with pytest.raises(NotHandled):
        await conversation.handle(named)
    assert await _count(app, Ticket) == 0
    # Telegram delivers it again once the database is back: handled then, once
    replies = await app.conversation().handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in replies)
    assert await _count(app, Ticket) == 1


async def test_a_group_of_presses_cut_off_at_its_commit_is_retried_and_acts_once(
    app: App,
) -> None:
    """Twenty people press 收到 at once on one process (on PostgreSQL one group commit,
    see bot.conversation.GroupCommit) and the connection drops at the commit, twice: the
    group is retried, each press is answered and acknowledged once, and the channel's
    redelivery of every update afterwards acts on none."""
    users = await _crowd(app)
    async with app.unit_of_work() as svc:
        sent = await svc.notices.send(
            Actor.cli(),
            Composed(audience="role:auxiliary", text="通知", ack_by=local(2026, 12, 2, 18)),
        )
    conversation = _flaky(app, failures=2)
    events = [
        _event(
            ChatUser(conversation, u.account.external_user_id),
            f"nt:ack:{sent.notice_id}",
            f"upd-{i}",
        )
        for i, u in enumerate(users)
    ]
    answers = await asyncio.gather(*(conversation.handle(e) for e in events))
    assert conversation.sessionmaker.failures == 0  # type: ignore[attr-defined]
    assert all(a and "已确认收到" in (a[0].toast or "") for a in answers), answers
    again = await asyncio.gather(*(app.conversation().handle(e) for e in events))
    assert again == [[]] * CROWD
    assert await _count(app, NoticeAck) == CROWD
    async with app.sessionmaker() as s:
        _, broken = await audit.verify(s, AUDIT_KEY_BYTES)
    assert broken is None


# --- many people at the same instant ---------------------------------------------------

CROWD = 20
NAMES = [f"测试{chr(0x4E00 + i * 7)}{chr(0x4E50 + i * 3)}" for i in range(CROWD)]


async def _crowd(app: App) -> list[ChatUser]:
    """CROWD auxiliaries with accounts; a pledge and a notice to all of them."""
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for i, name in enumerate(NAMES):
            person = await add_person(
                svc.session,
                app.clock,
                employee_no=f"C{i:03d}",
                name=name,
                unit=force.units["城关派出所"],
            )
            await bind_account(svc.session, app.clock, person, user_id=f"C{i:03d}")
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(
            Actor.cli(), "online-conduct", audience="all", due_at=local(2026, 12, 15, 12)
        )
    conversation = app.conversation()  # one process, as SQLite allows
    return [ChatUser(conversation, f"C{i:03d}") for i in range(CROWD)]


async def test_twenty_people_signing_and_pressing_at_the_same_instant_all_succeed(
    app: App,
) -> None:
    users = await _crowd(app)
    for user in users:  # each reads the pledge up to the signing step
        await user.send("/menu")
        await user.press("我的任务")
        await user.press("阅读")
        while any("下一页" in label for label in user.labels()):
            await user.press("下一页")
        await user.press("我已阅读并同意")
    await asyncio.gather(*(u.send(name) for u, name in zip(users, NAMES, strict=True)))
    texts = [u.text for u in users]
    assert not [t for t in texts if "出了点问题" in t], texts
    assert all("签署成功" in t for t in texts), texts
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Signature)) == CROWD

    async with app.unit_of_work() as svc:
        await svc.notices.send(
            Actor.cli(),
            Composed(audience="role:auxiliary", text="通知", ack_by=local(2026, 12, 2, 18)),
        )
    actions = []
    for i in range(CROWD):
        [row] = [
            r for r in await outbox_for(app, f"C{i:03d}") if (r.ref or "").startswith("notice:")
        ]
        actions.append(next(b["action"] for r in row.buttons for b in r if "收到" in b["label"]))
    await asyncio.gather(*(u.tap(a) for u, a in zip(users, actions, strict=True)))
    texts = [u.text for u in users]
    assert not [t for t in texts if "出了点问题" in t], texts
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(NoticeAck)) == CROWD
    async with app.sessionmaker() as s:
        _, broken = await audit.verify(s, AUDIT_KEY_BYTES)
    assert broken is None


# --- double presses: three presses of one button at once act once -----------------------


async def _three_presses(app: App, user: ChatUser, action: str) -> list[str]:
    """The same button pressed three times at once, each press taken by another process."""
    answers = await asyncio.gather(
        *(app.conversation().handle(_event(user, action, None)) for _ in range(3))
    )
    return ["\n".join(r.text for r in a) for a in answers]


async def test_three_presses_of_a_notices_send_send_one_notice(app: App) -> None:
    await _bound(app, "O001", "A001", "A002")
    office = ChatUser(app.conversation(), "O001")
    await office.send("/notice")
    await office.press("👤 辅警")
    await office.press("下一步")
    await office.send("今晚加班")
    await office.press("不需要确认")
    texts = await _three_presses(app, office, "nt:send")
    assert sum("已开始发送" in t for t in texts) == 1, texts
    assert sum("已经发出，不会重复发送" in t for t in texts) == 2, texts
    assert await _count(app, Notice) == 1
    assert len([r for r in await outbox_for(app, "A001") if r.kind == "notice"]) == 1


async def test_three_presses_of_the_hotlines_send_make_one_ticket(app: App) -> None:
    user = await _to_named_question(app)
    texts = await _three_presses(app, user, _action(user, "匿名提问"))
    assert sum("转交政治处辅警办，问题编号 H" in t for t in texts) == 1, texts
    assert sum("不会重复提交" in t for t in texts) == 2, texts
    assert await _count(app, Ticket) == 1


async def test_three_presses_of_all_fine_submit_one_checkin(app: App) -> None:
    await _bound(app, "A001")
    async with app.unit_of_work() as svc:
        await open_week(svc, Actor.cli(), Week(2026, 49))
    user = ChatUser(app.conversation(), "A001")
    async with app.sessionmaker() as s:
        aid = await s.scalar(
            select(Assignment.id)
            .join(Person, Person.id == Assignment.person_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(Person.employee_no == "A001", Campaign.kind == "checkin")
        )
    texts = await _three_presses(app, user, f"ci:f:{aid}")
    assert sum("已提交过" in t for t in texts) == 2, texts
    assert not [t for t in texts if "出了点问题" in t], texts
    assert await _count(app, CheckinResponse) == 1


# --- scheduled jobs: one process at a time ------------------------------------------------


async def _dead_pid() -> int:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()
    return proc.pid


async def _lease_held_by(app: App, holder: str) -> None:
    async with app.sessionmaker() as s:
        s.add(
            SchedulerLease(
                name=jobs_mod.LEASE,
                holder=holder,
                expires_at=app.clock.now() + timedelta(minutes=3),
            )
        )
        await s.commit()


@pytest.fixture
async def sqlite_app(tmp_path: Path, settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    """An app on SQLite only: the lease row is SQLite's (PostgreSQL: an advisory lock)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield App(settings, engine, clock)
    await engine.dispose()


async def test_sqlite_restart_after_kill_9_starts_at_once(sqlite_app: App) -> None:
    app = sqlite_app
    # the killed process's lease is still fresh, but its PID is gone
    await _lease_held_by(app, f"{socket.gethostname()}:{await _dead_pid()}")
    jobs = await jobs_mod.start_jobs(app)
    try:
        due = {job.id: job.next_run_time for job in jobs.scheduler.get_jobs()}
        assert set(due) == {"tick", "sync", "checkins", "hotline", "notices", "audit"}
        # the check-in job runs at once (a week opened while down is caught up); the
        # interval jobs after their first interval
        assert due["checkins"] <= app.clock.now()
        assert due["tick"] > app.clock.now()
    finally:
        await jobs.stop()


async def test_sqlite_second_live_process_is_refused(sqlite_app: App) -> None:
    app = sqlite_app
    await _lease_held_by(app, f"{socket.gethostname()}:{os.getppid()}")  # alive
    with pytest.raises(jobs_mod.SecondProcess, match="SQLite supports one process"):
        await jobs_mod.start_jobs(app)


@pytest.mark.pg_only
async def test_postgresql_jobs_run_in_one_process_and_move_when_it_dies(app: App) -> None:
    first = jobs_mod.Jobs(app, "host-a:1", AsyncIOScheduler())
    second = jobs_mod.Jobs(app, "host-b:2", AsyncIOScheduler())
    ran: list[str] = []

    async def job(name: str) -> None:
        ran.append(name)

    try:
        await first._guarded("open", lambda _app: job("first"))
        await second._guarded("open", lambda _app: job("second"))
        assert ran == ["first"]
        # the first process's connection dies (kill -9, network): the server frees the lock
        assert first.advisory is not None and first.advisory.backend_pid is not None
        pid = first.advisory.backend_pid
        async with app.engine.connect() as conn:
            # terminate only signals the backend; given a timeout the server waits until it has
            # exited. (Polling pg_stat_activity inside one transaction cannot see it go: the
            # view is read once per transaction.)
            exited = await conn.scalar(
                text("SELECT pg_terminate_backend(:pid, 30000)"), {"pid": pid}
            )
        assert exited, "the terminated backend never exited"
        await second._guarded("open", lambda _app: job("second"))
        await first._guarded("open", lambda _app: job("first"))
        assert ran == ["first", "second"]
    finally:  # a failed assertion must not leave their connections to the next test
        await first.stop()
        await second.stop()


async def test_a_week_is_opened_once_even_by_two_processes_at_once(app: App) -> None:
    await _bound(app, "A001")

    async def open_w49() -> str:
        try:
            async with app.unit_of_work() as svc:
                await open_week(svc, Actor.cli(), Week(2026, 49))
        except IntegrityError:
            return "lost the race"  # the job's transaction rolls back; nothing is doubled
        return "opened"

    outcomes = await asyncio.gather(open_w49(), open_w49())
    assert "opened" in outcomes
    async with app.sessionmaker() as s:
        weekly = await s.scalar(
            select(func.count()).select_from(Campaign).where(Campaign.kind == "checkin")
        )
        mine = await s.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .join(Person, Person.id == Assignment.person_id)
            .where(Person.employee_no == "A001", Campaign.kind == "checkin")
        )
    assert (weekly, mine) == (1, 1)


# --- process roles and start-up ---------------------------------------------------------


@pytest.mark.parametrize("role", ["web", "worker"])
def test_sqlite_runs_only_one_process_doing_everything(
    role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MUSTER_TELEGRAM_TOKEN", "123456:TEST-token")
    assert main(["run", "--role", role]) == 2
    assert "SQLite 只支持一个进程同时担任所有角色" in capsys.readouterr().err


def test_muster_help_imports_no_chat_library_or_spreadsheet_reader() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}"
        " & {'aiogram', 'telegram', 'openpyxl'})\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "用法：muster" in out  # the deployment's language: zh_CN unless set
    assert "HEAVY []" in out, out


# --- PostgreSQL connections dropped mid-work (pg_terminate_backend) ----------------------


async def _terminate_connections(app: App) -> int:
    """Drop every other connection to the test database, as a server restart would. It
    asks from a connection of its own: a pooled one may be one it dropped the time before
    (a connection rests in the pool unchecked for up to a second, storage.db)."""
    engine = create_async_engine(app.engine.url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            killed = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    return int(killed or 0)


async def _until(check: Any, *, seconds: float = 60.0) -> None:
    """Poll `check()` until true, with a deadline (a process must catch up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():
        assert loop.time() < deadline, "did not catch up in time"
        await asyncio.sleep(0.05)


@pytest.mark.pg_only
async def test_dropped_connections_during_conversations_lose_no_update(app: App) -> None:
    """Four people ask the office at once, three updates each, while the server drops
    every connection a dozen times. An update not handled is not acknowledged, so the
    channel sends it again (here: the loop below, as Telegram does after a 500); the
    ledger keeps a redelivered update from acting twice."""
    people = [f"A00{i}" for i in range(1, 5)]
    await _bound(app, *people)
    stop = asyncio.Event()
    kills = 0

    async def terminator() -> None:
        nonlocal kills
        for _ in range(12):
            if stop.is_set():
                return
            kills += await _terminate_connections(app)
            await asyncio.sleep(0.05)

    async def deliver(conversation: Conversation, event: Incoming) -> list[Reply]:
        for _ in range(100):  # Telegram retries an unacknowledged update for hours
            try:
                return await conversation.handle(event)
            except NotHandled:
                continue
        raise AssertionError("never handled")

    async def person(emp: str) -> str:
        conversation = app.conversation()
        conversation.retry_delays = (0.01, 0.02, 0.05)
        user = ChatUser(conversation, emp)
        text = Incoming(user.account, Kind.TEXT, text=ASKED, event_id=f"{emp}-1")
        user.last = await deliver(conversation, text)
        again = await deliver(conversation, text)  # delivered twice: answered once
        assert again == [], again
        user.last = await deliver(conversation, _event(user, _action(user, "转人工"), f"{emp}-2"))
        named = _event(user, _action(user, "署名提问"), f"{emp}-3")
        user.last = await deliver(conversation, named)
        return user.text

    killing = asyncio.create_task(terminator())
    try:
        texts = await asyncio.gather(*(person(emp) for emp in people))
    finally:
        stop.set()
        await killing
    assert kills > 0
    for text_ in texts:
        assert "转交政治处辅警办，问题编号 H" in text_, texts
    assert await _count(app, Ticket) == len(people)
    assert await _count(app, ProcessedUpdate) == 3 * len(people)


@pytest.mark.pg_only
async def test_dropped_connections_during_a_notice_lose_and_double_nothing(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """The sender keeps delivering a notice while the server drops its connections: every
    row is sent, and only rows logged as possible duplicates can have arrived twice."""
    from tests.test_sender import FakeChannel, FakeTime, all_rows, enqueue, make_sender

    people = ("A001",)
    await _bound(app, *people)
    fake_time = FakeTime(app.clock)  # type: ignore[arg-type]
    channel = FakeChannel(fake_time)
    await enqueue(app, "A001", 150, chat=lambda i: f"c{i}")
    kills = 0

    async def drop_now_and_then(n: int) -> None:
        nonlocal kills
        if n % 25 == 0:
            kills += await _terminate_connections(app)

    channel.before = drop_now_and_then
    sender = make_sender(app, [channel], fake_time, send_per_chat_interval=0.0)
    running = asyncio.create_task(sender.run())

    async def all_sent() -> bool:
        try:
            return all(r.status == "sent" for r in await all_rows(app))
        except DBAPIError:  # the test's own look was cut off too
            return False

    try:
        await _until(all_sent)
    finally:
        sender.stop()
        await running
    assert kills > 0
    delivered = Counter(channel.delivered)
    assert len(delivered) == 150
    twice = [chat for (chat, _), n in delivered.items() if n > 1]
    assert len(twice) <= sender.settings.send_concurrency
    logged = " ".join(
        r.getMessage() for r in caplog.records if "may arrive twice" in r.getMessage()
    )
    rows = {r.chat_id: r.id for r in await all_rows(app)}
    for chat in twice:
        assert str(rows[chat]) in logged, (chat, logged)


@pytest.mark.pg_only
async def test_a_connection_dropped_while_it_rested_is_replaced_before_use(app: App) -> None:
    """Pooled connections are pinged at checkout. One the server dropped while it rested in
    the pool is found by the ping and replaced: the next query just works."""

    async def my_pid() -> int:
        async with app.engine.connect() as conn:
            return int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)

    first = await my_pid()
    assert await my_pid() == first  # back in the pool: the same connection
    other = make_engine(app.engine.url.render_as_string(False))
    try:
        async with other.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid, 30000)"), {"pid": first})
    finally:
        await other.dispose()
    second = await my_pid()
    assert second not in (0, first)
