"""Engine, sessions and schema management (Alembic)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Select, Table, Text, bindparam, cast, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeEngine

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaOutdated(Exception):
    """The database schema is not at the newest migration (`have`: None for no schema)."""

    def __init__(self, have: str | None, want: str | None) -> None:
        super().__init__(
            f"database schema is at {have or 'nothing'}, the code needs {want}: "
            "run `muster db upgrade`"
        )
        self.have, self.want = have, want


IMMEDIATE = "muster_sqlite_immediate"  # execution option: BEGIN IMMEDIATE on SQLite
SQLITE_BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the write lock
PG_TRANSIENT_STATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "57P01",  # admin_shutdown (pg_terminate_backend)
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
    "08000",  # connection_exception
    "08003",  # connection_does_not_exist
    "08006",  # connection_failure
}
TRANSIENT_WORDS = (
    "database is locked",  # SQLite busy after the timeout
    "connection is closed",
    "connection was closed",
    "terminating connection",
    "connection reset",
    "server closed the connection",
    "cannot perform operation: another operation is in progress",
)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an engine.

    SQLite: foreign keys, WAL, a busy timeout, and sessions of a writing sessionmaker
    (`make_sessionmaker(engine, immediate=True)`) start their transaction with BEGIN
    IMMEDIATE, so a writer holds the write lock from its first read: two people acting at
    once queue for milliseconds instead of one failing on a stale snapshot (the "begin"
    event pattern of SQLAlchemy's aiosqlite docs). Other sessions begin as the driver does.
    PostgreSQL: pooled connections are pinged before use (`pool_pre_ping`), so one dropped
    by the server (a restart, pg_terminate_backend) is replaced instead of failing the next
    update or page. (A burst of 收到 presses pays that round trip once per group commit,
    bot.conversation, not once per press.)
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if conn.get_execution_options().get(IMMEDIATE):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def is_transient(exc: BaseException) -> bool:
    """A database fault worth retrying: a dropped connection, a serialization failure or
    deadlock, SQLite busy. Looks through the chain of causes (drivers wrap each other)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, DBAPIError) and cur.connection_invalidated:
            return True
        state = getattr(cur, "sqlstate", None) or getattr(cur, "pgcode", None)
        if isinstance(state, str) and state in PG_TRANSIENT_STATES:
            return True
        if type(cur).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and (
            "closed" in str(cur).lower() or "connection" in str(cur).lower()
        ):
            return True
        if isinstance(cur, ConnectionError):
            return True
        text = str(cur).lower()
        if any(word in text for word in TRANSIENT_WORDS):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0, 4.0)  # seconds between tries: about 8 s in all


async def retrying(
    fn: Callable[[], Awaitable[T]],
    *,
    what: str,
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `fn` (a whole transaction) again after a transient fault, with backoff; the
    last fault, or any other exception, propagates."""
    for attempt, delay in enumerate((*delays, None)):
        try:
            return await fn()
        except Exception as exc:
            if delay is None or not is_transient(exc):
                raise
            log.warning("%s: transient database fault (try %d), again: %s", what, attempt + 1, exc)
            await sleep(delay)
    raise AssertionError("unreachable")


def make_sessionmaker(
    engine: AsyncEngine, *, immediate: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`. `immediate`: for transactions that write after reading (an
    update being handled, a tick): on SQLite they take the write lock at their start.
    Never open a second session of this kind inside one (it waits for the first)."""
    bind = engine.execution_options(**{IMMEDIATE: True}) if immediate else engine
    return async_sessionmaker(bind, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Create or upgrade the schema (what `muster db upgrade` runs)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run_upgrade, engine.url.render_as_string(False), revision)


def _run_upgrade(sync_conn: Any, url: str, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on a schema that is missing or older than the code."""
    have, want = await current_revision(engine), head_revision()
    if have != want:
        raise SchemaOutdated(have, want)


def upsert(session: AsyncSession, model: Any) -> Any:
    """INSERT for `model` that takes ON CONFLICT clauses, in the session's dialect."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def unnest_rows(
    session: AsyncSession,
    table: Any,
    rows: Sequence[dict[str, Any]],
    **extra: TypeEngine[Any],
) -> Select[Any]:
    """PostgreSQL: the rows as `SELECT ... FROM unnest($1::INTEGER[], $2::VARCHAR[], ...)
    WITH ORDINALITY ORDER BY ordinality`, one array per column of `table` (or of type
    `extra[name]` for a value that is no column of it): a few parameters instead of one
    per value, in the rows' order, for `INSERT ... SELECT`. JSON goes in as text,
    serialized as the column would, and is cast back."""
    columns = cast_table(table).c
    dialect = session.get_bind().dialect
    names = list(rows[0])
    arrays = []
    for name in names:
        column_type: Any = extra[name] if name in extra else columns[name].type
        values = [r[name] for r in rows]
        if isinstance(column_type, JSON):
            serialize = column_type.dialect_impl(dialect).bind_processor(dialect)
            values = [serialize(v) if serialize else v for v in values]
            column_type = Text()
        arrays.append(bindparam(None, values, type_=postgresql.ARRAY(column_type)))
    src = func.unnest(*arrays).table_valued(*names, with_ordinality="n").render_derived("u")
    return select(
        *[
            cast(src.c[name], JSON)
            if name not in extra and isinstance(columns[name].type, JSON)
            else src.c[name]
            for name in names
        ]
    ).order_by(src.c.n)


def cast_table(table: Any) -> Table:
    """A mapped class's table, or the table itself."""
    return table if isinstance(table, Table) else table.__table__
