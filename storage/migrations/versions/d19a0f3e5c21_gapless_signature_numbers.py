"""gapless signature numbers: a counter per kind of evidence number (issue 19)

Revision ID: d19a0f3e5c21
Revises: c18a7e5b0d42
Create Date: 2026-12-01 21:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d19a0f3e5c21"
down_revision = "5c1e8a7d3b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_sequence",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_number_sequence")),
    )
    # signatures given so far were numbered by the audit sequence: continue after them
    op.execute(
        "INSERT INTO number_sequence (name, last) SELECT 'signature', "
        "COALESCE(MAX(CAST(SUBSTR(signature_no, 3) AS INTEGER)), 0) FROM signature"
    )


def downgrade() -> None:
    op.drop_table("number_sequence")
