"""The 请销假 sheet: leaves typed into a workbook (the roster workbook may carry it as a sheet
of that name) or a CSV, one row per leave, headers in Chinese or English. Read with the
sheets toolkit; every bad cell is a problem with its row and column, and nothing is
recorded unless every row is good (LeaveService.import_rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import LOCALES, Catalog
from bot.services.leave import SheetRow
from bot.sheets.reader import (
    Aliases,
    Formula,
    Problem,
    day,
    map_columns,
    read_table,
    text,
)

SHEET = "请销假"
COLUMNS = ("employee_no", "name", "category", "first_day", "last_day", "note")
REQUIRED = ("employee_no", "category", "first_day", "last_day")
# header words a bureau's own 请销假 table may use, besides the locales' column names
MORE_HEADERS = {
    "category": ("类别", "请假类别", "假期类别", "请假类型"),
    "first_day": ("开始", "起始日期", "请假开始", "开始时间"),
    "last_day": ("结束", "截止日期", "请假结束", "结束时间"),
    "note": ("事由", "请假事由"),
}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(slots=True)
class LeaveSheet:
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read(path: Path, catalog: Catalog, tz: ZoneInfo) -> LeaveSheet:
    """The rows of the sheet named 请销假 (else the first sheet) or of a CSV file; a file
    that cannot be a table raises SheetFileError."""
    translators = [catalog.translator(locale, tz) for locale in LOCALES]
    aliases = Aliases.of(
        {
            c: [*(t(f"leave-col-{c}") for t in translators), *MORE_HEADERS.get(c, ())]
            for c in COLUMNS
        }
    )
    default = catalog.translator(None, tz)
    table = read_table(
        path,
        aliases,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        sheet=SHEET,
        header_needs="employee_no",
    )
    labels = {c: default(f"leave-col-{c}") for c in COLUMNS}
    mapped = map_columns(table, aliases, REQUIRED, label=labels)
    out = LeaveSheet(problems=list(mapped.problems))
    if out.problems:
        return out
    index = mapped.index
    for number, cells in table.rows:
        values = {c: cells[i] for c, i in index.items()}
        bad = [c for c, v in values.items() if isinstance(v, Formula)]
        out.problems.extend(Problem(number, mapped.labels[c], "roster-formula") for c in bad)
        days = {c: day(values.get(c)) for c in ("first_day", "last_day")}
        for c, parsed in days.items():
            if parsed is None and not bad:
                value = text(values.get(c)) or "-"
                out.problems.append(
                    Problem(number, mapped.labels[c], "leave-sheet-bad-date", {"value": value})
                )
        out.rows.append(
            SheetRow(
                row=number,
                employee_no=text(values.get("employee_no")),
                name=text(values.get("name")),
                category=text(values.get("category")),
                first_day=days["first_day"],
                last_day=days["last_day"],
                note=text(values.get("note")),
            )
        )
    return out
