"""Leave conditions as SQL, for every query that must tell who is away: the deadline
engine's selection, the digests, the status views and exports (set-based: one correlated
EXISTS or scalar subquery over `person_leave`, never a loop over people)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import Label

from storage.models_leave import PersonLeave

PersonId = ColumnElement[Any] | InstrumentedAttribute[Any]


def away(now: datetime) -> Select[Any]:
    """The people whose reminders and escalations wait: a leave of theirs has started and
    its time has not been given back yet (it runs, or it ended and the tick restores it).
    Used as `person_id IN (...)`: PostgreSQL hashes the few rows once, so the condition
    costs one lookup per row even inside an OR or a conditional count."""
    return select(PersonLeave.person_id).where(
        PersonLeave.starts_at <= now, PersonLeave.restored_at.is_(None)
    )


def waiting(person_id: PersonId, now: datetime) -> ColumnElement[bool]:
    """The person is away: `away(now)` as a condition on a person id column."""
    return person_id.in_(away(now))


def until(person_id: PersonId, now: datetime) -> Label[Any]:
    """When the leave the person is on at `now` ends (NULL when not on leave)."""
    return (
        select(func.max(PersonLeave.ends_at))
        .where(
            PersonLeave.person_id == person_id,
            PersonLeave.starts_at <= now,
            PersonLeave.ends_at > now,
        )
        .scalar_subquery()
        .label("leave_until")
    )
