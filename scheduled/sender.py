"""The outbox sender: the one delivery path for every message that is not a direct reply.

Notices, reminders, escalation digests and hotline answers are outbox rows, rendered in the
recipient's language when they were enqueued; this module only delivers them:

- Claims ready rows (pending, `not_before` passed) by priority, then id, in one short
  transaction: status `sending`, `claimed_at` now, `attempts` + 1. On PostgreSQL the claim
  uses FOR UPDATE SKIP LOCKED, so two processes never claim the same row.
- Keeps Telegram's limits (MUSTER_SEND_*): a global rate (28/s), one message per second to
  a chat, 20 per minute to a group (chat ids starting with "-"). A chat that is cooling
  down waits; the other chats go on.
- Records each outcome in its own short transaction:
  sent -> `sent` with the platform's message id;
  429 -> back to pending after `retry_after`, and ALL sending pauses that long (not an
  attempt: nothing is dropped);
  403 -> `unreachable`, the account is marked unreachable and the mentor is told once;
  a per-recipient limit (Deferred, WeCom's 30/min) -> back to pending after its wait, only
  that row (not an attempt, no pause for the others);
  network/5xx -> retried after 2, 4, 8, 16 ... s, `failed` with the reason after
  MUSTER_SEND_MAX_ATTEMPTS tries (the office sees it);
  bad request -> `failed` at once.

Crash safety and the "at most N twice" guarantee, N = MUSTER_SEND_CONCURRENCY:
a process killed mid-broadcast leaves its claimed rows in `sending`. Each claim names its
sender (`claimed_by`), and a live sender renews a heartbeat lease (a `scheduler_lease` row
"sender:<id>", HEARTBEAT_TTL) every HEARTBEAT_EVERY seconds. `recover()` (on start and every
RECOVER_EVERY seconds) puts back to pending the rows whose sender's heartbeat has lapsed: a
surviving or restarted sender takes a killed one's rows back within about 15 s (on SQLite,
on start, all of them: one sender per deployment). Each such row is logged with its id as
a possible duplicate. Claimed rows whose Bot API call had not started are then sent once.
Only the calls in flight at the moment of the kill - at most N, the number of concurrent
deliveries - may have reached the person without the outcome being recorded, so at most N
people get that message twice. Every other row is sent exactly once: each row has one
claimer, and an outcome is committed (retried across a dropped connection) before its
delivery slot is freed. A live sender's rows are never taken, however long a delivery or
a 429 pause lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Update, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelError, Deferred, Rejected, RetryAfter, Unreachable
from bot.clock import Clock
from bot.config import Settings
from bot.core import Button, Reply
from bot.i18n import Catalog
from bot.notify import Notifier
from bot.ratelimit import RedisRate, SharedRate
from bot.sealing import HotlineKeyMissing, sealer_for
from scheduled import lease
from storage import outbox
from storage import people as people_repo
from storage.db import retrying, upsert
from storage.models import ChannelAccount, Outbox, OutboxStatus, Person, SchedulerLease
from storage.sealed import SealBroken

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 2.0  # seconds between renewals of a live sender's lease
HEARTBEAT_TTL = timedelta(seconds=8)  # a sender silent this long is dead: its rows go back
RECOVER_EVERY = 5.0  # seconds between looks for rows a crashed process abandoned
LEASE_PREFIX = "sender:"
POLL_INTERVAL = 0.5  # seconds idle between looks at the outbox when nobody wakes us
DRAIN_TIMEOUT = 10.0  # seconds a stopping sender lets its calls in flight finish
ERROR_PAUSE = 5.0  # seconds to wait after an unexpected error (the database is down...)
BACKOFF_BASE = 2.0  # first retry after a network error or 5xx: 2 s, then 4, 8, 16 ...
BACKOFF_CAP = 300.0
CHAT_SLACK = 0.001  # s added to a released row's not_before: never early for its chat
ERROR_LEN = 300  # outbox.error
REASON_LEN = 200  # channel_account.unreachable_reason
CLAIM_FACTOR = 4  # rows claimed per batch = concurrency x this

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class SendReport:
    """What a drain did. `retried` and `throttled` rows are pending again, not lost."""

    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0  # network error / 5xx, another attempt later
    throttled: int = 0  # 429, sent again after the pause
    rerouted: int = 0  # unreachable there, sent through the person's next reachable account

    def __iadd__(self, other: SendReport) -> SendReport:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row this sender owns until it records the outcome."""

    id: int
    person_id: int | None
    account_id: int | None
    channel: str
    chat_id: str
    priority: int
    text: str
    buttons: list[Any]
    attempts: int
    edit_message_id: str | None = None  # edit this message instead of sending one
    kind: str = ""  # storage.outbox.SEALED: text and buttons are sealed

    @property
    def chat(self) -> tuple[str, str]:
        return (self.channel, self.chat_id)


def claim_statement(
    dialect: str,
    *,
    now: datetime,
    channels: Iterable[str],
    limit: int,
    claimer: str | None = None,
) -> Update:
    """UPDATE ... RETURNING that claims up to `limit` ready rows (the one dialect branch)."""
    ready = (
        select(Outbox.id)
        .where(
            Outbox.status == OutboxStatus.PENDING,
            Outbox.not_before <= now,
            Outbox.channel.in_(list(channels)),
        )
        .order_by(Outbox.priority, Outbox.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        # Rows another process is claiming right now stay locked until it commits: skip
        # them rather than wait, and never claim them twice. SQLite has one writer at a
        # time, so the single statement is already atomic there.
        ready = ready.with_for_update(skip_locked=True)
    return (
        update(Outbox)
        .where(Outbox.id.in_(ready.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            claimed_by=claimer,
            attempts=Outbox.attempts + 1,
        )
        .returning(
            Outbox.id,
            Outbox.person_id,
            Outbox.account_id,
            Outbox.channel,
            Outbox.chat_id,
            Outbox.priority,
            Outbox.text,
            Outbox.buttons,
            Outbox.attempts,
            Outbox.edit_message_id,
            Outbox.kind,
        )
        .execution_options(synchronize_session=False)
    )


def render(text: str, buttons: list[Any]) -> Reply:
    """An outbox row as a Reply: buttons JSON [[{"label", "action"}]] -> Button rows."""
    return Reply(
        text,
        buttons=[[Button(b["label"], b["action"]) for b in row] for row in buttons or []],
    )


def render_row(
    settings: Settings, *, kind: str, account_id: int | None, text: str, buttons: list[Any]
) -> Reply:
    """An outbox row as a Reply; a sealed row (a hotline asker's) is opened with
    MUSTER_HOTLINE_KEY and stays private in the channel (SealBroken or HotlineKeyMissing
    when it does not open)."""
    if kind != outbox.SEALED:
        return render(text, buttons)
    content = sealer_for(settings).open_json(text, purpose=outbox.sealed_purpose(account_id))
    reply = render(content["text"], content["buttons"])
    reply.private = True
    return reply


def backoff(attempt: int) -> float:
    """Seconds before retrying after the `attempt`-th failed try: 2, 4, 8, 16 ... capped."""
    return float(min(BACKOFF_BASE * 2 ** max(attempt - 1, 0), BACKOFF_CAP))


class OutboxSender:
    """Drains the outbox through the running channel adapters, one per channel name."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        *,
        clock: Clock,
        settings: Settings,
        catalog: Catalog | None = None,
        sleep: Sleep | None = None,
        monotonic: Callable[[], float] | None = None,
        on_progress: Callable[[SendReport], None] | None = None,
        poll_interval: float = POLL_INTERVAL,
        shared: SharedRate | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channels = dict(channels)
        self.clock = clock
        self.settings = settings
        self.catalog = catalog or Catalog(settings.locales_dir, settings.default_locale)
        self.on_progress = on_progress
        self.poll_interval = poll_interval
        self.totals = SendReport()  # since this sender started
        self._sleep: Sleep = sleep or asyncio.sleep
        self._mono = monotonic or time.monotonic
        self._interval = 1.0 / settings.send_rate
        self._next_slot = 0.0  # monotonic time the global rate allows the next call
        self._paused_until = 0.0  # monotonic end of a 429 pause
        self._chat_ready: dict[tuple[str, str], float] = {}  # chat -> next allowed call
        self._throttled = False  # a 429 arrived during the current batch
        self._blocked: dict[int, str] = {}  # account -> 403 reason, in the current batch
        self._wake = asyncio.Event()
        self._stopping = False
        self.shared = shared  # one rate for all processes (Redis), if configured
        self.id = secrets.token_hex(6)  # names this sender's claims and heartbeat lease
        self._beat_at: float | None = None  # time.monotonic() of the last heartbeat

    @classmethod
    def for_app(
        cls, app: App, channels: Mapping[str, Channel] | Iterable[Channel]
    ) -> OutboxSender:
        """A sender over the app's database, clock and settings."""
        if not isinstance(channels, Mapping):
            channels = {ch.name: ch for ch in channels}
        return cls(
            app.sessionmaker,
            channels,
            clock=app.clock,
            settings=app.settings,
            catalog=app.catalog,
        )

    # --- running ---------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (an enqueuer in this process has just committed rows)."""
        self._wake.set()

    def stop(self) -> None:
        """Let `run()` return after the batch it is delivering."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Drain the outbox until cancelled or stopped; idle until woken or polled."""
        log.info("outbox sender %s starts (%s)", self.id, lease.holder_id())
        await self.heartbeat()
        beating = asyncio.create_task(self._keep_beating(), name="outbox-heartbeat")
        try:
            await self._run()
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            try:
                await self._end_heartbeat()
            except Exception:  # the lease lapses by itself
                log.exception("outbox sender: could not end its heartbeat lease")

    async def heartbeat(self) -> None:
        """Renew this sender's lease: its claimed rows are not taken while it beats."""
        now = self.clock.now()
        expires = now + HEARTBEAT_TTL

        async def beat() -> None:
            async with self.sessionmaker() as session:
                await session.execute(
                    upsert(session, SchedulerLease)
                    .values(name=self._lease_name, holder=lease.holder_id(), expires_at=expires)
                    .on_conflict_do_update(index_elements=["name"], set_={"expires_at": expires})
                )
                await session.commit()

        await retrying(beat, what="outbox heartbeat")
        self._beat_at = time.monotonic()

    @property
    def _lease_name(self) -> str:
        return LEASE_PREFIX + self.id

    async def _keep_beating(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_EVERY)  # real time: the lease is read by others
            try:
                await self.heartbeat()
            except Exception:
                log.exception("outbox sender: heartbeat failed; trying again")

    async def _end_heartbeat(self) -> None:
        async with self.sessionmaker() as session:
            await lease.release(session, self._lease_name, lease.holder_id())
            await session.commit()

    async def _run(self) -> None:
        await self.recover()
        next_recover = self._mono() + RECOVER_EVERY
        while not self._stopping:
            self._wake.clear()  # rows committed before this are seen by the drain
            try:
                await self.drain_once()
                if self._mono() >= next_recover:
                    await self.recover(at_start=False)
                    next_recover = self._mono() + RECOVER_EVERY
            except Exception:
                log.exception("outbox sender: drain failed; again in %s s", ERROR_PAUSE)
                await self._sleep(ERROR_PAUSE)
                # Nothing of ours is in flight now. SQLite: our abandoned batch goes back;
                # PostgreSQL: rows past their lease (ours included, a little later).
                try:
                    await self.recover()
                except Exception:
                    log.exception("outbox sender: recovery failed")
                continue
            if not self._stopping:
                await self._idle()

    async def drain_once(self) -> SendReport:
        """Claim and deliver every row that is ready now (429 pauses included)."""
        report = SendReport()
        while not self._stopping:
            await self._until(self._paused_until)
            batch = await self._claim()
            if not batch:
                break
            await self._deliver_batch(batch, report)
        return report

    async def run_until_idle(self) -> SendReport:
        """Drain, waiting out backoffs and cooldowns, until no row of ours is pending.

        For tests and one-shot runs: it also waits for rows held back by quiet hours.
        """
        report = SendReport()
        while not self._stopping:
            report += await self.drain_once()
            due = await self._next_due()
            if due is None:
                break
            await self._sleep(max((due - self.clock.now()).total_seconds(), 0.0))
        return report

    async def recover(self, *, at_start: bool = True) -> int:
        """Put rows a stopped process left in `sending` back to pending; return how many.

        Rows of senders whose heartbeat lapsed (and rows of none, from before heartbeats);
        on SQLite at start every row but ours (one sender per deployment). Each is logged:
        its message may have reached the person already (a call in flight at the crash)."""
        now = self.clock.now()

        async def take_back() -> list[int]:
            async with self.sessionmaker() as session:
                alive = select(func.substr(SchedulerLease.name, len(LEASE_PREFIX) + 1)).where(
                    SchedulerLease.name.like(LEASE_PREFIX + "%"),
                    SchedulerLease.expires_at > now,
                )
                stmt = (
                    update(Outbox)
                    .where(Outbox.status == OutboxStatus.SENDING)
                    .values(status=OutboxStatus.PENDING, claimed_at=None, claimed_by=None)
                    .returning(Outbox.id)
                    .execution_options(synchronize_session=False)
                )
                dead = or_(Outbox.claimed_by.is_(None), Outbox.claimed_by.not_in(alive))
                if not at_start:
                    # A look while delivering: other processes (and this one) may be
                    # delivering right now; take only the rows of senders that stopped.
                    stmt = stmt.where(dead, Outbox.claimed_by != self.id)
                elif _dialect(session) == "postgresql":
                    # Starting, or after an error with nothing of ours in flight: our own
                    # rows and those of senders that stopped beating.
                    stmt = stmt.where(or_(Outbox.claimed_by == self.id, dead))
                ids = list((await session.execute(stmt)).scalars())
                await session.commit()
                return ids

        ids = sorted(await retrying(take_back, what="outbox recovery"))
        if ids:
            log.warning(
                "outbox sender: %d abandoned row(s) back to pending; each may arrive twice "
                "(its call may have been in flight): outbox ids %s",
                len(ids),
                ", ".join(map(str, ids)),
            )
        return len(ids)

    async def _idle(self) -> None:
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self._sleep(self.poll_interval))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, sleeper):
                task.cancel()

    # --- claiming --------------------------------------------------------------------

    async def _claim(self) -> list[Claimed]:
        if not self.channels:
            return []
        limit = self.settings.send_concurrency * CLAIM_FACTOR
        if self._beat_at is None or time.monotonic() - self._beat_at > HEARTBEAT_EVERY:
            await self.heartbeat()  # a drain without run() (tests, one-shot) beats too
        async with self.sessionmaker() as session:
            stmt = claim_statement(
                _dialect(session),
                now=self.clock.now(),
                channels=self.channels,
                limit=limit,
                claimer=self.id,
            )
            rows = (await session.execute(stmt)).all()
            await session.commit()
        # RETURNING gives no order: put it back to priority, then id
        return sorted((Claimed(*r) for r in rows), key=lambda c: (c.priority, c.id))

    async def _next_due(self) -> datetime | None:
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(func.min(Outbox.not_before)).where(
                    Outbox.status == OutboxStatus.PENDING,
                    Outbox.channel.in_(list(self.channels)),
                )
            )

    # --- pacing ----------------------------------------------------------------------

    async def _until(self, at: float) -> None:
        """Sleep (on the injected clock) until monotonic time `at`."""
        while (left := at - self._mono()) > 0:
            await self._sleep(left)

    async def _take_slot(self) -> None:
        """Wait for the global rate and any 429 pause, then take the next slot (and, with
        Redis, the deployment-wide one, so several processes share Telegram's limit)."""
        while (at := max(self._next_slot, self._paused_until)) > self._mono():
            await self._until(at)
        now = self._mono()
        # Count from the slot itself while we are less than one interval late (a sleep
        # wakes a little late); restart the schedule only after a real gap.
        base = self._next_slot if now - self._next_slot < self._interval else now
        self._next_slot = base + self._interval
        if self.shared is not None:
            wait, _ = await self.shared.reserve()
            if wait > 0:
                await self._sleep(wait)

    def _chat_interval(self, chat_id: str) -> float:
        every = self.settings.send_per_chat_interval
        if chat_id.startswith("-"):  # Telegram groups have negative ids: 20 per minute
            every = max(every, 60.0 / self.settings.send_group_per_minute)
        return every

    def _pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._mono() + max(seconds, 0.0))
        self._throttled = True
        if self.shared is not None:  # the other processes hold back too
            task = asyncio.ensure_future(self.shared.pause(seconds))
            task.add_done_callback(_log_failure)

    # --- delivering ------------------------------------------------------------------

    def _pick(
        self, queue: list[Claimed], busy: Iterable[tuple[str, str]], now: float
    ) -> tuple[int | None, float | None]:
        """Index of the first row whose chat may get a message now, else when one may."""
        seen = set(busy)  # a chat with a call in flight waits for its outcome
        soonest: float | None = None
        for i, row in enumerate(queue):
            if row.chat in seen:
                continue
            seen.add(row.chat)  # later rows of a chat keep their order behind this one
            ready = self._chat_ready.get(row.chat, 0.0)
            if ready <= now:
                return i, None
            soonest = ready if soonest is None else min(soonest, ready)
        return None, soonest

    async def _deliver_batch(self, batch: list[Claimed], report: SendReport) -> None:
        queue = list(batch)
        running: dict[asyncio.Task[None], tuple[str, str]] = {}
        self._throttled = False
        self._blocked = {}
        try:
            while queue or running:
                if self._throttled and queue:
                    # Paused by a 429: give the rest back, so the claim after the pause
                    # sees the priorities anew (an escalation enqueued meanwhile goes first).
                    await self._release(queue, self._paused_until - self._mono())
                    queue = []
                    continue
                pick, ready_at = None, None
                if len(running) < self.settings.send_concurrency:
                    pick, ready_at = self._pick(queue, running.values(), self._mono())
                if pick is not None:
                    row = queue.pop(pick)
                    if row.account_id in self._blocked:  # its chat said 403 a moment ago
                        await self._record_unreachable(row, self._blocked[row.account_id], report)
                        continue
                    paced = getattr(self.channels.get(row.channel), "paced", True)
                    if paced:  # a platform's rate (Telegram's); the web chat has none
                        await self._take_slot()
                    if self._throttled:
                        queue.insert(pick, row)
                        continue
                    if paced:
                        self._chat_ready[row.chat] = self._mono() + self._chat_interval(
                            row.chat_id
                        )
                    running[asyncio.create_task(self._deliver(row, report))] = row.chat
                    continue
                if not running:
                    # Everything left waits for its chat to cool down. Hand it back with
                    # not_before set, so the next claim can take other chats' rows now.
                    await self._release_cooling(queue)
                    queue = []
                    continue
                await self._wait(running, ready_at)
        except BaseException as exc:
            await self._abandon(queue, running, stopping=isinstance(exc, asyncio.CancelledError))
            raise
        now = self._mono()
        self._chat_ready = {k: v for k, v in self._chat_ready.items() if v > now}

    async def _abandon(
        self,
        queue: list[Claimed],
        running: dict[asyncio.Task[None], tuple[str, str]],
        *,
        stopping: bool,
    ) -> None:
        """Leave a batch early: calls already made record their outcome (or a restart
        would send them again); when stopping, unstarted rows go back to pending now."""
        if running:
            _, late = await asyncio.wait(running, timeout=DRAIN_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if stopping and queue:
            try:
                await self._release(queue, 0.0)
            except Exception:  # the rows stay `sending`; recover() takes them back
                log.exception("outbox sender: could not release %d rows", len(queue))

    async def _wait(
        self, running: dict[asyncio.Task[None], tuple[str, str]], ready_at: float | None
    ) -> None:
        """Until a delivery ends or, with a free slot, a cooling chat may be served."""
        waiters: set[asyncio.Future[Any]] = set(running)
        sleeper = None
        if ready_at is not None and len(running) < self.settings.send_concurrency:
            sleeper = asyncio.ensure_future(self._until(ready_at))
            waiters.add(sleeper)
        try:
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if sleeper is not None:
                sleeper.cancel()
        for task in done:
            if task is not sleeper:
                running.pop(task)  # type: ignore[call-overload]
                task.result()  # a database error: stop; the rows stay `sending`

    async def _deliver(self, row: Claimed, report: SendReport) -> None:
        channel = self.channels[row.channel]
        try:
            reply = render_row(
                self.settings,
                kind=row.kind,
                account_id=row.account_id,
                text=row.text,
                buttons=row.buttons,
            )
        except (SealBroken, HotlineKeyMissing) as exc:
            log.error("outbox %s: a sealed row does not open: %s", row.id, exc)
            await self._failed(row, f"sealed row does not open: {exc}")
            self._count(report, "failed")
            return
        try:
            if row.edit_message_id:
                message_id = await channel.edit(row.chat_id, row.edit_message_id, reply)
            else:
                message_id = await channel.send(row.chat_id, reply)
        except RetryAfter as exc:
            log.warning("outbox %s: 429, pausing all sending for %s s", row.id, exc.retry_after)
            self._pause(exc.retry_after)
            await self._back_to_pending(row, exc.retry_after, exc.reason, attempt=False)
            self._count(report, "throttled")
        except Deferred as exc:  # this recipient's limit (WeCom: 30/min): only its row waits
            await self._back_to_pending(row, exc.retry_after, exc.reason, attempt=False)
            self._count(report, "throttled")
        except Unreachable as exc:
            log.info("outbox %s: chat %s unreachable: %s", row.id, row.chat_id, exc.reason)
            if row.account_id is not None:
                self._blocked[row.account_id] = exc.reason
            await self._record_unreachable(row, exc.reason, report)
        except Rejected as exc:
            log.warning("outbox %s: rejected: %s", row.id, exc.reason)
            await self._failed(row, exc.reason)
            self._count(report, "failed")
        except Exception as exc:  # network, 5xx, or an adapter bug: retry, then give up
            if isinstance(exc, ChannelError):
                reason = exc.reason
            else:
                reason = f"{type(exc).__name__}: {exc}"
                log.exception("outbox %s: unexpected error from %s", row.id, row.channel)
            if row.attempts >= self.settings.send_max_attempts:
                log.warning(
                    "outbox %s: failed after %d attempts: %s", row.id, row.attempts, reason
                )
                await self._failed(row, reason)
                self._count(report, "failed")
            else:
                await self._back_to_pending(row, backoff(row.attempts), reason, attempt=True)
                self._count(report, "retried")
        else:
            await self._sent(row, message_id)
            self._count(report, "sent")

    def _count(self, report: SendReport, outcome: str, n: int = 1) -> None:
        """Add recorded outcomes to the drain's report and the totals; tell on_progress."""
        if n <= 0:
            return
        for counts in (report, self.totals):
            setattr(counts, outcome, getattr(counts, outcome) + n)
        if self.on_progress is not None:
            self.on_progress(self.totals)

    # --- recording outcomes (one short transaction each) -------------------------------

    async def _sent(self, row: Claimed, message_id: str) -> None:
        stmt = _by_id(row.id).values(
            status=OutboxStatus.SENT,
            error=None,
            sent_at=self.clock.now(),
            external_message_id=message_id,
        )
        await self._write(stmt, what=f"outbox {row.id} outcome")

    async def _failed(self, row: Claimed, reason: str) -> None:
        stmt = _by_id(row.id).values(status=OutboxStatus.FAILED, error=_cut(reason, ERROR_LEN))
        await self._write(stmt, what=f"outbox {row.id} outcome")

    async def _write(self, stmt: Any, *, what: str) -> None:
        """One statement in its own transaction, retried across a dropped connection, so
        a delivery whose outcome is known is marked so."""

        async def once() -> None:
            async with self.sessionmaker() as session:
                await session.execute(stmt)
                await session.commit()

        await retrying(once, what=what)

    async def _back_to_pending(
        self, row: Claimed, delay: float, reason: str, *, attempt: bool
    ) -> None:
        values: dict[str, Any] = {
            "status": OutboxStatus.PENDING,
            "not_before": self.clock.now() + timedelta(seconds=delay),
            "error": _cut(reason, ERROR_LEN),  # the office sees why it is late
        }
        if not attempt:  # a 429 is the platform's pacing, not a failed try
            values["attempts"] = Outbox.attempts - 1
        await self._write(_by_id(row.id).values(**values), what=f"outbox {row.id} retry")

    async def _release(self, rows: list[Claimed], delay: float) -> None:
        """Unclaim rows that were never tried: pending again, the attempt not counted."""
        await self._release_at({r.id: max(delay, 0.0) for r in rows})

    async def _release_cooling(self, rows: list[Claimed]) -> None:
        now = self._mono()
        await self._release_at(
            {r.id: max(self._chat_ready.get(r.chat, now) - now, 0.0) + CHAT_SLACK for r in rows}
        )

    async def _release_at(self, delays: dict[int, float]) -> None:
        if not delays:
            return
        now = self.clock.now()
        by_delay: dict[float, list[int]] = {}
        for row_id, delay in delays.items():
            by_delay.setdefault(delay, []).append(row_id)
        async with self.sessionmaker() as session:
            for delay, ids in by_delay.items():
                await session.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(ids), Outbox.status == OutboxStatus.SENDING)
                    .values(
                        status=OutboxStatus.PENDING,
                        not_before=now + timedelta(seconds=delay),
                        attempts=Outbox.attempts - 1,
                        claimed_at=None,
                    )
                    .execution_options(synchronize_session=False)
                )
            await session.commit()

    async def _record_unreachable(self, row: Claimed, reason: str, report: SendReport) -> None:
        """403: the account is marked unreachable. If the person has another reachable
        account (web beside Telegram ...), the row and the account's other pending rows go
        there; otherwise they are unreachable and the person's mentor hears it once."""
        if row.account_id is not None and row.person_id is not None:
            moved = await self._reroute(row, row.person_id, reason)
            if moved:
                self._count(report, "rerouted", moved)
                self.wake()
                return
        error = _cut(reason, ERROR_LEN)
        notes = also = 0
        async with self.sessionmaker() as session:
            await session.execute(
                _by_id(row.id).values(status=OutboxStatus.UNREACHABLE, error=error)
            )
            if row.account_id is not None:
                others = await session.execute(
                    update(Outbox)
                    .where(
                        Outbox.account_id == row.account_id,
                        Outbox.status == OutboxStatus.PENDING,
                    )
                    .values(status=OutboxStatus.UNREACHABLE, error=error)
                    .execution_options(synchronize_session=False)
                )
                also = int(others.rowcount or 0)  # type: ignore[attr-defined]
                account = await session.get(ChannelAccount, row.account_id)
                if account is not None:
                    account.reachable = False
                    account.unreachable_reason = _cut(reason, REASON_LEN)
                person = await session.get(Person, row.person_id) if row.person_id else None
                if person is not None:
                    notifier = Notifier(
                        session, clock=self.clock, settings=self.settings, catalog=self.catalog
                    )
                    binding = await people_repo.current_binding(session, person.id)
                    notes = await notifier.unreachable_note(person, account, binding)
            await session.commit()
        self._count(report, "unreachable", 1 + also)
        if notes:
            self.wake()

    async def _reroute(self, row: Claimed, person_id: int, reason: str) -> int:
        """Mark the row's account unreachable and move its rows to the person's next
        reachable account, in one transaction; how many moved (0: there is none)."""
        async with self.sessionmaker() as session:
            account = await session.get(ChannelAccount, row.account_id)
            if account is None:
                return 0
            account.reachable = False
            account.unreachable_reason = _cut(reason, REASON_LEN)
            await session.flush()
            other = (await outbox.accounts_for(session, [person_id])).get(person_id)
            if other is None or not other.reachable:
                await session.rollback()  # the unreachable path records it all
                return 0
            moved = await outbox.move_pending(
                session,
                to=other,
                now=self.clock.now(),
                account_id=row.account_id,
                row_id=row.id,
                error=_cut(f"{row.channel}: {reason}", ERROR_LEN),
            )
            await session.commit()
        log.info(
            "outbox %s: %s unreachable (%s); %d row(s) go through %s instead",
            row.id,
            row.channel,
            reason,
            moved,
            other.channel,
        )
        return moved


async def run_sender(app: App, channels: Mapping[str, Channel] | Iterable[Channel]) -> None:
    """Deliver the outbox through `channels` until cancelled (a task beside the bot).
    With MUSTER_REDIS_URL, all processes share one send rate."""
    sender = OutboxSender.for_app(app, channels)
    if app.settings.redis_url:
        sender.shared = RedisRate(app.settings.redis_url, app.settings.send_rate)
    try:
        await sender.run()
    finally:
        if sender.shared is not None:
            await sender.shared.close()


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("shared 429 pause not stored: %s", task.exception())


def _by_id(row_id: int) -> Update:
    return update(Outbox).where(Outbox.id == row_id).execution_options(synchronize_session=False)


def _cut(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
