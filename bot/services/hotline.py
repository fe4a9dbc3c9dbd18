"""The policy hotline: answer from the knowledge base, hand the rest to the office as tickets.

Who may do what (tested for every method in tests/test_hotline.py):
- auxiliaries ask: knowledge-base lookups, tickets, follow-ups on their own tickets;
- office staff run the queue (list, open, reply, close) and may try lookups;
- mentors and leaders have no hotline method but `contact` (the phone, mailbox and hours
  /help shows everyone): NotAllowed everywhere else, so no view or export of theirs can
  contain a question, a ticket or who asked.

Per-unit contacts: each unit may set its own policy phone, mailbox and hours
(`set_unit_contact`, `muster hotline contact`, the console through `unit_contacts`); a
person sees their unit's, field by field falling back to the parent unit's, then the
bureau's (settings).

Gaps: every question an auxiliary asked that got no confident answer, or that was handed to
a person, is kept as a `HotlineGap` (no asker; a handed-on question links its ticket, which
names the asker only when the ticket itself does). `gaps` groups them by similarity for the
office (`muster kb gaps`, and the console's hotline page through the same method).

Sealed askers (see storage/models_hotline.py): an anonymous ticket shows office staff only
its number, and its route to the asker is sealed with MUSTER_HOTLINE_KEY; every message to
an asker is a sealed outbox row (`storage.outbox.sealed_row`). A named ticket shows no name
either: `show_asker` reveals it to office staff who give a reason, audits that and tells
the asker. `my_tickets` and `my_ticket` are how an asker reads his own tickets.

Reply time: a ticket waiting for the office is due one working day (Monday to Friday in the
deployment's time zone; public holidays are not known) after the asker's oldest unanswered
message. `remind_overdue` (scheduled/hotline.py, hourly) reminds every office staffer of
each overdue ticket once per working day.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot import kb
from bot.actions import Btn
from bot.actor import Actor
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.notify import PRIORITY_TASK, Message
from bot.sealing import sealer_for
from bot.services.base import NotifyingService, project
from bot.text import normalize_input
from storage import audit, outbox
from storage import people as people_repo
from storage.models import Person, Role, Unit
from storage.models_hotline import (
    GapOutcome,
    HotlineGap,
    KbState,
    Sender,
    Ticket,
    TicketMessage,
    TicketRoute,
    TicketStatus,
    UnitContact,
    route_purpose,
    ticket_number,
)
from storage.sealed import SealBroken, Sealer

log = logging.getLogger(__name__)

MAX_QUESTION = 2000  # characters of one message in a ticket
MAX_REASON = 200  # characters of the reason for showing an asker
PREVIEW = 120  # characters of a question shown in lists and notifications
QUEUE_LIMIT = 50
ASKERS = (Role.AUXILIARY,)
LOOKERS = (Role.AUXILIARY, Role.OFFICE)

# to the office staff
OFFICE_NEW = Message("hotline-office-new", "hotline.office", PRIORITY_TASK)
OFFICE_FOLLOWUP = Message("hotline-office-followup", "hotline.office", PRIORITY_TASK)
OFFICE_OVERDUE = Message("hotline-office-overdue", "hotline.overdue", PRIORITY_TASK)
# to the asker, through the sealed route (never held by quiet hours: his own question)
TO_ASKER_REPLY = Message("hotline-reply-to-asker", "hotline.reply")
TO_ASKER_CLOSED = Message("hotline-closed-notice", "hotline.closed")
TO_ASKER_SHOWN = Message("hotline-asker-viewed", "hotline.asker_shown")


class NoSuchEntry(NotFound, key="hotline-error-no-entry"): ...


class NoSuchTicket(NotFound, key="hotline-error-no-ticket"): ...


class EmptyQuestion(InvalidInput, key="hotline-error-empty"): ...


class KbInvalid(DomainError, key="hotline-error-kb-invalid"): ...


class NotAQuestion(InvalidInput, key="hotline-noise"):
    """Nothing meaningful typed (digits alone, punctuation, emoji, one character)."""

    def __init__(self, text: str) -> None:
        super().__init__(text=text)
        self.text = text
        self.number = kb.is_number(text)


class NoSuchUnit(NotFound, key="hotline-error-no-unit"): ...


class BadContact(InvalidInput, key="hotline-error-contact"): ...


class AnonymousAsker(DomainError, key="hotline-error-anonymous-asker"):
    """An anonymous ticket has no name to show, to anyone."""


class RouteSealed(DomainError, key="hotline-error-route"):
    """The asker's route does not open: MUSTER_HOTLINE_KEY is not the key it was sealed
    with (or the row was altered). Nothing is sent and nothing changes."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A knowledge-base entry as shown: its own text and source, never generated."""

    faq_id: str
    question: str
    answer: str
    source_title: str
    source_heading: str
    sample: bool
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    faq_id: str
    question: str


@dataclass(frozen=True, slots=True)
class Lookup:
    confidence: kb.Confidence  # answer | suggest | none
    answer: Answer | None  # set when confident
    suggestions: list[Suggestion]  # the closest entries when not (at most 3)
    faq_hint: str | None  # the closest entry, kept on a ticket for the office
    gap_id: int | None = None  # the gap kept for an auxiliary's unconfident lookup


@dataclass(frozen=True, slots=True)
class FromChat:
    """Where a question handed to the office from the hotline chat comes from: its lookup's
    closest entry (kept on the ticket for the office) and the gap that lookup left, now
    linked to the ticket. Without a gap (a question typed straight for a person, or one the
    knowledge base did answer) a new one is kept."""

    faq_hint: str | None = None
    gap_id: int | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach the policy hotline, as a person sees it."""

    phone: str
    email: str
    hours: str
    unit: str | None  # the nearest unit that set one of the fields; None: the bureau's


@dataclass(frozen=True, slots=True)
class ContactFields:
    """A unit's own phone, mailbox and hours; None: not set."""

    phone: str | None = None
    email: str | None = None
    hours: str | None = None


@dataclass(frozen=True, slots=True)
class UnitContactRow:
    """A unit's own contact fields and what its people see."""

    unit: str
    parent: str | None
    own: ContactFields
    effective: Contact


@dataclass(frozen=True, slots=True)
class GapQuestion:
    question: str
    asked_at: datetime
    outcome: str  # none | suggest | person
    locale: str | None
    ticket_number: str | None  # when it was handed to a person; no asker, ever


@dataclass(frozen=True, slots=True)
class GapGroup:
    """Questions asking much the same that the knowledge base did not answer."""

    number: int  # 1 = the largest group
    count: int
    example: str  # the most recent question of the group
    faq_hint: str | None  # the entry they came closest to, most often
    first_at: datetime
    last_at: datetime
    tickets: int  # how many were handed to a person
    answered_now: str | None  # the entry the current knowledge base answers the example with
    questions: list[GapQuestion]


@dataclass(frozen=True, slots=True)
class TicketRef:
    id: int
    number: str
    status: str
    anonymous: bool


@dataclass(frozen=True, slots=True)
class ListedTicket(TicketRef):
    """A ticket in a list: when it was asked and when its thread last moved."""

    created_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True, slots=True)
class MyTicket(ListedTicket):
    """One of the asker's own tickets, as "my questions" lists it."""

    preview: str  # the start of the question
    replies: int  # the office's messages in the thread


@dataclass(frozen=True, slots=True)
class MyThread:
    ticket: TicketRef
    created_at: datetime
    messages: list[ThreadMessage]


@dataclass(frozen=True, slots=True)
class TicketSummary(ListedTicket):
    """A ticket as office staff see it: never who asked (`show_asker` for a named one)."""

    reply_due_at: datetime | None
    overdue: bool
    preview: str  # the start of the first question


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    sender: str  # asker | office
    author_name: str | None  # the office staffer; None for the asker
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketDetail:
    summary: TicketSummary
    messages: list[ThreadMessage]
    faq_hint: str | None


@dataclass(frozen=True, slots=True)
class ShownAsker:
    """Who asked a named ticket: shown to one office staffer, for the reason he gave."""

    number: str
    name: str
    employee_no: str
    unit: str
    post: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class KbReload:
    generation: int
    entries: int
    fingerprint: str
    changed: bool  # the content differs from the last reload


def next_working_day(at: datetime, tz: ZoneInfo) -> datetime:
    """One working day after `at`: the same wall time on the next Monday-Friday day.

    A question asked on a weekend starts its clock on Monday 00:00, so it is due Tuesday
    00:00. Public holidays are not known (no calendar is configured).
    """
    local = at.astimezone(tz)
    if local.weekday() >= 5:
        days = 7 - local.weekday()
        local = datetime.combine(local.date() + timedelta(days=days), time(0), tzinfo=tz)
    day = local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    due = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    return due.astimezone(at.tzinfo)


def _office_moved(ticket: Ticket, status: TicketStatus, now: datetime) -> None:
    """The office answered or closed the ticket: nobody waits for the office any more."""
    ticket.status = status
    ticket.closed_at = now if status == TicketStatus.CLOSED else None
    ticket.last_activity_at = now
    ticket.waiting_since = None
    ticket.reply_due_at = None


def _ticket_ref(ticket: Ticket) -> TicketRef:
    return project(TicketRef, ticket)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


GAP_FIELDS = (
    "count",
    "example",
    "faq_hint",
    "first_at",
    "last_at",
    "tickets",
    "answered_now",
    "questions",
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CONTACT_LIMITS = {"phone": 64, "email": 128, "hours": 64}


def _contact_field(name: str, value: str) -> str | None:
    """A contact field as stored: trimmed, one line; "" clears it."""
    text = normalize_input(value)
    if not text:
        return None
    if len(text) > _CONTACT_LIMITS[name] or (name == "email" and not _EMAIL.fullmatch(text)):
        raise BadContact(field=name, value=value)
    return text


def _first_message() -> Any:
    """The text of a ticket's first message (its question), for a query over tickets."""
    return (
        select(TicketMessage.text)
        .where(TicketMessage.ticket_id == Ticket.id)
        .order_by(TicketMessage.id)
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )


def check_question(text: str) -> None:
    """Refuse a question longer than a ticket takes (the one hotline limit)."""
    if len(text.strip()) > MAX_QUESTION:
        raise InvalidInput("error-too-long", limit=MAX_QUESTION)


class HotlineService(NotifyingService):
    @property
    def sealer(self) -> Sealer:
        """MUSTER_HOTLINE_KEY's sealer (HotlineKeyMissing without the key)."""
        return sealer_for(self.settings)

    # --- the knowledge base ------------------------------------------------------------

    async def _generation(self) -> int:
        row = await self.session.get(KbState, 1)
        return row.generation if row is not None else 0

    async def _kb(self) -> kb.Loaded:
        return kb.CACHE.get(self.settings.content_dir, await self._generation())

    def _answer(self, loaded: kb.Loaded, faq: kb.Faq, locale: str | None) -> Answer:
        text = faq.text(locale)
        cite = loaded.kb.cite(faq.source, locale)
        return Answer(
            faq.id,
            text.question,
            text.answer,
            cite.title,
            cite.heading,
            loaded.kb.sample,
            faq.topic,
        )

    async def lookup(self, actor: Actor, text: str, *, locale: str | None) -> Lookup:
        """Search the knowledge base; the answer only when the match is confident."""
        actor.require(*LOOKERS)
        question = normalize_input(text)
        if not question:
            raise EmptyQuestion()
        check_question(question)  # one limit, told when typed, not at the hand-off
        if kb.is_noise(question):
            raise NotAQuestion(question)
        try:
            loaded = await self._kb()
        except kb.KbError:
            log.exception("the knowledge base cannot be loaded; every question goes to a person")
            gap = await self._gap(actor, question, locale, GapOutcome.NONE, None)
            return Lookup("none", None, [], None, gap)
        result = loaded.search(question, k=3)
        hint = result.hits[0].doc_id if result.hits else None
        if result.confidence == "answer":
            faq = loaded.kb.faqs[result.hits[0].doc_id]
            return Lookup("answer", self._answer(loaded, faq, locale), [], hint)
        if result.confidence == "none":
            gap = await self._gap(actor, question, locale, GapOutcome.NONE, hint)
            return Lookup("none", None, [], None, gap)
        suggestions = [
            Suggestion(h.doc_id, loaded.kb.faqs[h.doc_id].text(locale).question)
            for h in result.hits
        ]
        gap = await self._gap(actor, question, locale, GapOutcome.SUGGEST, hint)
        return Lookup("suggest", None, suggestions, hint, gap)

    async def _gap(
        self,
        actor: Actor,
        question: str,
        locale: str | None,
        outcome: GapOutcome,
        hint: str | None,
        ticket_id: int | None = None,
    ) -> int | None:
        """Keep an auxiliary's question the knowledge base did not answer (office staff
        trying entries out are not asking)."""
        if actor.person is None or not actor.person.has_role(Role.AUXILIARY):
            return None
        gap = HotlineGap(
            question=question[:MAX_QUESTION],
            locale=locale,
            outcome=outcome,
            faq_hint=hint,
            ticket_id=ticket_id,
            asked_at=self.clock.now(),
        )
        self.session.add(gap)
        await self.session.flush()
        return gap.id

    async def entry(self, actor: Actor, faq_id: str, *, locale: str | None) -> Answer:
        """One entry by id (a suggestion was pressed)."""
        actor.require(*LOOKERS)
        try:
            loaded = await self._kb()
        except kb.KbError:
            raise NoSuchEntry() from None
        faq = loaded.kb.faqs.get(faq_id)
        if faq is None:
            raise NoSuchEntry()
        return self._answer(loaded, faq, locale)

    async def reload_kb(self, actor: Actor) -> KbReload:
        """Validate the content and bump the generation: every process reloads it."""
        actor.require(Role.OFFICE)
        try:
            content = kb.load(self.settings.content_dir)
        except kb.KbError as exc:
            errors = [p for p in exc.problems if p.error]
            raise KbInvalid(count=len(errors), first=str(errors[0])) from None
        now = self.clock.now()
        row = await self.session.get(KbState, 1, with_for_update=True)
        if row is None:
            row = KbState(id=1, generation=0, updated_at=now, updated_by=actor.label)
            self.session.add(row)
        changed = row.fingerprint != content.fingerprint
        row.generation += 1
        row.fingerprint = content.fingerprint
        row.updated_at = now
        row.updated_by = actor.label
        await self.session.flush()
        return KbReload(row.generation, len(content.faqs), content.fingerprint, changed)

    # --- the asker ---------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        body = text.strip()
        if not body:
            raise EmptyQuestion()
        if len(body) > MAX_QUESTION:
            raise InvalidInput("error-too-long", limit=MAX_QUESTION)
        return body

    async def ask(
        self, actor: Actor, text: str, *, anonymous: bool, chat: FromChat | None = None
    ) -> TicketRef:
        """Hand a question to the office as a new ticket and tell the office staff. One
        from the hotline `chat` is kept among the gaps (see FromChat)."""
        actor.require(*ASKERS)
        if actor.person is None:
            raise NotAllowed()
        body = self._clean(text)
        if chat is not None and kb.is_noise(body):
            raise NotAQuestion(body)
        now = self.clock.now()
        ticket = Ticket(
            asker_person_id=None if anonymous else actor.person.id,
            anonymous=anonymous,
            status=TicketStatus.OPEN,
            faq_hint=chat.faq_hint if chat is not None else None,
            created_at=now,
            last_activity_at=now,
            waiting_since=now,
            reply_due_at=next_working_day(now, self.settings.tz),
        )
        self.session.add(ticket)
        await self.session.flush()
        route = self.sealer.seal(str(actor.person.id), purpose=route_purpose(ticket.id))
        self.session.add(TicketRoute(ticket_id=ticket.id, sealed=route))
        message = TicketMessage(
            ticket_id=ticket.id, sender=Sender.ASKER, author_person_id=None, text=body, at=now
        )
        self.session.add(message)
        await self.session.flush()
        await self._audit_message(actor, ticket, message)
        if chat is not None:
            await self._hand_gap(actor, body, chat, ticket)
        await self._tell_office(
            ticket, OFFICE_NEW, f"hotline-new:{ticket.id}", preview=_preview(body)
        )
        return _ticket_ref(ticket)

    async def _hand_gap(self, actor: Actor, body: str, chat: FromChat, ticket: Ticket) -> None:
        row = await self.session.get(HotlineGap, chat.gap_id) if chat.gap_id is not None else None
        if row is not None and row.ticket_id is None:
            row.ticket_id = ticket.id
            row.outcome = GapOutcome.PERSON
            await self.session.flush()
            return
        locale = actor.person.locale if actor.person is not None else None
        await self._gap(actor, body, locale, GapOutcome.PERSON, chat.faq_hint, ticket.id)

    async def _audit_message(self, actor: Actor, ticket: Ticket, message: TicketMessage) -> None:
        """Record a thread message (evidence) in the audit log; an anonymous asker stays
        anonymous there too."""
        anonymous = ticket.anonymous and message.sender == Sender.ASKER
        await self.audit_event(
            "asker:anonymous" if anonymous else actor,
            "hotline.message",
            f"ticket:{ticket.number}",
            {"sender": message.sender, "message": message.id},
            at=message.at,
            evidence=[audit.Evidence.of(message)],
        )

    def _open_route(self, ticket_id: int, sealed: str, sealer: Sealer | None = None) -> int:
        try:
            return int((sealer or self.sealer).open(sealed, purpose=route_purpose(ticket_id)))
        except (SealBroken, ValueError):
            log.error("hotline: the route of ticket %s does not open", ticket_number(ticket_id))
            raise RouteSealed(number=ticket_number(ticket_id)) from None

    async def _route(self, ticket_id: int) -> int:
        """The asker's person id, from the ticket's sealed route."""
        sealed = (
            await self.session.execute(
                select(TicketRoute.sealed).where(TicketRoute.ticket_id == ticket_id)
            )
        ).scalar_one()
        return self._open_route(ticket_id, sealed)

    async def _asker_ticket_ids(self, person_id: int) -> list[int]:
        """The ids of a person's own tickets: every sealed route opened, since no index
        says whose a ticket is (bench/bench_sealed_routes.py: ~35 ms for 10,000)."""
        sealer = self.sealer
        routes = await self.session.execute(select(TicketRoute.ticket_id, TicketRoute.sealed))
        return [
            t for t, sealed in routes.all() if self._open_route(t, sealed, sealer) == person_id
        ]

    async def _own(self, actor: Actor, ticket_id: int) -> Ticket:
        """The asker's own ticket; anyone else's does not exist for them."""
        actor.require(*ASKERS)
        if actor.person is None:
            raise NotAllowed()
        ticket = await self.session.get(Ticket, ticket_id)
        if ticket is None or await self._route(ticket_id) != actor.person.id:
            raise NoSuchTicket()
        return ticket

    async def my_ticket(self, actor: Actor, ticket_id: int) -> TicketRef:
        """The asker's own ticket (to answer back in its thread)."""
        ticket = await self._own(actor, ticket_id)
        return _ticket_ref(ticket)

    async def my_tickets(self, actor: Actor) -> list[MyTicket]:
        """ "My questions": the asker's own tickets, latest activity first, with their
        status and whether the office replied. Found by opening the sealed routes (AES-GCM:
        microseconds each); no index says whose a ticket is, and no office view can."""
        actor.require(*ASKERS)
        if actor.person is None:
            raise NotAllowed()
        mine = await self._asker_ticket_ids(actor.person.id)
        if not mine:
            return []
        first = _first_message()
        replies = (
            select(func.count(TicketMessage.id))
            .where(TicketMessage.ticket_id == Ticket.id, TicketMessage.sender == Sender.OFFICE)
            .correlate(Ticket)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Ticket, first, replies)
            .where(Ticket.id.in_(mine))
            .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
        )
        return [
            project(MyTicket, t, preview=_preview(text or ""), replies=int(n or 0))
            for t, text, n in rows.all()
        ]

    async def my_thread(self, actor: Actor, ticket_id: int) -> MyThread:
        """One of the asker's own tickets with its thread (the office's replies signed by
        the office, not by the staffer)."""
        ticket = await self._own(actor, ticket_id)
        messages = await self.session.execute(
            select(TicketMessage.sender, TicketMessage.text, TicketMessage.at)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)
        )
        return MyThread(
            _ticket_ref(ticket),
            ticket.created_at,
            [ThreadMessage(sender, None, text, at) for sender, text, at in messages.all()],
        )

    async def follow_up(self, actor: Actor, ticket_id: int, text: str) -> TicketRef:
        """The asker answers back in the same thread; a closed ticket opens again."""
        ticket = await self._own(actor, ticket_id)
        body = self._clean(text)
        now = self.clock.now()
        message = TicketMessage(
            ticket_id=ticket.id, sender=Sender.ASKER, author_person_id=None, text=body, at=now
        )
        self.session.add(message)
        ticket.status = TicketStatus.OPEN
        ticket.closed_at = None
        ticket.last_activity_at = now
        if ticket.waiting_since is None:
            ticket.waiting_since = now
            ticket.reply_due_at = next_working_day(now, self.settings.tz)
        await self.session.flush()
        await self._audit_message(actor, ticket, message)
        await self._tell_office(
            ticket, OFFICE_FOLLOWUP, f"hotline-followup:{message.id}", preview=_preview(body)
        )
        return _ticket_ref(ticket)

    # --- the office --------------------------------------------------------------------

    def _summaries_query(self) -> Any:
        first = _first_message()
        # No person is joined: no office view names an asker (show_asker does, with a reason).
        return select(Ticket, first)

    def _summary(self, row: Any) -> TicketSummary:
        ticket, first = row
        now = self.clock.now()
        overdue = (
            ticket.status == TicketStatus.OPEN
            and ticket.reply_due_at is not None
            and ticket.reply_due_at <= now
        )
        return project(TicketSummary, ticket, overdue=overdue, preview=_preview(first or ""))

    async def queue(
        self, actor: Actor, *, include_closed: bool = False, limit: int = QUEUE_LIMIT
    ) -> list[TicketSummary]:
        """Tickets for the office: waiting ones first (longest waiting first), then the
        answered ones (latest first); closed ones only when asked."""
        actor.require(Role.OFFICE)
        stmt = self._summaries_query()
        if not include_closed:
            stmt = stmt.where(Ticket.status != TicketStatus.CLOSED)
        rows = (await self.session.execute(stmt)).all()
        order = {TicketStatus.OPEN: 0, TicketStatus.ANSWERED: 1, TicketStatus.CLOSED: 2}
        summaries = [self._summary(r) for r in rows]
        summaries.sort(
            key=lambda s: (
                order.get(TicketStatus(s.status), 3),
                s.reply_due_at.timestamp()
                if s.status == TicketStatus.OPEN and s.reply_due_at
                else -s.last_activity_at.timestamp(),
                s.id,
            )
        )
        return summaries[:limit]

    async def _ticket_row(self, ticket_id: int) -> Any:
        row = (
            await self.session.execute(self._summaries_query().where(Ticket.id == ticket_id))
        ).one_or_none()
        if row is None:
            raise NoSuchTicket()
        return row

    async def ticket(self, actor: Actor, ticket_id: int) -> TicketDetail:
        """One ticket with its whole thread."""
        actor.require(Role.OFFICE)
        row = await self._ticket_row(ticket_id)
        author = aliased(Person)
        messages = (
            await self.session.execute(
                select(TicketMessage, author.name)
                .outerjoin(author, author.id == TicketMessage.author_person_id)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
        ).all()
        thread = [
            ThreadMessage(m.sender, name if m.sender == Sender.OFFICE else None, m.text, m.at)
            for m, name in messages
        ]
        return TicketDetail(self._summary(row), thread, row[0].faq_hint)

    async def _ticket(self, ticket_id: int, *, lock: bool = False) -> Ticket:
        """The ticket (locked for an update with `lock`), or NoSuchTicket."""
        ticket = await self.session.get(Ticket, ticket_id, with_for_update=lock)
        if ticket is None:
            raise NoSuchTicket()
        return ticket

    async def reply(self, actor: Actor, ticket_id: int, text: str) -> TicketSummary:
        """Answer the asker in the thread; the reply reaches them through the outbox."""
        actor.require(Role.OFFICE)
        body = self._clean(text)
        ticket = await self._ticket(ticket_id, lock=True)
        now = self.clock.now()
        message = TicketMessage(
            ticket_id=ticket.id,
            sender=Sender.OFFICE,
            author_person_id=actor.person.id if actor.person else None,
            text=body,
            at=now,
        )
        self.session.add(message)
        _office_moved(ticket, TicketStatus.ANSWERED, now)
        await self.session.flush()
        await self._audit_message(actor, ticket, message)
        await self._to_asker(
            ticket,
            TO_ASKER_REPLY,
            f"hotline-reply:{message.id}",
            button=("hotline-btn-answer-back", Btn.HOTLINE_FOLLOW_UP.token(ticket.id)),
            text=body,
        )
        return self._summary(await self._ticket_row(ticket.id))

    async def close(self, actor: Actor, ticket_id: int) -> TicketSummary:
        """Close the ticket and tell the asker; answering back opens it again."""
        actor.require(Role.OFFICE)
        ticket = await self._ticket(ticket_id, lock=True)
        if ticket.status != TicketStatus.CLOSED:
            now = self.clock.now()
            _office_moved(ticket, TicketStatus.CLOSED, now)
            await self.session.flush()
            await self._to_asker(
                ticket, TO_ASKER_CLOSED, f"hotline-closed:{ticket.id}:{int(now.timestamp())}"
            )
        return self._summary(await self._ticket_row(ticket.id))

    async def show_asker(self, actor: Actor, ticket_id: int, reason: str) -> ShownAsker:
        """Who asked a named ticket, for an office staffer who says why: the view is
        audited (who, which ticket, the reason) and the asker is told that the office
        viewed his name, by whom, when and why. An anonymous ticket has no name to show."""
        actor.require(Role.OFFICE)
        why = " ".join(reason.split())
        if not why:
            raise InvalidInput("hotline-error-reason-empty")
        if len(why) > MAX_REASON:
            raise InvalidInput("error-too-long", limit=MAX_REASON)
        ticket = await self._ticket(ticket_id)
        if ticket.anonymous or ticket.asker_person_id is None:
            raise AnonymousAsker(number=ticket.number)
        asker = await people_repo.person_by_id(self.session, ticket.asker_person_id)
        if asker is None:
            raise NoSuchTicket()
        now = self.clock.now()
        event = await self.audit_event(
            actor, "hotline.asker_shown", f"ticket:{ticket.number}", {"reason": why}, at=now
        )
        await self._to_asker(
            ticket,
            TO_ASKER_SHOWN,
            f"audit:{event.id}",
            when=now,
            viewer=actor.person.name if actor.person is not None else actor.label,
            reason=why,
        )
        return ShownAsker(
            ticket.number, asker.name, asker.employee_no, asker.unit.name, asker.post, why
        )

    async def remind_overdue(self, actor: Actor) -> int:
        """Remind every office staffer of each ticket waiting longer than one working day,
        once per working day; return the messages queued."""
        actor.require(Role.OFFICE)
        now = self.clock.now()
        today = now.astimezone(self.settings.tz).date()
        if today.weekday() >= 5:
            return 0  # nobody is in the office to act on it; Monday's run reminds
        overdue = (
            (
                await self.session.execute(
                    select(Ticket)
                    .where(Ticket.status == TicketStatus.OPEN, Ticket.reply_due_at <= now)
                    .order_by(Ticket.reply_due_at)
                )
            )
            .scalars()
            .all()
        )
        if not overdue:
            return 0
        queued = 0
        for ticket in overdue:
            dedupe = f"hotline-sla:{ticket.id}:{today.isoformat()}"
            queued += await self._tell_office(ticket, OFFICE_OVERDUE, dedupe)
        return queued

    # --- per-unit contacts --------------------------------------------------------------

    async def _contact_tables(self) -> tuple[dict[int, Unit], dict[int, UnitContact]]:
        units = {u.id: u for u in (await self.session.execute(select(Unit))).scalars()}
        own = {c.unit_id: c for c in (await self.session.execute(select(UnitContact))).scalars()}
        return units, own

    def _effective(
        self, unit_id: int | None, units: dict[int, Unit], own: dict[int, UnitContact]
    ) -> Contact:
        """Field by field: the unit's own, else the nearest parent's, else the bureau's."""
        s = self.settings
        found: dict[str, str] = {}
        nearest: str | None = None
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen and len(found) < 3:
            seen.add(unit_id)  # a cycle in parent ids must not hang a reply
            row = own.get(unit_id)
            if row is not None:
                for name in ("phone", "email", "hours"):
                    value = getattr(row, name)
                    if value and name not in found:
                        found[name] = value
                        nearest = nearest or units[unit_id].name
            unit = units.get(unit_id)
            unit_id = unit.parent_id if unit is not None else None
        return Contact(
            found.get("phone", s.hotline_phone),
            found.get("email", s.hotline_email),
            found.get("hours", s.hotline_hours),
            nearest,
        )

    async def contact(self, actor: Actor) -> Contact:
        """How this person reaches the policy hotline: their unit's, falling back to the
        bureau's. Open to everyone: it is what /help shows (no question, no ticket)."""
        if actor.person is None:
            return self._effective(None, {}, {})
        units, own = await self._contact_tables()
        return self._effective(actor.person.unit_id, units, own)

    async def unit_contacts(self, actor: Actor) -> list[UnitContactRow]:
        """Every unit with its own contact fields and what its people see (office)."""
        actor.require(Role.OFFICE)
        units, own = await self._contact_tables()
        rows = []
        for unit in sorted(units.values(), key=lambda u: u.name):
            mine = own.get(unit.id)
            parent = units.get(unit.parent_id) if unit.parent_id is not None else None
            rows.append(
                UnitContactRow(
                    unit.name,
                    parent.name if parent is not None else None,
                    ContactFields(mine.phone, mine.email, mine.hours) if mine else ContactFields(),
                    self._effective(unit.id, units, own),
                )
            )
        return rows

    async def set_unit_contact(
        self, actor: Actor, unit_name: str, contact: ContactFields
    ) -> UnitContactRow:
        """Set a unit's own phone, mailbox or hours (office). A field that is None is left
        as it is; an empty text clears it (its people then see the parent unit's or the
        bureau's)."""
        actor.require(Role.OFFICE)
        unit = await people_repo.unit_by_name(self.session, unit_name.strip())
        if unit is None:
            raise NoSuchUnit(unit=unit_name)
        values = {
            name: _contact_field(name, value)
            for name, value in asdict(contact).items()
            if value is not None
        }
        row = await self.session.get(UnitContact, unit.id, with_for_update=True)
        now = self.clock.now()
        if row is None:
            row = UnitContact(unit_id=unit.id, updated_at=now, updated_by=actor.label)
            self.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        row.updated_by = actor.label
        await self.session.flush()
        return next(r for r in await self.unit_contacts(actor) if r.unit == unit.name)

    # --- gaps: what the knowledge base did not answer ----------------------------------

    async def gaps(self, actor: Actor, *, since: datetime | None = None) -> list[GapGroup]:
        """Questions with no confident answer or handed to a person, grouped by similarity,
        the largest group first (office). No asker: a ticket's number at most."""
        actor.require(Role.OFFICE)
        stmt = (
            select(HotlineGap, Ticket)
            .outerjoin(Ticket, Ticket.id == HotlineGap.ticket_id)
            .order_by(HotlineGap.asked_at, HotlineGap.id)
        )
        if since is not None:
            stmt = stmt.where(HotlineGap.asked_at >= since)
        rows = (await self.session.execute(stmt)).all()
        if not rows:
            return []
        try:
            loaded: kb.Loaded | None = await self._kb()
        except kb.KbError:
            loaded = None
        questions = [
            GapQuestion(
                gap.question,
                gap.asked_at,
                gap.outcome,
                gap.locale,
                ticket.number if ticket is not None else None,
            )
            for gap, ticket in rows
        ]
        hints = [gap.faq_hint for gap, *_ in rows]
        texts = [q.question for q in questions]
        if loaded is not None:
            grouped = kb.group_similar(texts, loaded.index)
        else:
            grouped = [[i] for i in range(len(texts))]
        groups = []
        for members in grouped:
            items = [questions[i] for i in members]
            common = Counter(hints[i] for i in members if hints[i]).most_common(1)
            example = items[-1].question
            now_answered = None
            if loaded is not None:
                result = loaded.search(example)
                if result.confidence == "answer":
                    now_answered = result.hits[0].doc_id
            groups.append(
                GapGroup(
                    0,
                    len(items),
                    example,
                    common[0][0] if common else None,
                    items[0].asked_at,
                    items[-1].asked_at,
                    sum(1 for q in items if q.ticket_number is not None),
                    now_answered,
                    list(reversed(items)),  # newest first
                )
            )
        groups.sort(key=lambda g: (-g.count, -g.last_at.timestamp()))
        return [
            GapGroup(n, *(getattr(g, f) for f in GAP_FIELDS))
            for n, g in enumerate(groups, start=1)
        ]

    # --- delivery ----------------------------------------------------------------------

    def _open_button(self, person: Person, ticket_id: int) -> dict[str, str]:
        t = self.notifier.t(person.locale)
        return {
            "label": t("hotline-btn-open-ticket"),
            "action": Btn.HOTLINE_TICKET.token(ticket_id),
        }

    async def _tell_office(
        self, ticket: Ticket, message: Message, dedupe: str, /, **args: Any
    ) -> int:
        """`message` about `ticket` to every office staffer, with the ticket's number, who
        asked as the office may see it (named or anonymous, never the name) and since when
        it waits for an answer."""
        staff = await people_repo.people_with_role(self.session, Role.OFFICE.value)
        queued = 0
        for person in staff:
            t = self.notifier.t(person.locale)
            queued += await self.notifier.to_person(
                person,
                message,
                ref=f"ticket:{ticket.id}",
                dedupe_key=f"{dedupe}:{person.id}",
                buttons=[[self._open_button(person, ticket.id)]],
                number=ticket.number,
                who=t("hotline-who-anonymous" if ticket.anonymous else "hotline-who-named-hidden"),
                since=t.time(ticket.waiting_since),
                **args,
            )
        return queued

    async def _to_asker(
        self,
        ticket: Ticket,
        message: Message,
        dedupe: str,
        /,
        *,
        button: tuple[str, str] | None = None,
        when: datetime | None = None,
        **args: Any,
    ) -> int:
        """One message to the asker, found through the sealed route: a sealed outbox row
        (no person, no kind, no ticket reference; text and buttons sealed, the dedupe key
        keyed), named or anonymous alike, so no outbox row joins back to a ticket."""
        person = await people_repo.person_by_id(self.session, await self._route(ticket.id))
        if person is None:
            return 0
        t = self.notifier.t(person.locale)
        now = self.clock.now()
        if when is not None:
            args["time"] = t.time(when)
        row = outbox.sealed_row(
            self.sealer,
            account=await self.notifier.account_of(person.id),
            text=t(message.key, number=ticket_number(ticket.id), **args),
            buttons=[[{"label": t(button[0]), "action": button[1]}]] if button else [],
            dedupe_key=f"{message.kind}:{dedupe}",
            # an answer to the person's own question: not held back by quiet hours
            not_before=now,
            now=now,
            priority=message.priority,
        )
        return await outbox.enqueue(self.session, [row])
