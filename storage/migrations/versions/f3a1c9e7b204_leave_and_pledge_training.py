"""trust: leave (请销假) and training before signing (issue 21)

Revision ID: f3a1c9e7b204
Revises: f3b9c2d4e610
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.models import Base, drop_guard_ddl, guard_ddl

revision = "f3a1c9e7b204"
down_revision = "f3b9c2d4e610"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_leave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", UTC, nullable=False),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("restored_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_leave_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_leave")),
    )
    op.create_index("ix_person_leave_person", "person_leave", ["person_id", "starts_at"])
    op.create_index(
        "ix_person_leave_waiting",
        "person_leave",
        ["person_id", "starts_at"],
        sqlite_where=sa.text("restored_at IS NULL"),
        postgresql_where=sa.text("restored_at IS NULL"),
    )
    op.create_index(
        "ix_person_leave_returns",
        "person_leave",
        ["ends_at"],
        sqlite_where=sa.text("restored_at IS NULL"),
        postgresql_where=sa.text("restored_at IS NULL"),
    )
    with op.batch_alter_table("pledge_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_key", sa.String(length=64), nullable=True))
    # signature is append-only: its guards come off while SQLite rebuilds the table for the
    # foreign key, and go back on after (existing rows keep their digests: storage/audit.py
    # leaves the new column out of a row's digest while it is NULL)
    dialect = op.get_bind().dialect.name
    for stmt in drop_guard_ddl("signature", dialect):
        op.execute(stmt)
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_attempt_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_signature_training_attempt_id_training_attempt"),
            "training_attempt",
            ["training_attempt_id"],
            ["id"],
        )
    for stmt in guard_ddl(Base.metadata.tables["signature"], dialect):
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for stmt in drop_guard_ddl("signature", dialect):
        op.execute(stmt)
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_signature_training_attempt_id_training_attempt"), type_="foreignkey"
        )
        batch_op.drop_column("training_attempt_id")
    for stmt in guard_ddl(Base.metadata.tables["signature"], dialect):
        op.execute(stmt)
    with op.batch_alter_table("pledge_version", schema=None) as batch_op:
        batch_op.drop_column("training_key")
    op.drop_index("ix_person_leave_returns", table_name="person_leave")
    op.drop_index("ix_person_leave_waiting", table_name="person_leave")
    op.drop_index("ix_person_leave_person", table_name="person_leave")
    op.drop_table("person_leave")
