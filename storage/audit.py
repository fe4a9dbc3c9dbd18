"""The audit log: transactions append events without any lock; one sequencer chains them.

An event is written with `hash` = SHA-256 of its canonical content and no place in the
chain (`seq` and `chain_hash` NULL), so appending is one INSERT and no transaction waits
for another. The sequencer (`seal`, run every second by one process) takes the committed
events that have no place yet, in id order, and gives each the next sequence number and
its chain hash, HMAC-SHA256 with MUSTER_AUDIT_KEY over (previous chain hash, seq, hash):
someone with write access to the database but not the key cannot rebuild a valid chain
after editing, removing or adding events. Id order is safe because sealing only ever sees
committed rows: an event committed late (a lower id than one already chained) simply gets
the next number when it shows up.

Evidence rows (signatures, acknowledgments, attempts, check-in responses and answers,
register filings, ticket messages) are recorded in the payload of the event written in
the same transaction: table, id and a digest of the row. `check` cross-checks every
evidence table against those records, so a row that is missing, added or altered is
named even when the events themselves are intact.

Events written before the keyed chain (migration 5c1e8a7d3b20) keep their old seq,
prev_hash and hash (sha256 of prev_hash and the content with seq) and are chained first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NotRequired, TypedDict, Unpack, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import unnest_rows
from storage.models import AuditEvent, AuditHead, Base

GENESIS = "0" * 64

# Evidence tables and the columns a row's digest leaves out: its id (known only after the
# insert) and, where the row points at its event, the columns derived from that event.
EVIDENCE: dict[str, frozenset[str]] = {
    "signature": frozenset({"id", "signature_no", "audit_hash"}),
    "training_attempt": frozenset({"id", "audit_hash"}),
    "notice_ack": frozenset({"id"}),
    "checkin_response": frozenset({"id"}),
    "checkin_answer": frozenset({"id"}),
    "register_filing": frozenset({"id"}),
    "ticket_message": frozenset({"id"}),
}
# Columns added to an evidence table after rows had been recorded, with the value such rows
# got: a column still holding it is left out of the digest, so a row recorded before the
# column existed digests as it did then (a correction or amendment sets them and counts).
ADDED_LATER: dict[str, dict[str, Any]] = {
    "checkin_response": {"supersedes_id": None},
    "register_filing": {"version": 1, "row_ids": None},
}
# Rows of these tables are found by the event they point at (audit_hash = event hash),
# because the row takes its number from the event and so is written after it.
LINKED_BY_HASH = frozenset({"signature", "training_attempt"})
# a signature's qualifying training attempt (issue 21): NULL where no training was required
ADDED_LATER["signature"] = {"training_attempt_id": None}


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def _dumps(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_digest(table: str, values: Mapping[Any, Any]) -> str:
    """SHA-256 of an evidence row's columns (those EVIDENCE does not leave out)."""
    skip = EVIDENCE[table]
    later = ADDED_LATER.get(table, {})
    body = {
        k: _norm(v)
        for k, v in values.items()
        if k not in skip and not (k in later and v == later[k])
    }
    return hashlib.sha256(_dumps([table, body]).encode("utf-8")).hexdigest()


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def values_of(obj: Any) -> dict[str, Any]:
    """Column values of an ORM object, by column name (unset columns are None)."""
    table = cast(Table, type(obj).__table__)
    return {c.name: getattr(obj, c.key, None) for c in table.columns}


@dataclass(frozen=True, slots=True)
class Evidence:
    """An evidence row as the event records it. `id` is None for a row found by hash."""

    table: str
    id: int | None
    digest: str

    @classmethod
    def of(cls, obj: Any, *, linked_by_hash: bool = False) -> Evidence:
        """The record of an ORM evidence row (flushed, unless it is found by hash)."""
        table = cast(Table, type(obj).__table__).name
        values = values_of(obj)
        return cls(table, None if linked_by_hash else values["id"], row_digest(table, values))

    @classmethod
    def row(cls, table: str, values: Mapping[str, Any]) -> Evidence:
        return cls(table, values["id"], row_digest(table, values))

    def to_json(self) -> list[Any]:
        return [self.table, self.id, self.digest]


def canonical(
    *, at: datetime, actor: str, kind: str, subject: str, payload: dict[str, Any]
) -> str:
    body = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "kind": kind,
        "subject": subject,
        "payload": payload,
    }
    return _dumps(body)


def content_hash(
    *, at: datetime, actor: str, kind: str, subject: str, payload: dict[str, Any]
) -> str:
    body = canonical(at=at, actor=actor, kind=kind, subject=subject, payload=payload)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def legacy_hash(prev_hash: str, ev: AuditEvent) -> str:
    """The hash of an event written before the keyed chain: sha256(prev + content + seq)."""
    body = {
        "seq": ev.seq,
        "at": ev.at.isoformat(timespec="microseconds"),
        "actor": ev.actor,
        "kind": ev.kind,
        "subject": ev.subject,
        "payload": ev.payload,
    }
    return hashlib.sha256((prev_hash + _dumps(body)).encode("utf-8")).hexdigest()


def link(key: bytes, prev_chain: str, seq: int, event_hash: str) -> str:
    """The keyed chain hash of the event at `seq`."""
    msg = f"{prev_chain}:{seq}:{event_hash}".encode("ascii")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class NewEvent(TypedDict):
    """A new event: the keyword arguments of `append` and `event_values`."""

    at: datetime
    actor: str
    kind: str
    subject: str
    payload: NotRequired[dict[str, Any] | None]
    evidence: NotRequired[Iterable[Evidence]]


def event_values(**event: Unpack[NewEvent]) -> dict[str, Any]:
    """The columns of a new event: its payload (with the evidence records) as stored, and
    its content hash. It has no place in the chain yet (seq and chain_hash NULL)."""
    payload = json.loads(json.dumps(event.get("payload") or {}, ensure_ascii=False, default=str))
    records = [e.to_json() for e in event.get("evidence", ())]
    if records:
        payload["evidence"] = records
    content: dict[str, Any] = {
        "at": event["at"],
        "actor": event["actor"],
        "kind": event["kind"],
        "subject": event["subject"],
        "payload": payload,
    }
    return {**content, "hash": content_hash(**content)}


async def append(session: AsyncSession, **event: Unpack[NewEvent]) -> AuditEvent:
    """Append one event: one INSERT, no lock. Its id and `hash` are known on return; its
    `seq` and chain hash come from the sequencer after the transaction commits."""
    row = AuditEvent(**event_values(**event))
    session.add(row)
    await session.flush()
    return row


def append_when(rows: Any) -> Any:
    """An INSERT of one event that is written only if the data-modifying CTE `rows`
    (PostgreSQL) returned a row: the event goes in the same statement as the evidence row
    it records. Bind the columns of `event_values(...)` as `ev_<column>`."""
    t = _table("audit_event")
    columns = ("at", "actor", "kind", "subject", "payload", "hash")
    values = select(*(bindparam(f"ev_{c}", type_=t.c[c].type) for c in columns)).where(
        select(rows).exists()
    )
    return t.insert().from_select(list(columns), values)


# --- The sequencer ----------------------------------------------------------------------


async def seal(session: AsyncSession, key: bytes, *, batch: int = 2000) -> int:
    """Chain up to `batch` committed unchained events, in id order; how many were chained.

    Only the sequencer locks the head row (FOR UPDATE), so two sequencers running at once
    take turns, and each update is conditional on the event still being unchained: a
    second run chains nothing twice. The caller commits."""
    head = (
        await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
        await session.flush()
    rows = (
        await session.execute(
            select(AuditEvent.id, AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain_hash.is_(None))
            .order_by(AuditEvent.id)
            .limit(batch)
        )
    ).all()
    if not rows:
        return 0
    seq, prev = head.last_seq, head.last_hash
    params = []
    for event_id, legacy_seq, event_hash in rows:
        seq = legacy_seq if legacy_seq is not None else seq + 1
        prev = link(key, prev, seq, event_hash)
        params.append({"id": event_id, "seq": seq, "chain_hash": prev})
    t = _table("audit_event")
    if session.get_bind().dialect.name == "postgresql":
        # one UPDATE from three arrays, not one statement's parameters per event
        chained = unnest_rows(session, t, params).subquery("chained")
        await session.execute(
            t.update()
            .where(t.c.id == chained.c.id, t.c.chain_hash.is_(None))
            .values(seq=chained.c.seq, chain_hash=chained.c.chain_hash)
        )
    else:
        await session.execute(
            t.update()
            .where(t.c.id == bindparam("b_id"), t.c.chain_hash.is_(None))
            .values(seq=bindparam("b_seq"), chain_hash=bindparam("b_chain")),
            [{"b_id": p["id"], "b_seq": p["seq"], "b_chain": p["chain_hash"]} for p in params],
        )
    head.last_seq = seq
    head.last_hash = prev
    await session.flush()
    return len(params)


async def head_of(session: AsyncSession) -> tuple[int, str]:
    """(sequence number, chain hash) of the newest chained event; (0, GENESIS) if none."""
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    if head is None:
        return 0, GENESIS
    return head.last_seq, head.last_hash


# --- Verification -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Broken:
    """A problem found by `check`: a locale key (audit-problem-*) and its arguments."""

    seq: int | None
    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    chained: int = 0  # events in the chain, all checked
    pending: int = 0  # events not chained yet (content checked)
    head: tuple[int, str] = (0, GENESIS)  # the last chained event
    problems: list[Broken] = field(default_factory=list)
    evidence: int = 0  # evidence rows cross-checked

    @property
    def intact(self) -> bool:
        return not self.problems


async def _walk(
    session: AsyncSession, *, chained: bool, batch: int = 5000
) -> AsyncIterator[AuditEvent]:
    order = AuditEvent.seq if chained else AuditEvent.id
    cond = AuditEvent.chain_hash.is_not(None) if chained else AuditEvent.chain_hash.is_(None)
    last = 0
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent).where(cond, order > last).order_by(order).limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield row
        last = cast(int, rows[-1].seq if chained else rows[-1].id)
        session.expunge_all()


def _content_ok(ev: AuditEvent) -> bool:
    if ev.prev_hash is not None:  # written before the keyed chain
        return legacy_hash(ev.prev_hash, ev) == ev.hash
    want = content_hash(
        at=ev.at, actor=ev.actor, kind=ev.kind, subject=ev.subject, payload=ev.payload
    )
    return want == ev.hash


Claims = dict[tuple[str, object], tuple[str, int | None, int]]  # -> digest, seq, event id


def _claim(claims: Claims, ev: AuditEvent) -> None:
    for table, row_id, digest in ev.payload.get("evidence", ()):
        ref: object = row_id if row_id is not None else ("hash", ev.hash)
        claims[(table, ref)] = (digest, ev.seq, ev.id)


async def check(
    session: AsyncSession,
    key: bytes,
    *,
    head: tuple[int, str] | None = None,
    max_problems: int = 200,
) -> Report:
    """Walk the keyed chain, check the head row (and an outside record `head` of it),
    check unchained events' content and cross-check every evidence table."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # one snapshot: a transaction committing meanwhile must not look like an added row
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = Report()
    problems = report.problems
    claims: Claims = {}
    prev, expected = GENESIS, 1
    chain_ok = True
    recorded_seen = head is None
    async for ev in _walk(session, chained=True):
        _claim(claims, ev)
        if not chain_ok:
            continue
        seq = cast(int, ev.seq)
        if seq != expected:
            problems.append(Broken(expected, "audit-problem-missing", {"seq": expected}))
            chain_ok = False
        elif not _content_ok(ev):
            problems.append(Broken(seq, "audit-problem-content", {"seq": seq}))
            chain_ok = False
        elif link(key, prev, seq, ev.hash) != ev.chain_hash:
            problems.append(Broken(seq, "audit-problem-link", {"seq": seq}))
            chain_ok = False
        else:
            if head is not None and seq == head[0]:
                recorded_seen = True
                if ev.chain_hash != head[1]:
                    problems.append(Broken(seq, "audit-problem-recorded", {"seq": seq}))
            prev = ev.chain_hash
            expected += 1
            report.chained += 1
    report.head = await head_of(session)
    if chain_ok and report.head != (report.chained, prev):
        if report.head[0] > report.chained:
            problems.append(
                Broken(
                    report.chained + 1,
                    "audit-problem-truncated",
                    {"seq": report.chained + 1, "head": report.head[0]},
                )
            )
        else:
            problems.append(Broken(report.head[0], "audit-problem-head", {"seq": report.head[0]}))
    if not recorded_seen and head is not None:
        problems.append(Broken(head[0], "audit-problem-recorded", {"seq": head[0]}))
    async for ev in _walk(session, chained=False):
        report.pending += 1
        _claim(claims, ev)
        if not _content_ok(ev):
            problems.append(Broken(None, "audit-problem-pending", {"id": ev.id}))
    await _cross_check(session, claims, report)
    if len(problems) > max_problems:
        more = len(problems) - max_problems
        del problems[max_problems:]
        problems.append(Broken(None, "audit-problem-more", {"count": more}))
    return report


async def _cross_check(session: AsyncSession, claims: Claims, report: Report) -> None:
    problems = report.problems
    for name in EVIDENCE:
        t = _table(name)
        by_hash = name in LINKED_BY_HASH
        last = 0
        while True:
            rows = (
                (
                    await session.execute(
                        select(t).where(t.c.id > last).order_by(t.c.id).limit(5000)
                    )
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            last = rows[-1]["id"]
            for row in rows:
                report.evidence += 1
                ref: object = ("hash", row["audit_hash"]) if by_hash else row["id"]
                claim = claims.pop((name, ref), None)
                if claim is None and by_hash:  # recorded by the baseline of old rows
                    claim = claims.pop((name, row["id"]), None)
                args = {"table": name, "id": row["id"]}
                if claim is None:
                    problems.append(Broken(None, "audit-problem-row-added", args))
                elif claim[0] != row_digest(name, row):
                    seq = claim[1]
                    args |= {"seq": seq if seq is not None else "-", "event": claim[2]}
                    problems.append(Broken(seq, "audit-problem-row-altered", args))
    for (name, ref), (_digest, seq, event_id) in sorted(
        claims.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
    ):
        row_id = ref if not isinstance(ref, tuple) else "-"
        problems.append(
            Broken(
                seq,
                "audit-problem-row-missing",
                {
                    "table": name,
                    "id": row_id,
                    "seq": seq if seq is not None else "-",
                    "event": event_id,
                },
            )
        )


async def verify(session: AsyncSession, key: bytes) -> tuple[int, Broken | None]:
    """(events checked, the first problem or None): the short form of `check`."""
    report = await check(session, key)
    return report.chained + report.pending, report.problems[0] if report.problems else None


async def unchained(session: AsyncSession) -> int:
    return (
        await session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.chain_hash.is_(None))
        )
    ).scalar_one()


def parse_head(value: str) -> tuple[int, str] | None:
    """ "123:abcdef…" (64 hex) -> (123, "abcdef…"); anything else -> None."""
    seq, sep, digest = value.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.isdigit() or len(digest) != 64:
        return None
    try:
        bytes.fromhex(digest)
    except ValueError:
        return None
    return int(seq), digest
