"""The console's notice approvals (issue 21): the notices waiting for a second office
staffer, one draft with Approve and Return (a reason), and what was decided lately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.actor import Actor
from bot.services import Services
from bot.services.notice_approval import why
from bot.services.notices import render_message
from bot.web.console import APP_KEY, act_once, field, page, require_office, tr, uow, who
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


async def _decided(
    request: web.Request, decide: Callable[[Services, Actor, int], Awaitable[str]]
) -> web.StreamResponse:
    """A decision form that acts once (its one-time id is claimed first), then the page
    `decide` returns; a refusal (own notice, decided already, no reason) is a 409 page."""
    view = who(request)
    require_office(view)
    draft_id = _int_id(request)
    return await act_once(request, "approval", lambda svc: decide(svc, view.actor, draft_id))


@APPROVAL_PAGES.post("/approvals/{id}/approve")
async def approve(request: web.Request) -> web.StreamResponse:
    """Approve another staffer's notice: it is sent now."""

    async def decide(svc: Services, actor: Actor, draft_id: int) -> str:
        done = await svc.notice_approvals.approve(actor, draft_id)
        return f"/notices/{done.sent.notice_id}"

    return await _decided(request, decide)


@APPROVAL_PAGES.post("/approvals/{id}/return")
async def return_draft(request: web.Request) -> web.StreamResponse:
    """Return another staffer's notice with a reason; he is told."""

    async def decide(svc: Services, actor: Actor, draft_id: int) -> str:
        await svc.notice_approvals.return_draft(actor, draft_id, field(request, "reason"))
        return f"/approvals/{draft_id}?done=returned"

    return await _decided(request, decide)
