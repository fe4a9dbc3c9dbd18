"""Muster's web chat running in-process as `muster run` runs it with MUSTER_CHANNELS=web:
the chat routes on the one web server (a real TCP port), and the outbox sender delivering
through the web channel into the accounts' message logs. People are WebChatUsers: each a
browser of its own (cookie jar) driving the page's HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from bot.actor import Actor
from bot.app import App
from bot.channels.webchat import WebChannel
from bot.web.chat import chat_routes
from bot.web.server import WebServer
from scheduled.deadlines import TickReport
from scheduled.jobs import run_tick
from scheduled.sender import run_sender
from storage.models_webchat import WebchatSession
from tests.e2e.web_client import WebChatUser


class WebBot:
    """The `bot` fixture's object over the web chat: the same API as conftest's RunningBot."""

    channel_name = "web"
    markup = "HTML"  # the page renders the same Telegram-HTML subset
    answers_buttons = True  # every press is answered (its toast, if any)

    def __init__(self, app: App, channel: WebChannel, url: str) -> None:
        self.app = app
        self.channel = channel
        self.clock = app.clock
        self.url = url
        self.users: list[WebChatUser] = []

    def shown(self, html: str) -> str:
        """What the person sees of the bot's `html` (the page renders it)."""
        return html

    async def tick(self) -> TickReport:
        return await run_tick(self.app)

    def user(self, first_name: str = "张三", **_telegram_only: str) -> WebChatUser:
        """A new phone opening the chat link (the web knows no name or language code)."""
        del first_name
        user = WebChatUser(self.url, self._account_of)
        self.users.append(user)
        return user

    async def _account_of(self, token: str) -> str:
        async with self.app.sessionmaker() as session:
            row = await session.get(WebchatSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None
        return row.external_id

    async def issue_code(self, employee_no: str) -> str:
        async with self.app.unit_of_work() as svc:
            [issued] = await svc.registration.issue_codes(Actor.cli(), employee_no=employee_no)
        return issued.code

    async def check_html(self) -> None:
        """Entries were checked as the page showed them (WebChatUser._show)."""


@asynccontextmanager
async def web_bot(app: App) -> AsyncIterator[WebBot]:
    """The web chat on a free local port, with the outbox sender beside it."""
    channel = WebChannel(app)
    server = WebServer("127.0.0.1:0")
    # The simulated people tap as fast as the machine runs; a person takes a second or more
    # per tap, so the rate limit's clock moves a second per post (its burst and refusal are
    # tested with a clock of their own in tests/test_webchat.py). Real time would make the
    # web runs of long flows (a quiz) wait a second per tap.
    human_pace = itertools.count(0.0, 1.0)
    server.mount("web", chat_routes(app, channel, monotonic=lambda: next(human_pace)))
    http_server = TestServer(server.app, host="127.0.0.1")
    await http_server.start_server()
    sender = asyncio.create_task(run_sender(app, [channel]))
    bot = WebBot(app, channel, str(http_server.make_url("")).rstrip("/"))
    try:
        yield bot
    finally:
        for user in bot.users:
            await user.close()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await http_server.close()
        await channel.close()
