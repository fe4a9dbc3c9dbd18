"""Who may use the office console, and how they get in: one-time codes sent to their chat,
one-time login links from the CLI, lockouts, and sessions kept as database rows."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, literal, select, update

from bot.actor import Actor
from bot.errors import DomainError, NotFound
from bot.notify import Message
from bot.services.base import NotifyingService, Service
from storage import people as repo
from storage.db import upsert
from storage.models import ChannelAccount, Person, PersonStatus, Role
from storage.models_console import ConsoleLock, ConsoleLogin, ConsoleSession, ConsoleSubmission
from storage.types import UTCDateTime

CONSOLE_ROLES = (Role.OFFICE, Role.LEADER, Role.MENTOR)
CODE_TTL = timedelta(minutes=5)
LINK_TTL = timedelta(minutes=10)
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
# the person is waiting for it at the login page: quiet hours do not hold it
LOGIN_CODE = Message("web-login-code-message", "web.login", respect_quiet=False)
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute


class LoginLocked(DomainError):
    key = "web-error-locked"


class CodeWrong(DomainError):
    key = "web-error-code-wrong"
    persist = True  # the counted failure must be kept


class LinkInvalid(DomainError):
    key = "web-error-link-invalid"


class NoConsole(DomainError):
    key = "web-error-no-console"


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes into the cookie; only its hash is stored
    csrf: str
    person: Person


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    person: Person
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor.of(self.person)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_use_console(person: Person | None) -> bool:
    return (
        person is not None
        and person.status == PersonStatus.ACTIVE
        and any(person.has_role(r) for r in CONSOLE_ROLES)
    )


class WebAuthService(NotifyingService):
    # --- lockout ---------------------------------------------------------------------------

    async def _check_lock(self, employee_no: str) -> None:
        until = (
            await self.session.execute(
                select(ConsoleLock.locked_until).where(ConsoleLock.employee_no == employee_no)
            )
        ).scalar_one_or_none()
        now = self.clock.now()
        if until is not None and until > now:
            raise LoginLocked(minutes=_minutes(until - now))

    async def _count_failure(self, employee_no: str) -> tuple[int, datetime | None]:
        """One more wrong code, counted by a single UPDATE (atomic across processes):
        the 5th within a lock window locks for 15 minutes; an expired lock starts over."""
        now = self.clock.now()
        values = {"employee_no": employee_no, "failures": 0, "updated_at": now}
        ins = upsert(self.session, ConsoleLock)
        await self.session.execute(ins.values(**values).on_conflict_do_nothing())
        col = ConsoleLock.__table__.c
        expired = col.locked_until.is_not(None) & (col.locked_until <= now)
        failures = case((expired, 1), else_=col.failures + 1)
        stmt = (
            update(ConsoleLock)
            .where(ConsoleLock.employee_no == employee_no)
            .values(
                failures=failures,
                locked_until=case(
                    (failures >= MAX_FAILURES, literal(now + LOCK_FOR, UTCDateTime())),
                    (expired, literal(None, UTCDateTime())),
                    else_=col.locked_until,
                ),
                updated_at=now,
            )
            .returning(ConsoleLock.failures, ConsoleLock.locked_until)
            .execution_options(synchronize_session=False)
        )
        count, until = (await self.session.execute(stmt)).one()
        return int(count), until

    async def _reset_lock(self, employee_no: str) -> None:
        await self.session.execute(
            update(ConsoleLock)
            .where(ConsoleLock.employee_no == employee_no)
            .values(failures=0, locked_until=None, updated_at=self.clock.now())
            .execution_options(synchronize_session=False)
        )

    # --- codes -----------------------------------------------------------------------------

    async def request_code(self, employee_no: str) -> bool:
        """Send a login code to the person's bound chat account. Returns whether one was
        queued; the page says the same either way, so numbers cannot be probed."""
        employee_no = employee_no.strip()
        await self._check_lock(employee_no)
        person = await repo.person_by_employee_no(self.session, employee_no)
        if not may_use_console(person):
            return False
        assert person is not None
        now = self.clock.now()
        await self.session.execute(  # a new code replaces any earlier one
            update(ConsoleLogin)
            .where(
                ConsoleLogin.person_id == person.id,
                ConsoleLogin.kind == "code",
                ConsoleLogin.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        code = f"{secrets.randbelow(10**6):06d}"
        login = ConsoleLogin(
            person_id=person.id,
            kind="code",
            secret_hash=digest(f"{person.id}:{code}"),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        self.session.add(login)
        await self.session.flush()
        await self.notifier.to_person(
            person,
            LOGIN_CODE,
            ref=f"console_login:{login.id}",
            dedupe_key=f"weblogin:{login.id}",
            code=code,
            minutes=int(CODE_TTL.total_seconds() // 60),
        )
        await self.audit_event(
            Actor.of(person), "console.code_sent", f"person:{person.employee_no}", at=now
        )
        return True

    async def verify_code(self, employee_no: str, code: str) -> NewSession:
        """Exchange a code for a session; a wrong one counts toward the lock."""
        employee_no, code = employee_no.strip(), code.strip()
        await self._check_lock(employee_no)
        person = await repo.person_by_employee_no(self.session, employee_no)
        now = self.clock.now()
        used = 0
        if may_use_console(person) and code.isdigit() and len(code) == 6:
            assert person is not None
            used = (
                await self.session.execute(
                    update(ConsoleLogin)
                    .where(
                        ConsoleLogin.person_id == person.id,
                        ConsoleLogin.kind == "code",
                        ConsoleLogin.secret_hash == digest(f"{person.id}:{code}"),
                        ConsoleLogin.used_at.is_(None),
                        ConsoleLogin.expires_at > now,
                    )
                    .values(used_at=now)
                    .execution_options(synchronize_session=False)
                )
            ).rowcount  # type: ignore[attr-defined]
        if not used:
            count, until = await self._count_failure(employee_no)
            if until is not None and until > now:
                raise LoginLocked(minutes=_minutes(until - now)) from None
            raise CodeWrong(left=MAX_FAILURES - count)
        assert person is not None
        await self._reset_lock(employee_no)
        return await self._open(person, via="code")

    # --- links -----------------------------------------------------------------------------

    async def issue_link(self, actor: Actor, employee_no: str) -> str:
        """A one-time login token for `muster login-link` (office staff or the operator)."""
        actor.require(Role.OFFICE)
        person = await repo.person_by_employee_no(self.session, employee_no.strip())
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        if not may_use_console(person):
            raise NoConsole(who=employee_no)
        now = self.clock.now()
        token = secrets.token_urlsafe(24)
        self.session.add(
            ConsoleLogin(
                person_id=person.id,
                kind="link",
                secret_hash=digest(token),
                created_at=now,
                expires_at=now + LINK_TTL,
            )
        )
        await self.audit_event(
            actor, "console.link_issued", f"person:{person.employee_no}", at=now
        )
        await self.session.flush()
        return token

    async def redeem_link(self, token: str) -> NewSession:
        """A session for a login link's person; the link works once, for 10 minutes."""
        now = self.clock.now()
        row = (
            await self.session.execute(
                select(ConsoleLogin).where(
                    ConsoleLogin.kind == "link", ConsoleLogin.secret_hash == digest(token)
                )
            )
        ).scalar_one_or_none()
        if row is None:
            raise LinkInvalid()
        used = (
            await self.session.execute(
                update(ConsoleLogin)
                .where(
                    ConsoleLogin.id == row.id,
                    ConsoleLogin.used_at.is_(None),
                    ConsoleLogin.expires_at > now,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
        ).rowcount  # type: ignore[attr-defined]
        person = await repo.person_by_id(self.session, row.person_id)
        if not used or not may_use_console(person):
            raise LinkInvalid()
        assert person is not None
        return await self._open(person, via="link")

    # --- sessions --------------------------------------------------------------------------

    async def _open(self, person: Person, *, via: str) -> NewSession:
        now = self.clock.now()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self.session.add(
            ConsoleSession(
                token_hash=digest(token),
                csrf=csrf,
                person_id=person.id,
                created_at=now,
                last_seen_at=now,
            )
        )
        await self.audit_event(
            Actor.of(person), "console.login", f"person:{person.employee_no}", {"via": via}, at=now
        )
        await self.session.flush()
        return NewSession(token=token, csrf=csrf, person=person)

    async def session_for(self, token: str | None) -> SessionView | None:
        """The live session of a cookie, or None. Ends it (with the reason) when idle for
        30 minutes, older than 12 hours, or its person left, lost the role or was unbound
        from a chat account since signing in (`muster unbind`)."""
        if not token:
            return None
        row = (
            await self.session.execute(
                select(ConsoleSession).where(
                    ConsoleSession.token_hash == digest(token), ConsoleSession.ended_at.is_(None)
                )
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        now = self.clock.now()
        person = await repo.person_by_id(self.session, row.person_id)
        reason = None
        if now - row.last_seen_at > IDLE:
            reason = "idle"
        elif now - row.created_at > ABSOLUTE:
            reason = "expired"
        elif not may_use_console(person):
            reason = "left"
        elif await self._unbound_since(row.person_id, row.created_at):
            reason = "unbound"
        if reason is not None:
            row.ended_at, row.end_reason = now, reason
            await self.session.flush()
            return None
        assert person is not None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            await self.session.flush()
        return SessionView(id=row.id, person=person, csrf=row.csrf)

    async def _unbound_since(self, person_id: int, since: datetime) -> bool:
        return bool(
            await self.session.scalar(
                select(
                    exists().where(
                        ChannelAccount.person_id == person_id,
                        ChannelAccount.unbound_at.is_not(None),
                        ChannelAccount.unbound_at >= since,
                    )
                )
            )
        )

    async def logout(self, token: str | None) -> None:
        view = await self.session_for(token)
        if view is None:
            return
        row = await self.session.get(ConsoleSession, view.id)
        assert row is not None
        row.ended_at, row.end_reason = self.clock.now(), "logout"
        await self.audit_event(view.actor, "console.logout", view.actor.label)
        await self.session.flush()

    async def claim_form(self, token: str, person_id: int, what: str) -> None:
        await claim_form(self, token, person_id, what)

    async def end_sessions(self, person_id: int, reason: str) -> int:
        """End every live session of a person (unbind, leaving); returns how many."""
        result = await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.person_id == person_id, ConsoleSession.ended_at.is_(None))
            .values(ended_at=self.clock.now(), end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _minutes(delta: timedelta) -> int:
    return max(1, int(-(-delta.total_seconds() // 60)))


class AlreadySubmitted(DomainError):
    key = "web-error-stale-form"


async def claim_form(service: Service, token: str, person_id: int, what: str) -> None:
    """Record a confirm form's one-time id; AlreadySubmitted when it acted before."""
    if not token or len(token) > 64:
        raise AlreadySubmitted()
    ins = upsert(service.session, ConsoleSubmission)
    result = await service.session.execute(
        ins.values(
            token=token, person_id=person_id, what=what, at=service.clock.now()
        ).on_conflict_do_nothing()
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise AlreadySubmitted()
