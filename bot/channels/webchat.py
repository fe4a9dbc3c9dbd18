"""The web chat channel (`web`): a browser on /chat/ (bot.web.chat) is the chat.

Receiving: a POSTed message or button press becomes the same `Incoming` the Telegram
adapters make (`turn`), handled once through the processed-update ledger with the
client-generated id as key; the replies go to the account's message log and the page gets
them as JSON. A repeated client id is answered from the first result (webchat_turn).

Sending (the Channel protocol the outbox sender uses): `send` appends a "message" entry to
the account's log (storage.models_webchat.WebchatMessage), `edit` appends an "edit" entry
with the same message id, which the page applies in place. The page follows the log over
Server-Sent Events (event id = log position). Any process may append: streams see it by
polling the database every POLL_INTERVAL seconds (simple, the same on SQLite and
PostgreSQL; LISTEN/NOTIFY or Redis pub/sub would cut the latency, not measured yet).
A private reply (a hotline asker's) is kept sealed in the log and in the turn results
(storage/sealed.py) and opened when shown.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from bot.channels.base import Rejected
from bot.channels.common import incoming
from bot.config import Settings
from bot.conversation import Conversation
from bot.core import Account, Incoming, Kind, Reply
from bot.sealing import sealer_for
from storage import webchat as log_repo
from storage.ledger import update_key
from storage.sealed import SEALED_KEY, sealed_dict

CHANNEL = "web"
POLL_INTERVAL = 0.5  # seconds between an SSE stream's looks at the log


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


class WebChannel:
    """Appends to message logs; runs turns for bot.web.chat."""

    name = CHANNEL

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.settings = conversation.settings
        self.sessionmaker = conversation.sessionmaker
        self.clock = conversation.clock
        self._turn_locks: dict[str, asyncio.Lock] = {}

    async def close(self) -> None:
        return None

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
        async with self.sessionmaker() as session:
            shown = await log_repo.latest(session, chat_id, message_id)
        if shown is None:
            return await self.send(chat_id, reply)
        await self._append(chat_id, message_id, "edit", reply)
        return message_id

    async def _append(self, chat_id: str, message_id: str, kind: str, reply: Reply) -> int:
        payload = render(reply)
        if reply.private:
            payload = sealed(self.settings, chat_id, payload)
        async with self.sessionmaker() as session:
            pos = await log_repo.append(
                session,
                external_id=chat_id,
                message_id=message_id,
                kind=kind,
                payload=payload,
                document=reply.document.content if reply.document is not None else None,
                now=self.clock.now(),
            )
            await session.commit()
        return pos

    # --- receiving: one turn -------------------------------------------------------------

    async def turn(
        self,
        external_id: str,
        client_id: str,
        *,
        text: str | None = None,
        action: str | None = None,
        message_ref: str | None = None,
        stale_text: str = "",
    ) -> dict[str, Any]:
        """Handle one POST once: {"toast": ..., "entries": [log entries]}."""
        lock = self._turn_locks.setdefault(external_id, asyncio.Lock())
        async with lock:
            async with self.sessionmaker() as session:
                done = await log_repo.turn_result(session, external_id, client_id)
            if done is not None:
                return opened(self.settings, external_id, done)
            acc = account(external_id)
            key = update_key(client_id)
            if action is not None:
                if not await self._button_shown(external_id, message_ref, action):
                    # A button of a message since edited, or a token we never showed
                    replies = [Reply(stale_text)]
                    await self._ledger_only(key)
                else:
                    event = Incoming(
                        acc, Kind.BUTTON, name=action, message_ref=message_ref, event_id=key
                    )
                    replies = await self.conversation.handle(event)
            else:
                replies = await self.conversation.handle(incoming(acc, text or "", key))
            result = await self._deliver(external_id, replies, message_ref)
            stored = result
            if any(r.private for r in replies):
                stored = sealed(self.settings, external_id, result)
            async with self.sessionmaker() as session:
                await log_repo.save_turn(
                    session,
                    external_id=external_id,
                    client_id=client_id,
                    result=stored,
                    now=self.clock.now(),
                )
                await session.commit()
            return result

    async def _ledger_only(self, key: str) -> None:
        from storage import ledger  # noqa: PLC0415

        async with self.sessionmaker() as session:
            await ledger.record(session, CHANNEL, key, self.clock.now())
            await session.commit()

    async def _button_shown(self, external_id: str, message_ref: str | None, action: str) -> bool:
        if not message_ref:
            return False
        async with self.sessionmaker() as session:
            shown = await log_repo.latest(session, external_id, message_ref)
        if shown is None:
            return False
        rows = opened(self.settings, external_id, shown.payload).get("buttons") or []
        return any(b.get("action") == action for row in rows for b in row)

    async def _deliver(
        self, external_id: str, replies: list[Reply], pressed: str | None
    ) -> dict[str, Any]:
        toast = next((r.toast for r in replies if r.toast), None)
        async with self.sessionmaker() as session:
            before = await log_repo.last_position(session, external_id)
        for reply in replies:
            if not reply.text and reply.document is None:
                continue
            if reply.edit and pressed:
                await self.edit(external_id, pressed, reply)
            else:
                await self.send(external_id, reply)
        async with self.sessionmaker() as session:
            # What this turn appended (and any outbox delivery landing meanwhile: the page
            # keys entries by log position, so the stream showing it too changes nothing).
            rows = await log_repo.after(session, external_id, before)
        return {"toast": toast, "entries": [entry_json(r, self.settings) for r in rows]}
