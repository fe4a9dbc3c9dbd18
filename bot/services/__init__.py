"""Domain services, built per unit of work."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog
from bot.notify import Notifier
from bot.services.checkins import CheckinService
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

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(
            self.session, clock=self.clock, settings=self.settings, catalog=self.catalog
        )

    @cached_property
    def pledges(self) -> PledgeService:
        return PledgeService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=self.tasks,
        )

    @cached_property
    def notices(self) -> NoticeService:
        return NoticeService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=self.tasks,
        )

    @cached_property
    def checkins(self) -> CheckinService:
        return CheckinService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=self.tasks,
            hotline=self.hotline,
        )

    @cached_property
    def register(self) -> RegisterService:
        return RegisterService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=self.tasks,
            checkins=self.checkins,
        )

    @cached_property
    def training(self) -> TrainingService:
        return TrainingService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=self.tasks,
        )

    @cached_property
    def hotline(self) -> HotlineService:
        return HotlineService(
            self.session, clock=self.clock, settings=self.settings, notifier=self.notifier
        )

    @cached_property
    def escalations(self) -> EscalationService:
        return EscalationService(
            self.session, clock=self.clock, settings=self.settings, notifier=self.notifier
        )

    @cached_property
    def tasks(self) -> TaskService:
        return TaskService(self.session, clock=self.clock, settings=self.settings)

    @cached_property
    def people(self) -> PeopleService:
        return PeopleService(self.session, clock=self.clock, settings=self.settings)

    @cached_property
    def registration(self) -> RegistrationService:
        return RegistrationService(self.session, clock=self.clock, settings=self.settings)

    @cached_property
    def roster(self) -> RosterService:
        return RosterService(self.session, clock=self.clock, settings=self.settings)
