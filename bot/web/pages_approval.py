"""The console's notice approvals (issue 21): the notices waiting for a second office
staffer, one draft with Approve and Return (a reason), and what was decided lately."""

from __future__ import annotations

from aiohttp import web

from bot.errors import DomainError
from bot.services.notice_approval import why
from bot.services.notices import render_message
from bot.web.console import (
    APP_KEY,
    field,
    page,
    refusal,
    require_office,
    see_other,
    tr,
    uow,
    who,
)
from bot.web.pages import _int_id, form_id

APPROVAL_PAGES = web.RouteTableDef()


@APPROVAL_PAGES.get("/approvals")
async def approvals(request: web.Request) -> web.StreamResponse:
    """The waiting drafts, oldest first, and the latest decisions."""
    view = who(request)
    async with uow(request) as svc:
        waiting = await svc.notice_approvals.waiting(view.actor)  # office staff only
        recent = await svc.notice_approvals.recent(view.actor)
    limit = request.config_dict[APP_KEY].settings.notice_approval_over
    decided = [d for d in recent if d.status != "waiting"]
    return page(request, "approvals.html", waiting=waiting, decided=decided, limit=limit)


@APPROVAL_PAGES.get("/approvals/{id}")
async def approval(request: web.Request) -> web.StreamResponse:
    """One draft as its recipients would see it, with Approve and Return."""
    view, t = who(request), tr(request)
    async with uow(request) as svc:
        draft = await svc.notice_approvals.get(view.actor, _int_id(request))
    done = request.query.get("done")
    return page(
        request,
        "approval.html",
        d=draft,
        why=why(t, draft),
        message=render_message(t, draft.notice),
        mine=draft.mine(view.actor),
        form_id=form_id(),
        done=done if done in ("submitted", "returned") else None,
    )


@APPROVAL_PAGES.post("/approvals/{id}/approve")
async def approve(request: web.Request) -> web.StreamResponse:
    """Approve another staffer's notice: it is sent now."""
    view = who(request)
    require_office(view)
    draft_id = _int_id(request)
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, "approval")
            done = await svc.notice_approvals.approve(view.actor, draft_id)
    except DomainError as exc:
        return page(request, "error.html", status=409, message=refusal(request, exc))
    raise see_other(f"/notices/{done.sent.notice_id}")


@APPROVAL_PAGES.post("/approvals/{id}/return")
async def return_draft(request: web.Request) -> web.StreamResponse:
    """Return another staffer's notice with a reason; he is told."""
    view = who(request)
    require_office(view)
    draft_id = _int_id(request)
    try:
        async with uow(request) as svc:
            await svc.web_auth.claim_form(field(request, "form_id"), view.person.id, "approval")
            await svc.notice_approvals.return_draft(view.actor, draft_id, field(request, "reason"))
    except DomainError as exc:
        return page(request, "error.html", status=409, message=refusal(request, exc))
    raise see_other(f"/approvals/{draft_id}?done=returned")
