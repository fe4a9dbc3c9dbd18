"""`muster demo`: a SQLite database, the sample roster and a console chat. No token needed.

A fresh demo database gets real work: everybody but the last two auxiliaries has a console
account (those two show registration with a "new phone"), and the sample pledges, a
training module and this week's check-in and register are published, so the outbox holds
each person's notifications until the tester picks them. Quiet hours are off unless
MUSTER_QUIET_HOURS is set: a demo tried in the evening should still show its messages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actor import Actor
from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChannel, NewPhone, Profile, Who
from bot.channels.console_inbox import ConsoleInbox
from bot.cli.common import say
from bot.cli.roster import render_report
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.core import Account
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services import Services
from bot.services.checkins import current_week
from bot.services.registration import bind_account
from bot.web.demo_console import DemoConsole
from scheduled.checkins import open_week
from scheduled.sequencer import seal_pending
from storage import people as repo
from storage.db import make_engine, upgrade
from storage.models import ChannelAccount, ConversationState, Person, PersonStatus, Role

DEFAULT_DB = Path("muster-demo.db")
ROLE_RANK = {Role.OFFICE: 0, Role.LEADER: 1, Role.MENTOR: 2, Role.AUXILIARY: 3}
ACTOR = "cli:demo"
UNBOUND = 2  # the last auxiliaries get no console account: they show registration
SAMPLE_PLEDGES = ("confidentiality", "online-conduct", "responsibility")
SAMPLE_TRAINING = "duties-limits"
PLEDGE_DAYS = 7
TRAINING_DAYS = 14
DUE_AT = time(12, 0)  # local; deadlines fall at noon, not at the minute the demo started


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser("demo", help=t("cli-help-demo"))
    demo.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="FILE.db",
        help=t("cli-help-demo-db", path=str(DEFAULT_DB)),
    )
    demo.add_argument("--reset", action="store_true", help=t("cli-help-demo-reset"))
    demo.set_defaults(func=cmd_demo)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Set up the demo database and chat with Muster in the terminal."""
    try:
        app, loaded = await open_demo(settings, args.db, reset=args.reset, lang=args.lang)
    except DemoSetupError as exc:
        say(*exc.lines, err=True)
        return 1
    console = DemoConsole(app.settings)  # the office console beside the chat, same file
    try:
        directory = DemoDirectory(app)
        intro = await intro_lines(app, loaded, directory, str(args.db.resolve()))
        intro += console.start()
        channel = ConsoleChannel(
            conversation=app.conversation(),
            directory=directory,
            translator=app.text_translator,
            read=terminal_input,
            files_dir=args.db.resolve().parent / "muster-demo-files",
            inbox=ConsoleInbox(app, channel=CHANNEL),
        )
        sealer = DemoSealer(app.settings)
        sealer.start()
        try:
            return await channel.run(intro=intro)
        finally:
            sealer.stop()
            await seal_pending(app)
    finally:
        console.stop()
        await app.close()


class DemoSealer:
    """The demo's audit sequencer (`muster run` has it as a scheduler job), in a thread and
    event loop of its own: the terminal chat blocks its loop on input(), and a task of that
    loop stopped mid-transaction would hold SQLite's write lock until the next Enter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-sequencer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        app = await App.open(self.settings)
        try:
            while not self._stop.is_set():
                await seal_pending(app)
                await asyncio.sleep(1)
        finally:
            await app.close()


def demo_audit_key(db: Path, suffix: str = "audit-key") -> str:
    """The demo's MUSTER_AUDIT_KEY (or, with suffix "hotline-key", its MUSTER_HOTLINE_KEY):
    made once and kept next to its database, owner-only."""
    path = Path(f"{db}.{suffix}")
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(key + "\n", encoding="utf-8")
    return key


class DemoSetupError(Exception):
    """The sample roster could not be loaded; `lines` say why, already translated."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True, slots=True)
class SampleTask:
    title: str  # in the demo's language
    people: int  # how many got it


@dataclass(frozen=True, slots=True)
class Loaded:
    fresh: bool  # the sample roster was imported just now
    people: int
    work: tuple[SampleTask, ...] = ()  # published just now


async def open_demo(
    settings: Settings,
    db: Path,
    *,
    reset: bool = False,
    lang: str | None = None,
    clock: Clock | None = None,
) -> tuple[App, Loaded]:
    """Create or upgrade the SQLite file with the real migrations; load the sample once."""
    url = _prepare_file(db, reset=reset)
    changes: dict[str, object] = {
        "database_url": url,
        "default_locale": lang or settings.default_locale,
    }
    if "quiet_hours" not in settings.model_fields_set:
        changes["quiet_hours"] = "off"
    if settings.audit_key is None:
        changes["audit_key"] = SecretStr(demo_audit_key(db))
    if settings.hotline_key is None:
        changes["hotline_key"] = SecretStr(demo_audit_key(db, "hotline-key"))
    settings = settings.model_copy(update=changes)
    engine = make_engine(url)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    app = App(settings, engine, clock or SystemClock())
    try:
        loaded = await load_sample(app)
        await seal_pending(app)
    except DomainError as exc:
        await app.close()
        raise DemoSetupError([app.text_translator()(exc.key, **exc.args_)]) from exc
    except BaseException:
        await app.close()
        raise
    return app, loaded


async def load_sample(app: App) -> Loaded:
    """Import content/sample/roster.csv into an empty database, bind console accounts and
    publish sample work, all in one transaction; keep existing data."""
    async with app.unit_of_work() as svc:
        count = await svc.session.scalar(select(func.count()).select_from(Person)) or 0
        if count:
            return Loaded(fresh=False, people=count)
        sample = app.settings.content_dir / "sample" / "roster.csv"
        report = await svc.roster.import_file(Actor.cli(ACTOR), sample, allow_unbound=True)
        if report.errors:
            raise DemoSetupError(render_report(app.text_translator(), report))
        count = await svc.session.scalar(select(func.count()).select_from(Person)) or 0
        await bind_sample_accounts(svc.session, app.clock.now())
        work = await publish_sample_work(svc, app)
    return Loaded(fresh=True, people=count, work=work)


async def bind_sample_accounts(session: AsyncSession, now: datetime) -> None:
    """A console account for every active person but the last UNBOUND auxiliaries, so their
    notifications can be delivered (the outbox takes the chat from the account)."""
    persons = (
        (await session.execute(select(Person).where(Person.status == PersonStatus.ACTIVE)))
        .scalars()
        .all()
    )
    auxiliaries = sorted(p.employee_no for p in persons if Role.AUXILIARY in p.role_set)
    left_out = set(auxiliaries[-UNBOUND:])
    for person in sorted(persons, key=lambda p: p.employee_no):
        if person.employee_no not in left_out:
            await _bind(session, person, now)


async def publish_sample_work(svc: Services, app: App) -> tuple[SampleTask, ...]:
    """Publish the sample pledges and training module and open the current week."""
    actor = Actor.cli(ACTOR)
    t = app.text_translator()
    now = app.clock.now()
    work: list[SampleTask] = []
    for key in SAMPLE_PLEDGES:
        published = await svc.pledges.publish(actor, key, due_at=_due(app, now, PLEDGE_DAYS))
        docs = svc.pledges.documents(key)
        title = (docs.get(t.locale) or docs["zh_CN"]).title
        work.append(SampleTask(title, published.assigned))
        if published.prerequisite is not None:  # the training signing it presupposes
            first = published.prerequisite
            work.append(SampleTask(first.title(t.locale), first.assigned))
    training = await svc.training.publish(
        actor, SAMPLE_TRAINING, due_at=_due(app, now, TRAINING_DAYS)
    )
    title = training.titles.get(t.locale) or training.titles.get("zh_CN") or training.key
    work.append(SampleTask(title, training.assigned))
    # the week whose check-in opened last, as `muster checkins open` does: outside the
    # Monday-to-Thursday window its tasks are late at once, and the ladder shows that
    week = current_week(now, app.settings)
    opened = await open_week(svc, actor, week)
    work.append(SampleTask(t("checkin-title", week=week.key), opened.checkin.assigned))
    work.append(SampleTask(t("register-title", week=week.key), opened.register.assigned))
    return tuple(work)


async def intro_lines(app: App, loaded: Loaded, directory: DemoDirectory, db: str) -> list[str]:
    """What the demo says before the picker: the database, the roster, the work."""
    t = app.text_translator()
    lines = [t("console-db", path=db)]
    key = "console-roster-loaded" if loaded.fresh else "console-roster-kept"
    lines.append(t(key, people=loaded.people))
    if loaded.work:
        tasks = [t("console-work-task", title=w.title, people=w.people) for w in loaded.work]
        lines.append(t("console-work", tasks=_join(t, tasks)))
    unbound = [who.name for who in await directory.people() if not who.bound]
    if unbound:
        lines.append(t("console-inbox-intro-unbound", names=_join(t, unbound)))
    else:
        lines.append(t("console-inbox-intro"))
    return lines


class DemoDirectory:
    """The console's view of the demo database: who can be picked, and their accounts."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def people(self) -> list[Who]:
        async with self.app.sessionmaker() as session:
            persons = (
                (await session.execute(select(Person).where(Person.status == PersonStatus.ACTIVE)))
                .scalars()
                .all()
            )
            bound = set(
                (
                    await session.execute(
                        select(ChannelAccount.person_id).where(
                            ChannelAccount.channel == CHANNEL,
                            ChannelAccount.unbound_at.is_(None),
                        )
                    )
                ).scalars()
            )
        persons = sorted(persons, key=lambda p: (_rank(p), p.employee_no))
        return [
            Who(
                employee_no=p.employee_no,
                name=p.name,
                roles=tuple(r.value for r in sorted(p.role_set, key=ROLE_RANK.__getitem__)),
                unit=p.unit.name,
                bound=p.id in bound,
            )
            for p in persons
        ]

    async def account_for(self, employee_no: str) -> str:
        """Use the person's console account, or bind one at once (it is the demo)."""
        async with self.app.unit_of_work() as svc:
            person = await repo.person_by_employee_no(svc.session, employee_no)
            if person is None:
                raise LookupError(employee_no)
            for acc in await repo.active_accounts_of(svc.session, person.id):
                if acc.channel == CHANNEL:
                    return acc.external_user_id
            return await _bind(svc.session, person, self.app.clock.now())

    async def new_phone(self) -> NewPhone:
        """A fresh console account, and a code for the first auxiliary not yet bound."""
        user_id = f"{CHANNEL}:new-{secrets.token_hex(3)}"
        async with self.app.unit_of_work() as svc:
            bound = select(ChannelAccount.person_id).where(ChannelAccount.unbound_at.is_(None))
            candidates = (
                (
                    await svc.session.execute(
                        select(Person).where(
                            Person.status == PersonStatus.ACTIVE, Person.id.not_in(bound)
                        )
                    )
                )
                .scalars()
                .all()
            )
            if not candidates:
                return NewPhone(user_id)
            person = min(candidates, key=lambda p: (-_rank(p), p.employee_no))
            issued = await svc.registration.issue_codes(
                Actor.cli(ACTOR), employee_no=person.employee_no
            )
        if not issued:
            return NewPhone(user_id)
        return NewPhone(
            user_id, code=issued[0].code, name=person.name, employee_no=person.employee_no
        )

    async def profile(self, external_user_id: str) -> Profile:
        async with self.app.unit_of_work() as svc:
            account = Account(CHANNEL, external_user_id, external_user_id)
            _, person = await svc.people.person_for(account)
            state_locale = await svc.session.scalar(
                select(ConversationState.locale).where(
                    ConversationState.channel == CHANNEL,
                    ConversationState.external_user_id == external_user_id,
                )
            )
        if person is None:
            return Profile(None, state_locale)
        return Profile(person.name, person.locale or state_locale)


async def _bind(session: AsyncSession, person: Person, now: datetime) -> str:
    """Give the person a console account (it is the demo: no invite code); its user id."""
    user_id = f"{CHANNEL}:{person.employee_no}"
    account = Account(channel=CHANNEL, external_user_id=user_id, chat_id=user_id)
    await bind_account(session, person, account, now, via="demo")
    return user_id


def _due(app: App, now: datetime, days: int) -> datetime:
    """Noon, local time, `days` days from today."""
    today = now.astimezone(app.settings.tz).date()
    return datetime.combine(today + timedelta(days=days), DUE_AT, tzinfo=app.settings.tz)


def _join(t: Translator, items: list[str]) -> str:
    return t("console-list-sep").join(items)


def _prepare_file(db: Path, *, reset: bool) -> str:
    """Delete the database for --reset, make its folder, and return its URL."""
    if reset:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{db.resolve()}"


def _rank(person: Person) -> int:
    return min((ROLE_RANK[r] for r in person.role_set), default=len(ROLE_RANK))


def terminal_input(prompt: str) -> str:
    """input() with line editing where available, and Ctrl-C that ends the prompt at once."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401, PLC0415 - arrow keys and history in input()
    # asyncio.run() replaces the SIGINT handler with one that only cancels the main task,
    # which a blocking input() never notices; Python's default raises KeyboardInterrupt.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return input(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)
