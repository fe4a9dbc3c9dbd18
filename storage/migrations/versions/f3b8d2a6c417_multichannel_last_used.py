"""multi-channel people: when each channel account was last used (pushes go there)

Revision ID: f3b8d2a6c417
Revises: f3a1c9e7b204
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "f3b8d2a6c417"
down_revision = "f3a1c9e7b204"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "channel_account",
        sa.Column("last_used_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("channel_account") as batch:
        batch.drop_column("last_used_at")
