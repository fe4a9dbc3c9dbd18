"""several processes: processed-update ledger, one campaign per week, sender claims

Revision ID: c0ffee130001
Revises: 1368afe3f9f2
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "c0ffee130001"
down_revision = "1368afe3f9f2"
branch_labels = None
depends_on = None

WEEKLY = "kind IN ('checkin', 'register')"


def upgrade() -> None:
    op.create_table(
        "processed_update",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_key", sa.String(length=128), nullable=False),
        sa.Column("handled_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "update_key", name=op.f("pk_processed_update")),
    )
    op.create_index(
        op.f("ix_processed_update_handled_at"), "processed_update", ["handled_at"], unique=False
    )
    op.create_index(
        "uq_campaign_week",
        "campaign",
        ["kind", "ref_key"],
        unique=True,
        sqlite_where=sa.text(WEEKLY),
        postgresql_where=sa.text(WEEKLY),
    )
    op.add_column("outbox", sa.Column("claimed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
    op.drop_index("uq_campaign_week", table_name="campaign")
    op.drop_index(op.f("ix_processed_update_handled_at"), table_name="processed_update")
    op.drop_table("processed_update")
