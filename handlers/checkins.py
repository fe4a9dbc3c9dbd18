"""The weekly check-in on the phone: "All fine" in one tap, or question by question;
the mentor's view of his auxiliaries. Written difficulties go to the office as hotline
tickets (bot/services/checkins.py), so the office follows them up in the hotline queue."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Btn
from bot.checkin_content import NO, YES, Form
from bot.checkin_render import answer_line
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.i18n import Translator
from bot.router import Flow
from bot.services.checkins import (
    MAX_TEXT,
    AlreadyAnswered,
    Answers,
    CheckinClosed,
    CheckinTask,
    Incomplete,
    PersonCheckin,
    Submitted,
    Week,
)
from bot.services.mentor_alerts import next_digest_at
from bot.text import html_join
from handlers.common import back_to_menu, cancel_button

flow = Flow("checkins")
flow.menu_entry("menu-checkin", Btn.CHECKIN_MINE, roles={"auxiliary"}, order=15)
flow.menu_entry("menu-checkin-team", Btn.CHECKIN_TEAM, roles={"mentor"}, order=25)

STEP = "ci.answer"
MAX_PEOPLE = 60  # lines in one view; a mentor has a handful, a unit some dozens


# --- rendering ------------------------------------------------------------------------------


def answers_lines(t: Translator, form: Form, answers: dict[str, str]) -> list[str]:
    return [
        answer_line(t, form, q.id, answers[q.id], q.is_hazard(answers[q.id]))
        for q in form.questions
        if q.id in answers
    ]


def people_lines(t: Translator, form: Form, people: Sequence[PersonCheckin]) -> list[str]:
    """One block per person: state, then the answers the reader may see."""
    lines: list[str] = []
    for p in people[:MAX_PEOPLE]:
        late = t("checkin-late-flag") if p.late else ""
        joined = t.time(p.joined_at) if p.joined_at is not None else ""
        lines.append(t(f"checkin-person-{p.state}", name=p.name, late=late, joined=joined))
        lines.extend(answer_line(t, form, a.question_id, a.value, a.hazard) for a in p.answers)
    if len(people) > MAX_PEOPLE:
        lines.append(t("checkin-more", count=len(people) - MAX_PEOPLE))
    return lines


def counts_line(t: Translator, people: Sequence[PersonCheckin]) -> str:
    answered = [p for p in people if p.state in ("answered", "all_fine")]
    tasked = [p for p in people if p.state != "joined_late"]  # no task this week
    return t(
        "checkin-counts",
        answered=len(answered),
        assigned=len(tasked),
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


def correct_button(ctx: Context, aid: int) -> Button:
    return Button(ctx.t("btn-checkin-correct"), Btn.CHECKIN_CORRECT.token(aid))


def urgent_button(ctx: Context, response_id: int) -> Button:
    return Button(ctx.t("btn-checkin-urgent"), Btn.CHECKIN_URGENT.token(response_id))


def _done(ctx: Context, result: Submitted, aid: int) -> Reply:
    if result.corrected:
        key = "checkin-corrected-all-fine" if result.all_fine else "checkin-corrected"
    else:
        key = "checkin-done-all-fine" if result.all_fine else "checkin-done"
    lines = [ctx.t(key, week=result.week.key)]
    if result.late:
        lines.append(ctx.t("checkin-done-late"))
    if result.care_items:
        lines.append(ctx.t("checkin-done-care"))
    rows: list[list[Button]] = []
    if result.alert:
        digest = next_digest_at(ctx.clock.now(), ctx.settings)
        lines.append(ctx.t("checkin-done-alert", at=ctx.t.time(digest)))
        rows.append([urgent_button(ctx, result.response_id)])
    if not result.late:
        lines.append(ctx.t("checkin-done-correctable"))
        rows.append([correct_button(ctx, aid)])
    return Reply(html_join(lines), buttons=[*rows, back_to_menu(ctx)])


def _closed(ctx: Context, exc: AlreadyAnswered | CheckinClosed, aid: int) -> list[Reply]:
    ctx.state.clear()
    rows = [[correct_button(ctx, aid)]] if isinstance(exc, AlreadyAnswered) else []
    return [Reply(exc.render(ctx.t), buttons=[*rows, back_to_menu(ctx)])]


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
    fix = bool(ctx.state.data.get("fix"))
    again = Btn.CHECKIN_CORRECT_STEP if fix else Btn.CHECKIN_STEP_BY_STEP
    title = "checkin-summary-title-correction" if fix else "checkin-summary-title"
    lines = [ctx.t(title), *answers_lines(ctx.t, form, answers)]
    return Reply(
        html_join(lines),
        buttons=[
            [Button(ctx.t("btn-checkin-submit"), Btn.CHECKIN_SUBMIT.token(aid))],
            [
                Button(ctx.t("btn-checkin-again"), again.token(aid)),
                Button(ctx.t("btn-cancel"), Btn.CHECKIN_CANCEL),
            ],
        ],
    )


def _next(
    ctx: Context,
    form: Form,
    aid: int,
    answers: dict[str, str],
    start: int,
    *,
    fix: bool | None = None,
) -> Reply:
    """Ask the next question that applies, or show the summary when none is left.
    `fix`: answering a correction (None: as the conversation was)."""
    if fix is None:
        fix = bool(ctx.state.data.get("fix"))
    index = form.next_index(start, answers)
    if index is None:
        ctx.state.go(STEP, a=aid, i=None, ans=answers, fix=fix)
        return _summary(ctx, form, aid, answers)
    ctx.state.go(STEP, a=aid, i=index, ans=answers, fix=fix)
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
        return _closed(ctx, exc, ctx.action(event).int_arg(0))
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
        lines, rows = [ctx.t("checkin-none-open")], []
        last = await ctx.services.checkins.history(ctx.me, limit=1)
        if last and last[0].correctable:  # answered this week: it may still be corrected
            lines.append(
                ctx.t(
                    "checkin-answered-correctable",
                    week=last[0].week.key,
                    due=ctx.t.time(last[0].due_at),
                )
            )
            rows.append([correct_button(ctx, last[0].assignment_id)])
        return [Reply(html_join(lines), buttons=[*rows, back_to_menu(ctx)], edit=edit)]
    return [_intro(ctx, task, edit=edit)]


@flow.button(Btn.CHECKIN_ALL_FINE)
async def cb_all_fine(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer the whole check-in with "All fine this week"."""
    ctx.state.clear()
    aid = ctx.action(event).int_arg(0)
    try:
        result = await ctx.services.checkins.submit(ctx.me, aid, Answers.fine())
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc, aid)
    return [_done(ctx, result, aid)]


@flow.button(Btn.CHECKIN_STEP_BY_STEP)
async def cb_step(event: Incoming, ctx: Context) -> list[Reply]:
    """Start answering question by question."""
    aid = ctx.action(event).int_arg(0)
    try:
        await ctx.services.checkins.task(ctx.me, aid)
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc, aid)
    return [_next(ctx, ctx.services.checkins.form(), aid, {}, 0, fix=False)]


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
    checkins = ctx.services.checkins
    try:
        if ctx.state.data.get("fix"):
            result = await checkins.correct(ctx.me, aid, Answers(answers))
        else:
            result = await checkins.submit(ctx.me, aid, Answers(answers))
    except (AlreadyAnswered, CheckinClosed) as exc:
        return _closed(ctx, exc, aid)
    except Incomplete:
        return _stale(ctx, aid)  # the questionnaire changed meanwhile: answer it again
    ctx.state.clear()
    return [_done(ctx, result, aid)]


# Stop answering for now; nothing is saved.
cancel_button(flow, Btn.CHECKIN_CANCEL, "checkin-cancelled")


# --- corrections until the deadline, and telling the mentor at once ------------------------


@flow.button(Btn.CHECKIN_CORRECT)
async def cb_correct(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer the two ways to correct an answered check-in before its deadline."""
    ctx.state.clear()
    aid = ctx.action(event).int_arg(0)
    task = await ctx.services.checkins.correctable(ctx.me, aid)
    return [
        Reply(
            ctx.t("checkin-correct-intro", week=task.week.key, due=ctx.t.time(task.due_at)),
            buttons=[
                [
                    Button(
                        ctx.t("btn-checkin-correct-fine"), Btn.CHECKIN_CORRECT_ALL_FINE.token(aid)
                    )
                ],
                [Button(ctx.t("btn-checkin-correct-step"), Btn.CHECKIN_CORRECT_STEP.token(aid))],
                back_to_menu(ctx),
            ],
        )
    ]


@flow.button(Btn.CHECKIN_CORRECT_ALL_FINE)
async def cb_correct_all_fine(event: Incoming, ctx: Context) -> list[Reply]:
    """Correct the check-in to "All fine this week" (the earlier answer is kept)."""
    ctx.state.clear()
    aid = ctx.action(event).int_arg(0)
    result = await ctx.services.checkins.correct(ctx.me, aid, Answers.fine())
    return [_done(ctx, result, aid)]


@flow.button(Btn.CHECKIN_CORRECT_STEP)
async def cb_correct_step(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer the check-in again, question by question, as a correction."""
    aid = ctx.action(event).int_arg(0)
    await ctx.services.checkins.correctable(ctx.me, aid)
    return [_next(ctx, ctx.services.checkins.form(), aid, {}, 0, fix=True)]


@flow.button(Btn.CHECKIN_URGENT)
async def cb_urgent(event: Incoming, ctx: Context) -> list[Reply]:
    """Tell my mentor now what my check-in reported, instead of in his next digest."""
    mentor = await ctx.services.checkins.mark_urgent(ctx.actor, ctx.action(event).int_arg(0))
    return [Reply(ctx.t("checkin-urgent-sent", mentor=mentor.name), buttons=[back_to_menu(ctx)])]


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
        # the same people as 我联系的辅警, and who of them joined after the week opened
        late = [p.name for p in people if p.state == "joined_late"]
        if late:
            names = html_join(late, "、" if ctx.t.locale == "zh_CN" else ", ")
            lines.append(
                ctx.t("checkin-team-people-late", people=len(people), late=len(late), names=names)
            )
        else:
            lines.append(ctx.t("checkin-team-people", people=len(people)))
        lines.append(counts_line(ctx.t, people))
        lines.extend(people_lines(ctx.t, form, people))
    rows = [
        [Button(ctx.t("btn-checkin-prev-week"), Btn.CHECKIN_TEAM.token(week.shift(-1).key))],
        back_to_menu(ctx),
    ]
    return [Reply(html_join(lines), buttons=rows, edit=True)]
