"""The office console at /console/: pages over the same services the chat uses.

Every request runs through `guard`: it finds the session (a database row, so any process
serves any request), picks the language, checks the CSRF token of every POST before the
handler runs, sends anybody without a session to the login page, and turns the services'
NotAllowed / NotFound into 403 / 404 pages. Handlers call services only: no SQL here.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot.app import App
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import LOCALES, Translator
from bot.reports.task_states import note_of
from bot.services import Services
from bot.services.web_auth import SessionView
from bot.text import visible
from bot.web.server import RouteProvider, add_under
from storage.models import Role

log = logging.getLogger(__name__)

PREFIX = "/console"
SESSION_COOKIE = "muster_session"
PRE_COOKIE = "muster_pre"  # double-submit CSRF token for the login forms
LANG_COOKIE = "muster_lang"
MAX_UPLOAD = 20 * 1024 * 1024
HERE = Path(__file__).resolve().parent
APP_KEY = web.AppKey("muster_app", App)
EXPORT_DIR_KEY = web.AppKey("muster_export_dir", Path)
WHO_KEY: web.RequestKey[SessionView | None] = web.RequestKey("muster_who")
T_KEY = web.RequestKey("muster_t", Translator)
CSRF_KEY = web.RequestKey("muster_csrf", str)
FORM_KEY: web.RequestKey[MultiDictProxy[Any]] = web.RequestKey("muster_form")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUTES = web.RouteTableDef()
PUBLIC: set[Handler] = set()  # handlers reachable without a session


def _shown(value: object) -> object:
    """What a template prints: text without invisible and control characters (a name
    with a right-to-left override would flip the rest of its line); markup as it is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible(value)
    return value


def public(handler: Handler) -> Handler:
    PUBLIC.add(handler)
    return handler


def console_routes(app: App) -> RouteProvider:
    """The console as a route provider for bot.web.server.WebServer."""

    def provide(root: web.Application) -> None:
        sub = web.Application(middlewares=[guard])
        sub[APP_KEY] = app
        scratch = Path(tempfile.mkdtemp(prefix="muster-console-"))
        sub[EXPORT_DIR_KEY] = scratch  # uploads between check and confirm, exports

        async def remove_scratch(_app: web.Application) -> None:
            shutil.rmtree(scratch, ignore_errors=True)

        sub.on_cleanup.append(remove_scratch)
        aiohttp_jinja2.setup(
            sub,
            loader=jinja2.PackageLoader("bot.web", "templates"),
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            undefined=jinja2.StrictUndefined,
            finalize=_shown,
        )
        sub.router.add_static("/static/", HERE / "static", name="static")
        from bot.web.pages import PAGES  # noqa: PLC0415 - pages import this module's helpers
        from bot.web.pages_approval import APPROVAL_PAGES  # noqa: PLC0415
        from bot.web.pages_roster import ROSTER_PAGES  # noqa: PLC0415

        sub.router.add_routes(ROUTES)
        sub.router.add_routes(PAGES)
        sub.router.add_routes(ROSTER_PAGES)
        sub.router.add_routes(APPROVAL_PAGES)
        add_under(root, PREFIX, sub)

    return provide


# --- plumbing ------------------------------------------------------------------------------


@asynccontextmanager
async def uow(request: web.Request) -> AsyncIterator[Services]:
    """Services over one transaction: committed at the end, and also when a refusal must
    be kept (a counted wrong code); rolled back on any other error."""
    app = request.config_dict[APP_KEY]
    async with app.sessionmaker() as session:
        svc = Services(session, clock=app.clock, settings=app.settings, catalog=app.catalog)
        try:
            yield svc
        except DomainError as exc:
            if exc.persist:
                await session.commit()
            raise
        await session.commit()


def who(request: web.Request) -> SessionView:
    view: SessionView | None = request.get(WHO_KEY)
    if view is None:
        raise web.HTTPFound(f"{PREFIX}/login")
    return view


def tr(request: web.Request) -> Translator:
    t: Translator = request[T_KEY]
    return t


def form(request: web.Request) -> MultiDictProxy[Any]:
    data: MultiDictProxy[Any] = request[FORM_KEY]
    return data


def field(request: web.Request, name: str) -> str:
    value = form(request).get(name, "")
    return value.strip() if isinstance(value, str) else ""


def page(request: web.Request, template: str, status: int = 200, **ctx: Any) -> web.Response:
    view: SessionView | None = request.get(WHO_KEY)
    t = tr(request)
    base = {
        "t": t,
        "who": view,
        "csrf": request[CSRF_KEY],
        "prefix": PREFIX,
        "is_office": bool(view and view.person.has_role(Role.OFFICE)),
        "lang": t.locale,
        "locales": LOCALES,
        "path": request.path,
        "state_note": lambda row: note_of(t, row),  # "on leave until …", "waiting for training"
    }
    return aiohttp_jinja2.render_template(template, request, {**base, **ctx}, status=status)


def error_page(request: web.Request, status: int, key: str, **args: Any) -> web.Response:
    return page(request, "error.html", status=status, message=tr(request)(key, **args))


def refusal(request: web.Request, exc: DomainError) -> str:
    """A domain error as plain text (the page escapes it)."""
    return tr(request)(exc.key, **exc.args_)


def refused(request: web.Request, exc: DomainError, status: int = 409) -> web.Response:
    """The error page saying a refusal (409: the form cannot act; 400: bad input)."""
    return page(request, "error.html", status=status, message=refusal(request, exc))


def see_other(path: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{PREFIX}{path}")


async def act_once(
    request: web.Request, kind: str, act: Callable[[Services], Awaitable[str]]
) -> web.StreamResponse:
    """A confirm form that acts once: its one-time id is claimed in the transaction `act`
    runs in, then on to the page `act` returns; a refusal (the form sent again, too) is a
    409 page and changes nothing."""
    view = who(request)
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, kind)
            target = await act(svc)
    except DomainError as exc:
        return refused(request, exc)
    raise see_other(target)


def _locale(request: web.Request, view: SessionView | None) -> str | None:
    asked = request.query.get("lang")
    if asked in LOCALES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LOCALES:
        return cookie
    return view.person.locale if view else None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session, language, CSRF and login checks in front of every console route."""
    if request.path.startswith(f"{PREFIX}/static/"):
        response = await handler(request)
        response.headers["Cache-Control"] = "max-age=3600"
        return response
    app = request.config_dict[APP_KEY]
    async with uow(request) as svc:
        view = await svc.web_auth.session_for(request.cookies.get(SESSION_COOKIE))
    request[WHO_KEY] = view
    locale = _locale(request, view)
    request[T_KEY] = app.catalog.translator(locale, app.settings.tz)
    pre = request.cookies.get(PRE_COOKIE) or ""
    new_pre = None
    if not pre:
        pre = new_pre = secrets.token_urlsafe(24)
    request[CSRF_KEY] = view.csrf if view else pre
    response = await _guarded(request, handler, view)
    if new_pre is not None:
        response.set_cookie(
            PRE_COOKIE, new_pre, httponly=True, samesite="Strict", path=f"{PREFIX}/"
        )
    if request.query.get("lang") in LOCALES:
        response.set_cookie(
            LANG_COOKIE, request.query["lang"], samesite="Strict", path=f"{PREFIX}/"
        )
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _guarded(
    request: web.Request, handler: Handler, view: SessionView | None
) -> web.StreamResponse:
    if request.method == "POST":
        try:
            request[FORM_KEY] = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return error_page(request, 413, "web-error-too-large", mb=MAX_UPLOAD // 2**20)
        given = request[FORM_KEY].get("csrf") or request.headers.get("X-CSRF-Token") or ""
        if not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), str(request[CSRF_KEY]).encode()
        ):
            return error_page(request, 403, "web-error-csrf")
    target = request.match_info.route.handler
    if view is None and target not in PUBLIC:
        if request.method == "GET":
            raise web.HTTPFound(f"{PREFIX}/login?next={quote(request.path_qs)}")
        raise web.HTTPSeeOther(f"{PREFIX}/login")
    try:
        return await handler(request)
    except NotAllowed:
        return error_page(request, 403, "web-error-forbidden")
    except NotFound as exc:
        return refused(request, exc, 404)
    except web.HTTPException:
        raise
    except DomainError as exc:  # an expected refusal no handler caught: say it, change nothing
        return refused(request, exc, 400)


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """HttpOnly, SameSite=Strict; Secure too when the console is served over HTTPS."""
    url = request.config_dict[APP_KEY].settings.web_url or ""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path=f"{PREFIX}/",
        secure=url.startswith("https://"),
    )


def safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if value and value.startswith(f"{PREFIX}/") and not value.startswith("//"):
        return value
    return f"{PREFIX}/"


def require_office(view: SessionView) -> None:
    if not view.person.has_role(Role.OFFICE):
        raise NotAllowed()


def local_deadline(t: Translator, raw: str) -> datetime | None:
    """A datetime-local input ("2026-12-08T12:00") in the deployment's zone, as UTC."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError("web-error-bad-date") from None
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=t.tz)
    return naive


def default_deadline(request: web.Request, days: int) -> str:
    app = request.config_dict[APP_KEY]
    local = (app.clock.now() + timedelta(days=days)).astimezone(app.settings.tz)
    return datetime.combine(local.date(), time(12, 0)).strftime("%Y-%m-%dT%H:%M")


# --- login ---------------------------------------------------------------------------------


@ROUTES.get("/login")
@public
async def login_form(request: web.Request) -> web.StreamResponse:
    if request.get(WHO_KEY) is not None:
        raise web.HTTPFound(f"{PREFIX}/")
    return page(request, "login.html", next=safe_next(request.query.get("next")), error=None)


@ROUTES.post("/login")
@public
async def login_request(request: web.Request) -> web.StreamResponse:
    employee_no = field(request, "employee_no")
    nxt = safe_next(field(request, "next"))
    if not employee_no:
        return page(
            request, "login.html", status=400, next=nxt, error=tr(request)("web-login-need-number")
        )
    try:
        async with uow(request) as svc:
            await svc.web_auth.request_code(employee_no)
    except DomainError as exc:
        return page(request, "login.html", status=429, next=nxt, error=refusal(request, exc))
    return page(request, "login_code.html", employee_no=employee_no, next=nxt, error=None)


@ROUTES.post("/login/code")
@public
async def login_code(request: web.Request) -> web.StreamResponse:
    employee_no, code = field(request, "employee_no"), field(request, "code")
    nxt = safe_next(field(request, "next"))
    try:
        async with uow(request) as svc:
            new = await svc.web_auth.verify_code(employee_no, code)
    except DomainError as exc:
        return page(
            request,
            "login_code.html",
            status=403,
            employee_no=employee_no,
            next=nxt,
            error=refusal(request, exc),
        )
    response = web.HTTPSeeOther(nxt)
    set_session_cookie(request, response, new.token)
    raise response


@ROUTES.get("/login/link")
@public
async def login_link_form(request: web.Request) -> web.StreamResponse:
    # A page with a button, not a login on GET: link previews and prefetchers must not
    # spend the one-time link.
    return page(request, "login_link.html", token=request.query.get("token", ""), error=None)


@ROUTES.post("/login/link")
@public
async def login_link(request: web.Request) -> web.StreamResponse:
    token = field(request, "token")
    try:
        async with uow(request) as svc:
            new = await svc.web_auth.redeem_link(token)
    except DomainError as exc:
        return page(request, "login_link.html", status=403, token="", error=refusal(request, exc))
    response = web.HTTPSeeOther(f"{PREFIX}/")
    set_session_cookie(request, response, new.token)
    raise response


@ROUTES.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    async with uow(request) as svc:
        await svc.web_auth.logout(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther(f"{PREFIX}/login")
    response.del_cookie(SESSION_COOKIE, path=f"{PREFIX}/")
    raise response
