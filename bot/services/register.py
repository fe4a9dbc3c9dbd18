"""The unit weekly risk register: rows, carry-over, filing, reporters, import and export.

A unit's register of week W is the rows of (unit, W). Open rows of the unit's last filed
week before W are carried over: each must get an update in W (a new row pointing back with
`carried_from_id`, status resolved or still open with a note) before W can be filed. Rows of
a filed week never change. The leaders of a unit (people with the leader role in it), or
the reporter a leader designated, file it; filing closes the register task.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select, update

from bot.actions import Btn
from bot.actor import Actor
from bot.checkin_content import Category, CheckinContentError, load_categories
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.kinds import TaskKind
from bot.policy import Policy
from bot.register_sheets import NewRisk, check_sheet, read_sheet, words, write_export
from bot.register_sheets import RowDraft as RowDraft  # the chat's and the sheet's new row
from bot.services.checkins import MISSED, CheckinService, Numbers, Week, week_window
from bot.services.checkins import OpenResult as OpenResult  # one for both weekly kinds
from bot.services.tasks import Audience, KindService
from bot.sheets.reader import Problem
from bot.text import normalize_input
from bot.timeparse import parse_date
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

AGED_WEEKS = 4  # the office's list: risks open for more than this many weeks
LIMITS = {"risk": 500, "measure": 500, "owner": 64, "note": 500}


class AlreadyFiled(DomainError, key="register-error-filed"): ...


class CarryPending(DomainError, key="register-error-carry-pending"): ...


class NothingNew(DomainError, key="register-error-nothing-new"): ...


class HasNewRows(DomainError, key="register-error-has-new-rows"): ...


class LaterFiled(DomainError, key="register-error-later-filed"): ...


class AmendClosed(DomainError, key="register-error-amend-closed"): ...


class NothingAmended(DomainError, key="register-error-nothing-amended"): ...


class RowChanged(DomainError, key="register-error-row-changed"): ...


class RowUnchanged(DomainError, key="register-error-unchanged"): ...


EDITABLE = ("category", "risk", "measure", "owner", "deadline", "note")  # a row's fields


@dataclass(frozen=True, slots=True)
class RowView:
    """A row's version. `carried_from_id` and `first_id` are those of its first version:
    an edited carried-over row still updates the same risk of last week."""

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
    first_id: int = 0
    owner_person_id: int | None = None
    created_at: datetime | None = None
    edited: bool = False  # a later version of the row


@dataclass(frozen=True, slots=True)
class UnitPerson:
    """Someone of the unit, to pick as a row's owner or the reporter."""

    id: int
    name: str
    employee_no: str
    post: str | None
    roles: tuple[str, ...]

    @property
    def officer(self) -> bool:
        return bool({Role.MENTOR, Role.LEADER, Role.OFFICE} & set(self.roles))


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
    version: int = 1  # 2, 3, ...: amended


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
    amendable: bool = False  # filed, and its due time has not passed
    amending: bool = False  # the rows shown are an amendment's, not the filed ones
    unfiled_changes: bool = False  # changes made while amending were never filed

    @property
    def carry_pending(self) -> int:
        return sum(1 for c in self.carried if c.update is None)


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


def _row_view(r: RegisterRow, root: RegisterRow | None = None) -> RowView:
    first = root or r
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
        first.carried_from_id,
        r.first_week,
        first.id,
        r.owner_person_id,
        r.created_at,
        first is not r,
    )


def _versions(rows: Sequence[RegisterRow]) -> list[RowView]:
    """Every version of a week's rows, each knowing its first version."""
    by_id = {r.id: r for r in rows}
    out = []
    for r in rows:
        root = r
        while root.replaces_id is not None and root.replaces_id in by_id:
            root = by_id[root.replaces_id]
        out.append(_row_view(r, root))
    return out


def _current_views(rows: Sequence[RegisterRow]) -> list[RowView]:
    """The newest version of each row, rows taken out left out."""
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None}
    removed = {r.id for r in rows if r.removed}
    return [v for v in _versions(rows) if v.id not in replaced and v.id not in removed]


def _new_row(
    new: NewRisk, *, unit_id: int, week: Week, actor: Actor, now: datetime
) -> RegisterRow:
    """The first version of a new risk found this week."""
    draft = new.draft
    assert draft.deadline is not None  # check_draft said so otherwise
    return RegisterRow(
        unit_id=unit_id,
        week=week.key,
        category=draft.category,
        risk=draft.risk.strip(),
        measure=draft.measure.strip(),
        owner=draft.owner.strip(),
        owner_person_id=draft.owner_person_id,
        deadline=draft.deadline,
        status=new.status,
        note=new.note,
        carried_from_id=None,
        first_week=week.key,
        created_by=actor.label,
        created_at=now,
    )


def _copy(row: RegisterRow, *, actor: Actor, now: datetime) -> RegisterRow:
    """A new version of a row with the same content (the caller changes what changes)."""
    return RegisterRow(
        unit_id=row.unit_id,
        week=row.week,
        category=row.category,
        risk=row.risk,
        measure=row.measure,
        owner=row.owner,
        owner_person_id=row.owner_person_id,
        deadline=row.deadline,
        status=row.status,
        note=row.note,
        carried_from_id=None,  # the first version keeps the link (unique)
        first_week=row.first_week,
        created_by=actor.label,
        created_at=now,
    )


def _filing_view(f: RegisterFiling) -> Filing:
    return Filing(f.filed_at, f.late, f.filed_by, f.no_new_risks, f.rows, f.version)


def _filed(campaign: Campaign) -> Select[Any]:
    """Register done = filed: the people of units that filed the campaign's week."""
    return select(Person.id).join(
        RegisterFiling,
        (RegisterFiling.unit_id == Person.unit_id) & (RegisterFiling.week == campaign.ref_key),
    )


KIND = TaskKind(
    CampaignKind.REGISTER.value,
    open_route=Btn.REGISTER_OPEN,
    policy=Policy(remind_before_h=(24, 2)),
    not_yours=NotAllowed,
    published_template="register-published",
    done_people=_filed,
)


class RegisterService(KindService):
    kind = KIND

    @cached_property
    def checkins(self) -> CheckinService:
        """The week's check-in: its campaign, week window and numbers."""
        return self.sibling(CheckinService, notifier=self.notifier, tasks=self.tasks)

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
        if actor.person is None:
            raise NotAllowed()
        _, campaign = await self.mine(actor.person, assignment_id)
        unit = await self.my_unit(actor)
        return unit, Week.parse(campaign.ref_key)

    async def unit_people(
        self, actor: Actor, unit_id: int, query: str | None = None
    ) -> list[UnitPerson]:
        """The unit's active people to pick from (a register row's owner, the reporter):
        officers first, then by name. `query` keeps those whose name contains it or whose
        employee number starts with it. Who may file may see the unit's people."""
        await self._check_can_file(actor, unit_id)
        people = (
            (
                await self.session.execute(
                    select(Person).where(
                        Person.unit_id == unit_id, Person.status == PersonStatus.ACTIVE
                    )
                )
            )
            .scalars()
            .all()
        )
        wanted = normalize_input(query or "").casefold()
        out = [
            UnitPerson(p.id, p.name, p.employee_no, p.post, tuple(sorted(r.role for r in p.roles)))
            for p in people
            if not wanted
            or wanted in normalize_input(p.name).casefold()
            or p.employee_no.casefold().startswith(wanted)
        ]
        out.sort(key=lambda u: (not u.officer, u.name, u.employee_no))
        return out

    async def set_reporter(
        self,
        actor: Actor,
        unit_id: int,
        employee_no: str | None,
        *,
        person_id: int | None = None,
    ) -> Person | None:
        """Designate who files the unit's register (None: the leaders again): by employee
        number (the CLI), or the person picked from the unit's list (`person_id`)."""
        if not actor.has_role(Role.OFFICE):
            me = actor.person
            if me is None or me.unit_id != unit_id or not me.has_role(Role.LEADER):
                raise NotAllowed()
        now = self.clock.now()
        row = await self.session.get(UnitReporter, unit_id)
        person = None
        if person_id is not None:
            person = await self.session.get(Person, person_id)
            if person is None:
                raise NotFound("error-no-such-person", who=str(person_id))
        elif employee_no is not None:
            person = await people_repo.person_by_employee_no(
                self.session, normalize_input(employee_no).upper()
            )
            if person is None:
                raise NotFound("error-no-such-person", who=employee_no)
        if person is not None and (
            person.unit_id != unit_id or person.status != PersonStatus.ACTIVE
        ):
            raise InvalidInput("register-error-reporter-unit", name=person.name)
        if (row.person_id if row else None) == (person.id if person else None):
            return person  # already so (a second press, a stale button): nothing to record
        if person is not None:
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
        await self.audit_event(
            actor,
            "register.reporter_set",
            f"unit:{unit_id}",
            {"employee_no": person.employee_no if person else None},
            at=now,
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
        await self.tasks.give(KIND, campaign)

    # --- opening --------------------------------------------------------------------------

    async def open_week(self, actor: Actor, week: Week) -> OpenResult:
        """One register task per unit: to its reporter, else to each of its leaders."""
        actor.require(Role.OFFICE)
        campaign = await self.checkins.campaign(week, KIND)
        created = campaign is None
        people = sorted(
            p.employee_no for group in (await self.responsibles()).values() for p in group
        )
        if campaign is None:
            campaign = await self.checkins.create_week(
                KIND,
                week,
                actor,
                title_key="register-title",
                audience=Audience(people=tuple(people)),
                policy=self.policy,
            )
        else:
            known = Audience.from_json(campaign.audience).people
            extra = tuple(p for p in people if p not in known)
            if extra:
                campaign.audience = Audience(people=(*known, *extra)).to_json()
                await self.session.flush()
        missed = await self.checkins.close_earlier(week, KIND)
        ids: list[int] = []
        # an empty audience means everyone: with nobody to file, nobody is asked
        if Audience.from_json(campaign.audience).people:
            ids = await self.assign(campaign)
        return await self.checkins.opened(
            KIND, week, actor, campaign, created=created, ids=ids, missed=missed
        )

    # --- the week's register ------------------------------------------------------------

    async def _filings(self, unit_id: int, week: Week) -> list[RegisterFiling]:
        """The unit's filings of the week, oldest version first (amendments follow)."""
        return list(
            (
                await self.session.execute(
                    select(RegisterFiling)
                    .where(RegisterFiling.unit_id == unit_id, RegisterFiling.week == week.key)
                    .order_by(RegisterFiling.version)
                )
            ).scalars()
        )

    async def _filing(self, unit_id: int, week: Week) -> RegisterFiling | None:
        """The filing that counts: the newest version."""
        filings = await self._filings(unit_id, week)
        return filings[-1] if filings else None

    async def _due(self, week: Week) -> datetime:
        campaign = await self.checkins.campaign(week, KIND)
        if campaign is not None and campaign.due_at is not None:
            return campaign.due_at
        return week_window(week, self.settings)[1]

    async def _rows(self, unit_id: int, week_key: str) -> list[RegisterRow]:
        """Every row of the unit's week, every version, in the order they were written."""
        return list(
            (
                await self.session.execute(
                    select(RegisterRow)
                    .where(RegisterRow.unit_id == unit_id, RegisterRow.week == week_key)
                    .order_by(RegisterRow.id)
                )
            ).scalars()
        )

    async def _current(self, unit_id: int, week_key: str) -> list[RowView]:
        """The week's rows as they stand now: each row's newest version, removed ones left
        out (a draft, or an amendment not filed yet)."""
        return _current_views(await self._rows(unit_id, week_key))

    async def _filed_rows(self, filing: RegisterFiling) -> list[RowView]:
        """The rows a filing filed (filings before rows had versions: the rows written by
        then, which were never changed after)."""
        rows = await self._rows(filing.unit_id, filing.week)
        if filing.row_ids is None:
            return _current_views([r for r in rows if r.created_at <= filing.filed_at])
        versions = _versions(rows)
        chosen = set(filing.row_ids)
        return [v for v in versions if v.id in chosen]

    async def _changed(self, filing: RegisterFiling, current: Sequence[RowView]) -> bool:
        """Whether the rows as they stand differ from what the filing filed."""
        filed = {r.id for r in await self._filed_rows(filing)}
        return filed != {r.id for r in current}

    async def carry_candidates(self, unit_id: int, week: Week) -> list[RowView]:
        """The open rows of the unit's last filed week before `week`, as filed last."""
        previous = await self.session.scalar(
            select(func.max(RegisterFiling.week)).where(
                RegisterFiling.unit_id == unit_id, RegisterFiling.week < week.key
            )
        )
        if previous is None:
            return []
        filing = await self._filing(unit_id, Week.parse(previous))
        assert filing is not None
        return [r for r in await self._filed_rows(filing) if r.status == RiskStatus.OPEN]

    async def week_view(
        self, actor: Actor, unit_id: int, week: Week, *, amend: bool = False
    ) -> RegisterWeek:
        """The unit's register of the week, with its check-in numbers and carry-over.
        A filed week shows what was filed, unless an amendment is under way (`amend`, or
        changes made since the filing)."""
        await self._check_can_file(actor, unit_id)
        return await self._week(unit_id, week, amend=amend)

    async def _week(self, unit_id: int, week: Week, *, amend: bool = False) -> RegisterWeek:
        unit = await self.session.get(Unit, unit_id)
        if unit is None:
            raise NotFound()
        filing = await self._filing(unit_id, week)
        current = await self._current(unit_id, week.key)
        due = await self._due(week)
        amendable = filing is not None and await self._amendable(unit_id, week, due)
        changed = filing is not None and await self._changed(filing, current)
        amending = amendable and (amend or changed)
        rows = current if filing is None or amending else await self._filed_rows(filing)
        carried_rows = {r.carried_from_id: r for r in rows if r.carried_from_id is not None}
        if filing is not None and not amending:
            previous_ids = [i for i in carried_rows if i is not None]
            previous = (
                [
                    _row_view(r)
                    for r in (
                        await self.session.execute(
                            select(RegisterRow)
                            .where(RegisterRow.id.in_(previous_ids))
                            .order_by(RegisterRow.id)
                        )
                    ).scalars()
                ]
                if previous_ids
                else []
            )
        else:
            previous = await self.carry_candidates(unit_id, week)
        carried = [CarryItem(p, carried_rows.get(p.id)) for p in previous]
        return RegisterWeek(
            unit_id=unit_id,
            unit=unit.name,
            week=week,
            due_at=due,
            filing=_filing_view(filing) if filing else None,
            numbers=await self.checkins.unit_numbers(week, unit_id),
            carried=carried,
            new_rows=[r for r in rows if r.carried_from_id is None],
            amendable=amendable,
            amending=amending,
            unfiled_changes=changed and not amendable,
        )

    async def _amendable(self, unit_id: int, week: Week, due: datetime) -> bool:
        """A filed week may be amended until its due time, unless a later week was filed."""
        if self.clock.now() > due:
            return False
        later = await self.session.scalar(
            select(func.max(RegisterFiling.week)).where(
                RegisterFiling.unit_id == unit_id, RegisterFiling.week > week.key
            )
        )
        return later is None

    async def _editable(self, unit_id: int, week: Week) -> None:
        """Rows may be added or changed: the week has opened, and it is not filed, or it is
        filed and may still be amended (its due time has not passed)."""
        opens, _ = week_window(week, self.settings)
        if self.clock.now() < opens:
            raise InvalidInput(
                "register-error-not-open", week=week.key, opens=opens.strftime("%Y-%m-%d %H:%M")
            )
        later = await self.session.scalar(
            select(func.max(RegisterFiling.week)).where(
                RegisterFiling.unit_id == unit_id, RegisterFiling.week > week.key
            )
        )
        if later is not None:
            raise LaterFiled(week=week.key, later=later)
        if await self._filing(unit_id, week) is not None:
            due = await self._due(week)
            if self.clock.now() > due:
                t = self.notifier.t(self.settings.default_locale)
                raise AmendClosed(week=week.key, due=t.time(due))

    def check_draft(self, draft: RowDraft, week: Week) -> list[tuple[str, str, dict[str, Any]]]:
        """Every problem of a new row as (field, locale key, args); empty when good."""
        problems: list[tuple[str, str, dict[str, Any]]] = []
        if draft.category not in {c.id for c in self.categories()}:
            problems.append(("category", "register-error-category", {"value": draft.category}))
        for name, value in (
            ("risk", draft.risk),
            ("measure", draft.measure),
            ("owner", draft.owner),
        ):
            if not value.strip():
                problems.append((name, "register-error-required", {}))
            elif len(value) > LIMITS[name]:
                problems.append((name, "register-error-too-long", {"limit": LIMITS[name]}))
        if draft.deadline is None:
            problems.append(("deadline", "register-error-deadline", {"value": ""}))
        elif draft.deadline < week.monday:
            problems.append(
                ("deadline", "register-error-deadline-past", {"monday": week.monday.isoformat()})
            )
        return problems

    def check_field(self, name: str, value: str, week: Week) -> str | None:
        """The problem key of one field typed in the bot, or None (guided entry)."""
        if name == "deadline":
            day = parse_date(value)
            if day is None:
                return "register-error-deadline"
            return "register-error-deadline-past" if day < week.monday else None
        if not value.strip():
            return "register-error-required"
        return "register-error-too-long" if len(value) > LIMITS[name] else None

    def _checked(self, draft: RowDraft, week: Week) -> None:
        problems = self.check_draft(draft, week)
        if problems:
            _, key, args = problems[0]
            raise InvalidInput(key, **args)

    async def _owner_person(self, unit_id: int, person_id: int | None) -> int | None:
        """A picked owner must be an active person of the unit (the picker offers no
        other); a typed owner has none."""
        if person_id is None:
            return None
        person = await self.session.get(Person, person_id)
        if person is None or person.unit_id != unit_id or person.status != PersonStatus.ACTIVE:
            raise InvalidInput("register-error-owner-unit")
        return person.id

    async def add_row(self, actor: Actor, unit_id: int, week: Week, draft: RowDraft) -> RowView:
        """Add a new risk to the unit's register of the week (a draft, or an amendment of
        the filed week until its due time)."""
        await self._check_can_file(actor, unit_id)
        await self._editable(unit_id, week)
        self._checked(draft, week)
        await self._owner_person(unit_id, draft.owner_person_id)
        row = _new_row(
            NewRisk(draft), unit_id=unit_id, week=week, actor=actor, now=self.clock.now()
        )
        return await self._write(actor, row, change="added")

    async def _write(
        self, actor: Actor, row: RegisterRow, *, change: str, replaces: RegisterRow | None = None
    ) -> RowView:
        """Insert a row (a new one or a new version) and audit the change."""
        if replaces is not None:
            row.replaces_id = replaces.id
        self.session.add(row)
        await self.session.flush()
        await self.audit_event(
            actor,
            f"register.row_{change}",
            f"register:{row.unit_id}:{row.week}",
            {"row": row.id, "replaces": row.replaces_id, "removed": row.removed},
            at=row.created_at,
        )
        return next(
            v for v in _versions(await self._rows(row.unit_id, row.week)) if v.id == row.id
        )

    async def _latest(self, actor: Actor, row_id: int) -> tuple[RegisterRow, RowView, Week]:
        """A row the actor may change now: its newest version, of an editable week."""
        row = await self.session.get(RegisterRow, row_id)
        if row is None or row.removed:
            raise NotFound()
        await self._check_can_file(actor, row.unit_id)
        week = Week.parse(row.week)
        current = {v.id: v for v in await self._current(row.unit_id, row.week)}
        if row.id not in current:
            raise RowChanged()  # a later version exists (pressed on an old message)
        await self._editable(row.unit_id, week)
        return row, current[row.id], week

    async def row(self, actor: Actor, row_id: int) -> RowView:
        """One row as it stands, for the actor to change (NotFound, RowChanged)."""
        return (await self._latest(actor, row_id))[1]

    async def edit_row(
        self,
        actor: Actor,
        row_id: int,
        field_name: str,
        value: str,
        *,
        person_id: int | None = None,
    ) -> RowView:
        """Change one field of a row: a new version replacing it (the old one is kept).
        `person_id`: the owner picked from the unit's people."""
        row, view, week = await self._latest(actor, row_id)
        if field_name not in EDITABLE:
            raise InvalidInput("register-error-field", value=field_name)
        new = _copy(row, actor=actor, now=self.clock.now())
        if field_name == "deadline":
            day = parse_date(value)
            if day is None:
                raise InvalidInput("register-error-deadline", value=value)
            new.deadline = day
        elif field_name == "note":
            note = value.strip() or None
            problem = self._check_update(row.status, note)
            if problem is not None:
                raise InvalidInput(problem, limit=LIMITS["note"])
            new.note = note
        elif field_name == "owner":
            new.owner = value.strip()
            new.owner_person_id = await self._owner_person(row.unit_id, person_id)
        else:
            setattr(new, field_name, value.strip())
        if view.carried_from_id is None:
            self._checked(
                RowDraft(new.category, new.risk, new.measure, new.owner, new.deadline), week
            )
        elif field_name == "owner" and (not new.owner or len(new.owner) > LIMITS["owner"]):
            raise InvalidInput("register-error-too-long", limit=LIMITS["owner"])
        if all(getattr(new, f) == getattr(row, f) for f in (*EDITABLE, "owner_person_id")):
            raise RowUnchanged()
        return await self._write(actor, new, change="changed", replaces=row)

    async def delete_row(self, actor: Actor, row_id: int) -> Week:
        """Take out a new row entered by mistake, or in an amendment a filed one: a new
        version marked removed (every change is kept); returns its week."""
        row, view, week = await self._latest(actor, row_id)
        if view.carried_from_id is not None:
            raise NotFound()  # a carried-over risk is updated, never taken out
        new = _copy(row, actor=actor, now=self.clock.now())
        new.removed = True
        await self._write(actor, new, change="removed", replaces=row)
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
        """Mark a carried-over row resolved, or still open with a note, for this week (a
        second update is a new version of the first)."""
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
        existing = next(
            (
                r
                for r in await self._current(unit_id, week.key)
                if r.carried_from_id == previous_id
            ),
            None,
        )
        now = self.clock.now()
        if existing is not None:
            old = await self.session.get(RegisterRow, existing.id)
            assert old is not None
            if (old.status, old.note) == (status, note):
                raise RowUnchanged()
            new = _copy(old, actor=actor, now=now)
            new.status, new.note = status, note
            return await self._write(actor, new, change="changed", replaces=old)
        source = await self.session.get(RegisterRow, previous.id)
        assert source is not None
        return await self._write(
            actor, self._carried(source, week, status, note, actor), change="added"
        )

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
        """A row carried over from last week's `previous`: its content with this week's
        status and note, linked to it."""
        row = _copy(previous, actor=actor, now=self.clock.now())
        row.week, row.status, row.note = week.key, status, note
        row.carried_from_id = previous.id
        return row

    async def file(
        self,
        actor: Actor,
        unit_id: int,
        week: Week,
        *,
        no_new_risks: bool,
        source: str = "bot",
    ) -> Filing:
        """File the week's register: every carried-over row updated; closes the task.
        A filed week is amended the same way until its due time: a new version of the
        filing, which then counts."""
        await self._check_can_file(actor, unit_id)
        await self._editable(unit_id, week)
        filing = await self._filing(unit_id, week)
        view = await self._week(unit_id, week, amend=True)
        if view.carry_pending:
            raise CarryPending(count=view.carry_pending)
        current = [*view.new_rows, *(c.update for c in view.carried if c.update)]
        if filing is not None:
            if not await self._changed(filing, current):
                raise NothingAmended(week=week.key)
            no_new_risks = not view.new_rows
        elif no_new_risks and view.new_rows:
            raise HasNewRows(count=len(view.new_rows))
        elif not no_new_risks and not view.new_rows:
            raise NothingNew()
        return await self._file(
            actor,
            unit_id,
            week,
            no_new_risks=no_new_risks,
            row_ids=sorted(r.id for r in current),
            source=source,
            previous=filing,
        )

    async def _file(
        self,
        actor: Actor,
        unit_id: int,
        week: Week,
        *,
        no_new_risks: bool,
        row_ids: list[int],
        source: str,
        previous: RegisterFiling | None = None,
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
            rows=len(row_ids),
            source=source,
            version=previous.version + 1 if previous is not None else 1,
            row_ids=row_ids,
        )
        self.session.add(filing)
        if previous is None:
            in_unit = select(Person.id).where(Person.unit_id == unit_id)
            campaign_ids = select(Campaign.id).where(
                Campaign.kind == KIND.name, Campaign.ref_key == week.key
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
        await self.audit_event(
            actor,
            "register.filed" if previous is None else "register.amended",
            f"register:{unit_id}:{week.key}",
            {
                "filing": filing.id,
                "version": filing.version,
                "late": filing.late,
                "rows": filing.rows,
                "row_ids": row_ids,
                "no_new_risks": no_new_risks,
                "source": source,
                **({"amends": previous.id} if previous is not None else {}),
            },
            at=now,
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
                rows = await self._filed_rows(filing)
            else:
                rows = await self.carry_candidates(uid, week)
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
                    aged.append(AgedRisk(names.get(uid, "?"), r, weeks))
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

    async def _current_rows(self, week: Week) -> dict[int, list[RowView]]:
        """Each unit's rows of its latest filed week up to `week`, as last filed: its
        register as it stands."""
        latest = (
            select(RegisterFiling.unit_id, func.max(RegisterFiling.week).label("week"))
            .where(RegisterFiling.week <= week.key)
            .group_by(RegisterFiling.unit_id)
            .subquery()
        )
        filings = await self.session.execute(
            select(RegisterFiling)
            .join(
                latest,
                (latest.c.unit_id == RegisterFiling.unit_id)
                & (latest.c.week == RegisterFiling.week),
            )
            .order_by(RegisterFiling.unit_id, RegisterFiling.version)
        )
        newest = {f.unit_id: f for f in filings.scalars()}  # the last version wins
        return {uid: await self._filed_rows(f) for uid, f in newest.items()}

    async def export(self, actor: Actor, week: Week, path: Path, t: Translator) -> int:
        """Write the register of all units: a summary sheet, then one sheet per unit."""
        summary = await self.summary(actor, week)
        write_export(
            path,
            summary,
            t=t,
            categories=self.categories(),
            now=self.clock.now(),
            aged_weeks=AGED_WEEKS,
        )
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
        drafts = await self._current(target.id, week.key)
        if drafts:
            raise InvalidInput("register-import-drafts", count=len(drafts), week=week.key)
        vocabulary = words(self.notifier.catalog, self.settings.tz, self.categories())
        table = read_sheet(path, target.name, vocabulary)
        candidates = {r.id: r for r in await self.carry_candidates(target.id, week)}
        checked = check_sheet(
            table,
            vocabulary,
            candidates,
            week,
            check_draft=self.check_draft,
            note_limit=LIMITS["note"],
        )
        report.problems = checked.problems
        report.rows = len(checked.new) + len(checked.carried)
        report.carried = len(checked.carried)
        if report.errors:
            return report
        now = self.clock.now()
        written = [
            _new_row(new, unit_id=target.id, week=week, actor=actor, now=now)
            for new in checked.new
        ]
        for previous_id, (status, note) in checked.carried.items():
            source = await self.session.get(RegisterRow, candidates[previous_id].id)
            assert source is not None
            written.append(self._carried(source, week, status, note, actor))
        self.session.add_all(written)
        await self.session.flush()
        report.filing = await self._file(
            actor,
            target.id,
            week,
            no_new_risks=not checked.new,
            row_ids=sorted(r.id for r in written),
            source="import",
        )
        return report
