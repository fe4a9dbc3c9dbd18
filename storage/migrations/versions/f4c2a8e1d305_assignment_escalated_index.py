"""assignment: a partial index on the open escalated items (the digests' overdue query)

Revision ID: f4c2a8e1d305
Revises: f3a1c5e7b902
Create Date: 2026-12-06 09:00:00

The digests list every open item at level 1 or above; without an index that is a scan
of all assignments (500,000 in bench_tick: ~100 ms of a 1 s tick). Only escalated open
items are in it, so it stays small and costs nothing to most writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f4c2a8e1d305"
down_revision = "f3a1c5e7b902"
branch_labels = None
depends_on = None

ESCALATED = "status = 'open' AND level > 0"


def upgrade() -> None:
    op.create_index(
        "ix_assignment_escalated",
        "assignment",
        ["person_id"],
        unique=False,
        sqlite_where=sa.text(ESCALATED),
        postgresql_where=sa.text(ESCALATED),
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_escalated", table_name="assignment")
