"""Notices: office staff send one (/notice), watch delivery and nudge; recipients confirm."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.errors import InvalidInput
from bot.notice_render import office_buttons, render_stats
from bot.router import Flow
from bot.services.notice_approval import Submitted, reason_for
from bot.services.notices import (
    MAX_TEXT,
    AckResult,
    Composed,
    EmptyAudience,
    Opened,
    message_buttons,
    render_message,
)
from bot.text import html_join
from bot.timeparse import parse_local, parse_quick_token, quick_deadlines, quick_token
from handlers.common import back_to_menu, cancel_button, command_and_button
from handlers.notice_approval import submitted_reply
from handlers.office import export_button
from storage.models import Role

flow = Flow("notices")
flow.menu_entry("menu-notices", Btn.NOTICE_MENU, roles={"office"}, order=70)

STEP_PICK = "notice.pick"  # picking units and roles with buttons
STEP_SPEC = "notice.audience"
STEP_TEXT = "notice.text"
STEP_ACK_BY = "notice.ack_by"
STEP_CONFIRM = "notice.confirm"
RECENT = 8
UNITS_PER_PAGE = 10  # unit buttons on one page of the audience picker
ROLE_KEYS = {
    Role.AUXILIARY: "notice-role-auxiliary",
    Role.MENTOR: "notice-role-mentor",
    Role.LEADER: "notice-role-leader",
    Role.OFFICE: "notice-role-office",
}


def _buttons(rows: list[list[dict[str, str]]]) -> list[list[Button]]:
    return [[Button(b["label"], b["action"]) for b in row] for row in rows]


def _example(ctx: Context) -> str:
    tomorrow = ctx.clock.now().astimezone(ctx.t.tz) + timedelta(days=1)
    return tomorrow.strftime("%Y-%m-%d 18:00")


# --- recipients ---------------------------------------------------------------------


def _recipient_view(ctx: Context, opened: Opened, *, nudge: bool, edit: bool) -> Reply:
    return Reply(
        render_message(ctx.t, opened.notice, nudge=nudge),
        buttons=_buttons(
            message_buttons(ctx.t, opened.notice, nudge=nudge, acked_at=opened.acked_at)
        ),
        edit=edit,
    )


def _hhmm(ctx: Context, at: datetime) -> str:
    return at.astimezone(ctx.t.tz).strftime("%H:%M")


def _acked(ctx: Context, event: Incoming, result: AckResult) -> Reply:
    """The notice as it now reads, its button turned into "acknowledged at", and a toast."""
    nudge = len(ctx.action(event).args) > 1
    reply = _recipient_view(ctx, Opened(result.notice, result.acked_at), nudge=nudge, edit=True)
    key = "notice-acked-toast" if result.new else "notice-acked-already-toast"
    reply.toast = ctx.t(key, time=_hhmm(ctx, result.acked_at))
    return reply


async def cb_ack_many(events: list[Incoming], ctxs: list[Context]) -> list[list[Reply] | None]:
    """Many people's presses of "Received" at once (the burst after a notice): written
    together; a press the service leaves alone goes through `cb_ack`. Presses of the same
    button in the same language read the same (one time for the group): rendered once."""
    results = await ctxs[0].services.notices.acknowledge_many(
        [
            (ctx.me, ctx.action(event).int_arg(0), event.account.channel)
            for event, ctx in zip(events, ctxs, strict=True)
        ]
    )
    rendered: dict[tuple[str, str, datetime, bool], Reply] = {}
    answers: list[list[Reply] | None] = []
    for event, ctx, result in zip(events, ctxs, results, strict=True):
        if result is None:
            answers.append(None)
            continue
        key = (ctx.t.locale, event.name, result.acked_at, result.new)
        if key not in rendered:
            rendered[key] = _acked(ctx, event, result)
        answers.append([dataclasses.replace(rendered[key], buttons=list(rendered[key].buttons))])
    return answers


@flow.button(Btn.NOTICE_ACK, batch=cb_ack_many)
async def cb_ack(event: Incoming, ctx: Context) -> list[Reply]:
    """Record that I received the notice; the button turns into "acknowledged at"."""
    result = await ctx.services.notices.acknowledge(
        ctx.me, ctx.action(event).int_arg(0), channel=event.account.channel
    )
    return [_acked(ctx, event, result)]


@flow.button(Btn.NOTICE_ACKED)
async def cb_done(event: Incoming, ctx: Context) -> list[Reply]:
    """Say when I acknowledged; the message stays as it is."""
    opened = await ctx.services.notices.opened(ctx.me, ctx.action(event).int_arg(0))
    reply = _recipient_view(ctx, opened, nudge=False, edit=True)
    if opened.acked_at is not None:
        reply.toast = ctx.t("notice-acked-already-toast", time=_hhmm(ctx, opened.acked_at))
    return [reply]


@flow.button(Btn.NOTICE_OPEN)
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the notice behind an acknowledgment task, with its "Received" button."""
    opened = await ctx.services.notices.opened_by_assignment(ctx.me, ctx.action(event).int_arg(0))
    return [_recipient_view(ctx, opened, nudge=False, edit=False)]


@flow.button(Btn.NOTICE_FILE)
async def cb_file(event: Incoming, ctx: Context) -> list[Reply]:
    """Send me the notice's attachment."""
    notice_id = ctx.action(event).int_arg(0)
    title, name, content = await ctx.services.notices.attachment(ctx.me, notice_id)
    return [
        Reply(
            ctx.t("notice-file-caption", title=title),
            document=Document(name, content),
        )
    ]


# --- office: composing --------------------------------------------------------------


async def _ask_audience(ctx: Context, *, edit: bool) -> Reply:
    ctx.state.go(STEP_PICK, units=[], roles=[], page=0)
    return await _picker(ctx, edit=edit)


# Start a new notice (from the notices menu in place of its message): ask for the audience.
command_and_button(flow, "notice", Btn.NOTICE_NEW, _ask_audience)


async def _picker(ctx: Context, *, edit: bool = True) -> Reply:
    """Step 1: everyone in one tap, or units and roles ticked on and off (several of
    each: any of the units, any of the roles, both must match), then Next."""
    units = await ctx.services.notices.units(ctx.actor)  # office staff only
    data = ctx.state.data
    picked_units = [(uid, name) for uid, name in units if uid in data.get("units", [])]
    picked_roles = [r for r in ROLE_KEYS if r in data.get("roles", [])]
    pages = max(1, -(-len(units) // UNITS_PER_PAGE))
    page = min(max(int(data.get("page", 0)), 0), pages - 1)
    t = ctx.t
    rows = [[Button(t("btn-notice-aud-all"), Btn.NOTICE_AUDIENCE.token("all"))]]
    on_page = units[page * UNITS_PER_PAGE : (page + 1) * UNITS_PER_PAGE]
    unit_buttons = [
        Button(
            t("btn-notice-aud-unit", unit=name, on="yes" if (uid, name) in picked_units else "no"),
            Btn.NOTICE_AUDIENCE.token("u", uid),
        )
        for uid, name in on_page
    ]
    rows += [unit_buttons[i : i + 2] for i in range(0, len(unit_buttons), 2)]
    if pages > 1:  # ◀ page n/m ▶: the middle one shows the same page again
        turns = [
            (page - 1, "btn-notice-aud-prev"),
            (page, ""),
            (page + 1, "btn-notice-aud-next-page"),
        ]
        rows.append(
            [
                Button(
                    t(key) if key else t("btn-notice-aud-page", page=page + 1, pages=pages),
                    Btn.NOTICE_AUDIENCE_PAGE.token(to),
                )
                for to, key in turns
                if 0 <= to < pages
            ]
        )
    role_buttons = [
        Button(
            t("btn-notice-aud-role", role=t(key), on="yes" if role in picked_roles else "no"),
            Btn.NOTICE_AUDIENCE.token("r", role),
        )
        for role, key in ROLE_KEYS.items()
    ]
    rows += [role_buttons[i : i + 2] for i in range(0, len(role_buttons), 2)]
    rows.append([Button(t("btn-notice-aud-spec"), Btn.NOTICE_AUDIENCE_TYPED)])
    lines = [t("notice-ask-audience")]
    spec = _spec([name for _, name in picked_units], picked_roles)
    if spec is None:
        lines.append(t("notice-aud-none-yet"))
    else:
        names = t("notice-aud-list-sep").join(name for _, name in picked_units)
        roles = t("notice-aud-list-sep").join(t(ROLE_KEYS[r]) for r in picked_roles)
        try:
            _, reach = await ctx.services.notices.audience(ctx.actor, spec)
            count = reach.targeted
        except EmptyAudience:
            count = 0
        lines.append(t("notice-aud-picked", units=names or "-", roles=roles or "-", count=count))
        if count:
            rows.append([Button(t("btn-notice-aud-done", count=count), Btn.NOTICE_AUDIENCE_DONE)])
    rows.append([Button(t("btn-notice-cancel"), Btn.NOTICE_CANCEL)])
    kept = [str(r) for r in picked_roles]
    ctx.state.go(STEP_PICK, units=[uid for uid, _ in picked_units], roles=kept, page=page)
    return Reply(html_join(lines), buttons=rows, edit=edit)


def _spec(units: Sequence[str], roles: Sequence[str]) -> str | None:
    """The audience spec of a selection; None while nothing is picked."""
    bits = [f"unit:{name}" for name in units] + [f"role:{role}" for role in roles]
    return ",".join(bits) or None


@flow.button(Btn.NOTICE_AUDIENCE)
async def cb_audience(event: Incoming, ctx: Context) -> list[Reply]:
    """Everyone: ask for the text. A unit or role: tick it on or off in the picker."""
    action = ctx.action(event)
    kind = action.arg(0)
    if kind == "all":
        return await _ask_text(ctx, "all", edit=True)
    if ctx.state.step != STEP_PICK:
        return [Reply(ctx.t("error-stale-button"))]
    data = ctx.state.data
    if kind == "u":
        uid = action.int_arg(1)
        units = list(data.get("units", []))
        data["units"] = [u for u in units if u != uid] if uid in units else [*units, uid]
    elif kind == "r" and action.arg(1) in ROLE_KEYS:
        role, roles = action.arg(1), list(data.get("roles", []))
        data["roles"] = [r for r in roles if r != role] if role in roles else [*roles, role]
    return [await _picker(ctx)]


@flow.button(Btn.NOTICE_AUDIENCE_PAGE)
async def cb_audience_page(event: Incoming, ctx: Context) -> list[Reply]:
    """Show another page of units, keeping what is ticked."""
    if ctx.state.step != STEP_PICK:
        return [Reply(ctx.t("error-stale-button"))]
    ctx.state.data["page"] = ctx.action(event).int_arg(0)
    return [await _picker(ctx)]


@flow.button(Btn.NOTICE_AUDIENCE_DONE)
async def cb_audience_done(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the ticked units and roles as the audience; ask for the text."""
    if ctx.state.step != STEP_PICK:
        return [Reply(ctx.t("error-stale-button"))]
    data = ctx.state.data
    units = [await ctx.services.notices.unit_name(ctx.actor, uid) for uid in data.get("units", [])]
    spec = _spec(units, [r for r in ROLE_KEYS if r in data.get("roles", [])])
    return await _ask_text(ctx, spec or "all", edit=True)


@flow.button(Btn.NOTICE_AUDIENCE_TYPED)
async def cb_spec(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for a typed audience spec."""
    ctx.state.go(STEP_SPEC)  # the service checks the role when the spec comes
    cancel = Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL)
    return [Reply(ctx.t("notice-ask-spec"), buttons=[[cancel]])]


@flow.text(STEP_SPEC)
async def on_text_spec(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a typed audience spec; ask for the text."""
    return await _ask_text(ctx, event.text.strip(), edit=False)


async def _ask_text(ctx: Context, spec: str, *, edit: bool) -> list[Reply]:
    audience, reach = await ctx.services.notices.audience(ctx.actor, spec)
    ctx.state.go(STEP_TEXT, audience=audience)
    return [
        Reply(
            ctx.t("notice-ask-text", audience=audience, count=reach.targeted, limit=MAX_TEXT),
            buttons=[[Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL)]],
            edit=edit,
        )
    ]


@flow.text(STEP_TEXT)
async def on_text_body(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the notice text; ask whether it must be acknowledged."""
    ctx.services.notices.draft(event.text)  # empty or too long: said now, not at the end
    ctx.state.go(STEP_ACK_BY, audience=ctx.state.data["audience"], text=event.text)
    return [
        Reply(
            ctx.t("notice-ask-ack"),
            buttons=[
                [Button(ctx.t("btn-notice-ack-yes"), Btn.NOTICE_ACK_YES)],
                [Button(ctx.t("btn-notice-ack-no"), Btn.NOTICE_ACK_NO)],
                [Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL)],
            ],
        )
    ]


@flow.button(Btn.NOTICE_ACK_YES)
async def cb_ack_yes(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the acknowledgment deadline: a quick button, or typed."""
    if "text" not in ctx.state.data:
        return [Reply(ctx.t("error-stale-button"))]
    tz = ctx.settings.tz
    quick = [
        Button(
            ctx.t(f"btn-due-{which}", date=at.strftime("%m-%d"), time=at.strftime("%H:%M")),
            Btn.NOTICE_DUE.token(quick_token(at, tz)),
        )
        for which, at in quick_deadlines(ctx.clock.now(), tz)
    ]
    rows = [quick[i : i + 2] for i in range(0, len(quick), 2)]
    rows.append([Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL)])
    return [Reply(ctx.t("notice-ask-ack-by", example=_example(ctx)), buttons=rows, edit=True)]


@flow.button(Btn.NOTICE_DUE)
async def cb_due(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a deadline offered as a button and show the preview."""
    ack_by = parse_quick_token(ctx.action(event).arg(0), ctx.settings.tz)
    if ctx.state.step != STEP_ACK_BY or "text" not in ctx.state.data or ack_by is None:
        return [Reply(ctx.t("error-stale-button"))]
    return await _preview(ctx, ack_by)


@flow.text(STEP_ACK_BY)
async def on_text_ack_by(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the deadline (local time) and show the preview."""
    ack_by = parse_local(event.text, ctx.settings.tz, ctx.clock.now())
    if ack_by is None:
        raise InvalidInput("notice-error-bad-time", value=event.text[:40], example=_example(ctx))
    return await _preview(ctx, ack_by)


@flow.button(Btn.NOTICE_ACK_NO)
async def cb_ack_no(event: Incoming, ctx: Context) -> list[Reply]:
    """No acknowledgment: show the preview."""
    if "text" not in ctx.state.data:
        return [Reply(ctx.t("error-stale-button"))]
    return await _preview(ctx, None)


async def _preview(ctx: Context, ack_by: datetime | None) -> list[Reply]:
    data = ctx.state.data
    preview = await ctx.services.notices.preview(
        ctx.actor, Composed(audience=data["audience"], text=data["text"], ack_by=ack_by)
    )
    ctx.state.go(
        STEP_CONFIRM,
        audience=data["audience"],
        text=data["text"],
        ack_by=ack_by.isoformat() if ack_by else None,
    )
    ack = (
        ctx.t("notice-preview-ack", due=ctx.t.time(ack_by))
        if ack_by
        else ctx.t("notice-preview-no-ack")
    )
    head = ctx.t(
        "notice-preview-head",
        audience=preview.audience,
        count=preview.reach.targeted,
        unbound=preview.reach.no_account,
        blocked=preview.reach.blocked,
        ack=ack,
    )
    buttons = [
        [
            Button(ctx.t("btn-notice-send"), Btn.NOTICE_SEND),
            Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL),
        ],
        [Button(ctx.t("btn-notice-send-sensitive"), Btn.NOTICE_SEND.token("s"))],
    ]
    limit = ctx.settings.notice_approval_over
    why = reason_for(ctx.t, targeted=preview.reach.targeted, sensitive=False, limit=limit)
    if why:  # over the limit: it waits for a second office staffer (issue 21)
        head = html_join([head, ctx.t("notice-preview-approval", why=why)])
        buttons = [
            [
                Button(ctx.t("btn-notice-send-approval"), Btn.NOTICE_SEND),
                Button(ctx.t("btn-notice-cancel"), Btn.NOTICE_CANCEL),
            ]
        ]
    return [Reply(head), Reply(render_message(ctx.t, preview.notice), buttons=buttons)]


@flow.button(Btn.NOTICE_SEND)
async def cb_send(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the previewed notice; the preview turns into its progress."""
    data = ctx.state.data
    if ctx.state.step != STEP_CONFIRM or "text" not in data:
        if data.get("sent"):  # pressed twice: the first press sent it
            return [Reply(ctx.t("notice-already-sent", id=data["sent"]))]
        if data.get("submitted"):  # pressed twice: the first press asked for approval
            return [Reply(ctx.t("approval-already-submitted", id=data["submitted"]))]
        return [Reply(ctx.t("error-stale-button"))]  # an old preview
    ack_by = datetime.fromisoformat(data["ack_by"]) if data.get("ack_by") else None
    # the pressed preview becomes the progress, which a job then keeps up to date
    shown = (ctx.me, event.message_ref) if event.message_ref else None
    result = await ctx.services.notice_approvals.send(
        ctx.actor,
        Composed(audience=data["audience"], text=data["text"], ack_by=ack_by),
        progress_at=shown,
        sensitive=ctx.action(event).args[:1] == ("s",),
    )
    if isinstance(result, Submitted):  # waits for a second office staffer (issue 21)
        ctx.state.go(None, submitted=result.draft_id)
        return [submitted_reply(ctx, result)]
    ctx.state.go(None, sent=result.notice_id)  # a second press answers "already sent"
    text = ctx.t.of("notice-sent", result, id=result.notice_id)
    return [
        Reply(text, buttons=_office_buttons(ctx, result.notice_id, ack_by is not None), edit=True)
    ]


# Drop the notice being composed.
cancel_button(flow, Btn.NOTICE_CANCEL, "notice-cancelled")


# --- office: watching and nudging --------------------------------------------------


def _office_buttons(ctx: Context, notice_id: int, requires_ack: bool) -> list[list[Button]]:
    """Refresh, nudge (with confirmation), and who has read it as a file."""
    readers = export_button(ctx, "office-export-readers", "n", notice_id)
    return [*_buttons(office_buttons(ctx.t, notice_id, requires_ack)), [readers]]


@flow.button(Btn.NOTICE_MENU)
async def cb_menu(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer a new notice and list the recent ones with their counts."""
    recent = await ctx.services.notices.recent(ctx.actor, RECENT)  # office staff only
    rows = [[Button(ctx.t("btn-notice-new"), Btn.NOTICE_NEW)]]
    waiting = await ctx.services.notice_approvals.waiting(ctx.actor)
    if waiting:
        rows.append([Button(ctx.t("btn-approval-waiting", count=len(waiting)), Btn.APPROVAL_LIST)])
    for notice, progress in recent:
        title = notice.title[:24]
        if notice.requires_ack:
            key, done = "btn-notice-recent-ack", {"acked": progress.acknowledged}
        else:
            key, done = "btn-notice-recent-sent", {"sent": progress.sent}
        label = ctx.t(key, id=notice.id, title=title, total=progress.total, **done)
        rows.append([Button(label, Btn.NOTICE_STATS.token(notice.id))])
    rows.append(back_to_menu(ctx))
    key = "notice-menu" if recent else "notice-menu-empty"
    return [Reply(ctx.t(key), buttons=rows, edit=True)]


@flow.button(Btn.NOTICE_STATS)
async def cb_stats(event: Incoming, ctx: Context) -> list[Reply]:
    """Show a notice's progress and per-unit counts, replacing the message."""
    stats = await ctx.services.notices.stats(ctx.actor, ctx.action(event).int_arg(0))
    return [
        Reply(
            render_stats(ctx.t, stats, ctx.clock.now()),
            buttons=_office_buttons(ctx, stats.notice.id, stats.notice.requires_ack),
            edit=True,
        )
    ]


@flow.button(Btn.NOTICE_NUDGE_ASK)
async def cb_nudge_ask(event: Incoming, ctx: Context) -> list[Reply]:
    """Say how many people a reminder would reach, and ask to confirm."""
    notice_id = ctx.action(event).int_arg(0)
    plan = await ctx.services.notices.nudge_plan(ctx.actor, notice_id)
    back = [Button(ctx.t("btn-notice-refresh"), Btn.NOTICE_STATS.token(notice_id))]
    if plan.reachable == 0:
        text = ctx.t(
            "notice-nudge-none", unreachable=plan.unreachable, in_delivery=plan.in_delivery
        )
        return [Reply(text, buttons=[back])]
    text = ctx.t(
        "notice-nudge-confirm",
        count=plan.reachable,
        unreachable=plan.unreachable,
        in_delivery=plan.in_delivery,
    )
    go = Button(ctx.t("btn-notice-nudge-go"), Btn.NOTICE_NUDGE_SEND.token(notice_id))
    return [Reply(text, buttons=[[go], back])]


@flow.button(Btn.NOTICE_NUDGE_SEND)
async def cb_nudge(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the reminder to those who have not acknowledged."""
    notice_id = ctx.action(event).int_arg(0)
    result = await ctx.services.notices.nudge(ctx.actor, notice_id)
    return [
        Reply(
            ctx.t("notice-nudged", round=result.round, queued=result.queued),
            buttons=_office_buttons(ctx, notice_id, True),
            edit=True,
        )
    ]
