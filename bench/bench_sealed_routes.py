"""Benchmark: an asker's own tickets when the routes are sealed (issue 21, sealed askers).

The route from a ticket to its asker is sealed with MUSTER_HOTLINE_KEY, so no index says
whose a ticket is: `HotlineService.my_tickets` reads every route and opens each
(AES-256-GCM) to find the asker's. This measures what that costs at a large bureau's
scale against what the unsealed design did, in the same run on the same data:

- **baseline**: the unsealed lookup, a scratch table `route_plain(ticket_id, person_id)`
  with an index on person_id holding the same routes in the clear, joined to `ticket`;
- **sealed**: `my_tickets(actor)` in a unit of work (read all routes, open each, then the
  asker's tickets);
- **one ticket**: `my_ticket(actor, id)` (one route opened: the follow-up check), against
  a primary-key read of the plain route.

Each is the best of several rounds (others share the machine); printed with the ratio
sealed / baseline.

    .venv/bin/python bench/bench_sealed_routes.py [--tickets 10000] [--askers 1000]
    .venv/bin/python bench/bench_sealed_routes.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
(with --pg, in bench_ack.py's scratch database muster_bench_ack, dropped at the end)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.bench_ack import DB  # noqa: E402  (its scratch database)
from bench.common import drop_pg, scratch_pg  # noqa: E402
from bot.actor import Actor  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.sealing import sealer_for  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Person, PersonRole, Unit  # noqa: E402
from storage.models_hotline import Ticket, TicketRoute, route_purpose  # noqa: E402

KEY = "bench-hotline-key-not-a-secret-0123"
ROUNDS = 7


async def _inserted(s: Any, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` of `model` in one statement; their ids, in order."""
    return list((await s.execute(insert(model).returning(model.id), rows)).scalars())


async def fill(app: App, *, tickets: int, askers: int) -> dict[int, list[int]]:
    """`askers` auxiliaries and `tickets` tickets, each with a sealed route to a random
    asker and the same route in the clear in route_plain; {person id: ticket ids}."""
    now = datetime.now(UTC)
    sealer = sealer_for(app.settings)
    rng = random.Random(7)
    mine: dict[int, list[int]] = {}
    async with app.unit_of_work() as svc:
        s = svc.session
        unit = Unit(name="示例县公安局", created_at=now)
        s.add(unit)
        await s.flush()
        ids = await _inserted(
            s,
            Person,
            [
                {
                    "employee_no": f"A{i:05d}",
                    "name": f"辅警{i}",
                    "unit_id": unit.id,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(askers)
            ],
        )
        await s.execute(
            insert(PersonRole), [{"person_id": pid, "role": "auxiliary"} for pid in ids]
        )
        ticket_ids = await _inserted(
            s,
            Ticket,
            [
                {"anonymous": True, "status": "open", "created_at": now, "last_activity_at": now}
                for _ in range(tickets)
            ],
        )
        await s.execute(
            text("CREATE TABLE route_plain (ticket_id INTEGER PRIMARY KEY, person_id INTEGER)")
        )
        await s.execute(text("CREATE INDEX ix_route_plain_person ON route_plain (person_id)"))
        routes, plain = [], []
        for tid in ticket_ids:
            pid = rng.choice(ids)
            mine.setdefault(pid, []).append(tid)
            sealed = sealer.seal(str(pid), purpose=route_purpose(tid))
            routes.append({"ticket_id": tid, "sealed": sealed})
            plain.append({"t": tid, "p": pid})
        await s.execute(insert(TicketRoute), routes)
        await s.execute(text("INSERT INTO route_plain VALUES (:t, :p)"), plain)
    return mine


async def best(rounds: int, work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    return min(times), result


async def run(url: str, *, tickets: int, askers: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    settings = Settings(database_url=url, hotline_key=KEY, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, engine, SystemClock())
    try:
        mine = await fill(app, tickets=tickets, askers=askers)
        person_id, expected = max(mine.items(), key=lambda kv: len(kv[1]))
        async with app.sessionmaker() as s:
            person = await s.get(Person, person_id)
        assert person is not None
        actor = Actor.of(person)

        async def baseline() -> list[int]:
            async with app.sessionmaker() as s:
                rows = await s.execute(
                    text(
                        "SELECT t.id FROM ticket t JOIN route_plain r ON r.ticket_id = t.id"
                        " WHERE r.person_id = :p ORDER BY t.id DESC"
                    ),
                    {"p": person_id},
                )
                return [r[0] for r in rows]

        async def sealed() -> list[int]:
            async with app.unit_of_work() as svc:
                return [t.id for t in await svc.hotline.my_tickets(actor)]

        async def one_plain() -> int:
            async with app.sessionmaker() as s:
                found = await s.execute(
                    text("SELECT person_id FROM route_plain WHERE ticket_id = :t"),
                    {"t": expected[0]},
                )
                return int(found.scalar_one())

        async def one_sealed() -> int:
            async with app.unit_of_work() as svc:
                return (await svc.hotline.my_ticket(actor, expected[0])).id

        base_s, base_ids = await best(ROUNDS, baseline)
        sealed_s, sealed_ids = await best(ROUNDS, sealed)
        assert base_ids == sealed_ids == sorted(expected, reverse=True), "not the same tickets"
        one_base_s, _ = await best(ROUNDS * 3, one_plain)
        one_sealed_s, _ = await best(ROUNDS * 3, one_sealed)
        async with app.sessionmaker() as s:
            stored = (await s.execute(select(TicketRoute.sealed).limit(1))).scalar_one()
        print(f"{tickets} tickets, {askers} askers; the asker has {len(expected)} tickets")
        print(f"a sealed route is {len(stored)} characters")
        print(
            f"my tickets: baseline {base_s * 1000:.1f} ms, sealed {sealed_s * 1000:.1f} ms,"
            f" ratio {sealed_s / base_s:.1f}"
        )
        print(
            f"one ticket: baseline {one_base_s * 1000:.2f} ms, sealed"
            f" {one_sealed_s * 1000:.2f} ms, ratio {one_sealed_s / one_base_s:.1f}"
        )
    finally:
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--askers", type=int, default=1_000)
    parser.add_argument("--pg", help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    if args.pg:
        url = asyncio.run(scratch_pg(args.pg, DB))
        try:
            asyncio.run(run(url, tickets=args.tickets, askers=args.askers))
        finally:
            asyncio.run(drop_pg(args.pg, DB))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(url, tickets=args.tickets, askers=args.askers))


if __name__ == "__main__":
    main()
