"""Check-in answers as a reader sees them, for the chat (handlers/checkins.py, my records)
and for the outbox (the mentor's alerts, bot/services/mentor_alerts.py): one way to show
an answer everywhere."""

from __future__ import annotations

from bot.checkin_content import NO, YES, Form, Question
from bot.i18n import Translator

HAZARD_FLAG = " ⚠️"


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


def answer_line(t: Translator, form: Form, question_id: str, value: str, hazard: bool) -> str:
    """ "• question → answer", flagged when the answer is a hazard. A question no longer in
    the questionnaire shows its id."""
    q = form.question(question_id)
    return t(
        "checkin-answer-line",
        question=q.prompt(t.locale) if q else question_id,
        answer=answer_text(t, q, value) + (HAZARD_FLAG if hazard else ""),
    )


__all__ = ["NO", "YES", "answer_line", "answer_text"]
