"""`muster run --webhook`: the secret token header decides 401 or 200; `muster run` refusals.

The webhook tests run once per adapter (aiogram, python-telegram-bot): both answer 401.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import test_utils as aiohttp_test

from bot.channels.base import Rejected
from bot.channels.common import TelegramAdapter
from bot.channels.telegram_aiogram import AiogramChannel
from bot.channels.telegram_ptb import PtbChannel
from bot.cli import main
from bot.config import Settings
from bot.conversation import NotHandled
from bot.core import Incoming, Kind, Reply
from tests.e2e.botapi_stub import BotApiStub
from tests.test_channel_aiogram import FakeConversation

SECRET = "s3cret_Token-42"
HOOK_URL = "https://muster.example.org/tg/hook"
UPDATE = {
    "update_id": 501,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "text": "/help",
        "chat": {"id": 4242, "type": "private"},
        "from": {"id": 4242, "is_bot": False, "first_name": "张三"},
    },
}


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


@pytest.fixture(params=[AiogramChannel, PtbChannel], ids=["aiogram", "ptb"])
def adapter(request: pytest.FixtureRequest) -> type[TelegramAdapter]:
    return request.param  # type: ignore[no-any-return]


def _client_closed(channel: TelegramAdapter) -> bool:
    if isinstance(channel, PtbChannel):
        return not channel.application.running and channel.bot.request._client.is_closed
    assert isinstance(channel, AiogramChannel)
    return channel.bot.session._session is None or channel.bot.session._session.closed


@pytest.fixture
async def hook(
    api: BotApiStub,
    adapter: type[TelegramAdapter],
) -> AsyncIterator[tuple[aiohttp_test.TestClient, FakeConversation]]:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///unused.db",
        telegram_token="123456:TEST-token",
        telegram_api_url=api.url,
        webhook_url=HOOK_URL,
        webhook_secret=SECRET,
        _env_file=None,
    )
    conversation = FakeConversation([Reply("帮助")])
    channel = adapter(settings, conversation)  # type: ignore[arg-type]
    server = aiohttp_test.TestServer(channel.webhook_app(), host="127.0.0.1")
    async with aiohttp_test.TestClient(server) as client:
        yield client, conversation


async def test_webhook_is_registered_with_the_secret(
    hook: tuple[aiohttp_test.TestClient, FakeConversation], api: BotApiStub
) -> None:
    assert [c.method for c in api.calls] == ["getMe", "setWebhook"]  # with either library
    [call] = api.of("setWebhook")
    assert call.params["url"] == HOOK_URL
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {"message", "callback_query"}


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}])
async def test_update_without_the_right_secret_is_refused(
    hook: tuple[aiohttp_test.TestClient, FakeConversation],
    api: BotApiStub,
    headers: dict[str, str],
) -> None:
    client, conversation = hook
    resp = await client.post("/tg/hook", json=UPDATE, headers=headers)
    assert resp.status == 401
    assert conversation.events == []


async def test_update_with_the_secret_is_handled(
    hook: tuple[aiohttp_test.TestClient, FakeConversation], api: BotApiStub
) -> None:
    client, conversation = hook
    resp = await client.post(
        "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert resp.status == 200
    [sent] = await api.wait_for("sendMessage")
    assert sent.params["text"] == "帮助"
    [event] = conversation.events
    assert (event.kind, event.name, event.event_id) == (Kind.COMMAND, "help", "501")


async def test_other_paths_are_not_served(
    hook: tuple[aiohttp_test.TestClient, FakeConversation],
) -> None:
    client, _ = hook
    resp = await client.post("/", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert resp.status == 404


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MUSTER_* variables and no .env file: what a fresh shell has."""
    for key in list(os.environ):
        if key.startswith("MUSTER_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


@pytest.mark.usefixtures("bare_env")
def test_run_without_token_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "muster: 没有设置 MUSTER_TELEGRAM_TOKEN（@BotFather 给的令牌）。"


@pytest.mark.usefixtures("bare_env")
def test_webhook_mode_needs_url_and_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_TELEGRAM_TOKEN", "123456:TEST-token")
    assert main(["run", "--webhook"]) == 2
    assert "MUSTER_WEBHOOK_URL" in capsys.readouterr().err
    monkeypatch.setenv("MUSTER_WEBHOOK_URL", HOOK_URL)
    assert main(["run", "--webhook"]) == 2
    assert "MUSTER_WEBHOOK_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("MUSTER_WEBHOOK_SECRET", "has spaces!")
    assert main(["run", "--webhook"]) == 2
    assert "MUSTER_WEBHOOK_SECRET 只能用 1–256 个" in capsys.readouterr().err


@pytest.mark.usefixtures("bare_env")
def test_unknown_channel_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_TELEGRAM_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("MUSTER_CHANNEL", "xyz")
    assert main(["run"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("muster: 配置有误：MUSTER_CHANNEL:")
    assert "'aiogram' or 'ptb'" in line
    with pytest.raises(SystemExit) as exited:  # argparse: --channel names its choices
        main(["run", "--channel", "xyz"])
    assert exited.value.code == 2
    assert "无效的选择：'xyz'（可选：" in capsys.readouterr().err


@pytest.mark.usefixtures("bare_env")
@pytest.mark.parametrize("channel", ["aiogram", "ptb"])
def test_run_refuses_an_empty_database_with_either_channel(
    channel: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_TELEGRAM_TOKEN", "123456:TEST-token")
    assert main(["run", "--channel", channel]) == 3
    assert "muster db upgrade" in capsys.readouterr().err


@pytest.mark.usefixtures("bare_env")
def test_run_refuses_an_empty_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_TELEGRAM_TOKEN", "123456:TEST-token")
    assert main(["run"]) == 3
    assert "muster db upgrade" in capsys.readouterr().err


async def test_refused_webhook_registration_stops_the_server(
    api: BotApiStub, adapter: type[TelegramAdapter]
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///unused.db",
        telegram_token="123456:TEST-token",
        telegram_api_url=api.url,
        webhook_url="http://muster.example.org/tg/hook",
        webhook_secret=SECRET,
        _env_file=None,
    )
    api.fail(
        "setWebhook",
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook",
        },
    )
    channel = adapter(settings, FakeConversation())  # type: ignore[arg-type]
    with pytest.raises(Rejected, match="(?i)HTTPS url must be provided"):
        await channel.run_webhook(handle_signals=False)
    assert _client_closed(channel)


class DownConversation(FakeConversation):
    """The database stays unreachable: the update cannot be handled."""

    async def handle(self, event: Incoming) -> list[Reply]:
        self.events.append(event)
        raise NotHandled("connection is closed")


async def test_an_update_not_handled_is_not_acknowledged(
    api: BotApiStub, adapter: type[TelegramAdapter]
) -> None:
    """No 200 before the update is handled: a 500 makes Telegram deliver it again."""
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///unused.db",
        telegram_token="123456:TEST-token",
        telegram_api_url=api.url,
        webhook_url=HOOK_URL,
        webhook_secret=SECRET,
        _env_file=None,
    )
    conversation = DownConversation()
    channel = adapter(settings, conversation)  # type: ignore[arg-type]
    server = aiohttp_test.TestServer(channel.webhook_app(), host="127.0.0.1")
    async with aiohttp_test.TestClient(server) as client:
        resp = await client.post(
            "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert resp.status == 500
        assert len(conversation.events) == 1
    assert api.of("sendMessage") == []


async def test_the_200_comes_after_the_update_was_handled(
    hook: tuple[aiohttp_test.TestClient, FakeConversation], api: BotApiStub
) -> None:
    client, conversation = hook
    resp = await client.post(
        "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert resp.status == 200
    assert len(conversation.events) == 1  # already, without waiting
    assert [c.params["text"] for c in api.of("sendMessage")] == ["帮助"]
