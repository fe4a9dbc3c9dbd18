"""Fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

MUSTER_TEST_PG_URL set -> every `db` test also runs on PostgreSQL, never skipped.
Unset (a laptop without PostgreSQL) -> the PostgreSQL runs are reported as skipped;
CI sets it, and `.ci/run` fails if it is missing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from storage.audit import GENESIS
from storage.db import make_engine
from storage.models import GUARDED, AuditHead, Base, drop_guard_ddl, guard_ddl
from tests.helpers import AUDIT_KEY, HOTLINE_KEY

PG_URL = os.environ.get("MUSTER_TEST_PG_URL")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Asia/Shanghai

_pg_schema_ready = False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        only_pg = metafunc.definition.get_closest_marker("pg_only") is not None
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        kinds = ["pg"] if only_pg else ["sqlite"] if only_sqlite else ["sqlite", "pg"]
        metafunc.parametrize("db_kind", kinds)


_pg_session_url: str | None = None


async def _pg_database(name: str, *, create: bool) -> str:
    """Drop the database `name` on the test server and, with `create`, make it anew,
    empty; its URL."""
    import asyncpg  # noqa: PLC0415

    assert PG_URL is not None
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


async def _session_pg_url() -> str:
    """A database of this test session's own (muster_test_<pid>), so parallel runs on one
    server (developers, CI) never truncate each other's tables. Dropped at exit."""
    global _pg_session_url  # noqa: PLW0603
    if _pg_session_url is None:
        _pg_session_url = await _pg_database(f"muster_test_{os.getpid()}", create=True)
    return _pg_session_url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _pg_session_url is None or PG_URL is None:
        return
    import asyncio  # noqa: PLC0415

    asyncio.run(_pg_database(_pg_session_url.rsplit("/", 1)[1], create=False))


# Measured numbers a test wants in the output of every run (e.g. the hotline's held-out
# score): `measured(line)` adds a line to a "measured" section at the end of the run. The
# line travels in the test's report (user_properties), so it reaches the summary from a
# pytest-xdist worker too.
_MEASURED: list[str] = []


@pytest.fixture
def measured(request: pytest.FixtureRequest) -> object:
    def add(line: str) -> None:
        request.node.user_properties.append(("measured", line))

    return add


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _MEASURED.extend(str(v) for k, v in report.user_properties if k == "measured")


def pytest_terminal_summary(terminalreporter: object) -> None:
    if _MEASURED:
        terminalreporter.section("measured")  # type: ignore[attr-defined]
        for line in _MEASURED:
            terminalreporter.write_line(line)  # type: ignore[attr-defined]


async def _reset_pg(engine: AsyncEngine) -> None:
    global _pg_schema_ready  # noqa: PLW0603 - created once per test session
    async with engine.begin() as conn:
        if not _pg_schema_ready:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            await conn.run_sync(Base.metadata.create_all)
            _pg_schema_ready = True
        else:
            for table in GUARDED:  # they refuse TRUNCATE; a tamper test may have dropped some
                for stmt in drop_guard_ddl(table, "postgresql"):
                    await conn.execute(text(stmt))
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in GUARDED:
                for stmt in guard_ddl(Base.metadata.tables[table], "postgresql"):
                    await conn.execute(text(stmt))
        await conn.execute(
            AuditHead.__table__.insert().values(id=1, last_seq=0, last_hash=GENESIS)
        )


@pytest.fixture
async def engine(db_kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if db_kind == "pg":
        if not PG_URL:
            pytest.skip("MUSTER_TEST_PG_URL not set")
        eng = make_engine(await _session_pg_url(), pool_size=5)
        await _reset_pg(eng)
    else:
        eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        async with eng.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.execute(
                AuditHead.__table__.insert().values(id=1, last_seq=0, last_hash=GENESIS)
            )
    yield eng
    await eng.dispose()


@pytest.fixture
async def empty_db_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of `db_kind`, for tests of the migrations themselves; a
    PostgreSQL one (muster_mig_<pid>) is dropped afterwards."""
    if db_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    if not PG_URL:
        pytest.skip("MUSTER_TEST_PG_URL not set")
    name = f"muster_mig_{os.getpid()}"
    url = await _pg_database(name, create=True)
    try:
        yield url
    finally:
        await _pg_database(name, create=False)


@pytest.fixture
def cjk_font() -> None:
    """A test of the PDF receipt needs a CJK font on the machine. Without one the bot sends
    the HTML receipt (tested on its own); such a test is skipped here, and in CI, where
    .ci/run installs fonts-wqy-microhei, a skip fails the run."""
    from bot.reports import receipt_pdf  # noqa: PLC0415

    if receipt_pdf.system_font() is None:
        pytest.skip("no CJK font: apt-get install -y fonts-wqy-microhei (.ci/run does)")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture(autouse=True)
def _hotline_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """MUSTER_HOTLINE_KEY in the environment, as in every deployment (`muster run` refuses
    to start without it): every Settings a test builds seals hotline askers. A test of a
    missing key deletes it; a test starting a process without os.environ passes it."""
    monkeypatch.setenv("MUSTER_HOTLINE_KEY", HOTLINE_KEY)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///unused.db", audit_key=AUDIT_KEY, _env_file=None
    )


@pytest.fixture
async def app(engine: AsyncEngine, settings: Settings, clock: FrozenClock) -> App:
    return App(settings, engine, clock)


@dataclass
class Ids:
    """Employee numbers of the sample force built by `force`."""

    office: str = "O001"
    leader: str = "L001"
    mentors: tuple[str, ...] = ("M001", "M002")
    auxiliaries: tuple[str, ...] = ("A001", "A002", "A003", "A004")


class _TranslationErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture(autouse=True)
def _no_translation_errors() -> Iterator[None]:
    """A test during which the translator logs an error (a missing key, a variable not
    passed, a Fluent limit) fails: the person would have seen `{???}` or a key."""
    handler = _TranslationErrors()
    logger = logging.getLogger("bot.i18n")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.seen:
        pytest.fail(f"translation errors: {handler.seen}")
