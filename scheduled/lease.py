"""A lease row per kind of timed work. SQLite allows one process; it says so."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SchedulerLease


class LeaseHeld(Exception):
    """Another live process holds the lease."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def acquire(
    session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta
) -> None:
    """Take or renew the lease; raise LeaseHeld when another holder's lease is fresh."""
    row = (
        await session.execute(select(SchedulerLease).where(SchedulerLease.name == name))
    ).scalar_one_or_none()
    if row is None:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
    elif row.holder != holder and row.expires_at > now:
        raise LeaseHeld(f"{row.holder} until {row.expires_at.isoformat(timespec='seconds')}")
    else:
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
