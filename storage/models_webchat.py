"""Web chat channel tables: device sessions, the per-account message log, turn results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class WebchatSession(Base):
    """A browser's device session: the cookie holds a token, the row its SHA-256.
    `external_id` is the `web` account's external_user_id (bound or not yet)."""

    __tablename__ = "webchat_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class WebchatMessage(Base):
    """The message log of a `web` account: `id` is the log position (the SSE event id).
    kind "message" shows a new bubble; "edit" replaces bubble `message_id` in place."""

    __tablename__ = "webchat_message"
    __table_args__ = (Index("ix_webchat_message_external_id_id", "external_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # html, buttons, document name
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class WebchatTurn(Base):
    """The answer given to a POST with client id `client_id`: a repeat gets it again."""

    __tablename__ = "webchat_turn"
    __table_args__ = (UniqueConstraint("external_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
