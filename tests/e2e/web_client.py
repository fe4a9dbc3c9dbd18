"""A simulated person in the web chat, with the same person-like API as the Telegram
EmulatorUser: `await alice.send("/start")`, `await alice.press("English")`,
`[reply] = await alice.read()`.

It behaves like the page (bot/web/static/chat/chat.js): opens /chat/ for its cookie and
CSRF token, POSTs messages and button presses with a fresh client id each, shows the
entries a POST answers with, and follows the account's log over one Server-Sent-Events
stream, resuming with Last-Event-ID when the stream drops. Entries are keyed by log
position, so one that arrives both ways is shown once; an "edit" replaces its bubble in
place. Waiting is polling every 50 ms with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.web.chat import RATE
from tests.e2e.client import BotMessage
from tests.telegram_html import assert_valid

POLL_EVERY = 0.05
TIMEOUT = 15.0  # the longest wait; a 2-core machine running the whole suite is slow
CSRF = re.compile(r'data-csrf="([^"]+)"')
RATE_WAIT = 1.0 / RATE  # what "wait a second and try again" means

_ids = itertools.count(1)


class Bubble:
    """One of the bot's messages on the page, as it looks now."""

    def __init__(self, number: int, entry: dict[str, Any]) -> None:
        self.number = number  # the BotMessage id tests see (the page's order)
        self.entry = entry
        self.edited = False
        self.content: bytes | None = None  # a document's bytes, once downloaded

    def as_message(self) -> BotMessage:
        entry = self.entry
        document = {"file_name": entry["document"]} if entry.get("document") else None
        if document is not None and self.content is not None:
            document["content"] = self.content
        return BotMessage(
            message_id=self.number,
            text=entry.get("html") or "",
            parse_mode="HTML",
            buttons=[
                [{"text": b["label"], "callback_data": b["action"]} for b in row]
                for row in entry.get("buttons") or []
            ],
            document=document,
            edited=self.edited,
            raw=entry,
        )


class WebChatUser:
    """One browser on /chat/. `resolve` finds the web account id of its cookie (the page
    never sees it; tests compare it with the database)."""

    def __init__(self, base_url: str, resolve: Callable[[str], Awaitable[str]]) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self._resolve = resolve
        self.user_id = ""
        self.csrf: str | None = None
        self.bubbles: dict[str, Bubble] = {}  # message id -> bubble, in order of arrival
        self.seen: set[int] = set()  # log positions shown
        self.toasts: list[dict[str, Any]] = []  # one answer per button press
        self.errors: list[str] = []  # refusals the page showed in its status line
        self.rate_limited = 0  # posts the page's rate limit held back (then sent again)
        self._numbers = itertools.count(1)
        self._read = 0  # bubbles already returned by read()
        self._last = "0"  # Last-Event-ID
        self._stream: asyncio.Task[None] | None = None

    # --- the page -----------------------------------------------------------------------

    async def open(self) -> None:
        """Open /chat/ (its cookie and CSRF token) and start following the log."""
        async with self.http.get(f"{self.base_url}/chat/") as resp:
            assert resp.status == 200, resp.status
            match = CSRF.search(await resp.text())
        assert match is not None
        self.csrf = match.group(1)
        token = next(c.value for c in self.http.cookie_jar if c.key == "muster_chat")
        self.user_id = await self._resolve(token)
        if self._stream is None:
            self._stream = asyncio.create_task(self._follow())

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream
        await self.http.close()

    async def _follow(self) -> None:
        """The page's EventSource: one stream, resumed after the last event id."""
        while True:
            try:
                async with self.http.get(
                    f"{self.base_url}/chat/api/events", headers={"Last-Event-ID": self._last}
                ) as resp:
                    if resp.status != 200:
                        return
                    event: dict[str, str] = {}
                    async for raw in resp.content:
                        line = raw.decode().rstrip("\n")
                        if line.startswith("id: "):
                            event["id"] = line[4:]
                        elif line.startswith("data: "):
                            event["data"] = line[6:]
                        elif not line and "data" in event:
                            self._last = event.get("id", self._last)
                            self._show(json.loads(event["data"]))
                            event = {}
            except (aiohttp.ClientError, ConnectionError):
                await asyncio.sleep(POLL_EVERY)  # reconnect, as EventSource does

    def _show(self, entry: dict[str, Any]) -> None:
        if entry["pos"] in self.seen:
            return
        self.seen.add(entry["pos"])
        if entry["kind"] == "mine":
            return  # the person's own words: not one of the bot's messages
        if entry.get("html"):
            assert_valid(entry["html"], f"web chat entry {entry['pos']}")
        bubble = self.bubbles.get(entry["id"])
        if bubble is not None and entry["kind"] == "edit":
            bubble.entry, bubble.edited = entry, True
            return
        self.bubbles[entry["id"]] = Bubble(next(self._numbers), entry)

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self.csrf is None:
            await self.open()
        assert self.csrf is not None
        payload["id"] = f"e2e-{next(_ids)}"
        while True:
            async with self.http.post(
                f"{self.base_url}/chat/api/{path}",
                data=json.dumps(payload),
                headers={"X-CSRF-Token": self.csrf, "Content-Type": "application/json"},
            ) as resp:
                data: dict[str, Any] = await resp.json()
            if resp.status != 429:
                break
            # Faster than a person: the page says "wait a second", and the person does.
            self.rate_limited += 1
            await asyncio.sleep(RATE_WAIT)
        if "error" in data:
            self.errors.append(data["error"])
            raise AssertionError(f"the page refused {payload}: HTTP {resp.status} {data}")
        for entry in data["entries"]:
            self._show(entry)
        return data

    # --- what a person does ---------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Type a message and press Send."""
        await self._post("message", {"text": text})

    async def press_on(self, message_id: int, label: str) -> BotMessage:
        """Press a button on one particular (possibly old) message."""
        for bubble in self.bubbles.values():
            if bubble.number == message_id:
                before = bubble.as_message()
                if not await self._tap(bubble, label):
                    raise AssertionError(f"no button {label!r} on message {message_id}")
                return before
        raise AssertionError(f"no message {message_id} on the page")

    async def press(self, label: str) -> BotMessage:
        """Press the button whose label contains `label` on the newest message showing
        one. Returns the message as it was before the press."""
        for bubble in reversed(list(self.bubbles.values())):
            before = bubble.as_message()
            if await self._tap(bubble, label):
                return before
        shown = [(m.text[:40], m.labels) for m in await self.history() if m.buttons]
        raise AssertionError(f"no button {label!r} on screen; buttons: {shown}")

    async def _tap(self, bubble: Bubble, label: str) -> bool:
        for row in bubble.entry.get("buttons") or []:
            for button in row:
                if label in button["label"]:
                    data = await self._post(
                        "button", {"action": button["action"], "message_id": bubble.entry["id"]}
                    )
                    self.toasts.append({"text": data.get("toast")})
                    return True
        return False

    async def read(self, count: int = 1, timeout: float = TIMEOUT) -> list[BotMessage]:  # noqa: ASYNC109
        """Wait for at least `count` new messages from the bot; return all that arrived."""
        if self.csrf is None:
            await self.open()
        deadline = time.monotonic() + timeout
        while True:
            got = list(self.bubbles.values())[self._read :]
            if len(got) >= count:
                self._read += len(got)
                for bubble in got:
                    if bubble.entry.get("document"):
                        await self._download(bubble)
                return [b.as_message() for b in got]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) from the bot within {timeout} s, "
                    f"got {[b.entry.get('html') for b in got]}"
                )
            await asyncio.sleep(POLL_EVERY)

    async def _download(self, bubble: Bubble) -> None:
        """Tap the document's download link, as a person does (GET /chat/api/doc/{pos})."""
        async with self.http.get(f"{self.base_url}/chat/api/doc/{bubble.entry['pos']}") as resp:
            assert resp.status == 200, (resp.status, await resp.text())
            bubble.content = await resp.read()

    async def read_one(self, timeout: float = TIMEOUT) -> BotMessage:  # noqa: ASYNC109
        [message] = await self.read(1, timeout)
        return message

    async def history(self) -> list[BotMessage]:
        """Every message the bot showed on the page, oldest first, edits applied."""
        return [b.as_message() for b in self.bubbles.values()]

    async def message(self, message_id: int) -> BotMessage:
        for bubble in self.bubbles.values():
            if bubble.number == message_id:
                return bubble.as_message()
        raise AssertionError(f"no bot message {message_id} on the page")

    async def callback_answers(self) -> list[dict[str, Any]]:
        """The page's answer to each button press (its toast, if any)."""
        return list(self.toasts)
