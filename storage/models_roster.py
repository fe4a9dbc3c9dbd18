"""Roster 三定 records: the post list (岗位名称 with 岗位职责) and the change filings (备案).

A filing is evidence that a post or a mentor officer changed and was reported to the office:
append-only, like the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, append_only


class RosterPost(Base):
    """A post units may use; an import bringing another one needs --new-posts."""

    __tablename__ = "roster_post"
    __table_args__ = (UniqueConstraint("name", "duties"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    duties: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class RosterFiling(Base):
    """One change of post or mentor officer, as filed with the office (备案)."""

    __tablename__ = "roster_filing"
    __table_args__ = (Index("ix_roster_filing_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "mentor", "leader" or "post"
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    # the new mentor officer or leader (issue 21: 由继任人继续履行责任)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


append_only(RosterFiling)
