"""The processed-update ledger: each inbound update of a channel is handled once.

Keys are the channel's own redelivery ids (see storage.models.ProcessedUpdate); build them
with `update_key` so every channel spells them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert
from storage.models import ProcessedUpdate

KEY_LEN = 128


def update_key(*parts: object) -> str:
    """A ledger key from the parts a channel identifies an update by, e.g.
    update_key(update_id) for Telegram, update_key(client_msg_id) for the web chat,
    update_key(msg_id) or update_key("event", user, create_time, event) for WeCom."""
    key = ":".join(str(p) for p in parts)
    if not key or len(key) > KEY_LEN:
        raise ValueError(f"an update key has 1-{KEY_LEN} characters: {key!r}")
    return key


async def record(session: AsyncSession, channel: str, key: str, now: datetime) -> bool:
    """Add (channel, key) to the ledger in the session's transaction; False if it was
    there already (another transaction that recorded it has committed: on PostgreSQL a
    concurrent one is waited for by the unique key)."""
    stmt = (
        upsert(session, ProcessedUpdate)
        .values(channel=channel, update_key=key, handled_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(ProcessedUpdate.update_key)
    )
    return (await session.execute(stmt)).first() is not None


async def record_many(
    session: AsyncSession, channel: str, keys: Sequence[str], now: datetime
) -> set[str]:
    """`record` for many keys of one channel in one statement: the keys that were new."""
    if not keys:
        return set()
    stmt = (
        upsert(session, ProcessedUpdate)
        .values([{"channel": channel, "update_key": k, "handled_at": now} for k in keys])
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(ProcessedUpdate.update_key)
    )
    return set((await session.execute(stmt)).scalars())


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forget updates handled before `before` (channels stop redelivering within a day)."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
