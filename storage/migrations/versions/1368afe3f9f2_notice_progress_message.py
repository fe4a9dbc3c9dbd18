"""notice progress message

Revision ID: 1368afe3f9f2
Revises: 7b751a9f6413
Create Date: 2026-11-23 13:45:35.074524
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1368afe3f9f2"
down_revision = "7b751a9f6413"
branch_labels = None
depends_on = None

FK = "fk_notice_status_person_id_person"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN ... REFERENCES rather than a batch rebuild: rebuilding `notice` drops
        # the table notice_ack rows refer to, which SQLite refuses with foreign keys on.
        op.add_column(
            "notice",
            sa.Column("status_person_id", sa.Integer(), sa.ForeignKey("person.id", name=FK)),
            inline_references=True,
        )
    else:
        op.add_column("notice", sa.Column("status_person_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "notice", "person", ["status_person_id"], ["id"])
    op.add_column("notice", sa.Column("status_message_id", sa.String(length=64), nullable=True))
    op.add_column("outbox", sa.Column("edit_message_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("edit_message_id")
    # PostgreSQL drops the foreign key with its column; SQLite rebuilds the table without it
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("status_message_id")
        batch_op.drop_column("status_person_id")
