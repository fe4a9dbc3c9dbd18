"""Who runs timed work: one process at a time.

SQLite: a lease row per kind of work (one process per deployment; a second one is told
so). A holder whose process is dead (same host, its PID gone: a `kill -9`) does not hold
it, so a restart takes over at once instead of waiting for the row to expire.
PostgreSQL: a session advisory lock on a connection of its own. The server releases it
when that connection dies (the process was killed, the network dropped), so another
process takes over at its next job run; nothing has to expire.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.models import SchedulerLease

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x4D55_5354_0001  # "MUST" + 1: the scheduler's advisory lock


class LeaseHeld(Exception):
    """Another live process holds the lease."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` ("host:pid") ran on this host and that process is gone."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


async def acquire(
    session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta
) -> None:
    """Take or renew the lease; raise LeaseHeld when another live holder's lease is fresh."""
    row = (
        await session.execute(select(SchedulerLease).where(SchedulerLease.name == name))
    ).scalar_one_or_none()
    if row is None:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
    elif row.holder != holder and row.expires_at > now and not holder_is_dead(row.holder):
        raise LeaseHeld(f"{row.holder} until {row.expires_at.isoformat(timespec='seconds')}")
    else:
        if row.holder != holder and row.expires_at > now:
            log.warning("lease %s: its holder %s is dead; taking it over", name, row.holder)
        row.holder = holder
        row.expires_at = now + ttl
    await session.flush()


async def release(session: AsyncSession, name: str, holder: str) -> None:
    row = (
        await session.execute(select(SchedulerLease).where(SchedulerLease.name == name))
    ).scalar_one_or_none()
    if row is not None and row.holder == holder:
        await session.delete(row)
        await session.flush()


class AdvisoryLease:
    """PostgreSQL: a session advisory lock held on a dedicated connection."""

    def __init__(self, engine: AsyncEngine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: AsyncConnection | None = None
        self.backend_pid: int | None = None  # the lock connection's server process

    async def held(self) -> bool:
        """Whether this process holds the lock now: checks the connection is alive,
        and tries to take the lock when it does not hold it."""
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception as exc:  # the connection died: so did the lock
                log.warning("scheduler lock connection lost (%s); trying to take it again", exc)
                await self._drop()
        try:
            conn = await self.engine.connect()
        except Exception as exc:
            log.warning("scheduler lock: cannot connect: %s", exc)
            return False
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            if got:
                self.backend_pid = await conn.scalar(text("SELECT pg_backend_pid()"))
                self._conn = conn
                log.info("this process now runs the scheduled jobs")
                return True
        except Exception as exc:
            log.warning("scheduler lock: %s", exc)
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except Exception:  # closing the connection releases it as well
                log.debug("scheduler lock: unlock failed", exc_info=True)
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn, self.backend_pid = self._conn, None, None
        if conn is not None:
            try:
                await conn.invalidate()
                await conn.close()
            except Exception:
                log.debug("scheduler lock: closing its connection failed", exc_info=True)
