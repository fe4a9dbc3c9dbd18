"""The web chat's HTTP side, mounted on the shared web server under /chat/.

GET  /chat/               the page (a device session cookie is made on the first visit;
                          `?code=` fills in the invite code)
POST /chat/api/message    {"id": client id, "text": ..., "lang"} -> {"toast", "entries", ...}
POST /chat/api/button     {"id", "action", "message_id", "lang"}  -> {"toast", "entries", ...}
GET  /chat/api/events     Server-Sent Events of the account's log; resumes after
                          Last-Event-ID (or ?after=N)
GET  /chat/api/doc/{pos}  a document of the log as a download

Every POST carries the session's CSRF token in X-CSRF-Token and a JSON body of at most
MAX_BODY bytes; each session may post a burst of BURST, then one a second. The invite code
is a message like any other ("/start CODE"): the registration service binds, counts wrong
codes and locks out exactly as on Telegram. A session lasts SESSION after the page was
last opened; `muster unbind` unbinds its account, after which the page asks for a code
again. The page's own words are in the person's language (after /lang too: a POST answer
carries them when the language the page shows is not the person's any more).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import secrets
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot.app import App
from bot.channels.webchat import SESSION, Posted, WebChannel, account, entry_json, opened
from bot.conversation import MAX_TEXT, NotHandled
from bot.web.server import RouteProvider, add_under
from storage import webchat as repo
from storage.models_webchat import WebchatSession

log = logging.getLogger(__name__)

PREFIX = "/chat"
COOKIE = "muster_chat"
COOKIE_AGE = SESSION * 2  # outlives the session, so an ended one is told apart from none
RENEW_AFTER = 86400.0  # seconds: opening the page renews the session at most once a day
MAX_BODY = 64 * 1024  # MAX_TEXT characters, even each escaped as \uXXXX
MAX_ID = 64
BURST, RATE = 20, 1.0  # posts per session: a burst, then per second
HOUSEKEEPING = 600.0  # seconds between looks for accounts whose sessions all ended
KEEPALIVE = 15.0  # seconds between SSE comments that keep proxies from closing a stream
SESSION_CHECK = 300.0  # seconds between a stream's looks at its session (and its log)
HERE = Path(__file__).parent
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
# Characters that turn text around (right-to-left overrides and isolates): a message
# showing one thing and meaning another in the office's lists. Refused, with a reason.
BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}

CHANNEL_KEY = web.AppKey("webchat_channel", WebChannel)
APP_KEY = web.AppKey("webchat_app", App)
LIMITER_KEY = web.AppKey("webchat_limiter", object)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

# The page's own words, in the person's language (the template and chat.js use them).
PAGE_KEYS = (
    "webchat-title",
    "webchat-code-prompt",
    "webchat-code-button",
    "webchat-placeholder",
    "webchat-send",
    "webchat-download",
    "webchat-offline",
    "webchat-reconnecting",
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
        if len(self._buckets) > 10_000:  # forget full buckets: they start full anyway
            full = [k for k, (n, t) in self._buckets.items() if n + (now - t) * RATE >= BURST]
            for k in full:
                del self._buckets[k]
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
        sub.router.add_get("/api/doc/{pos:\\d{1,18}}", document)
        sub.cleanup_ctx.append(_housekeeping)
        sub.on_shutdown.append(_end_streams)
        add_under(root, PREFIX, sub, keep_query=True)

    return provide


async def _housekeeping(sub: web.Application) -> Any:
    channel = sub[CHANNEL_KEY]

    async def run() -> None:
        while True:
            try:
                await channel.housekeeping()
            except Exception:  # the database is down: next round
                log.exception("web chat housekeeping failed")
            await asyncio.sleep(HOUSEKEEPING)

    task = asyncio.create_task(run(), name="webchat-housekeeping")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _end_streams(sub: web.Application) -> None:
    """The server stops: every open stream returns now, not after the shutdown timeout."""
    await sub[CHANNEL_KEY].close()


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _app(request: web.Request) -> App:
    return request.config_dict[APP_KEY]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _row(request: web.Request) -> WebchatSession | None:
    """The session row of the request's cookie, live or ended."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    app = _app(request)
    async with app.sessionmaker() as session:
        return await session.get(WebchatSession, _hash(token))


async def _session(request: web.Request) -> WebchatSession | None:
    row = await _row(request)
    return row if row is not None and row.expires_at > _app(request).clock.now() else None


async def _who(app: App, external_id: str) -> tuple[bool, str]:
    """Whether the browser's account is bound, and the language to show it in."""
    async with app.unit_of_work() as svc:
        person, locale = await svc.people.who(account(external_id))
    return person is not None, locale or app.settings.default_locale


def _t(request: web.Request, locale: str | None = None) -> Any:
    app = _app(request)
    return app.catalog.text_translator(locale, app.settings.tz)


def _strings(request: web.Request, locale: str) -> dict[str, str]:
    t = _t(request, locale)
    return {key: t(key) for key in PAGE_KEYS}


async def _error(request: web.Request, status: int, key: str, **more: Any) -> web.Response:
    """A refusal in the language of the browser's person; `code`: show the code page."""
    locale = None
    row = await _row(request)
    if row is not None:
        _, locale = await _who(_app(request), row.external_id)
    body: dict[str, Any] = {"error": _t(request, locale)(key, **more)}
    if key == "webchat-session-expired":
        body["code"] = True
    return web.json_response(body, status=status)


def _cookie(response: web.StreamResponse, app: App, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path=f"{PREFIX}/",
        max_age=int(COOKIE_AGE.total_seconds()),
        secure=app.settings.public_url.startswith("https://"),
    )


async def page(request: web.Request) -> web.StreamResponse:
    app = _app(request)
    now = app.clock.now()
    row = await _row(request)
    response = web.Response(content_type="text/html")
    token = request.cookies.get(COOKIE, "")
    if row is not None and row.expires_at <= now:
        # The session ended (not opened for SESSION): its account reaches nobody now, so a
        # new invite code may bind this browser again.
        async with app.writer() as session:
            await repo.mark_gone(session, now, row.external_id)
            await repo.end_session(session, row.token_hash)
            await session.commit()
        row = None
    if row is None:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        external_id = f"w{secrets.token_hex(12)}"
        async with app.writer() as session:
            await repo.add_session(
                session,
                token_hash=_hash(token),
                external_id=external_id,
                csrf=csrf,
                now=now,
                expires_at=now + SESSION,
            )
            await session.commit()
        _cookie(response, app, token)
    else:
        csrf, external_id = row.csrf, row.external_id
        if (now + SESSION - row.expires_at).total_seconds() > RENEW_AFTER:
            async with app.writer() as session:
                await repo.renew_session(session, row.token_hash, now + SESSION)
                await session.commit()
            _cookie(response, app, token)
    bound, locale = await _who(app, external_id)
    strings = _strings(request, locale)
    response.text = _env.get_template("chat.html").render(
        s=strings,
        csrf=csrf,
        bound=bound,
        code=request.query.get("code", "")[:40],
        strings=_json_in_html(strings),
        lang=locale,
        prefix=PREFIX,
    )
    return response


def _json_in_html(value: Any) -> str:
    """JSON for a <script type="application/json"> block: no "<" can close it."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


async def _checked_post(
    request: web.Request,
) -> tuple[WebchatSession, dict[str, Any]] | web.Response:
    """The session and the JSON body of a POST, or the clear 4xx answer."""
    row = await _session(request)
    if row is None:
        return await _error(request, 401, "webchat-session-expired")
    if not secrets.compare_digest(request.headers.get("X-CSRF-Token", ""), row.csrf):
        return await _error(request, 403, "webchat-csrf")
    if (request.content_length or 0) > MAX_BODY:
        return await _error(request, 413, "webchat-too-large")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return await _error(request, 413, "webchat-too-large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return await _error(request, 400, "webchat-bad-json")
    if not isinstance(body, dict):
        return await _error(request, 400, "webchat-bad-json")
    client_id = body.get("id")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_ID:
        return await _error(request, 400, "webchat-bad-id", limit=MAX_ID)
    limiter: Limiter = request.config_dict[LIMITER_KEY]  # type: ignore[assignment]
    if not limiter.allow(row.token_hash):
        return await _error(request, 429, "webchat-rate-limited")
    return row, body


def _invisible(text: str) -> bool:
    """Nothing a person could read: spaces, zero-width and other format characters."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc") for ch in text)


async def post_message(request: web.Request) -> web.StreamResponse:
    checked = await _checked_post(request)
    if isinstance(checked, web.Response):
        return checked
    row, body = checked
    text = body.get("text")
    if not isinstance(text, str) or _invisible(text):
        return await _error(request, 400, "webchat-bad-text")
    if len(text) > MAX_TEXT:
        return await _error(request, 400, "webchat-too-long", limit=MAX_TEXT)
    if BIDI & set(text):
        return await _error(request, 400, "webchat-bidi")
    return await _turn(request, row, body, Posted(body["id"], text=text))


async def post_button(request: web.Request) -> web.StreamResponse:
    checked = await _checked_post(request)
    if isinstance(checked, web.Response):
        return checked
    row, body = checked
    action, message_id = body.get("action"), body.get("message_id")
    if not isinstance(action, str) or not isinstance(message_id, str) or len(action) > 200:
        return await _error(request, 400, "webchat-bad-button")
    posted = Posted(body["id"], action=action, message_ref=message_id[:32])
    return await _turn(request, row, body, posted)


async def _turn(
    request: web.Request, row: WebchatSession, body: dict[str, Any], posted: Posted
) -> web.StreamResponse:
    channel = request.config_dict[CHANNEL_KEY]
    app = _app(request)
    _, before = await _who(app, row.external_id)
    stale = app.catalog.translator(before, app.settings.tz)("error-stale-button")
    try:
        result = await channel.turn(row.external_id, posted, stale_text=stale)
    except NotHandled:
        return await _error(request, 503, "webchat-try-again")
    bound, locale = await _who(app, row.external_id)
    answer: dict[str, Any] = {**result, "bound": bound, "lang": locale}
    if body.get("lang") != locale:  # /lang changed it: the page relabels itself
        answer["strings"] = _strings(request, locale)
    return web.json_response(answer)


async def events(request: web.Request) -> web.StreamResponse:
    """The account's log as Server-Sent Events from after Last-Event-ID.

    A stream reads the log when the channel's LogWatcher wakes it (and at its start); in
    between it costs no query, only a keep-alive comment every KEEPALIVE seconds. About
    every SESSION_CHECK seconds (spread, so streams opened together do not read together)
    it reads again and checks its session, ending when the session ended or its account
    was unbound. Reads take one of the watcher's READERS slots: 2,000 streams woken at
    once queue here, not in the connection pool the chat's POSTs need."""
    row = await _session(request)
    if row is None:
        return await _error(request, 401, "webchat-session-expired")
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    position = int(raw) if raw.isdigit() and len(raw) < 19 else 0
    app = _app(request)
    watcher = request.config_dict[CHANNEL_KEY].watcher
    settings = app.settings
    loop = asyncio.get_running_loop()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "Content-Security-Policy": CSP,
        }
    )
    await response.prepare(request)
    check_at = loop.time() + SESSION_CHECK * random.uniform(0.5, 1.0)
    with watcher.watching(row.external_id) as woken:
        while not watcher.stopping:
            woken.clear()  # a wake-up from now on is not lost while we read
            async with watcher.reading, app.sessionmaker() as session:
                if loop.time() >= check_at:
                    if await repo.live_session(session, row.token_hash, app.clock.now()) is None:
                        break
                    check_at = loop.time() + SESSION_CHECK
                rows = await repo.after(session, row.external_id, position)
            chunk = "".join(
                f"id: {r.id}\ndata: {json.dumps(entry_json(r, settings), ensure_ascii=False)}\n\n"
                for r in rows
            )
            if rows:
                position = rows[-1].id
            try:
                await response.write(chunk.encode() if chunk else b": keep-alive\n\n")
                if len(rows) == repo.PAGE:
                    continue  # more to catch up on
                while not woken.is_set() and (left := check_at - loop.time()) > 0:
                    try:
                        await asyncio.wait_for(woken.wait(), min(KEEPALIVE, left))
                    except TimeoutError:
                        await response.write(b": keep-alive\n\n")
            except (ConnectionResetError, RuntimeError):
                break
    return response


async def document(request: web.Request) -> web.StreamResponse:
    row = await _session(request)
    if row is None:
        return await _error(request, 401, "webchat-session-expired")
    app = _app(request)
    async with app.sessionmaker() as session:
        entry = await repo.entry(session, row.external_id, int(request.match_info["pos"]))
    if entry is None or entry.document is None:
        return await _error(request, 404, "webchat-no-document")
    payload = opened(app.settings, row.external_id, entry.payload)
    name = str(payload.get("document") or "document")
    return web.Response(
        body=entry.document,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"},
    )
