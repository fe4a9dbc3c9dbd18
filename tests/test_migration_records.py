"""The migration of corrections and amendments (f3b9c2d4e610) on a database with data: the
check-in answers keep pointing at their responses (SQLite rebuilds that table under
foreign keys), evidence recorded before it still verifies, and the guards hold after."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage import audit
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import Base
from tests.helpers import AUDIT_KEY_BYTES

BEFORE = "e5c4a7b3d901"
AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _old(conn: sa.Connection, name: str) -> sa.Table:
    """The table as it is in the database, with the model's column types."""
    present = {c["name"] for c in sa.inspect(conn).get_columns(name)}
    live = Base.metadata.tables[name]
    return sa.Table(name, sa.MetaData(), *[c._copy() for c in live.columns if c.name in present])


def _insert(conn: sa.Connection, table_name: str, /, **values: Any) -> dict[str, Any]:
    table = _old(conn, table_name)
    conn.execute(table.insert().values(**values))
    row = conn.execute(sa.select(table).where(table.c.id == values["id"])).mappings().one()
    return dict(row)


def _old_data(conn: sa.Connection) -> None:
    _insert(conn, "unit", id=1, name="城关派出所", created_at=AT)
    common = {"unit_id": 1, "status": "active", "created_at": AT, "updated_at": AT}
    _insert(conn, "person", id=1, employee_no="A001", name="张三", **common)
    _insert(
        conn,
        "campaign",
        id=1,
        kind="checkin",
        ref_key="2026-W49",
        titles={},
        audience={},
        policy={},
        active=True,
        created_by="cli",
        created_at=AT,
    )
    _insert(conn, "assignment", id=1, campaign_id=1, person_id=1, status="done", created_at=AT)
    evidence = [
        _insert(
            conn,
            "checkin_response",
            id=1,
            assignment_id=1,
            person_id=1,
            week="2026-W49",
            form_version=1,
            submitted_at=AT,
            late=False,
            all_fine=False,
            hazards=1,
        ),
        _insert(
            conn,
            "checkin_answer",
            id=1,
            response_id=1,
            question_id="hazard",
            value="yes",
            visibility="mentor",
            hazard=True,
        ),
    ]
    _insert(
        conn,
        "care_item",
        id=1,
        person_id=1,
        response_id=1,
        week="2026-W49",
        question_id="difficulty_detail",
        created_at=AT,
    )
    _insert(
        conn,
        "register_row",
        id=1,
        unit_id=1,
        week="2026-W49",
        category="equipment",
        risk="对讲机电池老化",
        measure="申领",
        owner="王民警",
        deadline=date(2026, 12, 20),
        status="open",
        first_week="2026-W49",
        created_by="cli",
        created_at=AT,
    )
    evidence.append(
        _insert(
            conn,
            "register_filing",
            id=1,
            unit_id=1,
            week="2026-W49",
            filed_at=AT,
            late=False,
            filed_by="cli",
            no_new_risks=False,
            rows=1,
            source="bot",
        )
    )
    tables = ("checkin_response", "checkin_answer", "register_filing")
    payload = {
        "evidence": [
            [name, row["id"], audit.row_digest(name, row)]
            for name, row in zip(tables, evidence, strict=True)
        ]
    }
    event = {"at": AT, "actor": "cli", "kind": "old", "subject": "s", "payload": payload}
    conn.execute(
        Base.metadata.tables["audit_event"]
        .insert()
        .values(hash=audit.content_hash(**event), **event)
    )


async def test_upgrade_with_data_keeps_answers_evidence_and_guards(
    db_kind: str, empty_db_url: str
) -> None:
    engine = make_engine(empty_db_url)
    try:
        await upgrade(engine, BEFORE)
        async with engine.begin() as conn:
            await conn.run_sync(_old_data)
        await upgrade(engine)
        async with make_sessionmaker(engine)() as s:
            assert await audit.seal(s, AUDIT_KEY_BYTES) == 1
            await s.commit()
            report = await audit.check(s, AUDIT_KEY_BYTES)
        assert report.intact and report.evidence == 3, report.problems
        async with engine.connect() as conn:
            joined = await conn.execute(
                sa.text(
                    "SELECT r.id, a.value, c.id FROM checkin_answer a "
                    "JOIN checkin_response r ON r.id = a.response_id "
                    "JOIN care_item c ON c.response_id = r.id"
                )
            )
            assert joined.all() == [(1, "yes", 1)]
            filing = (
                await conn.execute(sa.text("SELECT version, row_ids FROM register_filing"))
            ).one()
            assert filing[0] == 1 and filing[1] is None
            row = (
                await conn.execute(sa.text("SELECT removed, replaces_id FROM register_row"))
            ).one()
            assert (bool(row[0]), row[1]) == (False, None)
        async with engine.begin() as conn:  # a correction: a second response, same task
            await conn.execute(
                sa.text(
                    "INSERT INTO checkin_response (id, assignment_id, person_id, week, "
                    "form_version, submitted_at, late, all_fine, hazards, supersedes_id) "
                    "VALUES (2, 1, 1, '2026-W49', 1, :at, false, true, 0, 1)"
                ),
                {"at": AT.replace(tzinfo=None) if db_kind == "sqlite" else AT},
            )
        for stmt in (
            "UPDATE checkin_response SET late = true",
            "DELETE FROM register_row",
            "UPDATE register_filing SET rows = 2",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(sa.text(stmt))
        with pytest.raises(IntegrityError):  # the answers' foreign key still holds
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(
                        "INSERT INTO checkin_answer (response_id, question_id, value, "
                        "visibility, hazard) VALUES (99, 'x', 'y', 'mentor', false)"
                    )
                )
    finally:
        await engine.dispose()
