"""Weekly check-ins, care items and the unit weekly risk register.

Weeks are ISO weeks in the deployment's time zone, written "2026-W49".
`checkin_response`, `checkin_answer` and `register_filing` are completion records: the ORM
refuses to change or delete them (database triggers come with the migration).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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
    """One person's answer to one week's check-in (closes the assignment)."""

    __tablename__ = "checkin_response"
    __table_args__ = (
        UniqueConstraint("assignment_id"),
        Index("ix_checkin_response_week_person", "week", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    form_version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)
    all_fine: Mapped[bool] = mapped_column(Boolean)
    hazards: Mapped[int] = mapped_column(Integer, default=0)  # answers that are hazards


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
    """One risk of a unit's weekly register. Rows of a filed week never change; an open
    row is carried into the next week as a new row pointing back to it."""

    __tablename__ = "register_row"
    __table_args__ = (
        UniqueConstraint("carried_from_id"),  # a row is carried over at most once
        Index("ix_register_row_unit_week", "unit_id", "week"),
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


class RegisterFiling(Base):
    """A unit filed its register for a week (closes the register assignment)."""

    __tablename__ = "register_filing"
    __table_args__ = (UniqueConstraint("unit_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    week: Mapped[str] = mapped_column(String(WEEK_LEN))
    filed_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)
    filed_by: Mapped[str] = mapped_column(String(100))
    no_new_risks: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # bot | import


# Completion records: evidence, never changed or deleted.
append_only(CheckinResponse, CheckinAnswer, RegisterFiling)
