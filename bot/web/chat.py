"""The web chat's HTTP side, mounted on the shared web server under /chat/.

GET  /chat/               the page (a device session cookie is made on the first visit;
                          `?code=` prefills the invite code)
POST /chat/api/message    {"id": client id, "text": ...}            -> {"toast", "entries"}
POST /chat/api/button     {"id": client id, "action", "message_id"} -> {"toast", "entries"}
GET  /chat/api/events     Server-Sent Events of the account's log; resumes after
                          Last-Event-ID (or ?after=N)
GET  /chat/api/doc/{pos}  a document of the log as a download

Every POST carries the session's CSRF token in X-CSRF-Token and a JSON body of at most
MAX_BODY bytes; each session may post a burst of BURST, then one a second. The invite code
is a message like any other ("/start CODE"): the registration service binds, counts wrong
codes and locks out exactly as on Telegram. A session lasts SESSION_DAYS; `muster unbind`
unbinds its account, after which the page asks for a code again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.app import App
from bot.channels.webchat import POLL_INTERVAL, WebChannel, account, entry_json, opened
from bot.conversation import MAX_TEXT, NotHandled
from bot.web.server import RouteProvider
from storage import webchat as repo
from storage.models_webchat import WebchatSession

PREFIX = "/chat"
COOKIE = "muster_chat"
SESSION_DAYS = 30
MAX_BODY = 64 * 1024  # MAX_TEXT characters, even each escaped as \uXXXX
MAX_ID = 64
BURST, RATE = 20, 1.0  # posts per session: a burst, then per second
HEARTBEAT = 15.0  # seconds between SSE comments that keep proxies from closing the stream
HERE = Path(__file__).parent
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"

CHANNEL_KEY = web.AppKey("webchat_channel", WebChannel)
APP_KEY = web.AppKey("webchat_app", App)
LIMITER_KEY = web.AppKey("webchat_limiter", object)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

PAGE_KEYS = (
    "webchat-title",
    "webchat-code-prompt",
    "webchat-code-button",
    "webchat-placeholder",
    "webchat-send",
    "webchat-download",
    "webchat-offline",
    "webchat-unread",
)


class Limiter:
    """A token bucket per session: BURST at once, then RATE a second."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = self.monotonic()
        tokens, at = self._buckets.get(key, (float(BURST), now))
        tokens = min(float(BURST), tokens + (now - at) * RATE)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


def chat_routes(
    app: App, channel: WebChannel, *, monotonic: Callable[[], float] = time.monotonic
) -> RouteProvider:
    """The web chat as a route provider for bot.web.server.WebServer."""

    def provide(root: web.Application) -> None:
        sub = web.Application(middlewares=[headers])
        sub[APP_KEY] = app
        sub[CHANNEL_KEY] = channel
        sub[LIMITER_KEY] = Limiter(monotonic)
        sub.router.add_static("/static/", HERE / "static" / "chat", name="static")
        sub.router.add_get("/", page)
        sub.router.add_post("/api/message", post_message)
        sub.router.add_post("/api/button", post_button)
        sub.router.add_get("/api/events", events)
        sub.router.add_get("/api/doc/{pos:\\d+}", document)
        root.add_subapp(PREFIX, sub)

        async def to_chat(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"{PREFIX}/?{request.query_string}")

        root.router.add_get(PREFIX, to_chat)

    return provide


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _app(request: web.Request) -> App:
    return request.config_dict[APP_KEY]


def _t(request: web.Request) -> Any:
    app = _app(request)
    return app.catalog.text_translator(None, app.settings.tz)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _session(request: web.Request) -> WebchatSession | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    app = _app(request)
    async with app.sessionmaker() as session:
        return await repo.live_session(session, _hash(token), app.clock.now())


async def _bound(app: App, external_id: str) -> bool:
    async with app.unit_of_work() as svc:
        acc, person = await svc.people.person_for(account(external_id))
        return person is not None


def _error(request: web.Request, status: int, key: str, **more: Any) -> web.Response:
    return web.json_response({"error": _t(request)(key, **more), **_flags(key)}, status=status)


def _flags(key: str) -> dict[str, Any]:
    return {"code": True} if key == "webchat-session-expired" else {}


async def page(request: web.Request) -> web.StreamResponse:
    app = _app(request)
    row = await _session(request)
    response = web.Response(content_type="text/html")
    if row is None:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        external_id = f"w{secrets.token_hex(12)}"
        now = app.clock.now()
        async with app.sessionmaker() as session:
            await repo.add_session(
                session,
                token_hash=_hash(token),
                external_id=external_id,
                csrf=csrf,
                now=now,
                expires_at=now + timedelta(days=SESSION_DAYS),
            )
            await session.commit()
        url = app.settings.web_url or ""
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            path=f"{PREFIX}/",
            max_age=SESSION_DAYS * 86400,
            secure=url.startswith("https://"),
        )
    else:
        csrf, external_id = row.csrf, row.external_id
    t = _t(request)
    strings = {key: t(key) for key in PAGE_KEYS}
    response.text = _env.get_template("chat.html").render(
        t=t,
        csrf=csrf,
        bound=await _bound(app, external_id),
        code=request.query.get("code", "")[:40],
        strings=json.dumps(strings, ensure_ascii=False),
        lang=app.settings.default_locale,
        prefix=PREFIX,
    )
    return response


async def _checked_post(
    request: web.Request,
) -> tuple[WebchatSession, dict[str, Any]] | web.Response:
    """The session and the JSON body of a POST, or the clear 4xx answer."""
    row = await _session(request)
    if row is None:
        return _error(request, 401, "webchat-session-expired")
    if not secrets.compare_digest(request.headers.get("X-CSRF-Token", ""), row.csrf):
        return _error(request, 403, "webchat-csrf")
    if (request.content_length or 0) > MAX_BODY:
        return _error(request, 413, "webchat-too-large")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return _error(request, 413, "webchat-too-large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _error(request, 400, "webchat-bad-json")
    if not isinstance(body, dict):
        return _error(request, 400, "webchat-bad-json")
    client_id = body.get("id")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_ID:
        return _error(request, 400, "webchat-bad-id", limit=MAX_ID)
    limiter: Limiter = request.config_dict[LIMITER_KEY]  # type: ignore[assignment]
    if not limiter.allow(row.token_hash):
        return _error(request, 429, "webchat-rate-limited")
    return row, body


async def post_message(request: web.Request) -> web.StreamResponse:
    checked = await _checked_post(request)
    if isinstance(checked, web.Response):
        return checked
    row, body = checked
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error(request, 400, "webchat-bad-text")
    if len(text) > MAX_TEXT:
        return _error(request, 400, "webchat-too-long", limit=MAX_TEXT)
    return await _turn(request, row, body["id"], text=text)


async def post_button(request: web.Request) -> web.StreamResponse:
    checked = await _checked_post(request)
    if isinstance(checked, web.Response):
        return checked
    row, body = checked
    action, message_id = body.get("action"), body.get("message_id")
    if not isinstance(action, str) or not isinstance(message_id, str) or len(action) > 200:
        return _error(request, 400, "webchat-bad-button")
    return await _turn(request, row, body["id"], action=action, message_ref=message_id[:32])


async def _turn(
    request: web.Request, row: WebchatSession, client_id: str, **what: Any
) -> web.StreamResponse:
    channel = request.config_dict[CHANNEL_KEY]
    app = _app(request)
    stale = app.catalog.translator(None, app.settings.tz)("error-stale-button")
    try:
        result = await channel.turn(row.external_id, client_id, stale_text=stale, **what)
    except NotHandled:
        return _error(request, 503, "webchat-try-again")
    return web.json_response({**result, "bound": await _bound(app, row.external_id)})


async def events(request: web.Request) -> web.StreamResponse:
    row = await _session(request)
    if row is None:
        return _error(request, 401, "webchat-session-expired")
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    position = int(raw) if raw.isdigit() else 0
    app = _app(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "Content-Security-Policy": CSP,
        }
    )
    await response.prepare(request)
    quiet = 0.0
    while True:
        async with app.sessionmaker() as session:
            if await repo.live_session(session, row.token_hash, app.clock.now()) is None:
                break
            rows = await repo.after(session, row.external_id, position)
        chunk = "".join(
            f"id: {r.id}\ndata: {json.dumps(entry_json(r, app.settings), ensure_ascii=False)}\n\n"
            for r in rows
        )
        if rows:
            position = rows[-1].id
            quiet = 0.0
        elif quiet >= HEARTBEAT:
            chunk, quiet = ": keep-alive\n\n", 0.0
        if chunk:
            try:
                await response.write(chunk.encode())
            except (ConnectionResetError, RuntimeError):
                break
        await asyncio.sleep(POLL_INTERVAL)
        quiet += POLL_INTERVAL
    return response


async def document(request: web.Request) -> web.StreamResponse:
    row = await _session(request)
    if row is None:
        return _error(request, 401, "webchat-session-expired")
    app = _app(request)
    async with app.sessionmaker() as session:
        entry = await repo.entry(session, row.external_id, int(request.match_info["pos"]))
    if entry is None or entry.document is None:
        return _error(request, 404, "webchat-no-document")
    payload = opened(app.settings, row.external_id, entry.payload)
    name = str(payload.get("document") or "document")
    return web.Response(
        body=entry.document,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(name, safe="")
