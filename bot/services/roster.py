"""Import and export the roster: people, units, roles and mentor/leader bindings.

An import is all or nothing: every row is checked first, and with any error nothing is
written. Work is done in bulk (a few queries to load, executemany to write) so a
60,000-row roster imports in one go. Unchanged rows write nothing, not even an audit
event; a changed person writes one `person.updated` event with before/after, a changed
binding one `binding.changed` event, and the import one `roster.imported` summary.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, text, update

from bot import roster_io
from bot.actor import Actor
from bot.errors import InvalidInput
from bot.roster_io import Checked, Record
from bot.services.base import Service
from bot.services.pledges import LetterState, PledgeService
from bot.sheets.reader import Problem
from bot.text import normalize_input
from storage.db import IMMEDIATE
from storage.models import Binding, Person, PersonRole, PersonStatus, Role, Unit
from storage.models_roster import RosterFiling, RosterPost

IMPORT_LOCK = 0x6D75_7374_0017  # pg_advisory_xact_lock key: one roster import at a time
MAX_QUOTA = 100_000
CHUNK = 500  # ids per IN (...) list, well under SQLite's and asyncpg's parameter limits
PERSON_FIELDS = ("name", "gender", "age", "post", "post_duties", "note", "wecom_userid")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PersonUpdate:
    employee_no: str
    name: str
    changes: dict[str, tuple[Any, Any]]  # field -> (before, after)


@dataclass(frozen=True, slots=True)
class BindingChange:
    """`before` None: a first binding; `after` None: the binding is closed."""

    employee_no: str
    name: str
    before: tuple[str | None, str | None] | None  # (mentor, leader) as 王民警(M001)
    after: tuple[str | None, str | None] | None


class FilingKind(StrEnum):
    MENTOR = "mentor"
    LEADER = "leader"
    POST = "post"


@dataclass(frozen=True, slots=True)
class Filing:
    """One change of mentor officer or post as filed with the office (备案)."""

    at: datetime
    by: str
    kind: FilingKind
    before: str | None
    after: str | None
    source: str
    employee_no: str
    name: str
    unit: str
    # a new mentor officer or leader: where he stands with the responsibility letter
    letter: LetterState | None = None


@dataclass(frozen=True, slots=True)
class Headcount:
    """A unit's active auxiliaries against its approved headcount (员额, None: not set)."""

    unit: str
    headcount: int
    quota: int | None

    @property
    def over(self) -> bool:
        return self.quota is not None and self.headcount > self.quota


@dataclass(frozen=True, slots=True)
class FormExport:
    people: int
    sheets: int


@dataclass(slots=True)
class ImportReport:
    path: str
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)  # employee numbers
    updated: list[PersonUpdate] = field(default_factory=list)
    unchanged: int = 0
    reactivated: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    binding_changes: list[BindingChange] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (employee_no, name)
    marked_left: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (unit, name, roles) of officers created from the table's names, 警号 missing
    officers_created: list[tuple[str, str, frozenset[Role]]] = field(default_factory=list)
    numbers_completed: list[tuple[str, str]] = field(default_factory=list)  # (name, 警号)
    posts_added: list[tuple[str, str]] = field(default_factory=list)  # (岗位名称, 岗位职责)
    filings: int = 0  # change filings (备案) recorded
    letters_given: int = 0  # successors given the responsibility letter

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors and self.has_changes

    @property
    def has_changes(self) -> bool:
        return bool(
            self.created
            or self.officers_created
            or self.updated
            or self.posts_added
            or self.units_created
            or self.binding_changes
            or self.marked_left
        )


@dataclass(slots=True)
class _Person:
    id: int
    employee_no: str
    name: str
    gender: str | None
    age: int | None
    unit_id: int
    post: str | None
    post_duties: str | None
    note: str | None
    wecom_userid: str | None
    status: str
    employee_no_missing: bool = False
    roles: frozenset[Role] = frozenset()


@dataclass(slots=True)
class _State:
    """The roster part of the database, loaded in four queries."""

    units: dict[int, tuple[str, int | None]]  # id -> (name, parent id)
    unit_ids: dict[str, int]
    people: dict[str, _Person]  # by employee number
    by_id: dict[int, _Person]
    bindings: dict[int, tuple[int, int | None, int | None]]  # auxiliary -> (row, mentor, leader)
    quotas: dict[int, int] = field(default_factory=dict)  # unit id -> 员额

    def directory(self) -> roster_io.Directory:
        return roster_io.Directory(
            people={
                no: roster_io.Known(
                    no,
                    p.name,
                    p.roles,
                    p.status == PersonStatus.ACTIVE,
                    unit=self.units[p.unit_id][0],
                    missing_no=p.employee_no_missing,
                )
                for no, p in self.people.items()
            },
            units={
                name: (self.units[parent][0] if parent is not None else None)
                for name, parent in self.units.values()
            },
        )

    def unit_path(self, unit_id: int) -> str:
        parts: list[str] = []
        current: int | None = unit_id
        while current is not None and len(parts) < 20:
            name, current = self.units[current]
            parts.append(name)
        return "/".join(reversed(parts))

    def subtree(self, unit_id: int) -> set[int]:
        """The unit and every unit under it."""
        children: dict[int | None, list[int]] = {}
        for uid, (_, parent) in self.units.items():
            children.setdefault(parent, []).append(uid)
        found: set[int] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(children.get(current, []))
        return found

    def root_names(self, unit_ids: Sequence[int]) -> list[str]:
        """The top units the given units hang under, by name."""
        roots: set[str] = set()
        for uid in unit_ids:
            current: int | None = uid
            name = ""
            while current is not None:
                name, current = self.units[current]
            roots.add(name)
        return sorted(roots)

    def current_refs(self, person_id: int) -> tuple[str | None, str | None] | None:
        binding = self.bindings.get(person_id)
        if binding is None:
            return None
        _, mentor, leader = binding
        return (
            self.by_id[mentor].employee_no if mentor is not None else None,
            self.by_id[leader].employee_no if leader is not None else None,
        )


@dataclass(slots=True)
class _Plan:
    """What an import would write, worked out before anything is written."""

    creates: list[Record] = field(default_factory=list)
    updates: list[tuple[_Person, Record, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    bindings: list[tuple[str, tuple[str | None, str | None] | None]] = field(
        default_factory=list
    )  # (auxiliary, new (mentor, leader) or None to close)
    leave: list[_Person] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class RosterService(Service):
    pledges: PledgeService | None = None  # gives a successor the responsibility letter (issue 21)

    async def import_file(
        self,
        actor: Actor,
        path: Path | str,
        *,
        dry_run: bool = False,
        mark_missing_left: bool = False,
        units_must_exist: bool = False,
        allow_unbound: bool = False,
        new_posts: bool = False,
        name: str | None = None,
    ) -> ImportReport:
        """Check a roster file and, unless dry_run or any row is bad, apply it. `name`: the
        file's name as its sender knows it (an upload is stored under another).

        Imports are serialized: on PostgreSQL by an advisory transaction lock taken before
        the roster is read, on SQLite by the write lock of the session (BEGIN IMMEDIATE), so
        a second import waits and then sees the first one's people."""
        actor.require(Role.OFFICE)
        path = Path(path)
        # Parsing 60k rows takes a second or two; keep the event loop free meanwhile.
        tables = await asyncio.to_thread(roster_io.load_all, path)
        await self._lock()
        state = await self._load()
        checked = roster_io.check(
            tables,
            state.directory(),
            units_must_exist=units_must_exist,
            mark_missing_left=mark_missing_left,
            allow_unbound=allow_unbound,
        )
        report = ImportReport(
            path=Path(name).name if name else str(path),
            dry_run=dry_run,
            rows=roster_io.data_rows(tables),
            problems=checked.problems,
        )
        report.problems.extend(await self._check_posts(checked, state, report, new_posts))
        if report.errors:
            report.problems.sort(key=lambda p: p.warning)
            return report
        plan = self._plan(checked, state, report, mark_missing_left=mark_missing_left)
        if not dry_run and report.has_changes:
            await self._apply(actor, plan, checked, state, report, sha256=tables[0].sha256)
        return report

    async def set_quota(self, actor: Actor, unit: str, quota: int | None) -> Headcount:
        """Set (or with None clear) a unit's approved headcount of auxiliaries."""
        actor.require(Role.OFFICE)
        if quota is not None and not 0 <= quota <= MAX_QUOTA:
            raise InvalidInput("roster-quota-bad", value=str(quota), max=MAX_QUOTA)
        row = await self.session.scalar(select(Unit).where(Unit.name == normalize_input(unit)))
        if row is None:
            raise InvalidInput("roster-quota-unknown-unit", unit=unit)
        before = row.quota
        if before == quota:  # already so: nothing changes, nothing to record
            return next(h for h in await self.headcounts(actor) if h.unit == row.name)
        row.quota = quota
        await self.session.flush()
        await self.audit_event(
            actor,
            "unit.quota_set",
            f"unit:{row.name}",
            {"quota": [before, quota]},
        )
        return next(h for h in await self.headcounts(actor) if h.unit == row.name)

    async def headcounts(self, actor: Actor) -> list[Headcount]:
        """Every unit with auxiliaries or a quota: active auxiliaries against 员额."""
        actor.require(Role.OFFICE)
        counts: dict[int, int] = {
            unit_id: number
            for unit_id, number in await self.session.execute(
                select(Person.unit_id, func.count())
                .join(PersonRole, PersonRole.person_id == Person.id)
                .where(
                    Person.status == PersonStatus.ACTIVE.value,
                    PersonRole.role == Role.AUXILIARY.value,
                )
                .group_by(Person.unit_id)
            )
        }
        units = await self.session.execute(select(Unit.id, Unit.name, Unit.quota))
        return sorted(
            (
                Headcount(name, counts.get(uid, 0), quota)
                for uid, name, quota in units
                if quota is not None or counts.get(uid)
            ),
            key=lambda h: h.unit,
        )

    async def posts(self, actor: Actor) -> list[tuple[str, str]]:
        """The post list: (岗位名称, 岗位职责) units may use."""
        actor.require(Role.OFFICE)
        rows = await self.session.execute(
            select(RosterPost.name, RosterPost.duties).order_by(RosterPost.name, RosterPost.id)
        )
        return [(name, duties) for name, duties in rows]

    async def _check_posts(
        self, checked: Checked, state: _State, report: ImportReport, new_posts: bool
    ) -> list[Problem]:
        """Auxiliaries' posts must be on the post list (严禁擅自设置辅警岗位). The first
        import starts the list; later a post not on it needs new_posts."""
        known = {
            (name, duties)
            for name, duties in await self.session.execute(
                select(RosterPost.name, RosterPost.duties)
            )
        }
        problems: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for record in checked.records:
            old = state.people.get(record.completes or record.employee_no)
            roles = record.roles if record.roles is not None else (old.roles if old else None)
            if roles is not None and Role.AUXILIARY not in roles:
                continue
            if "post" not in record.present or not record.post:
                continue
            post = (record.post, record.post_duties or "")
            if post in known:
                continue
            if known and not new_posts:
                problems.append(
                    Problem(
                        record.row,
                        roster_io.HEADERS["post"][0],
                        "roster-post-not-listed",
                        {"post": post[0]},
                        sheet=record.sheet,
                    )
                )
            elif post not in seen:
                seen.add(post)
                report.posts_added.append(post)
        return problems

    async def _lock(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite":
            if self.session.in_transaction():
                return  # the caller's transaction: it holds what lock it took
            # the session's first statement: its transaction begins with BEGIN IMMEDIATE
            await self.session.connection(execution_options={IMMEDIATE: True})
        elif self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK}
            )

    async def set_employee_no(self, actor: Actor, person_id: int, employee_no: str) -> None:
        """Give an officer created from a name (警号 missing) their employee number."""
        actor.require(Role.OFFICE)
        employee_no = normalize_input(employee_no)
        if not employee_no or len(employee_no) > roster_io.LIMITS["employee_no"]:
            raise InvalidInput("roster-form-bad-employee-no", value=employee_no)
        if employee_no.startswith(roster_io.MISSING_NO_PREFIX):
            raise InvalidInput("roster-form-bad-employee-no", value=employee_no)
        person = await self.session.get(Person, person_id)
        if person is None:
            raise InvalidInput("roster-form-no-such-person", id=str(person_id))
        if not person.employee_no_missing:
            raise InvalidInput("roster-form-has-employee-no", employee_no=person.employee_no)
        taken = await self.session.scalar(
            select(Person.id).where(Person.employee_no == employee_no)
        )
        if taken is not None:
            raise InvalidInput("roster-form-employee-no-taken", employee_no=employee_no)
        before = person.employee_no
        person.employee_no = employee_no
        person.employee_no_missing = False
        person.updated_at = self.clock.now()
        await self.session.flush()
        await self.audit_event(
            actor,
            "person.updated",
            f"person:{employee_no}",
            {"changes": {"employee_no": [before, employee_no]}},
        )

    async def export(self, actor: Actor, path: Path | str) -> int:
        """Write everyone to an .xlsx roster table; returns how many people."""
        actor.require(Role.OFFICE)
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise InvalidInput("roster-export-xlsx-only")
        state = await self._load()
        rows: list[list[Any]] = []
        for number, person in enumerate(sorted(state.by_id.values(), key=lambda p: p.id), 1):
            mentor = leader = None
            refs = state.current_refs(person.id)
            if refs is not None and Role.AUXILIARY in person.roles:
                mentor, leader = (
                    roster_io.person_ref(state.people[no].name, no) if no else None for no in refs
                )
            rows.append(
                [
                    number,
                    state.unit_path(person.unit_id),
                    person.employee_no,
                    person.name,
                    person.gender,
                    person.age,
                    person.post,
                    person.post_duties,
                    roster_io.roles_label(person.roles),
                    mentor,
                    leader,
                    person.note,
                    roster_io.STATUS_LABELS[PersonStatus(person.status)],
                ]
            )
        counts = [(h.unit, h.quota, h.headcount) for h in await self.headcounts(actor)]
        await asyncio.to_thread(roster_io.write_xlsx, path, rows, counts)
        await self.audit_event(
            actor,
            "roster.exported",
            f"file:{path.name}",
            {"people": len(rows)},
        )
        return len(rows)

    async def export_form(
        self, actor: Actor, path: Path | str, *, one_sheet: bool = False, unit: str | None = None
    ) -> FormExport:
        """Write the active auxiliaries as the bureau's statistics table (统计表), one sheet
        per unit or one for all (`unit`: that unit and the units under it).

        Officers are written by name, as units fill the table in, where the name alone
        finds them again on import (an active officer of the auxiliary's own unit, the
        only one of that name there); otherwise as 王民警(M001). So a re-import of the
        file changes nothing."""
        actor.require(Role.OFFICE)
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise InvalidInput("roster-export-xlsx-only")
        state = await self._load()
        scope = None
        if unit is not None:
            unit_id = state.unit_ids.get(normalize_input(unit))
            if unit_id is None:
                raise InvalidInput("roster-quota-unknown-unit", unit=unit)
            scope = state.subtree(unit_id)
            unit = state.units[unit_id][0]
        active = [p for p in state.by_id.values() if p.status == PersonStatus.ACTIVE]
        namesakes = Counter((p.unit_id, p.name) for p in active)

        def ref(aux: _Person, person_id: int | None) -> str | None:
            if person_id is None:
                return None
            officer = state.by_id[person_id]
            by_name = (
                officer.status == PersonStatus.ACTIVE
                and officer.unit_id == aux.unit_id
                and namesakes[(aux.unit_id, officer.name)] == 1
                and officer.name not in state.people
            )
            return (
                officer.name
                if by_name
                else roster_io.person_ref(officer.name, officer.employee_no)
            )

        by_unit: dict[int, list[list[Any]]] = {}
        for aux in sorted(active, key=lambda p: p.id):
            if Role.AUXILIARY not in aux.roles or (scope is not None and aux.unit_id not in scope):
                continue
            _, mentor, leader = state.bindings.get(aux.id, (0, None, None))
            by_unit.setdefault(aux.unit_id, []).append(
                [
                    aux.name,
                    aux.gender,
                    aux.age,
                    aux.post,
                    aux.post_duties,
                    ref(aux, mentor),
                    ref(aux, leader),
                    aux.note,
                    aux.employee_no,
                    *((state.unit_path(aux.unit_id),) if one_sheet else ()),
                ]
            )
        if not by_unit:
            raise InvalidInput("roster-form-export-empty")
        order = sorted(by_unit, key=state.unit_path)
        if one_sheet:
            roots = [unit] if unit is not None else state.root_names(order)
            rows = [row for uid in order for row in by_unit[uid]]
            sheets = [roster_io.FormSheet("、".join(roots), _numbered(rows))]
        else:
            sheets = [
                roster_io.FormSheet(state.units[uid][0], _numbered(by_unit[uid])) for uid in order
            ]
        today = self.clock.now().astimezone(self.settings.tz)
        await asyncio.to_thread(
            roster_io.write_form_xlsx,
            path,
            sheets,
            f"{today.year}年{today.month}月{today.day}日",
            units=one_sheet,
        )
        people = sum(len(s.rows) for s in sheets)
        await self.audit_event(
            actor,
            "roster.exported",
            f"file:{path.name}",
            {"people": people, "form": True, "sheets": len(sheets)},
        )
        return FormExport(people=people, sheets=len(sheets))

    async def _load(self) -> _State:
        units: dict[int, tuple[str, int | None]] = {}
        quotas: dict[int, int] = {}
        for uid, name, parent, quota in await self.session.execute(
            select(Unit.id, Unit.name, Unit.parent_id, Unit.quota)
        ):
            units[uid] = (name, parent)
            if quota is not None:
                quotas[uid] = quota
        people: dict[str, _Person] = {}
        by_id: dict[int, _Person] = {}
        rows = await self.session.execute(
            select(
                Person.id,
                Person.employee_no,
                Person.name,
                Person.gender,
                Person.age,
                Person.unit_id,
                Person.post,
                Person.post_duties,
                Person.note,
                Person.wecom_userid,
                Person.status,
                Person.employee_no_missing,
            )
        )
        for row in rows:
            person = _Person(*row)
            people[person.employee_no] = person
            by_id[person.id] = person
        roles: dict[int, set[Role]] = {}
        for person_id, role in await self.session.execute(
            select(PersonRole.person_id, PersonRole.role)
        ):
            roles.setdefault(person_id, set()).add(Role(role))
        for person_id, person_roles in roles.items():
            by_id[person_id].roles = frozenset(person_roles)
        bindings = {
            aux: (bid, mentor, leader)
            for bid, aux, mentor, leader in await self.session.execute(
                select(
                    Binding.id, Binding.auxiliary_id, Binding.mentor_id, Binding.leader_id
                ).where(Binding.valid_to.is_(None))
            )
        }
        return _State(
            units=units,
            unit_ids={name: uid for uid, (name, _) in units.items()},
            people=people,
            by_id=by_id,
            bindings=bindings,
            quotas=quotas,
        )

    def _plan(
        self, checked: Checked, state: _State, report: ImportReport, *, mark_missing_left: bool
    ) -> _Plan:
        plan = _Plan()
        names = {no: p.name for no, p in state.people.items()}
        names.update((r.employee_no, r.name) for r in checked.records)
        names.update((r.employee_no, r.name) for r in checked.officers)
        renamed = {r.completes: r.employee_no for r in checked.records if r.completes}
        report.units_created = [name for name, _ in checked.new_units]
        in_file: set[str] = set(renamed)
        for officer in checked.officers:
            plan.creates.append(officer)
            report.officers_created.append(
                (officer.unit, officer.name, officer.roles or frozenset())
            )
        for record in checked.records:
            in_file.add(record.employee_no)
            in_file.update(no for no in (record.mentor, record.leader) if no)
            if record.completes:
                report.numbers_completed.append((record.name, record.employee_no))
            old = state.people.get(record.completes or record.employee_no)
            if old is None:
                plan.creates.append(record)
                report.created.append(record.employee_no)
                roles = record.roles or frozenset({Role.AUXILIARY})
                before = None
            else:
                changes = _changes(old, record, state)
                if changes:
                    plan.updates.append((old, record, changes))
                    report.updated.append(PersonUpdate(old.employee_no, record.name, changes))
                    if old.status == PersonStatus.LEFT and record.status == PersonStatus.ACTIVE:
                        report.reactivated.append(old.employee_no)
                else:
                    report.unchanged += 1
                roles = record.roles if record.roles is not None else old.roles
                before = state.current_refs(old.id)
                if before is not None and renamed:
                    before = (
                        renamed.get(before[0] or "", before[0]),
                        renamed.get(before[1] or "", before[1]),
                    )
            after = _wanted_binding(record, roles, before)
            if after != before and record.status == PersonStatus.ACTIVE:
                plan.bindings.append((record.employee_no, after))
                report.binding_changes.append(
                    BindingChange(
                        record.employee_no,
                        record.name,
                        _refs(before, names),
                        _refs(after, names),
                    )
                )
        for person in sorted(state.people.values(), key=lambda p: p.employee_no):
            if person.employee_no in in_file or person.status != PersonStatus.ACTIVE:
                continue
            report.missing.append((person.employee_no, person.name))
            if mark_missing_left:
                plan.leave.append(person)
                report.marked_left.append(person.employee_no)
        report.problems.extend(_over_quota(checked, state, plan))
        return plan

    async def _apply(
        self,
        actor: Actor,
        plan: _Plan,
        checked: Checked,
        state: _State,
        report: ImportReport,
        *,
        sha256: str,
    ) -> None:
        now = self.clock.now()
        if report.posts_added:
            await self.session.execute(
                insert(RosterPost),
                [
                    {"name": n, "duties": d, "created_at": now, "created_by": actor.label}
                    for n, d in report.posts_added
                ],
            )
        for name, parent in checked.new_units:
            unit = Unit(
                name=name, parent_id=state.unit_ids[parent] if parent else None, created_at=now
            )
            self.session.add(unit)
            await self.session.flush()
            state.unit_ids[name] = unit.id

        ids = {no: p.id for no, p in state.people.items()}
        if plan.creates:
            rows = [
                {
                    "employee_no": r.employee_no,
                    "name": r.name,
                    "gender": r.gender,
                    "age": r.age,
                    "unit_id": state.unit_ids[r.unit],
                    "post": r.post,
                    "post_duties": r.post_duties,
                    "note": r.note,
                    "wecom_userid": r.wecom_userid,
                    "status": r.status.value,
                    "employee_no_missing": r.employee_no.startswith(roster_io.MISSING_NO_PREFIX),
                    "created_at": now,
                    "updated_at": now,
                }
                for r in plan.creates
            ]
            result = await self.session.execute(
                insert(Person).returning(Person.id, Person.employee_no), rows
            )
            ids.update((no, pid) for pid, no in result)
            await self._add_roles(
                [
                    (ids[r.employee_no], role)
                    for r in plan.creates
                    for role in (r.roles or frozenset({Role.AUXILIARY}))
                ]
            )

        if plan.updates:
            await self.session.execute(
                update(Person),
                [
                    {
                        "id": old.id,
                        "name": r.name,
                        "unit_id": state.unit_ids[r.unit],
                        "status": r.status.value,
                        "updated_at": now,
                        **{f: getattr(r, f) for f in PERSON_FIELDS[1:] if f in r.present},
                        **(
                            {"employee_no": r.employee_no, "employee_no_missing": False}
                            if r.completes
                            else {}
                        ),
                    }
                    for old, r, _ in plan.updates
                ],
            )
            ids.update((r.employee_no, old.id) for old, r, _ in plan.updates if r.completes)
            added: list[tuple[int, Role]] = []
            for old, r, _ in plan.updates:
                if r.roles is None or r.roles == old.roles:
                    continue
                added.extend((old.id, role) for role in r.roles - old.roles)
                gone = old.roles - r.roles
                if gone:
                    await self.session.execute(
                        delete(PersonRole).where(
                            PersonRole.person_id == old.id,
                            PersonRole.role.in_([g.value for g in gone]),
                        )
                    )
            await self._add_roles(added)

        for chunk in _chunks([p.id for p in plan.leave]):
            await self.session.execute(
                update(Person)
                .where(Person.id.in_(chunk))
                .values(status=PersonStatus.LEFT.value, updated_at=now)
            )

        reason = f"roster import {Path(report.path).name}"[:200]
        closing = [
            state.bindings[ids[no]][0] for no, _ in plan.bindings if ids[no] in state.bindings
        ]
        for chunk in _chunks(closing):
            await self.session.execute(
                update(Binding).where(Binding.id.in_(chunk)).values(valid_to=now)
            )
        opening = [
            {
                "auxiliary_id": ids[no],
                "mentor_id": ids[after[0]] if after[0] else None,
                "leader_id": ids[after[1]] if after[1] else None,
                "valid_from": now,
                "valid_to": None,
                "changed_by": actor.label,
                "reason": reason,
            }
            for no, after in plan.bindings
            if after is not None
        ]
        if opening:
            await self.session.execute(insert(Binding), opening)

        await self._file_changes(actor, plan, ids, state, report, now)
        await self._audit(actor, plan, state, report, sha256=sha256)

    async def _file_changes(
        self,
        actor: Actor,
        plan: _Plan,
        ids: dict[str, int],
        state: _State,
        report: ImportReport,
        now: datetime,
    ) -> None:
        """A filing (备案) for each auxiliary whose mentor officer, leader or post changed;
        the new mentor or leader (the successor) is given the responsibility letter."""
        source = f"roster import {Path(report.path).name}"[:200]
        rows: list[dict[str, Any]] = []
        shown = {c.employee_no: c for c in report.binding_changes}
        for no, after in plan.bindings:
            old = state.people.get(no)
            binding = state.bindings.get(old.id) if old else None
            if binding is None:
                continue  # a first binding is no change
            labels = shown[no].before or (None, None), shown[no].after or (None, None)
            for i, kind in enumerate((FilingKind.MENTOR, FilingKind.LEADER)):
                new_no = after[i] if after else None
                successor = ids[new_no] if new_no else None
                if successor == binding[i + 1]:
                    continue  # the same person (perhaps with his number completed)
                rows.append(
                    {
                        "person_id": ids[no],
                        "kind": kind,
                        "before": labels[0][i],
                        "after": labels[1][i],
                        "successor_id": successor,
                    }
                )
        for old, record, changes in plan.updates:
            roles = record.roles if record.roles is not None else old.roles
            if Role.AUXILIARY in roles and ("post" in changes or "post_duties" in changes):
                rows.append(
                    {
                        "person_id": old.id,
                        "kind": FilingKind.POST,
                        "before": _post_label(old.post, old.post_duties),
                        "after": _post_label(record.post, record.post_duties),
                        "successor_id": None,
                    }
                )
        if rows:
            for row in rows:
                row.update(at=now, by=actor.label, source=source)
            await self.session.execute(insert(RosterFiling), rows)
        report.filings = len(rows)
        successors = [r["successor_id"] for r in rows if r["successor_id"] is not None]
        if self.pledges is not None and successors:
            report.letters_given = len(await self.pledges.give_successors(actor, successors))

    async def changes(
        self, actor: Actor, since: datetime, until: datetime | None = None
    ) -> list[Filing]:
        """The change filings (备案) since a moment (and before another), oldest first; a
        new mentor officer's or leader's with where he stands with the responsibility
        letter now."""
        actor.require(Role.OFFICE)
        query = (
            select(
                RosterFiling.at,
                RosterFiling.by,
                RosterFiling.kind,
                RosterFiling.before,
                RosterFiling.after,
                RosterFiling.source,
                Person.employee_no,
                Person.name,
                Unit.name,
                RosterFiling.successor_id,
            )
            .join(Person, Person.id == RosterFiling.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(RosterFiling.at >= since)
            .order_by(RosterFiling.at, RosterFiling.id)
        )
        if until is not None:
            query = query.where(RosterFiling.at < until)
        rows = (await self.session.execute(query)).all()
        filers = await self._names_of(row[1] for row in rows)
        successors = [row[-1] for row in rows if row[-1] is not None]
        letters = (
            await self.pledges.letter_states(actor, successors)
            if self.pledges is not None and successors
            else {}
        )
        return [
            Filing(
                at=at,
                by=filers.get(by, by),
                kind=FilingKind(kind),
                before=before,
                after=after,
                source=source,
                employee_no=no,
                name=name,
                unit=unit,
                letter=letters.get(successor) if successor is not None else None,
            )
            for at, by, kind, before, after, source, no, name, unit, successor in rows
        ]

    async def _names_of(self, labels: Iterable[str]) -> dict[str, str]:
        """ "person:O001" -> 周政工(O001), for the people among actor labels."""
        numbers = {
            label.removeprefix("person:") for label in labels if label.startswith("person:")
        }
        if not numbers:
            return {}
        rows = await self.session.execute(
            select(Person.employee_no, Person.name).where(Person.employee_no.in_(numbers))
        )
        return {f"person:{no}": roster_io.person_ref(name, no) for no, name in rows}

    async def _add_roles(self, pairs: Sequence[tuple[int, Role]]) -> None:
        if pairs:
            await self.session.execute(
                insert(PersonRole), [{"person_id": pid, "role": r.value} for pid, r in pairs]
            )

    async def _audit(
        self, actor: Actor, plan: _Plan, state: _State, report: ImportReport, *, sha256: str
    ) -> None:
        now = self.clock.now()

        async def event(kind: str, employee_no: str, payload: dict[str, Any]) -> None:
            await self.audit_event(actor, kind, f"person:{employee_no}", payload, at=now)

        for change in report.updated:
            await event(
                "person.updated",
                change.employee_no,
                {"changes": {f: list(v) for f, v in change.changes.items()}},
            )
        for person in plan.leave:
            await event("person.left", person.employee_no, {"reason": "missing from roster"})
        for no, after in plan.bindings:
            old = state.people.get(no)
            before = state.current_refs(old.id) if old else None
            if before is None:
                continue  # a first binding is listed in the import summary
            await event(
                "binding.changed",
                no,
                {
                    "mentor": [before[0], after[0] if after else None],
                    "leader": [before[1], after[1] if after else None],
                },
            )
        await self.audit_event(
            actor,
            "roster.imported",
            f"file:{Path(report.path).name}",
            {
                "sha256": sha256,
                "rows": report.rows,
                "created": report.created,
                "updated": len(report.updated),
                "unchanged": report.unchanged,
                "reactivated": report.reactivated,
                "units_created": report.units_created,
                "first_bindings": sum(1 for c in report.binding_changes if c.before is None),
                "binding_changes": sum(1 for c in report.binding_changes if c.before),
                "missing": len(report.missing),
                "marked_left": report.marked_left,
            },
            at=now,
        )


def parse_quota(raw: str) -> int | None:
    """A typed 员额: a whole number, or none / - / 无 / nothing to clear it."""
    text = normalize_input(raw)
    if text.lower() in ("", "none", "-", "无"):
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    raise InvalidInput("roster-quota-bad", value=raw, max=MAX_QUOTA)


def _numbered(rows: Sequence[list[Any]]) -> list[list[Any]]:
    """序号 1, 2, 3 … in front of each row."""
    return [[number, *row] for number, row in enumerate(rows, 1)]


def _post_label(post: str | None, duties: str | None) -> str | None:
    if not post and not duties:
        return None
    return f"{post or ''}（{duties}）" if duties else post


def _over_quota(checked: Checked, state: _State, plan: _Plan) -> list[Problem]:
    """A warning for each unit whose active auxiliaries would exceed its 员额."""
    unit_of: dict[str, str] = {}  # active auxiliaries after the import: employee_no -> unit
    for person in state.people.values():
        if Role.AUXILIARY in person.roles and person.status == PersonStatus.ACTIVE:
            unit_of[person.employee_no] = state.units[person.unit_id][0]
    for record in checked.records:
        key = record.completes or record.employee_no
        old = state.people.get(key)
        roles = record.roles if record.roles is not None else (old.roles if old else None)
        auxiliary = roles is None or Role.AUXILIARY in roles
        if auxiliary and record.status == PersonStatus.ACTIVE:
            unit_of[key] = record.unit
        else:
            unit_of.pop(key, None)
    for person in plan.leave:
        unit_of.pop(person.employee_no, None)
    counts: dict[str, int] = {}
    for unit in unit_of.values():
        counts[unit] = counts.get(unit, 0) + 1
    return [
        Problem(
            None,
            None,
            "roster-quota-over",
            {"unit": name, "quota": quota, "count": counts[name]},
            warning=True,
        )
        for name, quota in sorted((state.units[uid][0], q) for uid, q in state.quotas.items())
        if counts.get(name, 0) > quota
    ]


def _changes(old: _Person, record: Record, state: _State) -> dict[str, tuple[Any, Any]]:
    """Field -> (before, after) for what the file changes; absent columns change nothing."""
    changes: dict[str, tuple[Any, Any]] = {}
    if record.completes:
        changes["employee_no"] = (old.employee_no, record.employee_no)
    for name in PERSON_FIELDS:
        if name in record.present and getattr(old, name) != getattr(record, name):
            changes[name] = (getattr(old, name), getattr(record, name))
    old_unit = state.units[old.unit_id][0]
    if old_unit != record.unit:
        changes["unit"] = (state.unit_path(old.unit_id), record.unit)
    if record.roles is not None and record.roles != old.roles:
        changes["roles"] = (sorted(old.roles), sorted(record.roles))
    if old.status != record.status:
        changes["status"] = (old.status, record.status.value)
    return changes


def _wanted_binding(
    record: Record, roles: frozenset[Role], current: tuple[str | None, str | None] | None
) -> tuple[str | None, str | None] | None:
    """The (mentor, leader) the file asks for; None when the person needs no binding."""
    if Role.AUXILIARY not in roles:
        return None
    if "mentor" not in record.present and "leader" not in record.present:
        return current
    mentor = record.mentor if "mentor" in record.present else (current or (None, None))[0]
    leader = record.leader if "leader" in record.present else (current or (None, None))[1]
    if current is None and mentor is None and leader is None:
        return None  # nothing to record yet
    return mentor, leader


def _refs(
    pair: tuple[str | None, str | None] | None, names: dict[str, str]
) -> tuple[str | None, str | None] | None:
    if pair is None:
        return None
    mentor, leader = pair
    return (
        roster_io.display_ref(names[mentor], mentor) if mentor else None,
        roster_io.display_ref(names[leader], leader) if leader else None,
    )


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
