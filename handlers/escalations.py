"""Mentors and leaders act on a digest: reminded in person, or excused with a reason."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.reports.task_states import note_of
from bot.router import Flow
from bot.services.escalations import AlreadyExcused, Excusable
from bot.text import html, html_join
from handlers.common import back_to_menu, cancel_button

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


# Excusing: choose the person's escalated tasks (toggles), confirm the ones named, then
# type the reason; only the chosen ones close.
STEP_CHOOSE = "esc.choose"


def _chosen(ctx: Context, person_id: int) -> list[int]:
    """The tasks chosen so far for this person (none when another flow was in between)."""
    if ctx.state.step in (STEP_CHOOSE, STEP_REASON) and ctx.state.data.get("person") == person_id:
        return [int(i) for i in ctx.state.data.get("chosen", [])]
    return []


async def _choose(
    ctx: Context, person_id: int, chosen: list[int], *, edit: bool, first: bool = False
) -> Reply:
    """The person's escalated tasks as toggle buttons, then next and cancel. `first`: the
    list just opened (an only task is ticked already; it can still be unticked)."""
    person, items = await ctx.services.escalations.excusable(
        ctx.actor, person_id, locale=ctx.t.locale
    )
    if not items:
        ctx.state.clear()
        return Reply(ctx.t("esc-nothing-open", name=person.name), edit=edit)
    if first and len(items) == 1:
        chosen = [items[0].assignment_id]  # the only one: chosen already, still confirmed
    open_ids = {i.assignment_id for i in items}
    chosen = [i for i in chosen if i in open_ids]
    ctx.state.go(STEP_CHOOSE, person=person_id, chosen=chosen)
    rows = [
        [
            Button(
                ctx.t(
                    "btn-excuse-item-on" if i.assignment_id in chosen else "btn-excuse-item-off",
                    title=i.title,
                    due=ctx.t.time(i.due_at),
                ),
                Btn.TEAM_EXCUSE_TOGGLE.token(person_id, i.assignment_id),
            )
        ]
        for i in items
    ]
    rows.append(
        [
            Button(
                ctx.t("btn-excuse-next", count=len(chosen)), Btn.TEAM_EXCUSE_NEXT.token(person_id)
            ),
            Button(ctx.t("btn-excuse-cancel"), Btn.TEAM_EXCUSE_CANCEL),
        ]
    )
    return Reply(ctx.t("esc-choose", name=person.name, count=len(items)), buttons=rows, edit=edit)


@flow.button(Btn.TEAM_EXCUSE)
async def cb_excuse(event: Incoming, ctx: Context) -> list[Reply]:
    """List the person's escalated tasks to choose which are excused."""
    return [await _choose(ctx, ctx.action(event).int_arg(0), [], edit=False, first=True)]


@flow.button(Btn.TEAM_EXCUSE_TOGGLE)
async def cb_excuse_toggle(event: Incoming, ctx: Context) -> list[Reply]:
    """Choose or unchoose one task, replacing the list."""
    action = ctx.action(event)
    person_id, assignment_id = action.int_arg(0), action.int_arg(1)
    chosen = _chosen(ctx, person_id)
    if assignment_id in chosen:
        chosen.remove(assignment_id)
    else:
        chosen.append(assignment_id)
    return [await _choose(ctx, person_id, chosen, edit=True)]


@flow.button(Btn.TEAM_EXCUSE_NEXT)
async def cb_excuse_next(event: Incoming, ctx: Context) -> list[Reply]:
    """Name the chosen tasks and ask to confirm."""
    person_id = ctx.action(event).int_arg(0)
    chosen = _chosen(ctx, person_id)
    person, items = await ctx.services.escalations.excusable(
        ctx.actor, person_id, locale=ctx.t.locale
    )
    picked = [i for i in items if i.assignment_id in chosen]
    if not picked:
        reply = await _choose(ctx, person_id, [], edit=True)
        return [Reply(ctx.t("esc-excuse-none-chosen")), reply] if items else [reply]
    ctx.state.go(STEP_CHOOSE, person=person_id, chosen=[i.assignment_id for i in picked])
    return [
        Reply(
            _tasks_message(ctx, "esc-confirm", person.name, picked),
            buttons=[
                [Button(ctx.t("btn-excuse-confirm"), Btn.TEAM_EXCUSE_CONFIRM.token(person_id))],
                [
                    Button(
                        ctx.t("btn-excuse-rechoose"), Btn.TEAM_EXCUSE_TOGGLE.token(person_id, 0)
                    ),
                    Button(ctx.t("btn-excuse-cancel"), Btn.TEAM_EXCUSE_CANCEL),
                ],
            ],
            edit=True,
        )
    ]


@flow.button(Btn.TEAM_EXCUSE_CONFIRM)
async def cb_excuse_confirm(event: Incoming, ctx: Context) -> list[Reply]:
    """Confirmed: ask why the chosen tasks are excused."""
    person_id = ctx.action(event).int_arg(0)
    chosen = _chosen(ctx, person_id)
    if not chosen:  # an old confirmation, or one already done: choose again
        return [await _choose(ctx, person_id, [], edit=True)]
    name = await ctx.services.escalations.person_name(ctx.actor, person_id)
    ctx.state.go(STEP_REASON, person=person_id, chosen=chosen)
    return [
        Reply(
            ctx.t("esc-ask-reason", name=name, count=len(chosen)),
            buttons=[[Button(ctx.t("btn-excuse-cancel"), Btn.TEAM_EXCUSE_CANCEL)]],
        )
    ]


# Stop excusing: nothing is excused.
cancel_button(flow, Btn.TEAM_EXCUSE_CANCEL, "esc-excuse-cancelled")


def _tasks_message(ctx: Context, key: str, name: str, items: list[Excusable]) -> str:
    """The message `key` naming the person and listing the tasks, one a line."""
    lines = html_join(
        ctx.t("esc-excuse-item", title=i.title, due=ctx.t.time(i.due_at)) for i in items
    )
    return ctx.t(key, name=name, count=len(items), items=lines)


@flow.text(STEP_REASON)
async def on_text_reason(event: Incoming, ctx: Context) -> list[Reply]:
    """Excuse the chosen tasks with the typed reason."""
    try:
        person, excused = await ctx.services.escalations.excuse(
            ctx.actor,
            int(ctx.state.data["person"]),
            event.text,
            assignments=[int(i) for i in ctx.state.data.get("chosen", [])],
            locale=ctx.t.locale,
        )
    except AlreadyExcused as exc:  # closed meanwhile: nothing to do, and nothing done
        ctx.state.clear()
        return [Reply(exc.render(ctx.t), buttons=[back_to_menu(ctx)])]
    ctx.state.clear()
    return [Reply(_tasks_message(ctx, "esc-excused-done", person.name, excused))]


@flow.button(Btn.TEAM_OVERVIEW)
async def cb_team(event: Incoming, ctx: Context) -> list[Reply]:
    """Show my auxiliaries with their open and overdue tasks."""
    team = await ctx.services.escalations.team(ctx.actor)
    if not team:
        return [Reply(ctx.t("team-none"), buttons=[back_to_menu(ctx)], edit=True)]
    late = sum(1 for m in team if m.joined_late is not None)
    lines = [
        ctx.t("team-title-late", count=len(team), late=late)
        if late
        else ctx.t("team-title", count=len(team))
    ]
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
                    "{}{}{}",
                    html(" · {}", away) if away else "",
                    html(" · {}", ctx.t("team-joined-late-flag", joined=ctx.t.time(m.joined_late)))
                    if m.joined_late is not None
                    else "",
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
