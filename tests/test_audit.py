"""The audit hash chain detects edits, deletions and truncation."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
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
                s,
                at=clock.now(),
                actor="cli",
                kind="test",
                subject=f"s{i}",
                payload={"i": i, "名字": "张三"},
            )
        await s.commit()


async def _tamperer(engine: AsyncEngine) -> None:
    """Play a DBA with full access: drop the append-only triggers first."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            await conn.execute(text("DROP TRIGGER audit_event_no_update"))
            await conn.execute(text("DROP TRIGGER audit_event_no_delete"))


async def test_database_refuses_to_edit_audit_events(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _three(engine, clock)
    sm = make_sessionmaker(engine)
    async with sm() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(update(AuditEvent).values(subject="forged"))
    async with sm() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(delete(AuditEvent))


async def test_intact_chain_verifies(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _three(engine, clock)
    async with make_sessionmaker(engine)() as s:
        assert await audit.verify(s) == (3, None)


async def test_edited_event_is_named(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _three(engine, clock)
    await _tamperer(engine)
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
    await _tamperer(engine)
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
