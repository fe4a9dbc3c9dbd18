"""Office staff in the chat: signing status of published pledges (/status), the open
escalations, and the office's export files sent into the chat as documents."""

from __future__ import annotations

from itertools import groupby

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.reports import files
from bot.reports.task_states import note_of
from bot.router import Flow
from bot.services.checkins import Week
from bot.services.escalations import OpenEscalation
from bot.services.pledges import PledgeStatus
from bot.text import html, html_join
from handlers.common import back_to_menu, command_and_button

flow = Flow("office")
flow.menu_entry("menu-office-status", Btn.OFFICE_PLEDGES, roles={"office"}, order=80)
flow.menu_entry("menu-office-escalations", Btn.OFFICE_ESCALATIONS, roles={"office"}, order=82)
flow.menu_entry("menu-office-exports", Btn.OFFICE_EXPORTS, roles={"office"}, order=84)

MAX_UNITS = 40  # a county has ~200 units: show those with the most pending, export the rest
MAX_PENDING = 30
MAX_ESCALATIONS = 30  # lines in the chat; the export has them all
RECENT_NOTICES = 5  # notices offered for a read/unread export


@flow.button(Btn.OFFICE_PLEDGE_STATUS)
async def cb_pledge_status(event: Incoming, ctx: Context) -> list[Reply]:
    """Show one pledge's counts per unit and the first pending people."""
    key = ctx.action(event).arg(0)
    status = await ctx.services.pledges.status(ctx.actor, key)
    published = {p.key: p for p in await ctx.services.pledges.published_keys(ctx.actor)}
    title = published[key].title(ctx.t.locale) if key in published else key
    buttons = [
        [export_button(ctx, "office-export-pledge", "p", key, title=title)],
        [Button(ctx.t("btn-office-status-back"), Btn.OFFICE_PLEDGES)],
        back_to_menu(ctx),
    ]
    return [Reply(render_status(ctx, status, title=title), buttons=buttons, edit=True)]


async def _pledge_list(ctx: Context, *, edit: bool) -> Reply:
    # The service checks the office role: a mentor typing /status gets "not allowed".
    pledges = await ctx.services.pledges.published_keys(ctx.actor)
    if not pledges:
        return Reply(ctx.t("office-status-none"), buttons=[back_to_menu(ctx)], edit=edit)
    rows = [
        [
            Button(
                ctx.t("office-status-button", title=p.title(ctx.t.locale), version=p.version),
                Btn.OFFICE_PLEDGE_STATUS.token(p.key),
            )
        ]
        for p in pledges
    ]
    rows.append(back_to_menu(ctx))
    return Reply(ctx.t("office-status-choose"), buttons=rows, edit=edit)


# List the published pledges to pick one (from the menu in place of its message).
command_and_button(flow, "status", Btn.OFFICE_PLEDGES, _pledge_list)


def render_status(ctx: Context, status: PledgeStatus, *, title: str) -> str:
    """Totals, units with the most pending first, then the first pending (overdue first)."""
    t = ctx.t
    lines = [
        t(
            "office-status-title",
            title=title,
            version=status.version,
            now=t.time(ctx.clock.now()),
        )
    ]
    units = sorted(status.units, key=lambda u: (-u.pending, -u.overdue, u.unit))
    lines.append(
        t(
            "office-status-total",
            assigned=sum(u.assigned for u in units),
            signed=sum(u.signed for u in units),
            pending=sum(u.pending for u in units),
            overdue=sum(u.overdue for u in units),
            excused=sum(u.excused for u in units),
        )
    )
    waiting, away = sum(u.waiting for u in units), sum(u.on_leave for u in units)
    if waiting or away:
        lines.append(t("status-waiting-and-leave", waiting=waiting, on_leave=away))
    lines.extend(t.of("office-status-unit", u, signed=u.signed) for u in units[:MAX_UNITS])
    if len(units) > MAX_UNITS:
        lines.append(t("office-status-units-more", count=len(units) - MAX_UNITS))
    lines.append("")
    if not status.pending:
        lines.append(t("office-status-pending-none"))
        return html_join(lines)
    shown = sorted(status.pending, key=lambda p: not p.overdue)[:MAX_PENDING]  # stable
    lines.append(t("office-status-pending-title", shown=len(shown), count=len(status.pending)))
    overdue_key, line_key = "office-status-pending-line-overdue", "office-status-pending-line"
    lines.extend(
        html(
            "{} {}",
            t(
                overdue_key if p.overdue else line_key,
                unit=p.unit,
                name=p.name,
                employee_no=p.employee_no,
                due=t.time(p.due_at),
            ),
            note_of(t, p),
        ).rstrip()
        for p in shown
    )
    return html_join(lines)


# --- open escalations -------------------------------------------------------------------


@flow.button(Btn.OFFICE_ESCALATIONS)
async def cb_escalations(event: Incoming, ctx: Context) -> list[Reply]:
    """List the open escalations by unit, with their level and who was told."""
    items = await ctx.services.escalations.open_escalations(ctx.actor, locale=ctx.t.locale)
    if not items:
        return [Reply(ctx.t("office-esc-none"), buttons=[back_to_menu(ctx)], edit=True)]
    buttons = [[export_button(ctx, "office-export-escalations", "esc")], back_to_menu(ctx)]
    return [Reply(render_escalations(ctx, items), buttons=buttons, edit=True)]


def render_escalations(ctx: Context, items: list[OpenEscalation]) -> str:
    """Counts per level, then the first items unit by unit (the service sorts by unit)."""
    t = ctx.t
    levels = {level: sum(1 for e in items if e.level == level) for level in (1, 2, 3)}
    lines = [
        t("office-esc-title", count=len(items), now=t.time(ctx.clock.now())),
        t("office-esc-levels", mentor=levels[1], leader=levels[2], office=levels[3]),
    ]
    shown = items[:MAX_ESCALATIONS]
    for unit, group in groupby(shown, key=lambda e: e.unit):
        lines.append(t("office-esc-unit", unit=unit))
        lines.extend(
            t(
                "office-esc-line",
                name=e.name,
                employee_no=e.employee_no,
                title=e.title,
                due=t.time(e.due_at),
                level=e.level,
                notified=t("office-esc-notified-office") if e.notified == "office" else e.notified,
            )
            for e in group
        )
    if len(items) > len(shown):
        lines.append(t("office-esc-more", count=len(items) - len(shown)))
    return html_join(lines)


# --- export files, sent into the chat ----------------------------------------------------


def export_button(ctx: Context, key: str, *args: object, **label: object) -> Button:
    """A button that sends an export file as a document (`cb_export`)."""
    return Button(ctx.t(key, **label), Btn.OFFICE_EXPORT.token(*args))


@flow.button(Btn.OFFICE_EXPORTS)
async def cb_exports(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer every export the office has: each button sends its file into the chat."""
    published = await ctx.services.console.exportable(ctx.actor, locale=ctx.t.locale)
    week = ctx.services.checkins.current_week()
    rows = [[export_button(ctx, "office-export-roster", "roster")]]
    rows += [
        [
            export_button(
                ctx,
                "office-export-pledge" if p.kind == "pledge" else "office-export-training",
                p.kind[0],
                p.key,
                title=p.title,
            )
        ]
        for p in published
    ]
    rows.append([export_button(ctx, "office-export-register", "reg", week.key, week=week.key)])
    rows.append([export_button(ctx, "office-export-escalations", "esc")])
    rows.append([export_button(ctx, "office-export-gaps", "gaps")])
    for notice, _progress in await ctx.services.notices.recent(ctx.actor, RECENT_NOTICES):
        rows.append(
            [
                export_button(
                    ctx,
                    "office-export-notice",
                    "n",
                    notice.id,
                    id=notice.id,
                    title=notice.title[:20],
                )
            ]
        )
    rows.append(back_to_menu(ctx))
    return [Reply(ctx.t("office-exports-choose"), buttons=rows, edit=True)]


@flow.button(Btn.OFFICE_EXPORT)
async def cb_export(event: Incoming, ctx: Context) -> list[Reply]:
    """Make one export file and send it as a document (each service checks the role)."""
    action = ctx.action(event)
    what = action.arg(0)
    svc, actor, t, now = ctx.services, ctx.actor, ctx.t, ctx.clock.now()
    doc: Document
    if what == "roster":
        doc = await files.roster(svc, actor)
    elif what == "p":
        doc = await files.pledge(svc, actor, action.arg(1), t, now)
    elif what == "t":
        doc = await files.training(svc, actor, action.arg(1), t, now)
    elif what == "reg":
        doc = await files.register(svc, actor, Week.parse(action.arg(1)), t)
    elif what == "esc":
        doc = await files.escalations(svc, actor, t)
    elif what == "gaps":
        doc = await files.hotline_gaps(svc, actor, t, now)
    elif what == "n":
        doc = await files.notice_readers(svc, actor, action.int_arg(1), t)
    else:
        return [Reply(t("error-stale-button"))]
    return [Reply(t("office-export-caption", name=doc.filename), document=doc)]
