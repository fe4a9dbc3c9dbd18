"""Domain services, built per unit of work."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog
from bot.kinds import register_kind
from bot.notify import Notifier
from bot.services.base import Service
from bot.services.checkins import CheckinService
from bot.services.console import ConsoleService
from bot.services.escalations import EscalationService
from bot.services.hotline import HotlineService
from bot.services.leave import LeaveService
from bot.services.notice_approval import NoticeApprovalService
from bot.services.notices import NoticeService
from bot.services.people import PeopleService
from bot.services.pledges import PledgeService
from bot.services.records import RecordsService
from bot.services.register import RegisterService
from bot.services.registration import RegistrationService
from bot.services.roster import RosterService
from bot.services.tasks import KindService, TaskService
from bot.services.training import TrainingService
from bot.services.web_auth import WebAuthService

S = TypeVar("S", bound=Service)
K = TypeVar("K", bound=KindService)


class service(Generic[S]):
    """A service of the unit of work, built on first use over its session, clock and
    settings, with the named services of the unit of work as its dependencies."""

    def __init__(self, cls: type[S], *deps: str) -> None:
        self.cls = cls
        self.deps = deps
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> service[S]: ...
    @overload
    def __get__(self, obj: Services, owner: type) -> S: ...
    def __get__(self, obj: Services | None, owner: type) -> Any:
        if obj is None:
            return self
        built = obj._build(self.cls, **{dep: getattr(obj, dep) for dep in self.deps})
        obj.__dict__[self.name] = built  # the instance attribute wins from now on
        return built


class kind(service[K]):
    """Register a task kind and expose its service, built once per unit of work.

    A new kind of task touches these files, and nothing else is needed for it to publish,
    republish, sync its audience, be excused, remind and escalate, show in "My tasks" and
    count per unit:
      1. bot/services/<kind>.py: its `TaskKind` (the button's route, what done means, a
         default policy where the standard one does not fit) and its `KindService` (how
         content is loaded and frozen, its title, the completion record); a content
         loader of its own may sit beside it;
      2. handlers/<kind>.py, and its flow's line in handlers/__init__.py;
      3. locales/zh_CN/<kind>.ftl and locales/en/<kind>.ftl (with `kind-<kind>`, what it
         is called, `btn-<kind>-open`, the label of the button that opens a task, and its
         error keys);
      4. storage/models_<kind>.py (the completion record), imported at the end of
         storage/models.py, and its one Alembic migration;
      5. one line below.
    Office commands are optional: bot/cli/<kind>.py (publish/status/export come from
    bot/cli/office.py) and its entry in bot/cli/__init__.py."""

    def __init__(self, cls: type[K]) -> None:
        super().__init__(cls, "notifier", "tasks")
        register_kind(cls.kind)


class Services:
    """Every service over one session. Feature services are declared below (`kind`,
    `service`), each built on first use."""

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

    # --- task kinds: one line each (see `kind` for the files a new kind touches) --------
    pledges = kind(PledgeService)
    training = kind(TrainingService)
    notices = kind(NoticeService)
    checkins = kind(CheckinService)
    register = kind(RegisterService)

    notice_approvals = service(NoticeApprovalService, "notifier", "notices")
    hotline = service(HotlineService, "notifier")
    escalations = service(EscalationService, "notifier", "tasks")
    leave = service(LeaveService, "notifier", "tasks")
    tasks = service(TaskService, "notifier")
    people = service(PeopleService)
    records = service(RecordsService)
    registration = service(RegistrationService)
    roster = service(RosterService, "pledges")
    console = service(ConsoleService)
    web_auth = service(WebAuthService, "notifier")
