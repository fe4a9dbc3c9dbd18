"""office console: one-time logins, lockouts, sessions

Revision ID: c0a501e7d2b1
Revises: 1368afe3f9f2
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "c0a501e7d2b1"
down_revision = "c18a7e5b0d42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_console_login_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_login")),
    )
    op.create_index(
        op.f("ix_console_login_person_id"), "console_login", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_console_login_secret_hash"), "console_login", ["secret_hash"], unique=False
    )
    op.create_table(
        "console_lock",
        sa.Column("employee_no", sa.String(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("employee_no", name=op.f("pk_console_lock")),
    )
    op.create_table(
        "console_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_console_session_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_session_token_hash")),
    )
    op.create_index(
        op.f("ix_console_session_person_id"), "console_session", ["person_id"], unique=False
    )
    op.create_table(
        "console_submission",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_console_submission_person_id_person")
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_console_submission")),
    )


def downgrade() -> None:
    op.drop_table("console_submission")
    op.drop_index(op.f("ix_console_session_person_id"), table_name="console_session")
    op.drop_table("console_session")
    op.drop_table("console_lock")
    op.drop_index(op.f("ix_console_login_secret_hash"), table_name="console_login")
    op.drop_index(op.f("ix_console_login_person_id"), table_name="console_login")
    op.drop_table("console_login")
