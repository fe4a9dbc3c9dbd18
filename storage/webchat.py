"""Repository functions of the web chat channel. They never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelAccount
from storage.models_webchat import WebchatMessage, WebchatSession, WebchatTurn

CHANNEL = "web"
NOTIFY = "muster_webchat"  # PostgreSQL NOTIFY channel: the payload is the account's id
PAGE = 200  # log entries read at once


async def add_session(
    session: AsyncSession,
    *,
    token_hash: str,
    external_id: str,
    csrf: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        WebchatSession(
            token_hash=token_hash,
            external_id=external_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def live_session(
    session: AsyncSession, token_hash: str, now: datetime
) -> WebchatSession | None:
    row = await session.get(WebchatSession, token_hash)
    if row is None or row.expires_at <= now:
        return None
    return row


async def end_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(WebchatSession).where(WebchatSession.token_hash == token_hash))


async def renew_session(session: AsyncSession, token_hash: str, expires_at: datetime) -> None:
    await session.execute(
        update(WebchatSession)
        .where(WebchatSession.token_hash == token_hash)
        .values(expires_at=expires_at)
    )


async def has_live_session(session: AsyncSession, external_id: str, now: datetime) -> bool:
    """Whether a browser can still see this account's log."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    WebchatSession.external_id == external_id, WebchatSession.expires_at > now
                )
            )
        )
    )


async def mark_gone(session: AsyncSession, now: datetime, external_id: str | None = None) -> int:
    """`web` accounts no live device session shows (all, or the one of `external_id`)
    become unreachable: pushes go to the person's other accounts, and a new invite code
    may bind a new browser. Returns how many."""
    live = exists().where(
        WebchatSession.external_id == ChannelAccount.external_user_id,
        WebchatSession.expires_at > now,
    )
    where = [
        ChannelAccount.channel == CHANNEL,
        ChannelAccount.unbound_at.is_(None),
        ChannelAccount.reachable.is_(True),
        ~live,
    ]
    if external_id is not None:
        where.append(ChannelAccount.external_user_id == external_id)
    result = await session.execute(
        update(ChannelAccount)
        .where(*where)
        .values(reachable=False, unreachable_reason="web chat session ended")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def purge_sessions(session: AsyncSession, before: datetime) -> int:
    """Forget device sessions that expired before `before`."""
    result = await session.execute(
        delete(WebchatSession).where(WebchatSession.expires_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def append(session: AsyncSession, entry: WebchatMessage) -> int:
    """Append the entry to its account's log; the new log position.

    On PostgreSQL two transactions appending to one account's log take turns (an advisory
    lock held to the commit), so positions are committed in order and a stream that has
    read up to N never misses a row below N committed later; and the account's streams in
    every process are woken at the commit (NOTIFY). On SQLite writers take turns anyway."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key)), pg_notify(:chan, :id)"),
            {"key": f"webchat:{entry.external_id}", "chan": NOTIFY, "id": entry.external_id},
        )
    session.add(entry)
    await session.flush()
    return entry.id


async def after(
    session: AsyncSession, external_id: str, position: int, limit: int = PAGE
) -> list[WebchatMessage]:
    """The account's log entries after `position`, oldest first."""
    rows = await session.execute(
        select(WebchatMessage)
        .where(WebchatMessage.external_id == external_id, WebchatMessage.id > position)
        .order_by(WebchatMessage.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def latest(
    session: AsyncSession, external_id: str, message_id: str
) -> WebchatMessage | None:
    """What bubble `message_id` shows now (its last entry)."""
    rows = await session.execute(
        select(WebchatMessage)
        .where(WebchatMessage.external_id == external_id, WebchatMessage.message_id == message_id)
        .order_by(WebchatMessage.id.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def entry(session: AsyncSession, external_id: str, position: int) -> WebchatMessage | None:
    row = await session.get(WebchatMessage, position)
    return row if row is not None and row.external_id == external_id else None


async def turn_result(
    session: AsyncSession, external_id: str, client_id: str
) -> dict[str, Any] | None:
    rows = await session.execute(
        select(WebchatTurn.result).where(
            WebchatTurn.external_id == external_id, WebchatTurn.client_id == client_id
        )
    )
    return rows.scalar_one_or_none()


async def save_turn(
    session: AsyncSession,
    *,
    external_id: str,
    client_id: str,
    result: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        WebchatTurn(external_id=external_id, client_id=client_id, result=result, created_at=now)
    )
    await session.flush()


async def last_position(session: AsyncSession, external_id: str) -> int:
    rows = await session.execute(
        select(func.max(WebchatMessage.id)).where(WebchatMessage.external_id == external_id)
    )
    return int(rows.scalar() or 0)
