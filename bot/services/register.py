"""The unit weekly risk register: rows, carry-over, filing, reporters, import and export.

A unit's register of week W is the rows of (unit, W). Open rows of the unit's last filed
week before W are carried over: each must get an update in W (a new row pointing back with
`carried_from_id`, status resolved or still open with a note) before W can be filed. Rows of
a filed week never change. The leaders of a unit (people with the leader role in it), or
the reporter a leader designated, file it; filing closes the register task.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select, update

from bot.actor import Actor
from bot.checkin_content import Category, CheckinContentError, load_categories
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import LOCALES, Translator
from bot.notify import KindInfo, Notifier, register_kind
from bot.policy import policy_for
from bot.roster_io import INJECTION_PREFIXES, Formula, Problem
from bot.services.base import Service
from bot.services.checkins import MISSED, CheckinService, Numbers, Week, week_window
from bot.services.tasks import Audience, TaskService
from bot.text import normalize_input
from storage import audit
from storage import people as people_repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignKind,
    Person,
    PersonRole,
    PersonStatus,
    Role,
    Unit,
)
from storage.models_checkin import RegisterFiling, RegisterRow, RiskStatus, UnitReporter

KIND = CampaignKind.REGISTER.value
AGED_WEEKS = 4  # the office's list: risks open for more than this many weeks
LIMITS = {"risk": 500, "measure": 500, "owner": 64, "note": 500}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 500
HEADER_SCAN_ROWS = 10

register_kind(KIND, KindInfo("btn-register-open", "rg:o", "kind-register"))

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
COLUMN_WIDTHS = {
    "id": 8,
    "category": 14,
    "risk": 40,
    "measure": 40,
    "owner": 12,
    "deadline": 12,
    "status": 10,
    "note": 30,
    "carried_from": 10,
    "first_week": 12,
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


class AlreadyFiled(DomainError):
    key = "register-error-filed"


class CarryPending(DomainError):
    key = "register-error-carry-pending"


class NothingNew(DomainError):
    key = "register-error-nothing-new"


class HasNewRows(DomainError):
    key = "register-error-has-new-rows"


class LaterFiled(DomainError):
    key = "register-error-later-filed"


@dataclass(frozen=True, slots=True)
class RowDraft:
    """A row as entered, checked by `check_draft`."""

    category: str
    risk: str
    measure: str
    owner: str
    deadline: date


@dataclass(frozen=True, slots=True)
class RowView:
    id: int
    week: str
    category: str
    risk: str
    measure: str
    owner: str
    deadline: date
    status: str
    note: str | None
    carried_from_id: int | None
    first_week: str


@dataclass(frozen=True, slots=True)
class CarryItem:
    previous: RowView  # the open row of the last filed week
    update: RowView | None  # its row in this week, once updated


@dataclass(frozen=True, slots=True)
class Filing:
    filed_at: datetime
    late: bool
    filed_by: str
    no_new_risks: bool
    rows: int


@dataclass(frozen=True, slots=True)
class RegisterWeek:
    unit_id: int
    unit: str
    week: Week
    due_at: datetime
    filing: Filing | None
    numbers: Numbers
    carried: list[CarryItem]
    new_rows: list[RowView]

    @property
    def carry_pending(self) -> int:
        return sum(1 for c in self.carried if c.update is None)


@dataclass(frozen=True, slots=True)
class OpenResult:
    week: Week
    campaign_id: int
    created: bool
    assigned: int
    missed: int


@dataclass(slots=True)
class UnitRegister:
    unit_id: int
    unit: str
    state: str  # on_time | late | missing
    filing: Filing | None
    numbers: Numbers
    open_risks: int = 0
    rows: list[RowView] = field(default_factory=list)  # filed rows, or the rows to carry


@dataclass(frozen=True, slots=True)
class AgedRisk:
    unit: str
    row: RowView
    weeks: int


@dataclass(frozen=True, slots=True)
class RegisterSummary:
    week: Week
    due_at: datetime
    units: list[UnitRegister]
    open_by_category: dict[str, int]
    aged: list[AgedRisk]
    checkins: Numbers

    def count(self, state: str) -> int:
        return sum(1 for u in self.units if u.state == state)


@dataclass(slots=True)
class ImportReport:
    path: str
    unit: str
    week: Week
    rows: int = 0
    carried: int = 0
    problems: list[Problem] = field(default_factory=list)
    filing: Filing | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def _row_view(r: RegisterRow) -> RowView:
    return RowView(
        r.id,
        r.week,
        r.category,
        r.risk,
        r.measure,
        r.owner,
        r.deadline,
        r.status,
        r.note,
        r.carried_from_id,
        r.first_week,
    )


def _filing_view(f: RegisterFiling) -> Filing:
    return Filing(f.filed_at, f.late, f.filed_by, f.no_new_risks, f.rows)


def parse_deadline(text: str) -> date | None:
    """2026-12-31, 2026/12/31, 2026.12.31 or 2026年12月31日 (full-width digits too)."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


class RegisterService(Service):
    def __init__(
        self,
        *args: object,
        notifier: Notifier,
        tasks: TaskService,
        checkins: CheckinService,
        **kw: object,
    ) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.notifier = notifier
        self.tasks = tasks
        self.checkins = checkins

    def categories(self) -> tuple[Category, ...]:
        try:
            return load_categories(self.settings.content_dir)
        except CheckinContentError as exc:
            raise InvalidInput("checkin-error-content", problem=str(exc)) from None

    def category_label(self, category_id: str, locale: str | None) -> str:
        for c in self.categories():
            if c.id == category_id:
                return c.label(locale)
        return category_id

    # --- who files ---------------------------------------------------------------------

    async def reporter_of(self, unit_id: int) -> Person | None:
        row = await self.session.get(UnitReporter, unit_id)
        if row is None:
            return None
        person = await self.session.get(Person, row.person_id)
        if person is None or person.status != PersonStatus.ACTIVE or person.unit_id != unit_id:
            return None
        return person

    async def responsibles(self) -> dict[int, list[Person]]:
        """Unit -> who is asked to file: the designated reporter, else its leaders."""
        leaders = (
            (
                await self.session.execute(
                    select(Person)
                    .join(PersonRole, PersonRole.person_id == Person.id)
                    .where(PersonRole.role == Role.LEADER, Person.status == PersonStatus.ACTIVE)
                    .order_by(Person.id)
                )
            )
            .scalars()
            .all()
        )
        out: dict[int, list[Person]] = defaultdict(list)
        for person in leaders:
            out[person.unit_id].append(person)
        designated = (await self.session.execute(select(UnitReporter.unit_id))).scalars()
        for unit_id in set(out) | set(designated):
            reporter = await self.reporter_of(unit_id)
            if reporter is not None:
                out[unit_id] = [reporter]
        return dict(out)

    async def _check_can_file(self, actor: Actor, unit_id: int) -> None:
        """Office staff, the unit's leaders and its designated reporter may file."""
        if actor.has_role(Role.OFFICE):
            return
        me = actor.person
        if me is None or me.unit_id != unit_id:
            raise NotAllowed()
        if me.has_role(Role.LEADER):
            return
        reporter = await self.reporter_of(unit_id)
        if reporter is None or reporter.id != me.id:
            raise NotAllowed()

    async def my_unit(self, actor: Actor) -> Unit:
        """The unit the actor files for (his own), or NotAllowed."""
        if actor.person is None:
            raise NotAllowed()
        await self._check_can_file(actor, actor.person.unit_id)
        return actor.person.unit

    async def unit_of_assignment(self, actor: Actor, assignment_id: int) -> tuple[Unit, Week]:
        """The unit and week of a register task the actor holds."""
        row = (
            await self.session.execute(
                select(Assignment, Campaign)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(Assignment.id == assignment_id, Campaign.kind == KIND)
            )
        ).first()
        if row is None or actor.person is None or row[0].person_id != actor.person.id:
            raise NotAllowed()
        unit = await self.my_unit(actor)
        return unit, Week.parse(row[1].ref_key)

    async def set_reporter(
        self, actor: Actor, unit_id: int, employee_no: str | None
    ) -> Person | None:
        """Designate who files the unit's register (None: the leaders again)."""
        if not actor.has_role(Role.OFFICE):
            me = actor.person
            if me is None or me.unit_id != unit_id or not me.has_role(Role.LEADER):
                raise NotAllowed()
        now = self.clock.now()
        row = await self.session.get(UnitReporter, unit_id)
        person = None
        if employee_no is not None:
            person = await people_repo.person_by_employee_no(
                self.session, normalize_input(employee_no).upper()
            )
            if person is None:
                raise NotFound("error-no-such-person", who=employee_no)
            if person.unit_id != unit_id or person.status != PersonStatus.ACTIVE:
                raise InvalidInput("register-error-reporter-unit", name=person.name)
            if row is None:
                row = UnitReporter(
                    unit_id=unit_id, person_id=person.id, designated_by=actor.label, at=now
                )
                self.session.add(row)
            else:
                row.person_id, row.designated_by, row.at = person.id, actor.label, now
        elif row is not None:
            await self.session.delete(row)
        await self.session.flush()
        await audit.append(
            self.session,
            at=now,
            actor=actor.label,
            kind="register.reporter_set",
            subject=f"unit:{unit_id}",
            payload={"employee_no": person.employee_no if person else None},
        )
        if person is not None:
            await self._assign_reporter(person)
        return person

    async def _assign_reporter(self, person: Person) -> None:
        """A reporter named mid-week gets this week's task, unless the unit filed."""
        week = self.checkins.current_week()
        campaign = await self.checkins.campaign(week, KIND)
        if campaign is None or not campaign.active:
            return
        if await self._filing(person.unit_id, week) is not None:
            return
        audience = Audience.from_json(campaign.audience)
        if person.employee_no not in audience.people:
            campaign.audience = Audience(people=(*audience.people, person.employee_no)).to_json()
            await self.session.flush()
        pairs = await self.tasks.assign_pairs(campaign)
        await self.notifier.task_messages(
            campaign,
            pairs,
            template="register-published",
            dedupe="published",
        )

    # --- opening --------------------------------------------------------------------------

    async def open_week(self, actor: Actor, week: Week) -> OpenResult:
        """One register task per unit: to its reporter, else to each of its leaders."""
        actor.require(Role.OFFICE)
        _, due = week_window(week, self.settings)
        campaign = await self.checkins.campaign(week, KIND)
        created = campaign is None
        people = sorted(
            p.employee_no for group in (await self.responsibles()).values() for p in group
        )
        if campaign is None:
            campaign = await self.tasks.create_campaign(
                kind=KIND,
                ref_key=week.key,
                ref_id=None,
                titles=self.checkins.titles("register-title", week),
                audience=Audience(people=tuple(people)),
                due_at=due,
                policy=policy_for(KIND, self.settings.policies),
                created_by=actor.label,
            )
        else:
            known = Audience.from_json(campaign.audience).people
            extra = tuple(p for p in people if p not in known)
            if extra:
                campaign.audience = Audience(people=(*known, *extra)).to_json()
                await self.session.flush()
        missed = await self.checkins.close_earlier(week, KIND)
        filed = select(Person.id).join(
            RegisterFiling,
            (RegisterFiling.unit_id == Person.unit_id) & (RegisterFiling.week == week.key),
        )
        pairs: list[tuple[int, int]] = []
        # an empty audience means everyone: with nobody to file, nobody is asked
        if Audience.from_json(campaign.audience).people:
            pairs = await self.tasks.assign_pairs(campaign, exclude_people=filed)
        ids = [a for a, _ in pairs]
        await self.notifier.task_messages(
            campaign,
            pairs,
            template="register-published",
            dedupe="published",
        )
        if created or ids:
            await audit.append(
                self.session,
                at=self.clock.now(),
                actor=actor.label,
                kind="register.opened",
                subject=f"register:{week.key}",
                payload={"campaign": campaign.id, "assigned": len(ids), "missed": missed},
            )
        return OpenResult(week, campaign.id, created, len(ids), missed)

    # --- the week's register ------------------------------------------------------------

    async def _filing(self, unit_id: int, week: Week) -> RegisterFiling | None:
        return (
            await self.session.execute(
                select(RegisterFiling).where(
                    RegisterFiling.unit_id == unit_id, RegisterFiling.week == week.key
                )
            )
        ).scalar_one_or_none()

    async def _due(self, week: Week) -> datetime:
        campaign = await self.checkins.campaign(week, KIND)
        if campaign is not None and campaign.due_at is not None:
            return campaign.due_at
        return week_window(week, self.settings)[1]

    async def _rows(self, unit_id: int, week_key: str) -> list[RegisterRow]:
        return list(
            (
                await self.session.execute(
                    select(RegisterRow)
                    .where(RegisterRow.unit_id == unit_id, RegisterRow.week == week_key)
                    .order_by(RegisterRow.id)
                )
            ).scalars()
        )

    async def carry_candidates(self, unit_id: int, week: Week) -> list[RegisterRow]:
        """The open rows of the unit's last filed week before `week`."""
        previous = await self.session.scalar(
            select(func.max(RegisterFiling.week)).where(
                RegisterFiling.unit_id == unit_id, RegisterFiling.week < week.key
            )
        )
        if previous is None:
            return []
        return [r for r in await self._rows(unit_id, previous) if r.status == RiskStatus.OPEN]

    async def week_view(self, actor: Actor, unit_id: int, week: Week) -> RegisterWeek:
        """The unit's register of the week, with its check-in numbers and carry-over."""
        await self._check_can_file(actor, unit_id)
        return await self._week(unit_id, week)

    async def _week(self, unit_id: int, week: Week) -> RegisterWeek:
        unit = await self.session.get(Unit, unit_id)
        if unit is None:
            raise NotFound()
        filing = await self._filing(unit_id, week)
        rows = await self._rows(unit_id, week.key)
        carried_rows = {r.carried_from_id: r for r in rows if r.carried_from_id is not None}
        if filing is not None:
            previous_ids = [i for i in carried_rows if i is not None]
            previous = (
                list(
                    (
                        await self.session.execute(
                            select(RegisterRow)
                            .where(RegisterRow.id.in_(previous_ids))
                            .order_by(RegisterRow.id)
                        )
                    ).scalars()
                )
                if previous_ids
                else []
            )
        else:
            previous = await self.carry_candidates(unit_id, week)
        carried = [
            CarryItem(
                _row_view(p), _row_view(carried_rows[p.id]) if p.id in carried_rows else None
            )
            for p in previous
        ]
        return RegisterWeek(
            unit_id=unit_id,
            unit=unit.name,
            week=week,
            due_at=await self._due(week),
            filing=_filing_view(filing) if filing else None,
            numbers=await self.checkins.unit_numbers(week, unit_id),
            carried=carried,
            new_rows=[_row_view(r) for r in rows if r.carried_from_id is None],
        )

    async def _editable(self, unit_id: int, week: Week) -> None:
        opens, _ = week_window(week, self.settings)
        if self.clock.now() < opens:
            raise InvalidInput(
                "register-error-not-open", week=week.key, opens=opens.strftime("%Y-%m-%d %H:%M")
            )
        if await self._filing(unit_id, week) is not None:
            raise AlreadyFiled(week=week.key)
        later = await self.session.scalar(
            select(func.max(RegisterFiling.week)).where(
                RegisterFiling.unit_id == unit_id, RegisterFiling.week > week.key
            )
        )
        if later is not None:
            raise LaterFiled(week=week.key, later=later)

    def check_draft(
        self,
        *,
        category: str,
        risk: str,
        measure: str,
        owner: str,
        deadline: date | None,
        week: Week,
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Every problem of a new row as (field, locale key, args); empty when good."""
        problems: list[tuple[str, str, dict[str, Any]]] = []
        if category not in {c.id for c in self.categories()}:
            problems.append(("category", "register-error-category", {"value": category}))
        for name, value in (("risk", risk), ("measure", measure), ("owner", owner)):
            if not value.strip():
                problems.append((name, "register-error-required", {}))
            elif len(value) > LIMITS[name]:
                problems.append((name, "register-error-too-long", {"limit": LIMITS[name]}))
        if deadline is None:
            problems.append(("deadline", "register-error-deadline", {}))
        elif deadline < week.monday:
            problems.append(
                ("deadline", "register-error-deadline-past", {"monday": week.monday.isoformat()})
            )
        return problems

    def check_field(self, name: str, value: str, week: Week) -> str | None:
        """The problem key of one field typed in the bot, or None (guided entry)."""
        if name == "deadline":
            day = parse_deadline(value)
            if day is None:
                return "register-error-deadline"
            return "register-error-deadline-past" if day < week.monday else None
        if not value.strip():
            return "register-error-required"
        return "register-error-too-long" if len(value) > LIMITS[name] else None

    async def add_row(self, actor: Actor, unit_id: int, week: Week, draft: RowDraft) -> RowView:
        """Add a new risk to the unit's register of the week (not filed yet)."""
        await self._check_can_file(actor, unit_id)
        await self._editable(unit_id, week)
        problems = self.check_draft(
            category=draft.category,
            risk=draft.risk,
            measure=draft.measure,
            owner=draft.owner,
            deadline=draft.deadline,
            week=week,
        )
        if problems:
            _, key, args = problems[0]
            raise InvalidInput(key, **args)
        row = RegisterRow(
            unit_id=unit_id,
            week=week.key,
            category=draft.category,
            risk=draft.risk.strip(),
            measure=draft.measure.strip(),
            owner=draft.owner.strip(),
            deadline=draft.deadline,
            status=RiskStatus.OPEN,
            note=None,
            carried_from_id=None,
            first_week=week.key,
            created_by=actor.label,
            created_at=self.clock.now(),
        )
        self.session.add(row)
        await self.session.flush()
        return _row_view(row)

    async def delete_row(self, actor: Actor, row_id: int) -> Week:
        """Remove a new row entered by mistake (before filing); returns its week."""
        row = await self.session.get(RegisterRow, row_id)
        if row is None or row.carried_from_id is not None:
            raise NotFound()
        await self._check_can_file(actor, row.unit_id)
        week = Week.parse(row.week)
        await self._editable(row.unit_id, week)
        await self.session.delete(row)
        await self.session.flush()
        return week

    async def update_carried(
        self,
        actor: Actor,
        unit_id: int,
        week: Week,
        previous_id: int,
        *,
        status: str,
        note: str | None,
    ) -> RowView:
        """Mark a carried-over row resolved, or still open with a note, for this week."""
        await self._check_can_file(actor, unit_id)
        await self._editable(unit_id, week)
        candidates = {r.id: r for r in await self.carry_candidates(unit_id, week)}
        previous = candidates.get(previous_id)
        if previous is None:
            raise NotFound()
        note = (note or "").strip() or None
        problem = self._check_update(status, note)
        if problem is not None:
            raise InvalidInput(problem, limit=LIMITS["note"])
        existing = (
            await self.session.execute(
                select(RegisterRow).where(RegisterRow.carried_from_id == previous_id)
            )
        ).scalar_one_or_none()
        if existing is not None:
            existing.status, existing.note = status, note
            await self.session.flush()
            return _row_view(existing)
        row = self._carried(previous, week, status, note, actor)
        self.session.add(row)
        await self.session.flush()
        return _row_view(row)

    @staticmethod
    def _check_update(status: str, note: str | None) -> str | None:
        if status not in (RiskStatus.OPEN, RiskStatus.RESOLVED):
            return "register-error-status"
        if status == RiskStatus.OPEN and not note:
            return "register-error-note-required"
        if note is not None and len(note) > LIMITS["note"]:
            return "register-error-too-long"
        return None

    def _carried(
        self, previous: RegisterRow, week: Week, status: str, note: str | None, actor: Actor
    ) -> RegisterRow:
        return RegisterRow(
            unit_id=previous.unit_id,
            week=week.key,
            category=previous.category,
            risk=previous.risk,
            measure=previous.measure,
            owner=previous.owner,
            deadline=previous.deadline,
            status=status,
            note=note,
            carried_from_id=previous.id,
            first_week=previous.first_week,
            created_by=actor.label,
            created_at=self.clock.now(),
        )

    async def file(
        self,
        actor: Actor,
        unit_id: int,
        week: Week,
        *,
        no_new_risks: bool,
        source: str = "bot",
    ) -> Filing:
        """File the week's register: every carried-over row updated; closes the task."""
        await self._check_can_file(actor, unit_id)
        await self._editable(unit_id, week)
        view = await self._week(unit_id, week)
        if view.carry_pending:
            raise CarryPending(count=view.carry_pending)
        if no_new_risks and view.new_rows:
            raise HasNewRows(count=len(view.new_rows))
        if not no_new_risks and not view.new_rows:
            raise NothingNew()
        return await self._file(
            actor,
            unit_id,
            week,
            no_new_risks=no_new_risks,
            rows=len(view.new_rows) + len(view.carried),
            source=source,
        )

    async def _file(
        self,
        actor: Actor,
        unit_id: int,
        week: Week,
        *,
        no_new_risks: bool,
        rows: int,
        source: str,
    ) -> Filing:
        now = self.clock.now()
        due = await self._due(week)
        filing = RegisterFiling(
            unit_id=unit_id,
            week=week.key,
            filed_at=now,
            late=now > due,
            filed_by=actor.label,
            no_new_risks=no_new_risks,
            rows=rows,
            source=source,
        )
        self.session.add(filing)
        in_unit = select(Person.id).where(Person.unit_id == unit_id)
        campaign_ids = select(Campaign.id).where(
            Campaign.kind == KIND, Campaign.ref_key == week.key
        )
        await self.session.execute(
            update(Assignment)
            .where(
                Assignment.campaign_id.in_(campaign_ids),
                Assignment.person_id.in_(in_unit),
                Assignment.status == AssignmentStatus.OPEN,
            )
            .values(status=AssignmentStatus.DONE, done_at=now, next_action_at=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()
        await audit.append(
            self.session,
            at=now,
            actor=actor.label,
            kind="register.filed",
            subject=f"register:{unit_id}:{week.key}",
            payload={
                "filing": filing.id,
                "late": filing.late,
                "rows": rows,
                "no_new_risks": no_new_risks,
                "source": source,
            },
            evidence=[audit.Evidence.of(filing)],
        )
        return _filing_view(filing)

    # --- office -----------------------------------------------------------------------

    async def summary(self, actor: Actor, week: Week) -> RegisterSummary:
        """Every unit's register of the week: filed on time, late or missing; open risks
        by category; risks open for more than AGED_WEEKS weeks; check-in numbers."""
        actor.require(Role.OFFICE)
        expected = await self._expected_units(week)
        filings = {
            f.unit_id: f
            for f in (
                await self.session.execute(
                    select(RegisterFiling).where(RegisterFiling.week == week.key)
                )
            ).scalars()
        }
        numbers = {u.unit_id: u for u in await self.checkins.numbers(week)}
        unit_ids = set(expected) | set(filings)
        names = (
            dict(
                (
                    await self.session.execute(
                        select(Unit.id, Unit.name).where(Unit.id.in_(list(unit_ids)))
                    )
                ).all()
            )
            if unit_ids
            else {}
        )
        current = await self._current_rows(week)
        units: list[UnitRegister] = []
        by_category: Counter[str] = Counter()
        aged: list[AgedRisk] = []
        for uid in sorted(unit_ids, key=lambda u: names.get(u, "")):
            filing = filings.get(uid)
            state = "missing" if filing is None else ("late" if filing.late else "on_time")
            open_rows = [r for r in current.get(uid, []) if r.status == RiskStatus.OPEN]
            if filing is not None:
                rows = [_row_view(r) for r in await self._rows(uid, week.key)]
            else:
                rows = [_row_view(r) for r in await self.carry_candidates(uid, week)]
            units.append(
                UnitRegister(
                    uid,
                    names.get(uid, "?"),
                    state,
                    _filing_view(filing) if filing else None,
                    numbers[uid].numbers if uid in numbers else Numbers(),
                    open_risks=len(open_rows),
                    rows=rows,
                )
            )
            for r in open_rows:
                by_category[r.category] += 1
                weeks = week.weeks_since(Week.parse(r.first_week))
                if weeks > AGED_WEEKS:
                    aged.append(AgedRisk(names.get(uid, "?"), _row_view(r), weeks))
        total = Numbers()
        for n in numbers.values():
            total.add(n.numbers)
        aged.sort(key=lambda a: (-a.weeks, a.unit, a.row.id))
        return RegisterSummary(
            week=week,
            due_at=await self._due(week),
            units=units,
            open_by_category=dict(by_category),
            aged=aged,
            checkins=total,
        )

    async def _expected_units(self, week: Week) -> set[int]:
        """Units asked to file: those with a register task this week (else, before the
        week opened, those with leaders now)."""
        campaign = await self.checkins.campaign(week, KIND)
        if campaign is None:
            return set(await self.responsibles())
        rows = await self.session.execute(
            select(Person.unit_id)
            .join(Assignment, Assignment.person_id == Person.id)
            .where(
                Assignment.campaign_id == campaign.id,
                (Assignment.status != AssignmentStatus.CANCELLED) | (Assignment.note == MISSED),
            )
            .distinct()
        )
        return {u for (u,) in rows.all()}

    async def _current_rows(self, week: Week) -> dict[int, list[RegisterRow]]:
        """Each unit's rows of its latest filed week up to `week`: its register as it
        stands."""
        latest = (
            select(RegisterFiling.unit_id, func.max(RegisterFiling.week).label("week"))
            .where(RegisterFiling.week <= week.key)
            .group_by(RegisterFiling.unit_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(RegisterRow)
            .join(
                latest,
                (latest.c.unit_id == RegisterRow.unit_id) & (latest.c.week == RegisterRow.week),
            )
            .order_by(RegisterRow.id)
        )
        out: dict[int, list[RegisterRow]] = defaultdict(list)
        for r in rows.scalars():
            out[r.unit_id].append(r)
        return out

    async def export(self, actor: Actor, week: Week, path: Path, t: Translator) -> int:
        """Write the register of all units: a summary sheet, then one sheet per unit."""
        summary = await self.summary(actor, week)
        write_export(path, summary, t=t, categories=self.categories(), now=self.clock.now())
        return len(summary.units)

    # --- import -----------------------------------------------------------------------

    async def import_file(
        self, actor: Actor, path: Path, *, unit: str, week: Week
    ) -> ImportReport:
        """Check a unit's register sheet and file it. With any error nothing is written."""
        actor.require(Role.OFFICE)
        target = await people_repo.unit_by_name(self.session, unit.strip())
        if target is None:
            raise InvalidInput("error-no-such-unit", unit=unit)
        report = ImportReport(path=str(path), unit=target.name, week=week)
        filing = await self._filing(target.id, week)
        if filing is not None:
            raise AlreadyFiled(week=week.key)
        await self._editable(target.id, week)
        drafts = await self._rows(target.id, week.key)
        if drafts:
            raise InvalidInput("register-import-drafts", count=len(drafts), week=week.key)
        rows = read_sheet(path, sheet_name(target.name))
        candidates = {r.id: r for r in await self.carry_candidates(target.id, week)}
        checked = self._check_sheet(rows, candidates, week)
        report.problems = checked.problems
        report.rows = len(checked.new) + len(checked.carried)
        report.carried = len(checked.carried)
        if report.errors:
            return report
        now = self.clock.now()
        for draft in checked.new:
            self.session.add(
                RegisterRow(
                    unit_id=target.id,
                    week=week.key,
                    category=draft.category,
                    risk=draft.risk,
                    measure=draft.measure,
                    owner=draft.owner,
                    deadline=draft.deadline,
                    status=draft.status,
                    note=draft.note,
                    carried_from_id=None,
                    first_week=week.key,
                    created_by=actor.label,
                    created_at=now,
                )
            )
        for previous_id, (status, note) in checked.carried.items():
            self.session.add(self._carried(candidates[previous_id], week, status, note, actor))
        await self.session.flush()
        report.filing = await self._file(
            actor,
            target.id,
            week,
            no_new_risks=not checked.new,
            rows=report.rows,
            source="import",
        )
        return report

    def _aliases(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """Header, status and category words of every language -> their ids."""
        headers: dict[str, str] = {}
        statuses: dict[str, str] = {}
        for locale in LOCALES:
            t = self.notifier.catalog.translator(locale, self.settings.tz)
            for col in COLUMNS:
                headers[_key(t(f"register-col-{col}"))] = col
            for status in RiskStatus:
                statuses[_key(t(f"register-status-{status.value}"))] = status.value
        for col in COLUMNS:
            headers[_key(col)] = col
        for status in RiskStatus:
            statuses[_key(status.value)] = status.value
        categories: dict[str, str] = {}
        for c in self.categories():
            categories[_key(c.id)] = c.id
            for label in c.text.values():
                categories[_key(label)] = c.id
        return headers, statuses, categories

    def _check_sheet(
        self,
        rows: list[tuple[int, list[Any]]],
        candidates: Mapping[int, RegisterRow],
        week: Week,
    ) -> _Checked:
        """Check every row of the sheet; collect every problem with its row and column."""
        header_words, status_words, category_words = self._aliases()
        header_row, headers, body = _split_header(rows, header_words)
        out = _Checked()
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for index, text in enumerate(headers):
            col = header_words.get(_key(text)) if text else None
            if col is None:
                continue
            if col in columns:
                out.problems.append(Problem(header_row, text, "register-import-duplicate-column"))
                continue
            columns[col], labels[col] = index, text
        t = self.notifier.catalog.translator(None, self.settings.tz)
        out.problems.extend(
            Problem(header_row, t(f"register-col-{col}"), "register-import-missing-column")
            for col in REQUIRED
            if col not in columns
        )
        if out.problems:
            return out
        seen_carry: dict[int, int] = {}
        for number, cells in body:
            found: list[tuple[str, str, dict[str, Any]]] = []
            values: dict[str, Any] = {}
            for col, index in columns.items():
                value = cells[index] if index < len(cells) else None
                if isinstance(value, Formula) or (
                    isinstance(value, str) and value.strip().startswith("=")
                ):
                    found.append((col, "register-import-formula", {}))
                    value = None
                values[col] = value
            status_text = _text(values["status"])
            status = status_words.get(_key(status_text))
            note = _text(values.get("note")) or None
            if not status_text:
                found.append(("status", "register-error-required", {}))
            elif status is None:
                found.append(("status", "register-error-status-value", {"value": status_text}))
            if note is not None and len(note) > LIMITS["note"]:
                found.append(("note", "register-error-too-long", {"limit": LIMITS["note"]}))
            carried_text = _text(values.get("carried_from"))
            if carried_text:
                carried_from = _int(carried_text)
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
                category_text = _text(values["category"])
                deadline = _date(values["deadline"])
                for col, key, args in self.check_draft(
                    category=category_words.get(_key(category_text), ""),
                    risk=_text(values["risk"]),
                    measure=_text(values["measure"]),
                    owner=_text(values["owner"]),
                    deadline=deadline,
                    week=week,
                ):
                    if col == "category":
                        key = (
                            "register-error-category"
                            if category_text
                            else ("register-error-required")
                        )
                        args = {"value": category_text}
                    elif col == "deadline" and key == "register-error-deadline":
                        args = {"value": _text(values["deadline"])}
                    if not any(f[0] == col for f in found):  # a formula said it already
                        found.append((col, key, args))
                if not found and status is not None and deadline is not None:
                    out.new.append(
                        _ImportedRow(
                            category=category_words[_key(category_text)],
                            risk=_text(values["risk"]),
                            measure=_text(values["measure"]),
                            owner=_text(values["owner"]),
                            deadline=deadline,
                            status=status,
                            note=note,
                        )
                    )
            out.problems.extend(
                Problem(number, labels.get(col, col), key, args) for col, key, args in found
            )
        carried_label = labels.get("carried_from", t("register-col-carried_from"))
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
        order = {label: i for i, label in enumerate(headers)}
        out.problems.sort(key=lambda p: (p.row or 10**9, order.get(p.column or "", 99)))
        return out


@dataclass(frozen=True, slots=True)
class _ImportedRow:
    category: str
    risk: str
    measure: str
    owner: str
    deadline: date
    status: str
    note: str | None


@dataclass(slots=True)
class _Checked:
    new: list[_ImportedRow] = field(default_factory=list)
    carried: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def _int(value: Any) -> int | None:
    text = normalize_input(_text(value))
    return int(text) if text.isdigit() else None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_deadline(_text(value))


# --- xlsx ----------------------------------------------------------------------------------


def sheet_name(unit: str) -> str:
    """An Excel sheet name for a unit: no []:*?/\\, at most 31 characters."""
    return _SHEET_BAD.sub("_", unit)[:31] or "_"


def read_sheet(path: Path, preferred: str) -> list[tuple[int, list[Any]]]:
    """The rows of the unit's sheet (the one named after the unit, else the first).
    Formula cells come back as Formula so that they can be refused."""
    import openpyxl  # noqa: PLC0415 - only imports need it
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    if not path.is_file():
        raise InvalidInput("register-import-missing-file", path=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise InvalidInput("register-import-too-big", limit_mb=MAX_BYTES // 2**20)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InvalidInput("register-import-type", suffix=path.suffix or path.name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput("register-import-unreadable", detail=type(exc).__name__) from None
    try:
        ws = wb[preferred] if preferred in wb.sheetnames else wb.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(ws.iter_rows(), start=1):
            values = [
                Formula(str(getattr(c.value, "text", c.value))) if c.data_type == "f" else c.value
                for c in cells
            ]
            rows.append((number, values))
    finally:
        wb.close()
    return rows


def _split_header(
    rows: list[tuple[int, list[Any]]], words: Mapping[str, str]
) -> tuple[int, list[str], list[tuple[int, list[Any]]]]:
    """Find the header (a title line may sit above it): the first row that names at
    least two of our columns, in any language."""
    for i, (number, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [_text(c) for c in cells]
        if len({words[_key(x)] for x in texts if x and _key(x) in words}) >= 2:
            body = []
            for n, c in rows[i + 1 :]:
                if all(_text(v) == "" for v in c):
                    continue
                body.append((n, c))
            if len(body) > MAX_ROWS:
                raise InvalidInput("register-import-too-many-rows", limit=MAX_ROWS)
            while texts and not texts[-1]:
                texts.pop()
            return number, texts, body
    raise InvalidInput("register-import-no-header")


def _safe(cell: Any) -> Any:
    # Text is text: never a formula, even after someone edits the cell in Excel.
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(INJECTION_PREFIXES):
            cell.quotePrefix = True
    return cell


def write_export(
    path: Path,
    summary: RegisterSummary,
    *,
    t: Translator,
    categories: Sequence[Category],
    now: datetime,
) -> None:
    """The office's workbook: a summary sheet, then one sheet per unit."""
    import openpyxl  # noqa: PLC0415 - slow import, only the export needs it
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.worksheet import Worksheet  # noqa: PLC0415

    labels = {c.id: c.label(t.locale) for c in categories}
    bold = Font(bold=True)
    wb = openpyxl.Workbook()
    ws = cast(Worksheet, wb.active)  # a new workbook's only sheet
    ws.title = sheet_name(t("register-sheet-summary"))
    used = {ws.title}

    def put(sheet: Any, row: int, values: Iterable[Any], *, strong: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            cell = _safe(sheet.cell(row=row, column=col, value=value))
            if strong:
                cell.font = bold

    put(
        ws,
        1,
        [
            t(
                "register-export-title",
                week=summary.week.key,
                due=t.time(summary.due_at),
                now=t.time(now),
            )
        ],
        strong=True,
    )
    put(
        ws,
        2,
        [
            t(
                "register-export-counts",
                on_time=summary.count("on_time"),
                late=summary.count("late"),
                missing=summary.count("missing"),
            )
        ],
    )
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
    put(ws, 4, [t(k) for k in head], strong=True)
    row = 5
    for u in summary.units:
        n = u.numbers
        put(
            ws,
            row,
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
            ],
        )
        row += 1
    row += 1
    put(ws, row, [t("register-export-by-category")], strong=True)
    row += 1
    for c in categories:
        put(ws, row, [labels[c.id], summary.open_by_category.get(c.id, 0)])
        row += 1
    row += 1
    put(ws, row, [t("register-export-aged", weeks=AGED_WEEKS)], strong=True)
    row += 1
    put(
        ws,
        row,
        [
            t(k)
            for k in (
                "register-col-unit",
                "register-col-category",
                "register-col-risk",
                "register-col-owner",
                "register-col-first_week",
                "register-col-weeks",
            )
        ],
        strong=True,
    )
    for a in summary.aged:
        row += 1
        put(
            ws,
            row,
            [
                a.unit,
                labels.get(a.row.category, a.row.category),
                a.row.risk,
                a.row.owner,
                a.row.first_week,
                a.weeks,
            ],
        )
    for col, width in enumerate((24, 12, 18, 12, 10, 10, 10, 10, 10), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width

    for u in summary.units:
        name = sheet_name(u.unit)
        suffix = 2
        while name in used:  # two units whose names differ only past 31 characters
            name = f"{sheet_name(u.unit)[:28]}~{suffix}"
            suffix += 1
        used.add(name)
        sheet = wb.create_sheet(name)
        state = t(f"register-state-{u.state}")
        put(
            sheet,
            1,
            [t("register-sheet-title", unit=u.unit, week=summary.week.key, state=state)],
            strong=True,
        )
        put(sheet, 2, [t(f"register-col-{c}") for c in COLUMNS], strong=True)
        for i, r in enumerate(u.rows, start=3):
            if u.filing is None:  # a template to fill in: the rows to carry over
                values = [
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
            else:
                values = [
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
            put(sheet, i, values)
            sheet.cell(row=i, column=COLUMNS.index("deadline") + 1).number_format = "yyyy-mm-dd"
        for col, key in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = COLUMN_WIDTHS[key]
        sheet.freeze_panes = "A3"
    wb.save(path)
