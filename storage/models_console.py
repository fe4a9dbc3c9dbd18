"""The office console's logins and sessions. Secrets are stored as SHA-256 hashes only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ConsoleLogin(Base):
    """A one-time way in: a 6-digit code sent to the person's chat (kind "code") or a
    link printed by `muster login-link` (kind "link"). Used once, then used_at is set."""

    __tablename__ = "console_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleLock(Base):
    """Wrong login codes per employee number: 5 wrong -> locked for 15 minutes. Counted
    by one UPDATE statement, so concurrent processes cannot both slip under the limit."""

    __tablename__ = "console_lock"

    employee_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds the token; the row holds its hash."""

    __tablename__ = "console_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))


class ConsoleSubmission(Base):
    """A confirm form that acted (send a notice, publish, apply a roster). The form's
    one-time id is unique here, so a double click or a resubmitted page acts once."""

    __tablename__ = "console_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    what: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
