"""Roster files: read .xlsx/.csv, check every row, write the export. No database here.

The file is the bureau's roster table. One sheet (the first) holds everyone: auxiliaries
and the officers they are bound to, told apart by the role column 角色 (blank means
辅警). The columns 「责任民警」 and 「责任领导」 (the statistics table's headers: the 带辅民警
and the 分管领导) name a person of this file or of the database, by employee
number, by name, or as the export writes them, `王民警(M001)`.

单位 is a unit path, parent first: `示例县公安局/城关派出所` (`/` or `>`). Unit names are
unique, so the last part names the unit; the parts before it say where it hangs. Units
that do not exist yet are created, parent first, unless `units_must_exist` is set: then
every unit named in the column must already exist ("unknown unit").

序号 is ignored. 状态 (在职/离职, optional) lets a file, such as an export, keep people who
left as left; a person of the file without it is active (one who had left is reactivated).
Gender and age are required for auxiliaries only; officers may leave them blank. A column
the file lacks leaves that field of existing people alone.

Reading (bot.sheets.reader) raises SheetFileError for a file that cannot be a roster at all
(too big, undecodable, empty, no header, no data rows). Everything else is a Problem with the row
and column, so the operator sees every mistake of a file at once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sheets.reader import (
    XLSX_TYPES,
    Aliases,
    Formula,
    Problem,
    SheetFileError,
    Table,
    map_columns,
    read_table,
)
from bot.sheets.reader import text as _text
from bot.sheets.writer import Column, Workbook
from bot.text import normalize_input
from storage.models import PersonStatus, Role

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MIN_AGE, MAX_AGE = 16, 70
LIMITS = {"employee_no": 32, "name": 64, "post": 100, "unit": 100, "wecom_userid": 64}

# Field -> accepted headers (compared as bot.sheets.reader.key). The first is what export
# writes.
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

# The bureau's statistics table: these columns in this order, under a title line and a
# 填报单位/填报时间 line; officers are named only by name. 工号 follows as an extra column.
FORM_TITLE = "警务辅助人员带辅责任民警和分管责任领导统计表"
FORM_FIELDS = ("no", "name", "gender", "age", "post", "post_duties", "mentor", "leader", "note")
MISSING_NO_PREFIX = "待补-"  # employee_no of an officer created from a name (警号 missing)
_FILED_UNIT = re.compile(r"填报单位\s*:\s*(?P<unit>.+?)\s*(?=填报(?:时间|日期)|$)")
_FILED_AT = re.compile(r"填报(?:时间|日期)\s*:\s*(?P<at>.+?)\s*$")
_FOOTER = re.compile(r"^(?:注|备注|说明|填报人|填表人|审核人|制表人|负责人)\s*(?::|\d|$)")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")

ROLE_WORDS: dict[str, Role] = {
    "辅警": Role.AUXILIARY,
    "auxiliary": Role.AUXILIARY,
    "aux": Role.AUXILIARY,
    "责任民警": Role.MENTOR,  # the statistics table's column name
    "带辅责任民警": Role.MENTOR,
    "带辅民警": Role.MENTOR,
    "民警": Role.MENTOR,
    "mentor": Role.MENTOR,
    "责任领导": Role.LEADER,  # the statistics table's column name
    "分管责任领导": Role.LEADER,
    "分管领导": Role.LEADER,
    "领导": Role.LEADER,
    "leader": Role.LEADER,
    "政治处": Role.OFFICE,
    "辅警办": Role.OFFICE,
    "政治处辅警办": Role.OFFICE,
    "office": Role.OFFICE,
}
ROLE_LABELS = {  # the glossary's short names (locales/glossary.md)
    Role.AUXILIARY: "辅警",
    Role.MENTOR: "带辅民警",
    Role.LEADER: "分管领导",
    Role.OFFICE: "政治处辅警办",
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


@dataclass(frozen=True, slots=True)
class Known:
    """A person already in the database, as reference checks need them."""

    employee_no: str
    name: str
    roles: frozenset[Role]
    active: bool
    unit: str = ""
    missing_no: bool = False  # created from a name; employee_no is a placeholder


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
    form: bool = False  # from a statistics table: officers named by name within the unit
    completes: str | None = None  # the placeholder employee_no this row gives a number to
    sheet: str | None = None


@dataclass(slots=True)
class Checked:
    records: list[Record]
    new_units: list[tuple[str, str | None]]  # (name, parent name), parents first
    problems: list[Problem]
    officers: list[Record] = field(default_factory=list)  # created from names, no 警号

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


# ---------------------------------------------------------------------------- reading

ALIASES = Aliases.of(HEADERS)


def load(path: Path) -> Table:
    """Read the first sheet of a roster file into a Table, or raise SheetFileError."""
    return _read(path, None)


def load_all(path: Path) -> list[Table]:
    """Read a roster file into Tables, or raise SheetFileError: the first sheet, and every
    further sheet of a workbook that is a statistics table of its own unit (填报单位)."""
    tables = [_read(path, None)]
    if path.suffix.lower() in XLSX_TYPES:
        names = _sheet_names(path)
        tables[0].sheet = names[0] if names else None
        for name in names[1:]:
            try:
                table = _read(path, name)
            except SheetFileError:
                continue  # another kind of sheet (e.g. 政策咨询)
            if filed_unit(table):
                table.sheet = name
                tables.append(table)
    if len(tables) == 1:
        tables[0].sheet = None
    return tables


def _read(path: Path, sheet: str | None) -> Table:
    return read_table(
        path, ALIASES, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, header_needs="name", sheet=sheet
    )


def _sheet_names(path: Path) -> list[str]:
    import openpyxl  # noqa: PLC0415 - only xlsx imports need it

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def filed_unit(table: Table) -> str | None:
    """The 填报单位 named above the header, if any."""
    for line in table.preamble:
        match = _FILED_UNIT.search(normalize_input(line))
        if match:
            return match.group("unit").strip() or None
    return None


def clean_name(text: str) -> str:
    """A name as compared: NFKC, trimmed, no spaces between hanzi (张　三 is 张三)."""
    return _CJK_GAP.sub("", normalize_input(text))


def placeholder_no(unit: str, name: str) -> str:
    """The stand-in employee_no of an officer known only by name in a unit."""
    digest = hashlib.sha1(f"{unit}\x00{name}".encode()).hexdigest()[:12]
    return f"{MISSING_NO_PREFIX}{digest}"


def data_rows(tables: Sequence[Table]) -> int:
    """Rows of data in the tables, footer lines not counted."""
    return sum(1 for t in tables for _, cells in t.rows if not _is_footer(cells))


def _is_footer(cells: Sequence[Any]) -> bool:
    """A 注：... or 填报人：... line under the table: one filled cell, such a word first."""
    texts = [t for t in (_text(c) for c in cells) if t]
    return len(texts) == 1 and bool(_FOOTER.match(unicodedata.normalize("NFKC", texts[0])))


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
    sheet: str | None = None

    def add(self, fld: str | None, key: str, *, warning: bool = False, **args: Any) -> None:
        if fld in self.formulas:
            return
        column = self.labels.get(fld, HEADERS[fld][0]) if fld else None
        self.problems.append(Problem(self.number, column, key, args, warning, self.sheet))
        if not warning:
            self.bad = True

    def raw(self, fld: str) -> str:
        return _text(self.cells.get(fld))

    def ident(self, fld: str) -> str:
        return normalize_input(self.raw(fld))


def check(
    tables: Table | Sequence[Table],
    known: Directory,
    *,
    units_must_exist: bool = False,
    mark_missing_left: bool = False,
    allow_unbound: bool = False,
) -> Checked:
    """Check every row of every table against the rest of the file and the database."""
    tables = [tables] if isinstance(tables, Table) else list(tables)
    problems: list[Problem] = []
    prepared: list[tuple[Table, dict[str, int], dict[str, str], str | None]] = []
    for table in tables:
        unit = filed_unit(table)
        mapped = map_columns(
            table,
            ALIASES,
            [f for f in REQUIRED if not (f == "unit" and unit)],
            label={f: names[0] for f, names in HEADERS.items()},
            warn_unknown=True,
        )
        problems.extend(_on_sheet(p, table.sheet) for p in mapped.problems)
        if "unit" in mapped.index:
            unit = None  # a 单位 column says it row by row
        prepared.append((table, mapped.index, mapped.labels, unit))
    if any(not p.warning for p in problems):
        return Checked([], [], problems)

    rows: list[tuple[_Row, Record, tuple[str, ...]]] = []
    first_row_of: dict[str, int] = {}
    first_row_of_userid: dict[str, int] = {}
    for table, columns, labels, unit in prepared:
        present = frozenset(columns) - {"no"}
        if unit:
            labels = {**labels, "unit": "填报单位"}
        for number, cells in table.rows:
            if _is_footer(cells):
                continue
            row = _Row(
                number,
                {f: cells[i] for f, i in columns.items()},
                labels,
                problems,
                sheet=table.sheet,
            )
            if unit:
                row.cells["unit"] = unit
            for fld, value in row.cells.items():
                if isinstance(value, Formula):
                    row.add(fld, "roster-formula")
                    row.formulas.add(fld)
                    row.cells[fld] = None
            record, path = _record(row, present)
            record.form = "role" not in columns
            record.sheet = table.sheet
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
    _find_completions(rows, known)
    officers = _check_references(rows, known, mark_missing_left, allow_unbound)
    records = [record for row, record, _ in rows if not row.bad]
    sheets = {t.sheet: i for i, t in enumerate(tables)}
    orders = [{label: index for index, label in enumerate(t.headers)} for t in tables]

    def place(p: Problem) -> tuple[int, int, int]:
        sheet = sheets.get(p.sheet, 0)
        order = orders[sheet]
        return sheet, p.row or 0, order.get(p.column or "", len(order))

    problems.sort(key=place)
    return Checked(records, new_units, problems, officers)


def _on_sheet(problem: Problem, sheet: str | None) -> Problem:
    if sheet is None:
        return problem
    return Problem(problem.row, problem.column, problem.key, problem.args, problem.warning, sheet)


def _find_completions(
    rows: Sequence[tuple[_Row, Record, tuple[str, ...]]], known: Directory
) -> None:
    """A row with a new employee number for a person created from a name (same unit, same
    name, 警号 missing) completes that person instead of adding another."""
    waiting = {(p.unit, p.name): no for no, p in known.people.items() if p.missing_no and p.active}
    for _, record, _ in rows:
        if record.employee_no in known.people or record.employee_no.startswith(MISSING_NO_PREFIX):
            continue
        no = waiting.pop((record.unit, record.name), None)
        if no is not None:
            record.completes = no


def _record(row: _Row, present: frozenset[str]) -> tuple[Record, tuple[str, ...]]:
    employee_no = row.ident("employee_no")
    if not employee_no:
        row.add("employee_no", "roster-required")
    elif len(employee_no) > LIMITS["employee_no"]:
        row.add("employee_no", "roster-too-long", limit=LIMITS["employee_no"])
    name = clean_name(row.raw("name"))
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
    unit: str = ""


def _check_references(
    rows: Sequence[tuple[_Row, Record, tuple[str, ...]]],
    known: Directory,
    mark_missing_left: bool,
    allow_unbound: bool,
) -> list[Record]:
    """Resolve the 「责任民警」/「责任领导」 columns to employee numbers, checking roles. In a
    statistics table (no 角色 column) a name nobody of the row's unit has becomes a new
    officer of that unit, returned as a record to create (警号 missing)."""
    people: dict[str, _Who] = {}
    in_file = {record.employee_no for _, record, _ in rows}
    completed = {record.completes for _, record, _ in rows if record.completes}
    # With mark_missing_left people missing from the file are about to leave, except the
    # officers a statistics table names without listing them as rows.
    form = any(record.form for _, record, _ in rows)
    for no, person in known.people.items():
        if not person.active or no in in_file or no in completed:
            continue
        if not mark_missing_left or (form and Role.AUXILIARY not in person.roles):
            people[no] = _Who(no, person.name, person.roles, person.unit)
    for _, record, _ in rows:
        if record.status != PersonStatus.ACTIVE:
            continue
        roles = record.roles
        if roles is None:
            old = known.people.get(record.completes or record.employee_no)
            roles = old.roles if old else frozenset({Role.AUXILIARY})
        people[record.employee_no] = _Who(record.employee_no, record.name, roles, record.unit)
    by_name: dict[str, list[_Who]] = {}
    by_unit_name: dict[tuple[str, str], list[_Who]] = {}
    for who in people.values():
        by_name.setdefault(who.name, []).append(who)
        by_unit_name.setdefault((who.unit, who.name), []).append(who)
    created: dict[tuple[str, str], Record] = {}

    for row, record, _ in rows:
        if record.status != PersonStatus.ACTIVE:
            continue  # a person who left needs no mentor; their binding is left alone
        is_auxiliary = Role.AUXILIARY in people[record.employee_no].roles
        for fld, role in (("mentor", Role.MENTOR), ("leader", Role.LEADER)):
            if fld not in record.present:
                continue
            text = row.ident(fld)
            if not text:
                if is_auxiliary:
                    row.add(fld, "roster-binding-missing", warning=allow_unbound)
                continue
            if not is_auxiliary:
                row.add(fld, "roster-ref-ignored", warning=True)
                continue
            if record.form and not _REF.match(text) and text not in people:
                name = clean_name(text)
                if len(name) > LIMITS["name"]:
                    row.add(fld, "roster-too-long", limit=LIMITS["name"])
                    continue
                here = by_unit_name.get((record.unit, name), [])
                if not here:
                    officer = created.get((record.unit, name))
                    if officer is None:
                        officer = Record(
                            row=row.number,
                            employee_no=placeholder_no(record.unit, name),
                            name=name,
                            unit=record.unit,
                            status=PersonStatus.ACTIVE,
                            roles=frozenset(),
                            present=frozenset({"name"}),
                        )
                        created[(record.unit, name)] = officer
                    officer.roles = (officer.roles or frozenset()) | {role}
                    setattr(record, fld, officer.employee_no)
                    continue
                ref = _pick(row, fld, text, here)
            else:
                ref = _resolve(row, fld, text, people, by_name)
            if ref is None:
                continue
            if ref.employee_no == record.employee_no:
                row.add(fld, "roster-ref-self", value=text)
            elif role not in ref.roles:
                row.add(fld, f"roster-ref-not-{fld}", value=text)
            else:
                setattr(record, fld, ref.employee_no)
    return list(created.values())


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
    return _pick(row, fld, text, by_name.get(clean_name(text), []))


def _pick(row: _Row, fld: str, text: str, named: Sequence[_Who]) -> _Who | None:
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


QUOTA_SHEET = "员额"
QUOTA_COLUMNS = ("单位", "员额", "在职辅警", "超出")


def write_xlsx(
    path: Path,
    rows: Iterable[Sequence[Any]],
    headcounts: Iterable[tuple[str, int | None, int]] = (),
) -> None:
    """Write the roster table in the import format; then, if given, a sheet of each unit's
    active auxiliaries against its quota: (unit, quota, headcount)."""
    wb = Workbook()
    sheet = wb.sheet("花名册", [Column(HEADERS[f][0]) for f in EXPORT_FIELDS])
    for values in rows:
        sheet.append(values)
    quota_rows = list(headcounts)
    if quota_rows:
        quotas = wb.sheet(QUOTA_SHEET, [Column(c) for c in QUOTA_COLUMNS])
        for unit, quota, count in quota_rows:
            over = count - quota if quota is not None and count > quota else None
            quotas.append([unit, quota, count, over])
    wb.save(path)


@dataclass(frozen=True, slots=True)
class FormSheet:
    """One statistics table to write: the unit it is filed for, and its rows of
    FORM_FIELDS values (then 工号, then 单位 when the sheet holds several units)."""

    unit: str
    rows: Sequence[Sequence[Any]]


FORM_EXTRA = ("employee_no",)  # after the table's own columns: the key a re-import matches


def write_form_xlsx(
    path: Path, sheets: Sequence[FormSheet], filed_on: str, *, units: bool
) -> None:
    """The bureau's statistics table in its own layout: the title, the 填报单位/填报时间
    line, then 序号 … 备注 in the table's order, and 工号 (and 单位 when `units`, one sheet
    for several units) after them, so a re-import matches every row to its person."""
    fields = (*FORM_FIELDS, *FORM_EXTRA, *(("unit",) if units else ()))
    wb = Workbook()
    for form in sheets:
        sheet = wb.sheet(
            form.unit,
            [Column(HEADERS[f][0]) for f in fields],
            title=[FORM_TITLE, f"填报单位：{form.unit}\u3000\u3000填报时间：{filed_on}"],
        )
        for values in form.rows:
            sheet.append(values)
    wb.save(path)


def person_ref(name: str, employee_no: str) -> str:
    """How a mentor or leader is written in the table: 王民警(M001)."""
    return f"{name}({employee_no})"


def display_ref(name: str, employee_no: str) -> str:
    """A mentor or leader in reports and filings: 王民警(M001), or only the name while the
    警号 is missing."""
    return name if employee_no.startswith(MISSING_NO_PREFIX) else person_ref(name, employee_no)


def roles_label(roles: Iterable[str]) -> str:
    have = set(roles)
    return "、".join(ROLE_LABELS[r] for r in ROLE_ORDER if r in have)
