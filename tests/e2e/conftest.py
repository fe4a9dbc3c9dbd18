"""End-to-end fixtures: the Bot API emulator (one per session) and the real bot in-process.

The bot is the production code path: App + a Telegram adapter long polling over HTTP, only
MUSTER_TELEGRAM_API_URL points at the emulator. The `bot` fixture is parametrized over both
adapters (aiogram and python-telegram-bot): every test using it runs once with each, and
with MUSTER_TEST_PG_URL once more on PostgreSQL (aiogram). Each test gets a fresh database
made by the real migration (`storage.db.upgrade`) and a small force from tests/factories.
Needs Node.js and npm; `npm ci` runs here when node_modules is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot.actor import Actor
from bot.app import App
from bot.channels.common import TelegramAdapter
from bot.channels.telegram_aiogram import AiogramChannel
from bot.channels.telegram_ptb import PtbChannel
from bot.clock import ShiftedClock
from bot.config import Settings
from scheduled.deadlines import TickReport
from scheduled.jobs import run_tick
from scheduled.sender import run_sender
from storage.db import make_engine, upgrade
from tests.e2e.client import EmulatorUser
from tests.e2e.web_harness import web_bot
from tests.e2e.wecom_harness import wecom_bot
from tests.factories import make_force

HERE = Path(__file__).resolve().parent
TOKEN = "123456:TEST-token"
START_TIMEOUT = 20.0
ADAPTERS: dict[str, type[TelegramAdapter]] = {"aiogram": AiogramChannel, "ptb": PtbChannel}


@dataclass(frozen=True)
class Emulator:
    url: str


def _npm_ci() -> None:
    if (HERE / "node_modules" / "telegram-test-api").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("the e2e tests need Node.js and npm (apt-get install nodejs npm)")
    subprocess.run(  # noqa: S603 - fixed command
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=HERE,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Start telegram-test-api (patched by emulator.js) on a free port for the session."""
    _npm_ci()
    node = shutil.which("node")
    if node is None:
        pytest.fail("the e2e tests need Node.js")
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    # Output goes to a file, not a pipe: nobody reads a pipe once the tests run.
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed command
            [node, str(HERE / "emulator.js"), "0"],
            cwd=HERE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DEBUG": ""},
        )
    try:
        url = _wait_ready(proc, log_path)
        yield Emulator(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("READY "):
                return line.split()[1]
        if proc.poll() is not None:
            break
        time.sleep(0.05)  # waiting for a child process to print, not for a race in the bot
    output = log_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"the Bot API emulator did not start:\n{output}")


@dataclass
class RunningBot:
    app: App
    channel: TelegramAdapter
    emulator: Emulator
    http: aiohttp.ClientSession
    clock: ShiftedClock
    users: list[EmulatorUser] = field(default_factory=list)
    # What differs between channels, for scenarios that run on all of them:
    channel_name = "telegram"  # ChannelAccount.channel
    markup = "HTML"  # the parse mode messages arrive with
    answers_buttons = True  # a press gets an answer (spinner stopped, toast)

    def shown(self, html: str) -> str:
        """What the person sees of the bot's `html` (Telegram renders it)."""
        return html

    async def tick(self) -> TickReport:
        """One round of the deadline engine at the bot's clock; the sender
        running beside the bot delivers what it queued."""
        return await run_tick(self.app)

    def user(self, first_name: str = "张三", **kwargs: str) -> EmulatorUser:
        """A new person opening a private chat with the bot."""
        user = EmulatorUser(self.http, self.emulator.url, TOKEN, first_name, **kwargs)
        self.users.append(user)
        return user

    async def check_html(self) -> None:
        """Every message the bot sent to this test's users, as it looks now, is valid
        Telegram HTML (messages a test read were checked when read, edits included)."""
        for user in self.users:
            await user.history()  # BotMessage.from_stored checks each one

    async def issue_code(self, employee_no: str) -> str:
        """An invite code, as the office issues it (`muster invite`)."""
        async with self.app.unit_of_work() as svc:
            [issued] = await svc.registration.issue_codes(Actor.cli(), employee_no=employee_no)
        return issued.code


PG_URL = os.environ.get("MUSTER_TEST_PG_URL")
# (adapter, database): both Telegram adapters, WeCom (against the fake WeCom server,
# tests/e2e/wecom_harness.py) and the web chat (its HTTP API driven like the page,
# tests/e2e/web_harness.py), on SQLite and, with MUSTER_TEST_PG_URL, on PostgreSQL: there
# every adapter's concurrent presses are committed in groups (bot.conversation), and the
# web chat's message logs, advisory locks and NOTIFY wake-ups live in the database.
CHANNELS = [*ADAPTERS, "wecom", "web"]
BOTS = [(name, "sqlite") for name in CHANNELS] + (
    [(name, "pg") for name in CHANNELS] if PG_URL else []
)
# Channels a marked scenario is not collected over (deselected, never skipped: a skip
# fails CI): `telegram_only` asserts what only Telegram shows; `not_over("wecom", ...)`
# names the channels that cannot show what it asserts.
TELEGRAM_ONLY = ("wecom", "web")
_pg_db: str | None = None


async def _migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _fresh_pg_database() -> str:
    """A migrated, empty PostgreSQL database of this session's own (muster_e2e_<pid>),
    made again for every test as a copy of a template migrated once per session
    (muster_e2e_tpl_<pid>): the migrations run once, every test starts from their result."""
    global _pg_db  # noqa: PLW0603 - made once per test session
    import asyncpg  # noqa: PLC0415

    assert PG_URL is not None
    server = PG_URL.replace("postgresql+asyncpg", "postgresql")
    name, template = f"muster_e2e_{os.getpid()}", f"muster_e2e_tpl_{os.getpid()}"
    conn = await asyncpg.connect(server)
    try:
        if _pg_db is None:
            await conn.execute(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {template}")
            await _migrated(PG_URL.rsplit("/", 1)[0] + f"/{template}")
            _pg_db = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await conn.close()
    return _pg_db


_sqlite_template: Path | None = None


async def _fresh_sqlite_database(folder: Path) -> str:
    """A migrated, empty SQLite database in `folder`: a copy of one migrated once per
    session."""
    global _sqlite_template  # noqa: PLW0603 - made once per test session
    if _sqlite_template is None:
        template = Path(tempfile.mkdtemp(prefix="muster-e2e-")) / "template.db"
        await _migrated(f"sqlite+aiosqlite:///{template}")
        _sqlite_template = template
    shutil.copyfile(_sqlite_template, folder / "muster.db")
    return f"sqlite+aiosqlite:///{folder / 'muster.db'}"


@pytest.fixture(scope="session", autouse=True)
def _drop_e2e_databases() -> Iterator[None]:
    yield
    if _sqlite_template is not None:
        shutil.rmtree(_sqlite_template.parent, ignore_errors=True)
    if _pg_db is None or PG_URL is None:
        return
    import asyncpg  # noqa: PLC0415

    async def drop() -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
        try:
            for name in (_pg_db.rsplit("/", 1)[1], f"muster_e2e_tpl_{os.getpid()}"):
                await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()

    asyncio.run(drop())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario marked `@pytest.mark.telegram_only(reason)` asserts what only Telegram
    shows: it is not collected over WeCom and the web chat; one marked
    `@pytest.mark.not_over("wecom", reason=...)` is not collected over the channels named
    (deselected, not skipped: a skip fails CI)."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        over = callspec.params.get("bot", ("",))[0] if callspec is not None else ""
        excluded = set(TELEGRAM_ONLY) if item.get_closest_marker("telegram_only") else set()
        for marker in item.iter_markers("not_over"):
            excluded |= set(marker.args)
        if over in excluded:
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(params=BOTS, ids=lambda b: b[0] if b[1] == "sqlite" else f"{b[0]}-{b[1]}")
async def bot(
    request: pytest.FixtureRequest, emulator: Emulator, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The real bot, long polling the emulator, on a freshly migrated database: SQLite
    once on each adapter (MUSTER_CHANNEL=aiogram, then ptb), over WeCom and over the web
    chat, and with MUSTER_TEST_PG_URL the same four on PostgreSQL."""
    adapter, db = request.param
    if db == "pg":
        url = await _fresh_pg_database()
    else:
        url = await _fresh_sqlite_database(tmp_path)
    settings = Settings(  # type: ignore[call-arg]
        database_url=url,
        telegram_token=TOKEN,
        telegram_api_url=emulator.url,
        _env_file=None,
        quiet_hours="off",  # tests run at any hour; quiet hours have their own service tests
    )
    clock = ShiftedClock()  # real time; tests jump to a deadline with clock.advance
    app = await App.open(settings, clock=clock)
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    if adapter == "wecom":
        try:
            async with wecom_bot(app) as over_wecom:
                yield over_wecom  # type: ignore[misc]  # RunningBot's API, over WeCom
        finally:
            await app.close()
        return
    if adapter == "web":
        try:
            async with web_bot(app) as over_web:
                yield over_web  # type: ignore[misc]  # RunningBot's API, over the web chat
        finally:
            await app.close()
        return
    channel = ADAPTERS[adapter](settings, app.conversation())
    polling = asyncio.create_task(channel.run_polling(handle_signals=False))
    sender = asyncio.create_task(run_sender(app, [channel]))  # as `muster run` does
    started = asyncio.create_task(channel.started.wait())
    http = aiohttp.ClientSession()
    try:
        await asyncio.wait(
            {polling, started}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if polling.done():
            polling.result()  # polling died at start: show why
        assert started.done(), "the bot did not start polling"
        running = RunningBot(app, channel, emulator, http, clock)
        yield running
        await running.check_html()  # fails the test that made the bot send invalid HTML
    finally:
        started.cancel()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await http.close()
        if not polling.done():
            if channel.started.is_set():
                await channel.stop()
            else:
                polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling  # re-raises if polling crashed during the test
        await channel.close()
        await app.close()
