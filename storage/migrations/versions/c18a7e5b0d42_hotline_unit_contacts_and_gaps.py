"""hotline: per-unit contacts and the gaps the knowledge base did not answer (issue 18)

Revision ID: c18a7e5b0d42
Revises: 1368afe3f9f2
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "c18a7e5b0d42"
down_revision = "c0ffee130001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_contact",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=128), nullable=True),
        sa.Column("hours", sa.String(length=64), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_unit_contact_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_contact")),
    )
    op.create_table(
        "hotline_gap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("faq_hint", sa.String(length=40), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_hotline_gap_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_gap")),
    )
    with op.batch_alter_table("hotline_gap", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_gap_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_gap_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hotline_gap", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_gap_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_hotline_gap_asked_at"))
    op.drop_table("hotline_gap")
    op.drop_table("unit_contact")
