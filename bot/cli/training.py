"""`muster training publish|status|export|stats`: the office's training commands."""

from __future__ import annotations

import argparse
from datetime import datetime

import wcwidth

from bot.actor import Actor
from bot.cli.common import say
from bot.cli.common import translator as _translator
from bot.cli.office import (
    PERSON_COLUMNS,
    KindCommands,
    add_kind_commands,
    command,
    in_unit_of_work,
    service_command,
    status_lines,
    table,
)
from bot.config import Settings
from bot.i18n import Translator
from bot.reports.task_states import state_columns, with_note
from bot.reports.training_export import write_export
from bot.services.tasks import PublishResult
from bot.services.training import TrainingStats, TrainingStatus

ACTOR = "cli:training"
QUESTION_WIDTH = 60  # terminal columns of the question text shown in `stats`


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    training = add_kind_commands(sub, t, TRAINING, export=cmd_training_export)
    sta = training("stats", cmd_training_stats)
    sta.add_argument("key", metavar="KEY", help=t("cli-help-training-key"))
    sta.add_argument("--version", type=int, metavar="N", help=t("cli-help-training-stats-version"))


def _published(t: Translator, result: PublishResult) -> list[str]:
    """The hash of the module's content."""
    return [t("training-cli-sha", sha=result.sha256)]


def render_status(t: Translator, status: TrainingStatus, *, now: datetime) -> list[str]:
    """The status as terminal lines: a table per unit, then the people not passed yet."""
    more, counts = state_columns(status.units)
    return status_lines(
        t,
        "training",
        status,
        now,
        key_arg="module",
        columns=(
            "training-col-unit",
            "training-col-assigned",
            "training-col-passed",
            "training-col-pending",
            "training-col-overdue",
            "training-col-exhausted",
            "training-col-excused",
            *more,
        ),
        units=[
            (
                u.unit,
                u.assigned,
                u.passed,
                u.pending,
                u.overdue,
                u.exhausted,
                u.excused,
                *counts(u),
            )
            for u in status.units
        ],
        total_key="training-total",
        pending_columns=[
            f"training-col-{c}" for c in (*PERSON_COLUMNS, "attempts", "best-score", "status")
        ],
        pending=[
            [
                f"{p.attempts}/{status.attempts_allowed}",
                "-" if p.best_score is None else f"{p.best_score}%",
                with_note(t, p, _flags(t, overdue=p.overdue, exhausted=p.exhausted)),
            ]
            for p in status.pending
        ],
    )


TRAINING = KindCommands("training", "module", lambda svc: svc.training, _published, render_status)


def _flags(t: Translator, *, overdue: bool, exhausted: bool) -> str:
    flags = []
    if exhausted:
        flags.append(t("training-flag-exhausted"))
    if overdue:
        flags.append(t("training-flag-overdue"))
    return " ".join(flags)


@command
async def cmd_training_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write every assigned person's attempts, best score and completion to an .xlsx file."""
    t = _translator(settings, args.lang)
    rows, now = await in_unit_of_work(
        settings, t, lambda svc: svc.training.export_rows(Actor.cli(ACTOR), args.key)
    )
    write_export(args.out, rows, t=t, now=now)
    say(t("training-cli-exported", count=len(rows), path=str(args.out)))
    return 0


def render_stats(t: Translator, stats: TrainingStats) -> list[str]:
    """Questions with the most wrong answers first."""
    lines = [
        t(
            "training-cli-stats-title",
            title=stats.title(t.locale),
            module=stats.key,
            version=str(stats.version),
            attempts=stats.attempts,
            people=stats.people,
        )
    ]
    if not stats.attempts:
        lines.append(t("training-cli-stats-empty"))
        return lines
    ordered = sorted(stats.questions, key=lambda q: (-q.wrong_share, q.number))
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "training-col-question-no",
                    "training-col-wrong-share",
                    "training-col-wrong",
                    "training-col-answered",
                    "training-col-topic",
                    "training-col-question",
                )
            ],
            [
                [
                    str(q.number),
                    f"{q.wrong_share:.0%}",
                    str(q.wrong),
                    str(q.answered),
                    q.topic,
                    _short(q.text),
                ]
                for q in ordered
            ],
            numeric={0, 1, 2, 3},
        )
    )
    return lines


cmd_training_stats = service_command(
    "Print, for each question, how many answers were wrong: what the force has not got.",
    lambda args, t, svc: svc.training.stats(
        Actor.cli(ACTOR), args.key, version=args.version, locale=t.locale
    ),
    render_stats,
)


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    if wcwidth.width(one_line) <= QUESTION_WIDTH:
        return one_line
    return wcwidth.clip(one_line, 0, QUESTION_WIDTH - 1, fillchar="") + "…"
