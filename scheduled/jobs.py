"""Timed work of a running bot. APScheduler only triggers; the database holds the state.

- every `MUSTER_TICK_SECONDS`: the deadline engine tick (reminders, escalations);
- every 10 minutes: hand active campaigns to people who joined their audience;
- every 5 s: edit the progress message of notices being delivered;
- every second: chain the committed audit events (scheduled/sequencer.py).
One process at a time runs them: on SQLite a lease row (a second process is told so), on
PostgreSQL an advisory lock (scheduled/lease.py); every job is idempotent by a unique key
(outbox dedupe keys, one campaign per kind and week, one assignment per person and
campaign, the sequencer's conditional chaining) in case two ever ran.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined

from bot.app import App
from scheduled import checkins, hotline, lease, notices, sequencer
from scheduled.deadlines import DeadlineEngine, TickReport

log = logging.getLogger(__name__)

LEASE = "scheduler"


class SecondProcess(Exception):
    """A second process on one SQLite database."""


async def run_tick(app: App) -> TickReport:
    """Run one tick at the app clock's now, in one transaction."""
    total = TickReport()
    while True:
        async with app.writer() as session:
            engine = DeadlineEngine(
                session, clock=app.clock, settings=app.settings, catalog=app.catalog
            )
            report = await engine.tick()
            await session.commit()
        _add(total, report)
        if report.claimed < engine.batch:
            return total


async def simulate_tick(app: App) -> TickReport:
    """What one tick at the app clock's now would do, computed and rolled back: nothing is
    written (`muster tick --simulate`)."""
    total = TickReport()
    async with app.writer() as session:
        try:
            while True:
                engine = DeadlineEngine(
                    session, clock=app.clock, settings=app.settings, catalog=app.catalog
                )
                report = await engine.tick()
                _add(total, report)
                if report.claimed < engine.batch:
                    return total
        finally:
            await session.rollback()


def _add(total: TickReport, report: TickReport) -> None:
    total.claimed += report.claimed
    total.reminders += report.reminders
    total.digests += report.digests
    total.cancelled_left += report.cancelled_left
    total.unreachable_notes += report.unreachable_notes
    total.back_from_leave += report.back_from_leave
    for level, n in report.escalated.items():
        total.escalated[level] += n


async def sync_audiences(app: App) -> int:
    """Give active campaigns to people who joined their audience since publishing."""
    async with app.unit_of_work() as svc:
        return await svc.tasks.sync_audiences()


@dataclass
class Jobs:
    app: App
    holder: str
    scheduler: AsyncIOScheduler
    advisory: lease.AdvisoryLease | None = None  # PostgreSQL: one process runs the jobs

    @property
    def sqlite(self) -> bool:
        return self.app.engine.dialect.name == "sqlite"

    async def _guarded(self, name: str, coro_fn: Callable[[App], Awaitable[object]]) -> None:
        try:
            if self.sqlite:
                await self._renew()
            elif not await self._leading():
                log.debug("scheduled job %s: another process runs the jobs", name)
                return
            await coro_fn(self.app)
        except lease.LeaseHeld as exc:
            log.error("another process runs the scheduler (%s); this one stops ticking", exc)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    async def _renew(self) -> None:
        async with self.app.sessionmaker() as session:
            ttl = timedelta(seconds=self.app.settings.tick_seconds * 3)
            await lease.acquire(session, LEASE, self.holder, self.app.clock.now(), ttl)
            await session.commit()

    async def _leading(self) -> bool:
        """PostgreSQL: whether this process holds the scheduler's advisory lock (taking it
        when its holder died: the server released it with the holder's connection)."""
        if self.advisory is None:
            self.advisory = lease.AdvisoryLease(self.app.engine)
        return await self.advisory.held()

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.sqlite:
            async with self.app.sessionmaker() as session:
                await lease.release(session, LEASE, self.holder)
                await session.commit()
        elif self.advisory is not None:
            await self.advisory.release()


async def start_jobs(app: App) -> Jobs:
    """Check the lease (SQLite), then start the periodic jobs."""
    jobs = Jobs(app, lease.holder_id(), AsyncIOScheduler(timezone=app.settings.tz))
    if jobs.sqlite:
        try:
            await jobs._renew()  # noqa: SLF001
        except lease.LeaseHeld as exc:
            raise SecondProcess(
                f"another Muster process already runs on this SQLite database ({exc}). "
                "SQLite supports one process; use PostgreSQL to run several."
            ) from None
    # name, trigger, job, first run (`undefined`: when the trigger says). Each runs guarded
    # (in the process holding the lease), one at a time, missed runs coalesced.
    now = app.clock.now()
    interval = partial(IntervalTrigger, timezone=app.settings.tz)
    every: list[tuple[str, Any, Callable[[App], Awaitable[Any]], Any]] = [
        ("tick", interval(seconds=app.settings.tick_seconds), run_tick, undefined),
        ("sync", interval(minutes=10), sync_audiences, undefined),
        # on start: catch up a week opened while down
        ("checkins", checkins.opening_trigger(app.settings), checkins.open_current_week, now),
        ("hotline", interval(hours=1), hotline.remind_overdue_tickets, undefined),
        ("notices", interval(seconds=5), notices.refresh_progress, undefined),
        (
            "audit",
            interval(seconds=sequencer.INTERVAL_SECONDS),
            sequencer.run_sequencer,
            undefined,
        ),
    ]
    for name, trigger, job, first in every:
        jobs.scheduler.add_job(
            jobs._guarded,  # noqa: SLF001
            trigger,
            args=[name, job],
            coalesce=True,
            max_instances=1,
            id=name,
            next_run_time=first,
        )
    jobs.scheduler.start()
    return jobs
