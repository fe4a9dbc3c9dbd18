"""A Bot API stub inside the test process, for what the emulator cannot show.

The emulator (tests/e2e/emulator.js) has no rate limits, no blocked users, no server
errors and no 4096-character limit. This stub answers like Telegram, records every call,
and fails the calls a test scripts with `fail()`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import test_utils as aiohttp_test
from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]  # field -> (filename, content)


class BotApiStub:
    """`async with BotApiStub() as api:` then point MUSTER_TELEGRAM_API_URL at `api.url`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._ids = itertools.count(100)
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._server = aiohttp_test.TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> BotApiStub:
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._server.close()

    @property
    def url(self) -> str:
        return str(self._server.make_url("")).rstrip("/")

    def fail(self, method: str, status: int, body: dict[str, Any] | str) -> None:
        """Answer the next call of `method` with this status and body (JSON or raw text)."""
        raw = body if isinstance(body, str) else json.dumps(body)
        self._failures.setdefault(method, []).append((status, raw))

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        """Wait until `method` was called `count` times; fail the test after `within` s."""
        deadline = time.monotonic() + within
        while len(self.of(method)) < count:
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{method} called {len(self.of(method))} times, expected {count}; "
                    f"calls: {[c.method for c in self.calls]}"
                )
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue
        return self.of(method)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = value
        for key, value in list(params.items()):  # aiogram uploads as "attach://<field>"
            if isinstance(value, str) and value.startswith("attach://"):
                files[key] = files.pop(value.removeprefix("attach://"))
                del params[key]
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        self.calls.append(Call(method, params, files))
        self._changed.set()
        queued = self._failures.get(method)
        if queued:
            status, raw = queued.pop(0)
            return web.Response(status=status, text=raw, content_type="application/json")
        return web.json_response({"ok": True, "result": self._result(method, params, files)})

    def _result(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> Any:
        token_id = 123456
        if method == "getMe":
            return {"id": token_id, "is_bot": True, "first_name": "Stub", "username": "StubBot"}
        if method in ("sendMessage", "editMessageText", "sendDocument"):
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            if "text" in params:
                message["text"] = params["text"]
            if "caption" in params:
                message["caption"] = params["caption"]
            if "document" in files:
                name, content = files["document"]
                message["document"] = {
                    "file_id": "f1",
                    "file_unique_id": "f1",
                    "file_name": name,
                    "file_size": len(content),
                }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getUpdates":
            return []
        return True
