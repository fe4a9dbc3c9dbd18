"""The pledge export workbook: one row per assigned person, and a summary sheet per unit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.roster_io import INJECTION_PREFIXES
from storage.models import AssignmentStatus

SIGNED, PENDING, OVERDUE, EXCUSED = "signed", "pending", "overdue", "excused"
STATUS_KEYS = {
    SIGNED: "report-status-signed",
    PENDING: "report-status-pending",
    OVERDUE: "report-status-overdue",
    EXCUSED: "report-status-excused",
}
# (header key, column width) of the detail sheet, in the order of `detail_values`.
DETAIL_COLUMNS = (
    ("report-col-unit", 24),
    ("report-col-name", 12),
    ("report-col-employee-no", 12),
    ("report-col-mentor", 12),
    ("report-col-leader", 12),
    ("report-col-status", 8),
    ("report-col-signed-at", 20),
    ("report-col-version", 8),
    ("report-col-sha256", 66),
    ("report-col-signature-no", 14),
    ("report-col-due", 18),
    ("report-col-note", 30),
)
SUMMARY_COLUMNS = (
    ("report-col-unit", 24),
    ("report-col-assigned", 10),
    ("report-col-signed", 10),
    ("report-col-pending", 10),
    ("report-col-overdue", 10),
    ("report-col-excused", 10),
    ("report-col-signed-pct", 10),
)


@dataclass
class UnitSummary:
    unit: str
    assigned: int = 0
    signed: int = 0
    pending: int = 0  # open, overdue included
    overdue: int = 0
    excused: int = 0

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


def row_status(row: Mapping[str, Any], now: datetime) -> str:
    """signed | pending | overdue | excused for one row of PledgeService.export_rows."""
    if row["status"] == AssignmentStatus.DONE:
        return SIGNED
    if row["status"] == AssignmentStatus.EXCUSED:
        return EXCUSED
    due = row["due_at"]
    return OVERDUE if due is not None and due < now else PENDING


def summarize(rows: Iterable[Mapping[str, Any]], now: datetime) -> list[UnitSummary]:
    """Counts per unit, in the order units first appear (export_rows sorts by unit)."""
    units: dict[str, UnitSummary] = {}
    for row in rows:
        units.setdefault(row["unit"], UnitSummary(row["unit"])).add(row_status(row, now))
    return list(units.values())


def total(units: Sequence[UnitSummary], label: str) -> UnitSummary:
    out = UnitSummary(label)
    for u in units:
        out.assigned += u.assigned
        out.signed += u.signed
        out.pending += u.pending
        out.overdue += u.overdue
        out.excused += u.excused
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
        t(STATUS_KEYS[status]),
        local_seconds(t, row["signed_at"]),
        row["version"] or version,  # unsigned rows: the version they are asked to sign
        row["document_sha256"] or "",
        row["signature_no"] or "",
        t.time(row["due_at"]) if row["due_at"] is not None else "",
        row["note"] or "",
    ]


def safe_cell(ws: Any, value: Any, cell_type: Any) -> Any:
    """A value for a write-only sheet; text is always text, never a formula."""
    if not isinstance(value, str):
        return value
    cell = cell_type(ws, value=value)
    # openpyxl turns any string starting with "=" into a formula (a name like "=cmd|..."
    # from a roster file would run in Excel): force plain text, and set quotePrefix so
    # Excel keeps it text even after someone edits the cell.
    cell.data_type = "s"
    if value.startswith(INJECTION_PREFIXES):
        cell.quotePrefix = True
    return cell


def write_pledge_export(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    *,
    t: Translator,
    version: int,
    now: datetime,
) -> None:
    """Write the detail sheet and the per-unit summary sheet. Text is never a formula."""
    import openpyxl  # noqa: PLC0415 - slow import, only the export needs it
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    wb = openpyxl.Workbook(write_only=True)  # streams rows: 100k people stay small

    def sheet(title_key: str, columns: Sequence[tuple[str, int]]) -> Any:
        ws = wb.create_sheet(t(title_key))
        for index, (_, width) in enumerate(columns):
            ws.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
        ws.freeze_panes = "A2"
        header = []
        for key, _ in columns:
            cell = WriteOnlyCell(ws, value=t(key))
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        return ws

    detail = sheet("report-sheet-detail", DETAIL_COLUMNS)
    for row in rows:
        values = detail_values(t, row, version=version, now=now)
        detail.append([safe_cell(detail, v, WriteOnlyCell) for v in values])

    summary = sheet("report-sheet-summary", SUMMARY_COLUMNS)
    units = summarize(rows, now)
    for i, unit in enumerate([*units, total(units, t("report-total"))]):
        pct = WriteOnlyCell(summary, value=round(unit.signed_share, 4))
        pct.number_format = "0.0%"
        name = safe_cell(summary, unit.unit, WriteOnlyCell)
        if i == len(units):
            name.font = Font(bold=True)
        summary.append(
            [name, unit.assigned, unit.signed, unit.pending, unit.overdue, unit.excused, pct]
        )
    wb.save(path)
