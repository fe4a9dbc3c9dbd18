"""Invite codes and binding a channel account to a person."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actor import Actor
from bot.core import Account
from bot.errors import DomainError, InvalidInput, NotFound
from bot.services.base import Service
from bot.text import normalize_input
from storage import audit, outbox
from storage import people as repo
from storage.db import upsert
from storage.models import (
    ChannelAccount,
    InviteCode,
    Person,
    PersonStatus,
    RegistrationThrottle,
    Role,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 8
MAX_WRONG = 5
LOCKOUT = timedelta(minutes=15)


async def bind_account(
    session: AsyncSession,
    person: Person,
    account: Account,
    now: datetime,
    *,
    last_used_at: datetime | None = None,
    via: str | None = None,
) -> ChannelAccount:
    """Bind the channel account to the person from `now`, audited. `via`: how, when it
    is not an invite code."""
    acc = ChannelAccount(
        person_id=person.id,
        channel=account.channel,
        external_user_id=account.external_user_id,
        chat_id=account.chat_id,
        bound_at=now,
        last_used_at=last_used_at,
        reachable=True,
    )
    session.add(acc)
    await session.flush()
    payload = {"channel": account.channel, "external_user_id": account.external_user_id}
    if via is not None:
        payload["via"] = via
    await audit.append(
        session,
        at=now,
        actor=f"person:{person.employee_no}",
        kind="account.bound",
        subject=f"person:{person.employee_no}",
        payload=payload,
    )
    return acc


class CodeRejected(DomainError):
    """A wrong, used or expired code. Counted against the account."""

    persist = True


class AlreadyBound(DomainError):
    key = "reg-already-bound"


class LockedOut(DomainError):
    key = "reg-locked"
    persist = True  # the fifth wrong code sets the lock; keep it


@dataclass(frozen=True, slots=True)
class IssuedCode:
    person: Person
    code: str
    expires_at_iso: str
    deep_link: str
    web_link: str  # the web chat page with the code filled in


def normalize_code(raw: str) -> str:
    """Full-width digits and letters to ASCII, drop spaces and dashes, upper case."""
    return "".join(ch for ch in normalize_input(raw).upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(f"muster-invite:{normalize_code(code)}".encode()).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class RegistrationService(Service):
    async def issue_codes(
        self,
        actor: Actor,
        *,
        unit: str | None = None,
        employee_no: str | None = None,
        also_bound: bool = False,
    ) -> list[IssuedCode]:
        """Issue one code per person without a bound account (office staff only).
        `also_bound`: to people with one too, for another channel (the web chat beside
        Telegram); a code never binds a second account on a channel the person has."""
        actor.require(Role.OFFICE)
        query = select(Person).where(Person.status == PersonStatus.ACTIVE).order_by(Person.id)
        if employee_no is not None:
            person = await repo.person_by_employee_no(self.session, employee_no)
            if person is None:
                raise NotFound("error-no-such-person", who=employee_no)
            if person.status != PersonStatus.ACTIVE:
                raise InvalidInput("invite-person-inactive", who=employee_no)
            if not also_bound and await repo.active_accounts_of(self.session, person.id):
                raise InvalidInput("invite-person-bound", who=employee_no, name=person.name)
            query = query.where(Person.id == person.id)
        if unit is not None:
            unit_row = await repo.unit_by_name(self.session, unit)
            if unit_row is None:
                raise NotFound("error-no-such-unit", unit=unit)
            query = query.where(Person.unit_id == unit_row.id)
        if not also_bound:
            bound = select(ChannelAccount.person_id).where(ChannelAccount.unbound_at.is_(None))
            query = query.where(Person.id.not_in(bound))
        now = self.clock.now()
        expires = now + timedelta(days=self.settings.invite_ttl_days)
        issued: list[IssuedCode] = []
        for person in (await self.session.execute(query)).scalars():
            await self.session.execute(
                update(InviteCode)
                .where(
                    InviteCode.person_id == person.id,
                    InviteCode.used_at.is_(None),
                    InviteCode.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            self.session.add(
                InviteCode(
                    person_id=person.id,
                    code_hash=hash_code(code),
                    created_at=now,
                    expires_at=expires,
                )
            )
            issued.append(
                IssuedCode(
                    person=person,
                    code=format_code(code),
                    expires_at_iso=expires.astimezone(self.settings.tz).isoformat(
                        timespec="minutes"
                    ),
                    deep_link=f"https://t.me/{self.settings.bot_username}?start={code}",
                    web_link=f"{self.settings.public_url}/chat/?code={code}",
                )
            )
        await self.session.flush()
        if issued:
            await self.audit_event(
                actor,
                "invite.issued",
                f"unit:{unit}" if unit else (f"person:{employee_no}" if employee_no else "all"),
                {"employee_nos": [i.person.employee_no for i in issued]},
                at=now,
            )
        return issued

    async def redeem(self, account: Account, raw_code: str) -> Person:
        """Bind the account to the code's person. Wrong codes count; 5 lock for 15 min."""
        now = self.clock.now()
        if await repo.active_account(self.session, account.channel, account.external_user_id):
            raise AlreadyBound()
        throttle = await self._throttle(account)
        if throttle.locked_until is not None and throttle.locked_until > now:
            raise self.lockout(throttle.locked_until)
        if throttle.locked_until is not None:
            throttle.failures, throttle.locked_until = 0, None
        # Count the try before looking at the code, in one statement: tries made in
        # parallel each take their own number, so no more than MAX_WRONG are looked at.
        tries = await self._count_try(throttle.id, now)
        if tries > MAX_WRONG:
            raise self.lockout(now + LOCKOUT)

        code = normalize_code(raw_code)
        row = None
        if len(code) == CODE_LENGTH:
            row = (
                await self.session.execute(
                    select(InviteCode).where(InviteCode.code_hash == hash_code(code))
                )
            ).scalar_one_or_none()
        reason = _refusal(row, now)
        person = await repo.person_by_id(self.session, row.person_id) if row else None
        if reason is None and person is not None:
            if person.status != PersonStatus.ACTIVE:
                reason = "reg-code-wrong"
            elif any(
                a.channel == account.channel and a.reachable
                for a in await repo.active_accounts_of(self.session, person.id)
            ):
                reason = "reg-person-has-account"
        if reason is not None or row is None or person is None:
            if tries >= MAX_WRONG:
                await self.session.execute(
                    update(RegistrationThrottle)
                    .where(RegistrationThrottle.id == throttle.id)
                    .values(locked_until=now + LOCKOUT)
                    .execution_options(synchronize_session=False)
                )
                raise self.lockout(now + LOCKOUT)
            raise CodeRejected(reason or "reg-code-wrong", left=MAX_WRONG - tries)

        row.used_at = now
        await self._replace_unreachable(person, account.channel)
        await self.session.execute(
            update(RegistrationThrottle)
            .where(RegistrationThrottle.id == throttle.id)
            .values(failures=0, locked_until=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        acc = await bind_account(self.session, person, account, now, last_used_at=now)
        # Used last: what waits to be pushed to the person's other accounts comes here.
        await outbox.move_pending(self.session, to=acc, now=now, person_id=person.id, error=None)
        return person

    async def locked_until(self, account: Account) -> datetime | None:
        """When an account locked out by wrong codes may try again; None when it may now."""
        until = await self.session.scalar(
            select(RegistrationThrottle.locked_until).where(
                RegistrationThrottle.channel == account.channel,
                RegistrationThrottle.external_user_id == account.external_user_id,
            )
        )
        return until if until is not None and until > self.clock.now() else None

    def lockout(self, until: datetime) -> LockedOut:
        """The lockout refusal, saying when (local time) the next try is allowed."""
        return LockedOut(
            minutes=_minutes_left(until - self.clock.now()),
            until=until.astimezone(self.settings.tz).strftime("%H:%M"),
        )

    async def _replace_unreachable(self, person: Person, channel: str) -> None:
        """Unbind the person's account on `channel` that cannot be reached (a web chat
        whose device session ended, a blocked Telegram account): a new code replaces it."""
        await self._unbind(
            person,
            actor=f"person:{person.employee_no}",
            channel=channel,
            reason="replaced: unreachable",
        )

    async def unbind(
        self,
        actor: Actor,
        employee_no: str,
        reason: str | None = None,
        *,
        channel: str | None = None,
    ) -> int:
        """Unbind every active account of a person (a lost phone), or only the one on
        `channel`. Returns how many."""
        actor.require(Role.OFFICE)
        person = await repo.person_by_employee_no(self.session, employee_no)
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        return await self._unbind(person, actor=actor.label, channel=channel, reason=reason)

    async def _unbind(
        self, person: Person, *, actor: str, channel: str | None, reason: str | None
    ) -> int:
        """End the person's active accounts (on `channel` only, if given), audited."""
        now = self.clock.now()
        accounts = [
            a
            for a in await repo.active_accounts_of(self.session, person.id)
            if channel is None or a.channel == channel
        ]
        for acc in accounts:
            acc.unbound_at = now
        await self.session.flush()
        if accounts:
            await self.audit_event(
                actor,
                "account.unbound",
                f"person:{person.employee_no}",
                {
                    "accounts": [f"{a.channel}:{a.external_user_id}" for a in accounts],
                    "reason": reason,
                },
                at=now,
            )
        return len(accounts)

    async def _count_try(self, throttle_id: int, now: datetime) -> int:
        """failures + 1 in one UPDATE ... RETURNING: the number of this try."""
        result = await self.session.execute(
            update(RegistrationThrottle)
            .where(RegistrationThrottle.id == throttle_id)
            .values(failures=RegistrationThrottle.failures + 1, updated_at=now)
            .returning(RegistrationThrottle.failures)
            .execution_options(synchronize_session=False)
        )
        return int(result.scalar_one())

    async def _throttle(self, account: Account) -> RegistrationThrottle:
        """The account's throttle row, created if new (parallel first tries make one)."""
        await self.session.execute(
            upsert(self.session, RegistrationThrottle)
            .values(
                channel=account.channel,
                external_user_id=account.external_user_id,
                failures=0,
                updated_at=self.clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["channel", "external_user_id"])
        )
        return (
            await self.session.execute(
                select(RegistrationThrottle).where(
                    RegistrationThrottle.channel == account.channel,
                    RegistrationThrottle.external_user_id == account.external_user_id,
                )
            )
        ).scalar_one()


def _refusal(row: InviteCode | None, now: object) -> str | None:
    if row is None:
        return "reg-code-wrong"
    if row.revoked_at is not None:  # only a newer code for the same person revokes one
        return "reg-code-replaced"
    if row.used_at is not None:
        return "reg-code-used"
    if row.expires_at <= now:  # type: ignore[operator]
        return "reg-code-expired"
    return None


def _minutes_left(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))
