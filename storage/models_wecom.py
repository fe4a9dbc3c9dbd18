"""WeCom channel tables: the durable callback inbox, the shared access token, sent cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class WecomInbox(Base):
    """A decrypted callback, written before WeCom gets its 200 and handled afterwards.

    `dedupe_key` (MsgId, or FromUserName + CreateTime + Event for events) is unique, so a
    callback WeCom retries is stored, and handled, once.
    """

    __tablename__ = "wecom_inbox"
    __table_args__ = (Index("ix_wecom_inbox_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    from_user: Mapped[str] = mapped_column(String(64))
    xml: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|handling|done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))


class WecomToken(Base):
    """The app's access token, shared by every process; `lease_until` lets one refresh."""

    __tablename__ = "wecom_token"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # corp id:agent id
    access_token: Mapped[str | None] = mapped_column(String(600))
    expires_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))


class WecomCard(Base):
    """A template card Muster sent: its task id is the message id the rest of Muster sees,
    and `response_code` (from message/send or the latest click) lets us update it once."""

    __tablename__ = "wecom_card"

    task_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    userid: Mapped[str] = mapped_column(String(64))
    msgid: Mapped[str | None] = mapped_column(String(128))
    response_code: Mapped[str | None] = mapped_column(String(600))
    # What the card shows, so a "more" button can page through more than 6 buttons
    body: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)  # [[label, action], ...]
    # (a private reply's card keeps body and buttons sealed together in `body`)
    sent_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
