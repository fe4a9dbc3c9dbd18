"""Binding by directory: a WeCom userid the roster names (企业微信账号) binds its person
without an invite code, on that person's first message. Audited like a code."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Account
from bot.services.base import Service
from bot.services.registration import bind_account
from storage import people as repo
from storage.models import Person, PersonStatus


class DirectoryService(Service):
    async def bind_if_named(self, account: Account) -> Person | None:
        """Bind the account to the active person whose roster userid it is, if it is not
        bound yet and that person has no account on this channel. The person, or None."""
        if await repo.active_account(self.session, account.channel, account.external_user_id):
            return None
        person = await self.session.scalar(
            select(Person).where(
                Person.wecom_userid == account.external_user_id,
                Person.status == PersonStatus.ACTIVE,
            )
        )
        if person is None:
            return None
        if any(
            a.channel == account.channel
            for a in await repo.active_accounts_of(self.session, person.id)
        ):
            return None  # bound to another userid (unbind first): never take it over
        await bind_account(self.session, person, account, self.clock.now(), via="directory")
        return person
