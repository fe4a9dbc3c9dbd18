"""Write workbooks and CSV files: every export of Muster goes through here.

- A cell is never a formula (`bot.sheets.guard`): text is stored as text, and text that
  starts like a formula also gets Excel's quote prefix, so it stays text after an edit;
  in CSV it gets a leading `'`.
- Column widths follow the content, a CJK character counting twice (a unit name of ten
  hanzi needs the room of twenty Latin letters).
- A sheet may have a title block above its header, as the bureau's forms do; the header is
  bold and stays in view (frozen) while scrolling.
- Rows are streamed (openpyxl write-only): 100,000 people stay small in memory. Only the
  first SAMPLE_ROWS rows of a sheet are held, to measure the widths before any row is
  written.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.sheets.guard import csv_field, starts_like_formula

SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, and how numbers and dates in it are shown."""

    title: str
    number_format: str | None = None


def text_width(value: Any) -> int:
    """How many Latin letters' room a value needs; East Asian wide characters count two."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    lines = str(value).split("\n")
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def sheet_name(name: str) -> str:
    """An Excel sheet name: no []:*?/\\, at most 31 characters."""
    return _SHEET_BAD.sub("_", name)[:31] or "_"


class Workbook:
    """An .xlsx written sheet by sheet, row by row."""

    def __init__(self) -> None:
        import openpyxl  # noqa: PLC0415 - slow import, only exports need it

        self._wb = openpyxl.Workbook(write_only=True)
        self._sheets: list[Sheet] = []
        self._names: set[str] = set()

    def sheet(self, name: str, columns: Sequence[Column], *, title: Sequence[str] = ()) -> Sheet:
        """A new sheet: the title lines (if any), then the header row of `columns`."""
        safe = sheet_name(name)
        suffix = 2
        while safe in self._names:  # names that differ only past 31 characters
            safe = f"{sheet_name(name)[:28]}~{suffix}"
            suffix += 1
        self._names.add(safe)
        sheet = Sheet(self._wb.create_sheet(safe), columns, title)
        self._sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        for sheet in self._sheets:
            sheet.flush()
        self._wb.save(path)


class Sheet:
    def __init__(self, ws: Any, columns: Sequence[Column], title: Sequence[str]) -> None:
        self._ws = ws
        self._formats = [c.number_format for c in columns]
        self._held: list[tuple[list[Any], bool, bool]] = []  # (values, bold, is data)
        self._writing = False
        for i, line in enumerate(title):  # the first line bold; "" leaves a row empty
            self._held.append(([line] if line else [], i == 0, False))
        self._header_row = len(self._held) + 1
        self._held.append(([c.title for c in columns], True, False))

    @property
    def name(self) -> str:
        return str(self._ws.title)

    def append(self, values: Iterable[Any], *, bold: bool = False) -> None:
        """One row; None leaves a cell empty."""
        row = (list(values), bold, True)
        if self._writing:
            self._write(*row)
            return
        self._held.append(row)
        if len(self._held) >= SAMPLE_ROWS:
            self.flush()

    def flush(self) -> None:
        """Fix the widths from the rows held so far and write them."""
        if self._writing:
            return
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        widths: dict[int, int] = {}
        for values, _, _ in self._held[self._header_row - 1 :]:  # the title block spans
            for i, value in enumerate(values):
                widths[i] = max(widths.get(i, 0), text_width(value))
        for i, width in widths.items():
            fitted = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
            self._ws.column_dimensions[get_column_letter(i + 1)].width = fitted
        self._ws.freeze_panes = f"A{self._header_row + 1}"
        self._writing = True
        for row in self._held:
            self._write(*row)
        self._held = []

    def _write(self, values: list[Any], bold: bool, is_data: bool) -> None:
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
        from openpyxl.styles import Font  # noqa: PLC0415

        cells = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(self._ws, value=value)
            if isinstance(value, str):
                # openpyxl makes any string starting with "=" a formula: force plain text
                cell.data_type = "s"
                if starts_like_formula(value):
                    cell.quotePrefix = True
            elif value is not None and is_data and i < len(self._formats):
                fmt = self._formats[i]
                if fmt is not None:
                    cell.number_format = fmt
            if bold:
                cell.font = Font(bold=True)
            cells.append(cell)
        self._ws.append(cells)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV file in UTF-8 with BOM (Excel opens it as UTF-8); no field runs as a formula."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([csv_field(v) for v in header])
        writer.writerows([csv_field(v) for v in row] for row in rows)
