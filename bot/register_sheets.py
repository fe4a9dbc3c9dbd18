"""The unit risk register as a spreadsheet: reading a unit's sheet, checking its rows, and
writing the office's workbook. Both on the toolkit in bot/sheets; no database here.

The import recognizes each column's header, each status and each category in every
language. A row with a number in 上周编号 (carried from) updates that open row of the last
filed week (status, and a note when still open); any other row is a new risk, checked by
the same rules as one entered in the chat (`RegisterService.check_draft`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from zoneinfo import ZoneInfo

from bot.checkin_content import Category
from bot.i18n import LOCALES, Catalog, Translator
from bot.sheets.reader import (
    XLSX_TYPES,
    Aliases,
    Formula,
    Problem,
    Table,
    day,
    integer,
    key,
    map_columns,
    read_table,
    text,
)
from bot.sheets.writer import Column, Workbook, sheet_name
from storage.models_checkin import RiskStatus

if TYPE_CHECKING:
    from bot.services.checkins import Week
    from bot.services.register import RegisterSummary

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 500
# Export columns in order; the import recognizes each header in every language.
COLUMNS = (
    "id",
    "category",
    "risk",
    "measure",
    "owner",
    "deadline",
    "status",
    "note",
    "carried_from",
    "first_week",
)
REQUIRED = ("category", "risk", "measure", "owner", "deadline", "status")

# RegisterService.check_draft: every problem of a new row as (field, locale key, args)
CheckDraft: TypeAlias = "Callable[[RowDraft, Week], list[tuple[str, str, dict[str, Any]]]]"


class Carried(Protocol):
    """A row of last week that this week's sheet must update (its id is the key)."""

    @property
    def risk(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Words:
    """Header, status and category words of every language -> their ids."""

    headers: Aliases
    statuses: dict[str, str]
    categories: dict[str, str]
    labels: dict[str, str]  # column -> its header in the default language


@dataclass(frozen=True, slots=True)
class RowDraft:
    """A new row as entered in the chat or read from a sheet, checked by
    `RegisterService.check_draft` (a deadline that is not a date is None until then)."""

    category: str
    risk: str
    measure: str
    owner: str
    deadline: date | None
    owner_person_id: int | None = None  # picked from the unit's people; None when typed


@dataclass(frozen=True, slots=True)
class NewRisk:
    """A new risk, checked, with the status and note it is filed with: from a sheet as
    written there, from the chat open and without a note."""

    draft: RowDraft
    status: str = RiskStatus.OPEN
    note: str | None = None


@dataclass(slots=True)
class Checked:
    new: list[NewRisk] = field(default_factory=list)
    carried: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def words(catalog: Catalog, tz: ZoneInfo, categories: Sequence[Category]) -> Words:
    translators = [catalog.translator(locale, tz) for locale in LOCALES]
    headers = Aliases.of({col: [t(f"register-col-{col}") for t in translators] for col in COLUMNS})
    statuses: dict[str, str] = {}
    for status in RiskStatus:
        for alias in (*(t(f"register-status-{status.value}") for t in translators), status):
            statuses.setdefault(key(alias), status.value)
    category_words: dict[str, str] = {}
    for c in categories:
        for alias in (c.id, *c.text.values()):
            category_words.setdefault(key(alias), c.id)
    default = catalog.translator(None, tz)
    labels = {col: default(f"register-col-{col}") for col in COLUMNS}
    return Words(headers, statuses, category_words, labels)


def read_sheet(path: Path, unit: str, vocabulary: Words) -> Table:
    """The unit's sheet (the one named after the unit, else the first)."""
    return read_table(
        path,
        vocabulary.headers,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        types=XLSX_TYPES,
        sheet=sheet_name(unit),
        empty_ok=True,
    )


def check_sheet(
    table: Table,
    vocabulary: Words,
    candidates: Mapping[int, Carried],
    week: Week,
    *,
    check_draft: CheckDraft,
    note_limit: int,
) -> Checked:
    """Check every row of the sheet; collect every problem with its row and column."""
    mapped = map_columns(table, vocabulary.headers, REQUIRED, label=vocabulary.labels)
    out = Checked(problems=mapped.problems)
    if out.problems:
        return out
    columns, labels = mapped.index, mapped.labels
    seen_carry: dict[int, int] = {}
    for number, cells in table.rows:
        found: list[tuple[str, str, dict[str, Any]]] = []
        values: dict[str, Any] = {}
        for col, index in columns.items():
            value = cells[index]
            if isinstance(value, Formula):
                found.append((col, "register-import-formula", {}))
                value = None
            values[col] = value
        status_text = text(values["status"])
        status = vocabulary.statuses.get(key(status_text))
        note = text(values.get("note")) or None
        if not status_text:
            found.append(("status", "register-error-required", {}))
        elif status is None:
            found.append(("status", "register-error-status-value", {"value": status_text}))
        if note is not None and len(note) > note_limit:
            found.append(("note", "register-error-too-long", {"limit": note_limit}))
        carried_text = text(values.get("carried_from"))
        if carried_text:
            carried_from = integer(carried_text)
            if carried_from is None or carried_from not in candidates:
                found.append(
                    ("carried_from", "register-import-carry-unknown", {"value": carried_text})
                )
            elif carried_from in seen_carry:
                found.append(
                    (
                        "carried_from",
                        "register-import-carry-twice",
                        {"value": carried_text, "first_row": str(seen_carry[carried_from])},
                    )
                )
            else:
                seen_carry[carried_from] = number
                if status == RiskStatus.OPEN and not note:
                    found.append(("note", "register-error-note-required", {}))
                if not found and status is not None:
                    out.carried[carried_from] = (status, note)
        else:
            category_text = text(values["category"])
            draft = RowDraft(
                category=vocabulary.categories.get(key(category_text), ""),
                risk=text(values["risk"]),
                measure=text(values["measure"]),
                owner=text(values["owner"]),
                deadline=day(values["deadline"]),
            )
            for col, problem, args in check_draft(draft, week):
                if col == "category":
                    problem = (
                        "register-error-category" if category_text else "register-error-required"
                    )
                    args = {"value": category_text}
                elif col == "deadline" and problem == "register-error-deadline":
                    args = {"value": text(values["deadline"])}
                if not any(f[0] == col for f in found):  # a formula said it already
                    found.append((col, problem, args))
            if not found and status is not None:
                out.new.append(NewRisk(draft, status, note))
        out.problems.extend(
            Problem(number, labels.get(col, col), problem, args) for col, problem, args in found
        )
    carried_label = labels.get("carried_from", vocabulary.labels["carried_from"])
    out.problems.extend(
        Problem(
            None,
            carried_label,
            "register-import-carry-missing",
            {"id": str(i), "risk": candidates[i].risk},
        )
        for i in candidates
        if i not in seen_carry
    )
    order = {label: i for i, label in enumerate(table.headers)}
    out.problems.sort(key=lambda p: (p.row or 10**9, order.get(p.column or "", 99)))
    return out


def write_export(
    path: Path,
    summary: RegisterSummary,
    *,
    t: Translator,
    categories: Sequence[Category],
    now: datetime,
    aged_weeks: int,
) -> None:
    """The office's workbook: a summary sheet, then one sheet per unit, each a template the
    unit can fill in and import."""
    labels = {c.id: c.label(t.locale) for c in categories}
    wb = Workbook()
    head = [
        "register-col-unit",
        "register-col-state",
        "register-col-filed-at",
        "register-col-open-risks",
        "checkin-col-assigned",
        "checkin-col-answered",
        "checkin-col-all-fine",
        "checkin-col-hazards",
        "checkin-col-missing",
    ]
    ws = wb.sheet(
        t("register-sheet-summary"),
        [Column(t(k)) for k in head],
        title=[
            t(
                "register-export-title",
                week=summary.week.key,
                due=t.time(summary.due_at),
                now=t.time(now),
            ),
            t(
                "register-export-counts",
                on_time=summary.count("on_time"),
                late=summary.count("late"),
                missing=summary.count("missing"),
            ),
            "",
        ],
    )
    for u in summary.units:
        n = u.numbers
        ws.append(
            [
                u.unit,
                t(f"register-state-{u.state}"),
                t.time(u.filing.filed_at) if u.filing else "",
                u.open_risks,
                n.assigned,
                n.answered,
                n.all_fine,
                n.hazards,
                n.missing,
            ]
        )
    ws.append([])
    ws.append([t("register-export-by-category")], bold=True)
    for c in categories:
        ws.append([labels[c.id], summary.open_by_category.get(c.id, 0)])
    ws.append([])
    ws.append([t("register-export-aged", weeks=aged_weeks)], bold=True)
    aged_head = ("unit", "category", "risk", "owner", "first_week", "weeks")
    ws.append([t(f"register-col-{k}") for k in aged_head], bold=True)
    for a in summary.aged:
        ws.append(
            [
                a.unit,
                labels.get(a.row.category, a.row.category),
                a.row.risk,
                a.row.owner,
                a.row.first_week,
                a.weeks,
            ]
        )

    columns = [
        Column(t(f"register-col-{c}"), "yyyy-mm-dd" if c == "deadline" else None) for c in COLUMNS
    ]
    for u in summary.units:
        state = t(f"register-state-{u.state}")
        sheet = wb.sheet(
            u.unit,
            columns,
            title=[t("register-sheet-title", unit=u.unit, week=summary.week.key, state=state)],
        )
        for r in u.rows:
            if u.filing is None:  # a template to fill in: the rows to carry over
                sheet.append(
                    [
                        "",
                        labels.get(r.category, r.category),
                        r.risk,
                        r.measure,
                        r.owner,
                        r.deadline,
                        t("register-status-open"),
                        "",
                        r.id,
                        r.first_week,
                    ]
                )
            else:
                sheet.append(
                    [
                        r.id,
                        labels.get(r.category, r.category),
                        r.risk,
                        r.measure,
                        r.owner,
                        r.deadline,
                        t(f"register-status-{r.status}"),
                        r.note or "",
                        r.carried_from_id or "",
                        r.first_week,
                    ]
                )
    wb.save(path)
