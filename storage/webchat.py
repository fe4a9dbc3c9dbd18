"""Repository functions of the web chat channel. They never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_webchat import WebchatMessage, WebchatSession, WebchatTurn


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


async def append(
    session: AsyncSession,
    *,
    external_id: str,
    message_id: str,
    kind: str,
    payload: dict[str, Any],
    document: bytes | None,
    now: datetime,
) -> int:
    """Append to the account's log; the new log position."""
    row = WebchatMessage(
        external_id=external_id,
        message_id=message_id,
        kind=kind,
        payload=payload,
        document=document,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def after(
    session: AsyncSession, external_id: str, position: int, limit: int = 200
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
