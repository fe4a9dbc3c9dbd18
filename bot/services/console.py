"""What the office console shows, scoped to who looks: office staff see everyone, a unit
leader the people of his unit (and its sub-units), a mentor the auxiliaries bound to him.
Task status only: hotline tickets and office-only check-in answers stay with the office
services, which refuse anybody else."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true

from bot.actor import Actor
from bot.content import ContentError, PledgeDoc, load_pledges
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.notify import campaign_title
from bot.services.base import Service
from bot.services.tasks import is_overdue
from bot.services.web_auth import may_use_console
from bot.training_content import Module, load_modules
from storage import audit, leave, outbox
from storage import people as repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Binding,
    Campaign,
    ChannelAccount,
    Person,
    PersonRole,
    Role,
    Unit,
)

PAGE = 100


@dataclass(frozen=True, slots=True)
class UnitBar:
    unit_id: int
    unit: str
    assigned: int
    done: int
    overdue: int
    excused: int = 0  # closed as excused: neither done nor open

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    id: int
    kind: str
    title: str
    due_at: datetime | None
    units: list[UnitBar]

    @property
    def assigned(self) -> int:
        return sum(u.assigned for u in self.units)

    @property
    def done(self) -> int:
        return sum(u.done for u in self.units)

    @property
    def overdue(self) -> int:
        return sum(u.overdue for u in self.units)

    @property
    def excused(self) -> int:
        return sum(u.excused for u in self.units)


@dataclass(frozen=True, slots=True)
class Dashboard:
    campaigns: list[CampaignStatus]
    escalations: dict[int, int]  # level -> open items
    done_by_day: list[tuple[str, int]]  # local date, tasks done that day (last 7 days)


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    employee_no: str
    name: str
    unit: str
    post: str | None
    roles: tuple[str, ...]
    status: str
    bound: bool
    reachable: bool


@dataclass(frozen=True, slots=True)
class PeoplePage:
    rows: list[PersonRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class TaskRow:
    title: str
    kind: str
    status: str
    due_at: datetime | None
    done_at: datetime | None
    level: int
    overdue: bool
    leave_until: datetime | None = None  # open, its person on leave until then
    waiting: bool = False


@dataclass(frozen=True, slots=True)
class AccountRow:
    channel: str
    external_user_id: str
    bound_at: datetime
    unbound_at: datetime | None
    reachable: bool
    last_used_at: datetime | None = None
    receives: bool = False  # pushed messages (notices, reminders) go to this account


@dataclass(frozen=True, slots=True)
class BindingRow:
    mentor: str | None
    leader: str | None
    valid_from: datetime
    valid_to: datetime | None
    changed_by: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class PersonDetail:
    person: Person
    accounts: list[AccountRow]
    bindings: list[BindingRow]
    tasks: list[TaskRow]


@dataclass(frozen=True, slots=True)
class Filters:
    q: str = ""
    unit_id: int | None = None
    role: str | None = None
    status: str | None = None
    bound: bool | None = None
    unreachable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class ConsoleService(Service):
    async def scope(self, actor: Actor) -> ColumnElement[bool]:
        """Which people the actor may see, as a condition on Person."""
        if actor.has_role(Role.OFFICE):
            return true()
        me = actor.person
        if not may_use_console(me):
            raise NotAllowed()
        assert me is not None
        parts: list[ColumnElement[bool]] = []
        if me.has_role(Role.LEADER):
            parts.append(Person.unit_id.in_(await self.unit_tree(me.unit_id)))
        if me.has_role(Role.MENTOR):
            parts.append(
                Person.id.in_(
                    select(Binding.auxiliary_id).where(
                        Binding.valid_to.is_(None), Binding.mentor_id == me.id
                    )
                )
            )
        return or_(*parts) if parts else false()

    async def unit_tree(self, root_id: int) -> list[int]:
        """A unit and every unit below it."""
        rows = (await self.session.execute(select(Unit.id, Unit.parent_id))).all()
        children: dict[int | None, list[int]] = defaultdict(list)
        for uid, parent in rows:
            children[parent].append(uid)
        out, todo = [], [root_id]
        while todo:
            uid = todo.pop()
            out.append(uid)
            todo.extend(children.get(uid, []))
        return out

    async def units(self, actor: Actor) -> list[tuple[int, str, int | None]]:
        """(id, name, parent id) of the units the actor may filter by."""
        where = await self.scope(actor)
        visible = select(Person.unit_id).where(where)
        query = select(Unit.id, Unit.name, Unit.parent_id).order_by(Unit.name)
        if not actor.has_role(Role.OFFICE):
            query = query.where(Unit.id.in_(visible))
        return [(i, n, p) for i, n, p in (await self.session.execute(query)).all()]

    async def dashboard(self, actor: Actor, *, locale: str) -> Dashboard:
        """Open campaigns with assigned / done / overdue per unit, escalations by level and
        the last 7 days' completions, all within the actor's scope.

        One pass over the assignments: a single GROUP BY (campaign, unit) carries every
        count as a conditional sum, and the few hundred groups are added up here
        (bench/bench_console.py measures it against a plain GROUP BY count)."""
        where = await self.scope(actor)
        now = self.clock.now()
        tz = self.settings.tz
        today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        starts = [today - timedelta(days=i) for i in range(6, -1, -1)]
        campaigns = {
            c.id: c
            for c in (
                await self.session.execute(
                    select(Campaign)
                    .where(Campaign.active.is_(True), Campaign.closed_at.is_(None))
                    .order_by(Campaign.id.desc())
                )
            ).scalars()
        }
        is_open = Assignment.status == AssignmentStatus.OPEN
        done = Assignment.status == AssignmentStatus.DONE
        excused = Assignment.status == AssignmentStatus.EXCUSED  # its own count, not done
        overdue = and_(  # a person on leave is not overdue
            is_open,
            Assignment.due_at.is_not(None),
            Assignment.due_at < now,
            ~leave.waiting(Person.id, now),
        )

        def count(cond: ColumnElement[bool]) -> Any:
            return func.sum(case((cond, 1), else_=0))

        columns = [
            func.count(),
            count(done),
            count(overdue),
            count(excused),
            *(count(and_(is_open, Assignment.level == level)) for level in (1, 2, 3)),
            *(
                count(and_(Assignment.done_at >= lo, Assignment.done_at < lo + timedelta(days=1)))
                for lo in starts
            ),
        ]
        groups = (
            await self.session.execute(
                select(Assignment.campaign_id, Person.unit_id, *columns)
                .join(Person, Person.id == Assignment.person_id)
                .where(
                    Assignment.status != AssignmentStatus.CANCELLED,
                    where,
                    or_(
                        Assignment.campaign_id.in_(list(campaigns) or [0]),
                        Assignment.done_at >= starts[0],
                    ),
                )
                .group_by(Assignment.campaign_id, Person.unit_id)
            )
        ).all()
        names = dict((await self.session.execute(select(Unit.id, Unit.name))).all())
        per: dict[int, list[UnitBar]] = defaultdict(list)
        levels: dict[int, int] = defaultdict(int)
        per_day = [0] * len(starts)
        for cid, uid, n, d, o, e, l1, l2, l3, *days in groups:
            for i, k in enumerate(days):
                per_day[i] += int(k or 0)
            if cid not in campaigns:
                continue  # a closed campaign: only its recent completions count
            per[cid].append(
                UnitBar(uid, names.get(uid, "?"), int(n), int(d or 0), int(o or 0), int(e or 0))
            )
            for level, k in ((1, l1), (2, l2), (3, l3)):
                if k:
                    levels[level] += int(k)
        statuses = [
            CampaignStatus(
                id=c.id,
                kind=c.kind,
                title=campaign_title(c, locale),
                due_at=c.due_at,
                units=sorted(per[c.id], key=lambda u: u.unit),
            )
            for c in campaigns.values()
            if per.get(c.id)
        ]
        return Dashboard(
            campaigns=statuses,
            escalations=dict(levels),
            done_by_day=[(d.date().isoformat(), n) for d, n in zip(starts, per_day, strict=True)],
        )

    async def people(self, actor: Actor, filters: Filters, *, page: int = 1) -> PeoplePage:
        """The roster table within the actor's scope, filtered, 100 rows a page."""
        where = await self.scope(actor)
        active_acc = select(ChannelAccount.person_id).where(ChannelAccount.unbound_at.is_(None))
        unreachable = select(ChannelAccount.person_id).where(
            ChannelAccount.unbound_at.is_(None), ChannelAccount.reachable.is_(False)
        )
        conds: list[ColumnElement[bool]] = [where]
        if filters.q:
            like = f"%{filters.q.strip()}%"
            conds.append(or_(Person.name.like(like), Person.employee_no.like(like)))
        if filters.unit_id is not None:
            conds.append(Person.unit_id == filters.unit_id)
        if filters.role:
            conds.append(
                Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == filters.role))
            )
        if filters.status:
            conds.append(Person.status == filters.status)
        if filters.bound is True:
            conds.append(Person.id.in_(active_acc))
        elif filters.bound is False:
            conds.append(Person.id.not_in(active_acc))
        if filters.unreachable:
            conds.append(or_(Person.id.in_(unreachable), Person.id.not_in(active_acc)))
        total = int(
            await self.session.scalar(select(func.count()).select_from(Person).where(*conds)) or 0
        )
        pages = max(1, -(-total // PAGE))
        page = min(max(1, page), pages)
        people = (
            (
                await self.session.execute(
                    select(Person)
                    .where(*conds)
                    .order_by(Person.unit_id, Person.employee_no)
                    .offset((page - 1) * PAGE)
                    .limit(PAGE)
                )
            )
            .scalars()
            .all()
        )
        accounts = await self._accounts([p.id for p in people])
        rows = [
            PersonRow(
                id=p.id,
                employee_no=p.employee_no,
                name=p.name,
                unit=p.unit.name,
                post=p.post,
                roles=tuple(sorted(r.role for r in p.roles)),
                status=p.status,
                bound=p.id in accounts,
                reachable=accounts.get(p.id, False),
            )
            for p in people
        ]
        return PeoplePage(rows=rows, total=total, page=page, pages=pages)

    async def _accounts(self, ids: Sequence[int]) -> dict[int, bool]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(ChannelAccount.person_id, ChannelAccount.reachable).where(
                ChannelAccount.person_id.in_(ids), ChannelAccount.unbound_at.is_(None)
            )
        )
        out: dict[int, bool] = {}
        for pid, reachable in rows.all():
            out[pid] = out.get(pid, False) or bool(reachable)
        return out

    async def person(self, actor: Actor, employee_no: str, *, locale: str) -> PersonDetail:
        """One person's page: NotFound for an unknown number, NotAllowed outside scope."""
        person = await repo.person_by_employee_no(self.session, employee_no)
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        where = await self.scope(actor)
        seen = await self.session.scalar(
            select(func.count()).select_from(Person).where(Person.id == person.id, where)
        )
        if not seen:
            raise NotAllowed()
        pushed = (await outbox.accounts_for(self.session, [person.id])).get(person.id)
        accounts = [
            AccountRow(
                a.channel,
                a.external_user_id,
                a.bound_at,
                a.unbound_at,
                a.reachable,
                a.last_used_at,
                receives=pushed is not None and pushed.id == a.id,
            )
            for a in (
                await self.session.execute(
                    select(ChannelAccount)
                    .where(ChannelAccount.person_id == person.id)
                    .order_by(ChannelAccount.bound_at.desc())
                )
            ).scalars()
        ]
        history = await repo.binding_history(self.session, person.id)
        ids = {i for b in history for i in (b.mentor_id, b.leader_id) if i is not None}
        rows = await self.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
        names: dict[int, str] = {pid: name for pid, name in rows.all()}
        bindings = [
            BindingRow(
                names.get(b.mentor_id) if b.mentor_id else None,
                names.get(b.leader_id) if b.leader_id else None,
                b.valid_from,
                b.valid_to,
                b.changed_by,
                b.reason,
            )
            for b in history
        ]
        now = self.clock.now()
        tasks = [
            TaskRow(
                title=campaign_title(c, locale),
                kind=c.kind,
                status=a.status,
                due_at=a.due_at,
                done_at=a.done_at,
                level=a.level,
                overdue=is_overdue(a.status, a.due_at, now, away),
                leave_until=away if a.status == AssignmentStatus.OPEN else None,
            )
            for a, c, away in (
                await self.session.execute(
                    select(Assignment, Campaign, leave.until(Assignment.person_id, now))
                    .join(Campaign, Campaign.id == Assignment.campaign_id)
                    .where(Assignment.person_id == person.id)
                    .order_by(Assignment.id.desc())
                    .limit(50)
                )
            ).all()
        ]
        return PersonDetail(person=person, accounts=accounts, bindings=bindings, tasks=tasks)

    # --- office-only views -------------------------------------------------------------

    async def audit_events(
        self,
        actor: Actor,
        *,
        kind: str = "",
        actor_label: str = "",
        subject: str = "",
        limit: int = 200,
    ) -> list[AuditEvent]:
        """The latest audit events, newest first, filtered by kind/actor/subject prefix."""
        actor.require(Role.OFFICE)
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)  # unchained too
        if kind:
            query = query.where(AuditEvent.kind.like(f"{kind}%"))
        if actor_label:
            query = query.where(AuditEvent.actor.like(f"%{actor_label}%"))
        if subject:
            query = query.where(AuditEvent.subject.like(f"%{subject}%"))
        return list((await self.session.execute(query)).scalars().all())

    async def verify_audit(self, actor: Actor) -> tuple[int, audit.Broken | None]:
        """The same check as `muster audit verify`."""
        actor.require(Role.OFFICE)
        key = self.settings.audit_key_bytes
        if key is None:
            raise InvalidInput("audit-no-key")
        return await audit.verify(self.session, key)

    def pledge_documents(self, actor: Actor) -> dict[str, dict[str, PledgeDoc]]:
        """The pledge texts that can be published (content/pledges)."""
        actor.require(Role.OFFICE)
        try:
            return load_pledges(self.settings.content_dir)
        except ContentError as exc:
            raise InvalidInput("pledge-error-content", problem=str(exc)) from None

    async def people_choices(self, actor: Actor, q: str, limit: int = 20) -> list[PersonRow]:
        """People matching a search, for the audience picker (office)."""
        actor.require(Role.OFFICE)
        return (await self.people(actor, Filters(q=q, status="active"))).rows[:limit]

    async def office_staff(self, actor: Actor) -> list[Person]:
        """Active office staff, first registered first (the demo's login link)."""
        actor.require(Role.OFFICE)
        return list(await repo.people_with_role(self.session, Role.OFFICE))

    def training_modules(self, actor: Actor) -> dict[str, Module]:
        """The training modules in content/training (office)."""
        actor.require(Role.OFFICE)
        try:
            return load_modules(self.settings.content_dir)
        except ContentError as exc:
            raise InvalidInput("training-error-content", problem=str(exc)) from None

    async def notice_readers(self, actor: Actor, notice_id: int) -> list[NoticeReader]:
        """Who got a notice and who acknowledged it, by unit then name (office)."""
        actor.require(Role.OFFICE)
        from bot.services.notices import MESSAGE_KIND, ref_of  # noqa: PLC0415
        from storage.models import Outbox  # noqa: PLC0415
        from storage.models_notices import NoticeAck  # noqa: PLC0415

        rows = (
            await self.session.execute(
                select(
                    Unit.name, Person.name, Person.employee_no, Outbox.status, NoticeAck.acked_at
                )
                .join(Person, Person.id == Outbox.person_id)
                .join(Unit, Unit.id == Person.unit_id)
                .outerjoin(
                    NoticeAck,
                    and_(NoticeAck.notice_id == notice_id, NoticeAck.person_id == Person.id),
                )
                .where(Outbox.ref == ref_of(notice_id), Outbox.kind == MESSAGE_KIND)
                .order_by(Unit.name, Person.name)
            )
        ).all()
        return [NoticeReader(u, n, no, st, at) for u, n, no, st, at in rows]

    async def exportable(self, actor: Actor, *, locale: str) -> list[Exportable]:
        """The pledges and training modules published and still active, newest first,
        each once: what the office can export (office)."""
        actor.require(Role.OFFICE)
        rows = (
            await self.session.execute(
                select(Campaign)
                .where(Campaign.active.is_(True), Campaign.kind.in_(("pledge", "training")))
                .order_by(Campaign.id.desc())
            )
        ).scalars()
        seen: dict[tuple[str, str], Exportable] = {}
        for c in rows:
            seen.setdefault(
                (c.kind, c.ref_key), Exportable(c.kind, c.ref_key, campaign_title(c, locale))
            )
        return list(seen.values())


@dataclass(frozen=True, slots=True)
class Exportable:
    kind: str  # pledge | training
    key: str
    title: str


@dataclass(frozen=True, slots=True)
class NoticeReader:
    unit: str
    name: str
    employee_no: str
    delivery: str  # the outbox status: sent | pending | sending | failed | unreachable
    acked_at: datetime | None
