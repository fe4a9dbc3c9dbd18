"""Roster files: read .xlsx/.csv, check every row, write the export. No database here.

The file is the bureau's roster table. One sheet (the first) holds everyone: auxiliaries
and the officers they are bound to, told apart by the role column 角色 (blank means
辅警). 责任民警 and 责任领导 name a person of this file or of the database, by employee
number, by name, or as the export writes them, `王民警(M001)`.

单位 is a unit path, parent first: `示例县公安局/城关派出所` (`/` or `>`). Unit names are
unique, so the last part names the unit; the parts before it say where it hangs. Units
that do not exist yet are created, parent first, unless `units_must_exist` is set: then
every unit named in the column must already exist ("unknown unit").

序号 is ignored. 状态 (在职/离职, optional) lets a file, such as an export, keep people who
left as left; a person of the file without it is active (one who had left is reactivated).
Gender and age are required for auxiliaries only; officers may leave them blank. A column
the file lacks leaves that field of existing people alone.

Reading raises RosterFileError for a file that cannot be a roster at all (too big,
undecodable, empty, no header, no data rows). Everything else is a Problem with the row
and column, so the operator sees every mistake of a file at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bot.errors import InvalidInput
from bot.text import normalize_input
from storage.models import PersonStatus, Role

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
HEADER_SCAN_ROWS = 10  # a title line or two may sit above the header
MIN_AGE, MAX_AGE = 16, 70
LIMITS = {"employee_no": 32, "name": 64, "post": 100, "unit": 100, "wecom_userid": 64}

# Field -> accepted headers, compared after _header_key(). The first is what export writes.
HEADERS: dict[str, tuple[str, ...]] = {
    "no": ("序号", "no"),
    "unit": ("单位", "所属单位", "unit"),
    "employee_no": ("工号", "employee_no", "employeeno"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender", "sex"),
    "age": ("年龄", "age"),
    "post": ("岗位名称", "岗位", "post"),
    "post_duties": ("岗位职责", "post_duties", "duties"),
    "role": ("角色", "role", "roles"),
    "mentor": ("责任民警", "mentor"),
    "leader": ("责任领导", "leader"),
    "note": ("备注", "note", "notes"),
    "status": ("状态", "status"),
    "wecom_userid": ("企业微信账号", "企业微信", "wecom_userid", "userid"),  # WeCom directory
}
REQUIRED = ("employee_no", "name", "unit")
EXPORT_FIELDS = (
    "no",
    "unit",
    "employee_no",
    "name",
    "gender",
    "age",
    "post",
    "post_duties",
    "role",
    "mentor",
    "leader",
    "note",
    "status",
)

ROLE_WORDS: dict[str, Role] = {
    "辅警": Role.AUXILIARY,
    "auxiliary": Role.AUXILIARY,
    "aux": Role.AUXILIARY,
    "责任民警": Role.MENTOR,
    "民警": Role.MENTOR,
    "mentor": Role.MENTOR,
    "责任领导": Role.LEADER,
    "领导": Role.LEADER,
    "leader": Role.LEADER,
    "政治处": Role.OFFICE,
    "辅警办": Role.OFFICE,
    "政治处辅警办": Role.OFFICE,
    "office": Role.OFFICE,
}
ROLE_LABELS = {
    Role.AUXILIARY: "辅警",
    Role.MENTOR: "责任民警",
    Role.LEADER: "责任领导",
    Role.OFFICE: "政治处",
}
ROLE_ORDER = (Role.AUXILIARY, Role.MENTOR, Role.LEADER, Role.OFFICE)
GENDER_WORDS = {"男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女"}
STATUS_WORDS = {
    "在职": PersonStatus.ACTIVE,
    "在岗": PersonStatus.ACTIVE,
    "active": PersonStatus.ACTIVE,
    "离职": PersonStatus.LEFT,
    "已离职": PersonStatus.LEFT,
    "left": PersonStatus.LEFT,
}
STATUS_LABELS = {PersonStatus.ACTIVE: "在职", PersonStatus.LEFT: "离职"}

_ROLE_SPLIT = re.compile(r"[、,;/\s]+")  # after NFKC: ， -> ,  ； -> ;  ／ -> /
_UNIT_SPLIT = re.compile(r"[/>]")
_REF = re.compile(r"^(?P<name>.*?)\s*\((?P<no>[^()]+)\)$")  # 王民警(M001); NFKC makes （） ASCII


class RosterFileError(InvalidInput):
    """The file as a whole cannot be read as a roster."""

    key = "roster-file-unreadable"


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the file. `row` is the spreadsheet row (header = its own row)."""

    row: int | None
    column: str | None
    key: str
    args: dict[str, Any] = field(default_factory=dict)
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell that holds a formula instead of a value."""

    text: str


@dataclass(slots=True)
class Table:
    """The header and data rows of a roster file, cells not yet checked."""

    header_row: int
    headers: list[str]  # as written in the file, stripped
    rows: list[tuple[int, list[Any]]]  # (row number, cells)
    sha256: str


@dataclass(frozen=True, slots=True)
class Known:
    """A person already in the database, as reference checks need them."""

    employee_no: str
    name: str
    roles: frozenset[Role]
    active: bool


@dataclass(slots=True)
class Directory:
    """What the database already holds: people by employee number, unit -> parent name."""

    people: dict[str, Known] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """One good row. Optional fields are None when their column is absent (left alone)."""

    row: int
    employee_no: str
    name: str
    unit: str
    status: PersonStatus
    gender: str | None = None
    age: int | None = None
    post: str | None = None
    post_duties: str | None = None
    note: str | None = None
    wecom_userid: str | None = None  # 企业微信账号: a message from it binds the person
    roles: frozenset[Role] | None = None
    mentor: str | None = None  # employee number
    leader: str | None = None
    present: frozenset[str] = frozenset()  # fields whose column the file has


@dataclass(slots=True)
class Checked:
    records: list[Record]
    new_units: list[tuple[str, str | None]]  # (name, parent name), parents first
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


# ---------------------------------------------------------------------------- reading


def load(path: Path) -> Table:
    """Read a roster file into a Table, or raise RosterFileError."""
    if not path.is_file():
        raise RosterFileError("roster-file-missing", path=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RosterFileError(
            "roster-file-too-big", size_mb=f"{size / 2**20:.1f}", limit_mb=MAX_BYTES // 2**20
        )
    data = path.read_bytes()
    if not data.strip():
        raise RosterFileError("roster-file-empty")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows: Iterable[tuple[int, list[Any]]] = _xlsx_rows(data)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(_decode(data))
    else:
        raise RosterFileError("roster-file-type", suffix=suffix or path.name)
    return _table(rows, hashlib.sha256(data).hexdigest())


def _decode(data: bytes) -> str:
    # GB18030 is the superset of GBK that Excel on Chinese Windows writes as "ANSI".
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 or a binary file that happened to decode
            return text
    raise RosterFileError("roster-file-encoding")


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise RosterFileError("roster-file-unreadable", detail=str(exc)) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl  # noqa: PLC0415 - only xlsx imports need it
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula  # noqa: PLC0415

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RosterFileError("roster-file-unreadable", detail=type(exc).__name__) from None
    try:
        ws = wb.worksheets[0]
        # Some generators write a wrong <dimension>; read what is really there.
        ws.reset_dimensions()
        for number, cells in enumerate(ws.iter_rows(), start=1):
            values: list[Any] = []
            for cell in cells:
                value: Any = cell.value
                if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                    value = Formula(str(getattr(value, "text", value)))
                values.append(value)
            yield number, values
    finally:
        wb.close()


def _table(rows: Iterable[tuple[int, list[Any]]], sha256: str) -> Table:
    iterator = iter(rows)
    header_row, headers = 0, []
    seen = 0
    for number, cells in iterator:
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue
        seen += 1
        fields = {_field_of(t) for t in texts}
        if "name" in fields and len(fields - {None}) >= 2:
            header_row, headers = number, texts
            break
        if seen >= HEADER_SCAN_ROWS:
            break
    if not header_row:
        if not seen:
            raise RosterFileError("roster-file-empty")
        raise RosterFileError("roster-file-no-header")
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body: list[tuple[int, list[Any]]] = []
    for number, cells in iterator:
        cells = list(cells[:width])
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(body) >= MAX_ROWS:
            raise RosterFileError("roster-file-too-many-rows", limit=MAX_ROWS)
        body.append((number, cells + [None] * (width - len(cells))))
    if not body:
        raise RosterFileError("roster-file-no-rows")
    return Table(header_row=header_row, headers=headers, rows=body, sha256=sha256)


def _header_key(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).strip().strip("*").strip().lower()
    return re.sub(r"[\s\-.]+", "_", key).strip("_")


_HEADER_INDEX = {_header_key(alias): f for f, aliases in HEADERS.items() for alias in aliases}


def _field_of(header: str) -> str | None:
    return _HEADER_INDEX.get(_header_key(header)) if header else None


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, strings stripped."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


# ---------------------------------------------------------------------------- checking


@dataclass(slots=True)
class _Row:
    """A row being checked: its cells by field, and the problems found so far."""

    number: int
    cells: dict[str, Any]
    labels: dict[str, str]
    problems: list[Problem]
    bad: bool = False
    formulas: set[str] = field(default_factory=set)  # reported already; say nothing more

    def add(self, fld: str | None, key: str, *, warning: bool = False, **args: Any) -> None:
        if fld in self.formulas:
            return
        column = self.labels.get(fld, HEADERS[fld][0]) if fld else None
        self.problems.append(Problem(self.number, column, key, args, warning))
        if not warning:
            self.bad = True

    def raw(self, fld: str) -> str:
        return _text(self.cells.get(fld))

    def ident(self, fld: str) -> str:
        return normalize_input(self.raw(fld))


def check(
    table: Table,
    known: Directory,
    *,
    units_must_exist: bool = False,
    mark_missing_left: bool = False,
) -> Checked:
    """Check every row against the rest of the file and the database."""
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, header in enumerate(table.headers):
        fld = _field_of(header)
        if fld is None:
            if header:
                problems.append(
                    Problem(table.header_row, header, "roster-unknown-column", warning=True)
                )
            continue
        if fld in columns:
            problems.append(Problem(table.header_row, header, "roster-duplicate-column"))
            continue
        columns[fld] = index
        labels[fld] = header
    missing = [f for f in REQUIRED if f not in columns]
    problems.extend(
        Problem(table.header_row, HEADERS[fld][0], "roster-missing-column") for fld in missing
    )
    if missing or any(not p.warning for p in problems):
        return Checked([], [], problems)

    present = frozenset(columns) - {"no"}
    rows: list[tuple[_Row, Record, tuple[str, ...]]] = []
    first_row_of: dict[str, int] = {}
    first_row_of_userid: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(number, {f: cells[i] for f, i in columns.items()}, labels, problems)
        for fld, value in row.cells.items():
            if isinstance(value, Formula) or (isinstance(value, str) and _text(value)[:1] == "="):
                row.add(fld, "roster-formula")
                row.formulas.add(fld)
                row.cells[fld] = None
        record, path = _record(row, present)
        if not record.employee_no:
            continue
        if record.employee_no in first_row_of:
            row.add(
                "employee_no",
                "roster-duplicate-employee-no",
                employee_no=record.employee_no,
                first_row=str(first_row_of[record.employee_no]),
            )
            continue
        first_row_of[record.employee_no] = number
        if record.wecom_userid and record.wecom_userid in first_row_of_userid:
            row.add(
                "wecom_userid",
                "roster-duplicate-wecom-userid",
                userid=record.wecom_userid,
                first_row=str(first_row_of_userid[record.wecom_userid]),
            )
        elif record.wecom_userid:
            first_row_of_userid[record.wecom_userid] = number
        # Rows with mistakes stay in for now, so that rows naming them as mentor or
        # leader are not also reported as naming an unknown person.
        rows.append((row, record, path))

    new_units = _check_units(rows, known, units_must_exist)
    _check_references(rows, known, mark_missing_left)
    records = [record for row, record, _ in rows if not row.bad]
    order = {label: index for index, label in enumerate(table.headers)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
    return Checked(records, new_units, problems)


def _record(row: _Row, present: frozenset[str]) -> tuple[Record, tuple[str, ...]]:
    employee_no = row.ident("employee_no")
    if not employee_no:
        row.add("employee_no", "roster-required")
    elif len(employee_no) > LIMITS["employee_no"]:
        row.add("employee_no", "roster-too-long", limit=LIMITS["employee_no"])
    name = row.ident("name")
    if not name:
        row.add("name", "roster-required")
    elif len(name) > LIMITS["name"]:
        row.add("name", "roster-too-long", limit=LIMITS["name"])
    path = _unit_path(row)

    roles: frozenset[Role] | None = None
    if "role" in present:
        roles = _roles(row)
    auxiliary = roles is None or Role.AUXILIARY in roles
    status = PersonStatus.ACTIVE
    if "status" in present and row.ident("status"):
        word = STATUS_WORDS.get(row.ident("status").lower())
        if word is None:
            row.add("status", "roster-bad-status", value=row.raw("status"))
        else:
            status = word

    record = Record(
        row=row.number,
        employee_no=employee_no,
        name=name,
        unit=path[-1] if path else "",
        status=status,
        roles=roles,
        present=present,
    )
    if "gender" in present:
        record.gender = _gender(row, required=auxiliary)
    if "age" in present:
        record.age = _age(row, required=auxiliary)
    for fld in ("post", "post_duties", "note", "wecom_userid"):
        if fld in present:
            value = row.raw(fld) or None
            limit = LIMITS.get(fld)
            if value is not None and limit is not None and len(value) > limit:
                row.add(fld, "roster-too-long", limit=limit)
            setattr(record, fld, value)
    return record, path


def _unit_path(row: _Row) -> tuple[str, ...]:
    text = row.ident("unit")
    if not text:
        row.add("unit", "roster-required")
        return ()
    parts = tuple(p.strip() for p in _UNIT_SPLIT.split(text))
    if any(not p for p in parts) or len(set(parts)) != len(parts):
        row.add("unit", "roster-bad-unit-path", value=text)
        return ()
    if any(len(p) > LIMITS["unit"] for p in parts):
        row.add("unit", "roster-too-long", limit=LIMITS["unit"])
        return ()
    return parts


def _roles(row: _Row) -> frozenset[Role]:
    text = row.ident("role")
    if not text:
        return frozenset({Role.AUXILIARY})
    roles: set[Role] = set()
    for word in _ROLE_SPLIT.split(text):
        if not word:
            continue
        role = ROLE_WORDS.get(word.lower())
        if role is None:
            row.add("role", "roster-bad-role", value=word)
        else:
            roles.add(role)
    # With no valid word, check the rest of the row as the default, an auxiliary.
    return frozenset(roles) or frozenset({Role.AUXILIARY})


def _gender(row: _Row, *, required: bool) -> str | None:
    text = row.ident("gender")
    if not text:
        if required:
            row.add("gender", "roster-required-auxiliary")
        return None
    gender = GENDER_WORDS.get(text.lower())
    if gender is None:
        row.add("gender", "roster-bad-gender", value=row.raw("gender"))
    return gender


def _age(row: _Row, *, required: bool) -> int | None:
    text = row.ident("age").removesuffix("岁").strip()
    if not text:
        if required:
            row.add("age", "roster-required-auxiliary")
        return None
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not MIN_AGE <= number <= MAX_AGE:
        row.add("age", "roster-bad-age", value=row.raw("age"), min=MIN_AGE, max=MAX_AGE)
        return None
    return int(number)


def _check_units(
    rows: Sequence[tuple[_Row, Record, tuple[str, ...]]], known: Directory, must_exist: bool
) -> list[tuple[str, str | None]]:
    """Say where each new unit hangs; refuse a path that contradicts the database or
    another row. Returns the units to create, parents first."""
    parent_of: dict[str, tuple[str, int]] = {}  # new unit -> (parent, row that said so)
    new: dict[str, None] = {}  # insertion-ordered set
    for row, _record, path in rows:
        for depth, name in enumerate(path):
            if name not in known.units:
                if must_exist:
                    row.add("unit", "roster-unknown-unit", unit=name)
                    break
                new.setdefault(name)
            if depth == 0:
                continue
            parent = path[depth - 1]
            if name in known.units:
                actual = known.units[name]
                if actual is None:
                    row.add("unit", "roster-unit-is-top", unit=name, parent=parent)
                    break
                if actual != parent:
                    row.add(
                        "unit",
                        "roster-unit-parent-conflict",
                        unit=name,
                        parent=parent,
                        actual=actual,
                    )
                    break
            elif name in parent_of and parent_of[name][0] != parent:
                row.add(
                    "unit",
                    "roster-unit-parent-conflict",
                    unit=name,
                    parent=parent,
                    actual=parent_of[name][0],
                )
                break
            else:
                parent_of.setdefault(name, (parent, row.number))

    ordered: list[tuple[str, str | None]] = []
    placed: set[str] = set()
    rows_by_number = {row.number: row for row, _, _ in rows}
    for name in new:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current in new and current not in placed:
            if current in chain:  # A/B in one row, B/A in another
                cycle_row = rows_by_number[parent_of[current][1]]
                cycle_row.add("unit", "roster-unit-cycle", unit=current)
                break
            chain.append(current)
            current = parent_of.get(current, (None, 0))[0]
        else:
            for unit in reversed(chain):
                placed.add(unit)
                ordered.append((unit, parent_of.get(unit, (None, 0))[0]))
    return ordered


@dataclass(slots=True)
class _Who:
    employee_no: str
    name: str
    roles: frozenset[Role]


def _check_references(
    rows: Sequence[tuple[_Row, Record, tuple[str, ...]]], known: Directory, mark_missing_left: bool
) -> None:
    """Resolve 责任民警/责任领导 to employee numbers, checking roles."""
    people: dict[str, _Who] = {}
    in_file = {record.employee_no for _, record, _ in rows}
    if not mark_missing_left:  # otherwise people missing from the file are about to leave
        for no, person in known.people.items():
            if person.active and no not in in_file:
                people[no] = _Who(no, person.name, person.roles)
    for _, record, _ in rows:
        if record.status != PersonStatus.ACTIVE:
            continue
        roles = record.roles
        if roles is None:
            old = known.people.get(record.employee_no)
            roles = old.roles if old else frozenset({Role.AUXILIARY})
        people[record.employee_no] = _Who(record.employee_no, record.name, roles)
    by_name: dict[str, list[_Who]] = {}
    for who in people.values():
        by_name.setdefault(who.name, []).append(who)

    for row, record, _ in rows:
        if record.status != PersonStatus.ACTIVE:
            continue  # a person who left needs no mentor; their binding is left alone
        is_auxiliary = Role.AUXILIARY in people[record.employee_no].roles
        for fld, role in (("mentor", Role.MENTOR), ("leader", Role.LEADER)):
            if fld not in record.present:
                continue
            text = row.ident(fld)
            if not text:
                continue
            if not is_auxiliary:
                row.add(fld, "roster-ref-ignored", warning=True)
                continue
            ref = _resolve(row, fld, text, people, by_name)
            if ref is None:
                continue
            if ref.employee_no == record.employee_no:
                row.add(fld, "roster-ref-self", value=text)
            elif role not in ref.roles:
                row.add(fld, f"roster-ref-not-{fld}", value=text)
            else:
                setattr(record, fld, ref.employee_no)
        blank = [f for f in ("mentor", "leader") if f in record.present and not row.ident(f)]
        if is_auxiliary and blank and not row.bad:
            row.add(blank[0], "roster-binding-incomplete", warning=True)


def _resolve(
    row: _Row, fld: str, text: str, people: dict[str, _Who], by_name: dict[str, list[_Who]]
) -> _Who | None:
    match = _REF.match(text)
    if match and match.group("no").strip() in people:
        who = people[match.group("no").strip()]
        name = match.group("name").strip()
        if name and name != who.name:
            row.add(fld, "roster-ref-name-mismatch", value=text, name=who.name)
            return None
        return who
    if text in people:
        return people[text]
    named = by_name.get(text, [])
    if len(named) == 1:
        return named[0]
    if not named:
        row.add(fld, "roster-ref-unknown", value=text)
    else:
        row.add(
            fld,
            "roster-ref-ambiguous",
            value=text,
            employee_nos="、".join(sorted(w.employee_no for w in named)),
        )
    return None


# ---------------------------------------------------------------------------- writing

INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """Write the roster table. Text cells are stored as text and never as formulas."""
    import openpyxl  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.worksheet import Worksheet  # noqa: PLC0415

    # A normal (not write-only) workbook: it records the sheet's dimension and uses shared
    # strings, which makes reading the file back several times faster.
    wb = openpyxl.Workbook()
    ws = cast(Worksheet, wb.active)  # a new workbook's only sheet
    ws.title = "花名册"
    widths = {"unit": 28, "post_duties": 40, "note": 24, "mentor": 16, "leader": 16}
    bold = Font(bold=True)
    for column, fld in enumerate(EXPORT_FIELDS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = widths.get(fld, 12)
        ws.cell(row=1, column=column, value=HEADERS[fld][0]).font = bold
    ws.freeze_panes = "A2"
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                # openpyxl makes any string starting with "=" a formula: force plain text,
                # and set quotePrefix so Excel keeps it text even after the cell is edited.
                cell.data_type = "s"
                if value.startswith(INJECTION_PREFIXES):
                    cell.quotePrefix = True
    wb.save(path)


def person_ref(name: str, employee_no: str) -> str:
    """How a mentor or leader is written in the table: 王民警(M001)."""
    return f"{name}({employee_no})"


def roles_label(roles: Iterable[str]) -> str:
    have = set(roles)
    return "、".join(ROLE_LABELS[r] for r in ROLE_ORDER if r in have)
