"""A simulated Telegram user who talks to the bot through the emulator's client endpoints.

Reads like a person: `await alice.send("/start")`, `await alice.press("English")`,
`[reply] = await alice.read()`. Waiting is polling every 50 ms with a timeout, never a
fixed sleep.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.telegram_html import assert_valid

POLL_EVERY = 0.05
TIMEOUT = 15.0  # the longest wait; a 2-core machine running the whole suite is slow

_user_ids = itertools.count(700_001)  # unique in the whole session: one emulator serves all


@dataclass(frozen=True)
class BotMessage:
    """One message the bot sent to the user, as the emulator stores it now."""

    message_id: int
    text: str
    parse_mode: str | None
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    edited: bool = False
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_stored(cls, item: dict[str, Any]) -> BotMessage:
        message = item["message"]
        markup = message.get("reply_markup") or {}
        check_html(message, item.get("messageId"))
        document = message.get("document")
        if document is not None and item.get("fileContent"):  # the uploaded bytes
            document = {**document, "content": base64.b64decode(item["fileContent"])}
        return cls(
            message_id=int(item["messageId"]),
            text=message.get("text") or message.get("caption") or "",
            parse_mode=message.get("parse_mode"),
            buttons=markup.get("inline_keyboard") or [],
            document=document,
            edited="edit_date" in message,
            raw=message,
        )

    @property
    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]


def check_html(message: dict[str, Any], message_id: object = "?") -> None:
    """Fail unless a message the bot sent is valid in Telegram's HTML subset (the emulator
    accepts anything; Telegram answers "can't parse entities")."""
    text = message.get("text") or message.get("caption")
    if text and message.get("parse_mode") == "HTML":
        assert_valid(text, f"bot message {message_id} to chat {message.get('chat_id')}")


class EmulatorUser:
    """One person in a private chat with the bot (chat id = user id, as on Telegram)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        token: str,
        first_name: str,
        *,
        language_code: str = "zh-hans",
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.token = token
        self.user_id = next(_user_ids)
        self.user = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        self.chat = {"id": self.user_id, "type": "private", "first_name": first_name}

    async def send(self, text: str) -> None:
        """Type a message; a leading "/" makes it a command, as Telegram marks it."""
        body: dict[str, Any] = {
            "botToken": self.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self._post("/sendMessage", body)

    async def send_sticker(self) -> None:
        """Send something that is not text."""
        sticker = {
            "file_id": "st1",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        await self._post(
            "/sendMessage",
            {
                "botToken": self.token,
                "from": self.user,
                "chat": self.chat,
                "date": int(time.time()),
                "sticker": sticker,
            },
        )

    async def press_on(self, message_id: int, label: str) -> BotMessage:
        """Press a button on one particular (possibly old) message."""
        message = await self.message(message_id)
        if not await self._tap(message, label):
            raise AssertionError(f"no button {label!r} on message {message_id}: {message.labels}")
        return message

    async def press(self, label: str) -> BotMessage:
        """Press the button whose label contains `label` on the newest message showing one.

        Returns the message the button was on (as it was before the press).
        """
        history = await self.history()
        for message in reversed(history):
            if await self._tap(message, label):
                return message
        shown = [(m.text[:40], m.labels) for m in history if m.buttons]
        raise AssertionError(f"no button {label!r} on screen; buttons: {shown}")

    async def _tap(self, message: BotMessage, label: str) -> bool:
        """Press the first button of `message` whose label contains `label`, if any."""
        for row in message.buttons:
            for button in row:
                if label in button["text"]:
                    await self._post(
                        "/sendCallback",
                        {
                            "botToken": self.token,
                            "from": self.user,
                            "message": {
                                "message_id": message.message_id,
                                "date": int(time.time()),
                                "chat": self.chat,
                                "text": message.text,
                            },
                            "data": button["callback_data"],
                        },
                    )
                    return True
        return False

    async def read(self, count: int = 1, timeout: float = TIMEOUT) -> list[BotMessage]:  # noqa: ASYNC109
        """Wait for at least `count` new messages from the bot; return all that arrived."""
        got: list[BotMessage] = []
        deadline = time.monotonic() + timeout
        while True:
            data = await self._post("/getUpdates", {"token": self.token, "chatId": self.user_id})
            got.extend(BotMessage.from_stored(item) for item in data["result"])
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) from the bot within {timeout} s, "
                    f"got {[m.text for m in got]}"
                )
            await asyncio.sleep(POLL_EVERY)

    async def read_one(self, timeout: float = TIMEOUT) -> BotMessage:  # noqa: ASYNC109
        """Wait for exactly one new message."""
        [message] = await self.read(1, timeout)
        return message

    async def history(self) -> list[BotMessage]:
        """Every message the bot sent to this chat, oldest first, as it looks now (edits
        applied)."""
        data = await self._post("/getUpdatesHistory", {"token": self.token})
        return [
            BotMessage.from_stored(item)
            for item in data["result"]
            if str(item.get("message", {}).get("chat_id")) == str(self.user_id)
        ]

    async def message(self, message_id: int) -> BotMessage:
        """One of the bot's messages as it looks now."""
        for message in await self.history():
            if message.message_id == message_id:
                return message
        raise AssertionError(f"no bot message {message_id} in this chat")

    async def callback_answers(self) -> list[dict[str, Any]]:
        """The bot's answers to this user's button presses (answerCallbackQuery)."""
        data = await self._post("/getCallbackAnswers", {"token": self.token})
        return [a for a in data["result"] if a.get("userId") == self.user_id]

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(self.base_url + path, json=body) as resp:
            data: dict[str, Any] = await resp.json()
            if resp.status != 200 or not data.get("ok"):
                raise AssertionError(f"emulator {path}: HTTP {resp.status} {data}")
            return data
