"""audit: keyed chain set by a sequencer; evidence guards against REPLACE and TRUNCATE

Events are now appended without a lock (seq and chain_hash NULL) and chained later by the
sequencer with an HMAC key. Events already written keep their seq, prev_hash and hash and
are chained first, under the key, when the sequencer first runs; the head starts over.
Evidence rows written before this revision are recorded in one `audit.baseline` event so
`muster audit verify` can cross-check them too.

Revision ID: 5c1e8a7d3b20
Revises: 1368afe3f9f2
Create Date: 2026-12-01 20:45:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage import audit
from storage.models import Base, drop_guard_ddl, guard_ddl

# The guarded tables as of this revision (a later revision guards its own new tables: the
# live registry storage.models.GUARDED also names tables that do not exist yet here).
GUARDED = (
    "signature",
    "audit_event",
    "audit_head",
    "checkin_response",
    "checkin_answer",
    "register_filing",
    "ticket_message",
    "notice_ack",
    "training_attempt",
    "training_answer",
)

revision = "5c1e8a7d3b20"
down_revision = "c7e3a91f5d20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for table in GUARDED:
        for stmt in drop_guard_ddl(table, dialect):
            op.execute(stmt)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.drop_constraint("uq_audit_event_hash", type_="unique")
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_event_hash"), ["hash"], unique=False)
        batch_op.create_index(
            "ix_audit_event_unchained",
            ["id"],
            unique=False,
            sqlite_where=sa.text("chain_hash IS NULL"),
            postgresql_where=sa.text("chain_hash IS NULL"),
        )
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("last_seq", sa.BigInteger),
        sa.column("last_hash", sa.String),
    )
    op.execute(head.delete())
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": audit.GENESIS}])
    _baseline(bind)
    for table in GUARDED:
        # the table as it is at this revision (its unique keys make the REPLACE guard)
        for stmt in guard_ddl(sa.Table(table, sa.MetaData(), autoload_with=bind), dialect):
            op.execute(stmt)


def _baseline(bind: sa.Connection) -> None:
    """One event recording every evidence row already in the database."""
    records: list[list[object]] = []
    for name in audit.EVIDENCE:
        table = Base.metadata.tables[name]
        # the columns the table has at this revision (later ones add columns to the model)
        present = {c["name"] for c in sa.inspect(bind).get_columns(name)}
        cols = [c for c in table.columns if c.name in present]
        rows = bind.execute(sa.select(*cols).order_by(table.c.id)).mappings()
        records.extend([name, row["id"], audit.row_digest(name, row)] for row in rows)
    if not records:
        return
    now = datetime.now(UTC)
    payload = {"evidence": records}
    event = Base.metadata.tables["audit_event"]
    bind.execute(
        event.insert().values(
            at=now,
            actor="migration:5c1e8a7d3b20",
            kind="audit.baseline",
            subject="evidence",
            payload=payload,
            hash=audit.content_hash(
                at=now,
                actor="migration:5c1e8a7d3b20",
                kind="audit.baseline",
                subject="evidence",
                payload=payload,
            ),
        )
    )


def downgrade() -> None:
    raise NotImplementedError("the keyed audit chain cannot be turned back into the old one")
