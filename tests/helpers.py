"""Small helpers shared by service tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from scheduled.deadlines import DeadlineEngine, TickReport
from storage.models import Outbox, Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUDIT_KEY = "muster-test-audit-key-not-secret"  # MUSTER_AUDIT_KEY of every test
AUDIT_KEY_BYTES = AUDIT_KEY.encode()


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


async def tick(app: App) -> TickReport:
    async with app.sessionmaker() as s:
        engine = DeadlineEngine(s, clock=app.clock, settings=app.settings, catalog=app.catalog)
        report = await engine.tick()
        await s.commit()
        return report
