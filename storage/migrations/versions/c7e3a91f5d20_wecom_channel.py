"""wecom channel: callback inbox, shared access token, sent cards, person.wecom_userid

Revision ID: c7e3a91f5d20
Revises: 1368afe3f9f2
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "c7e3a91f5d20"
down_revision = "c0a501e7d2b1"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wecom_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("from_user", sa.String(length=64), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("handled_at", UTC, nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_inbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_wecom_inbox_dedupe_key")),
    )
    op.create_index("ix_wecom_inbox_status_id", "wecom_inbox", ["status", "id"], unique=False)
    op.create_table(
        "wecom_token",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("access_token", sa.String(length=600), nullable=True),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("lease_until", UTC, nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_wecom_token")),
    )
    op.create_table(
        "wecom_card",
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("msgid", sa.String(length=128), nullable=True),
        sa.Column("response_code", sa.String(length=600), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_wecom_card")),
    )
    op.add_column("person", sa.Column("wecom_userid", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_person_wecom_userid"), "person", ["wecom_userid"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_person_wecom_userid"), table_name="person")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("wecom_userid")
    op.drop_table("wecom_card")
    op.drop_table("wecom_token")
    op.drop_index("ix_wecom_inbox_status_id", table_name="wecom_inbox")
    op.drop_table("wecom_inbox")
