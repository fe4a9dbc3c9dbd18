"""The multi-process deployment as it runs: two `web` processes in webhook mode and one
`worker`, on PostgreSQL and Redis, against a Bot API stand-in (tests/e2e/botapi_stub.py).

The test plays Telegram: it posts every update to one of the web processes in turn (a
round-robin proxy), posts some twice and some to both processes at the same moment, and
delivers again any update that was not answered 200 (as Telegram does). Half-way it kills
one web process with SIGKILL and starts it again; during the notice it kills the worker.

Asserted: every update is handled exactly once (the ledger, the bindings, one greeting per
person), no notice is lost, duplicates only among the outbox ids the restarted worker
logged as possible duplicates, one check-in per person, and `muster audit verify` passes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import SystemClock
from bot.config import Settings
from bot.services.notices import Composed
from storage.models import Assignment, Campaign, ChannelAccount, Outbox, ProcessedUpdate
from tests.e2e.botapi_stub import BotApiStub
from tests.e2e.conftest import PG_URL, TOKEN, _fresh_pg_database
from tests.factories import add_person, make_force

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SECRET = "deploy_Secret-1"
PEOPLE = 200
CHAT0 = 7_000_000
START_TIMEOUT = 180.0  # a process imports aiogram first: long on a busy machine
REDIS_URL = os.environ.get("MUSTER_TEST_REDIS_URL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Deployment:
    """The processes of one deployment, started and killed by the test."""

    def __init__(self, db_url: str, api: BotApiStub, tmp: Path) -> None:
        self.db_url = db_url
        self.api = api
        self.tmp = tmp
        self.ports = [_free_port(), _free_port()]
        self.webs: list[asyncio.subprocess.Process | None] = [None, None]
        self.worker: asyncio.subprocess.Process | None = None
        self.logs: list[Path] = []

    def env(self, port: int | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
        env.update(
            MUSTER_DATABASE_URL=self.db_url,
            MUSTER_TELEGRAM_TOKEN=TOKEN,
            MUSTER_TELEGRAM_API_URL=self.api.url,
            MUSTER_WEBHOOK_URL="https://muster.example.org/tg/hook",
            MUSTER_WEBHOOK_SECRET=SECRET,
            MUSTER_QUIET_HOURS="off",
            MUSTER_AUDIT_KEY="muster-e2e-audit-key-not-secret",
            MUSTER_HOTLINE_KEY="muster-test-hotline-key-not-secret",
            PYTHONPATH=str(ROOT),
        )
        if REDIS_URL:
            env["MUSTER_REDIS_URL"] = REDIS_URL
        if port is not None:
            env["MUSTER_WEB_LISTEN"] = f"127.0.0.1:{port}"
        return env

    async def _spawn(self, *args: str, port: int | None = None) -> asyncio.subprocess.Process:
        log = self.tmp / f"proc-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                *args,
                cwd=self.tmp,
                env=self.env(port),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def start_web(self, i: int) -> None:
        proc = await self._spawn("--webhook", "--role", "web", port=self.ports[i])
        self.webs[i] = proc
        await self._until_listening(self.ports[i], proc)

    async def start_worker(self) -> None:
        self.worker = await self._spawn("--role", "worker")

    async def _until_listening(self, port: int, proc: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                if proc.returncode is not None or loop.time() > deadline:
                    raise AssertionError(
                        f"web process on {port} did not start:\n{self.log_text()[-3000:]}"
                    ) from None
                await asyncio.sleep(0.1)  # a child process starting, not a race in the bot

    @staticmethod
    async def kill(proc: asyncio.subprocess.Process | None) -> None:
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()

    async def stop_all(self) -> None:
        for proc in [*self.webs, self.worker]:
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.webs, self.worker]:
            if proc is not None and proc.returncode is None:
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    await self.kill(proc)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


def _update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "text": text,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": f"用户{chat}"},
        },
    }


async def test_two_web_processes_and_a_worker_handle_everything_exactly_once(
    api: BotApiStub, tmp_path: Path
) -> None:
    if not PG_URL:
        pytest.skip("the deployment runs on PostgreSQL: set MUSTER_TEST_PG_URL")
    db_url = await _fresh_pg_database()
    settings = Settings(  # type: ignore[call-arg]
        database_url=db_url, telegram_token=TOKEN, telegram_api_url=api.url, _env_file=None
    )
    from storage.db import make_engine, upgrade  # noqa: PLC0415

    engine = make_engine(db_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    app = await App.open(settings, clock=SystemClock())
    names: dict[int, str] = {}
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for i in range(PEOPLE):
            person = await add_person(
                svc.session,
                app.clock,
                employee_no=f"D{i:04d}",
                name=f"部署{i:04d}号",
                unit=force.units["城关派出所"],
            )
            names[person.id] = person.name
    async with app.unit_of_work() as svc:
        issued = await svc.registration.issue_codes(Actor.cli(), unit="城关派出所")
    codes = [(c.person.name, c.code) for c in issued if c.person.employee_no.startswith("D")]
    assert len(codes) == PEOPLE

    deploy = Deployment(db_url, api, tmp_path)
    update_ids = itertools.count(1)
    turn = itertools.count()
    try:
        await asyncio.gather(deploy.start_web(0), deploy.start_web(1))
        await deploy.start_worker()
        async with aiohttp.ClientSession() as http:

            async def post(update: dict[str, Any], to: int | None = None) -> None:
                """Deliver like Telegram: again (to the other process) until a 200."""
                target = next(turn) % 2 if to is None else to
                for _ in range(200):
                    url = f"http://127.0.0.1:{deploy.ports[target]}/tg/hook"
                    try:
                        async with http.post(
                            url,
                            json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        ) as resp:
                            if resp.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass  # the process is down: the proxy tries the other one
                    target = 1 - target
                    await asyncio.sleep(0.05)  # Telegram's retry pause, shortened
                raise AssertionError(f"update {update['update_id']} never acknowledged")

            # --- 200 people register; some updates twice, some to both at once ----------
            registrations = []
            for i, (_, code) in enumerate(codes):
                registrations.append(_update(next(update_ids), CHAT0 + i, f"/start {code}"))
            half = len(registrations) // 2

            async def send_batch(batch: list[dict[str, Any]]) -> None:
                jobs = []
                for n, update in enumerate(batch):
                    jobs.append(post(update))
                    if n % 10 == 0:  # delivered twice, to each process at the same moment
                        jobs += [post(update, to=0), post(update, to=1)]
                    if n % 7 == 0:
                        jobs.append(post(update))  # a plain retry
                for i in range(0, len(jobs), 20):
                    await asyncio.gather(*jobs[i : i + 20])

            await send_batch(registrations[:half])
            await deploy.kill(deploy.webs[0])  # kill -9 of a web process mid-way
            restarting = asyncio.create_task(deploy.start_web(0))
            await send_batch(registrations[half:])
            await restarting
            await send_batch(registrations[:20])  # Telegram redelivers some after a restart

        # every update handled once: one ledger row, one binding, one greeting per person
        async with app.sessionmaker() as s:
            ledger = await s.scalar(select(func.count()).select_from(ProcessedUpdate))
            accounts = await s.scalar(
                select(func.count())
                .select_from(ChannelAccount)
                .where(ChannelAccount.unbound_at.is_(None))
            )
        assert ledger == PEOPLE
        assert accounts == PEOPLE
        replies = [c for c in api.of("sendMessage") if int(c.params["chat_id"]) >= CHAT0]
        texts = [str(c.params.get("text", "")) for c in replies]
        assert not [t for t in texts if "已经完成绑定" in t or "出了点问题" in t], texts[:5]
        per_chat = Counter(int(c.params["chat_id"]) for c in replies)
        assert set(per_chat) == {CHAT0 + i for i in range(PEOPLE)}
        greeted = Counter(
            int(c.params["chat_id"]) for c in replies if "主菜单" in str(c.params.get("text"))
        )
        # a second handling of "/start CODE" would show the menu again (or refuse the code)
        assert set(greeted) == set(per_chat)
        assert set(greeted.values()) == {1}, [k for k, v in greeted.items() if v > 1]

        # --- a notice to everyone; the worker is killed half-way and started again ----------
        before = len(api.of("sendMessage"))
        async with app.unit_of_work() as svc:
            await svc.notices.send(
                Actor.cli(), Composed(audience="unit:城关派出所", text="部署测试通知")
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while len(api.of("sendMessage")) - before < PEOPLE // 2:
            assert loop.time() < deadline, "the worker sends nothing"
            await asyncio.sleep(0.1)  # watching the stand-in, as Telegram would
        await deploy.kill(deploy.worker)
        await deploy.start_worker()

        async def unsent() -> int:
            async with app.sessionmaker() as s:
                return int(
                    await s.scalar(
                        select(func.count())
                        .select_from(Outbox)
                        .where(
                            Outbox.ref.like("notice:%"), Outbox.status.in_(["pending", "sending"])
                        )
                    )
                    or 0
                )

        deadline = loop.time() + 120
        while await unsent():
            assert loop.time() < deadline, f"{await unsent()} notice rows never sent"
            await asyncio.sleep(0.2)

        got = Counter(
            int(c.params["chat_id"])
            for c in api.of("sendMessage")
            if "部署测试通知" in str(c.params.get("text", ""))
        )
        bound = {CHAT0 + i for i in range(PEOPLE)}
        assert bound <= set(got)  # no delivery lost
        twice = {chat for chat, n in got.items() if n > 1}
        assert len(twice) <= 8, twice  # at most the calls in flight at the kill
        if twice:
            async with app.sessionmaker() as s:
                rows = await s.execute(
                    select(Outbox.chat_id, Outbox.id).where(Outbox.ref.like("notice:%"))
                )
                ids = {chat: row_id for chat, row_id in rows.all()}
            logged = set(
                re.findall(
                    r"\d+",
                    " ".join(
                        line
                        for line in deploy.log_text().splitlines()
                        if "may arrive twice" in line
                    ),
                )
            )
            for chat in twice:
                assert str(ids[str(chat)]) in logged, (chat, ids[str(chat)])

        # one check-in per person per week, however many processes started
        async with app.sessionmaker() as s:
            weekly = (
                await s.execute(
                    select(Campaign.ref_key, func.count())
                    .where(Campaign.kind == "checkin")
                    .group_by(Campaign.ref_key)
                )
            ).all()
            doubled = await s.scalar(
                select(func.count()).select_from(
                    select(Assignment.person_id)
                    .join(Campaign, Campaign.id == Assignment.campaign_id)
                    .where(Campaign.kind == "checkin")
                    .group_by(Assignment.person_id, Campaign.ref_key)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        assert all(n == 1 for _, n in weekly), weekly
        assert doubled == 0
    finally:
        await deploy.stop_all()
        await app.close()

    verify = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "audit",
        "verify",
        cwd=tmp_path,
        env=deploy.env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await verify.communicate()
    assert verify.returncode == 0, out.decode()
