"""Base for services: a session (unit of work owned by the caller), a clock, settings."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings

S = TypeVar("S", bound="Service")


class Service:
    """Services flush, never commit: the conversation engine or CLI command that opened
    the session commits once, so a handler's service calls and its conversation state
    land in one transaction."""

    def __init__(self, session: AsyncSession, *, clock: Clock, settings: Settings) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings

    def sibling(self, cls: type[S], **deps: Any) -> S:
        """Another service in this unit of work: the same session, clock and settings."""
        return cls(self.session, clock=self.clock, settings=self.settings, **deps)
