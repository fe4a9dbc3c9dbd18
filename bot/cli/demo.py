"""`muster demo`: a SQLite database, the sample roster and a console chat. No token needed."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChannel, NewPhone, Profile, Who
from bot.cli.roster import render_report
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Account
from bot.errors import DomainError
from bot.i18n import LOCALES
from storage import audit
from storage import people as repo
from storage.db import make_engine, upgrade
from storage.models import ChannelAccount, ConversationState, Person, PersonStatus, Role

DEFAULT_DB = Path("muster-demo.db")
ROLE_RANK = {Role.OFFICE: 0, Role.LEADER: 1, Role.MENTOR: 2, Role.AUXILIARY: 3}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo", help="try Muster in the terminal: SQLite, a sample roster, a console chat"
    )
    demo.add_argument(
        "--db", type=Path, default=DEFAULT_DB,
        help=f"SQLite file to use (default ./{DEFAULT_DB}); kept between runs",
    )
    demo.add_argument("--reset", action="store_true", help="delete the database and start over")
    demo.add_argument("--lang", choices=LOCALES, help="language of the demo (default zh_CN)")
    demo.set_defaults(func=cmd_demo)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Set up the demo database and chat with Muster in the terminal."""
    try:
        app, loaded = await open_demo(settings, args.db, reset=args.reset, lang=args.lang)
    except DemoSetupError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 1
    try:
        t = app.translator()
        intro = [t("console-db", path=str(args.db.resolve()))]
        key = "console-roster-loaded" if loaded.fresh else "console-roster-kept"
        intro.append(t(key, people=loaded.people))
        channel = ConsoleChannel(
            conversation=app.conversation(),
            directory=DemoDirectory(app),
            translator=app.translator,
            read=terminal_input,
            files_dir=args.db.resolve().parent / "muster-demo-files",
        )
        return await channel.run(intro=intro)
    finally:
        await app.close()


class DemoSetupError(Exception):
    """The sample roster could not be loaded; `lines` say why, already translated."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Loaded:
    def __init__(self, *, fresh: bool, people: int) -> None:
        self.fresh = fresh  # the sample roster was imported just now
        self.people = people


async def open_demo(
    settings: Settings, db: Path, *, reset: bool = False, lang: str | None = None
) -> tuple[App, Loaded]:
    """Create or upgrade the SQLite file with the real migrations; load the sample once."""
    url = _prepare_file(db, reset=reset)
    settings = settings.model_copy(
        update={"database_url": url, "default_locale": lang or settings.default_locale}
    )
    engine = make_engine(url)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    app = App(settings, engine, SystemClock())
    try:
        loaded = await load_sample(app)
    except DomainError as exc:
        await app.close()
        raise DemoSetupError([app.translator()(exc.key, **exc.args_)]) from exc
    except BaseException:
        await app.close()
        raise
    return app, loaded


async def load_sample(app: App) -> Loaded:
    """Import content/sample/roster.csv into an empty database; keep existing data."""
    async with app.unit_of_work() as svc:
        count = await svc.session.scalar(select(func.count()).select_from(Person)) or 0
        if count:
            return Loaded(fresh=False, people=count)
        sample = app.settings.content_dir / "sample" / "roster.csv"
        report = await svc.roster.import_file(Actor.cli("cli:demo"), sample)
        if report.errors:
            raise DemoSetupError(render_report(app.translator(), report))
        count = await svc.session.scalar(select(func.count()).select_from(Person)) or 0
    return Loaded(fresh=True, people=count)


class DemoDirectory:
    """The console's view of the demo database: who can be picked, and their accounts."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def people(self) -> list[Who]:
        async with self.app.sessionmaker() as session:
            persons = (
                await session.execute(
                    select(Person).where(Person.status == PersonStatus.ACTIVE)
                )
            ).scalars().all()
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
            user_id = f"{CHANNEL}:{employee_no}"
            now = self.app.clock.now()
            svc.session.add(
                ChannelAccount(
                    person_id=person.id, channel=CHANNEL, external_user_id=user_id,
                    chat_id=user_id, bound_at=now, reachable=True,
                )
            )
            await svc.session.flush()
            await audit.append(
                svc.session, at=now, actor="cli:demo", kind="account.bound",
                subject=f"person:{employee_no}",
                payload={"channel": CHANNEL, "external_user_id": user_id, "demo": True},
            )
        return user_id

    async def new_phone(self) -> NewPhone:
        """A fresh console account, and a code for the first auxiliary not yet bound."""
        user_id = f"{CHANNEL}:new-{secrets.token_hex(3)}"
        async with self.app.unit_of_work() as svc:
            bound = select(ChannelAccount.person_id).where(ChannelAccount.unbound_at.is_(None))
            candidates = (
                await svc.session.execute(
                    select(Person).where(
                        Person.status == PersonStatus.ACTIVE, Person.id.not_in(bound)
                    )
                )
            ).scalars().all()
            if not candidates:
                return NewPhone(user_id)
            person = min(candidates, key=lambda p: (-_rank(p), p.employee_no))
            issued = await svc.registration.issue_codes(
                Actor.cli("cli:demo"), employee_no=person.employee_no
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
