"""The pledge export workbook: one row per assigned person, and a summary sheet per unit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.reports.task_states import state_note
from bot.services import tasks
from bot.sheets.writer import Column, Workbook

SIGNED, PENDING, OVERDUE, EXCUSED = tasks.DONE, tasks.PENDING, tasks.OVERDUE, tasks.EXCUSED
WAITING, ON_LEAVE = tasks.WAITING, tasks.ON_LEAVE
STATUS_KEYS = {
    SIGNED: "report-status-signed",
    PENDING: "report-status-pending",
    OVERDUE: "report-status-overdue",
    EXCUSED: "report-status-excused",
}
# Header keys of the detail sheet, in the order of `detail_values`.
DETAIL_COLUMNS = (
    "report-col-unit",
    "report-col-name",
    "report-col-employee-no",
    "report-col-mentor",
    "report-col-leader",
    "report-col-status",
    "report-col-signed-at",
    "report-col-version",
    "report-col-sha256",
    "report-col-signature-no",
    "report-col-due",
    "report-col-note",
)
UNIT_COLUMNS = (  # a pledge's counts per unit, here and in `muster pledge status`
    "report-col-unit",
    "report-col-assigned",
    "report-col-signed",
    "report-col-pending",
    "report-col-overdue",
    "report-col-excused",
)
SUMMARY_COLUMNS = (
    *UNIT_COLUMNS,
    "report-col-signed-pct",
    "report-col-waiting-training",
    "report-col-on-leave",
)


@dataclass
class UnitSummary:
    unit: str
    assigned: int = 0
    signed: int = 0
    pending: int = 0  # open, overdue included
    overdue: int = 0
    excused: int = 0
    waiting: int = 0  # not signed: waiting for the training the pledge presupposes
    on_leave: int = 0  # not signed: on leave (not overdue)

    @property
    def signed_share(self) -> float:
        return self.signed / self.assigned if self.assigned else 0.0

    def add(self, status: str) -> None:
        self.assigned += 1
        if status == SIGNED:
            self.signed += 1
        elif status == EXCUSED:
            self.excused += 1
        else:
            self.pending += 1
            self.overdue += status == OVERDUE
            self.waiting += status == WAITING
            self.on_leave += status == ON_LEAVE


def row_status(row: Mapping[str, Any], now: datetime) -> str:
    """signed | pending | overdue | excused | waiting | on_leave for one row of
    PledgeService.export_rows (bot.services.tasks.task_state)."""
    return tasks.task_state(
        row["status"],
        row["due_at"],
        now,
        leave_until=row["leave_until"],
        waiting=bool(row["waiting"]),
    )


def summarize(rows: Iterable[Mapping[str, Any]], now: datetime) -> list[UnitSummary]:
    """Counts per unit, in the order units first appear (export_rows sorts by unit)."""
    units: dict[str, UnitSummary] = {}
    for row in rows:
        units.setdefault(row["unit"], UnitSummary(row["unit"])).add(row_status(row, now))
    return list(units.values())


def total(units: Sequence[UnitSummary], label: str) -> UnitSummary:
    """The units' counts added up, under `label`."""
    out = UnitSummary(label)
    for name in (f.name for f in fields(UnitSummary) if f.name != "unit"):
        setattr(out, name, sum(getattr(u, name) for u in units))
    return out


def local_seconds(t: Translator, at: datetime | None) -> str:
    """A UTC instant as local wall time to the second (evidence wants seconds)."""
    return at.astimezone(t.tz).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def detail_values(
    t: Translator, row: Mapping[str, Any], *, version: int, now: datetime
) -> list[Any]:
    status = row_status(row, now)
    return [
        row["unit"],
        row["name"],
        row["employee_no"],
        row["mentor"] or "",
        row["leader"] or "",
        t(STATUS_KEYS[status]) if status in STATUS_KEYS else state_note(t, **_states(row)),
        local_seconds(t, row["signed_at"]),
        row["version"] or version,  # unsigned rows: the version they are asked to sign
        row["document_sha256"] or "",
        row["signature_no"] or "",
        t.time(row["due_at"]) if row["due_at"] is not None else "",
        row["note"] or "",
    ]


def _states(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"leave_until": row["leave_until"], "waiting": bool(row["waiting"])}


def write_pledge_export(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    *,
    t: Translator,
    version: int,
    now: datetime,
) -> None:
    """Write the detail sheet and the per-unit summary sheet."""
    wb = Workbook()
    detail = wb.sheet(t("report-sheet-detail"), [Column(t(k)) for k in DETAIL_COLUMNS])
    for row in rows:
        detail.append(detail_values(t, row, version=version, now=now))
    summary = wb.sheet(
        t("report-sheet-summary"),
        [Column(t(k), "0.0%" if k == "report-col-signed-pct" else None) for k in SUMMARY_COLUMNS],
    )
    units = summarize(rows, now)
    for i, unit in enumerate([*units, total(units, t("report-total"))]):
        summary.append(
            [
                unit.unit,
                unit.assigned,
                unit.signed,
                unit.pending,
                unit.overdue,
                unit.excused,
                round(unit.signed_share, 4),
                unit.waiting,
                unit.on_leave,
            ],
            bold=i == len(units),
        )
    wb.save(path)
