"""Leave (请销假): who is away from when to when, and what the deadline engine does about it.

Office staff set and end anybody's leave; a unit leader those of the people of his unit and
the units under it (the same rule in the chat, the console, the CLI and a 请销假 sheet).
While a leave runs the engine's tick leaves that person's reminders and escalations
waiting (`storage.leave.waiting` in its selection); when it ends, the tick gives each open
task back the time it had left when the leave began, at least `MUSTER_LEAVE_MIN_DAYS`, and
tells the person what is due (`give_back_time`). A task given during the leave starts its
clock on return. Overlapping and back-to-back leaves count as one absence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from bot.actor import Actor
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.notify import PRIORITY_URGENT, open_button
from bot.policy import Policy
from bot.services.tasks import CampaignTitled, TaskUser
from bot.sheets.reader import Problem
from bot.text import html_join
from storage import outbox
from storage import people as repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    Person,
    PersonStatus,
    Role,
    Unit,
)
from storage.models_leave import LeaveCategory, PersonLeave

MAX_DAYS = 3 * 366  # one leave; a longer absence is entered as several
NOTE_MAX = 200
BACK_BUTTONS = 5  # tasks with an open button in the welcome-back message
CATEGORIES = tuple(c.value for c in LeaveCategory)


class NotOnLeave(InvalidInput, key="leave-error-not-on-leave"): ...


@dataclass(frozen=True, slots=True)
class LeaveView:
    id: int
    employee_no: str
    name: str
    unit: str
    category: str
    starts_at: datetime
    ends_at: datetime
    note: str | None
    set_by: str
    ended_by: str | None

    def state(self, now: datetime) -> str:
        """upcoming | current | over | cancelled (ended before it began)."""
        if self.ends_at <= self.starts_at:
            return "cancelled"
        if self.ends_at <= now:
            return "over"
        return "current" if self.starts_at <= now else "upcoming"


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of a 请销假 sheet, as read (bot/leave_sheet.py)."""

    row: int
    employee_no: str
    name: str
    category: str
    first_day: date | None
    last_day: date | None
    note: str


class SheetRefused(InvalidInput, key="leave-sheet-refused"):
    """Some rows of a sheet are wrong: nothing of it was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(count=len(problems))
        self.problems = problems


def first_midnight(day: date, tz: Any) -> datetime:
    """The local midnight a day starts at."""
    return datetime.combine(day, time(0), tzinfo=tz)


def last_day(ends_at: datetime, tz: Any) -> date:
    """The last local day a leave covers (it ends at the midnight after it, or earlier when
    ended early)."""
    return (ends_at - timedelta(microseconds=1)).astimezone(tz).date()


def spells(leaves: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Leaves as absences: overlapping and back-to-back leaves merged, empty ones dropped,
    in time order."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(leaves):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def given_back(
    due_at: datetime,
    created_at: datetime,
    absences: Sequence[tuple[datetime, datetime]],
    minimum: timedelta,
) -> datetime:
    """A task's deadline after the absences: at each return it has the time it had left
    when the absence began (from when it was given, if that was during the absence), and
    at least `minimum`. Absences that ended before the task was given change nothing."""
    for start, end in absences:
        if created_at >= end:
            continue
        due_at = end + max(due_at - max(start, created_at), minimum)
    return due_at


class LeaveService(TaskUser):
    # --- who may -------------------------------------------------------------------

    async def _person(self, employee_no: str) -> Person:
        person = await repo.person_by_employee_no(self.session, employee_no.strip())
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        return person

    async def _leader_units(self, actor: Actor) -> list[int] | None:
        """The units whose people the actor may put on leave; None: every unit."""
        if actor.has_role(Role.OFFICE):
            return None
        me = actor.person
        if me is None or not me.has_role(Role.LEADER):
            raise NotAllowed()
        return await self.tasks.unit_ids([me.unit.name])

    async def _check(self, actor: Actor, person: Person) -> None:
        """Office staff: anybody; a unit leader: the people of his unit and those below."""
        units = await self._leader_units(actor)
        if units is not None and person.unit_id not in units:
            raise NotAllowed()

    async def may_manage(self, actor: Actor, employee_no: str) -> bool:
        """Whether the actor may set and end this person's leave (the console's form)."""
        try:
            await self._check(actor, await self._person(employee_no))
        except (NotAllowed, NotFound):
            return False
        return True

    # --- set, end, list ---------------------------------------------------------------

    def _validate(
        self, category: str, first: date | None, last: date | None, note: str | None
    ) -> tuple[str, date, date, str | None]:
        category = category.strip().lower()
        if category not in CATEGORIES:
            raise InvalidInput(
                "leave-error-category", category=category or "-", known=", ".join(CATEGORIES)
            )
        if first is None or last is None:
            raise InvalidInput("leave-error-dates")
        if last < first:
            raise InvalidInput("leave-error-order", first=first.isoformat(), last=last.isoformat())
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput("leave-error-too-long", days=MAX_DAYS)
        note = " ".join((note or "").split()) or None
        if note is not None and len(note) > NOTE_MAX:
            raise InvalidInput("leave-error-note", max=NOTE_MAX)
        return category, first, last, note

    async def set(
        self,
        actor: Actor,
        employee_no: str,
        *,
        category: str,
        first_day: date | None,
        last_day: date | None,
        note: str | None = None,
    ) -> LeaveView:
        """Record a leave from the first to the last local day, both included (audited)."""
        category, first, last, note = self._validate(category, first_day, last_day, note)
        person = await self._person(employee_no)
        await self._check(actor, person)
        if person.status != PersonStatus.ACTIVE:
            raise InvalidInput("leave-error-left", name=person.name)
        tz = self.settings.tz
        now = self.clock.now()
        leave = PersonLeave(
            person_id=person.id,
            category=category,
            starts_at=first_midnight(first, tz),
            ends_at=first_midnight(last + timedelta(days=1), tz),
            note=note,
            set_by=actor.label,
            set_at=now,
        )
        self.session.add(leave)
        await self.session.flush()
        await self.audit_event(
            actor,
            "leave.set",
            f"person:{person.employee_no}",
            {
                "leave": leave.id,
                "category": category,
                "first_day": first.isoformat(),
                "last_day": last.isoformat(),
                "note": note,
            },
            at=now,
        )
        return _view(leave, person)

    async def end(self, actor: Actor, employee_no: str) -> list[LeaveView]:
        """The person is back now: every leave running now ends now (the next tick gives
        the time back). Not on leave: the next leave that has not begun is cancelled."""
        person = await self._person(employee_no)
        await self._check(actor, person)
        now = self.clock.now()
        rows = (
            (
                await self.session.execute(
                    select(PersonLeave)
                    .where(
                        PersonLeave.person_id == person.id,
                        PersonLeave.ends_at > now,
                        PersonLeave.ends_at > PersonLeave.starts_at,
                    )
                    .order_by(PersonLeave.starts_at, PersonLeave.id)
                )
            )
            .scalars()
            .all()
        )
        running = [r for r in rows if r.starts_at <= now]
        ended = running or rows[:1]
        if not ended:
            raise NotOnLeave(name=person.name)
        for leave in ended:
            leave.ends_at = now if leave.starts_at <= now else leave.starts_at
            leave.ended_by = actor.label
            leave.ended_at = now
            if leave.starts_at > now:
                leave.restored_at = now  # cancelled before it began: nothing to give back
        await self.session.flush()
        await self.audit_event(
            actor,
            "leave.ended" if running else "leave.cancelled",
            f"person:{person.employee_no}",
            {"leaves": [r.id for r in ended]},
            at=now,
        )
        return [_view(r, person) for r in ended]

    async def listing(
        self, actor: Actor, *, unit: str | None = None, include_past: bool = False
    ) -> list[LeaveView]:
        """Leaves running or to come (with `include_past`, all), by unit and name: office
        staff every unit's, a unit leader his units'."""
        units = await self._leader_units(actor)
        query = (
            select(PersonLeave, Person)
            .join(Person, Person.id == PersonLeave.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(PersonLeave.ends_at > PersonLeave.starts_at)
            .order_by(Unit.name, Person.name, PersonLeave.starts_at)
        )
        if not include_past:
            query = query.where(PersonLeave.ends_at > self.clock.now())
        if units is not None:
            query = query.where(Person.unit_id.in_(units))
        if unit is not None:
            query = query.where(Person.unit_id.in_(await self.tasks.unit_ids([unit])))
        return [_view(leave, person) for leave, person in (await self.session.execute(query))]

    async def of_person(self, person: Person) -> list[LeaveView]:
        """One person's leaves, newest first (callers have checked who may see the person:
        the console's person page)."""
        rows = await self.session.execute(
            select(PersonLeave)
            .where(PersonLeave.person_id == person.id)
            .order_by(PersonLeave.starts_at.desc(), PersonLeave.id.desc())
        )
        return [_view(leave, person) for leave in rows.scalars()]

    async def import_rows(self, actor: Actor, rows: Sequence[SheetRow]) -> list[LeaveView]:
        """Every row of a 请销假 sheet as a leave, or none: each wrong row is named
        (SheetRefused); the caller's transaction then writes nothing."""
        problems: list[Problem] = []
        done: list[LeaveView] = []
        for r in rows:
            try:
                if r.name:
                    person = await self._person(r.employee_no)
                    if "".join(person.name.split()) != "".join(r.name.split()):
                        raise InvalidInput(
                            "leave-error-name", employee_no=r.employee_no, name=person.name
                        )
                done.append(
                    await self.set(
                        actor,
                        r.employee_no,
                        category=category_of(r.category),
                        first_day=r.first_day,
                        last_day=r.last_day,
                        note=r.note,
                    )
                )
            except (InvalidInput, NotFound, NotAllowed) as exc:
                problems.append(Problem(r.row, None, exc.key, dict(exc.args_)))
        if problems:
            raise SheetRefused(problems)
        return done

    # --- the tick: giving the time back -------------------------------------------------

    async def give_back_time(self) -> int:
        """For every person whose absence ended: each open task gets the time it had left
        when the absence began (at least the minimum), its reminders start over from there,
        and the person is told what is due. The number of people back. The caller commits.

        The rows are claimed (SKIP LOCKED on PostgreSQL) and marked restored in the same
        transaction, so two ticks never give the same time twice; until then the engine's
        selection keeps leaving the person's tasks alone. Everyone back in one tick is
        handled together: one read of their tasks, one batched update, one audit event,
        one batch of messages (a county's leaves mostly end at the same midnight)."""
        now = self.clock.now()
        query = (
            select(PersonLeave)
            .where(PersonLeave.restored_at.is_(None), PersonLeave.ends_at <= now)
            .order_by(PersonLeave.person_id, PersonLeave.starts_at)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ended = list((await self.session.execute(query)).scalars())
        if not ended:
            return 0
        ids = sorted({leave.person_id for leave in ended})
        still_away = set(
            (
                await self.session.execute(
                    select(PersonLeave.person_id).where(
                        PersonLeave.person_id.in_(ids),
                        PersonLeave.restored_at.is_(None),
                        PersonLeave.starts_at <= now,
                        PersonLeave.ends_at > now,
                    )
                )
            ).scalars()
        )
        absences: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        leave_ids: dict[int, list[int]] = defaultdict(list)
        for leave in ended:
            if leave.person_id in still_away:  # the absence goes on: later, as one
                continue
            leave.restored_at = now
            absences[leave.person_id].append((leave.starts_at, leave.ends_at))
            leave_ids[leave.person_id].append(leave.id)
        back = {pid: merged for pid, spans in absences.items() if (merged := spells(spans))}
        if back:
            await self._back(back, leave_ids)
        await self.session.flush()
        return len(back)

    async def _back(
        self,
        absences: dict[int, list[tuple[datetime, datetime]]],
        leave_ids: dict[int, list[int]],
    ) -> None:
        now = self.clock.now()
        minimum = timedelta(days=self.settings.leave_min_days)
        rows = (
            await self.session.execute(
                select(
                    Assignment.id,
                    Assignment.person_id,
                    Assignment.due_at,
                    Assignment.created_at,
                    Campaign.kind,
                    Campaign.titles,
                    Campaign.ref_key,
                    Campaign.policy,
                )
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(
                    Assignment.person_id.in_(list(absences)),
                    Assignment.status == AssignmentStatus.OPEN,
                    Assignment.due_at.is_not(None),
                )
                .order_by(Assignment.person_id, Assignment.due_at, Assignment.id)
            )
        ).all()
        moved: dict[int, list[Moved]] = defaultdict(list)
        updates: list[dict[str, Any]] = []
        for r in rows:
            due = given_back(r.due_at, r.created_at, absences[r.person_id], minimum)
            stage, next_at = self.tasks.first_action(Policy.from_json(r.policy), due, now)
            moved[r.person_id].append(
                Moved(r.id, r.due_at, due, kind=r.kind, ref_key=r.ref_key, titles=r.titles)
            )
            updates.append({"b_id": r.id, "b_due": due, "b_stage": stage, "b_next": next_at})
        if updates:
            table = cast(Table, Assignment.__table__)
            await self.session.execute(
                table.update()
                .where(table.c.id == bindparam("b_id"))
                .values(
                    due_at=bindparam("b_due"),
                    stage=bindparam("b_stage"),
                    next_action_at=bindparam("b_next"),
                    level=0,
                    delay_s=0,
                ),
                updates,
            )
        people = {
            p.id: p
            for p in await self.session.execute(
                select(Person.id, Person.employee_no, Person.locale, Person.status).where(
                    Person.id.in_(list(absences))
                )
            )
        }
        numbers = ",".join(sorted(people[pid].employee_no for pid in absences))
        await self.audit_event(
            "engine:leave",
            "leave.returned",
            f"people:{numbers}"[:200],
            {
                people[pid].employee_no: {
                    "leaves": leave_ids[pid],
                    "absences": [[s.isoformat(), e.isoformat()] for s, e in spans],
                    "tasks": [[m.id, m.old.isoformat(), m.new.isoformat()] for m in moved[pid]],
                }
                for pid, spans in absences.items()
            },
            at=now,
        )
        told = [pid for pid in moved if people[pid].status == PersonStatus.ACTIVE]
        await self._tell([people[pid] for pid in told], moved, leave_ids)

    async def _tell(
        self, people: list[Any], moved: dict[int, list[Moved]], leave_ids: dict[int, list[int]]
    ) -> None:
        """The welcome back: every open task with its new deadline, buttons to open them;
        one message per person, queued together."""
        if not people:
            return
        now = self.clock.now()
        accounts = await outbox.accounts_for(self.session, [p.id for p in people])
        send_at = self.notifier.not_before(now)
        rows = []
        for person in people:
            t = self.notifier.t(person.locale)
            tasks = moved[person.id]
            lines = html_join(
                t("leave-back-line", title=m.title(t.locale), due=t.time(m.new)) for m in tasks
            )
            buttons = [
                [button]
                for m in tasks[:BACK_BUTTONS]
                if (button := open_button(t, m.kind, m.id)) is not None
            ]
            rows.append(
                outbox.row_for(
                    outbox.Outgoing(
                        kind="leave.back",
                        ref=f"person:{person.id}",
                        text=t("leave-back", count=len(tasks), lines=lines),
                        buttons=buttons,
                        not_before=send_at,
                        now=now,
                        priority=PRIORITY_URGENT,
                    ),
                    person_id=person.id,
                    account=accounts.get(person.id),
                    dedupe_key=f"leave-back:{leave_ids[person.id][-1]}",
                )
            )
        await outbox.enqueue(self.session, rows)


@dataclass(frozen=True, slots=True)
class Moved(CampaignTitled):
    """An open task whose deadline a return from leave moved."""

    id: int
    old: datetime
    new: datetime


def category_of(text: str) -> str:
    """A category as typed in a sheet or a form: its key, or a Chinese or English word."""
    word = "".join(text.split()).casefold()
    return CATEGORY_WORDS.get(word, word)


# Words for the categories in 请销假 sheets (the locales' labels are accepted too, through
# bot.leave_sheet, which reads them per language).
CATEGORY_WORDS = {
    "年假": "annual",
    "年休假": "annual",
    "休假": "annual",
    "病假": "sick",
    "产假": "parental",
    "陪产假": "parental",
    "育儿假": "parental",
    "产假/陪产假": "parental",
    "maternity": "parental",
    "paternity": "parental",
    "工伤": "injury",
    "工伤假": "injury",
    "学习": "study",
    "培训": "study",
    "学习培训": "study",
    "借调": "secondment",
    "其他": "other",
    "其它": "other",
    "annualleave": "annual",
    "sickleave": "sick",
    "parentalleave": "parental",
    "maternity/paternityleave": "parental",
    "injuryleave": "injury",
    "studyleave": "study",
}


def _view(leave: PersonLeave, person: Person) -> LeaveView:
    return LeaveView(
        id=leave.id,
        employee_no=person.employee_no,
        name=person.name,
        unit=person.unit.name,
        category=leave.category,
        starts_at=leave.starts_at,
        ends_at=leave.ends_at,
        note=leave.note,
        set_by=leave.set_by,
        ended_by=leave.ended_by,
    )
