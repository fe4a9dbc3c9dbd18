"""Benchmark: the console dashboard for 100,000 people in 200 units with 5 open campaigns,
on PostgreSQL, against a plain GROUP BY count of the same rows in the same run.

A scratch database gets 200 units, 100,000 auxiliaries, one office staffer, and 5 open
campaigns (pledge, training, notice, check-in, register) assigned to everyone: 500,000
assignments, a third of them done in the last week, a quarter overdue, some escalated.
Then, alternating, N times each:

  baseline   SELECT campaign_id, unit_id, count(*) FROM assignment JOIN person
             GROUP BY campaign_id, unit_id        (the same rows, nothing else)
  dashboard  GET /console/ as the office staffer through the real aiohttp server
             (session lookup, three grouped queries, the rendered page)

Prints the median and p90 of each, and the ratio dashboard / baseline.

    python bench/bench_console.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
        (creates the scratch database muster_bench_console and drops it at the end)
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.actor import Actor  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.console import console_routes  # noqa: E402
from bot.web.server import WebServer  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Assignment, Campaign, Person, PersonRole, Unit  # noqa: E402

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SCRATCH_DB = "muster_bench_console"
KINDS = ("pledge", "training", "notice", "checkin", "register")


async def scratch_url(pg: str) -> str:
    import asyncpg  # noqa: PLC0415

    url = make_url(pg)
    conn = await asyncpg.connect(str(url.set(drivername="postgresql")))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
    finally:
        await conn.close()
    return url.set(database=SCRATCH_DB).render_as_string(hide_password=False)


async def drop_scratch(pg: str) -> None:
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(str(make_url(pg).set(drivername="postgresql")))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    finally:
        await conn.close()


async def load(app: App, people: int, units: int) -> None:
    async with app.sessionmaker() as s:
        bureau = Unit(name="示例市公安局", created_at=NOW)
        s.add(bureau)
        await s.flush()
        await s.execute(
            insert(Unit),
            [
                {"name": f"派出所{i:03d}", "parent_id": bureau.id, "created_at": NOW}
                for i in range(1, units)
            ],
        )
        unit_ids = list((await s.execute(select(Unit.id).order_by(Unit.id))).scalars())
        office = Person(
            employee_no="O0001",
            name="周政工",
            unit_id=bureau.id,
            status="active",
            created_at=NOW,
            updated_at=NOW,
            roles=[PersonRole(role="office")],
        )
        s.add(office)
        await s.flush()
        for start in range(0, people, 10_000):
            rows = [
                {
                    "employee_no": f"A{n:06d}",
                    "name": f"辅警{n}",
                    "unit_id": unit_ids[n % len(unit_ids)],
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(start, min(people, start + 10_000))
            ]
            await s.execute(insert(Person), rows)
        await s.execute(
            text(
                "INSERT INTO person_role (person_id, role) "
                "SELECT id, 'auxiliary' FROM person WHERE employee_no LIKE 'A%'"
            )
        )
        for i, kind in enumerate(KINDS):
            campaign = Campaign(
                kind=kind,
                ref_key=f"bench-{kind}",
                ref_id=i + 1,
                titles={"zh_CN": f"基准任务 {kind}", "en": f"bench {kind}"},
                audience={},
                due_at=NOW + timedelta(days=3),
                policy={},
                active=True,
                created_by="bench",
                created_at=NOW - timedelta(days=7),
            )
            s.add(campaign)
            await s.flush()
            await s.execute(
                text(
                    "INSERT INTO assignment (campaign_id, person_id, status, created_at, "
                    "due_at, done_at, stage, level, delay_s) "
                    "SELECT :c, id, CASE WHEN id % 3 = 0 THEN 'done' ELSE 'open' END, "
                    "CAST(:t0 AS timestamptz), "
                    "CASE WHEN id % 4 = 1 THEN CAST(:past AS timestamptz) "
                    "ELSE CAST(:due AS timestamptz) END, "
                    "CASE WHEN id % 3 = 0 "
                    "THEN CAST(:t0 AS timestamptz) + (id % 7) * interval '1 day' END, "
                    "0, CASE WHEN id % 4 = 1 THEN id % 4 ELSE 0 END, 0 "
                    "FROM person WHERE employee_no LIKE 'A%'"
                ),
                {
                    "c": campaign.id,
                    "t0": NOW - timedelta(days=6, hours=12),
                    "past": NOW - timedelta(days=1),
                    "due": NOW + timedelta(days=3),
                },
            )
        await s.commit()
        await s.execute(text("ANALYZE"))


async def baseline(app: App) -> float:
    started = time.perf_counter()
    async with app.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Assignment.campaign_id, Person.unit_id, func.count())
                .join(Person, Person.id == Assignment.person_id)
                .group_by(Assignment.campaign_id, Person.unit_id)
            )
        ).all()
    assert len(rows) == len(KINDS) * 200, len(rows)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", required=True, help="postgresql+asyncpg://... (a server)")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    url = await scratch_url(args.pg)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        listen = f"127.0.0.1:{free_port()}"
        settings = Settings(database_url=url, web_listen=listen, _env_file=None)  # type: ignore[call-arg]
        app = App(settings, engine, FrozenClock(NOW))
        t0 = time.perf_counter()
        await load(app, args.people, args.units)
        print(
            f"loaded {args.people:,} people, {args.units} units, {len(KINDS)} campaigns, "
            f"{args.people * len(KINDS):,} assignments in {time.perf_counter() - t0:.1f} s"
        )
        async with app.unit_of_work() as svc:
            token = await svc.web_auth.issue_link(Actor.cli("bench"), "O0001")
        server = WebServer(listen)
        server.mount("console", console_routes(app))
        await server.start()
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            base = f"http://{listen}/console"
            page = await (await http.get(f"{base}/login/link?token={token}")).text()
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            await http.post(f"{base}/login/link", data={"token": token, "csrf": csrf})
            warm = await http.get(f"{base}/")
            assert warm.status == 200 and "派出所001" in await warm.text()
            await baseline(app)
            base_times, dash_times = [], []
            for _ in range(args.runs):
                base_times.append(await baseline(app))
                started = time.perf_counter()
                resp = await http.get(f"{base}/")
                await resp.read()
                dash_times.append(time.perf_counter() - started)
                assert resp.status == 200
        await server.stop()

        def p90(xs: list[float]) -> float:
            return sorted(xs)[int(0.9 * (len(xs) - 1))]

        b, d = statistics.median(base_times), statistics.median(dash_times)
        b90, d90 = p90(base_times) * 1000, p90(dash_times) * 1000
        print(f"baseline  GROUP BY count: median {b * 1000:.1f} ms, p90 {b90:.1f} ms")
        print(f"dashboard GET /console/:  median {d * 1000:.1f} ms, p90 {d90:.1f} ms")
        print(
            f"ratio dashboard / baseline: {d / b:.2f} (goal <= 3; and < 300 ms: "
            f"{'yes' if d < 0.3 else 'no'})"
        )
    finally:
        await engine.dispose()
        await drop_scratch(args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
