"""Training on the phone: lessons page by page, the quiz one question at a time, the result.

Answer buttons carry the attempt, the question and the ORIGINAL option index
("tr:a:<assignment>:<attempt>:<question>:<option>"), so a button stays meaningful whatever
order the options were shown in, and one from an earlier attempt or an answered question
is recognised as such.
"""

from __future__ import annotations

import functools

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.router import Flow, Handler
from bot.services.training_learning import (
    AlreadyAnswered,
    AlreadyPassed,
    AnswerResult,
    AttemptOver,
    AttemptResult,
    AttemptsExhausted,
    LessonView,
    QuestionView,
    Superseded,
)
from bot.text import html, html_join
from bot.training_content import LETTERS, MULTIPLE, SINGLE, TRUEFALSE, to_html
from handlers.common import back_to_menu

flow = Flow("training")

TYPE_KEYS = {
    SINGLE: "training-type-single",
    MULTIPLE: "training-type-multiple",
    TRUEFALSE: "training-type-truefalse",
}
TRUEFALSE_KEYS = ("btn-training-true", "btn-training-false")  # original option 0, 1
LETTERS_PER_ROW = 4

REFUSALS = (AlreadyAnswered, AlreadyPassed, AttemptOver, AttemptsExhausted, Superseded)


def _refusal(ctx: Context, exc: Exception) -> list[Reply]:
    """A refusal that points somewhere useful: the new version, the result, the quiz."""
    assert isinstance(exc, REFUSALS)
    rows: list[list[Button]] = []
    if isinstance(exc, Superseded):
        rows.append(
            [
                Button(
                    ctx.t("btn-training-open-current"),
                    Btn.TRAINING_OPEN.token(exc.current_assignment),
                )
            ]
        )
    elif isinstance(exc, AlreadyPassed):
        rows.append(
            [Button(ctx.t("btn-training-result"), Btn.TRAINING_RESULT.token(exc.assignment_id))]
        )
    elif isinstance(exc, AlreadyAnswered | AttemptOver):
        rows.append(
            [Button(ctx.t("btn-training-continue"), Btn.TRAINING_OPEN.token(exc.assignment_id))]
        )
    rows.append(back_to_menu(ctx))
    return [Reply(exc.render(ctx.t), buttons=rows)]


def refusals(fn: Handler) -> Handler:
    """Turn the expected refusals of the training service into replies with a way on."""

    @functools.wraps(fn)
    async def wrapper(event: Incoming, ctx: Context) -> list[Reply]:
        try:
            return await fn(event, ctx)
        except REFUSALS as exc:
            return _refusal(ctx, exc)

    return wrapper


# --- lessons ----------------------------------------------------------------------------


@flow.button(Btn.TRAINING_OPEN)
@refusals
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Open the training where the person stopped: the quiz in progress, or the lesson."""
    ctx.state.clear()
    view = await ctx.services.training.resume(ctx.me, ctx.action(event).int_arg(0))
    if isinstance(view, QuestionView):
        return [_question(ctx, view, edit=False)]
    replies = _lesson(ctx, view, edit=False)
    if view.exhausted:
        note = ctx.t("training-attempts-exhausted", attempts=view.attempts_allowed)
        replies.insert(0, Reply(note))
    return replies


@flow.button(Btn.TRAINING_LESSON)
@refusals
async def cb_lesson(event: Incoming, ctx: Context) -> list[Reply]:
    """Turn to another lesson, replacing the message."""
    action = ctx.action(event)
    view = await ctx.services.training.lesson(ctx.me, action.int_arg(0), action.int_arg(1))
    return _lesson(ctx, view, edit=True)


def _lesson(ctx: Context, view: LessonView, *, edit: bool) -> list[Reply]:
    header = ctx.t(
        "training-lesson-header",
        title=view.title,
        version=view.version,
        lesson=view.index + 1,
        lessons=view.count,
        due=ctx.t.time(view.due_at),
    )
    aid = view.assignment_id
    nav: list[Button] = []
    if view.index > 0:
        nav.append(
            Button(ctx.t("btn-training-prev"), Btn.TRAINING_LESSON.token(aid, view.index - 1))
        )
    if view.index + 1 < view.count:
        nav.append(
            Button(ctx.t("btn-training-next"), Btn.TRAINING_LESSON.token(aid, view.index + 1))
        )
    rows = [nav] if nav else []
    # Someone retrying has read every lesson already: let them go to the quiz from any page.
    if not view.exhausted and (view.index + 1 == view.count or view.attempts_used > 0):
        rows.append([Button(ctx.t("btn-training-start-quiz"), Btn.TRAINING_START_QUIZ.token(aid))])
    rows.append(back_to_menu(ctx))
    text = html("{}\n\n<b>{}</b>\n\n{}", header, view.lesson.title, to_html(view.lesson.body))
    images = [Reply("", document=Document(name, data)) for name, data in view.images]
    # A picture cannot be edited into a text message: a page with pictures comes anew.
    return [*images, Reply(text, buttons=rows, edit=edit and not images)]


# --- the quiz ---------------------------------------------------------------------------


@flow.button(Btn.TRAINING_START_QUIZ)
@refusals
async def cb_start_quiz(event: Incoming, ctx: Context) -> list[Reply]:
    """Start the next attempt (or continue the one in progress) at its current question."""
    view = await ctx.services.training.start_quiz(ctx.me, ctx.action(event).int_arg(0))
    return [_question(ctx, view, edit=False)]


@flow.button(Btn.TRAINING_NEXT_QUESTION)
@refusals
async def cb_next(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the question the person is at."""
    view = await ctx.services.training.question(ctx.me, ctx.action(event).int_arg(0))
    return [_question(ctx, view, edit=False)]


@flow.button(Btn.TRAINING_TOGGLE_OPTION)
@refusals
async def cb_toggle(event: Incoming, ctx: Context) -> list[Reply]:
    """Tick or untick an option of a multiple-choice question."""
    aid, attempt, index, option = _turn(ctx, event, 4)
    view = await ctx.services.training.toggle(ctx.me, aid, attempt, index, option)
    return [_question(ctx, view, edit=True)]


@flow.button(Btn.TRAINING_ANSWER)
@refusals
async def cb_answer(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer a single-choice or true/false question and show the explanation."""
    aid, attempt, index, option = _turn(ctx, event, 4)
    result = await ctx.services.training.answer(ctx.me, aid, attempt, index, option)
    return [_explained(ctx, result)]


@flow.button(Btn.TRAINING_SUBMIT_CHOICES)
@refusals
async def cb_submit(event: Incoming, ctx: Context) -> list[Reply]:
    """Submit the ticked options of a multiple-choice question and show the explanation."""
    aid, attempt, index = _turn(ctx, event, 3)
    result = await ctx.services.training.answer(ctx.me, aid, attempt, index)
    return [_explained(ctx, result)]


def _turn(ctx: Context, event: Incoming, n: int) -> list[int]:
    """What a quiz button carries: the assignment, the attempt number, the question's
    index and (for an option) the option."""
    action = ctx.action(event)
    return [action.int_arg(i) for i in range(n)]


def _letter(view: QuestionView, original: int) -> str:
    return LETTERS[view.order.index(original)]


def _option_label(ctx: Context, view: QuestionView, original: int) -> str:
    if view.question.type == TRUEFALSE:
        return ctx.t(TRUEFALSE_KEYS[original])
    return _letter(view, original)


def _question_text(ctx: Context, view: QuestionView) -> str:
    q = view.question
    lines = [
        ctx.t.of("training-question-header", view, number=view.index + 1),
        ctx.t(TYPE_KEYS[q.type]),
        "",
        html("<b>{}</b>", q.text),
    ]
    if q.type != TRUEFALSE:
        lines.append("")
        lines.extend(
            html("{}. {}", LETTERS[i], q.options[orig]) for i, orig in enumerate(view.order)
        )
    return html_join(lines)


def _question(ctx: Context, view: QuestionView, *, edit: bool) -> Reply:
    aid, att, qi = view.assignment_id, view.attempt_no, view.index
    rows: list[list[Button]] = []
    if view.question.type == MULTIPLE:
        toggles = [
            Button(
                f"{'☑' if orig in view.selected else '☐'} {_letter(view, orig)}",
                Btn.TRAINING_TOGGLE_OPTION.token(aid, att, qi, orig),
            )
            for orig in view.order
        ]
        rows.extend(
            toggles[i : i + LETTERS_PER_ROW] for i in range(0, len(toggles), LETTERS_PER_ROW)
        )
        rows.append(
            [Button(ctx.t("btn-training-submit"), Btn.TRAINING_SUBMIT_CHOICES.token(aid, att, qi))]
        )
    else:
        answers = [
            Button(_option_label(ctx, view, orig), Btn.TRAINING_ANSWER.token(aid, att, qi, orig))
            for orig in view.order
        ]
        rows.extend(
            answers[i : i + LETTERS_PER_ROW] for i in range(0, len(answers), LETTERS_PER_ROW)
        )
    text = _question_text(ctx, view)
    if view.resumed:
        text = html("{}\n\n{}", ctx.t("training-resumed"), text)
    return Reply(text, buttons=rows, edit=edit)


def _explained(ctx: Context, result: AnswerResult) -> Reply:
    view = result.view
    sep = ctx.t("training-sep")
    given = html_join(
        (_option_label(ctx, view, o) for o in sorted(result.chosen, key=view.order.index)), sep
    )
    right = html_join(
        (_option_label(ctx, view, o) for o in sorted(view.question.correct, key=view.order.index)),
        sep,
    )
    verdict = (
        ctx.t("training-answer-right", given=given)
        if result.correct
        else ctx.t("training-answer-wrong", given=given, correct=right)
    )
    text = html(
        "{}\n\n{}\n{}",
        _question_text(ctx, view),
        verdict,
        ctx.t("training-explanation", text=view.question.explanation),
    )
    aid = view.assignment_id
    if result.finished is not None:
        button = Button(ctx.t("btn-training-result"), Btn.TRAINING_RESULT.token(aid))
    else:
        button = Button(ctx.t("btn-training-next-question"), Btn.TRAINING_NEXT_QUESTION.token(aid))
    return Reply(text, buttons=[[button]], edit=True)


# --- the result -------------------------------------------------------------------------


@flow.button(Btn.TRAINING_RESULT)
@refusals
async def cb_result(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the score of the latest attempt, what to review, and a new attempt if any."""
    result = await ctx.services.training.result(ctx.me, ctx.action(event).int_arg(0))
    signable = await ctx.services.pledges.signable_now(ctx.me) if result.passed else []
    return [_result(ctx, result, signable)]


def _result(ctx: Context, r: AttemptResult, signable: list[tuple[int, str]]) -> Reply:
    """`signable`: pledges that waited for this training, offered right away."""
    args = {
        "title": r.title,
        "score": r.score,
        "correct": r.correct,
        "total": r.total,
        "pass": r.pass_mark,
        "attempt": r.attempt_no,
        "attempts": r.attempts_allowed,
    }
    rows: list[list[Button]] = []
    if r.passed:
        text = ctx.t(
            "training-result-passed", time=ctx.t.time(r.finished_at), hash=r.sha256[:12], **args
        )
        rows.extend(
            [Button(ctx.t("btn-pledge-sign-now", title=title), Btn.PLEDGE_OPEN.token(aid))]
            for aid, title in signable
        )
    else:
        topics = html_join(html("• {}", t) for t in r.wrong_topics)
        text = ctx.t("training-result-failed", topics=topics, **args)
        if r.can_retry:
            text += "\n\n" + ctx.t("training-result-retry", left=r.attempts_allowed - r.attempt_no)
            rows.append(
                [
                    Button(
                        ctx.t(
                            "btn-training-retry",
                            attempt=r.attempt_no + 1,
                            attempts=r.attempts_allowed,
                        ),
                        Btn.TRAINING_START_QUIZ.token(r.assignment_id),
                    )
                ]
            )
            rows.append(
                [
                    Button(
                        ctx.t("btn-training-review"), Btn.TRAINING_LESSON.token(r.assignment_id, 0)
                    )
                ]
            )
        elif r.exhausted:
            text += "\n\n" + ctx.t("training-result-exhausted", attempts=r.attempts_allowed)
    rows.append(back_to_menu(ctx))
    return Reply(text, buttons=rows)
