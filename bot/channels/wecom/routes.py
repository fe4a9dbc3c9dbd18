"""The callback URL, as aiohttp routes for the shared web server.

GET  /wecom/callback  URL verification: check the signature and timestamp, decrypt echostr,
                      answer its plain text.
POST /wecom/callback  a message or event: check the signature and timestamp, decrypt, check
                      the receive id is our corp id, store it in the inbox, answer an empty
                      200 at once (WeCom retries after 5 s); the worker handles it later.
Anything wrong (signature, timestamp outside MUSTER_WECOM_MAX_SKEW, another corp, a body
that does not decrypt or is not XML) gets a 4xx, is logged, and nothing is handled.

Mount on any aiohttp app: `app.add_routes(wecom_routes(channel))`, or `setup(app, channel)`
which also runs the inbox worker while the app runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.channels.wecom.channel import WecomChannel, check_skew
from bot.channels.wecom.crypto import CryptoError
from bot.channels.wecom.events import parse_envelope

log = logging.getLogger(__name__)

PATH = "/wecom/callback"
MAX_BODY = 1024 * 1024  # a callback is a few kB


def wecom_routes(channel: WecomChannel, path: str = PATH) -> list[web.RouteDef]:
    """GET (URL verification) and POST (callbacks) at `path`."""
    max_skew = channel.settings.wecom_max_skew

    async def verify(request: web.Request) -> web.Response:
        q = request.query
        try:
            check_skew(q.get("timestamp", ""), channel.clock.now(), max_skew)
            # A "+" of the base64 echostr arrives as a space when a proxy re-decodes it.
            echostr = q.get("echostr", "").replace(" ", "+")
            plain = channel.crypto.verify_url(
                q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""), echostr
            )
        except CryptoError as exc:
            return _refuse(request, exc)
        return web.Response(text=plain)

    async def callback(request: web.Request) -> web.Response:
        q = request.query
        if (request.content_length or 0) > MAX_BODY:
            return _refuse(request, CryptoError("body too large"), status=413)
        body = await request.read()
        try:
            _to, encrypted = parse_envelope(body)
            channel.crypto.check(
                q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""), encrypted
            )
            check_skew(q.get("timestamp", ""), channel.clock.now(), max_skew)
            xml = channel.crypto.decrypt(encrypted)
            new = await channel.accept(xml)
        except CryptoError as exc:
            return _refuse(request, exc)
        if not new:
            log.info("wecom callback: a redelivery, already stored")
        return web.Response(text="")

    return [web.get(path, verify), web.post(path, callback)]


def _refuse(request: web.Request, exc: CryptoError, status: int | None = None) -> web.Response:
    code = status or (403 if "signature" in exc.reason or "timestamp" in exc.reason else 400)
    log.warning(
        "wecom callback refused (%s %s from %s): %s",
        request.method,
        request.path,
        request.remote,
        exc.reason,
    )
    return web.Response(status=code, text="")


def setup(app: web.Application, channel: WecomChannel, path: str = PATH) -> None:
    """Mount the routes and run the inbox worker for as long as `app` runs."""
    app.add_routes(wecom_routes(channel, path))

    async def worker(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(channel.run_worker(), name="wecom-inbox")
        yield
        channel.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await channel.close()

    app.cleanup_ctx.append(worker)
