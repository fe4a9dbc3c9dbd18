"""Domain services, built per unit of work."""

from __future__ import annotations

from functools import cached_property
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog
from bot.notify import Notifier
from bot.services.base import Service
from bot.services.checkins import CheckinService
from bot.services.console import ConsoleService
from bot.services.escalations import EscalationService
from bot.services.hotline import HotlineService
from bot.services.notices import NoticeService
from bot.services.people import PeopleService
from bot.services.pledges import PledgeService
from bot.services.register import RegisterService
from bot.services.registration import RegistrationService
from bot.services.roster import RosterService
from bot.services.tasks import TaskService
from bot.services.training import TrainingService
from bot.services.web_auth import WebAuthService

S = TypeVar("S", bound=Service)


class Services:
    """Every service over one session. Feature services are added as properties."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        clock: Clock,
        settings: Settings,
        catalog: Catalog | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings
        self._catalog = catalog

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = Catalog(self.settings.locales_dir, self.settings.default_locale)
        return self._catalog

    def _build(self, cls: type[S], **deps: object) -> S:
        """A service over this unit of work's session, clock and settings."""
        return cls(self.session, clock=self.clock, settings=self.settings, **deps)

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(
            self.session, clock=self.clock, settings=self.settings, catalog=self.catalog
        )

    @cached_property
    def pledges(self) -> PledgeService:
        return self._build(PledgeService, notifier=self.notifier, tasks=self.tasks)

    @cached_property
    def notices(self) -> NoticeService:
        return self._build(NoticeService, notifier=self.notifier, tasks=self.tasks)

    @cached_property
    def checkins(self) -> CheckinService:
        return self._build(
            CheckinService, notifier=self.notifier, tasks=self.tasks, hotline=self.hotline
        )

    @cached_property
    def register(self) -> RegisterService:
        return self._build(
            RegisterService, notifier=self.notifier, tasks=self.tasks, checkins=self.checkins
        )

    @cached_property
    def training(self) -> TrainingService:
        return self._build(TrainingService, notifier=self.notifier, tasks=self.tasks)

    @cached_property
    def hotline(self) -> HotlineService:
        return self._build(HotlineService, notifier=self.notifier)

    @cached_property
    def escalations(self) -> EscalationService:
        return self._build(EscalationService, notifier=self.notifier, tasks=self.tasks)

    @cached_property
    def tasks(self) -> TaskService:
        return self._build(TaskService)

    @cached_property
    def people(self) -> PeopleService:
        return self._build(PeopleService)

    @cached_property
    def registration(self) -> RegistrationService:
        return self._build(RegistrationService)

    @cached_property
    def roster(self) -> RosterService:
        return self._build(RosterService)

    @cached_property
    def console(self) -> ConsoleService:
        return self._build(ConsoleService)

    @cached_property
    def web_auth(self) -> WebAuthService:
        return self._build(WebAuthService, notifier=self.notifier)
