"""roster: officers without 警号, unit quotas, the post list and change filings (issue 17)

Revision ID: d17a0b5c3e21
Revises: c18a7e5b0d42
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.models import Base, guard_ddl

revision = "d17a0b5c3e21"
down_revision = "d19a0f3e5c21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota", sa.Integer(), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "employee_no_missing", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "roster_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_post")),
        sa.UniqueConstraint("name", "duties", name=op.f("uq_roster_post_name")),
    )
    op.create_table(
        "roster_filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_roster_filing_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_filing")),
    )
    with op.batch_alter_table("roster_filing", schema=None) as batch_op:
        batch_op.create_index("ix_roster_filing_at", ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_roster_filing_person_id"), ["person_id"], unique=False
        )
    # UPDATE, DELETE, and INSERT OR REPLACE (SQLite) / TRUNCATE (PostgreSQL) refused
    for stmt in guard_ddl(Base.metadata.tables["roster_filing"], op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    op.drop_table("roster_filing")
    op.drop_table("roster_post")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("employee_no_missing")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("quota")
