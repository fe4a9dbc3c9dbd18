"""Base for services: a session (unit of work owned by the caller), a clock, settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings


class Service:
    """Services flush, never commit: the conversation engine or CLI command that opened
    the session commits once, so a handler's service calls and its conversation state
    land in one transaction."""

    def __init__(self, session: AsyncSession, *, clock: Clock, settings: Settings) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings
