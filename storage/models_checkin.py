"""Weekly check-ins, care items and the unit weekly risk register.

Weeks are ISO weeks in the deployment's time zone, written "2026-W49".
`checkin_response`, `checkin_answer`, `register_filing` and `register_row` are records: the
ORM refuses to change or delete them (database triggers come with the migrations). A
correction is a new row pointing at the one it supersedes: a check-in corrected before its
deadline is a new response (`supersedes_id`), an edited register row a new row
(`replaces_id`, or `removed` for a row taken out), an amended register a new filing
(`version` n + 1, listing its rows). The views read the newest.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, append_only

WEEK_LEN = 8  # "2026-W49"


class Visibility(enum.StrEnum):
    MENTOR = "mentor"  # the mentor, the unit leader and the office
    OFFICE = "office"  # the office only


class RiskStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CheckinResponse(Base):
    """One person's answer to one week's check-in (the first closes the assignment). A
    correction before the deadline is a new response superseding the previous one; the
    current response of an assignment is the one nothing supersedes."""

    __tablename__ = "checkin_response"
    __table_args__ = (Index("ix_checkin_response_week_person", "week", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    form_version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)
    all_fine: Mapped[bool] = mapped_column(Boolean)
    hazards: Mapped[int] = mapped_column(Integer, default=0)  # answers that are hazards
    # the response this one corrects (each is corrected at most once: a chain)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_response.id"), unique=True
    )


class CheckinAnswer(Base):
    """One answer. `visibility` is copied from the question when answered, so editing the
    questionnaire later never exposes an office-only answer."""

    __tablename__ = "checkin_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("checkin_response.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(8))
    hazard: Mapped[bool] = mapped_column(Boolean, default=False)


class CareItem(Base):
    """A difficulty written in a check-in, handed to the office as a hotline ticket (the
    office follows it up and replies there). Office only, like the answer it comes from."""

    __tablename__ = "care_item"
    __table_args__ = (Index("ix_care_item_week", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("checkin_response.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    question_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32))  # the choice before it, e.g. "pay"
    # NULL only if the person could not ask the hotline (no longer an auxiliary)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    created_at: Mapped[datetime]


class UnitReporter(Base):
    """Who files the unit's register instead of its leaders (designated by a leader)."""

    __tablename__ = "unit_reporter"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    designated_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class RegisterRow(Base):
    """One risk of a unit's weekly register. Rows never change: an edit is a new row that
    `replaces_id` the old one (`removed` when the risk was taken out), so every change is
    kept; a filing lists the rows it filed. An open row is carried into the next week as a
    new row pointing back to it (`carried_from_id`, on the carried row's first version)."""

    __tablename__ = "register_row"
    __table_args__ = (
        UniqueConstraint("carried_from_id"),  # a row is carried over at most once
        Index("ix_register_row_unit_week", "unit_id", "week"),
        Index("ix_register_row_replaces_id", "replaces_id", unique=True),  # one successor
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    category: Mapped[str] = mapped_column(String(32))
    risk: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RiskStatus.OPEN)
    note: Mapped[str | None] = mapped_column(Text)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("register_row.id"))
    first_week: Mapped[str] = mapped_column(String(WEEK_LEN))  # when the risk was found
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("register_row.id"))
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the person picked as 责任人 (owner keeps the name as shown); NULL when typed
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class RegisterFiling(Base):
    """A unit filed its register for a week (the first closes the register assignment).
    Amended before the deadline: a new filing, version n + 1; the newest one counts."""

    __tablename__ = "register_filing"
    __table_args__ = (UniqueConstraint("unit_id", "week", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    filed_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)
    filed_by: Mapped[str] = mapped_column(String(100))
    no_new_risks: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # bot | import
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the register_row ids filed; NULL on filings made before rows had versions
    row_ids: Mapped[list[int] | None] = mapped_column(JSON)


class MentorAlert(Base):
    """A check-in that tells the auxiliary's mentor something: a hazard, or a request for
    help. It goes out in the mentor's next digest (at the latest at `digest_at`), or at
    once when the auxiliary marks it urgent. Only mentor-visible answers are ever shown;
    the row holds none, only the response. Delivery bookkeeping, not evidence."""

    __tablename__ = "mentor_alert"
    __table_args__ = (Index("ix_mentor_alert_pending", "queued_at", "digest_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("checkin_response.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    corrects: Mapped[bool] = mapped_column(Boolean, default=False)  # after a sent alert
    created_at: Mapped[datetime]
    digest_at: Mapped[datetime]  # the daily mentor digest it waits for at the latest
    urgent_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]  # put in an outbox message
    queued_key: Mapped[str | None] = mapped_column(String(64))  # that message's dedupe key
    sent_to_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # digest|urgent|superseded|...


# Completion records: evidence, never changed or deleted.
append_only(CheckinResponse, CheckinAnswer, RegisterFiling, RegisterRow)
