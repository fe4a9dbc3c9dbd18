"""What every Telegram adapter shares, free of any Telegram library.

The flow of one turn (a typed message or a button press -> Conversation -> replies), the
plan that turns a Reply into Bot API calls (split at 4096 characters at paragraph
boundaries, buttons under the last part, a caption when it fits, edit or send anew, one
wait after a 429), the four Bot API calls themselves and the webhook server's life. Both
libraries mirror the Bot API, so their Bot, Message and CallbackQuery objects are read
here through the Protocols below. Each adapter (aiogram, python-telegram-bot) subclasses
TelegramAdapter and supplies its library's bot, keyboard and upload types, and `_call`,
which turns the library's errors into those of bot.channels.base. So both adapters make
the same calls for the same conversation, and a user cannot tell which one runs.

Bot API methods a Telegram adapter calls, whichever library runs:
- getMe: when polling or the webhook server starts (PTB: Application.initialize)
- deleteWebhook: before long polling (a webhook left set makes getUpdates fail)
- getUpdates: long polling (`muster run`, `muster run --channel ptb`); PTB calls it once
  more with timeout 0 on stopping, which marks the updates already taken as read
- setWebhook: with the secret token, when the webhook server starts (`muster run --webhook`)
- sendMessage: every reply, HTML parse mode, inline keyboard on the last part of a long text
- editMessageText: a reply with `edit` replaces the message whose button was pressed
- answerCallbackQuery: every button press, with the reply's toast if it has one
- sendDocument: a reply with a document
"""

from __future__ import annotations

import asyncio
import logging
import signal
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.base import ChannelError, Rejected, RetryAfter
from bot.config import Settings
from bot.conversation import Conversation, NotHandled
from bot.core import Account, Button, Document, Incoming, Kind, Reply
from bot.i18n import Translator
from bot.services import Services
from bot.text import split_message
from storage.db import retrying
from storage.ledger import update_key

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CAPTION_LIMIT = 1024  # Telegram's limit for a document caption
NOT_MODIFIED = "message is not modified"  # compared in lower case: libraries reword it
MAX_RETRY_WAIT = 30.0  # longest pause before retrying a direct reply after a 429
DRAIN_TIMEOUT = 10.0  # how long a stopping bot lets running updates finish
ALLOWED_UPDATES = ("message", "callback_query")  # the only updates Muster handles
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PRIVATE_CHAT = "private"  # the chat type of a one-to-one chat with the bot

T = TypeVar("T")


# --- the Bot API objects, as both libraries model them -------------------------------------


class TgUser(Protocol):
    id: int
    language_code: str | None

    @property
    def full_name(self) -> str: ...


class TgChat(Protocol):
    id: int
    type: str


class TgSent(Protocol):
    message_id: int


class TgPressed(TgSent, Protocol):
    """The message under a pressed button (possibly one the bot can no longer access)."""

    @property
    def chat(self) -> TgChat: ...


class TgMessage(Protocol):
    text: str | None

    @property
    def chat(self) -> TgChat: ...
    @property
    def from_user(self) -> TgUser | None: ...


class TgCallback(Protocol):
    id: str
    data: str | None

    @property
    def from_user(self) -> TgUser: ...
    @property
    def message(self) -> TgPressed | None: ...


class TgBot(Protocol):
    """The four Bot API methods Muster calls, with the arguments it passes."""

    def send_message(
        self, *, chat_id: int | str, text: str, reply_markup: Any
    ) -> Awaitable[TgSent]: ...

    def send_document(
        self, *, chat_id: int | str, document: Any, caption: str | None, reply_markup: Any
    ) -> Awaitable[TgSent]: ...

    def edit_message_text(
        self, *, text: str, chat_id: int | str, message_id: int, reply_markup: Any
    ) -> Awaitable[object]: ...

    def answer_callback_query(
        self, callback_query_id: str, *, text: str | None
    ) -> Awaitable[object]: ...


def account(
    user_id: int, chat_id: int, full_name: str | None, language_code: str | None
) -> Account:
    """The Account of a Telegram user writing in a chat."""
    return Account(
        channel=CHANNEL,
        external_user_id=str(user_id),
        chat_id=str(chat_id),
        display_name=full_name,
        language_code=language_code,
    )


def incoming(account: Account, text: str, event_id: str) -> Incoming:
    """A typed message: "/cmd@bot arg" is a command, anything else free text."""
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)  # any whitespace: "/start\nCODE" too
        name = words[0].split("@", 1)[0].lower() if words else ""
        arg = words[1].strip() if len(words) > 1 else ""
        return Incoming(account, Kind.COMMAND, name=name, arg=arg, text=text, event_id=event_id)
    return Incoming(account, Kind.TEXT, text=text, event_id=event_id)


def chat_ref(chat_id: str) -> int | str:
    """A chat id as the Bot API takes it: a number, or "@channelname"."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class TelegramAdapter(ABC):
    """One Telegram adapter: long polling or a webhook server in front of a Conversation."""

    name = CHANNEL
    bot: TgBot  # the library's Bot, set by the subclass

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        if settings.telegram_token is None:
            raise ValueError("MUSTER_TELEGRAM_TOKEN is not set")
        self._token = settings.telegram_token.get_secret_value()
        self.settings = settings
        self.conversation = conversation
        self.started = asyncio.Event()
        self._inflight: set[asyncio.Task[object]] = set()

    # --- what each library does ------------------------------------------------------------

    @abstractmethod
    async def run_polling(self, *, handle_signals: bool = True, polling_timeout: int = 30) -> None:
        """Long-poll getUpdates until SIGINT/SIGTERM or `stop()`."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop long polling started by `run_polling`."""

    @abstractmethod
    def webhook_app(self) -> web.Application:
        """An aiohttp app taking updates at the webhook URL's path; wrong secret -> 401."""

    @abstractmethod
    async def close(self) -> None:
        """Close the HTTP client; a later send opens it again."""

    @abstractmethod
    async def _call(self, request: Awaitable[T]) -> T:
        """Make one Bot API call, turning the library's errors into those of
        bot.channels.base."""

    @abstractmethod
    def _keyboard(self, rows: list[list[Button]]) -> object:
        """The library's inline keyboard of these (non-empty) rows of buttons."""

    @abstractmethod
    def _upload(self, document: Document) -> object:
        """The library's file to upload with sendDocument."""

    # --- running ---------------------------------------------------------------------------

    def _webhook_target(self) -> tuple[str, str, str]:
        """The webhook URL, its path and the secret; refuses when one is not configured."""
        url, secret = self.settings.webhook_url, self.settings.webhook_secret
        if not url or secret is None:
            raise ValueError("webhook mode needs MUSTER_WEBHOOK_URL and MUSTER_WEBHOOK_SECRET")
        return url, urlsplit(url).path or "/", secret.get_secret_value()

    async def run_webhook(self, *, handle_signals: bool = True) -> None:
        """Serve the webhook on MUSTER_WEBHOOK_LISTEN until SIGINT/SIGTERM."""
        host, _, port = self.settings.webhook_listen.rpartition(":")
        runner = web.AppRunner(self.webhook_app())
        try:
            await runner.setup()  # calls setWebhook
            await web.TCPSite(runner, host.strip("[]"), int(port)).start()
            log.info("webhook server listening on %s", self.settings.webhook_listen)
            await self._until_signal(asyncio.Event(), handle_signals=handle_signals)
        finally:
            await runner.cleanup()  # lets running updates finish
            await self._after_webhook()

    async def _after_webhook(self) -> None:
        # The app's cleanup skips its on_shutdown hooks when setWebhook failed.
        await self.close()

    @staticmethod
    async def _until_signal(stop: asyncio.Event, *, handle_signals: bool) -> None:
        """Wait until `stop` is set, or for SIGINT/SIGTERM when `handle_signals`."""
        signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
        loop = asyncio.get_running_loop()
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    async def _drain(self) -> None:
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=DRAIN_TIMEOUT)

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        """Remember the running update so a stopping bot can let it finish."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._inflight.discard(task)

    # --- one turn ----------------------------------------------------------------------------

    async def _message_turn(self, message: TgMessage, update_id: int) -> None:
        """A message update: a turn when it was written to the bot in a private chat."""
        user = message.from_user
        if user is None or message.chat.type != PRIVATE_CHAT:
            return  # Muster talks to one person at a time, never in groups or channels
        who = account(user.id, message.chat.id, user.full_name, user.language_code)
        await self._text_turn(who, message.text, update_id)

    async def _callback_turn(self, callback: TgCallback, update_id: int) -> None:
        """A callback query update: the press of a button under one of the bot's messages."""
        pressed = callback.message
        user = callback.from_user
        chat_id = pressed.chat.id if pressed is not None else user.id
        who = account(user.id, chat_id, user.full_name, user.language_code)
        await self._button_turn(
            who,
            callback.id,
            callback.data,
            pressed.message_id if pressed is not None else None,
            update_id,
        )

    async def _text_turn(self, account: Account, text: str | None, update_id: int) -> None:
        """A message in a private chat: the Conversation's replies, or "send text please"."""
        with self._tracked():
            try:
                if text is None:
                    t = await self._translator_for(account)
                    await self._deliver(account.chat_id, [Reply(t("channel-send-text"))])
                    return
                event = incoming(account, text, update_key(update_id))
                await self._deliver(account.chat_id, await self.conversation.handle(event))
            except NotHandled:
                log.warning("update %s not handled (database down): not acknowledged", update_id)
                raise  # webhook: a 500, so Telegram delivers it again
            except ChannelError as exc:
                log.warning("update %s: reply not delivered: %s", update_id, exc.reason)
            except Exception:
                log.exception("update %s failed", update_id)

    async def _button_turn(
        self,
        account: Account,
        callback_id: str,
        data: str | None,
        pressed_id: int | None,
        update_id: int,
    ) -> None:
        """A button press: always answered, then the replies (an edit replaces `pressed_id`)."""
        replies: list[Reply] = []
        with self._tracked():
            try:
                if data:
                    event = Incoming(
                        account,
                        Kind.BUTTON,
                        name=data,
                        message_ref=str(pressed_id) if pressed_id is not None else None,
                        event_id=update_key(update_id),
                    )
                    replies = await self.conversation.handle(event)
            except NotHandled:
                log.warning("update %s not handled (database down): not acknowledged", update_id)
                raise  # webhook: a 500, so Telegram delivers it again
            except Exception:
                log.exception("update %s failed", update_id)
            try:
                # Always answer, or the user's client shows a spinner on the button.
                toast = next((r.toast for r in replies if r.toast), None)
                await self._answer_button(callback_id, toast)
            except ChannelError as exc:
                log.warning("update %s: answerCallbackQuery failed: %s", update_id, exc.reason)
            try:
                await self._deliver(account.chat_id, replies, pressed_id=pressed_id)
            except ChannelError as exc:
                log.warning("update %s: reply not delivered: %s", update_id, exc.reason)
            except Exception:
                log.exception("update %s failed", update_id)

    async def _translator_for(self, account: Account) -> Translator:
        # The person's language; accounts nobody is bound to get the default language.
        conv = self.conversation

        async def look_up() -> str | None:
            async with conv.sessionmaker() as session:
                services = Services(session, clock=conv.clock, settings=self.settings)
                _, person = await services.people.person_for(account)
                await session.rollback()
                return person.locale if person is not None else None

        locale = await retrying(look_up, what="the language of an account")
        return conv.catalog.translator(locale, self.settings.tz)

    # --- Bot API calls ---------------------------------------------------------------------

    def _markup(self, rows: list[list[Button]]) -> object | None:
        return self._keyboard(rows) if rows else None

    async def _send_text(self, chat_id: str, text: str, buttons: list[list[Button]]) -> str:
        """sendMessage in HTML parse mode; returns the new message's id."""
        sent = await self._call(
            self.bot.send_message(
                chat_id=chat_ref(chat_id), text=text, reply_markup=self._markup(buttons)
            )
        )
        return str(sent.message_id)

    async def _send_document(
        self, chat_id: str, document: Document, caption: str | None, buttons: list[list[Button]]
    ) -> str:
        """sendDocument; returns the new message's id."""
        sent = await self._call(
            self.bot.send_document(
                chat_id=chat_ref(chat_id),
                document=self._upload(document),
                caption=caption,
                reply_markup=self._markup(buttons),
            )
        )
        return str(sent.message_id)

    async def _edit_text(
        self, chat_id: str, message_id: int, text: str, buttons: list[list[Button]]
    ) -> None:
        """editMessageText; no buttons removes the keyboard."""
        await self._call(
            self.bot.edit_message_text(
                text=text,
                chat_id=chat_ref(chat_id),
                message_id=message_id,
                reply_markup=self._markup(buttons),
            )
        )

    async def _answer_button(self, callback_id: str, toast: str | None) -> None:
        """answerCallbackQuery, with a toast or none."""
        await self._call(self.bot.answer_callback_query(callback_id, text=toast))

    # --- Reply -> Bot API ------------------------------------------------------------------

    async def _deliver(
        self, chat_id: str, replies: list[Reply], *, pressed_id: int | None = None
    ) -> None:
        """Send the replies of one turn in order; a 429 waits once, other failures stop."""
        for reply in replies:
            for attempt in (1, 2):
                try:
                    if reply.edit and pressed_id is not None:
                        await self.edit(chat_id, str(pressed_id), reply)
                    else:
                        await self.send(chat_id, reply)
                    break
                except RetryAfter as exc:
                    if attempt == 2 or exc.retry_after > MAX_RETRY_WAIT:
                        raise
                    await asyncio.sleep(exc.retry_after)

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Send `reply` as new message(s); buttons go on the last one. Returns its id."""
        parts = split_message(reply.text) if reply.text else []
        if reply.document is not None:
            caption = parts[0] if len(parts) == 1 and len(parts[0]) <= CAPTION_LIMIT else None
            if caption is None:
                for part in parts:
                    await self._send_text(chat_id, part, [])
            return await self._send_document(chat_id, reply.document, caption, reply.buttons)
        if not parts:
            raise Rejected("nothing to send: a reply with no text and no document")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent = await self._send_text(chat_id, part, reply.buttons if last else [])
        return sent

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        """Replace a message's text and keyboard; send anew when it cannot be edited."""
        if reply.document is not None or not reply.text or not message_id.isdigit():
            return await self.send(chat_id, reply)
        first, *rest = split_message(reply.text)
        try:
            # No buttons remove the keyboard: an old menu must not stay pressable.
            await self._edit_text(chat_id, int(message_id), first, [] if rest else reply.buttons)
        except Rejected as exc:
            if NOT_MODIFIED not in exc.reason.lower():
                # Too old to edit, deleted by the user, ...: show the reply as a new message.
                log.info(
                    "cannot edit message %s in chat %s (%s): sending anew",
                    message_id,
                    chat_id,
                    exc.reason,
                )
                return await self.send(chat_id, reply)
        if rest:
            return await self.send(chat_id, Reply("\n\n".join(rest), buttons=reply.buttons))
        return message_id
