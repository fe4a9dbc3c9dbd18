"""SQLAlchemy models. Every timestamp is UTC (UTCDateTime)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching `where`, the same on SQLite and PostgreSQL."""
    return Index(
        name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where)
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Role(enum.StrEnum):
    AUXILIARY = "auxiliary"
    MENTOR = "mentor"
    LEADER = "leader"
    OFFICE = "office"


class PersonStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    created_at: Mapped[datetime]
    quota: Mapped[int | None] = mapped_column(Integer)  # approved headcount (员额) of auxiliaries


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(8))
    age: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    post: Mapped[str | None] = mapped_column(String(100))
    post_duties: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PersonStatus.ACTIVE)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # WeCom userid from the roster's 企业微信账号 column: a message from it binds this person
    wecom_userid: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # Created from a name in the statistics table: employee_no is a placeholder (待补…)
    employee_no_missing: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    roles: Mapped[list[PersonRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)


class PersonRole(Base):
    __tablename__ = "person_role"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class Binding(Base):
    """Auxiliary -> mentor officer and unit leader. The current row has valid_to NULL."""

    __tablename__ = "binding"
    __table_args__ = (
        partial_index("uq_binding_current", "auxiliary_id", where="valid_to IS NULL", unique=True),
        Index("ix_binding_mentor_current", "mentor_id", "valid_to"),
        Index("ix_binding_leader_current", "leader_id", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    auxiliary_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    changed_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(200))


class ChannelAccount(Base):
    """A person's account on a channel. The active one has unbound_at NULL."""

    __tablename__ = "channel_account"
    __table_args__ = (
        partial_index(
            "uq_channel_account_active_user",
            "channel",
            "external_user_id",
            where="unbound_at IS NULL",
            unique=True,
        ),
        partial_index(
            "uq_channel_account_active_person",
            "person_id",
            "channel",
            where="unbound_at IS NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[datetime]
    unbound_at: Mapped[datetime | None]
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None]  # the person's last turn here: pushes go here


class InviteCode(Base):
    __tablename__ = "invite_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RegistrationThrottle(Base):
    """Wrong invite codes per channel user: 5 wrong -> wait 15 minutes."""

    __tablename__ = "registration_throttle"
    __table_args__ = (UniqueConstraint("channel", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ConversationState(Base):
    """Where a channel user is in a conversation. Any process can take the next message."""

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("channel", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locale: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """The ledger of inbound updates already handled: (channel, update key) once.

    The key is the channel's own redelivery id: Telegram's update_id, the web chat's client
    message id, WeCom's MsgId (or "event:<user>:<CreateTime>:<Event>" for events). The row
    is written in the transaction that handles the update, so a redelivered update finds
    it and is acknowledged without being handled again.
    """

    __tablename__ = "processed_update"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(index=True)


class AuditHead(Base):
    """Singleton row: the newest chained event. Written by the sequencer only (which locks
    it, so two sequencers take turns); triggers refuse to move it back or off the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only (storage/audit.py). `hash` = sha256 of the canonical content, set on
    insert; `seq` and `chain_hash` (HMAC with MUSTER_AUDIT_KEY) are set once by the
    sequencer. `prev_hash` is kept only by events from before the keyed chain."""

    __tablename__ = "audit_event"
    __table_args__ = (partial_index("ix_audit_event_unchained", "id", where="chain_hash IS NULL"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))


# --- Tasks: one campaign per thing to do, one assignment per person -------------------


class CampaignKind(enum.StrEnum):
    PLEDGE = "pledge"
    TRAINING = "training"
    CHECKIN = "checkin"
    REGISTER = "register"
    NOTICE = "notice"


class AssignmentStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    EXCUSED = "excused"
    CANCELLED = "cancelled"


class Campaign(Base):
    """Something a set of people must do by a deadline (sign pledge v2, ack notice 17)."""

    __tablename__ = "campaign"
    __table_args__ = (
        # One check-in and one register per week, even if two processes open the week.
        partial_index(
            "uq_campaign_week",
            "kind",
            "ref_key",
            where="kind IN ('checkin', 'register')",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    ref_key: Mapped[str] = mapped_column(String(64))  # e.g. the pledge key
    ref_id: Mapped[int | None] = mapped_column(Integer)  # e.g. the pledge version id
    titles: Mapped[dict[str, Any]] = mapped_column(JSON)  # locale -> title
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime | None]
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


ASSIGNMENT_ESCALATED = "status = 'open' AND level > 0"  # ix_assignment_escalated's rows


class Assignment(Base):
    """One person's task. The deadline engine reads only (status, next_action_at)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_assignment_due", "status", "next_action_at"),
        Index("ix_assignment_person_status", "person_id", "status"),
        # the digests' open escalated items (scheduled/deadlines.py, `_overdue`)
        partial_index("ix_assignment_escalated", "person_id", where=ASSIGNMENT_ESCALATED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.OPEN)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    # escalation state: stage index into the policy's steps, 0 = nothing done yet
    stage: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1 mentor, 2 leader, 3 office
    next_action_at: Mapped[datetime | None]
    last_action: Mapped[str | None] = mapped_column(String(32))
    last_action_at: Mapped[datetime | None]
    delay_s: Mapped[int] = mapped_column(Integer, default=0)  # "reminded in person" postponement
    note: Mapped[str | None] = mapped_column(Text)  # excuse reason, cancel reason


# --- Pledges ------------------------------------------------------------------------


class PledgeVersion(Base):
    """A frozen text of a pledge in one locale. Never changed after publishing."""

    __tablename__ = "pledge_version"
    __table_args__ = (UniqueConstraint("key", "version", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    audience_roles: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))
    # the training module a signer must have passed first (the pledge's `training:` header)
    training_key: Mapped[str | None] = mapped_column(String(64))


class Signature(Base):
    """Evidence that a person signed a pledge version. Never updated or deleted
    (the ORM refuses and database triggers refuse)."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("person_id", "pledge_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_no: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    pledge_version_id: Mapped[int] = mapped_column(ForeignKey("pledge_version.id"))
    pledge_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    document_sha256: Mapped[str] = mapped_column(String(64))
    typed_name: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64))
    audit_hash: Mapped[str] = mapped_column(String(64))
    # the passed attempt of the training the pledge version requires (None: none required)
    training_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("training_attempt.id"))


class NumberSequence(Base):
    """A gapless counter per kind of evidence number (signature numbers QS00000001...).
    Incremented inside the transaction that uses the number: the row stays locked until
    that commits, and a rollback gives the number back, so no number is ever skipped."""

    __tablename__ = "number_sequence"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger, default=0)


# --- Delivery -------------------------------------------------------------------------


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; reason in `error`
    UNREACHABLE = "unreachable"  # no bound account, or it blocked the bot


class Outbox(Base):
    """Every message that is not a direct reply. Rendered in the recipient's locale
    when enqueued, so the sender knows nothing about features."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_ready", "status", "priority", "not_before"),
        Index("ix_outbox_ref", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_account.id"))
    channel: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=5)  # lower is sooner
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))  # e.g. "assignment:17", "notice:3"
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    external_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(300))
    # the sender process (scheduled.lease.holder_id) whose heartbeat keeps this claim alive
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    # set: the message with this id is edited into this one (a progress display)
    edit_message_id: Mapped[str | None] = mapped_column(String(64))


class SchedulerLease(Base):
    """Who runs timed work. On SQLite exactly one process may hold it."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


# --- Append-only tables: refused by the ORM and by database triggers -----------------

APPEND_ONLY: list[str] = []  # table names; filled by append_only() as models are imported


def append_only_ddl(table: str, dialect: str) -> list[str]:
    """Statements that make a table refuse UPDATE and DELETE (used by create_all and
    by the migrations)."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION muster_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$ "
            "LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION muster_append_only()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END",
    ]


class AppendOnlyViolation(Exception):
    """Code tried to change or delete evidence."""


GUARDED: list[str] = []  # every table with triggers: APPEND_ONLY and audit_head
_REFUSE = "BEGIN SELECT RAISE(ABORT, 'table {t} is append-only'); END"


def _unique_keys(table: Table) -> list[list[str]]:
    keys = [[c.name for c in table.primary_key.columns]]
    keys += [
        [c.name for c in con.columns]
        for con in table.constraints
        if isinstance(con, UniqueConstraint)
    ]
    keys += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    return keys


def _sqlite_no_replace(table: Table) -> str:
    """INSERT OR REPLACE deletes the row it collides with, and SQLite fires no DELETE
    trigger for that unless recursive_triggers is on (https://sqlite.org/lang_conflict.html):
    refuse any insert that collides with an existing row on a unique key instead."""
    t = table.name
    hits = " OR ".join(
        f"EXISTS (SELECT 1 FROM {t} WHERE " + " AND ".join(f"{c} = NEW.{c}" for c in key) + ")"
        for key in _unique_keys(table)
    )
    return f"CREATE TRIGGER {t}_no_replace BEFORE INSERT ON {t} WHEN {hits} " + _REFUSE.format(t=t)


_AUDIT_CONTENT = ("id", "at", "actor", "kind", "subject", "hash")


def _audit_event_ddl(dialect: str) -> list[str]:
    """audit_event refuses UPDATE and DELETE, except the sequencer's one update of an
    unchained event: setting seq (unless it has one from before the keyed chain) and
    chain_hash, nothing else."""
    if dialect == "postgresql":
        same = " AND ".join(f"NEW.{c} = OLD.{c}" for c in _AUDIT_CONTENT)
        return [
            "CREATE OR REPLACE FUNCTION muster_audit_event_guard() RETURNS trigger AS $$ "
            "BEGIN IF TG_OP = 'UPDATE' AND OLD.chain_hash IS NULL "
            "AND NEW.chain_hash IS NOT NULL AND NEW.seq IS NOT NULL "
            "AND (OLD.seq IS NULL OR NEW.seq = OLD.seq) "
            f"AND {same} AND NEW.payload::text = OLD.payload::text "
            "AND NEW.prev_hash IS NOT DISTINCT FROM OLD.prev_hash THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION muster_audit_event_guard()",
        ]
    cols = (*_AUDIT_CONTENT, "payload", "prev_hash")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in cols)
    return [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN "
        "OLD.chain_hash IS NOT NULL OR NEW.chain_hash IS NULL OR NEW.seq IS NULL "
        f"OR (OLD.seq IS NOT NULL AND NEW.seq IS NOT OLD.seq) OR {changed} "
        + _REFUSE.format(t="audit_event"),
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        + _REFUSE.format(t="audit_event"),
    ]


_HEAD_OK = (
    "NEW.id = OLD.id AND NEW.last_seq >= OLD.last_seq AND ("
    "(NEW.last_seq = 0 AND NEW.last_hash = '" + "0" * 64 + "') OR NEW.last_hash = "
    "(SELECT chain_hash FROM audit_event WHERE seq = NEW.last_seq))"
)


def _audit_head_ddl(dialect: str) -> list[str]:
    """The head only moves forward, and only to an event of the chain."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION muster_audit_head_guard() RETURNS trigger AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND {_HEAD_OK} THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION 'table % is append-only: the head only moves forward "
            "along the chain', TG_TABLE_NAME; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_head_append_only BEFORE UPDATE OR DELETE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION muster_audit_head_guard()",
        ]
    return [
        f"CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head WHEN NOT ({_HEAD_OK}) "
        + _REFUSE.format(t="audit_head"),
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        + _REFUSE.format(t="audit_head"),
    ]


def guard_ddl(table: Table, dialect: str) -> list[str]:
    """Every trigger that protects `table` (an append-only table or audit_head): UPDATE and
    DELETE refused; on SQLite an INSERT OR REPLACE, on PostgreSQL a TRUNCATE too."""
    name = table.name
    if name == "audit_head":
        stmts = _audit_head_ddl(dialect)
    elif name == "audit_event":
        stmts = _audit_event_ddl(dialect)
    else:
        stmts = append_only_ddl(name, dialect)
    if dialect == "postgresql":
        if name in ("audit_head", "audit_event"):  # the function the TRUNCATE trigger calls
            stmts.append(append_only_ddl(name, dialect)[0])
        stmts = [
            *stmts,
            f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION muster_append_only()",
        ]
    else:
        stmts = [*stmts, _sqlite_no_replace(table)]
    return stmts


def drop_guard_ddl(table: str, dialect: str) -> list[str]:
    """Statements that remove every trigger guard_ddl (or append_only_ddl) installed."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}"
            for suffix in ("append_only", "no_truncate")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_{suffix}"
        for suffix in ("no_update", "no_delete", "no_replace")
    ]


def _install_append_only(target: Any, connection: Any, **_kw: Any) -> None:
    for stmt in guard_ddl(target, connection.dialect.name):
        connection.exec_driver_sql(stmt)


def _refuse(_mapper: Any, _conn: Any, target: Any) -> None:
    raise AppendOnlyViolation(f"{type(target).__name__} rows are never changed or deleted")


def append_only(*models: type[Base]) -> None:
    """Make evidence tables refuse UPDATE and DELETE: in the ORM, and in the database by
    triggers that create_all installs (a migration installs them with guard_ddl)."""
    for model in models:
        table = cast(Table, model.__table__)
        APPEND_ONLY.append(table.name)
        GUARDED.append(table.name)
        event.listen(table, "after_create", _install_append_only)
        event.listen(model, "before_update", _refuse)
        event.listen(model, "before_delete", _refuse)


append_only(Signature, AuditEvent)
GUARDED.append("audit_head")
event.listen(AuditHead.__table__, "after_create", _install_append_only)

# Feature models register themselves with Base (and append_only) when imported.
from storage import models_approvals as _models_approvals  # noqa: E402,F401
from storage import models_checkin as _models_checkin  # noqa: E402,F401
from storage import models_console as _models_console  # noqa: E402,F401
from storage import models_hotline as _models_hotline  # noqa: E402,F401
from storage import models_leave as _models_leave  # noqa: E402,F401
from storage import models_notices as _models_notices  # noqa: E402,F401
from storage import models_roster as _models_roster  # noqa: E402,F401
from storage import models_training as _models_training  # noqa: E402,F401
from storage import models_webchat as _models_webchat  # noqa: E402,F401
from storage import models_wecom as _models_wecom  # noqa: E402,F401
