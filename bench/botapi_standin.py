"""A local Bot API stand-in for the broadcast benchmark. Not the product, not Telegram.

It answers the few methods the outbox sender's aiogram adapter calls, enforces Telegram's
broadcast limit - at most `rate` messages in any one-second window, the rest refused with
HTTP 429 and `retry_after` - and records every message it accepted, so the benchmark can
count what was delivered, what was lost and what came twice.

    python bench/botapi_standin.py --port 8081     # standalone, for trying it by hand
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Accepted:
    at: float  # monotonic
    chat_id: int
    text: str


class BotApiStandIn:
    """`await standin.start()`, point MUSTER_TELEGRAM_API_URL at `standin.url`."""

    def __init__(self, *, rate: int = 30, window: float = 1.0) -> None:
        self.rate = rate
        self.window = window
        self.accepted: list[Accepted] = []
        self.throttled = 0  # 429 answers given
        self._recent: deque[float] = deque()  # accept times inside the current window
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.app = app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # noqa: SLF001 - the bound port
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict((await request.post()).items()))
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            return _ok(
                {"id": 123456, "is_bot": True, "first_name": "StandIn", "username": "StandInBot"}
            )
        if method != "sendMessage":
            return _error(404, "Not Found: method not emulated by the stand-in")
        params = await self._params(request)
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        if len(self._recent) >= self.rate:
            self.throttled += 1
            # Telegram gives whole seconds; the window frees up within this many.
            wait = max(1, math.ceil(self._recent[0] + self.window - now))
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self._recent.append(now)
        chat_id, text = int(str(params["chat_id"])), str(params["text"])
        self.accepted.append(Accepted(now, chat_id, text))
        return _ok(
            {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }
        )


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.Response(status=code, text=json.dumps(body), content_type="application/json")


async def _serve(port: int, rate: int) -> None:
    standin = BotApiStandIn(rate=rate)
    print(f"Bot API stand-in at {await standin.start(port=port)} ({rate} messages/s)", flush=True)
    try:
        while True:
            await asyncio.sleep(5)
            print(f"accepted {len(standin.accepted)}, throttled {standin.throttled}", flush=True)
    finally:
        await standin.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--rate", type=int, default=30)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.rate))
