"""Small helpers shared by service tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.core import Reply
from scheduled.deadlines import DeadlineEngine, TickReport
from scheduled.sender import render_row
from storage.models import ChannelAccount, Outbox, Person
from storage.outbox import SEALED

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUDIT_KEY = "muster-test-audit-key-not-secret"  # MUSTER_AUDIT_KEY of every test
AUDIT_KEY_BYTES = AUDIT_KEY.encode()
HOTLINE_KEY = "muster-test-hotline-key-not-secret"  # MUSTER_HOTLINE_KEY of every test


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A wall-clock time in Asia/Shanghai."""
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


async def outbox_for(app: App, employee_no: str) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(
            (
                await s.execute(
                    select(Outbox)
                    .join(Person, Person.id == Outbox.person_id)
                    .where(Person.employee_no == employee_no)
                    .order_by(Outbox.id)
                )
            ).scalars()
        )


async def sealed_for(app: App, employee_no: str) -> list[tuple[Outbox, Reply]]:
    """The sealed outbox rows queued to a person's accounts (what the hotline sends an
    asker), each with the message it opens to, as the sender opens it."""
    async with app.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Outbox)
                .join(ChannelAccount, ChannelAccount.id == Outbox.account_id)
                .join(Person, Person.id == ChannelAccount.person_id)
                .where(Person.employee_no == employee_no, Outbox.kind == SEALED)
                .order_by(Outbox.id)
            )
        ).scalars()
        return [
            (
                row,
                render_row(
                    app.settings,
                    kind=row.kind,
                    account_id=row.account_id,
                    text=row.text,
                    buttons=row.buttons,
                ),
            )
            for row in rows
        ]


async def tick(app: App) -> TickReport:
    async with app.sessionmaker() as s:
        engine = DeadlineEngine(s, clock=app.clock, settings=app.settings, catalog=app.catalog)
        report = await engine.tick()
        await s.commit()
        return report
