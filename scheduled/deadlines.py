"""The deadline engine: one tick decides and records every due reminder and escalation.

The database is the source of truth (assignment.stage / next_action_at); APScheduler only
calls `tick` periodically. Deciding and recording (assignment updates + outbox rows) is one
transaction; delivering is the sender's, later. On PostgreSQL several processes may tick at
once: due rows are claimed with FOR UPDATE SKIP LOCKED, so no item is acted on twice.
After downtime each item acts once, at its current step (catch-up), not once per missed step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import encode
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog, Translator
from bot.notify import PRIORITY_TASK, PRIORITY_URGENT, Notifier, campaign_title
from bot.policy import REMIND, Policy, step_time
from storage import outbox
from storage import people as people_repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    Binding,
    Campaign,
    Person,
    PersonStatus,
    Role,
    Unit,
)

MAX_PEOPLE_BUTTONS = 30


@dataclass
class TickReport:
    claimed: int = 0
    reminders: int = 0
    escalated: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    digests: int = 0
    cancelled_left: int = 0
    unreachable_notes: int = 0


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    campaign_id: int
    person_id: int
    due_at: datetime
    stage: int
    delay_s: int


class DeadlineEngine:
    def __init__(
        self,
        session: AsyncSession,
        *,
        clock: Clock,
        settings: Settings,
        catalog: Catalog,
        batch: int = 20000,
    ) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings
        self.catalog = catalog
        self.batch = batch
        self.notifier = Notifier(session, clock=clock, settings=settings, catalog=catalog)

    async def tick(self) -> TickReport:
        """Decide and record every action due now. The caller commits."""
        now = self.clock.now()
        report = TickReport()
        due = await self._claim(now)
        report.claimed = len(due)
        if not due:
            return report
        campaigns = await self._campaigns({r.campaign_id for r in due})
        people = await self._people({r.person_id for r in due})

        updates: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        reminders: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        escalated: dict[int, list[DueRow]] = defaultdict(list)
        left: list[DueRow] = []
        for row in due:
            person = people[row.person_id]
            if person.status != PersonStatus.ACTIVE:
                left.append(row)
                continue
            steps = Policy.from_json(campaigns[row.campaign_id].policy).steps()
            i = row.stage
            if i >= len(steps):
                updates[(row.stage, None, None, None)].append(row.id)
                continue
            while i + 1 < len(steps) and step_time(row.due_at, steps[i + 1], row.delay_s) <= now:
                i += 1  # catch-up: only the current step acts
            step = steps[i]
            nxt = step_time(row.due_at, steps[i + 1], row.delay_s) if i + 1 < len(steps) else None
            level = step.level or None
            updates[(i + 1, nxt, step.action, level)].append(row.id)
            if step.action == REMIND:
                reminders[(row.campaign_id, i)].append((row.id, row.person_id))
            else:
                escalated[step.level].append(row)
                report.escalated[step.level] += 1

        await self._apply(updates, now)
        for (cid, stage), pairs in reminders.items():
            report.reminders += await self.notifier.task_messages(
                campaigns[cid],
                pairs,
                template="task-reminder",
                dedupe=f"remind:{stage}",
                priority=PRIORITY_TASK,
            )
        report.unreachable_notes += await self._unreachable_notes(
            [p for pairs in reminders.values() for _, p in pairs], people
        )
        if left:
            report.cancelled_left = await self._cancel_left(left, people)
        report.digests = await self._digests(escalated, now)
        return report

    async def _claim(self, now: datetime) -> list[DueRow]:
        query = (
            select(
                Assignment.id,
                Assignment.campaign_id,
                Assignment.person_id,
                Assignment.due_at,
                Assignment.stage,
                Assignment.delay_s,
            )
            .where(
                Assignment.status == AssignmentStatus.OPEN,
                Assignment.next_action_at <= now,
            )
            .order_by(Assignment.next_action_at, Assignment.id)
            .limit(self.batch)
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self.session.execute(query)).all()
        return [DueRow(*r) for r in rows if r.due_at is not None]

    async def _campaigns(self, ids: Iterable[int]) -> dict[int, Campaign]:
        rows = await self.session.execute(select(Campaign).where(Campaign.id.in_(list(ids))))
        return {c.id: c for c in rows.scalars()}

    async def _people(self, ids: Iterable[int]) -> dict[int, Person]:
        out: dict[int, Person] = {}
        id_list = list(ids)
        for i in range(0, len(id_list), outbox.CHUNK):
            rows = await self.session.execute(
                select(Person).where(Person.id.in_(id_list[i : i + outbox.CHUNK]))
            )
            out.update({p.id: p for p in rows.scalars()})
        return out

    async def _apply(self, updates: dict[tuple[Any, ...], list[int]], now: datetime) -> None:
        """Grouped UPDATEs: items of one campaign and step share their new values."""
        for (stage, nxt, action, level), ids in updates.items():
            values: dict[str, Any] = {"stage": stage, "next_action_at": nxt}
            if action is not None:
                values |= {"last_action": action, "last_action_at": now}
            if level is not None:
                values["level"] = level
            for i in range(0, len(ids), outbox.CHUNK):
                await self.session.execute(
                    update(Assignment)
                    .where(Assignment.id.in_(ids[i : i + outbox.CHUNK]))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

    async def _bindings(self, person_ids: Iterable[int]) -> dict[int, Binding]:
        out: dict[int, Binding] = {}
        ids = list(set(person_ids))
        for i in range(0, len(ids), outbox.CHUNK):
            rows = await self.session.execute(
                select(Binding).where(
                    Binding.auxiliary_id.in_(ids[i : i + outbox.CHUNK]), Binding.valid_to.is_(None)
                )
            )
            out.update({b.auxiliary_id: b for b in rows.scalars()})
        return out

    async def _unreachable_notes(
        self, person_ids: Sequence[int], people: dict[int, Person]
    ) -> int:
        """Tell the mentor once that a person cannot be reached through the bot."""
        if not person_ids:
            return 0
        accounts = await outbox.accounts_for(self.session, person_ids)
        stuck = [
            pid for pid in set(person_ids) if pid not in accounts or not accounts[pid].reachable
        ]
        if not stuck:
            return 0
        bindings = await self._bindings(stuck)
        sent = 0
        for pid in stuck:
            binding = bindings.get(pid)
            mentor_id = (binding.mentor_id or binding.leader_id) if binding else None
            if mentor_id is None:
                continue
            mentor = await people_repo.person_by_id(self.session, mentor_id)
            if mentor is None:
                continue
            acc = accounts.get(pid)
            reason = "reason-blocked" if acc is not None else "reason-not-registered"
            t = self.notifier.t(mentor.locale)
            sent += await self.notifier.to_person(
                mentor,
                key="esc-unreachable",
                kind="esc.unreachable",
                ref=f"person:{pid}",
                dedupe_key=f"unreachable:{pid}:{acc.id if acc else 0}",
                name=people[pid].name,
                reason=t(reason),
            )
        return sent

    async def _cancel_left(self, rows: list[DueRow], people: dict[int, Person]) -> int:
        """A person who left: cancel their tasks and tell the mentor once."""
        ids = [r.id for r in rows]
        for i in range(0, len(ids), outbox.CHUNK):
            await self.session.execute(
                update(Assignment)
                .where(Assignment.id.in_(ids[i : i + outbox.CHUNK]))
                .values(status=AssignmentStatus.CANCELLED, next_action_at=None, note="left")
                .execution_options(synchronize_session=False)
            )
        bindings = await self._bindings(r.person_id for r in rows)
        for pid in {r.person_id for r in rows}:
            binding = bindings.get(pid)
            if binding is None or binding.mentor_id is None:
                continue
            mentor = await people_repo.person_by_id(self.session, binding.mentor_id)
            if mentor is not None and mentor.status == PersonStatus.ACTIVE:
                await self.notifier.to_person(
                    mentor,
                    key="esc-person-left",
                    kind="esc.left",
                    ref=f"person:{pid}",
                    dedupe_key=f"left:{pid}",
                    name=people[pid].name,
                )
        return len(ids)

    # --- digests ---------------------------------------------------------------------

    async def _digests(self, escalated: dict[int, list[DueRow]], now: datetime) -> int:
        """One digest per recipient per round, listing all his overdue items."""
        if not escalated:
            return 0
        all_rows = [r for rows in escalated.values() for r in rows]
        bindings = await self._bindings(r.person_id for r in all_rows)
        mentors: set[int] = set()
        leaders: set[int] = set()
        office = False
        for level, rows in escalated.items():
            for row in rows:
                b = bindings.get(row.person_id)
                mentor = b.mentor_id if b else None
                leader = b.leader_id if b else None
                if level == 1 and mentor is not None:
                    mentors.add(mentor)
                elif level <= 2 and leader is not None:
                    leaders.add(leader)  # no mentor bound -> the leader hears of it
                else:
                    office = True  # level 3, or nobody bound
        sent = 0
        send_at = self.notifier.not_before(now)
        bucket = send_at.strftime("%Y%m%d%H%M")
        if mentors:
            sent += await self._mentor_digests(mentors, now, bucket, send_at)
        if leaders:
            sent += await self._leader_digests(leaders, now, bucket, send_at)
        if office:
            sent += await self._office_digest(now, bucket, send_at)
        return sent

    async def _overdue(
        self, min_level: int, where: Any
    ) -> list[tuple[Assignment, Person, Campaign]]:
        query = (
            select(Assignment, Person, Campaign)
            .join(Person, Person.id == Assignment.person_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .join(
                Binding,
                and_(Binding.auxiliary_id == Person.id, Binding.valid_to.is_(None)),
                isouter=True,
            )
            .where(
                Assignment.status == AssignmentStatus.OPEN,
                Assignment.level >= min_level,
                Person.status == PersonStatus.ACTIVE,
                where,
            )
            .order_by(Person.unit_id, Person.name, Assignment.due_at)
        )
        return [tuple(r) for r in (await self.session.execute(query)).all()]  # type: ignore[misc]

    async def _mentor_digests(
        self, mentors: set[int], now: datetime, bucket: str, send_at: datetime
    ) -> int:
        sent = 0
        mentor_list = sorted(mentors)
        for i in range(0, len(mentor_list), outbox.CHUNK):
            chunk = mentor_list[i : i + outbox.CHUNK]
            items = await self._overdue(1, Binding.mentor_id.in_(chunk))
            by_mentor: dict[int, list[tuple[Assignment, Person, Campaign]]] = defaultdict(list)
            bindings = await self._bindings(p.id for _, p, _ in items)
            for a, p, c in items:
                by_mentor[bindings[p.id].mentor_id].append((a, p, c))  # type: ignore[index]
            recipients = await self._people(by_mentor)
            accounts = await outbox.accounts_for(self.session, [p.id for _, p, _ in items])
            rows = []
            for mentor_id, entries in by_mentor.items():
                mentor = recipients[mentor_id]
                t = self.notifier.t(mentor.locale)
                text, buttons = self._person_digest(
                    t, "digest-mentor-title", entries, now, accounts
                )
                rows.append(self._digest_row(mentor, text, buttons, 1, bucket, send_at, now))
            sent += await outbox.enqueue(
                self.session, await self._with_accounts(rows), replace_pending=True
            )
        return sent

    async def _leader_digests(
        self, leaders: set[int], now: datetime, bucket: str, send_at: datetime
    ) -> int:
        items = await self._overdue(1, Binding.leader_id.in_(sorted(leaders)))
        bindings = await self._bindings(p.id for _, p, _ in items)
        by_leader: dict[int, list[tuple[Assignment, Person, Campaign]]] = defaultdict(list)
        for a, p, c in items:
            b = bindings[p.id]
            if a.level >= 2 or b.mentor_id is None:
                by_leader[b.leader_id].append((a, p, c))  # type: ignore[index]
        recipients = await self._people(by_leader)
        accounts = await outbox.accounts_for(self.session, [p.id for _, p, _ in items])
        units = await self._unit_names()
        rows = []
        for leader_id, entries in by_leader.items():
            leader = recipients[leader_id]
            t = self.notifier.t(leader.locale)
            text, buttons = self._unit_digest(
                t, "digest-leader-title", entries, now, units, accounts
            )
            rows.append(self._digest_row(leader, text, buttons, 2, bucket, send_at, now))
        return await outbox.enqueue(
            self.session, await self._with_accounts(rows), replace_pending=True
        )

    async def _office_digest(self, now: datetime, bucket: str, send_at: datetime) -> int:
        items = await self._overdue(3, true())
        # nobody bound at all: those reach the office directly
        items += [it for it in await self._overdue(1, Binding.id.is_(None)) if it[0].level < 3]
        staff = await people_repo.people_with_role(self.session, Role.OFFICE)
        units = await self._unit_names()
        accounts = await outbox.accounts_for(self.session, [p.id for _, p, _ in items])
        rows = []
        for member in staff:
            t = self.notifier.t(member.locale)
            text, _ = self._unit_digest(t, "digest-office-title", items, now, units, accounts)
            rows.append(self._digest_row(member, text, [], 3, bucket, send_at, now))
        return await outbox.enqueue(
            self.session, await self._with_accounts(rows), replace_pending=True
        )

    async def _unit_names(self) -> dict[int, str]:
        return {u.id: u.name for u in (await self.session.execute(select(Unit))).scalars()}

    def _lines(
        self,
        t: Translator,
        entries: list[tuple[Assignment, Person, Campaign]],
        now: datetime,
        accounts: dict[int, Any],
    ) -> list[tuple[Person, str]]:
        by_person: dict[int, list[tuple[Assignment, Person, Campaign]]] = defaultdict(list)
        for entry in entries:
            by_person[entry[1].id].append(entry)
        out = []
        for group in by_person.values():
            person = group[0][1]
            titles = "、".join(
                t("digest-item", title=campaign_title(c, t.locale), days=_days_over(a, now))
                for a, _, c in group
            )
            acc = accounts.get(person.id)
            flag = "" if acc is not None and acc.reachable else t("digest-unreachable-flag")
            out.append((person, t("digest-line", name=person.name, items=titles, flag=flag)))
        return out

    def _buttons(self, t: Translator, people: list[Person]) -> list[list[dict[str, str]]]:
        return [
            [
                {
                    "label": t("btn-reminded", name=person.name),
                    "action": encode("esc", "rip", person.id),
                },
                {
                    "label": t("btn-excuse", name=person.name),
                    "action": encode("esc", "exc", person.id),
                },
            ]
            for person in people[:MAX_PEOPLE_BUTTONS]
        ]

    def _person_digest(
        self,
        t: Translator,
        title_key: str,
        entries: list[tuple[Assignment, Person, Campaign]],
        now: datetime,
        accounts: dict[int, Any],
    ) -> tuple[str, list[list[dict[str, str]]]]:
        lines = self._lines(t, entries, now, accounts)
        text = "\n".join([t(title_key, count=len(lines)), *(line for _, line in lines)])
        return text, self._buttons(t, [p for p, _ in lines])

    def _unit_digest(
        self,
        t: Translator,
        title_key: str,
        entries: list[tuple[Assignment, Person, Campaign]],
        now: datetime,
        units: dict[int, str],
        accounts: dict[int, Any],
    ) -> tuple[str, list[list[dict[str, str]]]]:
        by_unit: dict[int, list[tuple[Assignment, Person, Campaign]]] = defaultdict(list)
        for entry in entries:
            by_unit[entry[1].unit_id].append(entry)
        parts = [t(title_key, count=len({e[1].id for e in entries}))]
        people: list[Person] = []
        for unit_id, group in by_unit.items():
            lines = self._lines(t, group, now, accounts)
            parts.append(
                t("digest-unit", unit=units.get(unit_id, "?"), people=len(lines), items=len(group))
            )
            parts.extend(line for _, line in lines[:50])
            if len(lines) > 50:
                parts.append(t("digest-more", count=len(lines) - 50))
            people.extend(p for p, _ in lines)
        return "\n".join(parts), self._buttons(t, people)

    def _digest_row(
        self,
        recipient: Person,
        text: str,
        buttons: list[list[dict[str, str]]],
        level: int,
        bucket: str,
        send_at: datetime,
        now: datetime,
    ) -> dict[str, Any]:
        return {
            "recipient": recipient,
            "text": text,
            "buttons": buttons,
            "level": level,
            "dedupe_key": f"digest:{level}:{recipient.id}:{bucket}",
            "send_at": send_at,
            "now": now,
        }

    async def _with_accounts(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        accounts = await outbox.accounts_for(self.session, [r["recipient"].id for r in rows])
        return [
            outbox.row_for(
                person_id=r["recipient"].id,
                account=accounts.get(r["recipient"].id),
                kind=f"digest.L{r['level']}",
                ref=f"digest:{r['level']}",
                text=r["text"],
                buttons=r["buttons"],
                dedupe_key=r["dedupe_key"],
                not_before=r["send_at"],
                now=r["now"],
                priority=PRIORITY_URGENT,
            )
            for r in rows
        ]


def _days_over(a: Assignment, now: datetime) -> int:
    if a.due_at is None:
        return 0
    return max(0, (now - a.due_at).days)
