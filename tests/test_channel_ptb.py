"""The python-telegram-bot adapter against an in-process Bot API stub (no emulator).

The same cases as tests/test_channel_aiogram.py, for what the emulator does not emulate:
Telegram's 4096-character limit, 429 flood waits, 403 blocked users, 5xx and proxy
errors, "message is not modified" on edits. Updates go through PTB's Application
(`process_update`), so its handlers and filters are part of what is tested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update
from telegram import error as tg
from telegram.warnings import PTBDeprecationWarning

from bot.app import App
from bot.channels.base import Rejected, RetryAfter, TransientError, Unreachable
from bot.channels.telegram_aiogram import AiogramChannel
from bot.channels.telegram_ptb import PtbChannel, _retry_after
from bot.core import Button, Document, Incoming, Kind, Reply
from tests.e2e.botapi_stub import BotApiStub
from tests.test_channel_aiogram import CHAT, FakeConversation, _message, _settings, _update


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


@pytest.fixture
async def conversation() -> FakeConversation:
    return FakeConversation()


async def _open(channel: PtbChannel, api: BotApiStub) -> None:
    """Initialize the Application (one getMe) and forget that call."""
    await channel.application.initialize()
    assert [c.method for c in api.calls] == ["getMe"]
    api.calls.clear()


async def _close(channel: PtbChannel) -> None:
    await channel.application.shutdown()
    await channel.close()


@pytest.fixture
async def channel(api: BotApiStub, conversation: FakeConversation) -> AsyncIterator[PtbChannel]:
    ch = PtbChannel(_settings(api), conversation)  # type: ignore[arg-type]
    await _open(ch, api)
    yield ch
    await _close(ch)


async def feed(channel: PtbChannel, update: dict[str, Any]) -> None:
    """Hand a raw update to the Application, as polling or the webhook does."""
    await channel.application.process_update(Update.de_json(update, channel.bot))


async def test_long_reply_is_split_at_a_paragraph_boundary(
    channel: PtbChannel, api: BotApiStub
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
        (200, '{"ok": true, "result": {"message_id"', TransientError),  # a cut-off body
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            Rejected,
        ),
        (
            413,
            {"ok": False, "error_code": 413, "description": "Request Entity Too Large"},
            Rejected,
        ),
    ],
)
async def test_bot_api_errors_become_channel_neutral(
    channel: PtbChannel, api: BotApiStub, status: int, body: Any, error: type[Exception]
) -> None:
    api.fail("sendMessage", status, body)
    with pytest.raises(error) as caught:
        await channel.send(CHAT, Reply("你好"))
    if error is RetryAfter:
        assert caught.value.retry_after == 7  # type: ignore[attr-defined]
    if error is Unreachable:
        assert "blocked" in caught.value.reason  # type: ignore[attr-defined]
    if error is Rejected:
        assert caught.value.reason.lower() in str(body).lower()  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", [7, timedelta(seconds=7)])
def test_retry_after_is_read_as_int_or_timedelta(
    value: int | timedelta, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "false")  # v22's default: an int, and a warning
    with pytest.warns(PTBDeprecationWarning):  # why the adapter opts in to timedelta
        exc = tg.RetryAfter(value)
    assert _retry_after(exc) == 7.0
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # v23's way: a timedelta
    assert _retry_after(tg.RetryAfter(value)) == 7.0


async def test_network_failure_is_transient(api: BotApiStub) -> None:
    settings = _settings(api)
    await api.__aexit__()  # nobody listens on that port any more
    channel = PtbChannel(settings, FakeConversation())  # type: ignore[arg-type]
    try:
        with pytest.raises(TransientError):
            await channel.send(CHAT, Reply("你好"))
    finally:
        await channel.close()


async def test_send_after_shutdown_opens_the_client_again(
    channel: PtbChannel, api: BotApiStub
) -> None:
    await channel.application.shutdown()  # what stopping `muster run` does before the sender
    assert await channel.send(CHAT, Reply("迟到的提醒")) == "100"
    [sent] = api.of("sendMessage")
    assert sent.params["text"] == "迟到的提醒"


async def test_edit_that_changes_nothing_is_ignored(channel: PtbChannel, api: BotApiStub) -> None:
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
    channel: PtbChannel, api: BotApiStub
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
    channel: PtbChannel, api: BotApiStub
) -> None:
    await channel.edit(CHAT, "55", Reply("已切换为中文。"))
    [edit] = api.of("editMessageText")
    assert edit.params["message_id"] == "55"
    assert edit.params["parse_mode"] == "HTML"
    assert "reply_markup" not in edit.params


async def test_document_goes_out_with_caption_and_buttons(
    channel: PtbChannel, api: BotApiStub
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


async def test_long_text_with_a_document_goes_before_it(
    channel: PtbChannel, api: BotApiStub
) -> None:
    text = "说明" * 600  # over the 1024-character caption limit
    await channel.send(CHAT, Reply(text, document=Document("a.pdf", b"%PDF")))
    assert [c.method for c in api.calls] == ["sendMessage", "sendDocument"]
    assert "caption" not in api.of("sendDocument")[0].params


async def test_commands_lose_slash_and_bot_name(
    channel: PtbChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    conversation.replies = [Reply("ok")]
    texts = ["/start@MusterBot ABCD-2345", "/Lang en", "张三", "/start\nXY"]
    for i, text in enumerate(texts, start=1):
        await feed(channel, _update(i, message=_message(text)))
    start, lang, plain, newline = conversation.events
    assert (start.kind, start.name, start.arg) == (Kind.COMMAND, "start", "ABCD-2345")
    assert (lang.kind, lang.name, lang.arg) == (Kind.COMMAND, "lang", "en")
    assert (plain.kind, plain.text) == (Kind.TEXT, "张三")
    assert (newline.name, newline.arg) == ("start", "XY")
    assert start.account.channel == "telegram"
    assert start.account.external_user_id == CHAT
    assert start.account.display_name == "张三"
    assert start.event_id == "1"
    assert len(api.of("sendMessage")) == 4


async def test_group_messages_and_edits_are_ignored(
    channel: PtbChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    await feed(channel, _update(1, message=_message("/start", chat_type="group")))
    await feed(channel, _update(2, edited_message={**_message("/start"), "edit_date": 1}))
    assert conversation.events == []
    assert api.calls == []


async def test_button_press_answers_with_toast_and_edits(
    channel: PtbChannel, api: BotApiStub, conversation: FakeConversation
) -> None:
    conversation.replies = [Reply("已签署", edit=True, toast="签署成功"), Reply("主菜单")]
    callback = {
        "id": "cb1",
        "chat_instance": "1",
        "data": "pl:s:42",
        "from": {"id": int(CHAT), "is_bot": False, "first_name": "张三"},
        "message": {**_message("请签署承诺书"), "message_id": 31},
    }
    await feed(channel, _update(9, callback_query=callback))
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
    channel: PtbChannel,
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
    await feed(channel, _update(77, callback_query=callback))
    assert len(api.of("answerCallbackQuery")) == 1
    assert "update 77 failed" in caplog.text


async def test_photo_gets_a_please_send_text_reply(app: App, api: BotApiStub) -> None:
    channel = PtbChannel(_settings(api), app.conversation())
    await _open(channel, api)
    try:
        photo = [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]
        await feed(channel, _update(3, message=_message(photo=photo)))
    finally:
        await _close(channel)
    [sent] = api.of("sendMessage")
    assert "只能识别文字" in sent.params["text"]


async def _calls_of(adapter: str, updates: list[dict[str, Any]]) -> list[tuple[str, dict]]:
    """The Bot API calls one adapter makes for these updates, after its startup."""
    conversation = FakeConversation()
    async with BotApiStub() as api:
        if adapter == "ptb":
            ptb = PtbChannel(_settings(api), conversation)  # type: ignore[arg-type]
            await _open(ptb, api)
        else:
            aio = AiogramChannel(_settings(api), conversation)  # type: ignore[arg-type]
        try:
            for update in updates:
                conversation.replies = _CANNED[update["update_id"]]
                if adapter == "ptb":
                    await feed(ptb, update)
                else:
                    await aio.dispatcher.feed_raw_update(aio.bot, update)
        finally:
            if adapter == "ptb":
                await _close(ptb)
            else:
                await aio.close()
        return [(c.method, {**c.params, **c.files}) for c in api.calls]


_CANNED = {
    1: [Reply("<b>欢迎</b>", buttons=[[Button("签署", "pl:s:1"), Button("帮助", "m:help")]])],
    2: [Reply("已签署", edit=True, toast="签署成功"), Reply("甲" * 3000 + "\n\n" + "乙" * 2000)],
    3: [Reply("本周台账", document=Document("台账.xlsx", b"PK"), buttons=[[Button("返回", "m")]])],
    4: [],
}


async def test_both_adapters_make_the_same_calls_for_the_same_turns() -> None:
    callback = {
        "id": "cb1",
        "chat_instance": "1",
        "data": "pl:s:1",
        "from": {"id": int(CHAT), "is_bot": False, "first_name": "张三"},
        "message": {**_message("请签署"), "message_id": 31},
    }
    updates = [
        _update(1, message=_message("/start")),
        _update(2, callback_query=callback),
        _update(3, message=_message("/ledger")),
        _update(4, message=_message("群里的话", chat_type="group")),
    ]
    aiogram = await _calls_of("aiogram", updates)
    ptb = await _calls_of("ptb", updates)
    assert [method for method, _ in ptb] == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "sendMessage",
        "sendMessage",
        "sendDocument",
    ]
    assert ptb == aiogram  # same methods, same parameters, in the same order
