"""The deadline engine: one tick decides and records every due reminder and escalation.

The database is the source of truth (assignment.stage / next_action_at); APScheduler only
calls `tick` periodically. Deciding and recording (assignment updates + outbox rows) is one
transaction; delivering is the sender's, later. On PostgreSQL several processes may tick at
once: due rows are claimed with FOR UPDATE SKIP LOCKED, so no item is acted on twice.
After downtime each item acts once, at its current step (catch-up), not once per missed step.

Leave (请销假) is a condition of the selection, not a job per person: the due rows of a
person whose leave has started and whose time has not been given back are not claimed, and
the digests show such a person as on leave instead of overdue. Each tick first gives the
time back to the people whose leave ended (bot/services/leave.py), in the same transaction.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, any_, func, literal, select, text, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Btn
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog, safe_arg
from bot.notify import PRIORITY_TASK, PRIORITY_URGENT, Message, Notifier
from bot.policy import REMIND, Policy, step_time
from bot.services.leave import LeaveService, last_day
from bot.services.mentor_alerts import MentorAlerts
from bot.services.tasks import TaskService
from bot.text import Html, html, html_join, visible
from storage import leave, outbox
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
# to the mentor, when one of his auxiliaries left with tasks open
PERSON_LEFT = Message("esc-person-left", "esc.left")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused for one tick. A tick holds tens of thousands of rows at
    once (10,000 due items, their people, the digests' items), so the collector's young
    generations keep promoting them and it soon runs a full collection, which walks every
    object the process holds (the ORM's registry, the catalogs, the web server's state):
    one took 100-270 ms, a sixth of the bench tick. Reference counting still frees what
    the tick drops; whatever cycles it leaves are collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class TickReport:
    claimed: int = 0
    reminders: int = 0
    escalated: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    digests: int = 0
    cancelled_left: int = 0
    unreachable_notes: int = 0
    back_from_leave: int = 0  # people whose leave ended: their tasks got their time back


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    campaign_id: int
    person_id: int
    due_at: datetime
    stage: int
    delay_s: int


def due_columns() -> tuple[Any, ...]:
    """The assignment columns a due row holds (DueRow's fields, in order)."""
    return tuple(getattr(Assignment, f.name) for f in fields(DueRow))


class PersonRow(NamedTuple):
    """A person as the tick needs them: no ORM object on the hot path."""

    id: int
    name: str
    status: str
    locale: str | None
    unit_id: int


@dataclass(eq=False)
class DeadlineEngine:
    session: AsyncSession
    _: KW_ONLY
    clock: Clock
    settings: Settings
    catalog: Catalog
    batch: int = 20000

    def __post_init__(self) -> None:
        self.notifier = Notifier(
            self.session, clock=self.clock, settings=self.settings, catalog=self.catalog
        )
        self.alerts = MentorAlerts(
            self.session, clock=self.clock, settings=self.settings, notifier=self.notifier
        )

    async def tick(self) -> TickReport:
        """Decide and record every action due now. The caller commits."""
        with _no_cycle_collection():
            return await self._tick()

    async def _tick(self) -> TickReport:
        now = self.clock.now()
        report = TickReport()
        if outbox.dialect_of(self.session) == "postgresql":
            # The digests' and the reminders' queries are estimated dear (a subquery per
            # row) and run in tens of milliseconds; JIT compiling them took 100-250 ms each.
            await self.session.execute(text("SET LOCAL jit = off"))
        report.back_from_leave = await self._leave().give_back_time()
        due, people = await self._claim(now)
        report.claimed = len(due)
        if not due:
            report.digests = await self._digests({}, now)  # check-in alerts may be due
            return report
        campaigns = await self._campaigns({r.campaign_id for r in due})

        updates: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        reminders: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        escalated: dict[int, list[DueRow]] = defaultdict(list)
        left: list[DueRow] = []
        steps_of = {cid: Policy.from_json(c.policy).steps() for cid, c in campaigns.items()}
        for row in due:
            person = people[row.person_id]
            if person.status != PersonStatus.ACTIVE:
                left.append(row)
                continue
            steps = steps_of[row.campaign_id]
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

    def _leave(self) -> LeaveService:
        tasks = TaskService(
            self.session, clock=self.clock, settings=self.settings, notifier=self.notifier
        )
        return LeaveService(
            self.session,
            clock=self.clock,
            settings=self.settings,
            notifier=self.notifier,
            tasks=tasks,
        )

    async def _claim(self, now: datetime) -> tuple[list[DueRow], dict[int, PersonRow]]:
        """The due rows, and their people as light rows (read in the same statement)."""
        query = (
            select(*due_columns(), Person.name, Person.status, Person.locale, Person.unit_id)
            .join(Person, Person.id == Assignment.person_id)
            .where(
                Assignment.status == AssignmentStatus.OPEN,
                Assignment.next_action_at <= now,
                ~leave.waiting(Assignment.person_id, now),  # on leave: its steps wait
            )
            .order_by(Assignment.next_action_at, Assignment.id)
            .limit(self.batch)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Assignment, skip_locked=True)
        due, people = [], {}
        for r in (await self.session.execute(query)).all():
            if r.due_at is None:
                continue  # the index holds undated rows too; they never act
            due.append(DueRow(r.id, r.campaign_id, r.person_id, r.due_at, r.stage, r.delay_s))
            people[r.person_id] = PersonRow(r.person_id, r.name, r.status, r.locale, r.unit_id)
        return due, people

    async def _campaigns(self, ids: Iterable[int]) -> dict[int, Campaign]:
        rows = await self.session.execute(select(Campaign).where(Campaign.id.in_(list(ids))))
        return {c.id: c for c in rows.scalars()}

    async def _people(self, ids: Iterable[int]) -> dict[int, Any]:
        """Light rows (id, name, status, locale, unit_id): no ORM objects on the hot path."""
        out: dict[int, Any] = {}
        for where in outbox.ids_in(self.session, Person.id, list(ids)):
            rows = await self.session.execute(
                select(Person.id, Person.name, Person.status, Person.locale, Person.unit_id).where(
                    where
                )
            )
            out.update({r.id: r for r in rows.all()})
        return out

    async def _apply(self, updates: dict[tuple[Any, ...], list[int]], now: datetime) -> None:
        """Grouped UPDATEs: items of one campaign and step share their new values."""
        for (stage, nxt, action, level), ids in updates.items():
            values: dict[str, Any] = {"stage": stage, "next_action_at": nxt}
            if action is not None:
                values |= {"last_action": action, "last_action_at": now}
            if level is not None:
                values["level"] = level
            for where in outbox.ids_in(self.session, Assignment.id, ids):
                await self.session.execute(
                    update(Assignment)
                    .where(where)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

    async def _bindings(self, person_ids: Iterable[int]) -> dict[int, Any]:
        """The current bindings as light rows (auxiliary_id, mentor_id, leader_id)."""
        out: dict[int, Any] = {}
        for where in outbox.ids_in(self.session, Binding.auxiliary_id, list(set(person_ids))):
            rows = await self.session.execute(
                select(Binding.auxiliary_id, Binding.mentor_id, Binding.leader_id).where(
                    where, Binding.valid_to.is_(None)
                )
            )
            out.update({b.auxiliary_id: b for b in rows.all()})
        return out

    async def _unreachable_notes(
        self, person_ids: Sequence[int], people: dict[int, PersonRow]
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
            sent += await self.notifier.unreachable_note(
                people[pid], accounts.get(pid), bindings.get(pid)
            )
        return sent

    async def _cancel_left(self, rows: list[DueRow], people: dict[int, PersonRow]) -> int:
        """A person who left: cancel their tasks and tell the mentor once."""
        ids = [r.id for r in rows]
        for where in outbox.ids_in(self.session, Assignment.id, ids):
            await self.session.execute(
                update(Assignment)
                .where(where)
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
                    PERSON_LEFT,
                    ref=f"person:{pid}",
                    dedupe_key=f"left:{pid}",
                    name=people[pid].name,
                )
        return len(ids)

    # --- digests ---------------------------------------------------------------------

    async def _digests(self, escalated: dict[int, list[DueRow]], now: datetime) -> int:
        """One digest per recipient per round, listing all his overdue items (a mentor's
        also his auxiliaries' check-in alerts, bot/services/mentor_alerts.py)."""
        alerted = await self.alerts.due_mentors(now)
        if not escalated and not alerted:
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
        round_ = Round(now=now, send_at=send_at, bucket=send_at.strftime("%Y%m%d%H%M"))
        mentors |= alerted
        if mentors:
            sent += await self._mentor_digests(mentors, round_)
        if leaders:
            sent += await self._leader_digests(leaders, round_)
        if office:
            sent += await self._office_digest(round_)
        return sent

    async def _overdue(self, min_level: int, where: Any, *, away: bool = False) -> list[Item]:
        """Open items at `min_level` or above, as light rows, with the current binding;
        `away`: also the items past their deadline of people on leave (shown as on leave
        where they would have been overdue)."""
        now = self.clock.now()
        query = (
            select(
                Assignment.id,
                Assignment.level,
                Assignment.due_at,
                Person.id.label("pid"),
                Person.name,
                Person.unit_id,
                Assignment.campaign_id,
                Binding.mentor_id,
                Binding.leader_id,
                leave.until(Person.id, now),
            )
            .join(Person, Person.id == Assignment.person_id)
            .join(
                Binding,
                and_(Binding.auxiliary_id == Person.id, Binding.valid_to.is_(None)),
                isouter=True,
            )
            .where(
                Assignment.id.in_(self._shown(min_level, now, away=away)),
                Person.status == PersonStatus.ACTIVE,
                where,
            )
            .order_by(Person.unit_id, Person.name, Person.id, Assignment.due_at)
        )
        rows = (await self.session.execute(query)).all()
        if not rows:
            return []
        # titles once per campaign, not a JSON document decoded per row
        titles = {
            c.id: (c.titles, c.ref_key)
            for c in await self.session.execute(
                select(Campaign.id, Campaign.titles, Campaign.ref_key).where(
                    Campaign.id.in_(sorted({r.campaign_id for r in rows}))
                )
            )
        }
        return [
            Item(
                r.id,
                r.level,
                r.due_at,
                r.pid,
                r.name,
                r.unit_id,
                *titles[r.campaign_id],
                r.mentor_id,
                r.leader_id,
                r.leave_until,
            )
            for r in rows
        ]

    def _shown(self, min_level: int, now: datetime, *, away: bool) -> Any:
        """The ids of the open items at `min_level` or above and, with `away`, of the open
        items below it past their deadline whose person is on leave: found through
        indexes, not by a scan of every assignment. The escalated ones through
        ix_assignment_escalated (its condition written out with the values in the SQL, so
        the planner matches it); the people on leave's through (person_id, status), with
        their ids as one array on PostgreSQL (`IN (SELECT ...)` is a scan there)."""
        esc = Assignment.__table__.alias("escalated")
        ids: Any = select(esc.c.id).where(
            esc.c.status == literal(AssignmentStatus.OPEN.value, literal_execute=True),
            esc.c.level > literal(0, literal_execute=True),
            esc.c.level >= min_level,
        )
        if not away:
            return ids
        late = Assignment.__table__.alias("late")
        on_leave: Any = leave.away(now)
        if outbox.dialect_of(self.session) == "postgresql":
            person_away = late.c.person_id == any_(func.array(on_leave.scalar_subquery()))
        else:
            person_away = late.c.person_id.in_(on_leave)
        return union_all(
            ids,
            select(late.c.id).where(
                person_away,
                late.c.status == AssignmentStatus.OPEN,
                late.c.level < min_level,
                late.c.due_at <= now,
            ),
        )

    async def _reachable(self, items: list[Item]) -> dict[int, Any]:
        """The accounts of the people with overdue items: a digest flags those it cannot
        reach (people on leave are shown as such, without the flag)."""
        return await outbox.accounts_for(
            self.session, [it.pid for it in items if it.leave_until is None]
        )

    async def _mentor_digests(self, mentors: set[int], round_: Round) -> int:
        sent = 0
        mentor_list = sorted(mentors)
        for i in range(0, len(mentor_list), outbox.CHUNK):
            chunk = mentor_list[i : i + outbox.CHUNK]
            items = await self._overdue(1, Binding.mentor_id.in_(chunk), away=True)
            by_mentor: dict[int, list[Item]] = defaultdict(list)
            for item in items:
                by_mentor[item.mentor_id].append(item)  # type: ignore[index]
            key = round_.key_for(1)
            alerts = await self.alerts.for_digest(chunk, key)
            recipients = await self._people(set(by_mentor) | set(alerts))
            accounts = await self._reachable(items)
            render = Renderer(self.notifier, round_.now, accounts)
            rows = []
            for mentor_id in sorted(set(by_mentor) | set(alerts)):
                mentor, entries = recipients[mentor_id], by_mentor.get(mentor_id, [])
                text, buttons = (
                    render.person_digest(mentor.locale, "digest-mentor-title", entries)
                    if entries
                    else ("", [])
                )
                if mentor_id in alerts:
                    text = self.alerts.digest_text(mentor.locale, alerts[mentor_id], text)
                rows.append(DigestRow(mentor, text, buttons, 1))
            sent += await self._enqueue_digests(rows, round_)
            await self.alerts.mark_queued(alerts, key)
        return sent

    async def _leader_digests(self, leaders: set[int], round_: Round) -> int:
        items = await self._overdue(1, Binding.leader_id.in_(sorted(leaders)))
        by_leader: dict[int, list[Item]] = defaultdict(list)
        for item in items:
            if item.level >= 2 or item.mentor_id is None:
                by_leader[item.leader_id].append(item)  # type: ignore[index]
        recipients = await self._people(by_leader)
        accounts = await self._reachable(items)
        render = Renderer(self.notifier, round_.now, accounts, await self._unit_names())
        rows = []
        for leader_id, entries in by_leader.items():
            leader = recipients[leader_id]
            text, buttons = render.unit_digest(leader.locale, "digest-leader-title", entries)
            rows.append(DigestRow(leader, text, buttons, 2))
        return await self._enqueue_digests(rows, round_)

    async def _office_digest(self, round_: Round) -> int:
        items = await self._overdue(3, true())
        # nobody bound at all: those reach the office directly
        items += [it for it in await self._overdue(1, Binding.id.is_(None)) if it.level < 3]
        staff = await people_repo.people_with_role(self.session, Role.OFFICE)
        accounts = await self._reachable(items)
        render = Renderer(self.notifier, round_.now, accounts, await self._unit_names())
        rows = []
        for member in staff:
            text, _ = render.unit_digest(member.locale, "digest-office-title", items)
            rows.append(DigestRow(member, text, [], 3))
        return await self._enqueue_digests(rows, round_)

    async def _unit_names(self) -> dict[int, str]:
        return {
            uid: name
            for uid, name in (await self.session.execute(select(Unit.id, Unit.name))).all()
        }

    async def _enqueue_digests(self, rows: list[DigestRow], round_: Round) -> int:
        accounts = await outbox.accounts_for(self.session, [r.recipient.id for r in rows])
        return await outbox.enqueue(
            self.session,
            [
                outbox.row_for(
                    outbox.Outgoing(
                        kind=f"digest.L{r.level}",
                        ref=f"digest:{r.level}",
                        text=r.text,
                        buttons=r.buttons,
                        not_before=round_.send_at,
                        now=round_.now,
                        priority=PRIORITY_URGENT,
                    ),
                    person_id=r.recipient.id,
                    account=accounts.get(r.recipient.id),
                    dedupe_key=round_.key_for(r.level)(r.recipient.id),
                )
                for r in rows
            ],
            replace_pending=True,
        )


@dataclass(frozen=True, slots=True)
class Round:
    now: datetime
    send_at: datetime
    bucket: str  # digests of one round share a dedupe key; a later tick in it rebuilds them

    def key_for(self, level: int) -> Callable[[int], str]:
        """The dedupe key of a recipient's digest of this round at `level`."""
        return lambda recipient_id: f"digest:{level}:{recipient_id}:{self.bucket}"


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    level: int
    due_at: datetime | None
    pid: int
    name: str
    unit_id: int
    titles: dict[str, str]
    ref_key: str
    mentor_id: int | None
    leader_id: int | None
    leave_until: datetime | None = None  # on leave: shown so, instead of overdue


@dataclass(frozen=True, slots=True)
class DigestRow:
    recipient: Any
    text: str
    buttons: list[list[dict[str, str]]]
    level: int


class Renderer:
    """Digest text in each recipient's language; repeated phrases are formatted once."""

    def __init__(
        self,
        notifier: Notifier,
        now: datetime,
        accounts: dict[int, Any],
        units: dict[int, str] | None = None,
    ) -> None:
        self.notifier = notifier
        self.now = now
        self.accounts = accounts
        self.units = units or {}
        self._memo: dict[tuple[Any, ...], list[str]] = {}
        self._escaped: dict[str, str] = {}  # a name or title as escaped text
        self._whole: dict[tuple[Any, ...], str] = {}  # `_t_repeated`'s results
        self._plain: dict[tuple[str | None, str], list[str] | None] = {}  # `_label`'s

    def _template(self, locale: str | None, key: str, args: dict[str, Any]) -> list[str]:
        """The message formatted once per locale and non-text arguments, split at its
        text arguments' stand-ins: [text, name, text, name, ..., text]."""
        texts = [k for k, v in args.items() if isinstance(v, str)]
        others = {k: v for k, v in args.items() if not isinstance(v, str)}
        memo_key = (locale, key, *sorted(others.items()), *sorted(texts))
        parts = self._memo.get(memo_key)
        if parts is None:
            # markup, so the translator neither escapes nor cleans them (\x01 is a control
            # character, which escaped text never keeps)
            stand_ins = {k: Html(f"\x01{k}\x01") for k in texts}
            parts = str(self.notifier.t(locale)(key, **others, **stand_ins)).split("\x01")
            self._memo[memo_key] = parts
        return parts

    def _escape(self, value: str) -> str:
        if type(value) is not str:  # markup: kept as it is
            return str(safe_arg(value))
        escaped = self._escaped.get(value)
        if escaped is None:
            escaped = self._escaped[value] = str(safe_arg(value))
        return escaped

    def _t(self, locale: str | None, key: str, **args: Any) -> str:
        """`t(key, **args)`, with Fluent run once per message, locale and non-text
        arguments: text arguments (a name, a title) go in as stand-ins that are replaced
        by the escaped text afterwards (digest messages use them as plain placeables), so
        a digest of a thousand names formats each line's message once, not a thousand
        times."""
        parts = self._template(locale, key, args)
        out = parts.copy()
        for i in range(1, len(out), 2):
            out[i] = self._escape(args[out[i]])
        return Html("".join(out))

    def _t_repeated(self, locale: str | None, key: str, **args: Any) -> str:
        """`_t` for a message repeated with the same arguments (a task's title and how
        late it is): each distinct one is put together once."""
        whole_key = (locale, key, *sorted(args.items()))
        text = self._whole.get(whole_key)
        if text is None:
            text = self._whole[whole_key] = self._t(locale, key, **args)
        return text

    def _label(self, locale: str | None, key: str, name: str) -> str:
        """A button label with a name: the plain text `outbox.row_for` makes of the markup
        `_t` gives (Markup.striptags: tags dropped, whitespace collapsed, entities
        decoded), put together directly when the message has no tag or entity itself."""
        if (locale, key) not in self._plain:
            parts = self._template(locale, key, {"name": name})
            has_markup = any("<" in p or "&" in p for p in parts[::2])
            self._plain[(locale, key)] = None if has_markup else parts
        plain = self._plain[(locale, key)]
        if plain is None:
            return self._t(locale, key, name=name)  # row_for strips it
        out = plain.copy()
        shown = visible(name)  # what escaping keeps of it, unescaped
        for i in range(1, len(out), 2):
            out[i] = shown
        return " ".join("".join(out).split())

    def _lines(self, locale: str | None, entries: list[Item]) -> list[tuple[Item, str]]:
        by_person: dict[int, list[Item]] = defaultdict(list)
        for entry in entries:
            by_person[entry.pid].append(entry)
        loc = locale or self.notifier.settings.default_locale
        out = []
        for group in by_person.values():
            first = group[0]
            if first.leave_until is not None:  # away: not overdue, and nobody to remind
                until = last_day(first.leave_until, self.notifier.settings.tz).isoformat()
                line = self._t(locale, "digest-line-on-leave", name=first.name, until=until)
                out.append((first, line))
                continue
            titles = html_join(
                (
                    self._t_repeated(
                        locale,
                        "digest-item",
                        title=str(it.titles.get(loc) or it.titles.get("zh_CN") or it.ref_key),
                        **_overdue_by(it.due_at, self.now),
                    )
                    for it in group
                ),
                "、",
            )
            acc = self.accounts.get(first.pid)
            flag = (
                ""
                if acc is not None and acc.reachable
                else html(" · {}", self._t(locale, "digest-unreachable-flag"))
            )
            line = self._t(locale, "digest-line", name=first.name, items=titles, flag=flag)
            out.append((first, line))
        return out

    def _buttons(self, locale: str | None, people: list[Item]) -> list[list[dict[str, str]]]:
        return [
            [
                {
                    "label": self._label(locale, "btn-reminded", p.name),
                    "action": Btn.TEAM_REMINDED_IN_PERSON.token(p.pid),
                },
                {
                    "label": self._label(locale, "btn-excuse", p.name),
                    "action": Btn.TEAM_EXCUSE.token(p.pid),
                },
            ]
            for p in [p for p in people if p.leave_until is None][:MAX_PEOPLE_BUTTONS]
        ]

    def person_digest(
        self, locale: str | None, title_key: str, entries: list[Item]
    ) -> tuple[str, list[list[dict[str, str]]]]:
        lines = self._lines(locale, entries)
        overdue = sum(1 for p, _ in lines if p.leave_until is None)
        text = html_join([self._t(locale, title_key, count=overdue), *(ln for _, ln in lines)])
        return text, self._buttons(locale, [p for p, _ in lines])

    def unit_digest(
        self, locale: str | None, title_key: str, entries: list[Item]
    ) -> tuple[str, list[list[dict[str, str]]]]:
        by_unit: dict[int, list[Item]] = defaultdict(list)
        for entry in entries:
            by_unit[entry.unit_id].append(entry)
        overdue = len({e.pid for e in entries if e.leave_until is None})
        parts = [self._t(locale, title_key, count=overdue)]
        people: list[Item] = []
        for unit_id, group in by_unit.items():
            lines = self._lines(locale, group)
            parts.append(
                self._t(
                    locale,
                    "digest-unit",
                    unit=self.units.get(unit_id, "?"),
                    people=len(lines),
                    items=len(group),
                )
            )
            parts.extend(line for _, line in lines[:50])
            if len(lines) > 50:
                parts.append(self._t(locale, "digest-more", count=len(lines) - 50))
            people.extend(p for p, _ in lines)
        return html_join(parts), self._buttons(locale, people)


def _overdue_by(due_at: datetime | None, now: datetime) -> dict[str, int]:
    """Whole days overdue, and whole hours when it is less than a day ("逾期 5 小时",
    not "逾期 0 天")."""
    late = max(now - due_at, timedelta(0)) if due_at is not None else timedelta(0)
    return {"days": late.days, "hours": late.seconds // 3600 if not late.days else 0}
