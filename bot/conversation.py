"""The conversation engine: one normalized event in, replies out, one transaction.

Adapters (Telegram, console) call `Conversation.handle`. It finds the person bound to the
account, loads the conversation state from the database (locked: one event of a person at
a time), records the event in the processed-update ledger, runs the handler, stores the
new state and commits, all in one transaction, so any process can take the next message
and none handles one twice.

On PostgreSQL, presses of a button whose route has a batch handler (收到 under a notice)
are committed in groups: while one group is in the database, the presses arriving meanwhile
wait and then go together, in one transaction of a few statements (`GroupCommit`). A lone
press goes at once; a burst of thousands costs a few round trips per group, not per press.
Each press's reply still waits for its group's commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.actions import BadAction
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context
from bot.core import Account, Incoming, Kind, Reply, State, in_parts
from bot.errors import DomainError
from bot.i18n import Catalog
from bot.router import Dispatcher, Route
from bot.sealing import HotlineKeyMissing, sealer_for
from bot.services import Services
from storage import ledger
from storage.db import RETRY_DELAYS, is_transient, retrying, upsert
from storage.models import ChannelAccount, ConversationState, Person, PersonStatus
from storage.sealed import SEALED_KEY, SealBroken, sealed_dict

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # longest free text accepted from a user
MAX_GROUP = 100  # presses committed together at most


class NotHandled(Exception):
    """The update could not be handled durably (the database stayed unreachable): the
    adapter must not acknowledge it, so the channel delivers it again."""


class KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds it or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


Replies = list[Reply] | None  # a group's answer to one press: None, "handle it alone"


class GroupCommit:
    """Events waiting to be handled together, per key. Up to `parallel` groups of a key are
    handled at once: an event arriving while that many are in the database waits, and the
    first of them to finish takes every waiting event (at most MAX_GROUP) as its next
    group. There is no timer: an event arriving when fewer are running goes at once. An
    error of the group's run is each of its events' error."""

    def __init__(
        self,
        run: Callable[[Any, list[Incoming]], Awaitable[list[Replies]]],
        *,
        parallel: int = 3,
    ) -> None:
        self._run = run
        self.parallel = parallel
        self._waiting: dict[Hashable, list[tuple[Incoming, asyncio.Future[Replies]]]] = {}
        self._running: dict[Hashable, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, key: Hashable, event: Incoming) -> Replies:
        future: asyncio.Future[Replies] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((event, future))
        if self._running.get(key, 0) < self.parallel:
            self._running[key] = self._running.get(key, 0) + 1
            task = asyncio.create_task(self._drain(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self, key: Hashable) -> None:
        try:
            while waiting := self._waiting.pop(key, None):
                group, rest = waiting[:MAX_GROUP], waiting[MAX_GROUP:]
                if rest:
                    self._waiting[key] = rest
                try:
                    results = await self._run(key, [event for event, _ in group])
                except Exception as exc:
                    _fail(group, exc)
                    continue
                except BaseException:  # cancelled: the process is stopping
                    _fail(group, NotHandled("the process is stopping"))
                    raise
                for (_, future), result in zip(group, results, strict=True):
                    if not future.done():  # its caller may have been cancelled
                        future.set_result(result)
        finally:
            if running := self._running[key] - 1:
                self._running[key] = running
            else:  # the last one: events left waiting only if it was cancelled
                del self._running[key]
                _fail(self._waiting.pop(key, []), NotHandled("the process is stopping"))


def _fail(group: list[tuple[Incoming, asyncio.Future[Replies]]], exc: BaseException) -> None:
    """Each event of `group` gets `exc` (one whose caller was cancelled already is done)."""
    for _, future in group:
        if not future.done():
            future.set_exception(exc)


@dataclass(eq=False, kw_only=True)
class Conversation:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    catalog: Catalog
    clock: Clock
    dispatcher: Dispatcher

    def __post_init__(self) -> None:
        self._locks = KeyedLocks()  # per account, in this process
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS  # after a transient DB fault
        bind = self.sessionmaker.kw.get("bind")
        # presses committed in groups (PostgreSQL: its statements take arrays)
        self.grouping = bind is not None and bind.dialect.name == "postgresql"
        self._groups = GroupCommit(self._group)

    async def handle(self, event: Incoming) -> list[Reply]:
        """Handle one event, one at a time per account: an asyncio lock in this process
        and a row lock on the conversation state across processes (PostgreSQL; on SQLite
        the transaction holds the write lock). An event whose `event_id` is in the
        ledger was handled before: it gets no reply and changes nothing. Transient
        database faults are retried; when they last, NotHandled."""
        async with self._account_lock(event.account):
            try:
                if (route := self._grouped_route(event)) is not None:
                    replies = await self._groups.submit((event.account.channel, route), event)
                    if replies is not None:
                        return replies
                return await retrying(
                    lambda: self._handle_once(event),
                    what=f"event {event.event_id}",
                    delays=self.retry_delays,
                )
            except Exception as exc:
                if is_transient(exc):
                    raise NotHandled(str(exc)) from exc
                raise

    def _grouped_route(self, event: Incoming) -> Route | None:
        """The route of a button press that may be committed with others, or None."""
        if not self.grouping or event.kind is not Kind.BUTTON or len(event.arg) > MAX_TEXT:
            return None
        route = self.dispatcher.route_for(event, None)
        if route is None or route.batch is None or route.private or route.public:
            return None
        return route

    async def _group(self, key: Any, events: list[Incoming]) -> list[Replies]:
        """Handle a group of presses of one route and channel in one transaction, retried
        on a transient fault (when that lasts, each press's NotHandled). Presses the route's
        batch handler leaves alone, of people not bound or not active, get None: each is
        handled alone afterwards, as is the whole group if it fails otherwise."""
        channel, route = key
        try:
            return await retrying(
                lambda: self._group_once(channel, route, events),
                what=f"a group of {len(events)} presses",
                delays=self.retry_delays,
            )
        except Exception as exc:
            if is_transient(exc):
                raise
            log.exception("a group of %d presses failed: each is handled alone", len(events))
            return [None] * len(events)

    async def _group_once(
        self, channel: str, route: Route, events: list[Incoming]
    ) -> list[Replies]:
        assert route.batch is not None
        results: list[Replies] = [None] * len(events)
        async with self.sessionmaker() as session:
            services = Services(
                session, clock=self.clock, settings=self.settings, catalog=self.catalog
            )
            now = self.clock.now()
            users = [event.account.external_user_id for event in events]
            turns = await services.people.turns(channel, users, used_at=now)
            if missing := [user for user in users if user not in turns]:  # never wrote
                await self._create_states(session, channel, missing)
                turns |= await services.people.turns(channel, missing, used_at=now)
            ready: list[int] = []
            contexts: list[Context] = []
            for i, event in enumerate(events):
                row, acc, person = turns.get(event.account.external_user_id, (None, None, None))
                if row is None or acc is None or person is None:
                    continue
                if person.status != PersonStatus.ACTIVE:
                    continue
                contexts.append(self._turn(services, event, row, acc, person, now)[0])
                ready.append(i)
            if ready:
                answers = await route.batch([events[i] for i in ready], contexts)
                answered = [
                    (i, ctx, replies)
                    for i, ctx, replies in zip(ready, contexts, answers, strict=True)
                    if replies is not None
                ]
                ids = [events[i].event_id for i, _, _ in answered]
                keys = [key for key in ids if key is not None]
                if len(await ledger.record_many(session, channel, keys, now)) < len(keys):
                    # an event handled before (it had failed): none of this group is written
                    await session.rollback()
                    return [None] * len(events)
                for i, ctx, replies in answered:
                    results[i] = _marked(ctx, replies)
            await session.commit()
        return results

    def _account_lock(self, account: Account) -> AbstractAsyncContextManager[None]:
        return self._locks.hold((account.channel, account.external_user_id))

    async def _handle_once(self, event: Incoming) -> list[Reply]:
        async with self.sessionmaker() as session:
            services = Services(
                session, clock=self.clock, settings=self.settings, catalog=self.catalog
            )
            # one round trip: the state (locked until the commit), account, person, roles
            now = self.clock.now()
            row, acc, person = await services.people.turn(event.account, used_at=now)
            if row is None:
                await self._create_state(session, event.account)
                row, acc, person = await services.people.turn(event.account, used_at=now)
                assert row is not None
            if event.event_id is not None and not await ledger.record(
                session, event.account.channel, event.event_id, self.clock.now()
            ):
                log.info("event %s was handled before: ignored", event.event_id)
                await session.rollback()
                return []
            ctx, loaded, was_sealed = self._turn(services, event, row, acc, person, now)
            try:
                replies = await self._dispatch(event, ctx)
                data = self._state_data(ctx, loaded, was_sealed)
            except DomainError as exc:
                replies = [Reply(exc.render(ctx.t))]
                if not exc.persist:
                    await self._undo(session, event)
                    return _marked(ctx, replies)
                try:
                    data = self._state_data(ctx, loaded, was_sealed)
                except HotlineKeyMissing:
                    data = {}  # a kept refusal of a private turn: its state is not kept
            except BadAction:
                await self._undo(session, event)
                return [Reply(ctx.t("error-stale-button"))]
            except Exception as exc:
                if is_transient(exc):
                    raise  # retried from the start in a new transaction
                log.exception("handler failed for event %s", event.event_id)
                await self._undo(session, event)
                return [Reply(ctx.t("error-generic"))]
            if ctx.state_row.step != ctx.state.step or ctx.state_row.data != data:
                # a turn that leaves the state as it was (a button press) writes no row
                ctx.state_row.step = ctx.state.step
                ctx.state_row.data = data
                ctx.state_row.updated_at = self.clock.now()
            await session.commit()
            return _marked(ctx, replies)

    def _state_data(
        self, ctx: Context, loaded: dict[str, Any], was_sealed: bool
    ) -> dict[str, Any]:
        """The state's data as stored: sealed after a private turn, and a sealed state
        stays sealed while no ordinary turn replaces it (HotlineKeyMissing: not stored)."""
        data = dict(ctx.state.data)
        if data and (ctx.private or (was_sealed and data == loaded)):
            purpose = _state_purpose(ctx.state_row)
            return {SEALED_KEY: sealer_for(self.settings).seal_json(data, purpose=purpose)}
        return data

    def _open_state(self, row: ConversationState) -> tuple[dict[str, Any], bool]:
        """The state's data, opened if it was sealed (a hotline asker's), and whether it
        was. A seal that does not open (another MUSTER_HOTLINE_KEY) starts over."""
        sealed = sealed_dict(row.data)
        if sealed is None:
            return dict(row.data or {}), False
        try:
            data = sealer_for(self.settings).open_json(sealed, purpose=_state_purpose(row))
        except (SealBroken, HotlineKeyMissing):
            log.error("conversation state %s does not open: started over", row.id)
            return {}, True
        return dict(data), True

    async def _undo(self, session: AsyncSession, event: Incoming) -> None:
        """Roll the handler's work back but keep the event in the ledger: its answer was
        given, a redelivery must not give it again."""
        await session.rollback()
        if event.event_id is not None:
            await ledger.record(session, event.account.channel, event.event_id, self.clock.now())
            await session.commit()

    async def _create_state(self, session: AsyncSession, account: Account) -> None:
        """The conversation state of a user writing for the first time (two first
        messages at once: one row)."""
        await self._create_states(session, account.channel, [account.external_user_id])

    async def _create_states(self, session: AsyncSession, channel: str, users: list[str]) -> None:
        now = self.clock.now()
        rows: list[dict[str, Any]] = [
            {
                "channel": channel,
                "external_user_id": u,
                "step": None,
                "data": {},
                "updated_at": now,
            }
            for u in users
        ]
        await session.execute(
            upsert(session, ConversationState)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["channel", "external_user_id"])
        )

    def _turn(
        self,
        services: Services,
        event: Incoming,
        row: ConversationState,
        account: ChannelAccount | None,
        person: Person | None,
        now: datetime,
    ) -> tuple[Context, dict[str, Any], bool]:
        """A turn's context, with the state's data as loaded and whether it was sealed: the
        account (if bound) marked used from this chat, the state opened."""
        if account is not None:
            account, person = services.people.acting(
                event.account, account, person, used=True, at=now
            )
        loaded, was_sealed = self._open_state(row)
        return self._context(services, event, row, loaded, account, person), loaded, was_sealed

    def _context(
        self,
        services: Services,
        event: Incoming,
        row: ConversationState,
        data: dict[str, Any],
        account: ChannelAccount | None,
        person: Person | None,
    ) -> Context:
        locale = (person.locale if person else None) or row.locale
        return Context(
            person=person,
            account=account,
            services=services,
            t=self.catalog.translator(locale, self.settings.tz),
            clock=self.clock,
            settings=self.settings,
            state=State(row.step, dict(data)),
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
        if route.private:
            ctx.keep_private()
        if ctx.person is None and not route.public:
            unregistered = self.dispatcher.commands.get("_unregistered")
            if unregistered is None:
                return [Reply(ctx.t("reg-how-to", contact=ctx.settings.office_contact))]
            return await unregistered.handler(event, ctx)
        return await route.handler(event, ctx)


def _state_purpose(row: ConversationState) -> str:
    return f"state:{row.channel}:{row.external_user_id}"


def _marked(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """The replies of a private turn are private: channels keep no readable copy. A reply
    longer than one chat message (as sent, escaped) becomes several (`in_parts`)."""
    if ctx.private:
        for reply in replies:
            reply.private = True
    return [part for reply in replies for part in in_parts(reply)]
