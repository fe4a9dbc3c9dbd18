"""The audit chain: append under a lock on the head row; verify by walking it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical(
    *, seq: int, at: datetime, actor: str, kind: str, subject: str, payload: dict[str, Any]
) -> str:
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "kind": kind,
        "subject": subject,
        "payload": payload,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


async def append(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    kind: str,
    subject: str,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Locks the head row so concurrent writers queue up."""
    payload = json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str))
    head = (
        await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
        await session.flush()
    seq = head.last_seq + 1
    digest = chain_hash(
        head.last_hash,
        canonical(seq=seq, at=at, actor=actor, kind=kind, subject=subject, payload=payload),
    )
    event = AuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        kind=kind,
        subject=subject,
        payload=payload,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.last_seq = seq
    head.last_hash = digest
    await session.flush()
    return event


@dataclass(frozen=True, slots=True)
class Broken:
    seq: int
    reason: str


async def _walk(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.seq > last)
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq
        session.expunge_all()


async def verify(session: AsyncSession) -> tuple[int, Broken | None]:
    """Walk the whole chain. Returns (events checked, first broken link or None)."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    async for ev in _walk(session):
        if ev.seq != expected_seq:
            return count, Broken(expected_seq, f"event {expected_seq} is missing")
        if ev.prev_hash != prev:
            return count, Broken(ev.seq, "prev_hash does not match the previous event")
        body = canonical(
            seq=ev.seq,
            at=ev.at,
            actor=ev.actor,
            kind=ev.kind,
            subject=ev.subject,
            payload=ev.payload,
        )
        if chain_hash(prev, body) != ev.hash:
            return count, Broken(ev.seq, "content does not match its hash")
        prev = ev.hash
        expected_seq += 1
        count += 1
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    if head is not None and (head.last_seq != count or head.last_hash != prev):
        return count, Broken(count + 1, "events after the last one were removed")
    return count, None
