"""The unit weekly risk register in the bot: the leader (or the designated reporter) sees the
unit's check-in numbers, updates carried-over risks, adds new ones step by step, and files;
the office sees the summary of all units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.i18n import Translator
from bot.router import Flow
from bot.services.checkins import Numbers, Week
from bot.services.register import (
    AGED_WEEKS,
    LIMITS,
    RegisterSummary,
    RegisterWeek,
    RowDraft,
    RowView,
    UnitPerson,
)
from bot.text import html_join, normalize_input
from bot.timeparse import parse_date
from handlers.checkins import counts_line, people_lines
from handlers.common import back_to_menu, command_and_button
from storage.models import Role

flow = Flow("register")
flow.menu_entry("menu-register", Btn.REGISTER_HOME, roles={"leader"}, order=26)
flow.menu_entry("menu-register-office", Btn.REGISTER_OFFICE, roles={"office"}, order=81)

STEP_FIELD = "rg.field"  # guided entry of a new row: risk, measure, owner, deadline
STEP_NOTE = "rg.note"  # the note of a carried-over row that is still open
STEP_REPORTER = "rg.reporter"
STEP_EDIT = "rg.edit"  # a new value for one field of a row
FIELDS = ("risk", "measure", "owner", "deadline")
EDIT_FIELDS = ("category", "risk", "measure", "owner", "deadline")
MAX_AGED = 15
MAX_MISSING_UNITS = 30
MAX_PEOPLE = 8  # people offered as buttons (owner, reporter); a search narrows them


# --- rendering ------------------------------------------------------------------------------


def _category(ctx: Context, category_id: str) -> str:
    return ctx.services.register.category_label(category_id, ctx.t.locale)


def _row_line(ctx: Context, number: str, row: RowView) -> str:
    return ctx.t(
        "register-row-line",
        number=number,
        category=_category(ctx, row.category),
        risk=row.risk,
        measure=row.measure,
        owner=row.owner,
        deadline=row.deadline.isoformat(),
    )


def _update_line(t: Translator, row: RowView | None) -> str:
    if row is None:
        return t("register-carry-pending")
    if row.status == "resolved":
        return t("register-carry-resolved", note=row.note or "")
    return t("register-carry-open", note=row.note or "")


def _numbers_line(t: Translator, n: Numbers) -> str:
    """The week's check-in numbers, of a unit or of all."""
    return t.of("register-checkin-numbers", n)


def render_week(ctx: Context, view: RegisterWeek) -> Reply:
    """The unit's register of the week with what can be done next."""
    t = ctx.t
    w = view.week.key
    lines = [t("register-week-title", unit=view.unit, week=w, due=t.time(view.due_at))]
    if view.filing is not None:
        key = "register-filed-late" if view.filing.late else "register-filed"
        lines.append(t(key, at=t.time(view.filing.filed_at)))
        if view.filing.version > 1:
            lines.append(t("register-filed-version", version=view.filing.version))
        if view.amending:
            lines.append(t("register-amending", due=t.time(view.due_at)))
        elif view.amendable:
            lines.append(t("register-amendable", due=t.time(view.due_at)))
        if view.unfiled_changes:
            lines.append(t("register-unfiled-changes"))
    else:
        lines.append(t("register-not-filed"))
    lines.append(_numbers_line(t, view.numbers))
    rows: list[list[Button]] = []
    editable = view.filing is None or view.amending
    if view.carried:
        lines.append("")
        lines.append(
            t("register-carried-title", count=len(view.carried), pending=view.carry_pending)
        )
        for item in view.carried:
            lines.append(_row_line(ctx, f"#{item.previous.id}", item.previous))
            lines.append(_update_line(t, item.update))
            if editable:
                key = "btn-register-update" if item.update is None else "btn-register-change"
                rows.append(
                    [
                        Button(
                            t(key, number=item.previous.id),
                            Btn.REGISTER_CARRY.token(w, item.previous.id),
                        )
                    ]
                )
    lines.append("")
    if view.new_rows:
        lines.append(t("register-new-title", count=len(view.new_rows)))
        for i, row in enumerate(view.new_rows, start=1):
            lines.append(_row_line(ctx, str(i), row))
            if editable:
                rows.append(
                    [
                        Button(t("btn-register-edit", number=i), Btn.REGISTER_EDIT.token(row.id)),
                        Button(
                            t("btn-register-delete", number=i), Btn.REGISTER_DELETE.token(row.id)
                        ),
                    ]
                )
    elif view.filing is not None and view.filing.no_new_risks:
        lines.append(t("register-no-new"))
    else:
        lines.append(t("register-new-none"))
    if editable:
        rows.append([Button(t("btn-register-add"), Btn.REGISTER_ADD.token(w))])
        if view.amending:
            rows.append([Button(t("btn-register-file-amendment"), Btn.REGISTER_FILE.token(w))])
        elif view.new_rows:
            rows.append([Button(t("btn-register-file"), Btn.REGISTER_FILE.token(w))])
        else:
            rows.append([Button(t("btn-register-no-new"), Btn.REGISTER_NO_NEW.token(w))])
        if view.carry_pending:
            lines.append("")
            lines.append(t("register-carry-hint", pending=view.carry_pending))
    elif view.amendable:
        rows.append([Button(t("btn-register-amend"), Btn.REGISTER_AMEND.token(w))])
    rows.append([Button(t("btn-register-checkins"), Btn.REGISTER_CHECKINS.token(w))])
    if ctx.actor.has_role(Role.LEADER):
        rows.append([Button(t("btn-register-reporter"), Btn.REGISTER_REPORTER)])
    rows.append(back_to_menu(ctx))
    return Reply(html_join(lines), buttons=rows)


async def _week_reply(
    ctx: Context, week: Week, *, edit: bool = False, amend: bool = False
) -> Reply:
    unit = await ctx.services.register.my_unit(ctx.actor)
    view = await ctx.services.register.week_view(ctx.actor, unit.id, week, amend=amend)
    reply = render_week(ctx, view)
    reply.edit = edit
    return reply


def _week_arg(ctx: Context, event: Incoming, i: int = 0) -> Week:
    return Week.parse(ctx.action(event).arg(i))


# --- the leader's screens -------------------------------------------------------------------


async def _this_week(ctx: Context, *, edit: bool) -> Reply:
    return await _week_reply(ctx, ctx.services.checkins.current_week(), edit=edit)


# Show my unit's register of the current week (from the menu in place of its message).
command_and_button(flow, "register", Btn.REGISTER_HOME, _this_week, drop_state=True)


@flow.button(Btn.REGISTER_OPEN)
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Open the register of the week a task is for."""
    ctx.state.clear()
    unit, week = await ctx.services.register.unit_of_assignment(
        ctx.actor, ctx.action(event).int_arg(0)
    )
    view = await ctx.services.register.week_view(ctx.actor, unit.id, week)
    return [render_week(ctx, view)]


@flow.button(Btn.REGISTER_WEEK)
async def cb_week(event: Incoming, ctx: Context) -> list[Reply]:
    """Show my unit's register of a given week."""
    ctx.state.clear()
    return [await _week_reply(ctx, _week_arg(ctx, event))]


@flow.button(Btn.REGISTER_CHECKINS)
async def cb_checkins(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the unit's check-ins of the week (answers a mentor may see, no office-only)."""
    week = _week_arg(ctx, event)
    checkins = ctx.services.checkins
    people = await checkins.leader_view(ctx.actor, week)
    lines = [ctx.t("checkin-unit-title", unit=ctx.me.unit.name, week=week.key)]
    if people:
        lines.append(counts_line(ctx.t, people))
        lines.extend(people_lines(ctx.t, checkins.form(), people))
    else:
        lines.append(ctx.t("checkin-team-none"))
    buttons = [
        [Button(ctx.t("btn-register-back"), Btn.REGISTER_WEEK.token(week.key))],
        back_to_menu(ctx),
    ]
    return [Reply(html_join(lines), buttons=buttons)]


# --- carried-over rows ------------------------------------------------------------------------


@flow.button(Btn.REGISTER_CARRY)
async def cb_carry(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask whether a carried-over risk is resolved or still open."""
    week, previous = _week_arg(ctx, event), ctx.action(event).int_arg(1)
    w = week.key
    return [
        Reply(
            ctx.t("register-carry-ask", number=previous),
            buttons=[
                [
                    Button(
                        ctx.t("btn-register-resolved"),
                        Btn.REGISTER_CARRY_RESOLVED.token(w, previous),
                    )
                ],
                [
                    Button(
                        ctx.t("btn-register-still-open"),
                        Btn.REGISTER_CARRY_OPEN.token(w, previous),
                    )
                ],
                [Button(ctx.t("btn-register-back"), Btn.REGISTER_WEEK.token(w))],
            ],
        )
    ]


@flow.button(Btn.REGISTER_CARRY_RESOLVED)
async def cb_carry_resolved(event: Incoming, ctx: Context) -> list[Reply]:
    """Mark a carried-over risk resolved this week."""
    week, previous = _week_arg(ctx, event), ctx.action(event).int_arg(1)
    unit = await ctx.services.register.my_unit(ctx.actor)
    await ctx.services.register.update_carried(
        ctx.actor, unit.id, week, previous, status="resolved", note=None
    )
    return [await _week_reply(ctx, week)]


@flow.button(Btn.REGISTER_CARRY_OPEN)
async def cb_carry_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the note of a risk that is still open."""
    week, previous = _week_arg(ctx, event), ctx.action(event).int_arg(1)
    ctx.state.go(STEP_NOTE, week=week.key, previous=previous)
    return [
        Reply(
            ctx.t("register-ask-note", number=previous),
            buttons=[[Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))]],
        )
    ]


@flow.text(STEP_NOTE)
async def on_text_note(event: Incoming, ctx: Context) -> list[Reply]:
    """Keep the carried-over risk open with the typed note."""
    week = Week.parse(ctx.state.data["week"])
    unit = await ctx.services.register.my_unit(ctx.actor)
    await ctx.services.register.update_carried(
        ctx.actor,
        unit.id,
        week,
        int(ctx.state.data["previous"]),
        status="open",
        note=event.text,
    )
    ctx.state.clear()
    return [await _week_reply(ctx, week)]


# --- guided entry of a new row ----------------------------------------------------------------


@flow.button(Btn.REGISTER_ADD)
async def cb_add(event: Incoming, ctx: Context) -> list[Reply]:
    """Start a new row: pick its category."""
    week = _week_arg(ctx, event)
    ctx.state.clear()
    categories = ctx.services.register.categories()
    buttons = [
        Button(c.label(ctx.t.locale), Btn.REGISTER_CATEGORY.token(week.key, c.id))
        for c in categories
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))])
    return [Reply(ctx.t("register-ask-category"), buttons=rows)]


@flow.button(Btn.REGISTER_CATEGORY)
async def cb_category(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the category and ask for the risk."""
    week, category = _week_arg(ctx, event), ctx.action(event).arg(1)
    if category not in {c.id for c in ctx.services.register.categories()}:
        return [Reply(ctx.t("error-stale-button"))]
    ctx.state.go(STEP_FIELD, week=week.key, field="risk", draft={"category": category})
    return [_ask_field(ctx, "risk", week)]


def _ask_field(ctx: Context, name: str, week: Week) -> Reply:
    rows: list[list[Button]] = []
    if name == "deadline":
        sunday = week.monday + timedelta(days=6)
        quick = [sunday, sunday + timedelta(days=7), sunday + timedelta(days=28)]
        rows.append(
            [Button(d.isoformat(), Btn.REGISTER_DEADLINE.token(d.isoformat())) for d in quick]
        )
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))])
    return Reply(ctx.t(f"register-ask-{name}"), buttons=rows)


@flow.text(STEP_FIELD)
async def on_text_field(event: Incoming, ctx: Context) -> list[Reply]:
    """Take one field of the new row, check it, and ask for the next."""
    if ctx.state.data.get("field") is None:  # at the summary: confirm or cancel
        return [Reply(ctx.t("checkin-use-buttons"))]
    return await _take_field(ctx, event.text)


@flow.button(Btn.REGISTER_DEADLINE)
async def cb_deadline(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a deadline offered as a button (a new row's, or a row's new one)."""
    if ctx.state.data.get("field") != "deadline":
        return [Reply(ctx.t("error-stale-button"))]
    if ctx.state.step == STEP_EDIT:
        return await _take_edit(ctx, ctx.action(event).arg(0))
    if ctx.state.step != STEP_FIELD:
        return [Reply(ctx.t("error-stale-button"))]
    return await _take_field(ctx, ctx.action(event).arg(0))


async def _take_field(ctx: Context, text: str) -> list[Reply]:
    data = ctx.state.data
    week = Week.parse(data["week"])
    name = str(data["field"])
    if name == "owner":  # a search among the unit's people; the text itself as a fallback
        return await _search_owner(ctx, normalize_input(text), week)
    value = text.strip()
    problem = ctx.services.register.check_field(name, value, week)
    if problem is not None:
        return [
            Reply(
                ctx.t(
                    problem,
                    limit=LIMITS.get(name, 0),
                    monday=week.monday.isoformat(),
                    value=value,
                )
            ),
            _ask_field(ctx, name, week),
        ]
    draft = dict(data.get("draft") or {})
    draft[name] = parse_date(value).isoformat() if name == "deadline" else value  # type: ignore[union-attr]
    return await _following(ctx, week, name, draft)


async def _following(ctx: Context, week: Week, name: str, draft: dict[str, Any]) -> list[Reply]:
    """Ask for the field after `name`, or show the summary after the last one."""
    following = FIELDS.index(name) + 1
    if following < len(FIELDS):
        ctx.state.go(STEP_FIELD, week=week.key, field=FIELDS[following], draft=draft)
        if FIELDS[following] == "owner":
            return [await _ask_owner(ctx, week)]
        return [_ask_field(ctx, FIELDS[following], week)]
    ctx.state.go(STEP_FIELD, week=week.key, field=None, draft=draft)
    summary = ctx.t(
        "register-confirm",
        category=_category(ctx, draft["category"]),
        risk=draft["risk"],
        measure=draft["measure"],
        owner=draft["owner"],
        deadline=draft["deadline"],
    )
    return [
        Reply(
            summary,
            buttons=[
                [Button(ctx.t("btn-register-confirm"), Btn.REGISTER_CONFIRM.token(week.key))],
                [Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))],
            ],
        )
    ]


# --- the owner (责任人): picked from the unit's people, typed text as a fallback ---------


def _people_rows(ctx: Context, people: Sequence[UnitPerson], route: Btn) -> list[list[Button]]:
    """Up to MAX_PEOPLE people as buttons, two to a row."""
    buttons = [
        Button(
            ctx.t("register-person-button", name=p.name, post=p.post or p.employee_no),
            route.token(p.id),
        )
        for p in people[:MAX_PEOPLE]
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _more_line(ctx: Context, count: int) -> list[str]:
    if count <= MAX_PEOPLE:
        return []
    return [ctx.t("register-search-more", shown=MAX_PEOPLE, count=count)]


async def _ask_owner(ctx: Context, week: Week) -> Reply:
    """The unit's people to pick the owner from; typing searches them."""
    unit = await ctx.services.register.my_unit(ctx.actor)
    people = await ctx.services.register.unit_people(ctx.actor, unit.id)
    rows = _people_rows(ctx, people, Btn.REGISTER_OWNER)
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))])
    return Reply(html_join([ctx.t("register-ask-owner"), *_more_line(ctx, len(people))]), rows)


async def _search_owner(ctx: Context, query: str, week: Week) -> list[Reply]:
    """Typed at the owner step: the one person whose name or employee number it is, else
    the people it matches, with the text itself as the owner as a last resort."""
    if not query:
        return [await _ask_owner(ctx, week)]
    problem = ctx.services.register.check_field("owner", query, week)
    if problem is not None:
        return [Reply(ctx.t(problem, limit=LIMITS["owner"])), await _ask_owner(ctx, week)]
    unit = await ctx.services.register.my_unit(ctx.actor)
    found = await ctx.services.register.unit_people(ctx.actor, unit.id, query)
    exact = [
        p
        for p in found
        if normalize_input(p.name) == query or p.employee_no.casefold() == query.casefold()
    ]
    if len(exact) == 1:
        return await _take_owner(ctx, exact[0].name, exact[0].id)
    ctx.state.data["typed"] = query
    rows = _people_rows(ctx, found, Btn.REGISTER_OWNER)
    rows.append(
        [Button(ctx.t("btn-register-owner-as-typed", name=query), Btn.REGISTER_OWNER_TEXT)]
    )
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(week.key))])
    if not found:
        return [Reply(ctx.t("register-search-none", query=query), buttons=rows)]
    lines = [ctx.t("register-search-found", count=len(found)), *_more_line(ctx, len(found))]
    return [Reply(html_join(lines), buttons=rows)]


async def _take_owner(ctx: Context, name: str, person_id: int | None) -> list[Reply]:
    """The owner is chosen: the next step of a new row, or a row's owner changed."""
    data = ctx.state.data
    if data.get("field") != "owner" or ctx.state.step not in (STEP_FIELD, STEP_EDIT):
        return [Reply(ctx.t("error-stale-button"))]
    week = Week.parse(data["week"])
    if ctx.state.step == STEP_EDIT:
        await ctx.services.register.edit_row(
            ctx.actor, int(data["row"]), "owner", name, person_id=person_id
        )
        ctx.state.clear()
        return [Reply(ctx.t("register-row-changed")), await _week_reply(ctx, week)]
    draft = dict(data.get("draft") or {})
    draft["owner"], draft["owner_id"] = name, person_id
    return await _following(ctx, week, "owner", draft)


@flow.button(Btn.REGISTER_OWNER)
async def cb_owner(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the person picked as the owner."""
    if ctx.state.data.get("field") != "owner":
        return [Reply(ctx.t("error-stale-button"))]
    unit = await ctx.services.register.my_unit(ctx.actor)
    pid = ctx.action(event).int_arg(0)
    person = next(
        (p for p in await ctx.services.register.unit_people(ctx.actor, unit.id) if p.id == pid),
        None,
    )
    if person is None:  # left the unit since the list was shown
        return [Reply(ctx.t("error-stale-button"))]
    return await _take_owner(ctx, person.name, person.id)


@flow.button(Btn.REGISTER_OWNER_TEXT)
async def cb_owner_text(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the typed text as the owner: someone not in the unit's list."""
    typed = str(ctx.state.data.get("typed") or "")
    if not typed:
        return [Reply(ctx.t("error-stale-button"))]
    return await _take_owner(ctx, typed, None)


# --- editing a row: each change a new version ---------------------------------------------------


@flow.button(Btn.REGISTER_EDIT)
async def cb_edit(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask which field of a row to change."""
    ctx.state.clear()
    row = await ctx.services.register.row(ctx.actor, ctx.action(event).int_arg(0))
    buttons = [
        Button(ctx.t(f"register-col-{name}"), Btn.REGISTER_EDIT_FIELD.token(row.id, name))
        for name in EDIT_FIELDS
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([Button(ctx.t("btn-register-back"), Btn.REGISTER_WEEK.token(row.week))])
    detail = ctx.t(
        "register-row-detail",
        category=_category(ctx, row.category),
        risk=row.risk,
        measure=row.measure,
        owner=row.owner,
        deadline=row.deadline.isoformat(),
    )
    return [Reply(html_join([ctx.t("register-edit-title"), detail]), rows)]


@flow.button(Btn.REGISTER_EDIT_FIELD)
async def cb_edit_field(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the new value of one field of a row."""
    action = ctx.action(event)
    name = action.arg(1)
    if name not in EDIT_FIELDS:
        return [Reply(ctx.t("error-stale-button"))]
    row = await ctx.services.register.row(ctx.actor, action.int_arg(0))
    week = Week.parse(row.week)
    back = [Button(ctx.t("btn-cancel"), Btn.REGISTER_WEEK.token(row.week))]
    if name == "category":
        buttons = [
            Button(c.label(ctx.t.locale), Btn.REGISTER_EDIT_CATEGORY.token(row.id, c.id))
            for c in ctx.services.register.categories()
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return [Reply(ctx.t("register-ask-category"), buttons=[*rows, back])]
    ctx.state.go(STEP_EDIT, row=row.id, week=row.week, field=name)
    if name == "owner":
        return [await _ask_owner(ctx, week)]
    if name == "deadline":
        return [_ask_field(ctx, "deadline", week)]
    current = getattr(row, name)
    return [
        Reply(
            ctx.t("register-edit-ask", field=ctx.t(f"register-col-{name}"), current=current),
            [back],
        )
    ]


@flow.button(Btn.REGISTER_EDIT_CATEGORY)
async def cb_edit_category(event: Incoming, ctx: Context) -> list[Reply]:
    """Change a row's category."""
    action = ctx.action(event)
    row = await ctx.services.register.edit_row(
        ctx.actor, action.int_arg(0), "category", action.arg(1)
    )
    return [Reply(ctx.t("register-row-changed")), await _week_reply(ctx, Week.parse(row.week))]


@flow.text(STEP_EDIT)
async def on_text_edit(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the new value of the field being changed."""
    if ctx.state.data.get("field") == "owner":
        week = Week.parse(ctx.state.data["week"])
        return await _search_owner(ctx, normalize_input(event.text), week)
    return await _take_edit(ctx, event.text)


async def _take_edit(ctx: Context, value: str) -> list[Reply]:
    data = ctx.state.data
    row = await ctx.services.register.edit_row(
        ctx.actor, int(data["row"]), str(data["field"]), value
    )
    ctx.state.clear()
    return [Reply(ctx.t("register-row-changed")), await _week_reply(ctx, Week.parse(row.week))]


@flow.button(Btn.REGISTER_CONFIRM)
async def cb_confirm(event: Incoming, ctx: Context) -> list[Reply]:
    """Save the new row shown in the summary."""
    week = _week_arg(ctx, event)
    data = ctx.state.data
    draft = data.get("draft") or {}
    if ctx.state.step != STEP_FIELD or data.get("field") is not None or "deadline" not in draft:
        return [Reply(ctx.t("error-stale-button"))]
    unit = await ctx.services.register.my_unit(ctx.actor)
    await ctx.services.register.add_row(
        ctx.actor,
        unit.id,
        week,
        RowDraft(
            category=draft["category"],
            risk=draft["risk"],
            measure=draft["measure"],
            owner=draft["owner"],
            deadline=parse_date(draft["deadline"]),
            owner_person_id=draft.get("owner_id"),
        ),
    )
    ctx.state.clear()
    return [Reply(ctx.t("register-row-added")), await _week_reply(ctx, week)]


@flow.button(Btn.REGISTER_DELETE)
async def cb_delete(event: Incoming, ctx: Context) -> list[Reply]:
    """Remove a new row entered by mistake."""
    week = await ctx.services.register.delete_row(ctx.actor, ctx.action(event).int_arg(0))
    return [await _week_reply(ctx, week)]


# --- filing -------------------------------------------------------------------------------------


@flow.button(Btn.REGISTER_NO_NEW)
async def cb_no_new(event: Incoming, ctx: Context) -> list[Reply]:
    """File the week with no new risks (carried-over risks must be updated first)."""
    return await _file(ctx, _week_arg(ctx, event), no_new_risks=True)


@flow.button(Btn.REGISTER_FILE)
async def cb_file(event: Incoming, ctx: Context) -> list[Reply]:
    """File the week's register with its new rows."""
    return await _file(ctx, _week_arg(ctx, event), no_new_risks=False)


async def _file(ctx: Context, week: Week, *, no_new_risks: bool) -> list[Reply]:
    unit = await ctx.services.register.my_unit(ctx.actor)
    filing = await ctx.services.register.file(ctx.actor, unit.id, week, no_new_risks=no_new_risks)
    if filing.version > 1:
        done = ctx.t(
            "register-amended-done", week=week.key, rows=filing.rows, version=filing.version
        )
        return [Reply(done), await _week_reply(ctx, week)]
    key = "register-filed-done-late" if filing.late else "register-filed-done"
    return [Reply(ctx.t(key, week=week.key, rows=filing.rows)), await _week_reply(ctx, week)]


@flow.button(Btn.REGISTER_AMEND)
async def cb_amend(event: Incoming, ctx: Context) -> list[Reply]:
    """Open the filed register for changes (until its due time; filed again after)."""
    ctx.state.clear()
    return [await _week_reply(ctx, _week_arg(ctx, event), amend=True)]


# --- the reporter -------------------------------------------------------------------------------


@flow.button(Btn.REGISTER_REPORTER)
async def cb_reporter(event: Incoming, ctx: Context) -> list[Reply]:
    """Show who files the register and the unit's people to pick a new reporter from."""
    unit = await ctx.services.register.my_unit(ctx.actor)
    reporter = await ctx.services.register.reporter_of(unit.id)
    ctx.state.go(STEP_REPORTER)
    current = (
        ctx.t("register-reporter-current", name=reporter.name)
        if reporter
        else ctx.t("register-reporter-leaders")
    )
    people = await ctx.services.register.unit_people(ctx.actor, unit.id)
    others = [p for p in people if reporter is None or p.id != reporter.id]
    rows = _people_rows(ctx, others, Btn.REGISTER_REPORTER_PICK)
    if reporter is not None:
        rows.append([Button(ctx.t("btn-register-reporter-clear"), Btn.REGISTER_REPORTER_CLEAR)])
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_HOME)])
    more = _more_line(ctx, len(others))
    return [Reply(html_join([current, ctx.t("register-ask-reporter"), *more]), buttons=rows)]


@flow.text(STEP_REPORTER)
async def on_text_reporter(event: Incoming, ctx: Context) -> list[Reply]:
    """Search the unit's people for the reporter by name or employee number."""
    unit = await ctx.services.register.my_unit(ctx.actor)
    query = normalize_input(event.text)
    found = await ctx.services.register.unit_people(ctx.actor, unit.id, query)
    rows = _people_rows(ctx, found, Btn.REGISTER_REPORTER_PICK)
    rows.append([Button(ctx.t("btn-cancel"), Btn.REGISTER_HOME)])
    if not found:
        return [Reply(ctx.t("register-search-none", query=query), buttons=rows)]
    lines = [ctx.t("register-search-found", count=len(found)), *_more_line(ctx, len(found))]
    return [Reply(html_join(lines), buttons=rows)]


@flow.button(Btn.REGISTER_REPORTER_PICK)
async def cb_reporter_pick(event: Incoming, ctx: Context) -> list[Reply]:
    """Designate the picked person of the unit as its reporter."""
    unit = await ctx.services.register.my_unit(ctx.actor)
    person = await ctx.services.register.set_reporter(
        ctx.actor, unit.id, None, person_id=ctx.action(event).int_arg(0)
    )
    ctx.state.clear()
    assert person is not None
    return [Reply(ctx.t("register-reporter-set", name=person.name), buttons=[back_to_menu(ctx)])]


@flow.button(Btn.REGISTER_REPORTER_CLEAR)
async def cb_reporter_clear(event: Incoming, ctx: Context) -> list[Reply]:
    """Give filing back to the unit's leaders."""
    unit = await ctx.services.register.my_unit(ctx.actor)
    await ctx.services.register.set_reporter(ctx.actor, unit.id, None)
    ctx.state.clear()
    return [Reply(ctx.t("register-reporter-cleared"), buttons=[back_to_menu(ctx)])]


# --- the office's summary -----------------------------------------------------------------------


@flow.button(Btn.REGISTER_OFFICE)
async def cb_office(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the office the week's check-ins and registers of all units."""
    args = ctx.action(event).args
    week = Week.parse(args[0]) if args else ctx.services.checkins.current_week()
    summary = await ctx.services.register.summary(ctx.actor, week)
    status = await ctx.services.checkins.status(ctx.actor, week)
    text = render_summary(
        ctx.t, summary, categories=_labels(ctx), care=status.care, now=ctx.clock.now()
    )
    rows = [
        # difficulties are hotline tickets: the office follows them up in its queue there
        [Button(ctx.t("btn-checkin-care-list", count=status.care), Btn.HOTLINE_QUEUE)],
        [Button(ctx.t("btn-checkin-prev-week"), Btn.REGISTER_OFFICE.token(week.shift(-1).key))],
        back_to_menu(ctx),
    ]
    return [Reply(text, buttons=rows, edit=True)]


def _labels(ctx: Context) -> dict[str, str]:
    return {c.id: c.label(ctx.t.locale) for c in ctx.services.register.categories()}


def render_summary(
    t: Translator,
    summary: RegisterSummary,
    *,
    categories: dict[str, str],
    care: int,
    now: datetime,
) -> str:
    """Check-in totals, filing counts, missing units, open risks, aged risks, difficulties."""
    lines = [
        t(
            "register-summary-title",
            week=summary.week.key,
            due=t.time(summary.due_at),
            now=t.time(now),
        ),
        _numbers_line(t, summary.checkins),
        t(
            "register-summary-filings",
            on_time=summary.count("on_time"),
            late=summary.count("late"),
            missing=summary.count("missing"),
        ),
    ]
    sep = "、" if t.locale == "zh_CN" else ", "
    missing = [u.unit for u in summary.units if u.state == "missing"]
    if missing:
        shown = html_join(missing[:MAX_MISSING_UNITS], sep)
        more = "…" if len(missing) > MAX_MISSING_UNITS else ""
        lines.append(t("register-summary-missing", units=shown + more))
    if summary.open_by_category:
        parts = [
            t("register-summary-category", category=categories.get(c, c), count=k)
            for c, k in summary.open_by_category.items()
        ]
        lines.append(t("register-summary-open", items=html_join(parts, sep)))
    else:
        lines.append(t("register-summary-open-none"))
    lines.append(t("register-summary-aged", weeks=AGED_WEEKS, count=len(summary.aged)))
    lines.extend(
        t(
            "register-summary-aged-line",
            unit=a.unit,
            category=categories.get(a.row.category, a.row.category),
            risk=a.row.risk,
            weeks=a.weeks,
        )
        for a in summary.aged[:MAX_AGED]
    )
    lines.append(t("register-summary-care", count=care))
    return html_join(lines)
