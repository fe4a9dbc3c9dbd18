"""Weekly check-ins: open the week, answer it (all fine, or question by question), and the
views of the answers for mentors, leaders and the office.

Visibility: an answer carries the visibility of its question at the time it was given.
The mentor and leader views select only `mentor` answers in the query itself; only the
office view reads `office` answers, and only office staff read care items.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.actions import Btn
from bot.actor import Actor
from bot.checkin_content import CheckinContentError, Form, cached_form
from bot.config import Settings, weekly_time
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.i18n import LOCALES
from bot.kinds import TaskKind
from bot.notify import PRIORITY_TASK, Message
from bot.policy import Policy
from bot.services.hotline import HotlineService
from bot.services.mentor_alerts import MentorAlerts, tells_mentor
from bot.services.tasks import Audience, KindService
from storage import audit, outbox
from storage import people as people_repo
from storage.models import (
    Assignment,
    AssignmentStatus,
    Binding,
    Campaign,
    CampaignKind,
    Person,
    PersonStatus,
    Role,
    Unit,
)
from storage.models_checkin import CareItem, CheckinAnswer, CheckinResponse, Visibility
from storage.models_hotline import Ticket, ticket_number

log = logging.getLogger(__name__)

MISSED = "missed"  # note of an assignment closed unanswered when the next week opened
MAX_TEXT = 1000  # one free-text answer

CARE_NEW = Message("checkin-care-new", "checkin.care")  # to the office: someone asked for care

_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")


# --- weeks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """An ISO week, "2026-W49". Compared and sorted in time order."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.fullmatch(text.strip())
        if match is None:
            raise InvalidInput("checkin-error-bad-week", value=text)
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise InvalidInput("checkin-error-bad-week", value=text) from None
        return cls(year, number)

    @classmethod
    def of(cls, at: datetime, tz: ZoneInfo) -> Week:
        """The week the instant falls in, on the deployment's wall clock."""
        return cls.of_date(at.astimezone(tz).date())

    @classmethod
    def of_date(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def __str__(self) -> str:
        return self.key

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    def shift(self, weeks: int) -> Week:
        return Week.of_date(self.monday + timedelta(weeks=weeks))

    def weeks_since(self, earlier: Week) -> int:
        return (self.monday - earlier.monday).days // 7

    def at(self, spec: str, tz: ZoneInfo) -> datetime:
        """A weekly moment ("THU 12:00") of this week, local wall time as an aware datetime."""
        weekday, clock = weekly_time(spec)
        day = self.monday + timedelta(days=weekday)
        return datetime.combine(day, clock, tzinfo=tz)


def week_window(week: Week, settings: Settings) -> tuple[datetime, datetime]:
    """(opens, due) of a week. A due moment earlier in the week than the opening falls in
    the following week."""
    opens = week.at(settings.checkin_open, settings.tz)
    due = week.at(settings.checkin_due, settings.tz)
    if due <= opens:
        due += timedelta(weeks=1)
    return opens, due


def current_week(now: datetime, settings: Settings) -> Week:
    """The newest week whose check-in has opened (before Monday's opening: last week)."""
    week = Week.of(now, settings.tz)
    opens, _ = week_window(week, settings)
    return week if now >= opens else week.shift(-1)


# --- errors and results ------------------------------------------------------------------


class NotYours(DomainError, key="checkin-not-yours"): ...


class AlreadyAnswered(DomainError, key="checkin-already-done"): ...


class CheckinClosed(DomainError, key="checkin-closed"): ...


class Incomplete(InvalidInput, key="checkin-error-incomplete"): ...


class NothingToCorrect(DomainError, key="checkin-correct-nothing"): ...


class CorrectionClosed(DomainError, key="checkin-correct-closed"): ...


class NoChange(DomainError, key="checkin-correct-no-change"): ...


Ts = TypeVarTuple("Ts")


def _current_of_assignment() -> ColumnElement[bool]:
    return and_(CheckinResponse.assignment_id == Assignment.id, is_current())


def _of_week(query: Select[*Ts], week: Week) -> Select[*Ts]:
    """`query` over the week's check-in tasks, each with its person, the person's unit and
    the current response (if answered)."""
    return (
        query.select_from(Assignment)
        .join(Campaign, Campaign.id == Assignment.campaign_id)
        .join(Person, Person.id == Assignment.person_id)
        .join(Unit, Unit.id == Person.unit_id)
        .join(CheckinResponse, _current_of_assignment(), isouter=True)
        .where(Campaign.kind == KIND.name, Campaign.ref_key == week.key)
    )


def is_current() -> ColumnElement[bool]:
    """The response nothing supersedes: an assignment's current answer (a correction's)."""
    newer = aliased(CheckinResponse)
    return ~exists().where(newer.supersedes_id == CheckinResponse.id)


@dataclass(frozen=True, slots=True)
class OpenResult:
    week: Week
    campaign_id: int
    created: bool  # False: the week was open already
    assigned: int  # new assignments
    missed: int  # earlier weeks' check-ins closed unanswered


@dataclass(frozen=True, slots=True)
class CheckinTask:
    """An open check-in of a person, for the answering screens."""

    assignment_id: int
    week: Week
    due_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class Answers:
    """What a person answers in a check-in: "all fine this week", or the answers to the
    questions (question id to value), as given: the service checks them."""

    by_question: Mapping[str, str]
    all_fine: bool = False

    @classmethod
    def fine(cls) -> Answers:
        """All fine this week: no question answered."""
        return cls({}, all_fine=True)


@dataclass(frozen=True, slots=True)
class Submitted:
    response_id: int
    week: Week
    late: bool
    all_fine: bool
    hazards: int
    care_items: int
    submitted_at: datetime | None = None
    corrected: bool = False  # a correction superseding an earlier answer
    alert: bool = False  # the mentor will be told (his next digest, or now if urgent)


@dataclass(frozen=True, slots=True)
class MyCheckin:
    """One of the person's own check-ins, as "my records" shows it."""

    assignment_id: int
    week: Week
    state: str  # all_fine | answered | open | missing | excused
    due_at: datetime | None
    submitted_at: datetime | None
    late: bool
    hazards: int
    response_id: int | None
    corrected: bool  # the current answer corrects an earlier one
    correctable: bool  # answered and the due time has not passed


@dataclass(frozen=True, slots=True)
class AnswerView:
    question_id: str
    value: str
    hazard: bool
    visibility: str


@dataclass(slots=True)
class PersonCheckin:
    person_id: int
    name: str
    employee_no: str
    unit: str
    state: str  # answered | all_fine | missing | excused | joined_late
    late: bool = False
    submitted_at: datetime | None = None
    hazards: int = 0
    answers: list[AnswerView] = field(default_factory=list)
    joined_at: datetime | None = None  # joined_late: when they came onto the mentor's list


@dataclass(slots=True)
class Numbers:
    """A unit's (or everyone's) check-in numbers for one week."""

    assigned: int = 0
    answered: int = 0
    all_fine: int = 0
    hazards: int = 0  # people who reported at least one hazard
    late: int = 0
    missing: int = 0  # not answered (and not excused)

    def add(self, other: Numbers) -> None:
        for name in ("assigned", "answered", "all_fine", "hazards", "late", "missing"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, slots=True)
class UnitNumbers:
    unit_id: int
    unit: str
    numbers: Numbers


@dataclass(frozen=True, slots=True)
class CheckinStatus:
    week: Week
    due_at: datetime | None
    opened: bool
    units: list[UnitNumbers]
    total: Numbers
    missing: list[PersonCheckin]
    care: int  # difficulties written this week (each a hotline ticket)


@dataclass(frozen=True, slots=True)
class CareView:
    id: int
    week: str
    name: str
    employee_no: str
    unit: str
    topic: str | None
    text: str
    created_at: datetime
    ticket: str | None  # the hotline ticket's number, e.g. H000012
    ticket_status: str | None


# --- the service ---------------------------------------------------------------------------


def _answered(campaign: Campaign) -> Select[Any]:
    """Check-in done = answered: the people with a response for the campaign's week."""
    return select(CheckinResponse.person_id).where(CheckinResponse.week == campaign.ref_key)


KIND = TaskKind(
    CampaignKind.CHECKIN.value,
    open_route=Btn.CHECKIN_OPEN,
    policy=Policy(remind_before_h=(26, 2)),
    not_yours=NotYours,
    done_people=_answered,
)


class CheckinService(KindService):
    kind = KIND

    @cached_property
    def hotline(self) -> HotlineService:
        """Care items become hotline tickets."""
        return self.sibling(HotlineService, notifier=self.notifier)

    @cached_property
    def alerts(self) -> MentorAlerts:
        """Hazards and requests for help, for the mentor."""
        return self.sibling(MentorAlerts, notifier=self.notifier)

    def form(self) -> Form:
        try:
            return cached_form(self.settings.content_dir)
        except CheckinContentError as exc:
            raise InvalidInput("checkin-error-content", problem=str(exc)) from None

    def current_week(self) -> Week:
        return current_week(self.clock.now(), self.settings)

    # --- opening ----------------------------------------------------------------------

    async def campaign(self, week: Week, kind: TaskKind = KIND) -> Campaign | None:
        return (
            await self.session.execute(
                select(Campaign)
                .where(Campaign.kind == kind.name, Campaign.ref_key == week.key)
                .order_by(Campaign.id)
                .limit(1)
            )
        ).scalar_one_or_none()

    def titles(self, key: str, week: Week) -> dict[str, str]:
        catalog = self.notifier.catalog
        return {
            loc: catalog.translator(loc, self.settings.tz)(key, week=week.key) for loc in LOCALES
        }

    async def open_week(self, actor: Actor, week: Week) -> OpenResult:
        """Create the week's check-in for every active auxiliary and send it to them.
        Idempotent: a second run only adds auxiliaries who have none yet."""
        actor.require(Role.OFFICE)
        campaign = await self.campaign(week)
        created = campaign is None
        if campaign is None:
            campaign = await self.create_week(
                KIND,
                week,
                actor,
                title_key="checkin-title",
                audience=Audience(roles=(Role.AUXILIARY.value,)),
                policy=self.policy,
            )
        missed = await self.close_earlier(week, KIND)
        # the check-in message has its own two buttons (all fine / step by step)
        ids = [a for a, _ in await self.tasks.give(KIND, campaign, announce=False)]
        await self._send_opened(campaign, week, ids)
        return await self.opened(
            KIND, week, actor, campaign, created=created, ids=ids, missed=missed
        )

    async def create_week(
        self,
        kind: TaskKind,
        week: Week,
        actor: Actor,
        *,
        title_key: str,
        audience: Audience,
        policy: Policy,
    ) -> Campaign:
        """The week's campaign of a weekly kind (check-in, register), due at the week's
        deadline."""
        _, due = week_window(week, self.settings)
        return await self.tasks.create_campaign(
            kind=kind.name,
            ref_key=week.key,
            ref_id=None,
            titles=self.titles(title_key, week),
            audience=audience,
            due_at=due,
            policy=policy,
            created_by=actor.label,
        )

    async def opened(
        self,
        kind: TaskKind,
        week: Week,
        actor: Actor,
        campaign: Campaign,
        *,
        created: bool,
        ids: Sequence[int],
        missed: int,
    ) -> OpenResult:
        """What opening a weekly kind's week did, audited when it created or gave anything."""
        if created or ids:
            await self.audit_event(
                actor,
                f"{kind.name}.opened",
                f"{kind.name}:{week.key}",
                {"campaign": campaign.id, "assigned": len(ids), "missed": missed},
            )
        return OpenResult(week, campaign.id, created, len(ids), missed)

    async def close_earlier(self, week: Week, kind: TaskKind) -> int:
        """Earlier weeks' open tasks of `kind` are closed as missed (they stay counted as
        missing): late answers are accepted until the next week opens."""
        closed = 0
        for campaign in await self.tasks.active_campaigns(kind.name):
            if campaign.ref_key < week.key:  # "2026-W49" keys sort in time order
                closed += await self.tasks.cancel_open(campaign, reason=MISSED)
        return closed

    async def _send_opened(self, campaign: Campaign, week: Week, ids: Sequence[int]) -> int:
        """The check-in message with its two buttons, in each person's language."""
        if not ids:
            return 0
        rows = await self.session.execute(
            select(Assignment.id, Person.id, Person.locale)
            .join(Person, Person.id == Assignment.person_id)
            .where(Assignment.id.in_(list(ids)))
        )
        pairs = rows.all()
        accounts = await outbox.accounts_for(self.session, [p for _, p, _ in pairs])
        now = self.clock.now()
        send_at = self.notifier.hold_until(now, campaign.due_at)  # never past its deadline
        out: list[dict[str, Any]] = []
        for aid, pid, locale in pairs:
            t = self.notifier.t(locale)
            out.append(
                outbox.row_for(
                    outbox.Outgoing(
                        kind="task.checkin-opened",
                        ref=f"assignment:{aid}",
                        text=t("checkin-opened", week=week.key, due=t.time(campaign.due_at)),
                        buttons=[
                            [
                                {
                                    "label": t("btn-checkin-all-fine"),
                                    "action": Btn.CHECKIN_ALL_FINE.token(aid),
                                }
                            ],
                            [
                                {
                                    "label": t("btn-checkin-step"),
                                    "action": Btn.CHECKIN_STEP_BY_STEP.token(aid),
                                }
                            ],
                        ],
                        not_before=send_at,
                        now=now,
                        priority=PRIORITY_TASK,
                    ),
                    person_id=pid,
                    account=accounts.get(pid),
                    dedupe_key=f"checkin-opened:{aid}",
                )
            )
        return await outbox.enqueue(self.session, out)

    # --- answering --------------------------------------------------------------------

    async def task(self, person: Person, assignment_id: int) -> CheckinTask:
        """An open check-in of the person (refuses one answered or closed)."""
        assignment, _, week = await self._answerable(person, assignment_id)
        return CheckinTask(assignment.id, week, assignment.due_at, assignment.status)

    async def _answerable(
        self, person: Person, assignment_id: int
    ) -> tuple[Assignment, Campaign, Week]:
        """The person's check-in task, its campaign and week; refused unless still open."""
        assignment, campaign = await self.mine(person, assignment_id)
        week = Week.parse(campaign.ref_key)
        if assignment.status == AssignmentStatus.DONE:
            raise AlreadyAnswered(week=week.key)
        if assignment.status != AssignmentStatus.OPEN:
            raise CheckinClosed(week=week.key)
        return assignment, campaign, week

    async def open_task_of(self, person: Person) -> CheckinTask | None:
        """The person's newest open check-in, if any."""
        row = (
            await self.session.execute(
                select(Assignment.id)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(
                    Assignment.person_id == person.id,
                    Assignment.status == AssignmentStatus.OPEN,
                    Campaign.kind == KIND.name,
                )
                .order_by(Campaign.ref_key.desc())
                .limit(1)
            )
        ).first()
        return await self.task(person, row[0]) if row else None

    def clean_answers(self, form: Form, answers: Mapping[str, str]) -> dict[str, str]:
        """The answers to the questions that apply, checked; raise Incomplete otherwise."""
        out: dict[str, str] = {}
        for q in form.questions:
            if not q.asked(out):
                continue
            value = (answers.get(q.id) or "").strip()
            if q.type == "text":
                if len(value) > MAX_TEXT:
                    raise InvalidInput("checkin-error-too-long", limit=MAX_TEXT)
                if not value:
                    if q.optional:
                        continue
                    raise Incomplete()
            elif value not in q.values():
                raise Incomplete()
            out[q.id] = value
        return out

    def _clean(self, form: Form, answers: Answers) -> dict[str, str]:
        """The answers to record: none when all is fine, else checked by clean_answers."""
        return {} if answers.all_fine else self.clean_answers(form, answers.by_question)

    async def submit(self, person: Person, assignment_id: int, answers: Answers) -> Submitted:
        """Record the check-in and close the task, in one transaction. After the due time
        it is still accepted, and marked late."""
        assignment, campaign, week = await self._answerable(person, assignment_id)
        result = await self._record(
            person,
            assignment,
            week,
            answers,
            previous=None,
            due=assignment.due_at or campaign.due_at,
        )
        assignment.status = AssignmentStatus.DONE
        assignment.done_at = result.submitted_at
        assignment.next_action_at = None
        await self.session.flush()
        return result

    def correctable_until(self, assignment: Assignment, campaign: Campaign) -> datetime | None:
        """Until when an answered check-in may be corrected: its due time."""
        return assignment.due_at or campaign.due_at

    async def correct(self, person: Person, assignment_id: int, answers: Answers) -> Submitted:
        """Correct an answered check-in before its due time: a new response superseding
        the current one (which is kept), audited; the views read the newest."""
        assignment, week, previous, until = await self._correctable(person, assignment_id)
        clean = self._clean(self.form(), answers)
        if (previous.all_fine, await self.answers_of(previous.id)) == (answers.all_fine, clean):
            raise NoChange(week=week.key)
        return await self._record(
            person,
            assignment,
            week,
            Answers(clean, all_fine=answers.all_fine),
            previous=previous,
            due=until,
        )

    async def correctable(self, person: Person, assignment_id: int) -> CheckinTask:
        """An answered check-in of the person that may still be corrected (else the
        reason), before the correction's questions are shown."""
        assignment, week, _, until = await self._correctable(person, assignment_id)
        return CheckinTask(assignment.id, week, until, assignment.status)

    async def _correctable(
        self, person: Person, assignment_id: int
    ) -> tuple[Assignment, Week, CheckinResponse, datetime | None]:
        """The person's answered check-in, its current response and its due time; the
        reason it cannot be corrected otherwise."""
        assignment, campaign = await self.mine(person, assignment_id)
        week = Week.parse(campaign.ref_key)
        previous = await self.current_response(assignment.id)
        if previous is None:
            if assignment.status == AssignmentStatus.OPEN:
                raise NothingToCorrect(week=week.key)
            raise CheckinClosed(week=week.key)
        until = self.correctable_until(assignment, campaign)
        if until is not None and self.clock.now() > until:
            raise CorrectionClosed(week=week.key, due=self.notifier.t(person.locale).time(until))
        return assignment, week, previous, until

    async def history(self, person: Person, *, limit: int = 200) -> list[MyCheckin]:
        """The person's own check-ins, newest week first, with their current answer."""
        now = self.clock.now()
        rows = await self.session.execute(
            select(
                Assignment.id,
                Assignment.status,
                Assignment.note,
                Assignment.due_at,
                Campaign.ref_key,
                Campaign.due_at,
                CheckinResponse.id,
                CheckinResponse.submitted_at,
                CheckinResponse.late,
                CheckinResponse.all_fine,
                CheckinResponse.hazards,
                CheckinResponse.supersedes_id,
            )
            .select_from(Assignment)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .join(CheckinResponse, _current_of_assignment(), isouter=True)
            .where(Assignment.person_id == person.id, Campaign.kind == KIND.name)
            .order_by(Campaign.ref_key.desc(), Assignment.id.desc())
            .limit(limit)
        )
        out: list[MyCheckin] = []
        for aid, status, note, a_due, key, c_due, rid, at, late, fine, hazards, sup in rows.all():
            if status == AssignmentStatus.CANCELLED and note != MISSED:
                continue  # left the force, or the week was withdrawn
            due = a_due or c_due
            if rid is not None:
                state = "all_fine" if fine else "answered"
            elif status == AssignmentStatus.OPEN:
                state = "open"
            else:
                state = "excused" if status == AssignmentStatus.EXCUSED else "missing"
            out.append(
                MyCheckin(
                    assignment_id=aid,
                    week=Week.parse(key),
                    state=state,
                    due_at=due,
                    submitted_at=at,
                    late=bool(late),
                    hazards=hazards or 0,
                    response_id=rid,
                    corrected=sup is not None,
                    correctable=rid is not None and (due is None or now <= due),
                )
            )
        return out

    async def current_response(self, assignment_id: int) -> CheckinResponse | None:
        return (
            await self.session.execute(
                select(CheckinResponse).where(
                    CheckinResponse.assignment_id == assignment_id, is_current()
                )
            )
        ).scalar_one_or_none()

    async def answers_of(self, response_id: int) -> dict[str, str]:
        """A response's answers, every visibility: for its author only (my records, a
        correction), never for a mentor's or leader's view."""
        rows = await self.session.execute(
            select(CheckinAnswer.question_id, CheckinAnswer.value)
            .where(CheckinAnswer.response_id == response_id)
            .order_by(CheckinAnswer.id)
        )
        return dict(rows.all())

    async def _record(
        self,
        person: Person,
        assignment: Assignment,
        week: Week,
        answers: Answers,
        *,
        previous: CheckinResponse | None,
        due: datetime | None,
    ) -> Submitted:
        """The response, its answers, care items and the mentor's alert, audited."""
        form = self.form()
        clean = self._clean(form, answers)
        now = self.clock.now()
        late = due is not None and now > due
        hazards = sum(
            1 for qid, v in clean.items() if (q := form.question(qid)) and q.is_hazard(v)
        )
        response = CheckinResponse(
            assignment_id=assignment.id,
            person_id=person.id,
            week=week.key,
            form_version=form.version,
            submitted_at=now,
            late=late,
            all_fine=answers.all_fine,
            hazards=hazards,
            supersedes_id=previous.id if previous is not None else None,
        )
        self.session.add(response)
        await self.session.flush()
        # a correction repeating a difficulty already handed to the office opens no ticket
        known_care = (
            {(c.question_id, v) for c, v in await self._care_of(previous.id)}
            if previous is not None
            else set()
        )
        care = 0
        evidence: list[object] = [response]
        for q in form.questions:
            if q.id not in clean:
                continue
            value = clean[q.id]
            answer = CheckinAnswer(
                response_id=response.id,
                question_id=q.id,
                value=value,
                visibility=q.visibility,
                hazard=q.is_hazard(value),
            )
            evidence.append(answer)
            self.session.add(answer)
            if q.care and value and (q.id, value) not in known_care:
                care += 1
                topic = clean.get(q.when[0]) if q.when else None
                self.session.add(
                    CareItem(
                        person_id=person.id,
                        response_id=response.id,
                        week=week.key,
                        question_id=q.id,
                        topic=topic,
                        ticket_id=await self._care_ticket(person, week, form, topic, value),
                        created_at=now,
                    )
                )
        await self.session.flush()
        await self.audit_event(
            Actor.of(person),
            "checkin.submitted" if previous is None else "checkin.corrected",
            f"checkin:{week.key}",
            # no answer texts here: office-only answers stay in their table
            {
                "response": response.id,
                "assignment": assignment.id,
                "late": late,
                "all_fine": answers.all_fine,
                "answers": len(clean),
                "hazards": hazards,
                "care_items": care,
                **({"supersedes": previous.id} if previous is not None else {}),
            },
            at=now,
            evidence=[audit.Evidence.of(row) for row in evidence],
        )
        alert = await self.alerts.record(
            person,
            response,
            tells=tells_mentor(form, clean),
            previous_id=previous.id if previous is not None else None,
        )
        return Submitted(
            response.id,
            week,
            late,
            answers.all_fine,
            hazards,
            care,
            submitted_at=now,
            corrected=previous is not None,
            alert=alert is not None,
        )

    async def _care_of(self, response_id: int) -> list[tuple[CareItem, str]]:
        rows = await self.session.execute(
            select(CareItem, CheckinAnswer.value)
            .join(
                CheckinAnswer,
                and_(
                    CheckinAnswer.response_id == CareItem.response_id,
                    CheckinAnswer.question_id == CareItem.question_id,
                ),
            )
            .where(CareItem.response_id == response_id)
        )
        return [(c, v) for c, v in rows.all()]

    async def mark_urgent(self, actor: Actor, response_id: int) -> Person:
        """The auxiliary marks what the check-in told the mentor urgent: sent at once."""
        actor.require(Role.AUXILIARY)
        return await self.alerts.mark_urgent(actor, response_id)

    async def _care_ticket(
        self, person: Person, week: Week, form: Form, topic: str | None, text: str
    ) -> int | None:
        """Hand a written difficulty to the office's hotline queue, as the person's own
        question, so that the office follows it up and replies to them there."""
        t = self.notifier.t(self.settings.default_locale)  # the office reads the queue
        if topic is None:
            body = t("checkin-care-ticket-plain", week=week.key, text=text)
        else:
            option = next((o for q in form.questions if (o := q.option(topic))), None)
            label = option.label(t.locale) if option else topic
            body = t("checkin-care-ticket", week=week.key, topic=label, text=text)
        if not person.has_role(Role.AUXILIARY):
            # the hotline takes questions from auxiliaries only; the office still sees the
            # answer in its view and is told once
            await self._tell_office_care(person, week)
            return None
        ticket = await self.hotline.ask(Actor.of(person), body, anonymous=False)
        return ticket.id

    async def _tell_office_care(self, person: Person, week: Week) -> None:
        staff = await people_repo.people_with_role(self.session, Role.OFFICE)
        for member in staff:
            await self.notifier.to_person(
                member,
                CARE_NEW,
                ref=f"person:{person.id}",
                dedupe_key=f"care:{week.key}:{person.id}:{member.id}",
                name=person.name,
                unit=person.unit.name,
                week=week.key,
            )

    # --- views ------------------------------------------------------------------------

    async def mentor_view(self, actor: Actor, week: Week) -> list[PersonCheckin]:
        """The mentor's auxiliaries: state and the answers a mentor may see. The same
        people as "我联系的辅警" (bot/services/escalations.py `team`): those who joined
        after the week's check-in opened have no task that week and are listed as such
        ("joined_late")."""
        actor.require(Role.MENTOR)
        if actor.person is None:
            raise NotAllowed()
        bound = and_(
            Binding.auxiliary_id == Person.id,
            Binding.valid_to.is_(None),
            Binding.mentor_id == actor.person.id,
        )
        people = await self._people(week, bound, visible=(Visibility.MENTOR,))
        seen = {p.person_id for p in people}
        rows = await self.session.execute(
            select(
                Person.id,
                Person.name,
                Person.employee_no,
                Unit.name,
                Person.created_at,
                Binding.valid_from,
            )
            .join(Binding, bound)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Person.status == PersonStatus.ACTIVE)
        )
        for pid, name, emp, unit, created, since in rows.all():
            if pid not in seen:
                joined = max(created, since)
                people.append(PersonCheckin(pid, name, emp, unit, "joined_late", joined_at=joined))
        people.sort(key=lambda p: (p.unit, p.name, p.person_id))
        return people

    async def leader_view(
        self, actor: Actor, week: Week, unit_id: int | None = None
    ) -> list[PersonCheckin]:
        """A unit's auxiliaries: state and the answers a mentor may see (never office-only).
        A leader sees his own unit; office staff may name any unit."""
        unit_id = self._leader_unit(actor, unit_id)
        return await self._people(week, Person.unit_id == unit_id, visible=(Visibility.MENTOR,))

    async def office_view(
        self, actor: Actor, week: Week, unit_id: int | None = None
    ) -> list[PersonCheckin]:
        """Everyone (or one unit), with every answer, office-only ones included."""
        actor.require(Role.OFFICE)
        where = Person.unit_id == unit_id if unit_id is not None else true()
        return await self._people(week, where, visible=(Visibility.MENTOR, Visibility.OFFICE))

    def _leader_unit(self, actor: Actor, unit_id: int | None) -> int:
        if actor.has_role(Role.OFFICE) and unit_id is not None:
            return unit_id
        if actor.person is None or not actor.person.has_role(Role.LEADER):
            raise NotAllowed()
        if unit_id is not None and unit_id != actor.person.unit_id:
            raise NotAllowed()
        return actor.person.unit_id

    async def _people(
        self, week: Week, where: ColumnElement[bool], *, visible: Sequence[Visibility]
    ) -> list[PersonCheckin]:
        query = (
            _of_week(
                select(
                    Person.id,
                    Person.name,
                    Person.employee_no,
                    Unit.name,
                    Assignment.status,
                    Assignment.note,
                    CheckinResponse.id,
                    CheckinResponse.late,
                    CheckinResponse.all_fine,
                    CheckinResponse.submitted_at,
                    CheckinResponse.hazards,
                ),
                week,
            )
            .where(where)
            .order_by(Unit.name, Person.name, Person.id)
        )
        out: list[PersonCheckin] = []
        by_response: dict[int, PersonCheckin] = {}
        for pid, name, emp, unit, status, note, rid, late, fine, at, hazards in (
            await self.session.execute(query)
        ).all():
            if status == AssignmentStatus.CANCELLED and note != MISSED:
                continue  # left the force, or the week was withdrawn
            if rid is not None:
                state = "all_fine" if fine else "answered"
            else:
                state = "excused" if status == AssignmentStatus.EXCUSED else "missing"
            item = PersonCheckin(pid, name, emp, unit, state, bool(late), at, hazards or 0)
            out.append(item)
            if rid is not None:
                by_response[rid] = item
        ids = list(by_response) if visible else []  # counts only: no answers at all
        for i in range(0, len(ids), outbox.CHUNK):
            answers = await self.session.execute(
                select(CheckinAnswer)
                .where(
                    CheckinAnswer.response_id.in_(ids[i : i + outbox.CHUNK]),
                    # the visibility rule, in the query: office-only rows are never loaded
                    CheckinAnswer.visibility.in_([v.value for v in visible]),
                )
                .order_by(CheckinAnswer.id)
            )
            for a in answers.scalars():
                by_response[a.response_id].answers.append(
                    AnswerView(a.question_id, a.value, a.hazard, a.visibility)
                )
        return out

    async def numbers(
        self, week: Week, unit_ids: Sequence[int] | None = None
    ) -> list[UnitNumbers]:
        """Counts per unit (no names, no answers): what the register and the office show."""
        answered = CheckinResponse.id.is_not(None)
        counted = (Assignment.status != AssignmentStatus.CANCELLED) | (Assignment.note == MISSED)
        query = (
            _of_week(
                select(
                    Unit.id,
                    Unit.name,
                    func.count(Assignment.id),
                    func.count(CheckinResponse.id),
                    func.sum(case((CheckinResponse.all_fine.is_(True), 1), else_=0)),
                    func.sum(case((CheckinResponse.hazards > 0, 1), else_=0)),
                    func.sum(case((CheckinResponse.late.is_(True), 1), else_=0)),
                    func.sum(
                        case(
                            (and_(~answered, Assignment.status != AssignmentStatus.EXCUSED), 1),
                            else_=0,
                        )
                    ),
                ),
                week,
            )
            .where(counted)
            .group_by(Unit.id, Unit.name)
            .order_by(Unit.name)
        )
        if unit_ids is not None:
            query = query.where(Person.unit_id.in_(list(unit_ids)))
        return [
            UnitNumbers(
                uid,
                name,
                Numbers(int(a), int(b), int(c or 0), int(d or 0), int(e or 0), int(f or 0)),
            )
            for uid, name, a, b, c, d, e, f in (await self.session.execute(query)).all()
        ]

    async def unit_numbers(self, week: Week, unit_id: int) -> Numbers:
        found = await self.numbers(week, [unit_id])
        return found[0].numbers if found else Numbers()

    async def status(self, actor: Actor, week: Week, *, unit: str | None = None) -> CheckinStatus:
        """Counts per unit, who has not answered, open care items (office)."""
        actor.require(Role.OFFICE)
        unit_ids = await self.tasks.unit_ids([unit]) if unit is not None else None
        campaign = await self.campaign(week)
        units = await self.numbers(week, unit_ids)
        total = Numbers()
        for u in units:
            total.add(u.numbers)
        where = Person.unit_id.in_(unit_ids) if unit_ids is not None else true()
        people = await self._people(week, where, visible=())
        missing = [p for p in people if p.state == "missing"]
        care_query = select(func.count()).select_from(CareItem).where(CareItem.week == week.key)
        if unit_ids is not None:
            care_query = care_query.join(Person, Person.id == CareItem.person_id).where(
                Person.unit_id.in_(unit_ids)
            )
        care = await self.session.scalar(care_query)
        return CheckinStatus(
            week=week,
            due_at=campaign.due_at if campaign else None,
            opened=campaign is not None,
            units=units,
            total=total,
            missing=missing,
            care=int(care or 0),
        )

    # --- care items (office only) -----------------------------------------------------

    async def care_items(self, actor: Actor, week: Week) -> list[CareView]:
        """The difficulties written in a week's check-ins, with their hotline tickets."""
        actor.require(Role.OFFICE)
        rows = await self.session.execute(
            select(
                CareItem,
                Person.name,
                Person.employee_no,
                Unit.name,
                CheckinAnswer.value,
                Ticket.status,
            )
            .join(Person, Person.id == CareItem.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .join(
                CheckinAnswer,
                and_(
                    CheckinAnswer.response_id == CareItem.response_id,
                    CheckinAnswer.question_id == CareItem.question_id,
                ),
            )
            .join(Ticket, Ticket.id == CareItem.ticket_id, isouter=True)
            .where(CareItem.week == week.key)
            .order_by(CareItem.created_at, CareItem.id)
        )
        return [
            CareView(
                c.id,
                c.week,
                name,
                emp,
                unit,
                c.topic,
                text,
                c.created_at,
                ticket_number(c.ticket_id) if c.ticket_id is not None else None,
                status,
            )
            for c, name, emp, unit, text, status in rows.all()
        ]


async def late_joiners(session: AsyncSession, week: Week, person_ids: Sequence[int]) -> set[int]:
    """Of these people, those with no check-in task in the week although it has opened:
    they came onto the list after it opened (the mentor's views say so)."""
    opened = select(Campaign.id).where(Campaign.kind == KIND.name, Campaign.ref_key == week.key)
    if not person_ids or await session.scalar(opened.limit(1)) is None:
        return set()
    tasked = await session.execute(
        select(Assignment.person_id).where(
            Assignment.campaign_id.in_(opened),
            Assignment.person_id.in_(person_ids),
            (Assignment.status != AssignmentStatus.CANCELLED) | (Assignment.note == MISSED),
        )
    )
    return set(person_ids) - set(tasked.scalars())
