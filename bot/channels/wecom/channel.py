"""The WeCom channel: callbacks in (through the inbox), replies and outbox rows out.

Receiving (bot.channels.wecom.routes) stores each decrypted callback in `wecom_inbox` and
answers WeCom at once; `run_worker` handles the rows afterwards: a userid the roster names
is bound first (no code needed), then the event goes through Conversation.handle and its
replies are delivered. A worker that dies after the answer loses nothing: its rows go back
to pending when the worker starts again (and are handled once more if it died between
handling and marking them done; the same edge as the outbox's in-flight rows).

Sending (the Channel protocol the outbox sender uses, and the worker's direct replies):
- text: Telegram-HTML -> WeCom text (bot.channels.wecom.markup), split at 2,048 bytes;
- buttons: `template_card` of type `button_interaction` (more than 6: 5 and a "⋯ 1/2"
  button that pages them in the same card, handled here without a turn); the card's task
  id is the message id the rest of Muster sees (an outbox edit, a pressed message's ref);
- edit after a press: `update_template_card` with the click's response code replaces the
  card's text and buttons; a reply without buttons keeps one "✓" button (a card cannot have
  none; pressing it greys it); a text too long for a card closes the card and comes anew;
- documents: media/upload, then a `file` message.
Every message to a member reserves a slot of the member's limits first (30/min, 1,000/h):
a direct reply waits for it; an outbox row is handed back (Deferred) so other chats go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelError, Deferred, Rejected, RetryAfter
from bot.channels.wecom import markup
from bot.channels.wecom.api import WecomApi
from bot.channels.wecom.crypto import CryptoError, WecomCrypto
from bot.channels.wecom.events import CHANNEL, WecomEvent, parse_event
from bot.channels.wecom.limits import LocalMemberLimits, MemberLimits, RedisMemberLimits
from bot.clock import Clock
from bot.config import Settings
from bot.conversation import Conversation
from bot.core import Button, Document, Incoming, Kind, Reply
from bot.sealing import sealer_for
from bot.services import Services
from bot.services.directory import DirectoryService
from storage import wecom as inbox
from storage.sealed import is_sealed

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds between looks at the inbox when no callback wakes us
BATCH = 50  # inbox rows claimed at a time
MAX_DIRECT_WAIT = 3600.0  # a direct reply waits for its member's slot at most this long
ERROR_PAUSE = 5.0
DONE_MARK = "✓"  # the one button of a card edited to show an outcome without buttons

REQUIRED = ("wecom_corp_id", "wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key")


def missing_settings(settings: Settings) -> list[str]:
    """The MUSTER_WECOM_* variables a WeCom deployment needs but are not set."""
    return [f"MUSTER_{name.upper()}" for name in REQUIRED if getattr(settings, name) is None]


class WecomChannel:
    """One self-built app: receives through the inbox, sends through WecomApi."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        conversation: Conversation,
        *,
        limits: MemberLimits | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        missing = missing_settings(settings)
        if missing:
            raise ValueError(f"{', '.join(missing)} not set")
        assert settings.wecom_corp_id and settings.wecom_agent_id  # noqa: S101 - checked
        assert settings.wecom_secret and settings.wecom_token and settings.wecom_aes_key  # noqa: S101
        self.settings = settings
        self.conversation = conversation
        self.sessionmaker: async_sessionmaker[AsyncSession] = conversation.sessionmaker
        self.clock: Clock = conversation.clock
        self.crypto = WecomCrypto(
            settings.wecom_token.get_secret_value(),
            settings.wecom_aes_key.get_secret_value(),
            settings.wecom_corp_id,
        )
        self.api = WecomApi.from_settings(settings, self.sessionmaker, self.clock)
        if limits is None:
            limits = (
                RedisMemberLimits(settings.redis_url)
                if settings.redis_url
                else LocalMemberLimits(monotonic=monotonic or time.monotonic)
            )
        self.limits = limits
        self.started = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._closed = False

    async def close(self) -> None:
        """Close the HTTP client and the limits' Redis connection (once)."""
        await self.api.close()
        if not self._closed:
            self._closed = True
            await self.limits.close()

    # --- receiving: the inbox ------------------------------------------------------------

    async def accept(self, xml: str) -> bool:
        """Store a decrypted callback (in the request, before answering). False when it
        is a redelivery of one already stored. CryptoError when it is not a message."""
        event = parse_event(xml)
        if event.agent_id and event.agent_id != str(self.settings.wecom_agent_id):
            # Another app of the same corp posting to our URL: not ours to answer.
            log.warning(
                "wecom callback for agent %s ignored (ours: %s)",
                event.agent_id,
                self.settings.wecom_agent_id,
            )
            return False
        async with self.sessionmaker() as session:
            new = await inbox.store_event(
                session,
                dedupe_key=self._stored_key(event),
                from_user=event.from_user,
                xml=xml,
                now=self.clock.now(),
            )
            await session.commit()
        if new:
            self._wake.set()
        return new

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_worker(self, *, poll_interval: float = POLL_INTERVAL) -> None:
        """Handle inbox rows until stopped or cancelled (a task beside the web server)."""
        await self._recover(at_start=True)
        self.started.set()
        while not self._stopping:
            self._wake.clear()
            try:
                while await self.handle_pending():
                    pass
            except Exception:
                log.exception("wecom inbox: handling failed; again in %s s", ERROR_PAUSE)
                await asyncio.sleep(ERROR_PAUSE)
                await self._recover(at_start=True)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_interval)

    async def handle_pending(self) -> int:
        """Claim and handle one batch; each member's events in order, members in parallel."""
        async with self.sessionmaker() as session:
            rows = await inbox.claim(session, now=self.clock.now(), limit=BATCH)
            await session.commit()
        by_user: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for row_id, from_user, xml in rows:
            by_user[from_user].append((row_id, xml))
        await asyncio.gather(*(self._handle_user(items) for items in by_user.values()))
        return len(rows)

    async def _handle_user(self, items: list[tuple[int, str]]) -> None:
        for row_id, xml in items:
            error: str | None = None
            kept: str | None = None  # the callback as kept once handled: sealed if private
            try:
                if await self._handle(parse_event(xml)):
                    kept = self._seal(row_id, xml)
            except CryptoError as exc:  # stored by an older version, say: never retry
                error = exc.reason
            except ChannelError as exc:
                error = exc.reason
                log.warning("wecom inbox %s: reply not delivered: %s", row_id, exc.reason)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("wecom inbox %s failed", row_id)
            async with self.sessionmaker() as session:
                await inbox.finish(session, row_id, now=self.clock.now(), error=error, xml=kept)
                await session.commit()

    def _stored_key(self, event: WecomEvent) -> str:
        """An event's key as the inbox and the ledger keep it. A click's key holds its
        user and button (the token names a ticket, say): kept as a keyed tag
        (MUSTER_HOTLINE_KEY), so it still finds a retried callback and shows nothing."""
        key = event.dedupe_key
        return key if key.startswith("msg:") else f"ev:{sealer_for(self.settings).tag(key)}"

    def _seal(self, row_id: int, text: str) -> str:
        """A private turn's callback (a hotline asker's question, say) or card as kept."""
        return sealer_for(self.settings).seal(text, purpose=f"wecom-inbox:{row_id}")

    async def _recover(self, *, at_start: bool) -> None:
        async with self.sessionmaker() as session:
            older = None
            if session.get_bind().dialect.name == "postgresql" or not at_start:
                # Other processes may be handling rows right now: take only abandoned ones.
                older = self.clock.now() - inbox.LEASE
            count = await inbox.recover(session, older_than=older)
            await session.commit()
        if count:
            log.warning("wecom inbox: %d abandoned event(s) back to pending", count)

    async def _handle(self, event: WecomEvent) -> bool:
        """Handle one callback; True when the turn was private (its input is then kept
        sealed)."""
        account = event.account()
        async with self.sessionmaker() as session:
            services = Services(session, clock=self.clock, settings=self.settings)
            bound = await services._build(DirectoryService).bind_if_named(account)
            if event.task_id and event.response_code:
                await inbox.set_card_code(
                    session,
                    event.task_id,
                    event.from_user,
                    event.response_code,
                    now=self.clock.now(),
                )
            await session.commit()
        if bound is not None:
            log.info(
                "wecom: %s bound to %s by the directory",
                account.external_user_id,
                bound.employee_no,
            )
        if event.event_key.startswith(markup.MORE_PREFIX) and event.task_id:
            await self._turn_page(event)
            return False
        if event.event_key == markup.NOOP and event.task_id and event.response_code:
            with contextlib.suppress(Rejected):  # the "✓" of an outcome: grey it, no turn
                await self.api.update_card(
                    {
                        "userids": [event.from_user],
                        "response_code": event.response_code,
                        "button": {"replace_name": DONE_MARK},
                    }
                )
            await self._consumed(event.task_id, event.from_user)
            return False
        incoming: Incoming | None = event.incoming(self._stored_key(event))
        if incoming is None:
            if not event.is_unsupported:
                return False  # enter_agent, subscribe, ...: nothing to say
            t = await self._translator_for(event)
            await self._deliver(account.chat_id, [Reply(t("channel-send-text"))], None)
            return False
        replies = await self.conversation.handle(incoming)
        pressed = incoming.message_ref if incoming.kind == Kind.BUTTON else None
        await self._deliver(account.chat_id, replies, pressed)
        return any(r.private for r in replies)

    async def _translator_for(self, event: WecomEvent) -> Any:
        conv = self.conversation
        async with self.sessionmaker() as session:
            services = Services(session, clock=self.clock, settings=self.settings)
            _, person = await services.people.person_for(event.account())
            locale = person.locale if person is not None else None
        return conv.catalog.translator(locale, self.settings.tz)

    async def _deliver(self, chat_id: str, replies: list[Reply], pressed: str | None) -> None:
        """The replies of one event in order; a toast (WeCom shows none) becomes text only
        when it is the whole reply."""
        for reply in replies:
            if not reply.text and reply.document is None and reply.toast:
                reply = Reply(reply.toast)
            if not reply.text and reply.document is None:
                continue
            if reply.edit and pressed:
                await self._edit(chat_id, pressed, reply, wait=True)
            else:
                await self._send(chat_id, reply, wait=True)

    # --- sending: the Channel protocol ---------------------------------------------------

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Send `reply` as new message(s) (for the outbox sender); the id of the last."""
        return await self._send(chat_id, reply, wait=False)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        """Replace card `message_id` with `reply` if its response code is unused; else send."""
        return await self._edit(chat_id, message_id, reply, wait=False)

    async def _slot(self, userid: str, *, wait: bool) -> None:
        """Reserve one message of the member's limits: wait for it, or (first message of
        an outbox row) hand the row back."""
        waited = 0.0
        while (left := await self.limits.reserve(userid)) > 0:
            if not wait:
                raise Deferred(f"member {userid}: WeCom limit of 30/min, 1000/h", left)
            if waited + left > MAX_DIRECT_WAIT:
                raise RetryAfter(f"member {userid}: limit", left)
            waited += left
            await asyncio.sleep(left)

    async def _send(self, chat_id: str, reply: Reply, *, wait: bool) -> str:
        first = True

        async def slot() -> None:
            nonlocal first
            # Only the first message of a reply may defer the row: a later part waits,
            # or the parts already sent would be sent again.
            await self._slot(chat_id, wait=wait or not first)
            first = False

        if reply.document is not None:
            if reply.text:
                for part in markup.split_bytes(markup.to_text(reply.text)):
                    await slot()
                    await self._send_text(chat_id, part)
            await slot()
            return await self._send_file(chat_id, reply.document)
        buttons = markup.flat(reply.buttons)
        if not buttons:
            parts = markup.split_bytes(markup.to_text(reply.text)) if reply.text else []
            if not parts:
                raise Rejected("nothing to send: a reply with no text and no document")
            sent = ""
            for part in parts:
                await slot()
                sent = await self._send_text(chat_id, part)
            return sent
        body = markup.plain(reply.text)
        *lead, last = markup.split_bytes(body, markup.CARD_TEXT_LIMIT) or [""]
        for part in lead:  # too long for a card: the beginning goes as text before it
            await slot()
            await self._send_text(chat_id, part)
        await slot()
        return await self._send_card(chat_id, last, buttons, private=reply.private)

    async def _edit(self, chat_id: str, message_id: str, reply: Reply, *, wait: bool) -> str:
        async with self.sessionmaker() as session:
            code = await inbox.card_code(session, message_id, chat_id)
        buttons = markup.flat(reply.buttons)
        body = markup.plain(reply.text)
        if code is None or reply.document is not None or not reply.text:
            return await self._send(chat_id, reply, wait=wait)
        if markup.nbytes(body) > markup.CARD_TEXT_LIMIT:
            # Too long for the card: its buttons become a mark, the text comes anew.
            return await self._close_card(chat_id, message_id, code, reply, wait=wait)
        # A card cannot lose all its buttons and keep a new text: an edit without buttons
        # shows the outcome in place with one "✓" button (pressing it greys it).
        shown = buttons or [Button(DONE_MARK, markup.NOOP)]
        try:
            await self._update_card(
                chat_id, message_id, code, body, shown, 0, private=reply.private
            )
        except Rejected as exc:  # the code expired (72 h) or was used: show it anew
            log.info("wecom: cannot update card %s (%s): sending anew", message_id, exc.reason)
            await self._consumed(message_id, chat_id)
            return await self._send(chat_id, reply, wait=wait)
        return message_id

    async def _close_card(
        self, chat_id: str, message_id: str, code: str, reply: Reply, *, wait: bool
    ) -> str:
        with contextlib.suppress(Rejected):
            await self.api.update_card(
                {
                    "userids": [chat_id],
                    "response_code": code,
                    "button": {"replace_name": DONE_MARK},
                }
            )
        await self._consumed(message_id, chat_id)
        return await self._send(chat_id, reply, wait=wait)

    async def _update_card(
        self,
        userid: str,
        task_id: str,
        code: str,
        body: str,
        buttons: list[Button],
        page: int,
        *,
        private: bool,
    ) -> None:
        await self.api.update_card(
            {
                "userids": [userid],
                "response_code": code,
                "template_card": _card(task_id, body, markup.card_page(buttons, page)),
            }
        )
        async with self.sessionmaker() as session:
            await inbox.set_card_code(session, task_id, userid, None, now=self.clock.now())
            kept, kept_buttons = self._card_kept(task_id, body, buttons, private)
            await inbox.set_card_content(
                session, task_id, body=kept, buttons=kept_buttons, now=self.clock.now()
            )
            await session.commit()

    async def _turn_page(self, event: WecomEvent) -> None:
        """A "more" button: the same card shows its next buttons (no conversation turn)."""
        async with self.sessionmaker() as session:
            card = await inbox.card(session, event.task_id, event.from_user)
        if card is None or not event.response_code:
            return
        private = is_sealed(card.body)
        body, stored = card.body or "", card.buttons or []
        if private:
            shown = sealer_for(self.settings).open_json(body, purpose=f"wecom-card:{card.task_id}")
            body, stored = shown["body"], shown["buttons"]
        if not stored:
            return
        page = int(event.event_key.removeprefix(markup.MORE_PREFIX) or 0)
        buttons = [Button(label, action) for label, action in stored]
        await self._update_card(
            event.from_user,
            event.task_id,
            event.response_code,
            body,
            buttons,
            page,
            private=private,
        )

    async def _consumed(self, task_id: str, userid: str) -> None:
        async with self.sessionmaker() as session:
            await inbox.set_card_code(session, task_id, userid, None, now=self.clock.now())
            await session.commit()

    # --- WeCom calls -----------------------------------------------------------------------

    async def _send_text(self, userid: str, text: str) -> str:
        answer = await self.api.send(
            {"touser": userid, "msgtype": "text", "text": {"content": text}}
        )
        return str(answer.get("msgid", ""))

    async def _send_file(self, userid: str, document: Document) -> str:
        media_id = await self.api.upload(document.filename, document.content)
        answer = await self.api.send(
            {"touser": userid, "msgtype": "file", "file": {"media_id": media_id}}
        )
        return str(answer.get("msgid", ""))

    def _card_kept(
        self, task_id: str, body: str, buttons: list[Button], private: bool
    ) -> tuple[str, list[list[str]] | None]:
        """What a card shows, as kept for paging: sealed when the reply was private."""
        if not private:
            return body, _stored(buttons)
        content = {"body": body, "buttons": _stored(buttons)}
        return sealer_for(self.settings).seal_json(content, purpose=f"wecom-card:{task_id}"), None

    async def _send_card(
        self, userid: str, body: str, buttons: list[Button], *, private: bool = False
    ) -> str:
        task_id = f"m{secrets.token_hex(12)}"
        answer = await self.api.send(
            {
                "touser": userid,
                "msgtype": "template_card",
                "template_card": _card(task_id, body, markup.card_page(buttons, 0)),
            }
        )
        kept, kept_buttons = self._card_kept(task_id, body, buttons, private)
        async with self.sessionmaker() as session:
            await inbox.remember_card(
                session,
                task_id=task_id,
                userid=userid,
                msgid=str(answer.get("msgid") or "") or None,
                response_code=answer.get("response_code"),
                body=kept,
                buttons=kept_buttons,
                now=self.clock.now(),
            )
            await session.commit()
        return task_id


def _stored(buttons: list[Button]) -> list[list[str]]:
    return [[b.label, b.action] for b in buttons]


def _card(task_id: str, body: str, buttons: list[Button]) -> dict[str, Any]:
    """A button_interaction card: the body (with shortened labels written out) and buttons."""
    return {
        "card_type": "button_interaction",
        "sub_title_text": markup.card_body(body, buttons),
        "task_id": task_id,
        "button_list": [
            {"text": markup.shorten(b.label), "style": 1, "key": b.action} for b in buttons
        ],
    }


def check_skew(timestamp: str, now: datetime, max_skew: int) -> None:
    """CryptoError when the callback's timestamp is further than `max_skew` s from now."""
    if max_skew <= 0:
        return
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise CryptoError("timestamp is not a number") from exc
    if abs(now.timestamp() - sent) > max_skew:
        raise CryptoError(f"timestamp {timestamp} is more than {max_skew} s from now")
