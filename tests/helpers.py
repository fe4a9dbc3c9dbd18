"""Small helpers shared by service tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.core import Account, Reply
from bot.services import Services
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


async def sign_pledge(
    svc: Services, employee_no: str, key: str, *, message_id: str | None = None
) -> str:
    """Sign the person's open assignment of pledge `key` with their name, as the chat
    does (`message_id`: of the chat message that signed); the signature's number."""
    person = await svc.people.get(Actor.cli(), employee_no)
    assignment = await svc.pledges.current_assignment_for(person, key)
    assert assignment is not None, f"{employee_no} has no open {key}"
    signature = await svc.pledges.sign(
        person,
        assignment,
        person.name,
        account=Account("test", employee_no, employee_no),
        message_id=message_id,
    )
    return signature.signature_no
