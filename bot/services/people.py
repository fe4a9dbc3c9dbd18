"""People, units and bindings as the conversation and the CLI need them."""

from __future__ import annotations

from bot.actor import Actor
from bot.core import Account
from bot.errors import NotFound
from bot.services.base import Service
from storage import audit
from storage import people as repo
from storage.models import ChannelAccount, ConversationState, Person, Role


class PeopleService(Service):
    async def person_for(self, account: Account) -> tuple[ChannelAccount | None, Person | None]:
        acc = await repo.active_account(self.session, account.channel, account.external_user_id)
        if acc is None:
            return None, None
        person = await repo.person_by_id(self.session, acc.person_id)
        if acc.chat_id != account.chat_id:
            acc.chat_id = account.chat_id
        return acc, person

    async def set_locale(
        self, person: Person | None, state: ConversationState, locale: str
    ) -> None:
        """Remember the language: on the person when known, else on the conversation."""
        state.locale = locale
        if person is not None and person.locale != locale:
            person.locale = locale
            await audit.append(
                self.session,
                at=self.clock.now(),
                actor=f"person:{person.employee_no}",
                kind="person.locale",
                subject=f"person:{person.employee_no}",
                payload={"locale": locale},
            )
        await self.session.flush()

    async def get(self, actor: Actor, employee_no: str) -> Person:
        actor.require(Role.OFFICE)
        person = await repo.person_by_employee_no(self.session, employee_no)
        if person is None:
            raise NotFound("error-no-such-person", who=employee_no)
        return person
