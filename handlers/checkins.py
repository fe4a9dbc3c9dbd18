"""The weekly check-in on the phone: "All fine" in one tap, or question by question;
the mentor's view of his auxiliaries. Written difficulties go to the office as hotline
tickets (bot/services/checkins.py), so the office follows them up in the hotline queue."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Btn
from bot.checkin_content import NO, YES, Form, Question
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.i18n import Translator
from bot.router import Flow
from bot.services.checkins import (
    MAX_TEXT,
    AlreadyAnswered,
    CheckinClosed,
    CheckinTask,
    Incomplete,
    PersonCheckin,
    Submitted,
    Week,
)
from bot.text import html_join
from handlers.common import back_to_menu

flow = Flow("checkins")
flow.menu_entry("menu-checkin", Btn.CHECKIN_MINE, roles={"auxiliary"}, order=15)
flow.menu_entry("menu-checkin-team", Btn.CHECKIN_TEAM, roles={"mentor"}, order=25)

STEP = "ci.answer"
MAX_PEOPLE = 60  # lines in one view; a mentor has a handful, a unit some dozens


# --- rendering ------------------------------------------------------------------------------


def answer_text(t: Translator, question: Question | None, value: str) -> str:
    """An answer as the reader sees it: 是/否, the option's label, or the escaped text."""
    if question is None:
        return value
    if question.type == "yesno":
        return t("checkin-yes") if value == YES else t("checkin-no")
    if question.type == "choice":
        option = question.option(value)
        return option.label(t.locale) if option else value
    return value


def answers_lines(t: Translator, form: Form, answers: dict[str, str]) -> list[str]:
    lines = []
    for q in form.questions:
        if q.id in answers:
            flag = " ⚠️" if q.is_hazard(answers[q.id]) else ""
            lines.append(
                t(
                    "checkin-answer-line",
                    question=q.prompt(t.locale),
                    answer=answer_text(t, q, answers[q.id]) + flag,
                )
            )
    return lines


def people_lines(t: Translator, form: Form, people: Sequence[PersonCheckin]) -> list[str]:
    """One block per person: state, then the answers the reader may see."""
    lines: list[str] = []
    for p in people[:MAX_PEOPLE]:
        late = t("checkin-late-flag") if p.late else ""
        lines.append(t(f"checkin-person-{p.state}", name=p.name, late=late))
        for a in p.answers:
            q = form.question(a.question_id)
            flag = " ⚠️" if a.hazard else ""
            prompt = q.prompt(t.locale) if q else a.question_id
            lines.append(
                t(
                    "checkin-answer-line",
                    question=prompt,
                    answer=answer_text(t, q, a.value) + flag,
                )
            )
    if len(people) > MAX_PEOPLE:
        lines.append(t("checkin-more", count=len(people) - MAX_PEOPLE))
    return lines


def counts_line(t: Translator, people: Sequence[PersonCheckin]) -> str:
    answered = [p for p in people if p.state in ("answered", "all_fine")]
    return t(
        "checkin-counts",
        answered=len(answered),
        assigned=len(people),
        all_fine=sum(1 for p in people if p.state == "all_fine"),
        hazards=sum(1 for p in people if p.hazards),
        missing=sum(1 for p in people if p.state == "missing"),
    )


def _intro(ctx: Context, task: CheckinTask, *, edit: bool) -> Reply:
    now = ctx.clock.now()
    key = "checkin-intro-late" if task.due_at and now > task.due_at else "checkin-intro"
    return Reply(
        ctx.t(key, week=task.week.key, due=ctx.t.time(task.due_at)),
        buttons=[
            [
                Button(
                    ctx.t("btn-checkin-all-fine"), Btn.CHECKIN_ALL_FINE.token(task.assignment_id)
                )
            ],
            [
                Button(
                    ctx.t("btn-checkin-step"), Btn.CHECKIN_STEP_BY_STEP.token(task.assignment_id)
                )
            ],
            back_to_menu(ctx),
        ],
        edit=edit,
    )


def _done(ctx: Context, result: Submitted) -> Reply:
    key = "checkin-done-all-fine" if result.all_fine else "checkin-done"
    lines = [ctx.t(key, week=result.week.key)]
    if result.late:
        lines.append(ctx.t("checkin-done-late"))
    if result.care_items:
        lines.append(ctx.t("checkin-done-care"))
    return Reply(html_join(lines), buttons=[back_to_menu(ctx)])


def _closed(ctx: Context, exc: AlreadyAnswered | CheckinClosed) -> list[Reply]:
    ctx.state.clear()
    return [Reply(exc.render(ctx.t), buttons=[back_to_menu(ctx)])]


def _question(
    ctx: Context, form: Form, aid: int, index: int, *, edit: bool, answers: dict[str, str]
) -> Reply:
    q = form.questions[index]
    t = ctx.t
    rows: list[list[Button]] = []
    if q.type == "yesno":
        rows.append(
            [
                Button(t("checkin-yes"), Btn.CHECKIN_ANSWER.token(aid, index, YES)),
                Button(t("checkin-no"), Btn.CHECKIN_ANSWER.token(aid, index, NO)),
            ]
        )
    elif q.type == "choice":
        buttons = [
            Button(o.label(t.locale), Btn.CHECKIN_ANSWER.token(aid, index, o.id))
            for o in q.options
        ]
        rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
    elif q.optional:
        rows.append([Button(t("btn-checkin-skip"), Btn.CHECKIN_SKIP.token(aid, index))])
    rows.append([Button(t("btn-cancel"), Btn.CHECKIN_CANCEL)])
    text = t("checkin-question", number=form.number(index, answers), question=q.prompt(t.locale))
    if q.type == "text":
        text += "\n" + t("checkin-type-answer")
    return Reply(text, buttons=rows, edit=edit)


def _summary(ctx: Context, form: Form, aid: int, answers: dict[str, str]) -> Reply:
    lines = [ctx.t("checkin-summary-title"), *answers_lines(ctx.t, form, answers)]
    return Reply(
        html_join(lines),
        buttons=[
            [Button(ctx.t("btn-checkin-submit"), Btn.CHECKIN_SUBMIT.token(aid))],
            [
                Button(ctx.t("btn-checkin-again"), Btn.CHECKIN_STEP_BY_STEP.token(aid)),
                Button(ctx.t("btn-cancel"), Btn.CHECKIN_CANCEL),
            ],
        ],
    )


def _next(ctx: Context, form: Form, aid: int, answers: dict[str, str], start: int) -> Reply:
    """Ask the next question that applies, or show the summary when none is left."""
    index = form.next_index(start, answers)
    if index is None:
        ctx.state.go(STEP, a=aid, i=None, ans=answers)
        return _summary(ctx, form, aid, answers)
    ctx.state.go(STEP, a=aid, i=index, ans=answers)
    return _question(ctx, form, aid, index, edit=False, answers=answers)


def _state_for(ctx: Context, aid: int, index: int | None) -> dict[str, str] | None:
    """The answers so far when the press belongs to the question being asked, else None."""
    data = ctx.state.data
    if ctx.state.step != STEP or data.get("a") != aid or data.get("i") != index:
        return None
    return dict(data.get("ans") or {})


def _stale(ctx: Context, aid: int) -> list[Reply]:
    return [
        Reply(
            ctx.t("checkin-stale"),
            buttons=[[Button(ctx.t("btn-checkin-step"), Btn.CHECKIN_STEP_BY_STEP.token(aid))]],
        )
    ]


# --- answering --------------------------------------------------------------------------------


@flow.button(Btn.CHECKIN_OPEN)
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the week's check-in with its two ways to answer."""
    ctx.state.clear()
    try:
        task = await ctx.services.checkins.task(ctx.me, ctx.action(event).int_arg(0))
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc)
    return [_intro(ctx, task, edit=False)]


@flow.button(Btn.CHECKIN_MINE)
async def cb_mine(event: Incoming, ctx: Context) -> list[Reply]:
    """Open my newest open check-in from the menu."""
    return await _mine(ctx, edit=True)


@flow.command("checkin")
async def cmd_checkin(event: Incoming, ctx: Context) -> list[Reply]:
    """Open my newest open check-in."""
    return await _mine(ctx, edit=False)


async def _mine(ctx: Context, *, edit: bool) -> list[Reply]:
    ctx.state.clear()
    task = await ctx.services.checkins.open_task_of(ctx.me)
    if task is None:
        return [Reply(ctx.t("checkin-none-open"), buttons=[back_to_menu(ctx)], edit=edit)]
    return [_intro(ctx, task, edit=edit)]


@flow.button(Btn.CHECKIN_ALL_FINE)
async def cb_all_fine(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer the whole check-in with "All fine this week"."""
    ctx.state.clear()
    try:
        result = await ctx.services.checkins.submit(
            ctx.me, ctx.action(event).int_arg(0), all_fine=True
        )
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc)
    return [_done(ctx, result)]


@flow.button(Btn.CHECKIN_STEP_BY_STEP)
async def cb_step(event: Incoming, ctx: Context) -> list[Reply]:
    """Start answering question by question."""
    aid = ctx.action(event).int_arg(0)
    try:
        await ctx.services.checkins.task(ctx.me, aid)
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc)
    return [_next(ctx, ctx.services.checkins.form(), aid, {}, 0)]


@flow.button(Btn.CHECKIN_ANSWER)
async def cb_answer(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a yes/no or choice answer and ask the next question."""
    action = ctx.action(event)
    aid, index, value = action.int_arg(0), action.int_arg(1), action.arg(2)
    answers = _state_for(ctx, aid, index)
    form = ctx.services.checkins.form()
    if answers is None or index >= len(form.questions):
        return _stale(ctx, aid)
    if value not in form.questions[index].values():
        return _stale(ctx, aid)
    answers[form.questions[index].id] = value
    return [_next(ctx, form, aid, answers, index + 1)]


@flow.button(Btn.CHECKIN_SKIP)
async def cb_skip(event: Incoming, ctx: Context) -> list[Reply]:
    """Skip an optional text question."""
    action = ctx.action(event)
    aid, index = action.int_arg(0), action.int_arg(1)
    answers = _state_for(ctx, aid, index)
    if answers is None:
        return _stale(ctx, aid)
    return [_next(ctx, ctx.services.checkins.form(), aid, answers, index + 1)]


@flow.text(STEP)
async def on_text_answer(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a typed answer to a text question; other questions want a button."""
    data = ctx.state.data
    aid, index = int(data["a"]), data.get("i")
    form = ctx.services.checkins.form()
    answers = dict(data.get("ans") or {})
    if index is None:
        return [Reply(ctx.t("checkin-use-buttons")), _summary(ctx, form, aid, answers)]
    if index >= len(form.questions):
        return _stale(ctx, aid)
    q = form.questions[index]
    if q.type != "text":
        return [
            Reply(ctx.t("checkin-use-buttons")),
            _question(ctx, form, aid, index, edit=False, answers=answers),
        ]
    text = event.text.strip()
    if not text:
        return [_question(ctx, form, aid, index, edit=False, answers=answers)]
    if len(text) > MAX_TEXT:
        return [
            Reply(ctx.t("checkin-error-too-long", limit=MAX_TEXT)),
            _question(ctx, form, aid, index, edit=False, answers=answers),
        ]
    answers[q.id] = text
    return [_next(ctx, form, aid, answers, index + 1)]


@flow.button(Btn.CHECKIN_SUBMIT)
async def cb_submit(event: Incoming, ctx: Context) -> list[Reply]:
    """Submit the answers shown in the summary."""
    aid = ctx.action(event).int_arg(0)
    answers = _state_for(ctx, aid, None)
    if answers is None:
        return _stale(ctx, aid)
    try:
        result = await ctx.services.checkins.submit(ctx.me, aid, answers=answers)
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc)
    except Incomplete:
        return _stale(ctx, aid)  # the questionnaire changed meanwhile: answer it again
    ctx.state.clear()
    return [_done(ctx, result)]


@flow.button(Btn.CHECKIN_CANCEL)
async def cb_cancel(event: Incoming, ctx: Context) -> list[Reply]:
    """Stop answering for now; nothing is saved."""
    ctx.state.clear()
    return [Reply(ctx.t("checkin-cancelled"), buttons=[back_to_menu(ctx)], edit=True)]


# --- the mentor's view ------------------------------------------------------------------------


@flow.button(Btn.CHECKIN_TEAM)
async def cb_team(event: Incoming, ctx: Context) -> list[Reply]:
    """Show this week's check-ins of my auxiliaries (never office-only answers)."""
    args = ctx.action(event).args
    week = Week.parse(args[0]) if args else ctx.services.checkins.current_week()
    people = await ctx.services.checkins.mentor_view(ctx.actor, week)
    form = ctx.services.checkins.form()
    lines = [ctx.t("checkin-team-title", week=week.key, now=ctx.t.time(ctx.clock.now()))]
    if not people:
        lines.append(ctx.t("checkin-team-none"))
    else:
        lines.append(counts_line(ctx.t, people))
        lines.extend(people_lines(ctx.t, form, people))
    rows = [
        [Button(ctx.t("btn-checkin-prev-week"), Btn.CHECKIN_TEAM.token(week.shift(-1).key))],
        back_to_menu(ctx),
    ]
    return [Reply(html_join(lines), buttons=rows, edit=True)]
