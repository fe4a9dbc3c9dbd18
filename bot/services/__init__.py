"""Domain services, built per unit of work."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.services.people import PeopleService
from bot.services.registration import RegistrationService


class Services:
    """Every service over one session. Feature services are added as properties."""

    def __init__(self, session: AsyncSession, *, clock: Clock, settings: Settings) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings

    @cached_property
    def people(self) -> PeopleService:
        return PeopleService(self.session, clock=self.clock, settings=self.settings)

    @cached_property
    def registration(self) -> RegistrationService:
        return RegistrationService(self.session, clock=self.clock, settings=self.settings)
