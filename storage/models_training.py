"""Training tables: frozen module versions, a person's working state, and the evidence.

`training_progress` is the only mutable one (where a person stopped, the answers of the
attempt in progress). A finished attempt is written once to `training_attempt`, with one
`training_answer` row per question so `muster training stats` is a plain GROUP BY; both
are append-only like signatures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, append_only


class TrainingVersion(Base):
    """A module version as published: content of every locale, frozen, with its SHA-256."""

    __tablename__ = "training_version"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    titles: Mapped[dict[str, Any]] = mapped_column(JSON)  # locale -> title
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # Module.to_json()
    sha256: Mapped[str] = mapped_column(String(64))
    pass_mark: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    audience_roles: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))


class TrainingProgress(Base):
    """Where one person is in one assignment: lesson page, attempt, answers so far.

    `option_order` maps question id -> original option indices in the order shown in this
    attempt (seeded by assignment and attempt, stored so a resumed quiz looks the same).
    """

    __tablename__ = "training_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("training_version.id"))
    lesson_index: Mapped[int] = mapped_column(Integer, default=0)
    attempt_no: Mapped[int] = mapped_column(Integer, default=0)  # 0: no attempt started
    in_quiz: Mapped[bool] = mapped_column(Boolean, default=False)
    question_index: Mapped[int] = mapped_column(Integer, default=0)
    option_order: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # qid -> [orig idx]
    selected: Mapped[list[Any]] = mapped_column(JSON, default=list)  # toggles, current q
    attempt_started_at: Mapped[datetime | None]
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrainingAttempt(Base):
    """Evidence of one finished quiz attempt. Never updated or deleted."""

    __tablename__ = "training_attempt"
    __table_args__ = (
        UniqueConstraint("assignment_id", "attempt_no"),
        Index("ix_training_attempt_person", "person_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("training_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the version's content
    attempt_no: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)  # percent, rounded down
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # qid -> [original option idx]
    locale: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    audit_hash: Mapped[str] = mapped_column(String(64))


class TrainingAnswer(Base):
    """One question of one finished attempt: right or wrong. Never updated or deleted."""

    __tablename__ = "training_answer"
    __table_args__ = (Index("ix_training_answer_question", "version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempt.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("training_version.id"))
    question_id: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool] = mapped_column(Boolean)


# Evidence tables refuse UPDATE and DELETE like `signature`.
append_only(TrainingAttempt, TrainingAnswer)
