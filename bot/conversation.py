"""The conversation engine: one normalized event in, replies out, one transaction.

Adapters (Telegram, console) call `Conversation.handle`. It finds the person bound to the
account, loads the conversation state from the database, runs the handler, stores the new
state and commits, so any process can take the next message.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.actions import BadAction
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context
from bot.core import Incoming, Reply, State
from bot.errors import DomainError
from bot.i18n import Catalog
from bot.router import Dispatcher
from bot.services import Services
from storage.models import ConversationState, PersonStatus

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # longest free text accepted from a user


class Conversation:
    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        clock: Clock,
        dispatcher: Dispatcher,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.catalog = catalog
        self.clock = clock
        self.dispatcher = dispatcher

    async def handle(self, event: Incoming) -> list[Reply]:
        async with self.sessionmaker() as session:
            ctx = await self._context(session, event)
            try:
                replies = await self._dispatch(event, ctx)
            except DomainError as exc:
                replies = [Reply(exc.render(ctx.t))]
                if not exc.persist:
                    await session.rollback()
                    return replies
            except BadAction:
                await session.rollback()
                return [Reply(ctx.t("error-stale-button"))]
            except Exception:
                log.exception("handler failed for event %s", event.event_id)
                await session.rollback()
                return [Reply(ctx.t("error-generic"))]
            ctx.state_row.step = ctx.state.step
            ctx.state_row.data = dict(ctx.state.data)
            ctx.state_row.updated_at = self.clock.now()
            await session.commit()
            return replies

    async def _context(self, session: AsyncSession, event: Incoming) -> Context:
        services = Services(
            session, clock=self.clock, settings=self.settings, catalog=self.catalog
        )
        account, person = await services.people.person_for(event.account)
        row = (
            await session.execute(
                select(ConversationState).where(
                    ConversationState.channel == event.account.channel,
                    ConversationState.external_user_id == event.account.external_user_id,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = ConversationState(
                channel=event.account.channel,
                external_user_id=event.account.external_user_id,
                step=None,
                data={},
                updated_at=self.clock.now(),
            )
            session.add(row)
            await session.flush()
        locale = (person.locale if person else None) or row.locale
        return Context(
            person=person,
            account=account,
            services=services,
            t=self.catalog.translator(locale, self.settings.tz),
            clock=self.clock,
            settings=self.settings,
            state=State(row.step, dict(row.data or {})),
            state_row=row,
            menu=self.dispatcher.menu,
        )

    async def _dispatch(self, event: Incoming, ctx: Context) -> list[Reply]:
        if len(event.text) > MAX_TEXT or len(event.arg) > MAX_TEXT:
            return [Reply(ctx.t("error-too-long", limit=MAX_TEXT))]
        if ctx.person is not None and ctx.person.status != PersonStatus.ACTIVE:
            return [Reply(ctx.t("error-person-left", contact=ctx.settings.office_contact))]
        route = self.dispatcher.route_for(event, ctx.state.step)
        if route is None:
            return [Reply(ctx.t("error-unknown-input"))]
        if ctx.person is None and not route.public:
            unregistered = self.dispatcher.commands.get("_unregistered")
            if unregistered is None:
                return [Reply(ctx.t("reg-how-to", contact=ctx.settings.office_contact))]
            return await unregistered.handler(event, ctx)
        return await route.handler(event, ctx)
