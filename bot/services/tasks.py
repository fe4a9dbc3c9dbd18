"""Campaigns and assignments: who must do what by when. Every feature's tasks live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import DomainError, InvalidInput
from bot.policy import Policy, step_time
from bot.services.base import Service
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


@dataclass(frozen=True, slots=True)
class TaskView:
    assignment_id: int
    campaign_id: int
    kind: str
    ref_key: str
    titles: dict[str, str]
    due_at: datetime | None
    status: str
    level: int

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("zh_CN") or self.ref_key


class TaskService(Service):
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
        self, campaign: Campaign, *, exclude_people: Any = None
    ) -> list[tuple[int, int]]:
        """Create the missing assignments of a campaign in one INSERT ... SELECT and return
        (assignment id, person id) of the new ones. People who join late get a grace period.

        Existing rows are skipped by the unique (campaign, person) constraint (ON CONFLICT
        DO NOTHING): a NOT EXISTS over the table being filled made PostgreSQL scan it once
        per person on a fresh deployment."""
        now = self.clock.now()
        audience = Audience.from_json(campaign.audience)
        where = await self.audience_filter(audience)
        due = campaign.due_at
        if (
            due is not None
            and due - now < LATE_JOINER_GRACE
            and await self._has_assignments(campaign)
        ):
            due = now + LATE_JOINER_GRACE  # joined after the first batch: a fair deadline
        stage, next_at = self.first_action(Policy.from_json(campaign.policy), due, now)
        query = select(
            literal(campaign.id),
            Person.id,
            literal(AssignmentStatus.OPEN.value),
            literal(now, type_=Assignment.created_at.type),
            literal(due, type_=Assignment.due_at.type),
            literal(stage),
            literal(0),
            literal(next_at, type_=Assignment.next_action_at.type),
            literal(0),
        ).where(where)
        if exclude_people is not None:
            query = query.where(Person.id.not_in(exclude_people))
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        mod = pg_dialect if dialect == "postgresql" else sqlite_dialect
        stmt = (
            mod.insert(Assignment)
            .from_select(
                [
                    "campaign_id",
                    "person_id",
                    "status",
                    "created_at",
                    "due_at",
                    "stage",
                    "level",
                    "next_action_at",
                    "delay_s",
                ],
                query,
            )
            .on_conflict_do_nothing(index_elements=["campaign_id", "person_id"])
            .returning(Assignment.id, Assignment.person_id)
        )
        rows = (await self.session.execute(stmt)).all()
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
