"""Mentors and leaders act on a digest: reminded in person, or excused with a reason."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.reports.task_states import note_of
from bot.router import Flow
from bot.text import html, html_join
from handlers.common import back_to_menu

flow = Flow("escalations")
flow.menu_entry("menu-my-team", Btn.TEAM_OVERVIEW, roles={"mentor", "leader"}, order=20)

STEP_REASON = "esc.reason"


@flow.button(Btn.TEAM_REMINDED_IN_PERSON)
async def cb_reminded(event: Incoming, ctx: Context) -> list[Reply]:
    """Record that the mentor reminded the person face to face."""
    person = await ctx.services.escalations.reminded_in_person(
        ctx.actor, ctx.action(event).int_arg(0)
    )
    return [Reply(ctx.t("esc-reminded-done", name=person.name))]


@flow.button(Btn.TEAM_EXCUSE)
async def cb_excuse(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask why the person is excused."""
    person_id = ctx.action(event).int_arg(0)
    name = await ctx.services.escalations.person_name(ctx.actor, person_id)
    ctx.state.go(STEP_REASON, person=person_id)
    return [Reply(ctx.t("esc-ask-reason", name=name))]


@flow.text(STEP_REASON)
async def on_text_reason(event: Incoming, ctx: Context) -> list[Reply]:
    """Excuse the person's overdue items with the typed reason."""
    person = await ctx.services.escalations.excuse(
        ctx.actor, int(ctx.state.data["person"]), event.text
    )
    ctx.state.clear()
    return [Reply(ctx.t("esc-excused-done", name=person.name))]


@flow.button(Btn.TEAM_OVERVIEW)
async def cb_team(event: Incoming, ctx: Context) -> list[Reply]:
    """Show my auxiliaries with their open and overdue tasks."""
    team = await ctx.services.escalations.team(ctx.actor)
    if not team:
        return [Reply(ctx.t("team-none"), buttons=[back_to_menu(ctx)], edit=True)]
    lines = [ctx.t("team-title", count=len(team))]
    rows: list[list[Button]] = []
    for m in team:
        away = note_of(ctx.t, m)  # on leave: said so, and nothing is overdue
        lines.append(
            ctx.t(
                "team-line",
                name=m.name,
                post=m.post or "-",
                open=m.open,
                overdue=m.overdue,
                flag=html(
                    "{}{}",
                    html(" · {}", away) if away else "",
                    "" if m.reachable else html(" · {}", ctx.t("digest-unreachable-flag")),
                ),
            )
        )
        if m.overdue:
            rows.append(
                [
                    Button(
                        ctx.t("btn-reminded", name=m.name),
                        Btn.TEAM_REMINDED_IN_PERSON.token(m.person_id),
                    ),
                    Button(ctx.t("btn-excuse", name=m.name), Btn.TEAM_EXCUSE.token(m.person_id)),
                ]
            )
    rows.append(back_to_menu(ctx))
    return [Reply(html_join(lines), buttons=rows, edit=True)]
