"""Repository functions of the WeCom channel: the callback inbox and the sent cards.
They never commit; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert
from storage.models_wecom import WecomCard, WecomInbox

PENDING, HANDLING, DONE = "pending", "handling", "done"


async def store_event(
    session: AsyncSession, *, dedupe_key: str, from_user: str, xml: str, now: datetime
) -> bool:
    """Insert the callback unless one with the same key is stored; True if new.
    (INSERT ... ON CONFLICT DO NOTHING: the one dialect branch, both tested.)"""
    values: dict[str, Any] = {
        "dedupe_key": dedupe_key,
        "from_user": from_user,
        "xml": xml,
        "status": PENDING,
        "attempts": 0,
        "received_at": now,
    }
    stmt = (
        upsert(session, WecomInbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, *, now: datetime, limit: int) -> list[tuple[int, str, str]]:
    """Claim up to `limit` pending rows, oldest first: (id, from_user, xml)."""
    ready = (
        select(WecomInbox.id)
        .where(WecomInbox.status == PENDING)
        .order_by(WecomInbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ready = ready.with_for_update(skip_locked=True)
    stmt = (
        update(WecomInbox)
        .where(WecomInbox.id.in_(ready.scalar_subquery()))
        .values(status=HANDLING, claimed_at=now, attempts=WecomInbox.attempts + 1)
        .returning(WecomInbox.id, WecomInbox.from_user, WecomInbox.xml)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(stmt)).all()
    return sorted((int(r[0]), str(r[1]), str(r[2])) for r in rows)


async def finish(
    session: AsyncSession,
    row_id: int,
    *,
    now: datetime,
    error: str | None,
    xml: str | None = None,
) -> None:
    """Mark a callback handled; `xml` replaces what is kept of it (sealed, for a private
    turn)."""
    values: dict[str, Any] = {
        "status": DONE,
        "handled_at": now,
        "error": error[:300] if error else None,
    }
    if xml is not None:
        values["xml"] = xml
    await session.execute(
        update(WecomInbox)
        .where(WecomInbox.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def recover(session: AsyncSession, *, older_than: datetime | None) -> int:
    """Rows a stopped process left `handling` go back to pending (all, or those claimed
    before `older_than` when other processes may be working)."""
    stmt = (
        update(WecomInbox)
        .where(WecomInbox.status == HANDLING)
        .values(status=PENDING, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    if older_than is not None:
        stmt = stmt.where(WecomInbox.claimed_at < older_than)
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def pending_count(session: AsyncSession) -> int:
    rows = await session.execute(select(WecomInbox.id).where(WecomInbox.status != DONE))
    return len(rows.all())


async def remember_card(
    session: AsyncSession,
    *,
    task_id: str,
    userid: str,
    msgid: str | None,
    response_code: str | None,
    body: str,
    buttons: list[list[str]] | None,
    now: datetime,
) -> None:
    session.add(
        WecomCard(
            task_id=task_id,
            userid=userid,
            msgid=msgid,
            response_code=response_code,
            body=body,
            buttons=buttons,
            sent_at=now,
        )
    )


async def card(session: AsyncSession, task_id: str, userid: str) -> WecomCard | None:
    row = await session.get(WecomCard, task_id)
    return row if row is not None and row.userid == userid else None


async def set_card_content(
    session: AsyncSession,
    task_id: str,
    *,
    body: str,
    buttons: list[list[str]] | None,
    now: datetime,
) -> None:
    """An edit replaced what the card shows."""
    await session.execute(
        update(WecomCard)
        .where(WecomCard.task_id == task_id)
        .values(body=body, buttons=buttons, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def card_code(session: AsyncSession, task_id: str, userid: str) -> str | None:
    """The card's unused response code, if any."""
    card = await session.get(WecomCard, task_id)
    if card is None or card.userid != userid:
        return None
    return card.response_code


async def set_card_code(
    session: AsyncSession, task_id: str, userid: str, code: str | None, *, now: datetime
) -> None:
    """A click brings a fresh code (or an update consumed it: None)."""
    await session.execute(
        update(WecomCard)
        .where(WecomCard.task_id == task_id, WecomCard.userid == userid)
        .values(response_code=code, updated_at=now)
        .execution_options(synchronize_session=False)
    )


LEASE = timedelta(minutes=5)
