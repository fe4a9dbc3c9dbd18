"""Office staff: signing status of published pledges, in the chat (/status)."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.reports.task_states import note_of
from bot.router import Flow
from bot.services.pledges import PledgeStatus
from bot.text import html, html_join
from handlers.common import back_to_menu

flow = Flow("office")
flow.menu_entry("menu-office-status", Btn.OFFICE_PLEDGES, roles={"office"}, order=80)

MAX_UNITS = 40  # a county has ~200 units: show those with the most pending, export the rest
MAX_PENDING = 30


@flow.command("status")
async def cmd_status(event: Incoming, ctx: Context) -> list[Reply]:
    """List the published pledges to pick one."""
    return [await _pledge_list(ctx, edit=False)]


@flow.button(Btn.OFFICE_PLEDGES)
async def cb_status(event: Incoming, ctx: Context) -> list[Reply]:
    """List the published pledges from the menu, replacing the message."""
    return [await _pledge_list(ctx, edit=True)]


@flow.button(Btn.OFFICE_PLEDGE_STATUS)
async def cb_pledge_status(event: Incoming, ctx: Context) -> list[Reply]:
    """Show one pledge's counts per unit and the first pending people."""
    key = ctx.action(event).arg(0)
    status = await ctx.services.pledges.status(ctx.actor, key)
    published = {p.key: p for p in await ctx.services.pledges.published_keys(ctx.actor)}
    title = published[key].title(ctx.t.locale) if key in published else key
    buttons = [[Button(ctx.t("btn-office-status-back"), Btn.OFFICE_PLEDGES)], back_to_menu(ctx)]
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
        )
    )
    waiting, away = sum(u.waiting for u in units), sum(u.on_leave for u in units)
    if waiting or away:
        lines.append(t("status-waiting-and-leave", waiting=waiting, on_leave=away))
    lines.extend(
        t(
            "office-status-unit",
            unit=u.unit,
            assigned=u.assigned,
            signed=u.signed,
            pending=u.pending,
            overdue=u.overdue,
        )
        for u in units[:MAX_UNITS]
    )
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
