"""What mentors, leaders and the office do with an escalation: reminded in person,
excused, and the list of open escalations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.actor import Actor
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.notify import Message, campaign_title, open_button
from bot.services.checkins import current_week, late_joiners
from bot.services.tasks import TaskUser, is_overdue
from storage import leave
from storage import people as repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    Binding,
    Campaign,
    ChannelAccount,
    Person,
    Role,
    Unit,
)

POSTPONE = timedelta(hours=24)
OPEN = AssignmentStatus.OPEN
# the assignee, when his mentor reminds him in person: at once, whatever the hour
REMINDED_IN_PERSON = Message("task-reminder-in-person", "task.reminder", respect_quiet=False)


class NothingOverdue(DomainError, key="esc-nothing-open"): ...


class AlreadyReminded(DomainError, key="esc-reminded-already"):
    """A second "reminded in person" in the same round (the same escalation level)."""


class NothingChosen(DomainError, key="esc-excuse-none-chosen"):
    """Excusing needs at least one of the person's escalated tasks chosen."""


class AlreadyExcused(DomainError, key="esc-excuse-already"):
    """The chosen tasks are closed already (excused by a first tap, done, or cancelled)."""


@dataclass(frozen=True, slots=True)
class Excusable:
    """One of a person's escalated open tasks, as the mentor chooses what to excuse."""

    assignment_id: int
    kind: str
    title: str
    due_at: datetime | None
    level: int


@dataclass(frozen=True, slots=True)
class OpenEscalation:
    unit: str
    name: str
    employee_no: str
    title: str
    level: int
    due_at: datetime | None
    since: datetime | None
    notified: str  # who the current level went to


@dataclass(frozen=True, slots=True)
class MemberStatus:
    person_id: int
    name: str
    post: str | None
    open: int
    overdue: int
    reachable: bool
    leave_until: datetime | None = None  # on leave until then: not overdue
    waiting: bool = False
    joined_late: datetime | None = None  # came onto the list after this week's check-in opened


class EscalationService(TaskUser):
    async def _check_responsible(self, actor: Actor, person_id: int) -> Person:
        """Only the person's current mentor or leader, or office staff, may act."""
        person = await repo.person_by_id(self.session, person_id)
        if person is None:
            raise NotFound()
        if actor.has_role(Role.OFFICE):
            return person
        binding = await repo.current_binding(self.session, person_id)
        me = actor.person.id if actor.person else None
        if binding is None or me not in (binding.mentor_id, binding.leader_id):
            raise NotAllowed()
        return person

    async def _overdue_items(self, person_id: int) -> list[tuple[Assignment, Campaign]]:
        rows = await self.session.execute(
            select(Assignment, Campaign)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(
                Assignment.person_id == person_id,
                Assignment.status == AssignmentStatus.OPEN,
                Assignment.level >= 1,
            )
            .order_by(Assignment.due_at, Assignment.id)
        )
        return [(a, c) for a, c in rows.all()]

    async def reminded_in_person(self, actor: Actor, person_id: int) -> Person:
        """The mentor spoke to the person: send a fresh reminder, postpone the next level."""
        person = await self._check_responsible(actor, person_id)
        items = await self._overdue_items(person_id)
        if not items:
            raise NothingOverdue(name=person.name)
        now = self.clock.now()
        t = self.notifier.t(person.locale)
        reminded = []
        for a, c in items:
            button = open_button(t, c.kind, a.id)
            # One per item and escalation level: a second tap (or a parallel one, which
            # waits on the unique key) inserts nothing and postpones nothing.
            queued = await self.notifier.to_person(
                person,
                REMINDED_IN_PERSON,
                ref=f"assignment:{a.id}",
                dedupe_key=f"rip:{a.id}:L{a.level}",
                buttons=[[button]] if button else None,
                title=campaign_title(c, t.locale),
                due=t.time(a.due_at),
            )
            if not queued:
                continue
            reminded.append(a)
            a.delay_s += int(POSTPONE.total_seconds())
            if a.next_action_at is not None:
                a.next_action_at += POSTPONE
        if not reminded:
            raise AlreadyReminded(name=person.name)
        items = [(a, c) for a, c in items if a in reminded]
        await self.audit_event(
            actor,
            "escalation.reminded_in_person",
            f"person:{person.employee_no}",
            {"assignments": [a.id for a, _ in items]},
            at=now,
        )
        await self.session.flush()
        return person

    async def excusable(
        self, actor: Actor, person_id: int, *, locale: str = "zh_CN"
    ) -> tuple[Person, list[Excusable]]:
        """The person's escalated open tasks, oldest deadline first: what the mentor may
        choose to excuse."""
        person = await self._check_responsible(actor, person_id)
        items = await self._overdue_items(person_id)
        return person, [_excusable(a, c, locale) for a, c in items]

    async def excuse(
        self,
        actor: Actor,
        person_id: int,
        reason: str,
        *,
        assignments: Sequence[int],
        locale: str = "zh_CN",
    ) -> tuple[Person, list[Excusable]]:
        """Close the chosen escalated tasks of the person as excused, with a reason
        (audited); the person's other tasks stay open. Tasks closed meanwhile are left
        alone (a second tap excuses nothing); a task that is not one of the person's
        escalated open ones is refused."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("esc-reason-empty")
        chosen = set(assignments)
        if not chosen:
            raise NothingChosen()
        person = await self._check_responsible(actor, person_id)
        theirs = (
            await self.session.execute(
                select(Assignment.id).where(
                    Assignment.person_id == person_id, Assignment.id.in_(chosen)
                )
            )
        ).scalars()
        if set(theirs) != chosen:
            raise NotFound()
        items = [(a, c) for a, c in await self._overdue_items(person_id) if a.id in chosen]
        if not items:
            raise AlreadyExcused(name=person.name)
        await self.tasks.excuse([a for a, _ in items], reason)
        await self.audit_event(
            actor,
            "escalation.excused",
            f"person:{person.employee_no}",
            {"assignments": [a.id for a, _ in items], "reason": reason[:500]},
        )
        await self.session.flush()
        return person, [_excusable(a, c, locale) for a, c in items]

    async def person_name(self, actor: Actor, person_id: int) -> str:
        return (await self._check_responsible(actor, person_id)).name

    async def open_escalations(
        self, actor: Actor, *, unit: str | None = None, locale: str = "zh_CN"
    ) -> list[OpenEscalation]:
        """Open items at level >= 1 with who was notified (office staff)."""
        actor.require(Role.OFFICE)
        query = (
            repo.join_responsibles(
                select(
                    Assignment, Campaign, Person, Unit.name, repo.MENTOR.c.name, repo.LEADER.c.name
                )
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .join(Person, Person.id == Assignment.person_id)
                .join(Unit, Unit.id == Person.unit_id)
            )
            .where(Assignment.status == AssignmentStatus.OPEN, Assignment.level >= 1)
            .order_by(Unit.name, Person.name)
        )
        if unit is not None:
            ids = await self.tasks.unit_ids([unit])
            query = query.where(Person.unit_id.in_(ids))
        out = []
        for a, c, p, unit_name, mentor_name, leader_name in (
            await self.session.execute(query)
        ).all():
            notified = {1: mentor_name, 2: leader_name, 3: "office"}.get(a.level) or "-"
            out.append(
                OpenEscalation(
                    unit=unit_name,
                    name=p.name,
                    employee_no=p.employee_no,
                    title=campaign_title(c, locale),
                    level=a.level,
                    due_at=a.due_at,
                    since=a.last_action_at,
                    notified=notified,
                )
            )
        return out

    async def team(self, actor: Actor) -> list[MemberStatus]:
        """The auxiliaries bound to the actor (as mentor or leader) with their open and
        overdue task counts. Task status only: never check-in answers or hotline tickets."""
        actor.require(Role.MENTOR, Role.LEADER)
        me = actor.person.id if actor.person else None
        now = self.clock.now()
        rows = (
            await self.session.execute(
                select(Person, Binding.valid_from)
                .join(Binding, Binding.auxiliary_id == Person.id)
                .where(
                    Binding.valid_to.is_(None),
                    (Binding.mentor_id == me) | (Binding.leader_id == me),
                    Person.status == "active",
                )
                .order_by(Person.name)
            )
        ).all()
        if not rows:
            return []
        bound = [p for p, _ in rows]
        since = {p.id: max(p.created_at, valid_from) for p, valid_from in rows}
        ids = [p.id for p in bound]
        # the same people as the mentor's check-in view, which lists these as joined late
        late = await late_joiners(self.session, current_week(now, self.settings), ids)
        tasks = (
            await self.session.execute(
                select(Assignment.person_id, Assignment.due_at).where(
                    Assignment.person_id.in_(ids), Assignment.status == AssignmentStatus.OPEN
                )
            )
        ).all()
        away: dict[int, datetime | None] = {
            pid: until
            for pid, until in (
                await self.session.execute(
                    select(Person.id, leave.until(Person.id, now)).where(Person.id.in_(ids))
                )
            ).all()
        }
        accounts = {
            a.person_id: a
            for a in (
                await self.session.execute(
                    select(ChannelAccount).where(
                        ChannelAccount.person_id.in_(ids), ChannelAccount.unbound_at.is_(None)
                    )
                )
            ).scalars()
        }
        out = []
        for p in bound:
            mine = [due for pid, due in tasks if pid == p.id]
            acc = accounts.get(p.id)
            out.append(
                MemberStatus(
                    person_id=p.id,
                    name=p.name,
                    post=p.post,
                    open=len(mine),
                    overdue=sum(is_overdue(OPEN, due, now, away.get(p.id)) for due in mine),
                    reachable=acc is not None and acc.reachable,
                    leave_until=away.get(p.id),
                    joined_late=since[p.id] if p.id in late else None,
                )
            )
        return out


def _excusable(a: Assignment, c: Campaign, locale: str) -> Excusable:
    return Excusable(a.id, c.kind, campaign_title(c, locale), a.due_at, a.level)
