"""Benchmark: a notice to 2,000 open web chat streams, and how streams are woken.

Three processes on one PostgreSQL database, as a deployment runs them:

- **web**: the chat routes (bot.web.chat) on the shared web server, holding the streams;
- **clients**: 2,000 browsers, each following its account's log over Server-Sent Events
  (resumed from the current position, as a reconnecting page does);
- **worker** (this process): sends a notice to all 2,000 people through the notices
  service and runs the outbox sender with the web channel, which appends to the logs.

Printed for each run:

- **baseline** (no stream open): from sending the notice until the sender has written
  it to all 2,000 logs;
- for each wake-up mode, with 2,000 streams open: the time until the last stream has the
  message, the time the sender took in that run, the wake-up delay of each stream (its
  arrival minus the moment its log row was written: median and max), the ratio last
  stream / baseline, and the web process's memory per open stream (RSS growth while the
  streams opened, divided by 2,000).

Wake-up modes (how a stream held by the web process learns that the worker appended):

- `notify` (what Muster does): PostgreSQL NOTIFY at the append's commit, one LISTEN
  connection per web process (bot.channels.webchat.LogWatcher);
- `poll`: the web process reads new log rows every 0.5 s (one query per process);
- `redis`: the worker publishes each append on Redis, the web process subscribes;
- `stream-poll` (how the first version worked): every stream reads its own log every
  0.5 s (2,000 streams: 4,000 queries a second).

    .venv/bin/python bench/bench_webchat.py                       # all modes, 2,000 streams
    .venv/bin/python bench/bench_webchat.py --streams 500 --modes notify,poll
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench.common import DEFAULT_PG, add_auxiliaries, drop_pg, scratch_pg  # noqa: E402
from bot.actor import Actor  # noqa: E402
from bot.app import App  # noqa: E402
from bot.channels.webchat import LogWatcher, WebChannel  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services.notices import Composed  # noqa: E402
from bot.web.chat import COOKIE, chat_routes  # noqa: E402
from bot.web.server import WebServer  # noqa: E402
from scheduled.sender import OutboxSender  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Outbox, OutboxStatus  # noqa: E402
from storage.models_webchat import WebchatMessage, WebchatSession  # noqa: E402

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DB = "muster_bench_webchat"
MODES = ("notify", "redis", "poll", "stream-poll")
POLL = 0.5  # seconds, as the first version polled
REDIS_CHANNEL = "muster_webchat_bench"
KEY = "bench-audit-key-not-a-secret-0123"
MARK = "BENCH-NOTICE"
TIMEOUT = 300.0


def settings_for(url: str, port: int = 0) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        audit_key=KEY,
        quiet_hours="off",
        notice_approval_over=10_000_000,  # measures the wake-ups, not the approval step
        web_listen=f"127.0.0.1:{port or 8080}",
        _env_file=None,
    )


def open_app(url: str, pool: int = 20) -> App:
    return App(
        settings_for(url), make_engine(url, pool_size=pool, max_overflow=pool), SystemClock()
    )


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- setting up ---------------------------------------------------------------------------


async def load(url: str, people: int) -> list[str]:
    """`people` auxiliaries, each bound to a web account with a live device session;
    returns their session cookies."""
    engine = make_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    tokens = [secrets.token_urlsafe(32) for _ in range(people)]
    async with engine.begin() as conn:
        await add_auxiliaries(
            conn,
            people,
            now,
            unit="城关派出所",
            channel="web",
            employee_no=lambda i: f"W{i - 1:05d}",
            name=lambda i: f"辅警{i - 1:05d}",
            external_id=lambda i: f"wbench{i - 1:05d}",
            post="巡逻辅警",
            post_duties="协助民警开展巡逻防控",
        )
        await conn.execute(
            WebchatSession.__table__.insert(),
            [
                {
                    "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    "external_id": f"wbench{i:05d}",
                    "csrf": "x",
                    "created_at": now,
                    "expires_at": now + timedelta(days=30),
                }
                for i, token in enumerate(tokens)
            ],
        )
    await engine.dispose()
    return tokens


# --- the web process ----------------------------------------------------------------------


class BenchWatcher(LogWatcher):
    """The wake-ups Muster does not use, for comparison."""

    def __init__(self, app: App, mode: str, redis_url: str) -> None:
        super().__init__(app.engine)
        self.app, self.mode, self.redis_url = app, mode, redis_url
        self._task: asyncio.Task[None] | None = None

    def _start(self) -> None:
        if self._task is None:
            run = {"poll": self._poll, "redis": self._redis, "stream-poll": self._every}
            self._task = asyncio.create_task(run[self.mode]())

    async def _poll(self) -> None:
        async with self.app.sessionmaker() as session:
            last = int(await session.scalar(select(func.max(WebchatMessage.id))) or 0)
        while True:
            await asyncio.sleep(POLL)
            async with self.app.sessionmaker() as session:
                rows = (
                    await session.execute(
                        select(WebchatMessage.id, WebchatMessage.external_id).where(
                            WebchatMessage.id > last
                        )
                    )
                ).all()
            for row_id, external_id in rows:
                last = max(last, row_id)
                self.notify(external_id)

    async def _redis(self) -> None:
        import redis.asyncio as redis  # noqa: PLC0415

        client = redis.from_url(self.redis_url)
        pubsub = client.pubsub()
        await pubsub.subscribe(REDIS_CHANNEL)
        async for message in pubsub.listen():
            if message["type"] == "message":
                self.notify(message["data"].decode())

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(POLL)
            self.notify_all()  # each stream reads its log, as each polled on its own


async def serve(url: str, port: int, mode: str, redis_url: str) -> None:
    raise_fd_limit()
    app = open_app(url)
    app.settings = settings_for(url, port)
    channel = WebChannel(app)
    if mode != "notify":
        channel.watcher = BenchWatcher(app, mode, redis_url)
    server = WebServer(f"127.0.0.1:{port}")
    server.mount("web", chat_routes(app, channel))
    await server.start()
    print("READY", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop()
    await app.close()


# --- the clients process ------------------------------------------------------------------


async def follow_all(port: int, tokens: list[str], last: int) -> None:
    """Open one stream per token; say OPEN when all are; then ARRIVED with each arrival."""
    raise_fd_limit()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        opened = 0
        all_open = asyncio.Event()
        arrivals: dict[str, float] = {}

        async def follow(token: str) -> None:
            nonlocal opened
            headers = {"Cookie": f"{COOKIE}={token}", "Last-Event-ID": str(last)}
            async with http.get(
                f"http://127.0.0.1:{port}/chat/api/events", headers=headers
            ) as resp:
                assert resp.status == 200, resp.status
                await resp.content.readline()  # the first keep-alive: the stream waits
                opened += 1
                if opened == len(tokens):
                    all_open.set()
                async for line in resp.content:
                    if line.startswith(b"data: ") and MARK.encode() in line:
                        arrivals[token] = time.time()
                        return

        tasks = [asyncio.create_task(follow(t)) for t in tokens]
        await all_open.wait()
        print("OPEN", flush=True)
        await asyncio.wait(tasks, timeout=TIMEOUT)
        print("ARRIVED " + json.dumps(arrivals), flush=True)
        for task in tasks:
            task.cancel()


# --- the worker: one run --------------------------------------------------------------


async def send_notice(app: App, title: str, redis_url: str | None) -> tuple[float, float]:
    """Send a notice to everyone and deliver it; (start, end) wall times of the whole."""
    channel = WebChannel(app)
    if redis_url:
        import redis.asyncio as redis  # noqa: PLC0415

        client = redis.from_url(redis_url)
        local = channel.watcher.notify
        pending: set[asyncio.Task[Any]] = set()

        def publish(external_id: str) -> None:
            local(external_id)
            task = asyncio.ensure_future(client.publish(REDIS_CHANNEL, external_id))
            pending.add(task)
            task.add_done_callback(pending.discard)

        channel.watcher.notify = publish  # type: ignore[method-assign]
    sender = OutboxSender.for_app(app, [channel])
    start = time.time()
    async with app.unit_of_work() as svc:
        await svc.notices.send(
            Actor.cli(), Composed(audience="all", text=f"通知 {title}\n{title} 请查收。")
        )
    await sender.run_until_idle()
    end = time.time()
    async with app.sessionmaker() as session:
        sent = await session.scalar(
            select(func.count()).where(Outbox.kind == "notice", Outbox.status == OutboxStatus.SENT)
        )
    if redis_url:
        await asyncio.gather(*pending)
        await client.aclose()
    await channel.close()
    print(f"  sender: {sent} notice rows sent so far", flush=True)
    return start, end


async def log_times(app: App, title: str) -> dict[str, float]:
    """When each account's log row of the notice `title` was written."""
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(WebchatMessage.external_id, WebchatMessage.created_at).where(
                text("payload::text LIKE :t")
            ),
            {"t": f"%{title}%"},
        )
        return {ext: at.timestamp() for ext, at in rows.all()}


async def tokens_by_account(app: App, tokens: list[str]) -> dict[str, str]:
    by_hash = {hashlib.sha256(t.encode()).hexdigest(): t for t in tokens}
    async with app.sessionmaker() as session:
        rows = await session.execute(select(WebchatSession.token_hash, WebchatSession.external_id))
        return {by_hash[h]: ext for h, ext in rows.all() if h in by_hash}


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this script
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def wait_line(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"process ended before {prefix}")
        if line.startswith(prefix):
            return line.strip()


async def run_mode(
    app: App, url: str, mode: str, tokens: list[str], redis_url: str, baseline: float
) -> dict[str, Any]:
    port = 20000 + os.getpid() % 20000
    web = spawn(
        "--role", "web", "--url", url, "--port", str(port), "--mode", mode, "--redis", redis_url
    )
    try:
        wait_line(web, "READY")
        await asyncio.sleep(1.0)  # settle before measuring memory
        before = rss_kb(web.pid)
        async with app.sessionmaker() as session:
            last = int(await session.scalar(select(func.max(WebchatMessage.id))) or 0)
        path = Path(f"/tmp/bench_webchat_tokens_{os.getpid()}.json")
        await asyncio.to_thread(path.write_text, json.dumps(tokens))
        clients = spawn(
            "--role", "clients", "--port", str(port), "--tokens", str(path), "--last", str(last)
        )
        await asyncio.to_thread(wait_line, clients, "OPEN")
        await asyncio.sleep(2.0)  # what the open streams cost at rest
        after = rss_kb(web.pid)
        title = f"{MARK}-{mode}"
        start, end = await send_notice(app, title, redis_url if mode == "redis" else None)
        line = await asyncio.to_thread(wait_line, clients, "ARRIVED ")
        arrivals: dict[str, float] = json.loads(line[len("ARRIVED ") :])
        clients.wait(timeout=30)
        written = await log_times(app, title)
        accounts = await tokens_by_account(app, tokens)
        delays = [at - written[accounts[t]] for t, at in arrivals.items()]
        last_at = max(arrivals.values()) if arrivals else float("nan")
        return {
            "mode": mode,
            "streams": len(tokens),
            "arrived": len(arrivals),
            "last_s": last_at - start,
            "sender_s": end - start,
            "delay_p50_ms": statistics.median(delays) * 1000 if delays else float("nan"),
            "delay_max_ms": max(delays) * 1000 if delays else float("nan"),
            "ratio": (last_at - start) / baseline,
            "kb_per_stream": (after - before) / len(tokens),
        }
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=60)
        except subprocess.TimeoutExpired:
            web.kill()


async def bench(args: argparse.Namespace) -> None:
    url = await scratch_pg(args.pg, DB)
    try:
        print(f"loading {args.streams} people with web accounts ...", flush=True)
        tokens = await load(url, args.streams)
        app = open_app(url)
        await send_notice(app, "warm-up", None)  # warm the caches and the code paths
        results = []
        for mode in args.modes.split(","):
            # the baseline right before each mode: the machine's load drifts over a run
            start, end = await send_notice(app, f"baseline-{mode}", None)
            baseline = end - start
            print(
                f"baseline: the notice written to {args.streams} logs, no stream open: "
                f"{baseline:.2f} s",
                flush=True,
            )
            print(f"mode {mode}: {args.streams} streams ...", flush=True)
            result = await run_mode(app, url, mode, tokens, args.redis, baseline)
            result["baseline_s"] = baseline
            results.append(result)
            r = result
            print(
                f"  {mode}: last stream after {r['last_s']:.2f} s ({r['arrived']}/"
                f"{r['streams']} arrived; sender {r['sender_s']:.2f} s), ratio "
                f"{r['ratio']:.2f}; wake-up delay p50 {r['delay_p50_ms']:.0f} ms, max "
                f"{r['delay_max_ms']:.0f} ms; {r['kb_per_stream']:.1f} KB per stream",
                flush=True,
            )
        await app.close()
        print(json.dumps(results, indent=1))
    finally:
        if not args.keep:
            await drop_pg(args.pg, DB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=("bench", "web", "clients"), default="bench")
    parser.add_argument("--pg", default=os.environ.get("MUSTER_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--redis", default=os.environ.get("MUSTER_TEST_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--url")
    parser.add_argument("--port", type=int)
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--tokens", type=Path)
    parser.add_argument("--last", type=int, default=0)
    args = parser.parse_args()
    if args.role == "web":
        asyncio.run(serve(args.url, args.port, args.mode, args.redis))
    elif args.role == "clients":
        asyncio.run(follow_all(args.port, json.loads(args.tokens.read_text()), args.last))
    else:
        asyncio.run(bench(args))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
