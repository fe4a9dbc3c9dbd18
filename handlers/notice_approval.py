"""A notice waiting for a second office staffer's approval (issue 21): the approver's
Approve and Return buttons, the reason for returning it, and /approvals, the list."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.router import Flow
from bot.services.notice_approval import (
    AlreadyDecided,
    Draft,
    Submitted,
    approval_buttons,
    why,
)
from bot.services.notices import render_message
from handlers.common import command_and_button

flow = Flow("notice_approval")

STEP_REASON = "approval.reason"


def submitted_reply(ctx: Context, result: Submitted) -> Reply:
    """What the sender sees once the notice waits for approval (his preview, edited)."""
    key = "approval-submitted" if result.approvers else "approval-submitted-nobody"
    text = ctx.t(key, id=result.draft_id, why=why(ctx.t, result.draft), approvers=result.approvers)
    return Reply(text, edit=True)


def _request(ctx: Context, draft: Draft, *, edit: bool) -> Reply:
    """A waiting notice as its approver sees it, with Approve and Return."""
    text = ctx.t(
        "approval-request",
        who=draft.created_by,
        count=draft.targeted,
        audience=draft.audience,
        why=why(ctx.t, draft),
        message=render_message(ctx.t, draft.notice),
    )
    if draft.mine(ctx.actor):
        return Reply(ctx.t("approval-own-waiting", id=draft.id), edit=edit)
    rows = [
        [Button(b["label"], b["action"]) for b in row] for row in approval_buttons(ctx.t, draft.id)
    ]
    return Reply(text, buttons=rows, edit=edit)


async def _list(ctx: Context, *, edit: bool) -> Reply:
    waiting = await ctx.services.notice_approvals.waiting(ctx.actor)  # office staff only
    if not waiting:
        return Reply(
            ctx.t("approval-list-empty"),
            buttons=[[Button(ctx.t("btn-back-menu"), Btn.MENU_HOME)]],
            edit=edit,
        )
    rows = [
        [
            Button(
                ctx.t(
                    "btn-approval-item",
                    id=d.id,
                    title=d.notice.title[:24],
                    who=d.created_by,
                    count=d.targeted,
                ),
                Btn.APPROVAL_OPEN.token(d.id),
            )
        ]
        for d in waiting
    ]
    return Reply(ctx.t("approval-list"), buttons=rows, edit=edit)


# List the notices waiting for approval (from the notices menu in place of its message).
command_and_button(flow, "approvals", Btn.APPROVAL_LIST, _list)


@flow.button(Btn.APPROVAL_OPEN)
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Show a waiting notice with Approve and Return."""
    draft = await ctx.services.notice_approvals.get(ctx.actor, ctx.action(event).int_arg(0))
    return [_request(ctx, draft, edit=False)]


@flow.button(Btn.APPROVAL_APPROVE)
async def cb_approve(event: Incoming, ctx: Context) -> list[Reply]:
    """Approve the notice: it is sent now; the request turns into what happened."""
    done = await ctx.services.notice_approvals.approve(ctx.actor, ctx.action(event).int_arg(0))
    return [
        Reply(
            ctx.t("approval-approved", id=done.sent.notice_id, count=done.sent.targeted), edit=True
        )
    ]


@flow.button(Btn.APPROVAL_RETURN)
async def cb_return(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the reason the notice is returned."""
    draft = await ctx.services.notice_approvals.get(ctx.actor, ctx.action(event).int_arg(0))
    if draft.mine(ctx.actor):
        return [Reply(ctx.t("approval-error-own"))]
    ctx.state.go(STEP_REASON, draft=draft.id)
    cancel = Button(ctx.t("btn-approval-cancel"), Btn.APPROVAL_CANCEL)
    return [Reply(ctx.t("approval-ask-reason"), buttons=[[cancel]])]


@flow.text(STEP_REASON)
async def on_text_reason(event: Incoming, ctx: Context) -> list[Reply]:
    """Return the notice with the typed reason; its sender is told."""
    try:
        draft = await ctx.services.notice_approvals.return_draft(
            ctx.actor, int(ctx.state.data["draft"]), event.text
        )
    except AlreadyDecided as exc:  # decided meanwhile: nothing to return any more
        ctx.state.clear()
        return [Reply(exc.render(ctx.t))]
    ctx.state.clear()
    return [
        Reply(
            ctx.t(
                "approval-returned", id=draft.id, who=draft.created_by, reason=draft.reason or ""
            )
        )
    ]


@flow.button(Btn.APPROVAL_CANCEL)
async def cb_cancel(event: Incoming, ctx: Context) -> list[Reply]:
    """Do not return the notice after all."""
    ctx.state.clear()
    return [Reply(ctx.t("approval-return-cancelled"), edit=True)]
