"""Hotline tickets: a question handed to the office, its thread, and the knowledge base state.

Sealed askers: `ticket.asker_person_id` is NULL on an anonymous ticket. Who asked is kept
only in `ticket_route`, sealed with MUSTER_HOTLINE_KEY (storage/sealed.py, a key outside the
database; the seal is bound to the ticket's id), and read by the hotline service for two
purposes: delivering the office's replies, and checking that a follow-up comes from the
asker. Everything Muster sends an asker is a sealed outbox row (no person, no ticket
reference), and the channels keep their copies of an asker's conversation sealed, so
someone who can read the whole database finds no link from an anonymous ticket to a
person (tests/test_sealed_askers.py reads every table to check).

A named ticket keeps its asker in `asker_person_id`, but no view shows the name: office
staff open "show asker" with a reason, which is audited and told to the asker.

`ticket_message` is append-only (ORM guard and database triggers, like `signature`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, append_only


class TicketStatus(enum.StrEnum):
    OPEN = "open"  # the asker waits for the office
    ANSWERED = "answered"  # the office replied last
    CLOSED = "closed"


class Sender(enum.StrEnum):
    ASKER = "asker"
    OFFICE = "office"


class Ticket(Base):
    """A question handed to a person. Number shown to people: H + six digits of the id."""

    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_due", "status", "reply_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL when anonymous: see ticket_route
    asker_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.OPEN)
    faq_hint: Mapped[str | None] = mapped_column(String(40))  # the closest FAQ entry, if any
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    # the oldest asker message the office has not answered yet, and when a reply is due
    # (one working day later); both NULL while nothing waits
    waiting_since: Mapped[datetime | None]
    reply_due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    @property
    def number(self) -> str:
        return ticket_number(self.id)


class TicketRoute(Base):
    """Who to deliver a ticket's replies to: the asker's person id, sealed for purpose
    `route_purpose(ticket_id)`. Read only by the hotline service's delivery path."""

    __tablename__ = "ticket_route"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[str] = mapped_column(Text)


def route_purpose(ticket_id: int) -> str:
    """What a ticket's sealed route is bound to: copied onto another ticket, it does not
    open."""
    return f"route:{ticket_id}"


class TicketMessage(Base):
    """One message of a ticket's thread. Never changed or deleted."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    sender: Mapped[str] = mapped_column(String(8))
    # the office staffer who wrote an office message; NULL for the asker's messages
    author_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class KbState(Base):
    """Singleton row: `muster kb reload` bumps the generation; every process rebuilds its
    knowledge-base index when it sees a new one."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # content at the last reload
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class UnitContact(Base):
    """A unit's own policy hotline (各用人单位均要设置政策咨询电话和邮箱). A field left
    empty falls back to the nearest parent unit that sets it, then to the bureau's
    (MUSTER_HOTLINE_PHONE, _EMAIL, _HOURS)."""

    __tablename__ = "unit_contact"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(128))
    hours: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class GapOutcome(enum.StrEnum):
    NONE = "none"  # nothing close enough: only "Ask a person"
    SUGGEST = "suggest"  # the closest questions, none confident
    PERSON = "person"  # handed to a person (a ticket)


class HotlineGap(Base):
    """A question the knowledge base did not answer confidently, or that went to a person:
    what the office should write entries for next. Office-only, like tickets. It holds no
    asker: a handed-on question links its ticket, which names the asker only when the
    ticket does (never for an anonymous one)."""

    __tablename__ = "hotline_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    faq_hint: Mapped[str | None] = mapped_column(String(40))  # the closest entry then
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(index=True)


def ticket_number(ticket_id: int) -> str:
    return f"H{ticket_id:06d}"


def parse_ticket_number(value: str) -> int | None:
    """ "H000123", "h123" or "123" -> 123; anything else -> None."""
    text = value.strip().upper().removeprefix("H")
    return int(text) if text.isdigit() and int(text) > 0 else None


append_only(TicketMessage)  # a thread is evidence of what was asked and answered
