"""webchat channel: device sessions, message log, turn results

Revision ID: e5c4a7b3d901
Revises: c7e3a91f5d20
Create Date: 2026-12-01 22:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "e5c4a7b3d901"
down_revision = "d17a0b5c3e21"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webchat_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_webchat_session")),
    )
    op.create_index(
        op.f("ix_webchat_session_external_id"), "webchat_session", ["external_id"], unique=False
    )
    op.create_table(
        "webchat_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_message")),
    )
    op.create_index(
        "ix_webchat_message_external_id_id",
        "webchat_message",
        ["external_id", "id"],
        unique=False,
    )
    op.create_table(
        "webchat_turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_turn")),
        sa.UniqueConstraint("external_id", "client_id", name=op.f("uq_webchat_turn_external_id")),
    )


def downgrade() -> None:
    op.drop_table("webchat_turn")
    op.drop_index("ix_webchat_message_external_id_id", table_name="webchat_message")
    op.drop_table("webchat_message")
    op.drop_index(op.f("ix_webchat_session_external_id"), table_name="webchat_session")
    op.drop_table("webchat_session")
