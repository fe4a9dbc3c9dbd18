"""`muster training publish|status|export|stats`: the office's training commands."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.actor import Actor
from bot.cli.common import translator as _translator
from bot.cli.office import (
    add_kind_commands,
    command,
    in_unit_of_work,
    publish,
    status_command,
    status_lines,
    table,
)
from bot.config import Settings
from bot.i18n import Translator
from bot.roster_io import INJECTION_PREFIXES
from bot.services.training import TrainingStats, TrainingStatus
from storage.models import AssignmentStatus

ACTOR = "cli:training"
QUESTION_WIDTH = 40  # characters of the question text shown in `stats`
# (header key, column width) of the export sheet, in the order of `export_values`.
EXPORT_COLUMNS = (
    ("training-col-unit", 24),
    ("training-col-name", 12),
    ("training-col-employee-no", 12),
    ("training-col-mentor", 12),
    ("training-col-status", 16),
    ("training-col-attempts", 10),
    ("training-col-best-score", 10),
    ("training-col-completed-at", 20),
    ("training-col-version", 8),
    ("training-col-sha256", 66),
    ("training-col-due", 18),
    ("training-col-note", 30),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    training_sub, lang = add_kind_commands(
        sub,
        "training",
        help="publish training modules, see who passed, export, question stats",
        key_help="module key, e.g. duties-limits",
        publish=(
            "freeze the module's content as a version and assign it to an audience",
            cmd_training_publish,
        ),
        status=("counts per unit and who has not passed (latest version)", cmd_training_status),
        export=(
            "one row per person: attempts, best score, completed at, version",
            cmd_training_export,
        ),
    )
    sta = training_sub.add_parser(
        "stats", parents=[lang], help="for each question, the share of answers that were wrong"
    )
    sta.add_argument("key")
    sta.add_argument("--version", type=int, help="a published version (default: the latest)")
    sta.set_defaults(func=cmd_training_stats)


@command
async def cmd_training_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish a training module to an audience and print the version, counts and hash."""
    t, result = await publish(
        args, settings, kind="training", key_arg="module", service=lambda svc: svc.training
    )
    print(t("training-cli-sha", sha=result.sha256))
    return 0


def render_status(t: Translator, status: TrainingStatus, *, now: datetime) -> list[str]:
    """The status as terminal lines: a table per unit, then the people not passed yet."""
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
        ),
        units=[
            (u.unit, u.assigned, u.passed, u.pending, u.overdue, u.exhausted) for u in status.units
        ],
        total_key="training-total",
        pending_columns=(
            "training-col-unit",
            "training-col-name",
            "training-col-employee-no",
            "training-col-due",
            "training-col-attempts",
            "training-col-best-score",
            "training-col-status",
        ),
        pending=[
            [
                p.unit,
                p.name,
                p.employee_no,
                t.time(p.due_at),
                f"{p.attempts}/{status.attempts_allowed}",
                "-" if p.best_score is None else f"{p.best_score}%",
                _flags(t, overdue=p.overdue, exhausted=p.exhausted),
            ]
            for p in status.pending
        ],
    )


cmd_training_status = status_command("training", lambda svc: svc.training, render_status)


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
    print(t("training-cli-exported", count=len(rows), path=str(args.out)))
    return 0


def row_status(t: Translator, row: Mapping[str, Any], now: datetime) -> str:
    if row["status"] == AssignmentStatus.DONE:
        return t("training-status-passed")
    if row["status"] == AssignmentStatus.EXCUSED:
        return t("training-status-excused")
    if row["attempts"] >= row["attempts_allowed"]:
        return t("training-status-exhausted")
    if row["due_at"] is not None and row["due_at"] < now:
        return t("training-status-overdue")
    if row["attempts"]:
        return t("training-status-failed-retry")
    return t("training-status-pending")


def export_values(t: Translator, row: Mapping[str, Any], *, now: datetime) -> list[Any]:
    """The cells of one person's row; None leaves a cell empty."""
    completed = row["completed_at"]
    best = row["best_score"]
    return [
        row["unit"],
        row["name"],
        row["employee_no"],
        row["mentor"],
        row_status(t, row, now),
        row["attempts"],
        best / 100 if best is not None else None,  # a number, shown as a percentage
        completed.astimezone(t.tz).strftime("%Y-%m-%d %H:%M:%S") if completed else None,
        row["version"],
        row["sha256"] if completed else None,  # the hash of the content that was passed
        t.time(row["due_at"]) if row["due_at"] is not None else None,
        row["note"],
    ]


def write_export(
    path: Path, rows: Sequence[Mapping[str, Any]], *, t: Translator, now: datetime
) -> None:
    """One sheet, one row per person. Text is never a formula (names come from a roster)."""
    import openpyxl  # noqa: PLC0415 - slow import, only the export needs it
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    wb = openpyxl.Workbook(write_only=True)  # streams rows: 100k people stay small
    ws = wb.create_sheet(t("training-sheet"))
    for index, (_, width) in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for key, _ in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=t(key))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    score_column = [k for k, _ in EXPORT_COLUMNS].index("training-col-best-score")
    for row in rows:
        cells = []
        for i, value in enumerate(export_values(t, row, now=now)):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                # openpyxl makes any string starting with "=" a formula: force plain text,
                # and quotePrefix keeps Excel from reading it as one after an edit.
                cell.data_type = "s"
                if value.startswith(INJECTION_PREFIXES):
                    cell.quotePrefix = True
            elif i == score_column:
                cell.number_format = "0%"
            cells.append(cell)
        ws.append(cells)
    wb.save(path)


@command
async def cmd_training_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print, for each question, how many answers were wrong: what the force has not got."""
    t = _translator(settings, args.lang)
    stats, _ = await in_unit_of_work(
        settings,
        t,
        lambda svc: svc.training.stats(
            Actor.cli(ACTOR), args.key, version=args.version, locale=t.locale
        ),
    )
    print("\n".join(render_stats(t, stats)))
    return 0


def render_stats(t: Translator, stats: TrainingStats) -> list[str]:
    """Questions with the most wrong answers first."""
    lines = [
        t(
            "training-cli-stats-title",
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


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= QUESTION_WIDTH else one_line[: QUESTION_WIDTH - 1] + "…"
