"""The console's roster pages (issue 17): the units' approved headcounts (员额), the change
filings (备案) with their export, and the roster in the statistics table's own layout."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiohttp import web

from bot.cli.roster import letter_text, write_changes
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.services.roster import Filing, parse_quota
from bot.timeparse import parse_date
from bot.web.console import APP_KEY, field, page, require_office, see_other, tr, uow, who
from bot.web.pages import download, scratch

ROSTER_PAGES = web.RouteTableDef()


@ROSTER_PAGES.post("/roster/quota")
async def quota_set(request: web.Request) -> web.StreamResponse:
    """Set or clear a unit's 员额; back to the people page's quota table."""
    view = who(request)
    require_office(view)
    quota = parse_quota(field(request, "quota"))
    async with uow(request) as svc:
        await svc.roster.set_quota(view.actor, field(request, "unit"), quota)
    raise see_other("/people?done=quota#quotas")


def _day(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    day = parse_date(raw[:40])
    if day is None:
        raise InvalidInput("roster-changes-bad-date", value=raw[:40])
    return day


def _window(request: web.Request, t: Translator) -> tuple[date, date | None]:
    """The filter's days: from `since` (default the 1st of this month) to `until`."""
    today = request.config_dict[APP_KEY].clock.now().astimezone(t.tz).date()
    since = _day(request, "since") or today.replace(day=1)
    return since, _day(request, "until")


async def _filings(request: web.Request) -> tuple[date, date | None, list[Filing]]:
    view, t = who(request), tr(request)
    require_office(view)  # before the dates: a stranger learns nothing from their checks
    since, until = _window(request, t)
    start = datetime.combine(since, time(), tzinfo=t.tz)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=t.tz) if until else None
    async with uow(request) as svc:
        filings = await svc.roster.changes(view.actor, start, end)
    return since, until, filings


@ROSTER_PAGES.get("/roster/changes")
async def changes(request: web.Request) -> web.StreamResponse:
    """The change filings (备案) between two days, each with its successor's letter."""
    t = tr(request)
    since, until, filings = await _filings(request)
    letters = [letter_text(t, f.letter) if f.letter is not None else "" for f in filings]
    return page(
        request,
        "roster_changes.html",
        rows=list(zip(filings, letters, strict=True)),
        since=since.isoformat(),
        until=until.isoformat() if until else "",
    )


@ROSTER_PAGES.get("/roster/changes.xlsx")
async def changes_export(request: web.Request) -> web.StreamResponse:
    """The same filings as an .xlsx, as `muster roster changes --out` writes them."""
    t = tr(request)
    since, _until, filings = await _filings(request)
    path = scratch(request, ".xlsx")
    write_changes(t, path, filings)
    return download(path, f"{t('roster-changes-sheet')}-{since.isoformat()}.xlsx")


@ROSTER_PAGES.get("/roster/form.xlsx")
async def form_export(request: web.Request) -> web.StreamResponse:
    """The roster as the bureau's statistics table, one sheet per unit."""
    view = who(request)
    path = scratch(request, ".xlsx")
    async with uow(request) as svc:
        await svc.roster.export_form(view.actor, path)
    return download(path, tr(request)("roster-form-file"))
