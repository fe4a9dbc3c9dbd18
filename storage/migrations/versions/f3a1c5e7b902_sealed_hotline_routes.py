"""sealed hotline routes: ticket_route keeps the asker sealed with MUSTER_HOTLINE_KEY

Revision ID: f3a1c5e7b902
Revises: f3b8d2a6c417
Create Date: 2026-12-02 10:00:00

Routes written before this revision name the asker's person id in the clear: they are
sealed here, which needs MUSTER_HOTLINE_KEY (the environment or .env of `muster db
upgrade`). Without tickets no key is needed; with tickets and no key the upgrade stops
and says so, changing nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.sealed import Sealer

revision = "f3a1c5e7b902"
down_revision = "f3b8d2a6c417"
branch_labels = None
depends_on = None


def route_purpose(ticket_id: int) -> str:
    return f"route:{ticket_id}"  # as storage.models_hotline.route_purpose when written


def _sealer() -> Sealer:
    from bot.config import load_settings  # noqa: PLC0415
    from bot.sealing import sealer_for  # noqa: PLC0415

    settings = load_settings()
    if settings.hotline_key is None:
        raise RuntimeError(
            "MUSTER_HOTLINE_KEY is not set: it is needed once to seal the routes of the "
            "hotline tickets already in the database (set it, then run `muster db upgrade`)"
        )
    return sealer_for(settings)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT ticket_id, person_id FROM ticket_route")).all()
    sealer = _sealer() if rows else None  # before any change: without a key, none is made
    with op.batch_alter_table("ticket_route", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.Text(), nullable=True))
    if sealer is not None:
        for ticket_id, person_id in rows:
            conn.execute(
                sa.text("UPDATE ticket_route SET sealed = :sealed WHERE ticket_id = :id"),
                {
                    "sealed": sealer.seal(str(person_id), purpose=route_purpose(ticket_id)),
                    "id": ticket_id,
                },
            )
    with op.batch_alter_table("ticket_route", schema=None) as batch_op:
        batch_op.alter_column("sealed", existing_type=sa.Text(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_ticket_route_person_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_ticket_route_person_id_person"), type_="foreignkey"
        )
        batch_op.drop_column("person_id")


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT ticket_id, sealed FROM ticket_route")).all()
    sealer = _sealer() if rows else None
    with op.batch_alter_table("ticket_route", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
    if sealer is not None:
        for ticket_id, sealed in rows:
            person_id = int(sealer.open(sealed, purpose=route_purpose(ticket_id)))
            conn.execute(
                sa.text("UPDATE ticket_route SET person_id = :person WHERE ticket_id = :id"),
                {"person": person_id, "id": ticket_id},
            )
    with op.batch_alter_table("ticket_route", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_route_person_id_person"), "person", ["person_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_ticket_route_person_id"), ["person_id"], unique=False)
        batch_op.drop_column("sealed")
