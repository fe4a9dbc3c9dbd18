"""The web chat channel (`web`): a browser on /chat/ (bot.web.chat) is the chat.

Receiving: a POSTed message or button press becomes the same `Incoming` the Telegram
adapters make (`turn`), handled once through the processed-update ledger with the
client-generated id as key; the replies go to the account's message log and the page gets
them as JSON. A repeated client id is answered from the first result (webchat_turn).

Sending (the Channel protocol the outbox sender uses): `send` appends a "message" entry to
the account's log (storage.models_webchat.WebchatMessage), `edit` appends an "edit" entry
with the same message id, which the page applies in place. An account no live device
session shows is unreachable (the sender then tries the person's next account). The page
follows the log over Server-Sent Events (event id = log position).

Wake-ups (`LogWatcher`): a stream waits for its account's log to grow instead of polling.
An append in this process wakes it at once; on PostgreSQL an append anywhere (the worker's
sender, another web process) NOTIFYs at its commit and every process LISTENs on one
connection of its own; after that connection was lost and made again, every stream reads
its log (a notification may have been missed meanwhile). bench/bench_webchat.py measured
this against polling the database and Redis pub/sub (bench/README.md).

Sealing: a private reply (a hotline asker's) and what the person typed are kept sealed
in the log and in the turn results (storage/sealed.py, MUSTER_HOTLINE_KEY) and opened
when shown, so reading the database does not tie an anonymous question to its asker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import Rejected, Unreachable
from bot.channels.common import incoming
from bot.config import Settings
from bot.conversation import KeyedLocks
from bot.core import Account, Incoming, Kind, Reply
from bot.sealing import sealer_for
from storage import ledger
from storage import webchat as log_repo
from storage.ledger import update_key
from storage.models_webchat import WebchatMessage
from storage.sealed import SEALED_KEY, sealed_dict

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CHANNEL = log_repo.CHANNEL
READERS = 8  # streams of a process reading their logs at once (the rest wait their turn)
RECONNECT = 2.0  # seconds before the PostgreSQL listener connects again after a failure
SESSION = timedelta(days=30)  # a device session lasts this long after the page was last opened
SESSION_KEEP = timedelta(days=30)  # an ended session is remembered this long (then purged)


def account(external_id: str) -> Account:
    return Account(channel=CHANNEL, external_user_id=external_id, chat_id=external_id)


def render(reply: Reply) -> dict[str, Any]:
    """A reply as the page shows it: Telegram-HTML text, rows of buttons, a document name."""
    return {
        "html": reply.text,
        "buttons": [
            [{"label": b.label, "action": b.action} for b in row] for row in reply.buttons
        ],
        "document": reply.document.filename if reply.document is not None else None,
    }


@dataclass(frozen=True, slots=True)
class Posted:
    """What the page POSTed for one turn: text the person typed, or a button `action`
    pressed on the log's message `message_ref`. A repeated `client_id` is the same turn."""

    client_id: str
    text: str | None = None
    action: str | None = None
    message_ref: str | None = None


def echo_id(client_id: str) -> str:
    """The log's message id of what the person typed in the POST with `client_id` (the
    page names its bubble so until the answer comes)."""
    return "c" + client_id[:15]


def _purpose(external_id: str) -> str:
    return f"web:{external_id}"


def sealed(settings: Settings, external_id: str, value: dict[str, Any]) -> dict[str, Any]:
    """A log payload or turn result as stored for a private reply: sealed."""
    token = sealer_for(settings).seal_json(value, purpose=_purpose(external_id))
    return {SEALED_KEY: token}


def opened(settings: Settings, external_id: str, value: dict[str, Any]) -> dict[str, Any]:
    """A stored payload or turn result as shown: opened if it was sealed."""
    token = sealed_dict(value)
    if token is None:
        return value
    result: dict[str, Any] = sealer_for(settings).open_json(token, purpose=_purpose(external_id))
    return result


def entry_json(row: Any, settings: Settings) -> dict[str, Any]:
    """A log entry for the page (and the SSE data line)."""
    payload = opened(settings, row.external_id, row.payload)
    return {"pos": row.id, "id": row.message_id, "kind": row.kind, **payload}


class LogWatcher:
    """Wakes the streams of an account when its log may have grown."""

    def __init__(self, engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.stopping = False
        self.reading = asyncio.Semaphore(READERS)
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None

    @property
    def streams(self) -> int:
        return sum(len(events) for events in self._waiters.values())

    @contextlib.contextmanager
    def watching(self, external_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever `external_id`'s log may have grown (or on stopping)."""
        self._start()
        event = asyncio.Event()
        self._waiters.setdefault(external_id, set()).add(event)
        try:
            yield event
        finally:
            events = self._waiters.get(external_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._waiters[external_id]

    def notify(self, external_id: str) -> None:
        for event in self._waiters.get(external_id, ()):
            event.set()

    def notify_all(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()

    def stop(self) -> None:
        """End every stream (the server is stopping)."""
        self.stopping = True
        self.notify_all()

    async def close(self) -> None:
        self.stop()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    def _start(self) -> None:
        if (
            self._listener is None
            and self.engine is not None
            and self.engine.dialect.name == "postgresql"
        ):
            self._listener = asyncio.create_task(self._listen(), name="webchat-listen")

    async def _listen(self) -> None:
        """LISTEN on a connection of its own; after a reconnect, wake every stream (a
        notification may have been missed meanwhile)."""
        import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415 - PostgreSQL only

        assert self.engine is not None
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stopping:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("web chat: cannot LISTEN (%s); again in %s s", exc, RECONNECT)
                await asyncio.sleep(RECONNECT)
                continue
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(
                    log_repo.NOTIFY, lambda _c, _pid, _chan, payload: self.notify(payload)
                )
                self.notify_all()
                await lost.wait()
                log.warning("web chat: the LISTEN connection was lost; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)


class WebChannel:
    """Appends to message logs; runs turns for bot.web.chat."""

    name = CHANNEL
    paced = False  # no platform limit: the outbox sender does not hold web messages back

    def __init__(self, app: App) -> None:
        self.app = app
        self.conversation = app.conversation()
        self.reader = app.sessionmaker  # reads take no write lock (SQLite)
        self.writer = app.writer
        self.clock = app.clock
        self.watcher = LogWatcher(app.engine)
        self._turns = KeyedLocks()
        self.settings = app.settings

    async def close(self) -> None:
        await self.watcher.close()

    # --- sending: the Channel protocol ---------------------------------------------------

    async def send(self, chat_id: str, reply: Reply) -> str:
        if not reply.text and reply.document is None:
            raise Rejected("nothing to send: a reply with no text and no document")
        message_id = secrets.token_hex(8)
        await self._append(chat_id, message_id, "message", reply)
        return message_id

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        if reply.document is not None or not reply.text:
            return await self.send(chat_id, reply)
        async with self.reader() as session:
            shown = await log_repo.latest(session, chat_id, message_id)
        if shown is None:
            return await self.send(chat_id, reply)
        await self._append(chat_id, message_id, "edit", reply)
        return message_id

    async def _append(self, chat_id: str, message_id: str, kind: str, reply: Reply) -> int:
        payload = render(reply)
        if reply.private:
            payload = sealed(self.settings, chat_id, payload)
        return await self._log(
            chat_id,
            message_id,
            kind,
            payload,
            document=reply.document.content if reply.document is not None else None,
        )

    async def _log(
        self,
        chat_id: str,
        message_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        document: bytes | None = None,
    ) -> int:
        """Append to the log of a browser that can still see it (else Unreachable), then
        wake this process's streams of it."""
        now = self.clock.now()
        async with self.writer() as session:
            if not await log_repo.has_live_session(session, chat_id, now):
                await log_repo.mark_gone(session, now, chat_id)
                await session.commit()
                raise Unreachable("web chat session ended")
            entry = WebchatMessage(
                external_id=chat_id,
                message_id=message_id,
                kind=kind,
                payload=payload,
                document=document,
                created_at=now,
            )
            pos = await log_repo.append(session, entry)
            await session.commit()
        self.watcher.notify(chat_id)
        return pos

    async def _echo(self, external_id: str, client_id: str, text: str) -> None:
        """What the person typed, as their own bubble in the log (once per client id)."""
        message_id = echo_id(client_id)
        async with self.reader() as session:
            if await log_repo.latest(session, external_id, message_id) is not None:
                return
        mine = sealed(self.settings, external_id, {"text": text})
        await self._log(external_id, message_id, "mine", mine)

    async def housekeeping(self) -> None:
        """Mark accounts whose device sessions all ended as unreachable; forget sessions
        that ended long ago (the page of such a cookie asks for a code anyway)."""
        now = self.clock.now()
        async with self.writer() as session:
            gone = await log_repo.mark_gone(session, now)
            await log_repo.purge_sessions(session, now - SESSION_KEEP)
            await session.commit()
        if gone:
            log.info("web chat: %d account(s) without a live session marked unreachable", gone)

    # --- receiving: one turn -------------------------------------------------------------

    async def turn(
        self, external_id: str, posted: Posted, *, stale_text: str = ""
    ) -> dict[str, Any]:
        """Handle one POST once: {"toast": ..., "entries": [log entries]}."""
        # A browser's POSTs one after the other: a repeated client id finds the first answer
        async with self._turns.hold(external_id):
            async with self.reader() as session:
                done = await log_repo.turn_result(session, external_id, posted.client_id)
            if done is not None:
                return opened(self.settings, external_id, done)
            async with self.reader() as session:
                before = await log_repo.last_position(session, external_id)
            if posted.text is not None:
                await self._echo(external_id, posted.client_id, posted.text)
            acc = account(external_id)
            key = update_key(posted.client_id)
            if posted.action is not None:
                if not await self._button_shown(external_id, posted.message_ref, posted.action):
                    # A button of a message since edited, or a token we never showed
                    replies = [Reply(stale_text)]
                    await self._ledger_only(key)
                else:
                    event = Incoming(
                        acc,
                        Kind.BUTTON,
                        name=posted.action,
                        message_ref=posted.message_ref,
                        event_id=key,
                    )
                    replies = await self.conversation.handle(event)
            else:
                replies = await self.conversation.handle(incoming(acc, posted.text or "", key))
            result = await self._deliver(external_id, replies, posted.message_ref, before)
            # what the person typed is in the result (their own bubble): kept sealed
            private = posted.text is not None or any(r.private for r in replies)
            stored = sealed(self.settings, external_id, result) if private else result
            async with self.writer() as session:
                await log_repo.save_turn(
                    session,
                    external_id=external_id,
                    client_id=posted.client_id,
                    result=stored,
                    now=self.clock.now(),
                )
                await session.commit()
            return result

    async def _ledger_only(self, key: str) -> None:
        async with self.writer() as session:
            await ledger.record(session, CHANNEL, key, self.clock.now())
            await session.commit()

    async def _button_shown(self, external_id: str, message_ref: str | None, action: str) -> bool:
        if not message_ref:
            return False
        async with self.reader() as session:
            shown = await log_repo.latest(session, external_id, message_ref)
        if shown is None:
            return False
        rows = opened(self.settings, external_id, shown.payload).get("buttons") or []
        return any(b.get("action") == action for row in rows for b in row)

    async def _deliver(
        self, external_id: str, replies: list[Reply], pressed: str | None, before: int
    ) -> dict[str, Any]:
        toast = next((r.toast for r in replies if r.toast), None)
        for reply in replies:
            if not reply.text and reply.document is None:
                continue
            if reply.edit and pressed:
                await self.edit(external_id, pressed, reply)
            else:
                await self.send(external_id, reply)
        async with self.reader() as session:
            # What this turn appended (and any outbox delivery landing meanwhile: the page
            # keys entries by log position, so the stream showing it too changes nothing).
            rows = await log_repo.after(session, external_id, before)
        return {"toast": toast, "entries": [entry_json(r, self.settings) for r in rows]}
