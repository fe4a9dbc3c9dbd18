"""Notices from the auxiliary police office, and who acknowledged them.

Delivery state is not stored here: every targeted person has one outbox row
(ref "notice:<id>", kind "notice"), nudges are further rows (kind "notice.nudge").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, append_only


class Notice(Base):
    """A message to part of the force. The attachment is kept in the database (bounded
    in size by the service) and sent to a person when they press its button."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # given, or the first line of the text
    body: Mapped[str] = mapped_column(Text)  # shown under the title
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    # deferred: lists and stats never load the bytes
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    ack_by: Mapped[datetime | None]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    nudges: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # The office message showing the delivery progress (the pressed preview), kept up to
    # date by scheduled/notices.py; the message id is cleared after its final refresh.
    status_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    status_message_id: Mapped[str | None] = mapped_column(String(64))


class NoticeAck(Base):
    """Evidence that a person acknowledged a notice. One per notice and person; never
    changed."""

    __tablename__ = "notice_ack"
    __table_args__ = (UniqueConstraint("notice_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    acked_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))


append_only(NoticeAck)  # who acknowledged what, when: evidence
