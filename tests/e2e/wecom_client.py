"""A simulated WeCom member with the same person-like API as the Telegram EmulatorUser:
`await alice.send("/start")`, `await alice.press("English")`, `[reply] = await alice.read()`.

What the member sees comes from the fake WeCom server (tests/e2e/wecom_fake.py): text
messages and template cards, cards changed in place by update_template_card. A card's
shortened button labels are read in full from the card's body, as a person reads them.
Waiting is polling every 50 ms with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.e2e.client import BotMessage
from tests.e2e.wecom_fake import FakeMessage, WecomUser

POLL_EVERY = 0.05
TIMEOUT = 15.0  # the longest wait; a 2-core machine running the whole suite is slow
MAX_PAGES = 10


def _labels_in_full(message: FakeMessage) -> tuple[str, dict[str, str]]:
    """The card's text without its "short… = full label" lines, and short -> full."""
    *body, last = message.text.split("\n\n") if message.text else [""]
    legend: dict[str, str] = {}
    for line in last.split("\n"):
        short, sep, full = line.partition(" = ")
        if not sep or not short.endswith("…"):
            return message.text, {}
        legend[short] = full
    return "\n\n".join(body), legend


def as_bot_message(message: FakeMessage) -> BotMessage:
    text, legend = _labels_in_full(message)
    buttons = [
        [{"text": legend.get(b["text"], b["text"]), "callback_data": b["key"]}]
        for b in message.buttons
    ]
    document: dict[str, Any] | None = None
    if message.file is not None:
        name, content = message.file
        document = {"file_name": name, "file_size": len(content), "content": content}
    return BotMessage(
        message_id=message.seq,
        text=text,
        parse_mode=None,
        buttons=[[b for row in buttons for b in row]] if buttons else [],
        document=document,
        edited=message.updated,
        raw={"msgtype": message.msgtype, "task_id": message.task_id},
    )


class WecomChatUser:
    """One member chatting with the app, as the EmulatorUser chats with the bot."""

    def __init__(self, driver: WecomUser) -> None:
        self.driver = driver
        self.user_id = driver.userid
        self._read = 0  # messages already returned by read()

    @property
    def _messages(self) -> list[FakeMessage]:
        return self.driver.fake.messages[self.driver.userid]

    async def send(self, text: str) -> None:
        await self.driver.send_text(text)

    async def send_sticker(self) -> None:
        """Something that is not text (WeCom has no stickers: a picture)."""
        await self.driver.send_image()

    async def press_on(self, message_id: int, label: str) -> BotMessage:
        """Press a button on one particular (possibly old) message."""
        for message in self._messages:
            if message.seq == message_id:
                before = as_bot_message(message)
                if not await self._tap(message, label):
                    raise AssertionError(f"no button {label!r} on message {message_id}")
                return before
        raise AssertionError(f"no message {message_id}")

    async def press(self, label: str) -> BotMessage:
        """Press the button whose label contains `label` on the newest message showing
        one (paging through a card's "⋯" button as a person would). Returns the message
        as it was before the press."""
        for message in reversed(list(self._messages)):
            before = as_bot_message(message)
            if await self._tap(message, label):
                return before
        shown = [(m.text[:40], m.labels) for m in await self.history() if m.buttons]
        raise AssertionError(f"no button {label!r} on screen; buttons: {shown}")

    async def _tap(self, message: FakeMessage, label: str) -> bool:
        """Press the first button of `message` whose label contains `label`, if any."""
        for page in range(MAX_PAGES):
            seen = as_bot_message(message)
            for row in seen.buttons:
                for button in row:
                    if label in button["text"]:
                        await self.driver.click_card(message, button["callback_data"])
                        return True
            more = [b for row in seen.buttons for b in row if b["text"].startswith("⋯ ")]
            if not more or (page > 0 and more[0]["text"].startswith("⋯ 1/")):
                return False  # no more buttons, or back at the first page
            await self.driver.click_card(message, more[0]["callback_data"])
            await self._until_changed(message, seen)
        return False

    async def _until_changed(self, message: FakeMessage, before: BotMessage) -> None:
        deadline = time.monotonic() + TIMEOUT
        while as_bot_message(message).buttons == before.buttons:
            if time.monotonic() > deadline:
                raise AssertionError("the card did not show its next buttons")
            await asyncio.sleep(POLL_EVERY)

    async def read(self, count: int = 1, timeout: float = TIMEOUT) -> list[BotMessage]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            got = self._messages[self._read :]
            if len(got) >= count:
                self._read += len(got)
                return [as_bot_message(m) for m in got]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) from the app within {timeout} s, "
                    f"got {[m.text for m in got]}"
                )
            await asyncio.sleep(POLL_EVERY)

    async def read_one(self, timeout: float = TIMEOUT) -> BotMessage:  # noqa: ASYNC109
        [message] = await self.read(1, timeout)
        return message

    async def history(self) -> list[BotMessage]:
        return [as_bot_message(m) for m in self._messages]

    async def message(self, message_id: int) -> BotMessage:
        for message in self._messages:
            if message.seq == message_id:
                return as_bot_message(message)
        raise AssertionError(f"no app message {message_id} for this member")

    async def callback_answers(self) -> list[dict[str, Any]]:
        """WeCom has no answer to a button press (no spinner to stop): always empty."""
        return []
