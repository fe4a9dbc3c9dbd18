"""Leave (请销假): a person away from–to with a category. While a leave runs, the deadline
engine leaves that person's reminders and escalations waiting; when it ends, the engine
gives each open task back the time it had left (scheduled/deadlines.py, bot/services/leave.py).

A row is the office's record, not evidence: ending a leave early changes `ends_at`, and
`restored_at` is set once by the engine when the time has been given back. Every change is
an audit event.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, partial_index


class LeaveCategory(enum.StrEnum):
    ANNUAL = "annual"  # 年休假
    SICK = "sick"  # 病假
    PARENTAL = "parental"  # 产假 / 陪产假
    INJURY = "injury"  # 工伤假
    STUDY = "study"  # 学习培训
    SECONDMENT = "secondment"  # 借调
    OTHER = "other"  # 其他


class PersonLeave(Base):
    """One leave of one person: [starts_at, ends_at), UTC, local midnights when set by day."""

    __tablename__ = "person_leave"
    __table_args__ = (
        Index("ix_person_leave_person", "person_id", "starts_at"),
        # the tick's condition: a leave that has started and whose time is not given back
        partial_index(
            "ix_person_leave_waiting", "person_id", "starts_at", where="restored_at IS NULL"
        ),
        partial_index("ix_person_leave_returns", "ends_at", where="restored_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    category: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # exclusive; ending early moves it to that moment
    note: Mapped[str | None] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime]
    ended_by: Mapped[str | None] = mapped_column(String(100))  # ended early / cancelled by
    ended_at: Mapped[datetime | None]
    # when the engine gave the person's open tasks their time back (or found nothing to give)
    restored_at: Mapped[datetime | None]
