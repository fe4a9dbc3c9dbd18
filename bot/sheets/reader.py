"""Read one table out of an .xlsx sheet or a CSV file. No database here.

The header is the first row, among the first HEADER_SCAN_ROWS rows that are not blank, that
names enough known columns (a title line or two may sit above it); columns are known by
aliases in every language. Cells come back typed: text, numbers, dates and times as the
workbook stores them, `Formula` for a formula (or a text that would run as one), None when
blank. CSV files are UTF-8 (with or without BOM) or GB18030, the superset of GBK that Excel
on Chinese Windows saves as "ANSI"; anything else is refused, naming the encoding where it
can be told.

Reading is bounded by what is actually read, not by the file's size: an .xlsx is streamed
(openpyxl read-only), only the first MAX_COLUMNS cells of a row are kept, reading stops
after MAX_BLANK_RUN blank rows in a row (a sheet whose formatting runs down to row
1,048,576 has ended long before), and a file with more data rows than the caller allows is
refused as soon as the first one too many is read.

A file that cannot be a table at all raises SheetFileError; everything about a cell is a
`Problem` with its row and column, so that the operator sees every mistake at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from bot.errors import InvalidInput
from bot.sheets.guard import is_formula_text, starts_like_formula
from bot.timeparse import parse_date

HEADER_SCAN_ROWS = 10  # non-blank rows looked at for the header
MAX_BLANK_RUN = 1000  # blank rows in a row after which the sheet has ended
MAX_COLUMNS = 200  # cells of a row that are read
XLSX_TYPES = (".xlsx", ".xlsm")
CSV_TYPES = (".csv", ".txt")
# CJK characters a Chinese text decoded as GB18030 is made of: the GB2312 rows of
# punctuation and full-width forms (lead byte A1-A3) and of hanzi (B0-F7). Shift-JIS or
# Big5 bytes decode as GB18030 too, but into rare hanzi, kana, Greek and private-use
# characters instead (Shift-JIS 本部 reads 杮晹). Not told apart: EUC-KR, whose hangul
# bytes are GB2312's common hanzi (that would take character frequencies).
_PLAUSIBLE_LEADS = (range(0xA1, 0xA4), range(0xB0, 0xF8))
_MAX_IMPLAUSIBLE_SHARE = 0.2
_GUESS_BYTES = 64 * 1024
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e"  # ideographs, CJK and full-width punctuation
# (name in messages, Python codec as Windows writes it, the characters its text is made of)
_OTHER_ENCODINGS = (
    ("Shift_JIS", "cp932", re.compile(f"[\u3040-\u30ff{_CJK}]")),  # kana and kanji
    ("Big5", "cp950", re.compile(f"[{_CJK}]")),
)


class SheetFileError(InvalidInput):
    """The file as a whole cannot be read as a table."""

    key = "sheet-file-unreadable"


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the file. `row` is the spreadsheet row (the header is its own row);
    `column` the column's header as written in the file."""

    row: int | None
    column: str | None
    key: str
    args: dict[str, Any] = field(default_factory=dict)
    warning: bool = False
    sheet: str | None = None  # set when a file's tables come from several sheets


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell that holds a formula instead of a value."""

    text: str


@dataclass(frozen=True, slots=True)
class Aliases:
    """The header texts of every language that name each field."""

    fields: Mapping[str, str]  # key(alias) -> field
    expected: str  # the first alias of each field, for the no-header message

    @classmethod
    def of(cls, names: Mapping[str, Iterable[str]]) -> Aliases:
        fields: dict[str, str] = {}
        first: list[str] = []
        for name, aliases in names.items():
            words = list(aliases)
            first.extend(words[:1])
            for alias in (*words, name):
                fields.setdefault(key(alias), name)
        return cls(fields, "、".join(first))

    def field(self, header: str) -> str | None:
        return self.fields.get(key(header)) if header else None


@dataclass(slots=True)
class Table:
    """The header and the data rows of a sheet, cells not yet checked."""

    header_row: int
    headers: list[str]  # as written in the file, stripped
    rows: list[tuple[int, list[Any]]]  # (row number, cells as wide as the header)
    sha256: str
    rows_read: int  # spreadsheet rows taken from the file, title and blank rows included
    preamble: list[str] = field(default_factory=list)  # the non-blank lines above the header
    sheet: str | None = None  # the sheet's name (xlsx)


@dataclass(slots=True)
class Columns:
    """Which column holds each field, and what is wrong with the header."""

    index: dict[str, int]
    labels: dict[str, str]  # field -> its header as written
    problems: list[Problem]


def key(text: str) -> str:
    """A header or a word as compared: NFKC, no spaces, `-`, `_`, `.` or `*`, case folded."""
    return re.sub(r"[\s\-_.*]+", "", unicodedata.normalize("NFKC", text)).casefold()


def read_table(
    path: Path,
    aliases: Aliases,
    *,
    max_bytes: int,
    max_rows: int,
    types: Sequence[str] = XLSX_TYPES + CSV_TYPES,
    sheet: str | None = None,
    header_needs: str | None = None,
    empty_ok: bool = False,
) -> Table:
    """The table of an .xlsx (the sheet named `sheet`, else the first) or a CSV file.

    The header names at least two fields, `header_needs` among them when given. A header
    without data rows is refused unless `empty_ok`."""
    if not path.is_file():
        raise SheetFileError("sheet-file-missing", path=str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise SheetFileError(
            "sheet-file-too-big", size_mb=f"{size / 2**20:.1f}", limit_mb=max_bytes // 2**20
        )
    suffix = path.suffix.lower()
    if suffix not in types:
        raise SheetFileError(
            "sheet-file-type", suffix=suffix or path.name, allowed=" ".join(types)
        )
    if size == 0:
        raise SheetFileError("sheet-file-empty")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    counter = _Counter()
    if suffix in XLSX_TYPES:
        rows = counter.count(_xlsx_rows(path, sheet))
    else:
        rows = counter.count(_csv_rows(decode(path.read_bytes())))
    try:
        table = _table(rows, aliases, max_rows=max_rows, header_needs=header_needs)
    finally:
        rows.close()  # stop reading: the workbook is closed now, not when collected
    if not table.rows and not empty_ok:
        raise SheetFileError("sheet-file-no-rows")
    table.sha256 = digest.hexdigest()
    table.rows_read = counter.rows
    return table


def map_columns(
    table: Table,
    aliases: Aliases,
    required: Sequence[str],
    *,
    label: Mapping[str, str],
    warn_unknown: bool = False,
) -> Columns:
    """Fields to column indexes; a repeated or missing required column is a problem on
    the header row (`label`: how a missing field is named), an unknown one a warning."""
    out = Columns({}, {}, [])
    for index, header in enumerate(table.headers):
        name = aliases.field(header)
        if name is None:
            if header and warn_unknown:
                out.problems.append(
                    Problem(table.header_row, header, "sheet-unknown-column", warning=True)
                )
            continue
        if name in out.index:
            out.problems.append(Problem(table.header_row, header, "sheet-duplicate-column"))
            continue
        out.index[name] = index
        out.labels[name] = header
    out.problems.extend(
        Problem(table.header_row, label[name], "sheet-missing-column")
        for name in required
        if name not in out.index
    )
    return out


# ---------------------------------------------------------------------------- cells


def text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, dates as YYYY-MM-DD, stripped."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def integer(value: Any) -> int | None:
    """A whole number cell (also typed as text, full-width digits too), else None."""
    digits = unicodedata.normalize("NFKC", text(value))
    return int(digits) if digits.isascii() and digits.isdigit() else None


def day(value: Any) -> date | None:
    """A date cell, or a text in one of the date forms of `bot.timeparse`, else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(text(value))


def is_blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# ---------------------------------------------------------------------------- files


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not) or GB18030; anything else is refused."""
    if b"\x00" in data:  # UTF-16, or not text at all
        name = "UTF-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else None
        raise _encoding_error(name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _encoding_error(_guess_encoding(data)) from None
    if not plausible_chinese(decoded):
        raise _encoding_error(_guess_encoding(data))
    return decoded


def plausible_chinese(decoded: str) -> bool:
    """Whether a GB18030 decoding reads as Chinese: its non-ASCII characters are mostly
    GB2312 hanzi and punctuation (a rare name character or two is fine)."""
    wide = len(decoded) - len(decoded.encode("ascii", "ignore"))
    limit = max(1, int(_MAX_IMPLAUSIBLE_SHARE * wide))  # refused: 2 or more, over the share
    beyond = islice(_implausible().finditer(decoded), limit, None)
    return next(beyond, None) is None


@cache
def _implausible() -> re.Pattern[str]:
    """Any character that is neither ASCII nor in the plausible rows of GB2312."""
    chars = []
    for leads in _PLAUSIBLE_LEADS:
        for lead in leads:
            for trail in range(0xA1, 0xFF):
                with suppress(UnicodeDecodeError):
                    chars.append(bytes((lead, trail)).decode("gb2312"))
    return re.compile(f"[^\\x00-\\x7f{re.escape(''.join(chars))}]")


def _guess_encoding(data: bytes) -> str | None:
    """Which encoding other programs save text in these bytes read best as, if any: the
    one whose decoding is made of its own script (a Big5 file read as Shift-JIS turns into
    half-width katakana, a Shift-JIS one read as Big5 fails). The first 64 KB tell."""
    if len(data) > _GUESS_BYTES:
        data = data[: data.rfind(b"\n", 0, _GUESS_BYTES) + 1] or data[:_GUESS_BYTES]
    best: tuple[float, str] | None = None
    for name, codec, script in _OTHER_ENCODINGS:
        try:
            decoded = data.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in decoded if not ch.isascii()]
        if not wide:
            continue
        share = sum(1 for ch in wide if script.match(ch)) / len(wide)
        if share >= 0.9 and (best is None or share > best[0]):
            best = (share, name)
    return best[1] if best else None


def _encoding_error(name: str | None) -> SheetFileError:
    if name is None:
        return SheetFileError("sheet-file-encoding")
    return SheetFileError("sheet-file-encoding-named", encoding=name)


class _Counter:
    """Counts the rows a reader pulled from the file."""

    def __init__(self) -> None:
        self.rows = 0

    def count(self, rows: Generator[tuple[int, list[Any]]]) -> Generator[tuple[int, list[Any]]]:
        try:
            for row in rows:
                self.rows += 1
                yield row
        finally:
            rows.close()


def _csv_rows(decoded: str) -> Generator[tuple[int, list[Any]]]:
    first_line = decoded.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [_csv_cell(c) for c in cells[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise SheetFileError("sheet-file-unreadable", detail=str(exc)) from None


def _csv_cell(value: str) -> Any:
    stripped = value.strip()
    if stripped[:1] == "'" and starts_like_formula(stripped[1:]):
        return stripped[1:]  # neutralised by our writer: text, as it was written
    return Formula(stripped) if is_formula_text(stripped) else value


def _xlsx_rows(path: Path, sheet: str | None) -> Generator[tuple[int, list[Any]]]:
    import openpyxl  # noqa: PLC0415 - only xlsx imports need it
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula  # noqa: PLC0415

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SheetFileError("sheet-file-unreadable", detail=type(exc).__name__) from None
    try:
        ws = wb[sheet] if sheet is not None and sheet in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()  # some generators write a wrong <dimension>: read what is there
        for number, cells in enumerate(ws.iter_rows(), start=1):
            values: list[Any] = []
            for cell in cells[:MAX_COLUMNS]:
                value: Any = cell.value
                if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                    value = Formula(str(getattr(value, "text", value)))
                elif isinstance(value, str) and is_formula_text(value.strip()):
                    style = getattr(cell, "style_array", None)
                    if style is None or not style.quotePrefix:  # quote prefix: text, as meant
                        value = Formula(value.strip())
                values.append(value)
            yield number, values
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetFileError("sheet-file-unreadable", detail=type(exc).__name__) from None
    finally:
        wb.close()


def _table(
    rows: Iterable[tuple[int, list[Any]]],
    aliases: Aliases,
    *,
    max_rows: int,
    header_needs: str | None,
) -> Table:
    iterator = iter(rows)
    header_row, headers = 0, []
    preamble: list[str] = []
    seen = blank_run = 0
    for number, cells in iterator:
        texts = [text(c) for c in cells]
        if not any(texts):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        seen += 1
        fields = {aliases.field(t) for t in texts} - {None}
        if len(fields) >= 2 and (header_needs is None or header_needs in fields):
            header_row, headers = number, texts
            break
        preamble.append(" ".join(t for t in texts if t))
        if seen >= HEADER_SCAN_ROWS:
            break
    if not header_row:
        if not seen:
            raise SheetFileError("sheet-file-empty")
        raise SheetFileError(
            "sheet-file-no-header", rows=HEADER_SCAN_ROWS, expected=aliases.expected
        )
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body: list[tuple[int, list[Any]]] = []
    blank_run = 0
    for number, cells in iterator:
        cells = list(cells[:width])
        if is_blank(cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if len(body) >= max_rows:
            raise SheetFileError("sheet-file-too-many-rows", limit=max_rows)
        body.append((number, cells + [None] * (width - len(cells))))
    return Table(
        header_row=header_row,
        headers=headers,
        rows=body,
        sha256="",
        rows_read=0,
        preamble=preamble,
    )
