"""One HTTP server for everything: the Telegram webhook (either library) and the console
mount on one aiohttp app as route providers; MUSTER_CHANNELS picks the channels."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import test_utils as aiohttp_test
from aiohttp import web

from bot.app import App
from bot.channels.common import TelegramAdapter
from bot.channels.telegram_aiogram import AiogramChannel
from bot.channels.telegram_ptb import PtbChannel
from bot.cli.run import channel_names
from bot.config import Settings
from bot.core import Reply
from bot.web.console import console_routes
from bot.web.server import WebServer, sub_app
from tests.e2e.botapi_stub import BotApiStub
from tests.test_channel_aiogram import FakeConversation
from tests.test_webhook import HOOK_URL, SECRET, UPDATE

ROOT = Path(__file__).resolve().parents[1]


def _settings(**kw: object) -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///unused.db", _env_file=None, **kw)  # type: ignore[call-arg]


@pytest.fixture(params=[AiogramChannel, PtbChannel], ids=["aiogram", "ptb"])
def adapter(request: pytest.FixtureRequest) -> type[TelegramAdapter]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


async def test_the_webhook_and_the_console_share_one_server(
    api: BotApiStub, adapter: type[TelegramAdapter], app: App
) -> None:
    settings = _settings(
        telegram_token="123456:TEST-token",
        telegram_api_url=api.url,
        webhook_url=HOOK_URL,
        webhook_secret=SECRET,
    )
    conversation = FakeConversation([Reply("帮助")])
    channel = adapter(settings, conversation)  # type: ignore[arg-type]
    server = WebServer("127.0.0.1:0")
    server.mount("console", console_routes(app))
    server.mount("telegram", sub_app(channel.webhook_app()))
    async with aiohttp_test.TestClient(aiohttp_test.TestServer(server.app)) as client:
        assert [c.method for c in api.calls] == ["getMe", "setWebhook"]  # startup hooks ran
        refused = await client.post("/tg/hook", json=UPDATE)
        assert refused.status == 401
        taken = await client.post(
            "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert taken.status == 200
        await api.wait_for("sendMessage")
        login = await client.get("/console/login")
        assert login.status == 200 and "登录工作台" in await login.text()
    assert server.mounted == ["console", "telegram"]


async def test_a_later_channel_mounts_its_routes_with_one_call() -> None:
    def webchat(root: web.Application) -> None:
        async def hello(_request: web.Request) -> web.Response:
            return web.Response(text="chat")

        root.router.add_get("/chat/", hello)

    server = WebServer("127.0.0.1:0")
    server.mount("webchat", webchat)
    async with aiohttp_test.TestClient(aiohttp_test.TestServer(server.app)) as client:
        assert await (await client.get("/chat/")).text() == "chat"


def test_muster_channels_is_a_comma_list_and_the_old_variable_still_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert channel_names(_settings()) == ["aiogram"]
    assert channel_names(_settings(channels="ptb")) == ["ptb"]
    assert channel_names(_settings(channels=" ")) == []  # web server only: no token needed
    assert channel_names(_settings(channels="ptb"), "aiogram") == ["aiogram"]
    with caplog.at_level(logging.WARNING):
        assert channel_names(_settings(channel="ptb")) == ["ptb"]
    assert "MUSTER_CHANNEL is deprecated" in caplog.text
    with pytest.raises(ValueError, match="one Telegram library"):
        channel_names(_settings(channels="aiogram,ptb"))
    with pytest.raises(ValueError, match="not available"):
        channel_names(_settings(channels="aiogram,fax"))


async def test_muster_run_without_a_telegram_channel_serves_the_console_without_a_token(
    tmp_path: pytest.TempPathFactory,
) -> None:
    import asyncio  # noqa: PLC0415
    import os  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import sys  # noqa: PLC0415

    import aiohttp  # noqa: PLC0415

    from storage.db import make_engine, upgrade  # noqa: PLC0415
    from tests.e2e.test_run_e2e import free_port  # noqa: PLC0415

    folder = Path(str(tmp_path))
    url = f"sqlite+aiosqlite:///{folder / 'muster.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    listen = f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env.update(
        MUSTER_DATABASE_URL=url,
        MUSTER_CHANNELS="",
        MUSTER_WEB_LISTEN=listen,
        MUSTER_AUDIT_KEY="muster-test-audit-key-not-secret",
        MUSTER_HOTLINE_KEY="muster-test-hotline-key-not-secret",
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        status = None
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline and status != 200:
                try:
                    status = (await http.get(f"http://{listen}/console/login")).status
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.2)
        assert status == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert "只运行网页服务" in out.decode()
