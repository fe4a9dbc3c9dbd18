"""The audit hash chain detects edits, deletions and truncation."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FrozenClock
from storage import audit
from storage.db import make_sessionmaker
from storage.models import AuditEvent


async def _three(engine: AsyncEngine, clock: FrozenClock) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        for i in range(3):
            await audit.append(
                s, at=clock.now(), actor="cli", kind="test", subject=f"s{i}",
                payload={"i": i, "名字": "张三"},
            )
        await s.commit()


async def test_intact_chain_verifies(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _three(engine, clock)
    async with make_sessionmaker(engine)() as s:
        assert await audit.verify(s) == (3, None)


async def test_edited_event_is_named(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _three(engine, clock)
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(subject="forged"))
        await s.commit()
    async with sm() as s:
        count, broken = await audit.verify(s)
    assert broken is not None and broken.seq == 2 and count == 1


async def test_deleted_and_truncated_events_are_named(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _three(engine, clock)
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        await s.commit()
    async with sm() as s:
        _, broken = await audit.verify(s)
    assert broken is not None and broken.seq == 3
    async with sm() as s:
        await s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        await s.commit()
    async with sm() as s:
        _, broken = await audit.verify(s)
    assert broken is not None and broken.seq == 2
