"""Muster's WeCom channel running in-process against the fake WeCom server.

Until the shared web server (MUSTER_WEB_LISTEN) exists, the harness mounts the channel's
routes on an aiohttp app of its own, exactly as `bot.channels.wecom.routes.setup` mounts
them on any app, runs the inbox worker beside it and, when asked, the outbox sender (as
`muster run` runs it beside the Telegram adapter).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.actor import Actor
from bot.app import App
from bot.channels.wecom import markup
from bot.channels.wecom.channel import WecomChannel
from bot.channels.wecom.limits import LocalMemberLimits, MemberLimits
from bot.channels.wecom.routes import PATH, wecom_routes
from bot.config import Settings
from scheduled.deadlines import TickReport
from scheduled.jobs import run_tick
from scheduled.sender import run_sender
from tests.e2e import wecom_fake as fk
from tests.e2e.wecom_client import WecomChatUser
from tests.e2e.wecom_fake import FakeWecom, WecomUser


def wecom_settings(settings: Settings, api_url: str, **extra: object) -> Settings:
    """`settings` with the WeCom app of the fake configured."""
    return settings.model_copy(
        update={
            "wecom_corp_id": fk.CORP_ID,
            "wecom_agent_id": fk.AGENT_ID,
            "wecom_secret": _secret(fk.SECRET),
            "wecom_token": _secret(fk.TOKEN),
            "wecom_aes_key": _secret(fk.AES_KEY),
            "wecom_api_url": api_url,
            **extra,
        }
    )


def _secret(value: str) -> object:
    from pydantic import SecretStr  # noqa: PLC0415

    return SecretStr(value)


@dataclass
class Harness:
    app: App
    fake: FakeWecom
    channel: WecomChannel
    callback_url: str
    http: aiohttp.ClientSession
    now: Callable[[], float] = time.time
    worker: asyncio.Task[None] | None = None
    _users: int = field(default=0)

    def user(self, userid: str | None = None) -> WecomUser:
        self._users += 1
        return WecomUser(
            self.http,
            self.fake,
            self.callback_url,
            userid or f"user{self._users:04d}",
            now=self.now,
        )

    def start_worker(self) -> None:
        if self.worker is None:
            self.worker = asyncio.create_task(self.channel.run_worker(poll_interval=0.2))

    async def stop_worker(self) -> None:
        if self.worker is not None:
            self.channel.stop()
            self.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.worker
            self.worker = None
            self.channel._stopping = False  # noqa: SLF001 - a restart in the same test

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the inbox has no unhandled rows (polling with a deadline)."""
        from storage import wecom as inbox  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        while True:
            async with self.app.sessionmaker() as session:
                if await inbox.pending_count(session) == 0:
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the WeCom inbox was not handled in time")
            await asyncio.sleep(0.05)


@asynccontextmanager
async def running(
    base: App,
    *,
    worker: bool = True,
    sender: bool = False,
    limits: MemberLimits | None = None,
    now: Callable[[], float] | None = None,
    monotonic: Callable[[], float] | None = None,
    **settings_extra: object,
) -> AsyncIterator[Harness]:
    """The fake WeCom and Muster's callback routes on free local ports. `monotonic`: one
    stepping clock for the fake's member limits and Muster's."""
    fake = FakeWecom(monotonic=monotonic or time.monotonic)
    if limits is None and monotonic is not None:
        limits = LocalMemberLimits(monotonic=monotonic)
    fake_server = TestServer(fake.app(), host="127.0.0.1")
    await fake_server.start_server()
    settings = wecom_settings(
        base.settings, str(fake_server.make_url("")).rstrip("/"), **settings_extra
    )
    app = App(settings, base.engine, base.clock)
    channel = WecomChannel(settings, app.conversation(), limits=limits)
    web_app = web.Application()
    web_app.add_routes(wecom_routes(channel))
    muster_server = TestServer(web_app, host="127.0.0.1")
    await muster_server.start_server()
    http = aiohttp.ClientSession()
    harness = Harness(
        app,
        fake,
        channel,
        str(muster_server.make_url(PATH)),
        http,
        now=now or (lambda: base.clock.now().timestamp()),
    )
    outbox = asyncio.create_task(run_sender(app, [channel])) if sender else None
    if worker:
        harness.start_worker()
    try:
        yield harness
    finally:
        await harness.stop_worker()
        if outbox is not None:
            outbox.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox
        await http.close()
        await muster_server.close()
        await fake_server.close()
        await channel.close()


class WecomBot:
    """The `bot` fixture's object over WeCom: the same API as conftest's RunningBot."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.app = harness.app
        self.channel = harness.channel
        self.clock = harness.app.clock
        self.fake = harness.fake

    channel_name = "wecom"
    markup = None  # WeCom text has no parse mode: tags are dropped, entities unescaped
    answers_buttons = False  # no toast, no spinner to stop

    def shown(self, html: str) -> str:
        """What the member sees of the bot's `html`."""
        return markup.to_text(html)

    async def tick(self) -> TickReport:
        return await run_tick(self.app)

    def user(self, first_name: str = "张三", **_telegram_only: str) -> WecomChatUser:
        """A new member of the corp opening the app (WeCom knows no language code)."""
        del first_name  # WeCom sends no display name with a message
        return WecomChatUser(self.harness.user())

    async def issue_code(self, employee_no: str) -> str:
        async with self.app.unit_of_work() as svc:
            [issued] = await svc.registration.issue_codes(Actor.cli(), employee_no=employee_no)
        return issued.code


@asynccontextmanager
async def wecom_bot(app: App) -> AsyncIterator[WecomBot]:
    """Muster over WeCom as it runs for real: routes, inbox worker and outbox sender, on
    real time (the app's clock); fails the test if WeCom dropped a message (a limit)."""
    async with running(app, sender=True, now=lambda: app.clock.now().timestamp()) as h:
        await asyncio.wait_for(h.channel.started.wait(), 10)
        yield WecomBot(h)
        assert h.fake.drops == [], f"WeCom dropped messages over its limits: {h.fake.drops}"
