"""The aiogram adapter against an in-process Bot API stub (no emulator).

Covers what the emulator does not emulate: Telegram's 4096-character limit, 429 flood
waits, 403 blocked users, 5xx and proxy errors, "message is not modified" on edits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import Rejected, RetryAfter, TransientError, Unreachable
from bot.channels.telegram_aiogram import AiogramChannel
from bot.config import Settings
from bot.core import Button, Document, Incoming, Kind, Reply
from tests.e2e.botapi_stub import BotApiStub

CHAT = "4242"


class FakeConversation:
    """Records events and answers with canned replies."""

    def __init__(self, replies: list[Reply] | None = None) -> None:
        self.events: list[Incoming] = []
        self.replies = replies or []

    async def handle(self, event: Incoming) -> list[Reply]:
        self.events.append(event)
        return self.replies


def _settings(api: BotApiStub) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///unused.db",
        telegram_token="123456:TEST-token",
        telegram_api_url=api.url,
        _env_file=None,
    )


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


@pytest.fixture
async def conversation() -> FakeConversation:
    return FakeConversation()


@pytest.fixture
async def channel(
    api: BotApiStub, conversation: FakeConversation
) -> AsyncIterator[AiogramChannel]:
    ch = AiogramChannel(_settings(api), conversation)  # type: ignore[arg-type]
    yield ch
    await ch.bot.session.close()


def _update(update_id: int, **event: Any) -> dict[str, Any]:
    return {"update_id": update_id, **event}


def _message(text: str | None = None, *, chat_type: str = "private", **extra: Any) -> dict:
    msg: dict[str, Any] = {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": int(CHAT), "type": chat_type},
        "from": {"id": int(CHAT), "is_bot": False, "first_name": "张三", "language_code": "zh"},
        **extra,
    }
    if text is not None:
        msg["text"] = text
    return msg


async def test_long_reply_is_split_at_a_paragraph_boundary(
    channel: AiogramChannel, api: BotApiStub
) -> None:
    first = "甲" * 2999
    second = "乙" * 1999
    text = f"{first}\n\n{second}"
    assert len(text) == 5000
    menu = [[Button("« 返回主菜单", "m:home")]]
    message_id = await channel.send(CHAT, Reply(text, buttons=menu))
    sent = api.of("sendMessage")
    assert [c.params["text"] for c in sent] == [first, second]
    assert all(c.params["parse_mode"] == "HTML" for c in sent)
    assert "reply_markup" not in sent[0].params  # buttons only under the last part
    keyboard = sent[1].params["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "« 返回主菜单", "callback_data": "m:home"}]]
    assert message_id == str(101)  # the stub numbers messages from 100


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
            RetryAfter,
        ),
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
            Unreachable,
        ),
        (
            500,
            {"ok": False, "error_code": 500, "description": "Internal Server Error"},
            TransientError,
        ),
        (502, "<html><body>502 Bad Gateway</body></html>", TransientError),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            Rejected,
        ),
    ],
)
async def test_bot_api_errors_become_channel_neutral(
    channel: AiogramChannel, api: BotApiStub, status: int, body: Any, error: type[Exception]
) -> None:
    api.fail("sendMessage", status, body)
    with pytest.raises(error) as caught:
        await channel.send(CHAT, Reply("你好"))
    if error is RetryAfter:
        assert caught.value.retry_after == 7  # type: ignore[attr-defined]
    if error is Unreachable:
        assert "blocked" in caught.value.reason  # type: ignore[attr-defined]


async def test_network_failure_is_transient(api: BotApiStub) -> None:
    settings = _settings(api)
    await api.__aexit__()  # nobody listens on that port any more
    channel = AiogramChannel(settings, FakeConversation())  # type: ignore[arg-type]
    try:
        with pytest.raises(TransientError):
            await channel.send(CHAT, Reply("你好"))
    finally:
        await channel.bot.session.close()


async def test_edit_that_changes_nothing_is_ignored(
    channel: AiogramChannel, api: BotApiStub
) -> None:
    api.fail(
        "editMessageText",
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message is not modified: specified new message content "
            "and reply markup are exactly the same",
        },
    )
    assert await channel.edit(CHAT, "55", Reply("主菜单")) == "55"
    assert api.of("sendMessage") == []


async def test_edit_of_a_vanished_message_sends_a_new_one(
    channel: AiogramChannel, api: BotApiStub
) -> None:
    api.fail(
        "editMessageText",
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message to edit not found",
        },
    )
    new_id = await channel.edit(CHAT, "55", Reply("主菜单", buttons=[[Button("帮助", "m:help")]]))
    [sent] = api.of("sendMessage")
    assert sent.params["text"] == "主菜单"
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "m:help"
    assert new_id != "55"


async def test_edit_without_buttons_removes_the_keyboard(
    channel: AiogramChannel, api: BotApiStub
) -> None:
    await channel.edit(CHAT, "55", Reply("已切换为中文。"))
    [edit] = api.of("editMessageText")
    assert edit.params["message_id"] == "55"
    assert "reply_markup" not in edit.params


async def test_document_goes_out_with_caption_and_buttons(
    channel: AiogramChannel, api: BotApiStub
) -> None:
    reply = Reply(
        "本周台账",
        buttons=[[Button("返回", "m:home")]],
        document=Document("台账.xlsx", b"PK\x03\x04data"),
    )
    await channel.send(CHAT, reply)
    [call] = api.of("sendDocument")
    assert call.files["document"] == ("台账.xlsx", b"PK\x03\x04data")
    assert call.params["caption"] == "本周台账"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "返回"
    assert api.of("sendMessage") == []


async def test_commands_lose_slash_and_bot_name(
    channel: AiogramChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    conversation.replies = [Reply("ok")]
    texts = ["/start@MusterBot ABCD-2345", "/Lang en", "张三", "/start\nXY"]
    for i, text in enumerate(texts, start=1):
        await channel.dispatcher.feed_raw_update(channel.bot, _update(i, message=_message(text)))
    start, lang, plain, newline = conversation.events
    assert (start.kind, start.name, start.arg) == (Kind.COMMAND, "start", "ABCD-2345")
    assert (lang.kind, lang.name, lang.arg) == (Kind.COMMAND, "lang", "en")
    assert (plain.kind, plain.text) == (Kind.TEXT, "张三")
    assert (newline.name, newline.arg) == ("start", "XY")
    assert start.account.channel == "telegram"
    assert start.account.external_user_id == CHAT
    assert start.event_id == "1"
    assert len(api.of("sendMessage")) == 4


async def test_group_messages_are_ignored(
    channel: AiogramChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    update = _update(1, message=_message("/start", chat_type="group"))
    await channel.dispatcher.feed_raw_update(channel.bot, update)
    assert conversation.events == []
    assert api.calls == []


async def test_button_press_answers_with_toast_and_edits(
    channel: AiogramChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    conversation.replies = [Reply("已签署", edit=True, toast="签署成功"), Reply("主菜单")]
    callback = {
        "id": "cb1",
        "chat_instance": "1",
        "data": "pl:s:42",
        "from": {"id": int(CHAT), "is_bot": False, "first_name": "张三"},
        "message": {**_message("请签署承诺书"), "message_id": 31},
    }
    await channel.dispatcher.feed_raw_update(channel.bot, _update(9, callback_query=callback))
    [event] = conversation.events
    assert (event.kind, event.name, event.message_ref) == (Kind.BUTTON, "pl:s:42", "31")
    [answer] = api.of("answerCallbackQuery")
    assert answer.params == {"callback_query_id": "cb1", "text": "签署成功"}
    [edit] = api.of("editMessageText")
    assert (edit.params["message_id"], edit.params["text"]) == ("31", "已签署")
    [sent] = api.of("sendMessage")
    assert sent.params["text"] == "主菜单"
    assert [c.method for c in api.calls] == [
        "answerCallbackQuery",
        "editMessageText",
        "sendMessage",
    ]


async def test_failing_handler_still_answers_the_button(
    channel: AiogramChannel,
    api: BotApiStub,
    conversation: FakeConversation,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(event: Incoming) -> list[Reply]:
        raise RuntimeError("database is on fire")

    conversation.handle = broken  # type: ignore[method-assign]
    callback = {
        "id": "cb2",
        "chat_instance": "1",
        "data": "m:home",
        "from": {"id": int(CHAT), "is_bot": False, "first_name": "张三"},
        "message": _message("菜单"),
    }
    await channel.dispatcher.feed_raw_update(channel.bot, _update(77, callback_query=callback))
    assert len(api.of("answerCallbackQuery")) == 1
    assert "update 77 failed" in caplog.text


async def test_photo_gets_a_please_send_text_reply(app: App, api: BotApiStub) -> None:
    channel = AiogramChannel(_settings(api), app.conversation())
    try:
        photo = [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]
        update = _update(3, message=_message(photo=photo))
        await channel.dispatcher.feed_raw_update(channel.bot, update)
    finally:
        await channel.bot.session.close()
    [sent] = api.of("sendMessage")
    assert "只能识别文字" in sent.params["text"]
