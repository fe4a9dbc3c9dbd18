"""People, units and bindings as the conversation and the CLI need them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.actor import Actor
from bot.core import Account
from bot.errors import NotFound
from bot.services.base import Service
from storage import people as repo
from storage.models import ChannelAccount, ConversationState, Person, Role


class PeopleService(Service):
    async def person_for(
        self, account: Account, *, used: bool = False
    ) -> tuple[ChannelAccount | None, Person | None]:
        """The account's active binding and person. `used`: the person is acting through
        it now, so it becomes the account their pushed messages go to."""
        acc = await repo.active_account(self.session, account.channel, account.external_user_id)
        if acc is None:
            return None, None
        person = await repo.person_by_id(self.session, acc.person_id)
        return self.acting(account, acc, person, used=used)

    async def turn(
        self, account: Account, *, used_at: datetime | None = None
    ) -> tuple[ConversationState | None, ChannelAccount | None, Person | None]:
        """A turn of the conversation engine in one round trip: the channel user's
        conversation state (locked until the commit; None if they never wrote) with their
        active account and its person (`acting` marks the account used; with `used_at`,
        on PostgreSQL, this round trip already wrote that)."""
        return await repo.state_and_person(
            self.session, account.channel, account.external_user_id, used_at=used_at
        )

    async def turns(
        self, channel: str, users: Sequence[str], *, used_at: datetime
    ) -> dict[str, repo.Turn]:
        """PostgreSQL: `turn` for many users of one channel in one round trip (a group
        commit of button presses), by user; one who never wrote is missing."""
        return await repo.states_and_people(self.session, channel, users, used_at=used_at)

    def acting(
        self,
        account: Account,
        acc: ChannelAccount,
        person: Person | None,
        *,
        used: bool,
        at: datetime | None = None,
    ) -> tuple[ChannelAccount, Person | None]:
        """The account `acc` of `account`, loaded: its chat id kept current, and with
        `used` it becomes the one the person's pushed messages go to (last used `at`,
        default now; not written again when `turn` wrote it)."""
        if acc.chat_id != account.chat_id:
            acc.chat_id = account.chat_id
        if used:
            at = at or self.clock.now()
            if acc.last_used_at != at:
                acc.last_used_at = at
            if not acc.reachable:  # they wrote from it: it reaches them again
                acc.reachable, acc.unreachable_reason = True, None
        return acc, person

    async def who(self, account: Account) -> tuple[Person | None, str | None]:
        """The account's person (None before binding) and the language it chose, if any:
        the person's, else the one picked with /lang before binding."""
        _, person = await self.person_for(account)
        if person is not None and person.locale:
            return person, person.locale
        state = await self.session.scalar(
            select(ConversationState.locale).where(
                ConversationState.channel == account.channel,
                ConversationState.external_user_id == account.external_user_id,
            )
        )
        return person, state

    async def reachable_on(self, person: Person, channel: str) -> bool:
        """Whether the person has an account on `channel` that reaches them."""
        return any(
            a.channel == channel and a.reachable
            for a in await repo.active_accounts_of(self.session, person.id)
        )

    async def set_locale(
        self, person: Person | None, state: ConversationState, locale: str
    ) -> None:
        """Remember the language: on the person when known, else on the conversation."""
        state.locale = locale
        if person is not None and person.locale != locale:
            person.locale = locale
            await self.audit_event(
                Actor.of(person),
                "person.locale",
                f"person:{person.employee_no}",
                {"locale": locale},
            )
        await self.session.flush()

    async def get(self, actor: Actor, employee_no: str) -> Person:
        actor.require(Role.OFFICE)
        person = await repo.person_by_employee_no(self.session, employee_no)
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        return person
