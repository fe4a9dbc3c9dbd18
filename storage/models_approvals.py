"""A notice waiting for a second office staffer's approval (issue 21).

A notice to more than MUSTER_NOTICE_APPROVAL_OVER people, or one marked sensitive, is kept
here as a draft until another office staffer approves it (then it is sent, and the draft
names the notice) or returns it with a reason. The decision is taken once: the row moves
out of `waiting` by a conditional UPDATE, so a double tap or two approvers at once act once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class DraftStatus(enum.StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    RETURNED = "returned"


class NoticeDraft(Base):
    __tablename__ = "notice_draft"
    __table_args__ = (Index("ix_notice_draft_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=DraftStatus.WAITING)
    audience: Mapped[str] = mapped_column(Text)  # the normalized spec
    text: Mapped[str] = mapped_column(Text)  # as typed: the first line is the title
    title: Mapped[str | None] = mapped_column(String(200))  # given apart from the text
    ack_by: Mapped[datetime | None]
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    targeted: Mapped[int] = mapped_column(Integer)  # people the audience had when submitted
    created_by: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: CLI
    created_at: Mapped[datetime]
    # the submitter's chat message that turns into the delivery progress once approved
    status_message_id: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"))
