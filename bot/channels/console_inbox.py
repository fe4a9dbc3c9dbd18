"""The console's inbox: outbox rows of a console account, delivered when its person is picked.

In the demo nobody runs the outbox sender. A console user "holds the phone" only while the
tester plays them, so their messages (task notifications, reminders, digests, hotline
replies, notices) are taken from the outbox right before each prompt: claimed and marked
sent in one transaction, by priority then id, and handed to the console as `Reply`
objects. Rows of other people stay pending until that person is picked. Each look first
runs one deadline-engine tick, so reminders and escalations appear as real time passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.core import Reply
from scheduled.jobs import run_tick
from scheduled.sender import render_row
from storage.models import Outbox, OutboxStatus

MESSAGE_PREFIX = "console:"  # external_message_id of a delivered row: "console:<outbox id>"


@dataclass(frozen=True, slots=True)
class Delivered:
    """One outbox row as it was taken: its text and buttons JSON."""

    id: int
    text: str
    buttons: list[Any] | None
    kind: str
    account_id: int | None


async def take_ready(
    session: AsyncSession, *, channel: str, chat_id: str, now: datetime
) -> list[Delivered]:
    """Mark one chat's ready rows sent and return them in send order (caller commits)."""
    ready = (
        select(Outbox.id, Outbox.text, Outbox.buttons, Outbox.kind, Outbox.account_id)
        .where(
            Outbox.status == OutboxStatus.PENDING,
            Outbox.channel == channel,
            Outbox.chat_id == chat_id,
            Outbox.not_before <= now,
        )
        .order_by(Outbox.priority, Outbox.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        # a sender claiming the same rows right now keeps them; they are not shown twice
        ready = ready.with_for_update(skip_locked=True)
    rows = [Delivered(*row) for row in await session.execute(ready)]
    if rows:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_([row.id for row in rows]))
            .values(
                status=OutboxStatus.SENT,
                attempts=Outbox.attempts + 1,
                claimed_at=now,
                sent_at=now,
                external_message_id=literal(MESSAGE_PREFIX) + cast(Outbox.id, String),
                error=None,
            )
            .execution_options(synchronize_session=False)
        )
    return rows


class ConsoleInbox:
    """What has arrived on a console account's "phone" since it was last looked at."""

    def __init__(self, app: App, *, channel: str) -> None:
        self.app = app
        self.channel = channel

    async def take(self, chat_id: str) -> list[Reply]:
        """Run one tick, then deliver the chat's ready outbox rows as replies."""
        await run_tick(self.app)
        async with self.app.sessionmaker() as session:
            rows = await take_ready(
                session, channel=self.channel, chat_id=chat_id, now=self.app.clock.now()
            )
            await session.commit()
        return [
            render_row(
                self.app.settings,
                kind=row.kind,
                account_id=row.account_id,
                text=row.text,
                buttons=row.buttons or [],
            )
            for row in rows
        ]
