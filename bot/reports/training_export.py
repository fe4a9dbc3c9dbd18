"""The training export workbook: one row per assigned person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.reports.task_states import state_note
from bot.sheets.writer import Column, Workbook
from storage.models import AssignmentStatus

# Header keys of the export sheet, in the order of `export_values`.
EXPORT_COLUMNS = (
    "training-col-unit",
    "training-col-name",
    "training-col-employee-no",
    "training-col-mentor",
    "training-col-status",
    "training-col-attempts",
    "training-col-best-score",
    "training-col-completed-at",
    "training-col-version",
    "training-col-sha256",
    "training-col-due",
    "training-col-note",
)
FORMATS = {"training-col-best-score": "0%"}


def row_status(t: Translator, row: Mapping[str, Any], now: datetime) -> str:
    if row["status"] == AssignmentStatus.DONE:
        return t("training-status-passed")
    if row["status"] == AssignmentStatus.EXCUSED:
        return t("training-status-excused")
    if row["leave_until"] is not None:  # away: not overdue
        return state_note(t, leave_until=row["leave_until"])
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


# Header keys of the per-unit summary sheet, in the order of `summary_counts`.
SUMMARY_COLUMNS = (
    "training-col-unit",
    "training-col-assigned",
    "training-col-passed",
    "training-col-pending",
    "training-col-overdue",
    "training-col-excused",
)


def summary_counts(rows: Sequence[Mapping[str, Any]], now: datetime) -> list[list[Any]]:
    """Per unit (in the order units first appear): assigned, passed, not passed yet, of
    those overdue, and excused (its own column: neither passed nor pending)."""
    units: dict[str, list[int]] = {}
    for row in rows:
        c = units.setdefault(row["unit"], [0, 0, 0, 0, 0])
        c[0] += 1
        if row["status"] == AssignmentStatus.DONE:
            c[1] += 1
        elif row["status"] == AssignmentStatus.EXCUSED:
            c[4] += 1
        else:
            c[2] += 1
            c[3] += (
                row["leave_until"] is None and row["due_at"] is not None and row["due_at"] < now
            )
    return [[unit, *counts] for unit, counts in units.items()]


def write_export(
    path: Path, rows: Sequence[Mapping[str, Any]], *, t: Translator, now: datetime
) -> None:
    """One row per person, and a summary sheet per unit with a total."""
    wb = Workbook()
    sheet = wb.sheet(t("training-sheet"), [Column(t(k), FORMATS.get(k)) for k in EXPORT_COLUMNS])
    for row in rows:
        sheet.append(export_values(t, row, now=now))
    summary = wb.sheet(t("training-sheet-summary"), [Column(t(k)) for k in SUMMARY_COLUMNS])
    units = summary_counts(rows, now)
    for unit in units:
        summary.append(unit)
    total = [t("training-total"), *(sum(u[i] for u in units) for i in range(1, 6))]
    summary.append(total, bold=True)
    wb.save(path)
