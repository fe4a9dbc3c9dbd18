"""Several processes on one database: the update ledger, one event of a person at a time,
transient database faults retried, simultaneous people on SQLite, double presses.

`Conversation`s built from one App stand for several bot processes: each has its own
in-process lock, so only the database (the ledger, the row lock on the conversation
state, SQLite's write lock) keeps them from handling one update twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.conversation import Conversation, NotHandled
from bot.core import Incoming, Kind
from storage.models import ProcessedUpdate
from storage.models_hotline import Ticket
from tests.chat import ChatUser
from tests.factories import bind_account, make_force

ASKED = "年假有几天"


async def _bound(app: App, *employee_nos: str) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in employee_nos:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)


async def _count(app: App, model: Any) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _event(user: ChatUser, action: str, event_id: str | None) -> Incoming:
    return Incoming(user.account, Kind.BUTTON, name=action, message_ref="7", event_id=event_id)


def _action(user: ChatUser, label: str) -> str:
    for reply in reversed(user.last):
        for row in reply.buttons:
            for button in row:
                if label in button.label:
                    return button.action
    raise AssertionError(f"no button {label!r} in {user.text}")


async def _to_named_question(app: App) -> ChatUser:
    """A001 typed a question and pressed "ask a person": the named/anonymous choice shows."""
    await _bound(app, "A001")
    user = ChatUser(app.conversation(), "A001")
    await user.send(ASKED)
    await user.press("转人工")
    return user


async def test_a_redelivered_update_is_acknowledged_and_ignored(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-77")
    first = await user.conversation.handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in first)
    # Telegram sends it again (a webhook retry, a polling restart), to another process
    again = await app.conversation().handle(named)
    assert again == []  # acknowledged, nothing said twice
    assert await _count(app, Ticket) == 1
    async with app.sessionmaker() as s:
        keys = (await s.execute(select(ProcessedUpdate.update_key))).scalars().all()
    assert keys == ["update-77"]


async def test_the_same_update_at_two_processes_at_once_is_handled_once(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-78")
    answers = await asyncio.gather(*(app.conversation().handle(named) for _ in range(3)))
    assert sorted(len(a) for a in answers) == [0, 0, 1]
    assert await _count(app, Ticket) == 1


async def test_one_persons_events_are_handled_one_at_a_time_across_processes(
    app: App,
) -> None:
    """Two processes take two updates of one person at the same moment: the second starts
    from the state the first left (one ticket, and a clear answer to the second)."""
    user = await _to_named_question(app)
    action = _action(user, "署名提问")
    answers = await asyncio.gather(
        app.conversation().handle(_event(user, action, "u1")),
        app.conversation().handle(_event(user, action, "u2")),
    )
    texts = ["\n".join(r.text for r in a) for a in answers]
    assert sum("问题编号 H" in t for t in texts) == 1, texts
    assert await _count(app, Ticket) == 1


class FlakySessions:
    """A sessionmaker whose first `failures` commits lose the connection."""

    def __init__(self, app: App, failures: int) -> None:
        self.inner = app.sessionmaker
        self.failures = failures

    def __call__(self) -> Any:
        return self._session()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self.inner() as session:
            real_commit = session.commit

            async def commit() -> None:
                if self.failures > 0:
                    self.failures -= 1
                    await session.rollback()
                    raise OperationalError(
                        "COMMIT", {}, ConnectionResetError("connection is closed")
                    )
                await real_commit()

            session.commit = commit  # type: ignore[method-assign]
            yield session


def _flaky(app: App, failures: int) -> Conversation:
    conversation = app.conversation()
    conversation.sessionmaker = FlakySessions(app, failures)  # type: ignore[assignment]
    conversation.retry_delays = (0.0,) * 5  # the backoff itself is not under test
    return conversation


async def test_a_dropped_connection_is_retried_and_the_update_handled_once(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-80")
    replies = await _flaky(app, failures=2).handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in replies)
    assert await _count(app, Ticket) == 1
    assert await app.conversation().handle(named) == []


async def test_a_database_that_stays_down_leaves_the_update_unacknowledged(app: App) -> None:
    user = await _to_named_question(app)
    named = _event(user, _action(user, "署名提问"), "update-81")
    conversation = _flaky(app, failures=100)
    with pytest.raises(NotHandled):
        await conversation.handle(named)
    assert await _count(app, Ticket) == 0
    # Telegram delivers it again once the database is back: handled then, once
    replies = await app.conversation().handle(named)
    assert "问题编号 H" in "\n".join(r.text for r in replies)
    assert await _count(app, Ticket) == 1
