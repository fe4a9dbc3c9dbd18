"""Browser fixtures: the console on a real TCP port, the outbox sender delivering to a
recording chat channel, and headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright for Python. Screenshots go to $MUSTER_SCREENSHOTS (default: the test's tmp
directory), never into git."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Reply
from bot.web.console import console_routes
from bot.web.server import WebServer
from scheduled.sender import OutboxSender
from storage.db import make_engine, upgrade
from tests.factories import Force, bind_account, make_force

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class ChatPhone:
    """The chat channel of the bound accounts ("test"): records what each chat got.
    `delay` stands for the network: each message takes that long to go out."""

    name: str = "test"
    delay: float = 0.0
    got: dict[str, list[str]] = field(default_factory=dict)

    async def send(self, chat_id: str, reply: Reply) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.got.setdefault(chat_id, []).append(reply.text)
        return str(sum(len(v) for v in self.got.values()))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        return await self.send(chat_id, reply)

    async def wait_for(self, chat_id: str, needle: str, within: float = 15.0) -> str:
        """Poll (with a deadline) until a message containing `needle` reached the chat."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for text in self.got.get(chat_id, []):
                if needle in text:
                    return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"{needle!r} never reached chat {chat_id}: {self.got.get(chat_id)}")


@dataclass
class Console:
    url: str
    app: App
    force: Force
    phone: ChatPhone
    shots: Path

    def chat_of(self, employee_no: str) -> str:
        return f"u{self.force[employee_no].id}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium (.ci/run does)")
    folder = Path(os.environ.get("MUSTER_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def console(tmp_path: Path, shots: Path) -> AsyncIterator[Console]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    listen = f"127.0.0.1:{_free_port()}"
    settings = Settings(  # type: ignore[call-arg]
        database_url=url, web_listen=listen, quiet_hours="off", _env_file=None
    )
    app = App(settings, engine, SystemClock())
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001", "M002", "A001", "A002", "A003"):
            await bind_account(svc.session, app.clock, force[no])
    phone = ChatPhone()
    sender = OutboxSender.for_app(app, [phone])
    sender_task = asyncio.create_task(sender.run())
    server = WebServer(listen)
    server.mount("console", console_routes(app))
    await server.start()
    try:
        yield Console(f"http://{listen}/console", app, force, phone, shots)
    finally:
        await server.stop()
        sender_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender_task
        await engine.dispose()


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright  # noqa: PLC0415

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=FLAGS,  # Playwright gives each launch a fresh profile of its own
        )
        try:
            yield chromium
        finally:
            await chromium.close()
