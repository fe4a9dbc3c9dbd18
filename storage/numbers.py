"""Gapless evidence numbers (signature numbers): one counter row per kind.

A number is taken by `UPDATE ... SET last = last + 1 RETURNING last` in the transaction
that records the evidence. On PostgreSQL the row lock makes a concurrent signer wait until
this transaction ends (a rollback returns the number, a commit keeps it); on SQLite the
writer's transaction already holds the database's write lock. A database SEQUENCE would
not do: a rolled-back transaction skips its number.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert
from storage.models import NumberSequence


async def _bump(session: AsyncSession, name: str) -> int | None:
    result = await session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(last=NumberSequence.last + 1)
        .returning(NumberSequence.last)
        .execution_options(synchronize_session=False)
    )
    value = result.scalar_one_or_none()
    return None if value is None else int(value)


async def next_number(
    session: AsyncSession, name: str, *, start_after: Callable[[], Awaitable[int]]
) -> int:
    """The next number of `name`, 1 more than the last one taken. The counter row is made
    on first use, starting after `start_after()` (numbers given before it existed)."""
    taken = await _bump(session, name)
    if taken is not None:
        return taken
    floor = await start_after()
    await session.execute(
        upsert(session, NumberSequence)
        .values(name=name, last=floor)
        .on_conflict_do_nothing(index_elements=["name"])  # a parallel first use made it
    )
    taken = await _bump(session, name)
    assert taken is not None
    return taken
