"""The console's pages. Each handler: read the request, call services, render a template."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.actor import Actor
from bot.cli.roster import problem_line, render_report
from bot.core import Document
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.reports import files
from bot.services import Services
from bot.services.console import Filters
from bot.services.leave import CATEGORIES, last_day
from bot.services.notice_approval import Submitted, reason_for
from bot.services.notices import Composed, EmptyAudience
from bot.services.tasks import Audience
from bot.services.web_auth import AlreadySubmitted
from bot.timeparse import parse_date
from bot.web.console import (
    APP_KEY,
    EXPORT_DIR_KEY,
    MAX_UPLOAD,
    PREFIX,
    act_once,
    default_deadline,
    error_page,
    field,
    form,
    local_deadline,
    page,
    refusal,
    refused,
    require_office,
    see_other,
    tr,
    uow,
    who,
)
from storage.models import Role

PAGES = web.RouteTableDef()
ROSTER_TYPES = (".xlsx", ".csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_id() -> str:
    return secrets.token_urlsafe(16)


def download(path: Path, name: str, content_type: str = XLSX) -> web.Response:
    body = path.read_bytes()
    path.unlink(missing_ok=True)
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
    )


def send_file(doc: Document) -> web.Response:
    """An export file (bot.reports.files, the same the chat sends) as a download."""
    csv = doc.filename.endswith(".csv")
    return web.Response(
        body=doc.content,
        content_type="text/csv" if csv else XLSX,
        charset="utf-8" if csv else None,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(doc.filename)}"},
    )


async def _export(
    request: web.Request,
    make: Callable[[Services, Actor, Translator, datetime], Awaitable[Document]],
) -> web.Response:
    """An export file made by `make` (the service checks who may have it) as a download."""
    view, t = who(request), tr(request)
    async with uow(request) as svc:
        return send_file(await make(svc, view.actor, t, request.config_dict[APP_KEY].clock.now()))


def _quote(name: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(name)


def scratch(request: web.Request, suffix: str) -> Path:
    return request.config_dict[EXPORT_DIR_KEY] / f"{secrets.token_hex(8)}{suffix}"


def audience_spec(request: web.Request) -> str:
    """The audience picker's fields as an audience spec (unit tree, roles, people)."""
    data = form(request)
    bits = [f"unit:{u}" for u in data.getall("unit", []) if isinstance(u, str) and u]
    bits += [f"role:{r}" for r in data.getall("role", []) if isinstance(r, str) and r]
    people = field(request, "people").replace("，", ",").replace("\n", ",").replace(" ", ",")
    bits += [f"emp:{p.strip()}" for p in people.split(",") if p.strip()]
    return ",".join(bits) or "all"


def picked(spec: str) -> dict[str, Any]:
    aud = Audience.parse(spec)
    return {"units": aud.units, "roles": aud.roles, "people": ", ".join(aud.people)}


# --- dashboard -----------------------------------------------------------------------------


@PAGES.get("/")
async def dashboard(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    async with uow(request) as svc:
        data = await svc.console.dashboard(view.actor, locale=t.locale)
        waiting = None
        if view.person.has_role(Role.OFFICE):
            waiting = sum(1 for s in await svc.hotline.queue(view.actor) if s.status == "open")
    return page(request, "dashboard.html", data=data, waiting=waiting)


# --- people --------------------------------------------------------------------------------


def _filters(request: web.Request) -> Filters:
    q = request.query
    bound = {"yes": True, "no": False}.get(q.get("bound", ""))
    unit = q.get("unit", "")
    return Filters(
        q=q.get("q", "")[:64],
        unit_id=int(unit) if unit.isdigit() else None,
        role=q.get("role") if q.get("role") in set(Role) else None,
        status=q.get("status") if q.get("status") in ("active", "left") else None,
        bound=bound,
        unreachable=q.get("unreachable") == "1",
    )


@PAGES.get("/people")
async def people(request: web.Request) -> web.StreamResponse:
    view = who(request)
    filters = _filters(request)
    number = request.query.get("page", "1")
    async with uow(request) as svc:
        units = await svc.console.units(view.actor)
        result = await svc.console.people(
            view.actor, filters, page=int(number) if number.isdigit() else 1
        )
        office = view.person.has_role(Role.OFFICE)
        quotas = await svc.roster.headcounts(view.actor) if office else None  # 员额
    done = request.query.get("done") if request.query.get("done") in ("quota",) else None
    return page(
        request,
        "people.html",
        result=result,
        units=units,
        f=filters,
        roles=list(Role),
        quotas=quotas,
        done=done,
    )


@PAGES.get("/people/export")
async def people_export(request: web.Request) -> web.StreamResponse:
    return await _export(request, lambda svc, actor, _t, _now: files.roster(svc, actor))


@PAGES.get("/people/{no}")
async def person(request: web.Request) -> web.StreamResponse:
    return await _person_page(request)


async def _person_page(
    request: web.Request, *, status: int = 200, error: str | None = None
) -> web.StreamResponse:
    """A person's page; with the leave (请销假) form for whoever may set their leave."""
    view, t = who(request), tr(request)
    no = request.match_info["no"]
    async with uow(request) as svc:
        detail = await svc.console.person(view.actor, no, locale=t.locale)
        leaves = await svc.leave.of_person(detail.person)
        may_leave = await svc.leave.may_manage(view.actor, no)
    return page(
        request,
        "person.html",
        status=status,
        d=detail,
        done=request.query.get("done"),
        leaves=leaves,
        may_leave=may_leave,
        categories=CATEGORIES,
        leave_error=error,
        leave_form=_leave_fields(request) if error else {},
        form_id=form_id(),
        now=request.config_dict[APP_KEY].clock.now(),
        first_day=lambda at: at.astimezone(t.tz).date().isoformat(),
        last_day=lambda at: last_day(at, t.tz).isoformat(),
    )


def _leave_fields(request: web.Request) -> dict[str, str]:
    return {k: field(request, k) for k in ("category", "first_day", "last_day", "note")}


@PAGES.post("/people/{no}/leave")
async def person_leave(request: web.Request) -> web.StreamResponse:
    """Put the person on leave (office staff; a unit leader for his units' people)."""
    data = _leave_fields(request)
    return await _leave_form(
        request,
        "leave-set",
        lambda svc, no: svc.leave.set(
            who(request).actor,
            no,
            category=data["category"],
            first_day=parse_date(data["first_day"]),
            last_day=parse_date(data["last_day"]),
            note=data["note"],
        ),
    )


@PAGES.post("/people/{no}/leave/end")
async def person_leave_end(request: web.Request) -> web.StreamResponse:
    """The person is back now (a leave not begun is cancelled)."""
    return await _leave_form(
        request, "leave-ended", lambda svc, no: svc.leave.end(who(request).actor, no)
    )


async def _leave_form(
    request: web.Request, done: str, act: Callable[[Services, str], Awaitable[object]]
) -> web.StreamResponse:
    """A leave form acts once (its one-time id) after the person page's own checks (404,
    403); bad input is said next to the form and changes nothing."""
    no = request.match_info["no"]
    try:
        async with _about_person(request) as svc:
            await svc.web_auth.claim_form(
                field(request, "form_id"), who(request).person.id, "leave"
            )
            await act(svc, no)
    except InvalidInput as exc:
        return await _person_page(request, status=400, error=refusal(request, exc))
    raise see_other(f"/people/{no}?done={done}")


@asynccontextmanager
async def _about_person(request: web.Request) -> AsyncIterator[Services]:
    """A transaction about the person of the URL, after the person page's own checks
    (404, 403)."""
    async with uow(request) as svc:
        await svc.console.person(who(request).actor, request.match_info["no"], locale="zh_CN")
        yield svc


@PAGES.post("/people/{no}/unbind")
async def person_unbind(request: web.Request) -> web.StreamResponse:
    view = who(request)
    no = request.match_info["no"]
    async with _about_person(request) as svc:
        await svc.registration.unbind(view.actor, no, reason=field(request, "reason") or None)
    raise see_other(f"/people/{no}?done=unbound")


@PAGES.post("/people/{no}/invite")
async def person_invite(request: web.Request) -> web.StreamResponse:
    view = who(request)
    no = request.match_info["no"]
    async with _about_person(request) as svc:
        # a bound person's code binds another channel (the web chat beside Telegram)
        issued = await svc.registration.issue_codes(view.actor, employee_no=no, also_bound=True)
    return page(request, "invite.html", issued=issued, no=no)


# --- roster import -------------------------------------------------------------------------


@PAGES.get("/roster/import")
async def roster_import_form(request: web.Request) -> web.StreamResponse:
    require_office(who(request))
    return _import_page(request)


def _import_page(request: web.Request, status: int = 200, **ctx: Any) -> web.Response:
    """The roster import page: the upload form, and what `ctx` adds (a check's report)."""
    blank: dict[str, Any] = {"report": None, "problems": [], "lines": [], "upload": ""}
    blank |= {"error": None, "form_id": ""}
    return page(request, "roster_import.html", status=status, **(blank | ctx))


@PAGES.post("/roster/import")
async def roster_import_check(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    require_office(view)
    upload = form(request).get("file")
    error = None
    if not isinstance(upload, web.FileField):
        error = t("web-error-no-file")
    else:
        suffix = Path(upload.filename or "").suffix.lower()
        content = upload.file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            error = t("web-error-too-large", mb=MAX_UPLOAD // 2**20)
        elif suffix not in ROSTER_TYPES:
            error = t("web-error-file-type", types=", ".join(ROSTER_TYPES))
    if error is not None:
        return _import_page(request, 400, error=error)
    assert isinstance(upload, web.FileField)
    path = scratch(request, suffix)
    path.write_bytes(content)
    async with uow(request) as svc:
        report = await svc.roster.import_file(view.actor, path, dry_run=True)
    report.path = upload.filename or path.name
    problems = [(p.row, p.column, problem_line(t, p).strip(), p.warning) for p in report.problems]
    if report.errors:
        path.unlink(missing_ok=True)
    return _import_page(
        request,
        200 if not report.errors else 422,
        report=report,
        problems=problems,
        lines=render_report(t, report),
        upload=path.name if not report.errors else "",
        error=None,
        form_id=form_id(),
    )


@PAGES.post("/roster/import/confirm")
async def roster_import_apply(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    require_office(view)
    name = field(request, "upload")
    path = request.config_dict[EXPORT_DIR_KEY] / Path(name).name
    if not name or not path.is_file():
        return error_page(request, 409, "web-error-stale-form")
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, "roster")
            report = await svc.roster.import_file(
                view.actor, path, name=field(request, "filename") or None
            )
    except DomainError as exc:
        return refused(request, exc)
    finally:
        path.unlink(missing_ok=True)
    return _import_page(request, report=report, lines=render_report(t, report))


# --- notices -------------------------------------------------------------------------------


@PAGES.get("/notices")
async def notices(request: web.Request) -> web.StreamResponse:
    view = who(request)
    async with uow(request) as svc:
        recent = await svc.notices.recent(view.actor, limit=50)
    return page(request, "notices.html", recent=recent)


async def _audience_ctx(request: web.Request) -> dict[str, Any]:
    view = who(request)
    async with uow(request) as svc:
        units = await svc.console.units(view.actor)
    return {"tree": unit_tree(units), "roles": list(Role)}


def unit_tree(units: list[tuple[int, str, int | None]]) -> list[tuple[int, int, str]]:
    """(depth, id, name) in tree order, for indented checkboxes."""
    ids = {u[0] for u in units}
    children: dict[int | None, list[tuple[int, str]]] = {}
    for uid, name, parent in units:
        children.setdefault(parent if parent in ids else None, []).append((uid, name))
    out: list[tuple[int, int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for uid, name in children.get(parent, []):
            out.append((depth, uid, name))
            walk(uid, depth + 1)

    walk(None, 0)
    return out


@PAGES.get("/notices/new")
async def notice_new(request: web.Request) -> web.StreamResponse:
    require_office(who(request))
    return page(
        request,
        "notice_new.html",
        **await _audience_ctx(request),
        v={"title": "", "body": "", "ack_by": "", "ack": False, "sensitive": False},
        sel=picked("all"),
        error=None,
        default_due=default_deadline(request, 3),
    )


def _notice_fields(request: web.Request) -> dict[str, Any]:
    t = tr(request)
    ack = field(request, "ack") == "1"
    return {
        "title": field(request, "title"),
        "body": field(request, "body"),
        "sensitive": field(request, "sensitive") == "1",
        "ack": ack,
        "ack_by": field(request, "ack_by"),
        "ack_at": local_deadline(t, field(request, "ack_by")) if ack else None,
    }


def _composed(v: dict[str, Any], audience: str, attachment: tuple[str, bytes] | None) -> Composed:
    """The notice the form composed (`v`: `_notice_fields`), for `audience`."""
    return Composed(
        audience=audience,
        text=v["body"],
        title=v["title"] or None,
        ack_by=v["ack_at"],
        attachment=attachment,
    )


def _attachment(request: web.Request) -> tuple[str, bytes] | None:
    upload = form(request).get("attachment")
    if isinstance(upload, web.FileField) and upload.filename:
        return upload.filename, upload.file.read(MAX_UPLOAD + 1)
    stored = field(request, "stored_attachment")
    if stored:
        path = request.config_dict[EXPORT_DIR_KEY] / Path(stored).name
        if path.is_file():
            return field(request, "attachment_name") or path.name, path.read_bytes()
    return None


@PAGES.post("/notices/preview")
async def notice_preview(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    require_office(view)
    spec = audience_spec(request)
    try:
        v = _notice_fields(request)
        if v["ack"] and v["ack_at"] is None:
            raise DomainError("web-error-bad-date")
        attachment = _attachment(request)
        async with uow(request) as svc:
            preview = await svc.notices.preview(view.actor, _composed(v, spec, attachment))
    except DomainError as exc:
        return page(
            request,
            "notice_new.html",
            status=400,
            **await _audience_ctx(request),
            v=_raw_fields(request),
            sel=_safe_picked(spec),
            error=refusal(request, exc),
            default_due=default_deadline(request, 3),
        )
    stored = ""
    if attachment is not None:
        path = scratch(request, ".bin")
        path.write_bytes(attachment[1])
        stored = path.name
    return page(
        request,
        "notice_preview.html",
        p=preview,
        v=v,
        spec=spec,
        stored=stored,
        attachment_name=attachment[0] if attachment else "",
        form_id=form_id(),
        ack_local=t.time(v["ack_at"]) if v["ack_at"] else "",
        approval=reason_for(
            t,
            targeted=preview.reach.targeted,
            sensitive=v["sensitive"],
            limit=request.config_dict[APP_KEY].settings.notice_approval_over,
        ),
    )


def _raw_fields(request: web.Request) -> dict[str, Any]:
    return {
        "title": field(request, "title"),
        "body": field(request, "body"),
        "sensitive": field(request, "sensitive") == "1",
        "ack": field(request, "ack") == "1",
        "ack_by": field(request, "ack_by"),
    }


def _safe_picked(spec: str) -> dict[str, Any]:
    try:
        return picked(spec)
    except DomainError:
        return picked("all")


@PAGES.post("/notices/send")
async def notice_send(request: web.Request) -> web.StreamResponse:
    view = who(request)
    require_office(view)
    v = _notice_fields(request)

    async def send(svc: Services) -> str:
        result = await svc.notice_approvals.send(
            view.actor,
            _composed(v, field(request, "audience"), _attachment(request)),
            sensitive=v["sensitive"],
        )
        if isinstance(result, Submitted):  # waits for a second office staffer (issue 21)
            return f"/approvals/{result.draft_id}?done=submitted"
        return f"/notices/{result.notice_id}"

    return await act_once(request, "notice", send)


def _int_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound()
    return int(raw)


@PAGES.get("/notices/{id}")
async def notice(request: web.Request) -> web.StreamResponse:
    view = who(request)
    nid = _int_id(request)
    async with uow(request) as svc:
        stats = await svc.notices.stats(view.actor, nid)
        progress = await svc.notices.progress(view.actor, nid)
        plan = await svc.notices.nudge_plan(view.actor, nid) if stats.notice.requires_ack else None
        readers = await svc.console.notice_readers(view.actor, nid)
    return page(
        request,
        "notice.html",
        s=stats,
        pr=progress,
        plan=plan,
        done=request.query.get("done"),
        form_id=form_id(),
        readers=readers,
    )


@PAGES.get("/notices/{id}/progress")
async def notice_progress(request: web.Request) -> web.StreamResponse:
    view = who(request)
    nid = _int_id(request)
    async with uow(request) as svc:
        progress = await svc.notices.progress(view.actor, nid)
    body = asdict(progress)
    body["done"] = progress.done
    body["percent"] = (
        round(100 * (progress.total - progress.pending) / progress.total)
        if progress.total
        else 100
    )
    return web.json_response(body)


@PAGES.post("/notices/{id}/nudge")
async def notice_nudge(request: web.Request) -> web.StreamResponse:
    nid = _int_id(request)

    async def nudge(svc: Services) -> str:
        await svc.notices.nudge(who(request).actor, nid)
        return f"/notices/{nid}?done=nudged"

    return await act_once(request, "nudge", nudge)


@PAGES.post("/audience/count")
async def audience_count(request: web.Request) -> web.StreamResponse:
    """The picker's live head count: {targeted, unreachable} (office staff)."""
    view = who(request)
    require_office(view)
    key = field(request, "pledge")
    try:
        async with uow(request) as svc:
            if key:  # a pledge goes to its document's roles only
                docs = svc.console.pledge_documents(view.actor)
                if key not in docs:
                    raise web.HTTPNotFound()
                aud = Audience.parse(audience_spec(request))
                reach = await svc.notices.reach(aud.narrowed_to_roles(docs[key]["zh_CN"].audience))
            else:
                _spec, reach = await svc.notices.audience(view.actor, audience_spec(request))
    except EmptyAudience:
        return web.json_response({"targeted": 0, "unreachable": 0, "text": ""})
    except DomainError as exc:
        return web.json_response({"error": refusal(request, exc)}, status=400)
    t = tr(request)
    unreachable = reach.no_account + reach.blocked
    text = t(
        "web-reach", targeted=reach.targeted, reachable=reach.reachable, unreachable=unreachable
    )
    return web.json_response(
        {"targeted": reach.targeted, "unreachable": unreachable, "text": text}
    )


# --- pledges -------------------------------------------------------------------------------


@PAGES.get("/pledges")
async def pledges(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    async with uow(request) as svc:
        docs = svc.console.pledge_documents(view.actor)
        published = {p.key: p for p in await svc.pledges.published_keys(view.actor)}
    rows = [
        (key, (by.get(t.locale) or by["zh_CN"]).title, published.get(key))
        for key, by in sorted(docs.items())
    ]
    return page(request, "pledges.html", rows=rows)


@PAGES.get("/pledges/{key}")
async def pledge(request: web.Request) -> web.StreamResponse:
    view = who(request)
    key = request.match_info["key"]
    async with uow(request) as svc:
        docs = svc.console.pledge_documents(view.actor)
        if key not in docs:
            raise web.HTTPNotFound()
        published = {p.key: p for p in await svc.pledges.published_keys(view.actor)}
        status = await svc.pledges.status(view.actor, key) if key in published else None
    return page(
        request,
        "pledge.html",
        key=key,
        doc=docs[key].get(tr(request).locale) or docs[key]["zh_CN"],
        pstatus=status,
        **await _audience_ctx(request),
        sel=picked("all"),
        default_due=default_deadline(request, 7),
        error=None,
        done=request.query.get("done"),
    )


@PAGES.post("/pledges/{key}/preview")
async def pledge_preview(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    key = request.match_info["key"]
    spec = audience_spec(request)
    try:
        due = local_deadline(t, field(request, "due_at"))
        async with uow(request) as svc:
            docs = svc.console.pledge_documents(view.actor)
            if key not in docs:
                raise web.HTTPNotFound()
            aud = Audience.parse(spec).narrowed_to_roles(docs[key]["zh_CN"].audience)
            reach = await svc.notices.reach(aud)
    except DomainError as exc:
        return refused(request, exc, 400)
    return page(
        request,
        "pledge_preview.html",
        key=key,
        title=(docs[key].get(t.locale) or docs[key]["zh_CN"]).title,
        spec=spec,
        reach=reach,
        due_raw=field(request, "due_at"),
        due_local=t.time(due),
        form_id=form_id(),
        sha=docs[key]["zh_CN"].sha256,
    )


@PAGES.post("/pledges/{key}/publish")
async def pledge_publish(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    key = request.match_info["key"]

    async def publish(svc: Services) -> str:
        due = local_deadline(t, field(request, "due_at"))
        docs = svc.console.pledge_documents(view.actor)
        if key not in docs:
            raise web.HTTPNotFound()
        if docs[key]["zh_CN"].sha256 != field(request, "sha"):
            raise AlreadySubmitted()  # the text changed since the preview: look again
        await svc.pledges.publish(view.actor, key, audience=field(request, "audience"), due_at=due)
        return f"/pledges/{key}?done=published"

    return await act_once(request, "pledge", publish)


@PAGES.get("/pledges/{key}/export")
async def pledge_export(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    return await _export(request, lambda svc, actor, t, now: files.pledge(svc, actor, key, t, now))


# --- escalations ---------------------------------------------------------------------------


@PAGES.get("/escalations")
async def escalations(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    unit = request.query.get("unit") or None
    async with uow(request) as svc:
        if view.person.has_role(Role.OFFICE):
            items = await svc.escalations.open_escalations(view.actor, unit=unit, locale=t.locale)
            team = None
        else:
            items, team = None, await svc.escalations.team(view.actor)
        units = await svc.console.units(view.actor)
    return page(request, "escalations.html", items=items, team=team, units=units, unit=unit)


# --- hotline -------------------------------------------------------------------------------


@PAGES.get("/hotline")
async def hotline(request: web.Request) -> web.StreamResponse:
    view = who(request)
    closed = request.query.get("closed") == "1"
    async with uow(request) as svc:
        queue = await svc.hotline.queue(view.actor, include_closed=closed)
    return page(request, "hotline.html", queue=queue, closed=closed)


def _ticket_page(
    request: web.Request,
    detail: Any,
    *,
    status: int = 200,
    error: str | None = None,
    shown: Any = None,
) -> web.StreamResponse:
    """A ticket with its thread, the reply form and, for a named one, the "show asker"
    form (or the asker, right after it was shown for a reason)."""
    return page(
        request,
        "ticket.html",
        status=status,
        d=detail,
        error=error,
        done=request.query.get("done") if status == 200 and shown is None else None,
        form_id=form_id(),
        asker_form_id=form_id(),
        shown=shown,
    )


@PAGES.get("/hotline/{id}")
async def ticket(request: web.Request) -> web.StreamResponse:
    view = who(request)
    async with uow(request) as svc:
        detail = await svc.hotline.ticket(view.actor, _int_id(request))
    return _ticket_page(request, detail)


@PAGES.post("/hotline/{id}/asker")
async def ticket_asker(request: web.Request) -> web.StreamResponse:
    """Who asked a named ticket, for the reason given: shown on this page only (audited,
    and the asker is told); a resubmitted form shows nothing and tells nobody again."""
    view = who(request)
    tid = _int_id(request)
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, "asker")
            shown = await svc.hotline.show_asker(view.actor, tid, field(request, "reason"))
    except DomainError as exc:
        if isinstance(exc, NotAllowed | NotFound):
            raise
        async with uow(request) as svc:
            detail = await svc.hotline.ticket(view.actor, tid)
        return _ticket_page(request, detail, status=400, error=refusal(request, exc))
    async with uow(request) as svc:
        detail = await svc.hotline.ticket(view.actor, tid)
    return _ticket_page(request, detail, shown=shown)


@PAGES.post("/hotline/{id}/reply")
async def ticket_reply(request: web.Request) -> web.StreamResponse:
    view = who(request)
    tid = _int_id(request)
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, "reply")
            await svc.hotline.reply(view.actor, tid, field(request, "text"))
    except DomainError as exc:
        async with uow(request) as svc:
            detail = await svc.hotline.ticket(view.actor, tid)
        return _ticket_page(request, detail, status=400, error=refusal(request, exc))
    raise see_other(f"/hotline/{tid}?done=replied")


@PAGES.post("/hotline/{id}/close")
async def ticket_close(request: web.Request) -> web.StreamResponse:
    view = who(request)
    tid = _int_id(request)
    async with uow(request) as svc:
        await svc.hotline.close(view.actor, tid)
    raise see_other(f"/hotline/{tid}?done=closed")


# --- audit ---------------------------------------------------------------------------------


@PAGES.get("/audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    view = who(request)
    q = request.query
    filters = {k: q.get(k, "")[:64] for k in ("kind", "actor", "subject")}
    async with uow(request) as svc:
        events = await svc.console.audit_events(
            view.actor,
            kind=filters["kind"],
            actor_label=filters["actor"],
            subject=filters["subject"],
        )
    return page(request, "audit.html", events=events, f=filters, verified=None)


@PAGES.post("/audit/verify")
async def audit_verify(request: web.Request) -> web.StreamResponse:
    view = who(request)
    async with uow(request) as svc:
        count, broken = await svc.console.verify_audit(view.actor)
    async with uow(request) as svc:
        events = await svc.console.audit_events(view.actor)
    return page(
        request,
        "audit.html",
        events=events,
        f={"kind": "", "actor": "", "subject": ""},
        verified={"count": count, "broken": broken},
    )


__all__ = ["PAGES", "PREFIX"]


# --- check-ins and the unit register -------------------------------------------------------


def _week(request: web.Request) -> Any:
    from bot.services.checkins import Week, current_week  # noqa: PLC0415

    raw = request.query.get("week", "")
    app = request.config_dict[APP_KEY]
    return Week.parse(raw) if raw else current_week(app.clock.now(), app.settings)


@PAGES.get("/checkins")
async def checkins(request: web.Request) -> web.StreamResponse:
    """Office: the week's completion per unit, the care list, every unit's register.
    A leader: his unit's register; a mentor: his auxiliaries' check-ins (never office-only
    answers: the services decide)."""
    view = who(request)
    week = _week(request)
    ctx: dict[str, Any] = {
        "week": week,
        "cstatus": None,
        "care": None,
        "summary": None,
        "unit_week": None,
        "mine": None,
    }
    async with uow(request) as svc:
        if view.person.has_role(Role.OFFICE):
            ctx["cstatus"] = await svc.checkins.status(view.actor, week)
            ctx["care"] = await svc.checkins.care_items(view.actor, week)
            ctx["summary"] = await svc.register.summary(view.actor, week)
        else:
            if view.person.has_role(Role.LEADER):
                ctx["unit_week"] = await svc.register.week_view(
                    view.actor, view.person.unit_id, week
                )
            if view.person.has_role(Role.MENTOR):
                ctx["mine"] = await svc.checkins.mentor_view(view.actor, week)
    return page(request, "checkins.html", **ctx)


@PAGES.get("/checkins/register.xlsx")
async def register_export(request: web.Request) -> web.StreamResponse:
    """The register of all units in the layout of the paper form (the CLI's file)."""
    week = _week(request)
    return await _export(request, lambda svc, actor, t, _now: files.register(svc, actor, week, t))


# --- pledge signatures and receipts ------------------------------------------------------


@PAGES.get("/pledges/{key}/signatures")
async def pledge_signatures(request: web.Request) -> web.StreamResponse:
    view = who(request)
    key = request.match_info["key"]
    async with uow(request) as svc:
        rows = await svc.pledges.export_rows(view.actor, key)
    signed = [r for r in rows if r.get("signature_no")]
    return page(request, "signatures.html", key=key, rows=signed)


async def _receipt(request: web.Request) -> dict[str, Any]:
    """What a receipt shows (the service checks who may see it), as render_receipt* take it."""
    view = who(request)
    number = request.match_info["no"].strip().upper()[:32]
    async with uow(request) as svc:
        sig, text, person = await svc.pledges.receipt(view.actor, number)
    now = request.config_dict[APP_KEY].clock.now()
    return {"signature": sig, "text": text, "person": person, "generated_at": now}


def _receipt_file(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@PAGES.get("/receipts/{no}")
async def pledge_receipt(request: web.Request) -> web.StreamResponse:
    """The printable receipt of one signature: the file `muster pledge receipt` writes."""
    from bot.reports.receipt import render_receipt  # noqa: PLC0415

    made = await _receipt(request)
    html = render_receipt(tr(request), **made)
    name = f"receipt-{made['signature'].signature_no}.html"
    return _receipt_file(html.encode("utf-8"), "text/html", name)


@PAGES.get("/receipts/{no}/pdf")
async def pledge_receipt_pdf(request: web.Request) -> web.StreamResponse:
    """The same receipt as a PDF (`muster pledge receipt NO --out FILE.pdf`); without a
    CJK font on the server, a page naming the package to install."""
    from bot.reports.receipt_pdf import render_receipt_pdf, system_font  # noqa: PLC0415

    made = await _receipt(request)
    pdf = render_receipt_pdf(tr(request).text_only(), font=system_font(), **made)
    name = f"receipt-{made['signature'].signature_no}.pdf"
    return _receipt_file(pdf, "application/pdf", name)


# --- training ----------------------------------------------------------------------------


@PAGES.get("/training")
async def trainings(request: web.Request) -> web.StreamResponse:
    view, t = who(request), tr(request)
    async with uow(request) as svc:
        modules = svc.console.training_modules(view.actor)
    rows = [(k, m.titles.get(t.locale) or m.titles["zh_CN"]) for k, m in sorted(modules.items())]
    return page(request, "trainings.html", rows=rows)


@PAGES.get("/training/{key}")
async def training(request: web.Request) -> web.StreamResponse:
    """Status per unit and the per-question wrong-answer chart of a module."""
    view, t = who(request), tr(request)
    key = request.match_info["key"]
    async with uow(request) as svc:
        modules = svc.console.training_modules(view.actor)
        if key not in modules:
            raise web.HTTPNotFound()
        tstatus: Any = None
        stats: Any = None
        try:
            tstatus = await svc.training.status(view.actor, key)
            stats = await svc.training.stats(view.actor, key, locale=t.locale)
        except DomainError:  # not published yet
            pass
    module = modules[key]
    return page(
        request,
        "training.html",
        key=key,
        title=module.titles.get(t.locale) or module.titles["zh_CN"],
        tstatus=tstatus,
        stats=stats,
    )


@PAGES.get("/training/{key}/export")
async def training_export(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    return await _export(
        request, lambda svc, actor, t, now: files.training(svc, actor, key, t, now)
    )


@PAGES.get("/hotline-gaps")
async def faq_gaps(request: web.Request) -> web.StreamResponse:
    """The hotline's gaps: unanswered or handed-on questions grouped by similarity, the
    same list as `muster kb gaps` (office only, in the service)."""
    view = who(request)
    app = request.config_dict[APP_KEY]
    async with uow(request) as svc:
        gaps = await svc.hotline.gaps(view.actor, since=app.clock.now() - files.GAPS_WINDOW)
    return page(request, "faq_gaps.html", gaps=gaps)


@PAGES.get("/hotline-gaps/export")
async def faq_gaps_export(request: web.Request) -> web.StreamResponse:
    """The same groups as a workbook, the file `muster kb gaps --out` writes."""
    return await _export(request, files.hotline_gaps)


@PAGES.get("/notices/{id}/readers.csv")
async def notice_readers_export(request: web.Request) -> web.StreamResponse:
    """Read / unread per person, for Excel (UTF-8 with BOM)."""
    nid = _int_id(request)
    return await _export(
        request, lambda svc, actor, t, _now: files.notice_readers(svc, actor, nid, t)
    )
