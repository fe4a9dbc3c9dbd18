"""Benchmark: the 收到 burst. N registered people press a notice's acknowledge button.

Every press goes through the real conversation engine (`Conversation.handle` with a button
`Incoming`, as the Telegram and console adapters call it), 50 at a time, on PostgreSQL,
while the audit sequencer chains the events every second as `muster run` does. The engine
commits concurrent presses in groups (bot.conversation.GroupCommit); each process calls
`settle_heap` once warmed up, as `muster run` does once started. Printed:

- in this process: presses/s, p50 and p99 of a press, next to a baseline measured in the
  same run: one plain INSERT + COMMIT per press into a scratch table, 50 at a time, over
  the same pool; the ratio presses/s / baseline;
- one worker process pressing N presses of a second notice, then two worker processes
  together pressing N presses of a third one (N/2 each, started at the same moment); the
  ratio two / one (the audit log takes no global lock, so processes should add up);
- statements and transactions per press (counted on the engine), and with --profile a
  cProfile of the in-process presses.

At the end every acknowledgment is checked to be there once, and `audit.check` must find
the keyed chain and the evidence intact.

    .venv/bin/python bench/bench_ack.py                 # PostgreSQL at 127.0.0.1, N=10000
    .venv/bin/python bench/bench_ack.py --people 20000 --profile /tmp/ack.prof
Goals (issue 20): presses/s >= 0.8 x baseline, p99 < 200 ms, two processes >= 1.7 x one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.common import DEFAULT_PG, add_auxiliaries, drop_pg, scratch_pg  # noqa: E402
from bot.actor import Actor  # noqa: E402
from bot.app import App, settle_heap  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Account, Incoming, Kind  # noqa: E402
from bot.services.notices import _ACK_ALL, _MINE_ACK_ID, Composed, ref_of  # noqa: E402
from scheduled.sequencer import seal_pending  # noqa: E402
from storage import audit  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import ConversationState  # noqa: E402
from storage.models_notices import NoticeAck  # noqa: E402
from storage.people import _STATE_AND_PERSON  # noqa: E402

DB = "muster_bench_ack"
CONCURRENCY = 50
POOL = 20  # connections per process
KEY = "bench-audit-key-not-a-secret-0123"
CHANNEL = "test"
TEXT = "关于加强夜间值班的通知\n请各位辅警本周内完成值班登记，并点击下方“收到”确认。"


def settings_for(url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        audit_key=KEY,
        quiet_hours="off",
        notice_approval_over=10_000_000,  # measures the presses, not the approval step
        _env_file=None,
    )


def open_app(url: str) -> App:
    engine = make_engine(url, pool_size=POOL, max_overflow=0)
    return App(settings_for(url), engine, SystemClock())


async def load(url: str, people: int) -> list[int]:
    """Units, `people` auxiliaries with a bound account each (and the conversation state
    their registration left), and three notices that need an acknowledgment, sent to
    everybody. Returns the notice ids."""
    engine = make_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await add_auxiliaries(
            conn,
            people,
            now,
            unit="示例县公安局",
            channel=CHANNEL,
            employee_no=lambda i: f"E{i:07d}",
            name=lambda i: f"人员{i}",
            external_id=lambda i: f"u{i}",
        )
        # people bound through the chat (a registration code) have written to it before:
        # their conversation state exists
        await conn.execute(
            ConversationState.__table__.insert(),
            [
                {
                    "channel": CHANNEL,
                    "external_user_id": f"u{i}",
                    "step": None,
                    "data": {},
                    "updated_at": now,
                }
                for i in range(1, people + 1)
            ],
        )
        await conn.execute(
            text(
                "CREATE TABLE bench_press (id serial PRIMARY KEY, "
                "person_id int NOT NULL, at timestamptz NOT NULL)"
            )
        )
    await engine.dispose()
    app = open_app(url)
    ids = []
    try:
        for _ in range(4):
            async with app.unit_of_work() as svc:
                sent = await svc.notices.send(
                    Actor.cli(),
                    Composed(audience="all", text=TEXT, ack_by=now + timedelta(days=2)),
                )
            ids.append(sent.notice_id)
        await seal_pending(app)
        async with app.engine.connect() as conn:
            # a deployment's tables have statistics (autovacuum); just loaded, these have
            # none, and the planner takes a table of thousands for one of a single row
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    finally:
        await app.close()
    return ids


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_pool(n: int, work: Any) -> tuple[float, list[float]]:
    """Run work(i) for i in range(n), CONCURRENCY at a time; (wall seconds, latencies)."""
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            t0 = time.perf_counter()
            await work(i)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - t0, latencies


async def press_all(app: App, notice_id: int, people: range) -> tuple[float, list[float]]:
    conversation = app.conversation()
    action = f"nt:ack:{notice_id}"
    ids = list(people)

    async def press(i: int) -> None:
        pid = ids[i]
        account = Account(channel=CHANNEL, external_user_id=f"u{pid}", chat_id=f"u{pid}")
        replies = await conversation.handle(
            Incoming(account, Kind.BUTTON, name=action, message_ref=f"m{pid}")
        )
        if not replies or not replies[0].buttons:
            raise RuntimeError(f"press of person {pid}: unexpected reply {replies!r}")

    return await run_pool(len(ids), press)


async def baseline(engine: AsyncEngine, n: int) -> tuple[float, list[float]]:
    async def insert(i: int) -> None:
        async with engine.connect() as conn:
            await conn.execute(
                text("INSERT INTO bench_press (person_id, at) VALUES (:p, now())"), {"p": i}
            )
            await conn.commit()

    return await run_pool(n, insert)


async def floor(engine: AsyncEngine, notice_id: int, people: range) -> tuple[float, list[float]]:
    """A press taken alone, as the database sees it: the one-press path's statements (the
    turn's query, the notice's, the one write; the same statement objects that a press
    arriving alone, or on SQLite, runs) in one transaction per press on a plain connection,
    50 at a time, with no conversation engine, ORM objects or reply. Presses / floor is
    what committing them in groups gains over the best one transaction a press could do."""
    ids = list(people)

    async def press(i: int) -> None:
        pid, now = ids[i], datetime.now(UTC)
        user = {"b_channel": CHANNEL, "b_user": f"u{pid}", "b_used_at": now}
        async with engine.connect() as conn:
            await conn.execute(_STATE_AND_PERSON[True, True], user)
            key = f"{ref_of(notice_id)}:{pid}"
            notice = (await conn.execute(_MINE_ACK_ID, {"id": notice_id, "key": key})).one()
            ack = {"notice_id": notice_id, "person_id": pid, "acked_at": now, "channel": CHANNEL}
            event = audit.event_values(
                at=now,
                actor=f"person:E{pid:07d}",
                kind="notice.acked",
                subject=ref_of(notice_id),
                payload={"employee_no": f"E{pid:07d}", "channel": CHANNEL},
                evidence=[audit.Evidence.row("notice_ack", {"id": notice.ack_id, **ack})],
            )
            params = {f"ev_{k}": v for k, v in event.items()}
            params |= {"b_id": notice.ack_id, "b_notice": notice_id, "b_person": pid}
            params |= {"b_at": now, "b_channel": CHANNEL, "b_campaign": notice.campaign_id}
            await conn.execute(_ACK_ALL, params)
            await conn.commit()

    return await run_pool(len(ids), press)


REST_OF_TURN = 0.005  # seconds a turn spends in the database after its audit append


async def append_only_phase(app: App, n: int) -> tuple[float, float]:
    """Transactions that append an audit event and then do 5 ms more of database work
    (pg_sleep) before committing, 50 at a time: with the old append (the head row locked
    until commit, reproduced on scratch tables) and with `audit.append`. (old/s, new/s)"""
    async with app.engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE bench_head (id int PRIMARY KEY, last_seq bigint, last_hash text)")
        )
        await conn.execute(text("INSERT INTO bench_head VALUES (1, 0, :g)"), {"g": audit.GENESIS})
        await conn.execute(
            text(
                "CREATE TABLE bench_event (id serial PRIMARY KEY, seq bigint UNIQUE, "
                "payload json, hash text)"
            )
        )
    now = datetime.now(UTC)

    async def old(i: int) -> None:
        async with app.engine.connect() as conn:
            head = (
                await conn.execute(
                    text("SELECT last_seq, last_hash FROM bench_head WHERE id = 1 FOR UPDATE")
                )
            ).one()
            digest = audit.legacy_hash(head.last_hash, _Legacy(head.last_seq + 1, now, i))
            await conn.execute(
                text("INSERT INTO bench_event (seq, payload, hash) VALUES (:s, :p, :h)"),
                {"s": head.last_seq + 1, "p": json.dumps({"i": i}), "h": digest},
            )
            await conn.execute(
                text("UPDATE bench_head SET last_seq = :s, last_hash = :h WHERE id = 1"),
                {"s": head.last_seq + 1, "h": digest},
            )
            await conn.execute(text("SELECT pg_sleep(:t)"), {"t": REST_OF_TURN})
            await conn.commit()

    async def new(i: int) -> None:
        async with app.sessionmaker() as session:
            await audit.append(
                session, at=now, actor="bench", kind="bench", subject="s", payload={"i": i}
            )
            await session.execute(text("SELECT pg_sleep(:t)"), {"t": REST_OF_TURN})
            await session.commit()

    old_wall, _ = await run_pool(n, old)
    new_wall, _ = await run_pool(n, new)
    return n / old_wall, n / new_wall


class _Legacy:
    """Just enough of an AuditEvent for audit.legacy_hash."""

    def __init__(self, seq: int, at: datetime, i: int) -> None:
        self.seq, self.at, self.actor, self.kind, self.subject = seq, at, "bench", "bench", "s"
        self.payload = {"i": i}


class Counter:
    """Statements and transactions sent on an engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.commits = 0
        self.rollbacks = 0
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._stmt)
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "rollback", self._rollback)

    def _stmt(self, *_a: Any) -> None:
        self.statements += 1

    def _commit(self, *_a: Any) -> None:
        self.commits += 1

    def _rollback(self, *_a: Any) -> None:
        self.rollbacks += 1


async def sequencer(app: App, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await seal_pending(app)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1)


# --- worker processes --------------------------------------------------------------------


async def worker_main(url: str, notice_id: int, first: int, last: int, start_at: float) -> None:
    app = open_app(url)
    try:
        async with app.engine.connect() as conn:  # warm the pool's first connection
            await conn.execute(text("SELECT 1"))
        await press_all(app, notice_id, range(first, first))  # the dispatcher built
        settle_heap()  # as `muster run` does once started
        await asyncio.sleep(max(0.0, start_at - time.time()))
        began = time.time()
        wall, lat = await press_all(app, notice_id, range(first, last + 1))
        print(
            json.dumps(
                {
                    "began": began,
                    "ended": began + wall,
                    "n": len(lat),
                    "p50": pct(lat, 0.5),
                    "p99": pct(lat, 0.99),
                }
            ),
            flush=True,
        )
    finally:
        await app.close()


def spawn(
    url: str, notice_id: int, ranges: list[tuple[int, int]]
) -> tuple[float, list[dict[str, Any]]]:
    """Start one worker per range at the same moment; (aggregate presses/s, their reports)."""
    start_at = time.time() + 4  # imports and the first connection take a moment
    procs = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                __file__,
                "--worker",
                url,
                str(notice_id),
                str(a),
                str(b),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for a, b in ranges
    ]
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed ({proc.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    total = sum(r["n"] for r in reports)
    wall = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    return total / wall, reports


# --- main --------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> None:
    n = args.people
    url = await scratch_pg(args.pg, DB)
    try:
        t0 = time.perf_counter()
        notices = await load(url, n)
        print(f"setup: {n} people, 4 notices to all of them ({time.perf_counter() - t0:.1f} s)")
        app = open_app(url)
        # the baseline and the floor: plain statements on a pool that does not ping at
        # checkout (the app's pool does, pool_pre_ping: a round trip per group of presses)
        plain = make_engine(url, pool_size=POOL, max_overflow=0, pool_pre_ping=False)
        stop = asyncio.Event()
        seq_task = asyncio.create_task(sequencer(app, stop))
        try:
            counter = Counter(app.engine)
            # warm up: the first presses compile statements and fill the pool
            await press_all(app, notices[0], range(1, 51))
            settle_heap()  # as `muster run` does once started
            before = (counter.statements, counter.commits, counter.rollbacks)
            profile = cProfile.Profile() if args.profile else None
            if profile:
                profile.enable()
            cpu0 = time.process_time()
            wall, lat = await press_all(app, notices[0], range(51, n + 1))
            cpu = time.process_time() - cpu0
            if profile:
                profile.disable()
                profile.dump_stats(args.profile)
            presses = n - 50
            stmts = (counter.statements - before[0]) / presses
            commits = (counter.commits - before[1]) / presses
            rate = presses / wall
            await baseline(plain, CONCURRENCY)  # its pool's connections opened
            cpu_b = time.process_time()
            base_wall, base_lat = await baseline(plain, presses)
            base_rate = presses / base_wall
            base_cpu = time.process_time() - cpu_b
            cpu1 = time.process_time()
            floor_wall, floor_lat = await floor(plain, notices[3], range(1, n + 1))
            floor_rate = n / floor_wall
            floor_cpu = time.process_time() - cpu1
            print(
                f"in process, {presses} presses, {CONCURRENCY} at a time: {rate:.0f} presses/s, "
                f"p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms"
            )
            print(
                f"baseline (INSERT + COMMIT per press): {base_rate:.0f}/s, "
                f"p50 {pct(base_lat, 0.5) * 1000:.0f} ms, p99 {pct(base_lat, 0.99) * 1000:.0f} ms"
            )
            print(f"ratio presses/s / baseline: {rate / base_rate:.2f}  (goal >= 0.8)")
            print(
                f"floor (one transaction a press, its statements alone): {floor_rate:.0f}/s, "
                f"p50 {pct(floor_lat, 0.5) * 1000:.0f} ms, "
                f"p99 {pct(floor_lat, 0.99) * 1000:.0f} ms; "
                f"floor / baseline {floor_rate / base_rate:.2f}, "
                f"presses / floor {rate / floor_rate:.2f}"
            )
            print(
                f"this process's CPU per press: {cpu / presses * 1000:.1f} ms through the engine, "
                f"{floor_cpu / n * 1000:.1f} ms for the floor, "
                f"{base_cpu / presses * 1000:.1f} ms for the baseline's INSERT + COMMIT"
            )
            print(
                f"per press: {stmts:.1f} statements, {commits:.2f} commits "
                f"(sequencer included), {cpu / presses * 1000:.1f} ms of this process's CPU "
                f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
            )
            one, [r1] = spawn(url, notices[1], [(1, n)])
            print(
                f"1 process:  {one:.0f} presses/s (p50 {r1['p50'] * 1000:.0f} ms, "
                f"p99 {r1['p99'] * 1000:.0f} ms)"
            )
            half = n // 2
            two, reports = spawn(url, notices[2], [(1, half), (half + 1, n)])
            p99s = ", ".join(f"{r['p99'] * 1000:.0f}" for r in reports)
            print(f"2 processes: {two:.0f} presses/s together (p99 {p99s} ms)")
            print(f"ratio two / one: {two / one:.2f}  (goal >= 1.7)")
            old_rate, new_rate = await append_only_phase(app, args.appends)
            print(
                f"audit append + {REST_OF_TURN * 1000:.0f} ms more work per transaction, "
                f"{CONCURRENCY} at a time: head locked until commit (before) {old_rate:.0f}/s, "
                f"lock-free append {new_rate:.0f}/s, ratio {new_rate / old_rate:.1f}"
            )
        finally:
            stop.set()
            await seq_task
            await plain.dispose()
        await seal_pending(app)
        async with app.sessionmaker() as s:
            acks = (
                await s.execute(
                    select(NoticeAck.notice_id, func.count()).group_by(NoticeAck.notice_id)
                )
            ).all()
            assert sorted(c for _, c in acks) == [n, n, n, n], acks
            report = await audit.check(s, KEY.encode())
        print(
            f"check: {n} acknowledgments per notice; audit chain "
            f"{'intact' if report.intact else 'BROKEN'}: {report.chained} events chained, "
            f"{report.pending} pending, {report.evidence} evidence rows cross-checked"
        )
        await app.close()
    finally:
        if not args.keep:
            await drop_pg(args.pg, DB)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, notice, first, last, start_at = sys.argv[2:7]
        asyncio.run(worker_main(url, int(notice), int(first), int(last), float(start_at)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("MUSTER_BENCH_PG", DEFAULT_PG))
    # phases of a second or two (2,000 or 5,000 people) were too short to measure steadily
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--appends", type=int, default=1000, help="transactions per variant")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the in-process presses")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
