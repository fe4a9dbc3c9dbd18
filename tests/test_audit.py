"""The audit log: appended without a lock, chained by one sequencer with a key, and checked:
edited, deleted, added or reordered events, a moved head, a head recorded outside the
database, and evidence rows (signatures, acknowledgments, ticket messages...) that no
longer match the events that recorded them. The database refuses the shortcuts."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock
from bot.services.notices import Composed
from scheduled.sequencer import seal_pending
from storage import audit
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import GUARDED, AuditEvent, AuditHead, Person, drop_guard_ddl
from storage.models_hotline import TicketMessage
from storage.models_notices import NoticeAck
from tests.chat import ChatUser
from tests.factories import bind_account, make_force
from tests.helpers import AUDIT_KEY_BYTES, local

KEY = AUDIT_KEY_BYTES


async def _append(engine: AsyncEngine, clock: FrozenClock, n: int = 3) -> None:
    async with make_sessionmaker(engine)() as s:
        for i in range(n):
            await audit.append(
                s, at=clock.now(), actor="cli", kind="test", subject=f"s{i}", payload={"i": i}
            )
        await s.commit()


async def _seal(engine: AsyncEngine, *, batch: int = 2000, key: bytes = KEY) -> int:
    async with make_sessionmaker(engine)() as s:
        n = await audit.seal(s, key, batch=batch)
        await s.commit()
    return n


async def _check(
    engine: AsyncEngine, *, head: tuple[int, str] | None = None, key: bytes = KEY
) -> audit.Report:
    async with make_sessionmaker(engine)() as s:
        return await audit.check(s, key, head=head)


def _problems(report: audit.Report) -> list[tuple[str, dict[str, Any]]]:
    return [(p.key.removeprefix("audit-problem-"), p.args) for p in report.problems]


async def _tamperer(engine: AsyncEngine, *tables: str) -> None:
    """Play a DBA with full access: drop the triggers first."""
    async with engine.begin() as conn:
        for table in tables or GUARDED:
            for stmt in drop_guard_ddl(table, conn.dialect.name):
                await conn.execute(text(stmt))


# --- appending and the sequencer ---------------------------------------------------------


async def test_events_wait_unchained_until_the_sequencer_chains_them(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock)
    report = await _check(engine)
    assert (report.chained, report.pending, report.intact) == (0, 3, True)
    assert await _seal(engine) == 3
    report = await _check(engine)
    assert (report.chained, report.pending, report.intact) == (3, 0, True)
    async with make_sessionmaker(engine)() as s:
        rows = (await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars().all()
        assert [r.seq for r in rows] == [1, 2, 3]
        assert report.head == (3, rows[-1].chain_hash)
        assert await audit.verify(s, KEY) == (3, None)


async def test_chain_is_keyed(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _append(engine, clock)
    await _seal(engine)
    wrong = await _check(engine, key=b"another-key-of-sixteen-bytes")
    assert _problems(wrong) == [("link", {"seq": 1})]
    assert (await _check(engine)).intact


async def test_sequencer_works_in_batches_and_never_chains_twice(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock, 5)
    assert [await _seal(engine, batch=2) for _ in range(4)] == [2, 2, 1, 0]
    await _append(engine, clock, 1)  # after a batch boundary: the next number
    assert await _seal(engine, batch=2) == 1
    assert await _seal(engine) == 0
    report = await _check(engine)
    assert (report.chained, report.pending, report.head[0]) == (6, 0, 6)
    assert report.intact


async def test_the_sequencer_job_chains_everything_committed(app: App, clock: FrozenClock) -> None:
    await _append(app.engine, clock, 5)
    assert await seal_pending(app, batch=2) == 5
    assert await seal_pending(app) == 0
    assert (await _check(app.engine)).chained == 5


async def test_second_sequencer_waits_for_the_lease(app: App, clock: FrozenClock) -> None:
    await _append(app.engine, clock, 2)
    assert await seal_pending(app, holder="one") == 2
    await _append(app.engine, clock, 1)
    assert await seal_pending(app, holder="two") == 0  # "one" holds it for 10 s
    clock.advance(timedelta(seconds=11))
    assert await seal_pending(app, holder="two") == 1


@pytest.mark.pg_only
async def test_event_committed_late_with_a_lower_id_is_chained_next(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as slow:
        early = await audit.append(slow, at=clock.now(), actor="cli", kind="slow", subject="a")
        await _append(engine, clock, 2)  # committed while `slow` is still open
        assert await _seal(engine) == 2
        await slow.commit()
    assert await _seal(engine) == 1
    async with sm() as s:
        late = await s.get(AuditEvent, early.id)
        assert late is not None and late.seq == 3
        assert early.id < max((await s.execute(select(AuditEvent.id))).scalars())
    assert (await _check(engine)).intact


@pytest.mark.pg_only
async def test_two_sequencers_at_once_chain_each_event_once(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock, 50)
    results = await asyncio.gather(*(_seal(engine, batch=20) for _ in range(4)))
    total = sum(results) + await _seal(engine) + await _seal(engine)
    assert total == 50
    report = await _check(engine)
    assert (report.chained, report.pending, report.intact) == (50, 0, True)


# --- tampering ---------------------------------------------------------------------------


async def test_database_refuses_to_edit_delete_or_rechain_events(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock)
    sm = make_sessionmaker(engine)
    for stmt in (
        update(AuditEvent).values(subject="forged"),  # an unchained event's content
        delete(AuditEvent),
    ):
        async with sm() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(stmt)
    await _seal(engine)
    async with sm() as s:  # a chained event cannot be chained again
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(update(AuditEvent).values(seq=AuditEvent.seq + 10))


async def test_database_refuses_to_move_the_head_back_or_off_the_chain(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock)
    await _seal(engine)
    sm = make_sessionmaker(engine)
    for values in ({"last_seq": 0, "last_hash": audit.GENESIS}, {"last_hash": "f" * 64}):
        async with sm() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(update(AuditHead).values(**values))
    async with sm() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(delete(AuditHead))


async def test_edited_event_is_named(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _append(engine, clock)
    await _seal(engine)
    await _tamperer(engine, "audit_event")
    async with make_sessionmaker(engine)() as s:
        await s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(subject="forged"))
        await s.commit()
    report = await _check(engine)
    assert _problems(report) == [("content", {"seq": 2})] and report.chained == 1


async def test_event_rewritten_with_a_fresh_hash_fails_without_the_key(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    """Whoever edits an event and recomputes its SHA-256 (and even the chain, with
    another key) cannot make the keyed chain hold."""
    await _append(engine, clock)
    await _seal(engine)
    await _tamperer(engine, "audit_event", "audit_head")
    sm = make_sessionmaker(engine)
    async with sm() as s:
        ev = (await s.execute(select(AuditEvent).where(AuditEvent.seq == 2))).scalar_one()
        payload = {"i": 99}
        digest = audit.content_hash(
            at=ev.at, actor=ev.actor, kind=ev.kind, subject=ev.subject, payload=payload
        )
        await s.execute(
            update(AuditEvent).where(AuditEvent.id == ev.id).values(payload=payload, hash=digest)
        )
        # rebuild the chain from the start with a key of one's own
        await s.execute(update(AuditEvent).values(seq=None, chain_hash=None))
        await s.execute(update(AuditHead).values(last_seq=0, last_hash=audit.GENESIS))
        await audit.seal(s, b"attackers-own-key-123")
        await s.commit()
    assert _problems(await _check(engine)) == [("link", {"seq": 1})]


async def test_deleted_events_are_named(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _append(engine, clock)
    await _seal(engine)
    await _tamperer(engine, "audit_event")
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        await s.commit()
    assert _problems(await _check(engine)) == [("missing", {"seq": 2})]
    async with sm() as s:
        await s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        await s.commit()
    assert _problems(await _check(engine)) == [("truncated", {"seq": 2, "head": 3})]


async def test_tampered_head_is_named(engine: AsyncEngine, clock: FrozenClock) -> None:
    await _append(engine, clock)
    await _seal(engine)
    await _tamperer(engine, "audit_head")
    async with make_sessionmaker(engine)() as s:
        second = (
            await s.execute(select(AuditEvent.chain_hash).where(AuditEvent.seq == 2))
        ).scalar_one()
        await s.execute(update(AuditHead).values(last_seq=2, last_hash=second))
        await s.commit()
    assert _problems(await _check(engine)) == [("head", {"seq": 2})]


async def test_recorded_head_proves_what_a_consistent_truncation_removed(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    await _append(engine, clock)
    await _seal(engine)
    recorded = (await _check(engine)).head  # what `muster audit head` printed
    assert recorded[0] == 3
    assert (await _check(engine, head=recorded)).intact
    await _tamperer(engine, "audit_event", "audit_head")
    async with make_sessionmaker(engine)() as s:
        second = (
            await s.execute(select(AuditEvent.chain_hash).where(AuditEvent.seq == 2))
        ).scalar_one()
        await s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        await s.execute(update(AuditHead).values(last_seq=2, last_hash=second))
        await s.commit()
    assert (await _check(engine)).intact  # consistent in itself ...
    report = await _check(engine, head=recorded)  # ... but not with the record
    assert _problems(report) == [("recorded", {"seq": 3})]
    assert _problems(await _check(engine, head=(2, "0" * 64))) == [("recorded", {"seq": 2})]


# --- evidence rows -----------------------------------------------------------------------


async def _evidence(app: App) -> dict[str, ChatUser]:
    """A001 and A002 acknowledge a notice; A003 asks the hotline and the office replies."""
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in ("A001", "A002", "A003"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    users = {emp: ChatUser(app.conversation(), emp) for emp in ("A001", "A002", "A003")}
    async with app.unit_of_work() as svc:
        sent = await svc.notices.send(
            Actor.cli(),
            Composed(
                audience="role:auxiliary",
                text="值班通知\n请确认。",
                ack_by=local(2026, 12, 2, 18, 0),
            ),
        )
    for emp in ("A001", "A002"):
        await users[emp].tap(f"nt:ack:{sent.notice_id}")
    async with app.unit_of_work() as svc:
        asker = (
            await svc.session.execute(select(Person).where(Person.employee_no == "A003"))
        ).scalar_one()
        ticket = await svc.hotline.ask(Actor.of(asker), "加班费怎么算？", anonymous=True)
        await svc.hotline.reply(Actor.cli(), ticket.id, "按规定计算。")
    assert await seal_pending(app) > 0
    return users


async def test_evidence_rows_match_their_events(app: App) -> None:
    await _evidence(app)
    report = await _check(app.engine)
    assert report.intact and report.evidence == 4  # two acks, two ticket messages
    async with app.sessionmaker() as s:
        asked = (
            await s.execute(select(AuditEvent).where(AuditEvent.kind == "hotline.message"))
        ).scalars()
        assert [e.actor for e in asked] == ["asker:anonymous", "cli"]  # anonymous stays so


async def test_altered_added_and_missing_evidence_rows_are_named(app: App) -> None:
    await _evidence(app)
    await _tamperer(app.engine, "notice_ack", "ticket_message")
    async with app.sessionmaker() as s:
        first, second = (await s.execute(select(NoticeAck).order_by(NoticeAck.id))).scalars()
        await s.execute(update(NoticeAck).where(NoticeAck.id == first.id).values(channel="web"))
        a003 = (
            await s.execute(select(Person.id).where(Person.employee_no == "A003"))
        ).scalar_one()
        await s.execute(
            insert(NoticeAck).values(
                notice_id=second.notice_id, person_id=a003, acked_at=second.acked_at, channel="x"
            )
        )
        reply = (
            await s.execute(select(TicketMessage).where(TicketMessage.sender == "office"))
        ).scalar_one()
        await s.execute(delete(TicketMessage).where(TicketMessage.id == reply.id))
        await s.commit()
        seq_of = dict(
            (
                await s.execute(
                    select(AuditEvent.kind, AuditEvent.seq).where(
                        AuditEvent.kind.in_(("notice.acked", "hotline.message"))
                    )
                )
            ).all()
        )
        ack_event = (
            (
                await s.execute(
                    select(AuditEvent)
                    .where(AuditEvent.kind == "notice.acked")
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .first()
        )
        reply_event = (
            (
                await s.execute(
                    select(AuditEvent)
                    .where(AuditEvent.kind == "hotline.message")
                    .order_by(AuditEvent.id.desc())
                )
            )
            .scalars()
            .first()
        )
    assert ack_event is not None and reply_event is not None and seq_of
    assert _problems(await _check(app.engine)) == [
        (
            "row-altered",
            {"table": "notice_ack", "id": first.id, "seq": ack_event.seq, "event": ack_event.id},
        ),
        ("row-added", {"table": "notice_ack", "id": second.id + 1}),
        (
            "row-missing",
            {
                "table": "ticket_message",
                "id": reply.id,
                "seq": reply_event.seq,
                "event": reply_event.id,
            },
        ),
    ]


async def test_evidence_tables_refuse_replace_and_truncate(app: App) -> None:
    await _evidence(app)
    async with app.sessionmaker() as s:
        ack = (await s.execute(select(NoticeAck).order_by(NoticeAck.id))).scalars().first()
        assert ack is not None
    dialect = app.engine.dialect.name
    if dialect == "sqlite":
        forged = (
            "INSERT OR REPLACE INTO notice_ack (id, notice_id, person_id, acked_at, channel) "
            f"VALUES ({{id}}, {ack.notice_id}, {ack.person_id}, '2020-01-01 00:00:00', 'x')"
        )
        attempts = [forged.format(id=ack.id), forged.format(id=999)]  # same id / same key
        attempts.append(
            "INSERT OR REPLACE INTO audit_head (id, last_seq, last_hash) "
            f"VALUES (1, 0, '{audit.GENESIS}')"
        )
    else:
        attempts = [
            f"TRUNCATE {table} CASCADE"
            for table in ("signature", "notice_ack", "ticket_message", "audit_event", "audit_head")
        ]
        attempts.append(
            "INSERT INTO notice_ack (id, notice_id, person_id, acked_at, channel) "
            f"VALUES ({ack.id}, {ack.notice_id}, {ack.person_id}, now(), 'x') "
            "ON CONFLICT (id) DO UPDATE SET channel = 'x'"
        )
    for sql in attempts:
        async with app.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(sql))
    report = await _check(app.engine)
    assert report.intact and report.evidence == 4


async def test_signature_cannot_be_replaced(app: App) -> None:
    """The hole found by trying: INSERT OR REPLACE rewrote a signature (and on PostgreSQL
    an upsert is an UPDATE, refused too)."""
    from tests.test_pledges import _publish, _setup, _sign  # noqa: PLC0415

    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张三")
    async with app.engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM signature"))).mappings().one()
        cols = ", ".join(row.keys())
        values = dict(row, typed_name="李四", signed_at="2020-01-01 00:00:00")
        marks = ", ".join(f":{k}" for k in row)
        verb = "INSERT OR REPLACE" if conn.dialect.name == "sqlite" else "INSERT"
        tail = "" if conn.dialect.name == "sqlite" else " ON CONFLICT (id) DO UPDATE SET id = 1"
        if conn.dialect.name == "postgresql":
            values["signed_at"] = row["signed_at"]
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(
                text(f"{verb} INTO signature ({cols}) VALUES ({marks}){tail}"), values
            )
    await seal_pending(app)
    assert (await _check(app.engine)).intact


async def test_truncated_tables_are_named_even_with_the_head_reset(app: App) -> None:
    """The other hole: TRUNCATE audit_event with the head reset said "intact: 0 events"."""
    await _evidence(app)
    await _tamperer(app.engine)
    async with app.sessionmaker() as s:
        await s.execute(delete(AuditEvent))
        await s.execute(update(AuditHead).values(last_seq=0, last_hash=audit.GENESIS))
        await s.commit()
    report = await _check(app.engine)
    assert report.chained == 0
    assert [p for p, _ in _problems(report)] == ["row-added"] * 4


# --- the CLI -----------------------------------------------------------------------------


def test_cli_prints_the_head_and_verifies_a_recorded_one(
    tmp_path: Path,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"

    async def prepare() -> None:
        engine = make_engine(url)
        try:
            await upgrade(engine)
            await _append(engine, clock)
            await _seal(engine)
            await _append(engine, clock, 1)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    for name in list(os.environ):
        if name.startswith("MUSTER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env file

    assert main(["audit", "verify"]) == 2
    assert "MUSTER_AUDIT_KEY" in capsys.readouterr().err
    monkeypatch.setenv("MUSTER_AUDIT_KEY", KEY.decode())
    assert main(["audit", "head", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    record = out.split("(on paper or in another system): ")[1].split()[0]
    assert record.startswith("3:") and "1 more events are not chained yet" in out
    assert main(["audit", "verify", "--head", record]) == 0
    out = capsys.readouterr().out
    assert "审计链完整：3 个事件已入链，1 个尚未入链" in out and "仍在链中" in out
    assert main(["audit", "verify", "--head", "3:xyz"]) == 2
    assert "不是链头记录" in capsys.readouterr().err
    bad = record[:-1] + ("0" if record[-1] != "0" else "1")
    assert main(["audit", "verify", "--head", bad, "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "audit chain BROKEN" in err and "the recorded head (event 3)" in err


async def test_checkins_registers_and_training_are_cross_checked(app: App) -> None:
    """Every evidence table round-trips: what the event recorded is what the row holds."""
    from tests.test_checkins import FULL, W49, open_w49, setup_force, submit  # noqa: PLC0415
    from tests.test_register import add, draft, file  # noqa: PLC0415

    await setup_force(app)
    await open_w49(app)
    await submit(app, "A001", all_fine=True)
    await submit(app, "A002", answers=FULL)
    await add(app, W49, draft())
    await file(app, W49)
    await seal_pending(app)
    report = await _check(app.engine)
    assert report.intact, report.problems
    async with app.sessionmaker() as s:
        counts = {
            t: (await s.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()
            for t in ("checkin_response", "checkin_answer", "register_filing", "ticket_message")
        }
    assert counts["checkin_response"] == 2 and counts["register_filing"] == 1
    assert counts["checkin_answer"] > 0 and counts["ticket_message"] > 0  # a care item
    assert report.evidence == sum(counts.values())


async def test_second_press_records_no_second_acknowledgment(app: App) -> None:
    users = await _evidence(app)
    async with app.sessionmaker() as s:
        notice_id = (await s.execute(select(NoticeAck.notice_id))).scalars().first()
    [reply] = await users["A001"].tap(f"nt:ack:{notice_id}")
    assert reply.toast == "您已于 10:00 确认收到，无需重复操作。"
    await seal_pending(app)
    report = await _check(app.engine)
    assert report.intact and report.evidence == 4
    async with app.sessionmaker() as s:
        kinds = (await s.execute(select(AuditEvent.kind))).scalars().all()
    assert kinds.count("notice.acked") == 2


async def test_upgrade_keeps_old_events_and_evidence(empty_db_url: str) -> None:
    """Events chained the old way (sha256, no key) and evidence rows written before the
    keyed chain verify after `muster db upgrade` and one run of the sequencer."""
    from types import SimpleNamespace  # noqa: PLC0415

    engine = make_engine(empty_db_url)
    try:
        await upgrade(engine, "1368afe3f9f2")
        at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
        prev = audit.GENESIS
        async with engine.begin() as conn:
            for seq in (1, 2, 3):
                ev = SimpleNamespace(
                    seq=seq, at=at, actor="cli", kind="old", subject=f"s{seq}", payload={}
                )
                digest = audit.legacy_hash(prev, ev)  # type: ignore[arg-type]
                await conn.execute(
                    insert(AuditEvent.__table__).values(
                        seq=seq,
                        at=at,
                        actor="cli",
                        kind="old",
                        subject=f"s{seq}",
                        payload={},
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                prev = digest
            await conn.execute(update(AuditHead).values(last_seq=3, last_hash=prev))
            await conn.execute(
                text(
                    "INSERT INTO ticket (id, anonymous, status, created_at, last_activity_at) "
                    "VALUES (1, false, 'open', :at, :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                insert(TicketMessage.__table__).values(
                    ticket_id=1, sender="asker", text="旧问题", at=at
                )
            )
        await upgrade(engine)
        assert await _seal(engine) == 4  # the three old events and the baseline
        report = await _check(engine)
        assert (report.intact, report.chained, report.evidence) == (True, 4, 1)
        async with make_sessionmaker(engine)() as s:
            old = (await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars().all()
            assert [e.seq for e in old] == [1, 2, 3, 4] and old[3].kind == "audit.baseline"
    finally:
        await engine.dispose()
