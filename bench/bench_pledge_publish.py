"""Benchmark: publish a pledge to 100,000 people, next to a plain bulk insert of the same rows.

A fresh database gets ~200 units and 100,000 auxiliaries, each with a bound chat account
(so every publish notice is a real pending outbox row). Then, in this order:

  baseline  a plain bulk insert of 100,000 assignment-shaped rows (same columns, unique
            constraint, indexes and foreign keys as `assignment`) into a scratch table:
            rows built in Python, executemany in chunks, one transaction;
  publish   `PledgeService.publish(...)` to everyone, committed: freezes the text, one
            INSERT ... SELECT of the assignments, and one outbox notice per person
            (INSERT INTO outbox ... SELECT per locale and chunk of 5,000 assignments).

Prints wall time, peak memory and the ratio publish / baseline, and where publish spends
its time (timers around its steps; `--profile` for a cProfile listing).

    python bench/bench_pledge_publish.py                    # SQLite file in a temp dir
    python bench/bench_pledge_publish.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
        (creates the scratch database muster_bench on that server and drops it at the end)
    python bench/bench_pledge_publish.py --tracemalloc      # Python heap peaks (slower)
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import io
import pstats
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import (  # noqa: E402
    Index,
    MetaData,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bot import notify  # noqa: E402
from bot.actor import Actor  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services.tasks import TaskService  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    NAMING,
    Assignment,
    Base,
    Campaign,
    ChannelAccount,
    Outbox,
    Person,
    PersonRole,
    Unit,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DUE = NOW + timedelta(days=14)
KEY = "online-conduct"  # audience: auxiliaries; requires no training (one publication)
SCRATCH_DB = "muster_bench"
LOAD_CHUNK = 10_000
BASELINE_CHUNK = 10_000


@dataclass
class Measure:
    seconds: float = 0.0
    rss_delta_mb: float = 0.0
    heap_peak_mb: float | None = None


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@contextmanager
def measured(trace: bool) -> Iterator[Measure]:
    """Wall time, growth of the process's peak RSS, and optionally the Python heap peak."""
    gc.collect()
    m = Measure()
    rss0 = _maxrss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - t0
        if trace:
            m.heap_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        m.rss_delta_mb = _maxrss_mb() - rss0


# --- database -------------------------------------------------------------------------


async def scratch_pg(server_url: str) -> str:
    """Create a fresh scratch database on the server; return its SQLAlchemy URL."""
    import asyncpg  # noqa: PLC0415

    url = make_url(server_url)
    conn = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
        await conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
    finally:
        await conn.close()
    return url.set(database=SCRATCH_DB).render_as_string(False)


async def drop_pg(server_url: str) -> None:
    import asyncpg  # noqa: PLC0415

    url = make_url(server_url)
    conn = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
    finally:
        await conn.close()


async def load_people(engine: AsyncEngine, people: int, units: int) -> None:
    """One tree: a bureau, branches, stations (~`units` in all); auxiliaries spread over
    the stations, each with a bound account."""
    branches = max(1, round((units - 1) ** 0.5))
    unit_rows: list[dict[str, Any]] = [
        {"id": 1, "name": "示例市公安局", "parent_id": None, "created_at": NOW}
    ]
    for b in range(branches):
        uid = len(unit_rows) + 1
        unit_rows.append(
            {"id": uid, "name": f"分局{b + 1:02d}", "parent_id": 1, "created_at": NOW}
        )
    stations: list[int] = []
    while len(unit_rows) < units:
        parent = 2 + len(stations) % branches
        uid = len(unit_rows) + 1
        unit_rows.append(
            {"id": uid, "name": f"派出所{uid:03d}", "parent_id": parent, "created_at": NOW}
        )
        stations.append(uid)
    stations = stations or [1]
    async with engine.begin() as conn:
        await conn.execute(insert(Unit), unit_rows)
        for start in range(0, people, LOAD_CHUNK):
            ids = range(start + 1, min(people, start + LOAD_CHUNK) + 1)
            await conn.execute(
                insert(Person),
                [
                    {
                        "id": i,
                        "employee_no": f"B{i:07d}",
                        "name": f"辅警{i}",
                        "gender": "男",
                        "age": 30,
                        "unit_id": stations[i % len(stations)],
                        "post": "巡逻辅警",
                        "status": "active",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(PersonRole), [{"person_id": i, "role": "auxiliary"} for i in ids]
            )
            await conn.execute(
                insert(ChannelAccount),
                [
                    {
                        "person_id": i,
                        "channel": "telegram",
                        "external_user_id": str(9000 + i),
                        "chat_id": str(9000 + i),
                        "bound_at": NOW,
                        "reachable": True,
                    }
                    for i in ids
                ],
            )
        if engine.dialect.name == "postgresql":
            for table in ("unit", "person"):  # explicit ids above: move the sequences on
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("ANALYZE")


def scratch_table() -> tuple[MetaData, Table]:
    """`bench_assignment`: the columns, unique constraint, indexes and foreign keys of
    `assignment`, under other names."""
    md = MetaData(naming_convention=NAMING)
    for name in ("campaign", "person"):  # foreign key targets, for the DDL only
        Base.metadata.tables[name].to_metadata(md)
    table = Table(
        "bench_assignment",
        md,
        *(c._copy() for c in Assignment.__table__.columns),
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_bench_assignment_due", "status", "next_action_at"),
        Index("ix_bench_assignment_person_status", "person_id", "status"),
    )
    return md, table


async def baseline(engine: AsyncEngine, people: int, trace: bool) -> Measure:
    """A plain bulk insert of `people` assignment-shaped rows, one transaction."""
    md, table = scratch_table()
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all, tables=[table])
        campaign_id = (
            await conn.execute(
                insert(Campaign)
                .values(
                    kind="pledge",
                    ref_key="bench",
                    ref_id=0,
                    titles={},
                    audience={},
                    due_at=DUE,
                    policy={},
                    active=False,
                    created_by="bench",
                    created_at=NOW,
                )
                .returning(Campaign.id)
            )
        ).scalar_one()
    with measured(trace) as m:
        async with engine.begin() as conn:
            person_ids = (await conn.execute(select(Person.id).order_by(Person.id))).scalars()
            rows = [
                {
                    "campaign_id": campaign_id,
                    "person_id": pid,
                    "status": "open",
                    "created_at": NOW,
                    "due_at": DUE,
                    "stage": 0,
                    "level": 0,
                    "next_action_at": DUE - timedelta(days=3),
                    "delay_s": 0,
                }
                for pid in person_ids
            ]
            for start in range(0, len(rows), BASELINE_CHUNK):
                await conn.execute(insert(table), rows[start : start + BASELINE_CHUNK])
    async with engine.begin() as conn:
        count = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        await conn.run_sync(md.drop_all, tables=[table])
    assert count == people, f"baseline inserted {count} rows, expected {people}"
    return m


# --- publish, with timers around its steps ----------------------------------------------

STEP_TIMES: dict[str, list[float]] = defaultdict(list)
STEP_ORDER = (
    "tasks.assign_pairs (INSERT ... SELECT ... RETURNING)",
    "notifier.task_messages (total)",
    "  outbox.enqueue_each (INSERT outbox ... SELECT)",
    "publish before commit",
    "commit",
)


def _timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            STEP_TIMES[name].append(time.perf_counter() - t0)

    return wrapper


def install_step_timers() -> None:
    """Wrap the steps of publish (the services are not changed on disk)."""
    TaskService.assign_pairs = _timed(  # type: ignore[method-assign]
        "tasks.assign_pairs (INSERT ... SELECT ... RETURNING)", TaskService.assign_pairs
    )
    notify.Notifier.task_messages = _timed(  # type: ignore[method-assign]
        "notifier.task_messages (total)", notify.Notifier.task_messages
    )
    outbox.enqueue_each = _timed(  # type: ignore[assignment]
        "  outbox.enqueue_each (INSERT outbox ... SELECT)", outbox.enqueue_each
    )


async def publish(app: App, people: int, trace: bool, profile: Path | None) -> Measure:
    profiler = cProfile.Profile() if profile else None
    with measured(trace) as m:
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        async with app.unit_of_work() as svc:
            result = await svc.pledges.publish(Actor.cli("bench"), KEY, audience="all", due_at=DUE)
            t_commit = time.perf_counter()
        STEP_TIMES["commit"].append(time.perf_counter() - t_commit)
        STEP_TIMES["publish before commit"].append(t_commit - t0)
        if profiler:
            profiler.disable()
    assert result.assigned == people, result
    async with app.sessionmaker() as s:
        sent = (await s.execute(select(func.count()).select_from(Outbox))).scalar_one()
        pending = (
            await s.execute(
                select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
            )
        ).scalar_one()
    assert sent == pending == people, (sent, pending)
    if profiler and profile:
        profiler.dump_stats(profile)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    return m


# --- main --------------------------------------------------------------------------------


async def settle(engine: AsyncEngine) -> None:
    """Before a timed phase: the tables analyzed (a deployment's are, by autovacuum, which
    could otherwise start in the middle of a phase) and, on PostgreSQL, what the previous
    writes left to checkpoint written out, as `pgbench -i` leaves its tables; so neither
    the baseline nor publish pays for the load or for each other."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            await conn.execute(text("VACUUM ANALYZE"))
            await conn.execute(text("CHECKPOINT"))
        else:
            await conn.execute(text("ANALYZE"))


def _mem(m: Measure) -> str:
    heap = f", Python heap peak {m.heap_peak_mb:7.1f} MB" if m.heap_peak_mb is not None else ""
    return f"peak RSS +{m.rss_delta_mb:7.1f} MB{heap}"


async def run(args: argparse.Namespace) -> int:
    tmp: Path | None = None
    if args.pg:
        url = await scratch_pg(args.pg)
        where = f"PostgreSQL scratch database {SCRATCH_DB}"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="muster-bench-"))
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        where = f"SQLite {tmp / 'bench.db'}"
    engine = make_engine(url)
    try:
        print(f"{where}: {args.people:,} people, ~{args.units} units")
        t0 = time.perf_counter()
        await upgrade(engine)
        await load_people(engine, args.people, args.units)
        await settle(engine)
        print(f"  setup (schema + people + roles + accounts): {time.perf_counter() - t0:6.2f} s")

        base = await baseline(engine, args.people, args.tracemalloc)
        await settle(engine)
        print(
            f"  baseline bulk insert of {args.people:,} rows: {base.seconds:6.2f} s  "
            f"({args.people / base.seconds:,.0f} rows/s)  {_mem(base)}"
        )

        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        app = App(settings, engine, FrozenClock(NOW))
        install_step_timers()
        pub = await publish(app, args.people, args.tracemalloc, args.profile)
        print(
            f"  publish to {args.people:,} people:          {pub.seconds:6.2f} s  "
            f"({args.people / pub.seconds:,.0f} people/s)  {_mem(pub)}"
        )
        print(f"  ratio publish / baseline: {pub.seconds / base.seconds:.2f}")
        print("  where publish spends its time:")
        for name in STEP_ORDER:
            times = STEP_TIMES.get(name, [])
            print(f"    {name:<46} {sum(times):6.2f} s  ({len(times)} call(s))")
        total = "notifier.task_messages (total)"
        parts = [n for n in STEP_ORDER if n.startswith("  ")]
        rest = sum(STEP_TIMES[total]) - sum(sum(STEP_TIMES.get(n, [])) for n in parts)
        print(f"    {'  locales, rendering (Python)':<46} {rest:6.2f} s")
    finally:
        await engine.dispose()
        if args.pg and not args.keep:
            await drop_pg(args.pg)
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument(
        "--pg",
        metavar="URL",
        help="PostgreSQL server (postgresql+asyncpg://...); a scratch database "
        f"{SCRATCH_DB} is created there and dropped at the end",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report Python heap peaks (tracemalloc slows Python code 2-3x)",
    )
    parser.add_argument("--profile", type=Path, metavar="FILE", help="cProfile publish to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
