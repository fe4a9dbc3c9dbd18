"""Campaigns and assignments: who must do what by when. Every feature's tasks live here.

What is the same for every kind of task lives here once: publishing and republishing a
version, the audience and its sync, excuse, the ownership check, per-unit status counts and
the rows of an export. A kind (`bot.kinds.TaskKind`, its service a `KindService`) says only
what is special about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    select,
    union,
    update,
)
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement

from bot.actor import Actor
from bot.errors import DomainError, InvalidInput
from bot.i18n import title_in
from bot.kinds import KINDS, TaskKind
from bot.policy import Policy, step_time
from bot.services.base import NotifyingService
from storage import leave
from storage.db import upsert
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    Person,
    PersonRole,
    PersonStatus,
    Role,
    Unit,
)
from storage.people import LEADER, MENTOR, join_responsibles

LATE_JOINER_GRACE = timedelta(days=3)
AUDIENCE_KINDS = {"unit": "units", "role": "roles", "post": "posts", "emp": "people"}


class Superseded(DomainError):
    """A task whose version was replaced; `current_assignment` is the person's task for
    the current version (None when there is none). Features set their own `key`."""

    def __init__(self, current_assignment: int | None, /, **args: object) -> None:
        super().__init__(**args)
        self.current_assignment = current_assignment


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a campaign is for. Within a kind any value matches; across kinds all must."""

    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # employee numbers

    @classmethod
    def parse(cls, spec: str) -> Audience:
        """`all`, or `unit:NAME,role:ROLE,post:NAME,emp:NO` (comma separated)."""
        spec = spec.strip()
        if spec in ("", "all"):
            return cls()
        parts: dict[str, list[str]] = {v: [] for v in AUDIENCE_KINDS.values()}
        for item in spec.replace("，", ",").split(","):
            kind, sep, value = item.strip().partition(":")
            if not sep or kind not in AUDIENCE_KINDS or not value.strip():
                raise InvalidInput("error-bad-audience", spec=spec)
            parts[AUDIENCE_KINDS[kind]].append(value.strip())
        for role in parts["roles"]:
            if role not in set(Role):
                raise InvalidInput("error-bad-audience", spec=spec)
        return cls(**{k: tuple(v) for k, v in parts.items()})

    def narrowed_to_roles(self, roles: Sequence[str]) -> Audience:
        """Intersect with a document's audience roles."""
        if not self.roles:
            return Audience(self.units, tuple(roles), self.posts, self.people)
        keep = tuple(r for r in self.roles if r in roles)
        if not keep:
            raise InvalidInput("error-audience-empty-roles")
        return Audience(self.units, keep, self.posts, self.people)

    def to_json(self) -> dict[str, Any]:
        return {
            "units": list(self.units),
            "roles": list(self.roles),
            "posts": list(self.posts),
            "people": list(self.people),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(**{k: tuple(data.get(k, ())) for k in ("units", "roles", "posts", "people")})

    def describe(self) -> str:
        """The audience as a spec `parse` reads back: all, or unit:X,role:Y,..."""
        kinds = {v: k for k, v in AUDIENCE_KINDS.items()}
        bits = [f"{kinds[k]}:{v}" for k, vs in self.to_json().items() for v in vs]
        return ",".join(bits) or "all"


@dataclass(frozen=True, slots=True, kw_only=True)
class Titled:
    """Content with a title per locale, and its key when no title is there."""

    key: str
    titles: dict[str, Any]

    def title(self, locale: str) -> str:
        return title_in(self.titles, locale, self.key)


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignTitled:
    """A task of a campaign, titled by the campaign's titles, else its content key."""

    kind: str
    ref_key: str
    titles: dict[str, Any]

    def title(self, locale: str) -> str:
        return title_in(self.titles, locale, self.ref_key)


@dataclass(frozen=True, slots=True)
class TaskView(CampaignTitled):
    assignment_id: int
    campaign_id: int
    due_at: datetime | None
    status: str
    level: int


@dataclass(frozen=True, slots=True)
class Publication:
    """What publishing a version did."""

    campaign: Campaign
    assigned: list[int]  # new assignment ids
    replaced: int  # open assignments of older versions cancelled
    restarted: int  # of those, people who had started the old version
    rescheduled: int  # open assignments whose deadline a republish moved


@dataclass(frozen=True, slots=True)
class PublishResult(Titled):
    """A published version, as the office sees it."""

    version: int
    new_version: bool
    campaign_id: int
    assigned: int
    replaced: int  # open assignments of older versions cancelled
    hashes: dict[str, str]  # locale (or "" for a version with one hash) -> content hash
    rescheduled: int = 0  # open assignments whose deadline a republish moved
    restarted: int = 0  # of the replaced, people who had started the old version
    # a pledge that presupposes a training: that module, published with it
    prerequisite: PublishResult | None = None

    @classmethod
    def of(
        cls,
        pub: Publication,
        *,
        key: str,
        version: int,
        new_version: bool,
        titles: dict[str, str],
        hashes: dict[str, str],
    ) -> PublishResult:
        return cls(
            key=key,
            version=version,
            new_version=new_version,
            campaign_id=pub.campaign.id,
            assigned=len(pub.assigned),
            replaced=pub.replaced,
            titles=titles,
            hashes=hashes,
            rescheduled=pub.rescheduled,
            restarted=pub.restarted,
        )

    @property
    def sha256(self) -> str:
        """The version's one hash (or that of its zh_CN text)."""
        return self.hashes.get("") or self.hashes["zh_CN"]


# What a person's task is, as every status view and export shows it (`task_state`).
DONE, EXCUSED, ON_LEAVE, WAITING, OVERDUE, PENDING = (
    "done",
    "excused",
    "on_leave",  # open; the person is on leave (until `leave_until`): not overdue
    "waiting",  # open; waits for something the person must do first (the kind's `waiting`)
    "overdue",
    "pending",
)


def task_state(
    status: str,
    due_at: datetime | None,
    now: datetime,
    *,
    leave_until: datetime | None = None,
    waiting: bool = False,
) -> str:
    """done | excused | on_leave | waiting | overdue | pending (cancelled tasks are never
    shown). On leave wins over everything open: a person away is not overdue."""
    if status == AssignmentStatus.DONE:
        return DONE
    if status == AssignmentStatus.EXCUSED:
        return EXCUSED
    if leave_until is not None:
        return ON_LEAVE
    if waiting:
        return WAITING
    return OVERDUE if due_at is not None and due_at < now else PENDING


def is_overdue(
    status: str, due_at: datetime | None, now: datetime, leave_until: datetime | None
) -> bool:
    """Open, past its deadline and its person not on leave (a task waiting for training
    can be overdue too)."""
    return (
        status == AssignmentStatus.OPEN
        and leave_until is None
        and due_at is not None
        and due_at < now
    )


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One person's task of a version, for the status views."""

    status: str
    due_at: datetime | None
    name: str
    employee_no: str
    unit: str
    extra: tuple[Any, ...] = ()  # the kind's own columns
    leave_until: datetime | None = None  # the person is on leave until then
    waiting: bool = False  # the kind's `waiting`: e.g. the training a pledge presupposes

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.status, self.due_at, now, self.leave_until)

    def state(self, now: datetime) -> str:
        return task_state(
            self.status, self.due_at, now, leave_until=self.leave_until, waiting=self.waiting
        )


@dataclass(frozen=True, slots=True)
class PendingPerson:
    """Someone whose task of a version is still open."""

    unit: str
    name: str
    employee_no: str
    due_at: datetime | None
    overdue: bool
    leave_until: datetime | None  # on leave until then (not overdue)
    waiting: bool  # waiting for training

    @classmethod
    def of(cls, row: StatusRow, now: datetime) -> PendingPerson:
        return cls(
            row.unit,
            row.name,
            row.employee_no,
            row.due_at,
            row.overdue(now),
            row.leave_until,
            row.waiting,
        )


@dataclass(frozen=True, slots=True)
class UnitCounts:
    unit: str
    assigned: int = 0
    done: int = 0
    pending: int = 0  # open: on leave and waiting included
    overdue: int = 0  # open, past the deadline, not on leave
    waiting: int = 0  # open, waiting for training
    on_leave: int = 0  # open, the person on leave
    excused: int = 0  # closed as excused: neither done nor pending


@dataclass(slots=True)
class _Tally:
    assigned: int = 0
    done: int = 0
    pending: int = 0
    overdue: int = 0
    waiting: int = 0
    on_leave: int = 0
    excused: int = 0
    people: list[StatusRow] = field(default_factory=list)


U = TypeVar("U", bound=UnitCounts)
P = TypeVar("P", bound=PendingPerson)


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionStatus(Titled, Generic[U, P]):
    """A versioned kind's status (pledge, training): the latest version of one content,
    its counts per unit and the people whose task is still open."""

    version: int
    units: list[U]
    pending: list[P]


def unit_counts(rows: Sequence[StatusRow], now: datetime, cls: type[U]) -> list[U]:
    """Assigned, done, pending, overdue, waiting, on leave and excused per unit, in the
    order the rows come (assigned = done + pending + excused)."""
    tallies: dict[str, _Tally] = {}
    for r in rows:
        c = tallies.setdefault(r.unit, _Tally())
        c.assigned += 1
        if r.status == AssignmentStatus.DONE:
            c.done += 1
        elif r.status == AssignmentStatus.EXCUSED:
            c.excused += 1
        elif r.status == AssignmentStatus.OPEN:
            c.pending += 1
            c.overdue += r.overdue(now)
            c.waiting += r.waiting and r.leave_until is None
            c.on_leave += r.leave_until is not None
    return [
        cls(
            u,
            assigned=c.assigned,
            done=c.done,
            pending=c.pending,
            overdue=c.overdue,
            waiting=c.waiting,
            on_leave=c.on_leave,
            excused=c.excused,
        )
        for u, c in tallies.items()
    ]


class TaskService(NotifyingService):
    async def audience_filter(self, audience: Audience) -> ColumnElement[bool]:
        """A WHERE clause over Person for the audience (active people only)."""
        clauses: list[ColumnElement[bool]] = [Person.status == PersonStatus.ACTIVE]
        if audience.units:
            unit_ids = await self.unit_ids(audience.units)
            clauses.append(Person.unit_id.in_(unit_ids))
        if audience.roles:
            clauses.append(
                exists().where(
                    PersonRole.person_id == Person.id, PersonRole.role.in_(audience.roles)
                )
            )
        if audience.posts:
            clauses.append(Person.post.in_(audience.posts))
        if audience.people:
            clauses.append(Person.employee_no.in_(audience.people))
        return and_(*clauses)

    async def count_audience(self, audience: Audience) -> int:
        where = await self.audience_filter(audience)
        return int(
            (
                await self.session.execute(select(func.count()).select_from(Person).where(where))
            ).scalar_one()
        )

    async def unit_ids(self, names: Sequence[str]) -> list[int]:
        units = (await self.session.execute(select(Unit.id, Unit.name, Unit.parent_id))).all()
        by_name = {u.name: u.id for u in units}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise InvalidInput("error-no-such-unit", unit=missing[0])
        children: dict[int | None, list[int]] = {}
        for u in units:
            children.setdefault(u.parent_id, []).append(u.id)
        out: list[int] = []
        stack = [by_name[n] for n in names]
        while stack:
            uid = stack.pop()
            out.append(uid)
            stack.extend(children.get(uid, []))
        return out

    async def create_campaign(
        self,
        *,
        kind: str,
        ref_key: str,
        ref_id: int | None,
        titles: dict[str, str],
        audience: Audience,
        due_at: datetime | None,
        policy: Policy,
        created_by: str,
    ) -> Campaign:
        campaign = Campaign(
            kind=kind,
            ref_key=ref_key,
            ref_id=ref_id,
            titles=titles,
            audience=audience.to_json(),
            due_at=due_at,
            policy=policy.to_json(),
            active=True,
            created_by=created_by,
            created_at=self.clock.now(),
        )
        self.session.add(campaign)
        await self.session.flush()
        return campaign

    def first_action(
        self, policy: Policy, due_at: datetime | None, now: datetime
    ) -> tuple[int, datetime | None]:
        """(stage, next_action_at) for a new assignment: steps already past are skipped,
        the publish message stands in for them."""
        if due_at is None:
            return 0, None
        for i, step in enumerate(policy.steps()):
            at = step_time(due_at, step, 0)
            if at > now:
                return i, at
        return len(policy.steps()), None

    async def assign(self, campaign: Campaign, *, exclude_people: Any = None) -> list[int]:
        """Like assign_pairs, returning only the new assignment ids."""
        return [a for a, _ in await self.assign_pairs(campaign, exclude_people=exclude_people)]

    async def assign_pairs(
        self,
        campaign: Campaign,
        *,
        exclude_people: Any = None,
        people: Sequence[int] | None = None,
        new_campaign: bool = False,
    ) -> list[tuple[int, int]]:
        """Create the missing assignments of a campaign in one INSERT ... SELECT and return
        (assignment id, person id) of the new ones. People who join late get a grace period.
        `people`: these active people instead of the campaign's audience (a successor).

        Existing rows are skipped by the unique (campaign, person) constraint (ON CONFLICT
        DO NOTHING): a NOT EXISTS over the table being filled made PostgreSQL scan it once
        per person on a fresh deployment. `new_campaign`: the campaign was created in this
        transaction, so no other can have given it to anyone, and the rows go in without
        that check (a fifth of a 100,000-person publish's time on PostgreSQL)."""
        now = self.clock.now()
        if people is None:
            where = await self.audience_filter(Audience.from_json(campaign.audience))
        else:
            where = and_(Person.status == PersonStatus.ACTIVE, Person.id.in_(people))
        due = campaign.due_at
        if (
            due is not None
            and due - now < LATE_JOINER_GRACE
            and await self._has_assignments(campaign)
        ):
            due = now + LATE_JOINER_GRACE  # joined after the first batch: a fair deadline
        stage, next_at = self.first_action(Policy.from_json(campaign.policy), due, now)
        columns = {
            "campaign_id": literal(campaign.id),
            "person_id": Person.id,
            "status": literal(AssignmentStatus.OPEN.value),
            "created_at": literal(now, type_=Assignment.created_at.type),
            "due_at": literal(due, type_=Assignment.due_at.type),
            "stage": literal(stage),
            "level": literal(0),
            "next_action_at": literal(next_at, type_=Assignment.next_action_at.type),
            "delay_s": literal(0),
        }
        query = select(*columns.values()).where(where)
        if exclude_people is not None:
            query = query.where(Person.id.not_in(exclude_people))
        stmt = upsert(self.session, Assignment).from_select(list(columns), query)
        if not new_campaign:
            stmt = stmt.on_conflict_do_nothing(index_elements=["campaign_id", "person_id"])
        rows = (
            await self.session.execute(stmt.returning(Assignment.id, Assignment.person_id))
        ).all()
        return sorted((int(a), int(p)) for a, p in rows)

    async def _has_assignments(self, campaign: Campaign) -> bool:
        first = await self.session.execute(
            select(Assignment.id).where(Assignment.campaign_id == campaign.id).limit(1)
        )
        return first.first() is not None

    async def reschedule(self, campaign: Campaign, due_at: datetime | None) -> int:
        """Move a campaign's deadline: open assignments restart their policy from now."""
        now = self.clock.now()
        campaign.due_at = due_at
        stage, next_at = self.first_action(Policy.from_json(campaign.policy), due_at, now)
        result = await self.session.execute(
            update(Assignment)
            .where(
                Assignment.campaign_id == campaign.id,
                Assignment.status == AssignmentStatus.OPEN,
            )
            .values(due_at=due_at, stage=stage, next_action_at=next_at, level=0, delay_s=0)
        )
        await self.session.flush()
        return int(cast(CursorResult[Any], result).rowcount or 0)

    async def cancel_open(self, campaign: Campaign, reason: str) -> int:
        """Close a campaign: its open assignments are cancelled (a newer version replaces it)."""
        now = self.clock.now()
        campaign.active = False
        campaign.closed_at = now
        result = await self.session.execute(
            update(Assignment)
            .where(
                Assignment.campaign_id == campaign.id, Assignment.status == AssignmentStatus.OPEN
            )
            .values(status=AssignmentStatus.CANCELLED, note=reason, next_action_at=None)
        )
        await self.session.flush()
        return int(cast(CursorResult[Any], result).rowcount or 0)

    async def current_open(
        self, person_id: int, kind: str, ref_key: str
    ) -> tuple[int, int | None] | None:
        """(assignment id, ref id) of the person's newest open task of this kind and key:
        where an old button for a replaced version points to."""
        row = (
            await self.session.execute(
                select(Assignment.id, Campaign.ref_id)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(
                    Assignment.person_id == person_id,
                    Assignment.status == AssignmentStatus.OPEN,
                    Campaign.kind == kind,
                    Campaign.ref_key == ref_key,
                )
                .order_by(Assignment.id.desc())
            )
        ).first()
        return (int(row[0]), row[1]) if row else None

    async def open_tasks(self, person_id: int) -> list[TaskView]:
        rows = (
            await self.session.execute(
                select(Assignment, Campaign)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(
                    Assignment.person_id == person_id, Assignment.status == AssignmentStatus.OPEN
                )
                .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
            )
        ).all()
        return [_view(a, c) for a, c in rows]

    async def task(self, assignment_id: int) -> TaskView | None:
        row = (
            await self.session.execute(
                select(Assignment, Campaign)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(Assignment.id == assignment_id)
            )
        ).first()
        return _view(*row) if row else None

    # --- what every kind shares -----------------------------------------------------

    async def publish(
        self,
        kind: TaskKind,
        actor: Actor,
        *,
        key: str,
        version: int,
        titles: dict[str, str],
        audience: Audience,
        due_at: datetime | None,
        evidence: dict[str, Any],
    ) -> Publication:
        """Assign a frozen version of `key` to the audience. Other versions' open tasks are
        cancelled (replaced); the same version for the same audience again moves the
        deadline of its open tasks instead of creating a second campaign; newcomers get it."""
        now = self.clock.now()
        replaced = 0
        restarted: set[int] = set()
        campaign = None
        for old in await self.active_campaigns(kind.name):
            if old.ref_key != key:
                continue
            if old.ref_id == version:
                if campaign is None and old.audience == audience.to_json():
                    campaign = old
                continue
            if kind.started_people is not None:
                started = await self.session.execute(kind.started_people(old))
                restarted |= set(started.scalars())
            replaced += await self.cancel_open(old, reason=f"replaced by v{version}")
        rescheduled = 0
        created = campaign is None
        if campaign is None:
            campaign = await self.create_campaign(
                kind=kind.name,
                ref_key=key,
                ref_id=version,
                titles=titles,
                audience=audience,
                due_at=due_at,
                policy=kind.policy_with(self.settings.policies),
                created_by=actor.label,
            )
        elif campaign.due_at != due_at:
            rescheduled = await self.reschedule(campaign, due_at)
        ids = [
            a
            for a, _ in await self.give(kind, campaign, restarted=restarted, new_campaign=created)
        ]
        payload: dict[str, Any] = {
            "campaign": campaign.id,
            "audience": audience.describe(),
            "assigned": len(ids),
            "due_at": due_at.isoformat() if due_at else None,
            "replaced": replaced,
            "rescheduled": rescheduled,
        }
        if kind.started_people is not None:
            payload["restarted"] = len(restarted)
        await self.audit_event(
            actor,
            f"{kind.name}.published",
            f"{kind.name}:{key}:v{version}",
            {**payload, **evidence},
            at=now,
        )
        return Publication(campaign, ids, replaced, len(restarted), rescheduled)

    async def give(
        self,
        kind: TaskKind,
        campaign: Campaign,
        *,
        restarted: set[int] | None = None,
        announce: bool = True,
        people: Sequence[int] | None = None,
        new_campaign: bool = False,
    ) -> list[tuple[int, int]]:
        """Assign the campaign to everyone in its audience (or to `people`) who has neither
        done its content (the kind's completion record) nor holds an open or excused task
        for it in another campaign, and tell them. (assignment id, person id) of the new
        tasks. `new_campaign`: created in this transaction (`assign_pairs`)."""
        holders = (
            select(Assignment.person_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(
                Campaign.kind == kind.name,
                Campaign.ref_key == campaign.ref_key,
                Campaign.ref_id == campaign.ref_id,
                Campaign.id != campaign.id,
                Assignment.status.in_([AssignmentStatus.OPEN, AssignmentStatus.EXCUSED]),
            )
        )
        exclude = (
            holders if kind.done_people is None else union(holders, kind.done_people(campaign))
        )
        pairs = await self.assign_pairs(
            campaign, exclude_people=exclude, people=people, new_campaign=new_campaign
        )
        if announce:
            again = restarted or set()
            first = [p for p in pairs if p[1] not in again]
            await self.notifier.task_messages(
                campaign,
                first,
                template=kind.published_template,
                dedupe="published",
                new_tasks=True,
            )
            if kind.restart_template is not None:
                await self.notifier.task_messages(
                    campaign,
                    [p for p in pairs if p[1] in again],
                    template=kind.restart_template,
                    dedupe="published",
                    new_tasks=True,
                )
        return pairs

    async def sync_audience(self, kind: TaskKind) -> int:
        """Give the kind's active campaigns to people who joined their audience since."""
        total = 0
        for campaign in await self.active_campaigns(kind.name):
            total += len(await self.give(kind, campaign))
        return total

    async def sync_audiences(self) -> int:
        """The 10-minute audience sync, for every kind that syncs."""
        total = 0
        for kind in KINDS.values():
            if kind.syncs_audience:
                total += await self.sync_audience(kind)
        return total

    async def mine(
        self, kind: TaskKind, person: Person, assignment_id: int
    ) -> tuple[Assignment, Campaign]:
        """The person's own assignment of this kind, or the kind's "not yours"."""
        row = (
            await self.session.execute(
                select(Assignment, Campaign)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(Assignment.id == assignment_id, Campaign.kind == kind.name)
            )
        ).first()
        if row is None or row[0].person_id != person.id:
            raise kind.not_yours()
        return row[0], row[1]

    async def excuse(self, assignments: Sequence[Assignment], reason: str) -> None:
        """Close open tasks as excused, with the reason (a later sync does not re-task)."""
        now = self.clock.now()
        for a in assignments:
            a.status = AssignmentStatus.EXCUSED
            a.note = reason[:500]
            a.next_action_at = None
            a.done_at = now
        await self.session.flush()

    def _states(self, kind: TaskKind) -> tuple[Any, Any]:
        """The columns every status row and export row carries besides the task: when the
        person's leave ends (NULL: not on leave) and whether the task waits (the kind's
        `waiting`, e.g. for the training a pledge presupposes)."""
        waits = kind.waiting() if kind.waiting is not None else false()
        return leave.until(Person.id, self.clock.now()), waits.label("waiting")

    def _of_version(
        self, query: Select[Any], kind: TaskKind, key: str, version: int
    ) -> Select[Any]:
        return (
            query.join(Campaign, Campaign.id == Assignment.campaign_id)
            .join(Person, Person.id == Assignment.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                Campaign.kind == kind.name,
                Campaign.ref_key == key,
                Campaign.ref_id == version,
            )
        )

    async def status_rows(
        self,
        kind: TaskKind,
        key: str,
        version: int,
        *,
        unit: str | None = None,
        extra: Sequence[Any] = (),
        outer: Sequence[tuple[FromClause, ColumnElement[bool]]] = (),
    ) -> list[StatusRow]:
        """Everyone's task of a version (not the cancelled ones), by unit and name;
        `unit`: that unit and the units under it. `extra` columns come from `outer` joins."""
        query = self._of_version(
            select(
                Assignment.status,
                Assignment.due_at,
                Person.name,
                Person.employee_no,
                Unit.name,
                *self._states(kind),
                *extra,
            ),
            kind,
            key,
            version,
        )
        for table, on in outer:
            query = query.join(table, on, isouter=True)
        query = query.where(
            Assignment.status.in_(
                [AssignmentStatus.OPEN, AssignmentStatus.DONE, AssignmentStatus.EXCUSED]
            )
        ).order_by(Unit.name, Person.name)
        if unit is not None:
            query = query.where(Person.unit_id.in_(await self.unit_ids([unit])))
        return [
            StatusRow(
                status,
                due,
                name,
                emp,
                unit_name,
                tuple(more),
                leave_until=until,
                waiting=bool(waiting),
            )
            for status, due, name, emp, unit_name, until, waiting, *more in (
                await self.session.execute(query)
            ).all()
        ]

    async def export_rows(
        self,
        kind: TaskKind,
        key: str,
        version: int,
        *,
        columns: Sequence[Any],
        outer: Sequence[tuple[FromClause, ColumnElement[bool]]] = (),
    ) -> list[dict[str, Any]]:
        """One row per person assigned the version (not cancelled): unit, name, employee
        number, mentor, leader, status, due, note, leave_until and waiting (what
        `task_state` reads) and the kind's `columns`."""
        query = join_responsibles(
            self._of_version(
                select(
                    Unit.name.label("unit"),
                    Person.name,
                    Person.employee_no,
                    MENTOR.c.name.label("mentor"),
                    LEADER.c.name.label("leader"),
                    Assignment.status,
                    Assignment.due_at,
                    *columns,
                    Assignment.note,
                    *self._states(kind),
                ).select_from(Assignment),
                kind,
                key,
                version,
            )
        )
        for table, on in outer:
            query = query.join(table, on, isouter=True)
        query = query.where(Assignment.status != AssignmentStatus.CANCELLED).order_by(
            Unit.name, Person.name
        )
        return [dict(r._mapping) for r in (await self.session.execute(query)).all()]

    async def active_campaigns(self, kind: str | None = None) -> Sequence[Campaign]:
        query = select(Campaign).where(Campaign.active.is_(True)).order_by(Campaign.id)
        if kind is not None:
            query = query.where(Campaign.kind == kind)
        return (await self.session.execute(query)).scalars().all()


def _view(a: Assignment, c: Campaign) -> TaskView:
    return TaskView(
        assignment_id=a.id,
        campaign_id=c.id,
        kind=c.kind,
        ref_key=c.ref_key,
        titles=dict(c.titles),
        due_at=a.due_at,
        status=a.status,
        level=a.level,
    )


@dataclass(eq=False, kw_only=True)
class TaskUser(NotifyingService):
    """A service over the task service, which sends its messages through the notifier."""

    tasks: TaskService


class KindService(TaskUser):
    """A task kind's service: what is special about the kind, over the shared task service."""

    kind: ClassVar[TaskKind]

    @property
    def policy(self) -> Policy:
        return self.kind.policy_with(self.settings.policies)

    def check_publish(self, actor: Actor, due_at: datetime | None) -> None:
        """Only office staff publish, and never with a deadline already past."""
        actor.require(Role.OFFICE)
        if due_at is not None and due_at <= self.clock.now():
            raise InvalidInput(f"{self.kind.name}-error-due-past")

    async def mine(self, person: Person, assignment_id: int) -> tuple[Assignment, Campaign]:
        return await self.tasks.mine(self.kind, person, assignment_id)

    async def assign(self, campaign: Campaign) -> list[int]:
        """Give the campaign to whoever in its audience has no task for it yet."""
        return [a for a, _ in await self.tasks.give(self.kind, campaign)]

    async def sync_new_people(self) -> int:
        """Give this kind's active campaigns to people who joined their audience since."""
        return await self.tasks.sync_audience(self.kind)
