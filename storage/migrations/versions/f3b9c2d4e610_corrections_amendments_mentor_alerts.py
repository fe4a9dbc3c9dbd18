"""records: check-in corrections, register row versions and amendments, mentor alerts

- checkin_response: a correction is a new response superseding the old one
  (`supersedes_id`), so an assignment may have several responses: its unique constraint
  becomes a plain index.
- register_row: append-only; an edit is a new row (`replaces_id`, `removed`), the owner
  may be a picked person (`owner_person_id`).
- register_filing: amendments are new versions (`version`, unique with unit and week), and
  each filing lists the rows it filed (`row_ids`).
- mentor_alert: hazards and requests for help from check-ins, for the mentor's digest.

SQLite cannot drop a unique constraint in place, and rebuilding checkin_response the usual
way (copy to a new table, drop, rename) fails while its answers point at it with foreign
keys on (as `muster db upgrade` runs): the drop counts every answer as a violation and the
rename does not take the count back. So the rows are set aside, the table is dropped and
created again under its own name, and the rows put back while foreign keys are deferred:
putting a parent row back settles the answers that point at it, so the commit finds none.

Revision ID: f3b9c2d4e610
Revises: f21b7c4d9e02
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.models import drop_guard_ddl, guard_ddl

revision = "f3b9c2d4e610"
down_revision = "f21b7c4d9e02"
branch_labels = None
depends_on = None

RESPONSE_COLUMNS = (
    "id",
    "assignment_id",
    "person_id",
    "week",
    "form_version",
    "submitted_at",
    "late",
    "all_fine",
    "hazards",
)


def _response_table() -> None:
    op.create_table(
        "checkin_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("all_fine", sa.Boolean(), nullable=False),
        sa.Column("hazards", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_checkin_response_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_checkin_response_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["checkin_response.id"],
            name=op.f("fk_checkin_response_supersedes_id_checkin_response"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_response")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_checkin_response_supersedes_id")),
    )
    op.create_index("ix_checkin_response_week_person", "checkin_response", ["week", "person_id"])


def _responses(dialect: str) -> None:
    if dialect == "sqlite":
        cols = ", ".join(RESPONSE_COLUMNS)
        # The driver runs DDL outside a transaction, and the deferral lasts until the
        # commit: a savepoint opens one (or nests in the one a migration's INSERT opened),
        # and its release checks the foreign keys once every row is back.
        op.execute("SAVEPOINT checkin_response_rebuild")
        op.execute("PRAGMA defer_foreign_keys=ON")
        op.execute(f"CREATE TABLE _checkin_response_rows AS SELECT {cols} FROM checkin_response")
        op.drop_index("ix_checkin_response_week_person", table_name="checkin_response")
        op.drop_table("checkin_response")
        _response_table()
        op.execute(
            f"INSERT INTO checkin_response ({cols}) SELECT {cols} FROM _checkin_response_rows "
            "ORDER BY id"
        )
        op.execute("DROP TABLE _checkin_response_rows")
        op.execute("RELEASE checkin_response_rebuild")
    else:
        op.drop_constraint("uq_checkin_response_assignment_id", "checkin_response", type_="unique")
        op.add_column("checkin_response", sa.Column("supersedes_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_checkin_response_supersedes_id_checkin_response"),
            "checkin_response",
            "checkin_response",
            ["supersedes_id"],
            ["id"],
        )
        op.create_unique_constraint(
            op.f("uq_checkin_response_supersedes_id"), "checkin_response", ["supersedes_id"]
        )
    op.create_index(
        op.f("ix_checkin_response_assignment_id"), "checkin_response", ["assignment_id"]
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("checkin_response", "register_filing"):
        for stmt in drop_guard_ddl(table, dialect):
            op.execute(stmt)
    _responses(dialect)

    with op.batch_alter_table("register_filing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("row_ids", sa.JSON(), nullable=True))
        batch_op.drop_constraint("uq_register_filing_unit_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_register_filing_unit_id"), ["unit_id", "week", "version"]
        )

    # plain ALTER TABLE ADD COLUMN: register_row points at itself, so no table rebuild
    op.add_column(
        "register_row",
        sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    if dialect == "sqlite":  # a new column may carry its foreign key (not a named one)
        op.execute(
            "ALTER TABLE register_row ADD COLUMN replaces_id INTEGER REFERENCES register_row (id)"
        )
        op.execute(
            "ALTER TABLE register_row ADD COLUMN owner_person_id INTEGER REFERENCES person (id)"
        )
    else:
        op.add_column("register_row", sa.Column("replaces_id", sa.Integer(), nullable=True))
        op.add_column("register_row", sa.Column("owner_person_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_register_row_replaces_id_register_row"),
            "register_row",
            "register_row",
            ["replaces_id"],
            ["id"],
        )
        op.create_foreign_key(
            op.f("fk_register_row_owner_person_id_person"),
            "register_row",
            "person",
            ["owner_person_id"],
            ["id"],
        )
    op.create_index("ix_register_row_replaces_id", "register_row", ["replaces_id"], unique=True)

    op.create_table(
        "mentor_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("corrects", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digest_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("urgent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("queued_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("queued_key", sa.String(length=64), nullable=True),
        sa.Column("sent_to_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_mentor_alert_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["checkin_response.id"],
            name=op.f("fk_mentor_alert_response_id_checkin_response"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_to_id"], ["person.id"], name=op.f("fk_mentor_alert_sent_to_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_alert")),
        sa.UniqueConstraint("response_id", name=op.f("uq_mentor_alert_response_id")),
    )
    op.create_index("ix_mentor_alert_pending", "mentor_alert", ["queued_at", "digest_at"])
    op.create_index(op.f("ix_mentor_alert_person_id"), "mentor_alert", ["person_id"])

    # the guards as the tables now are (their unique keys changed; register_row is new)
    bind = op.get_bind()
    for table in ("checkin_response", "register_filing", "register_row"):
        for stmt in guard_ddl(sa.Table(table, sa.MetaData(), autoload_with=bind), dialect):
            op.execute(stmt)


def downgrade() -> None:
    raise NotImplementedError("corrections and amendments cannot be folded back into one row")
