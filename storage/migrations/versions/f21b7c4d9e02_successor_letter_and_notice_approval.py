"""issue 21: a filing names the successor; notices waiting for a second office approval

Revision ID: f21b7c4d9e02
Revises: e5c4a7b3d901
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "f21b7c4d9e02"
down_revision = "e5c4a7b3d901"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    # roster_filing is append-only: a plain ADD COLUMN (no batch copy of the table, which on
    # SQLite would drop its triggers); existing filings keep NULL.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE roster_filing ADD COLUMN successor_id INTEGER REFERENCES person (id)"
        )
    else:
        op.add_column("roster_filing", sa.Column("successor_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_roster_filing_successor_id_person"),
            "roster_filing",
            "person",
            ["successor_id"],
            ["id"],
        )
    op.create_table(
        "notice_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("ack_by", UTC, nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("targeted", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("status_message_id", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_notice_draft_created_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["person.id"], name=op.f("fk_notice_draft_decided_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_notice_draft_notice_id_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_draft")),
    )
    op.create_index("ix_notice_draft_status", "notice_draft", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notice_draft_status", table_name="notice_draft")
    op.drop_table("notice_draft")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE roster_filing DROP COLUMN successor_id")
    else:
        op.drop_constraint(
            op.f("fk_roster_filing_successor_id_person"), "roster_filing", type_="foreignkey"
        )
        op.drop_column("roster_filing", "successor_id")
