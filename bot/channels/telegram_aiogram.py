"""Telegram through aiogram: Update -> Incoming, Reply -> Bot API calls.

Bot API methods this adapter calls (compare with other adapters):
- getMe: aiogram, when polling starts
- deleteWebhook: before long polling (a webhook left set makes getUpdates fail)
- getUpdates: long polling (`muster run`)
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
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.channels.base import (
    ChannelError,
    Rejected,
    RetryAfter,
    TransientError,
    Unreachable,
)
from bot.config import Settings
from bot.conversation import Conversation
from bot.core import Account, Button, Incoming, Kind, Reply
from bot.i18n import Translator
from bot.services import Services
from bot.text import split_message

log = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "telegram"
CAPTION_LIMIT = 1024  # Telegram's limit for a document caption
NOT_MODIFIED = "message is not modified"
MAX_RETRY_WAIT = 30.0  # longest pause before retrying a direct reply after a 429
DRAIN_TIMEOUT = 10.0  # how long a stopping bot lets running updates finish


class AiogramChannel:
    """The Telegram adapter: long polling or a webhook server in front of a Conversation."""

    name = CHANNEL

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        if settings.telegram_token is None:
            raise ValueError("MUSTER_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.conversation = conversation
        api_url = settings.telegram_api_url.rstrip("/")
        if api_url == PRODUCTION.base.split("/bot", 1)[0]:
            session = AiohttpSession()
        else:  # a self-hosted Bot API server, or the emulator in the end-to-end tests
            session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
        self.bot = Bot(
            settings.telegram_token.get_secret_value(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        router = Router(name="muster")
        router.message.register(self._on_message)
        router.callback_query.register(self._on_callback)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(router)
        self.dispatcher.startup.register(self._on_startup)
        self.started = asyncio.Event()
        self._inflight: set[asyncio.Task[object]] = set()

    # --- running -------------------------------------------------------------------------

    async def run_polling(self, *, handle_signals: bool = True, polling_timeout: int = 30) -> None:
        """Long-poll getUpdates until SIGINT/SIGTERM or `stop()`."""
        try:
            await self._call(self.bot.delete_webhook(drop_pending_updates=False))
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
                close_bot_session=False,
                polling_timeout=polling_timeout,
            )
        finally:
            await self._drain()
            await self.bot.session.close()

    async def stop(self) -> None:
        """Stop long polling started by `run_polling`."""
        await self.dispatcher.stop_polling()

    def webhook_app(self) -> web.Application:
        """An aiohttp app taking updates at the webhook URL's path; wrong secret -> 401."""
        url, secret = self.settings.webhook_url, self.settings.webhook_secret
        if not url or secret is None:
            raise ValueError("webhook mode needs MUSTER_WEBHOOK_URL and MUSTER_WEBHOOK_SECRET")

        async def set_webhook(_app: web.Application) -> None:
            await self._call(
                self.bot.set_webhook(
                    url=url,
                    secret_token=secret.get_secret_value(),
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                )
            )
            self.started.set()

        async def drain(_app: web.Application) -> None:
            await self._drain()

        app = web.Application()
        app.on_startup.append(set_webhook)
        app.on_shutdown.append(drain)  # before the handler's own hook closes the session
        # aiogram's handler answers 401 to a request without the right
        # X-Telegram-Bot-Api-Secret-Token header (tests/test_webhook.py holds it to that).
        handler = SimpleRequestHandler(
            dispatcher=self.dispatcher, bot=self.bot, secret_token=secret.get_secret_value()
        )
        handler.register(app, path=urlsplit(url).path or "/")
        return app

    async def run_webhook(self, *, handle_signals: bool = True) -> None:
        """Serve the webhook on MUSTER_WEBHOOK_LISTEN until SIGINT/SIGTERM."""
        host, _, port = self.settings.webhook_listen.rpartition(":")
        runner = web.AppRunner(self.webhook_app())
        stop = asyncio.Event()
        try:
            await runner.setup()  # calls setWebhook
            await web.TCPSite(runner, host.strip("[]"), int(port)).start()
            log.info("webhook server listening on %s", self.settings.webhook_listen)
            if handle_signals:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()  # lets running updates finish
            await self.bot.session.close()  # cleanup skips on_shutdown if setWebhook failed

    async def _on_startup(self) -> None:
        self.started.set()

    async def _drain(self) -> None:
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=DRAIN_TIMEOUT)

    # --- Update -> Incoming ----------------------------------------------------------------

    async def _on_message(self, message: Message, event_update: Update) -> None:
        user = message.from_user
        if user is None or message.chat.type != ChatType.PRIVATE:
            return  # Muster talks to one person at a time, never in groups or channels
        account = _account(user, message.chat.id)
        with self._tracked():
            try:
                if message.text is None:
                    t = await self._translator_for(account)
                    await self._deliver(account.chat_id, [Reply(t("channel-send-text"))])
                    return
                event = _incoming(account, message.text, str(event_update.update_id))
                await self._deliver(account.chat_id, await self.conversation.handle(event))
            except ChannelError as exc:
                log.warning("update %s: reply not delivered: %s", event_update.update_id,
                            exc.reason)
            except Exception:
                log.exception("update %s failed", event_update.update_id)

    async def _on_callback(self, callback: CallbackQuery, event_update: Update) -> None:
        pressed = callback.message
        chat_id = pressed.chat.id if pressed is not None else callback.from_user.id
        account = _account(callback.from_user, chat_id)
        replies: list[Reply] = []
        with self._tracked():
            try:
                if callback.data:
                    event = Incoming(
                        account,
                        Kind.BUTTON,
                        name=callback.data,
                        message_ref=str(pressed.message_id) if pressed is not None else None,
                        event_id=str(event_update.update_id),
                    )
                    replies = await self.conversation.handle(event)
            except Exception:
                log.exception("update %s failed", event_update.update_id)
            try:
                # Always answer, or the user's client shows a spinner on the button.
                toast = next((r.toast for r in replies if r.toast), None)
                await self._call(self.bot.answer_callback_query(callback.id, text=toast))
            except ChannelError as exc:
                log.warning("update %s: answerCallbackQuery failed: %s", event_update.update_id,
                            exc.reason)
            try:
                await self._deliver(account.chat_id, replies, pressed=pressed)
            except ChannelError as exc:
                log.warning("update %s: reply not delivered: %s", event_update.update_id,
                            exc.reason)
            except Exception:
                log.exception("update %s failed", event_update.update_id)

    async def _translator_for(self, account: Account) -> Translator:
        # The person's language; accounts nobody is bound to get the default language.
        conv = self.conversation
        async with conv.sessionmaker() as session:
            services = Services(session, clock=conv.clock, settings=self.settings)
            _, person = await services.people.person_for(account)
            locale = person.locale if person is not None else None
            await session.rollback()
        return conv.catalog.translator(locale, self.settings.tz)

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

    # --- Reply -> Bot API ------------------------------------------------------------------

    async def _deliver(
        self,
        chat_id: str,
        replies: list[Reply],
        *,
        pressed: Message | InaccessibleMessage | None = None,
    ) -> None:
        """Send the replies of one turn in order; a 429 waits once, other failures stop."""
        for reply in replies:
            for attempt in (1, 2):
                try:
                    if reply.edit and pressed is not None:
                        await self.edit(chat_id, str(pressed.message_id), reply)
                    else:
                        await self.send(chat_id, reply)
                    break
                except RetryAfter as exc:
                    if attempt == 2 or exc.retry_after > MAX_RETRY_WAIT:
                        raise
                    await asyncio.sleep(exc.retry_after)

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Send `reply` as new message(s); buttons go on the last one. Returns its id."""
        markup = _markup(reply.buttons)
        parts = split_message(reply.text) if reply.text else []
        chat = _chat(chat_id)
        if reply.document is not None:
            caption = parts[0] if len(parts) == 1 and len(parts[0]) <= CAPTION_LIMIT else None
            if caption is None:
                for part in parts:
                    await self._call(self.bot.send_message(chat_id=chat, text=part))
            doc = BufferedInputFile(reply.document.content, filename=reply.document.filename)
            sent = await self._call(
                self.bot.send_document(chat_id=chat, document=doc, caption=caption,
                                       reply_markup=markup)
            )
            return str(sent.message_id)
        if not parts:
            raise Rejected("nothing to send: a reply with no text and no document")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent = await self._call(
                self.bot.send_message(
                    chat_id=chat, text=part, reply_markup=markup if last else None
                )
            )
        return str(sent.message_id)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        """Replace a message's text and keyboard; send anew when it cannot be edited."""
        if reply.document is not None or not reply.text or not message_id.isdigit():
            return await self.send(chat_id, reply)
        first, *rest = split_message(reply.text)
        try:
            await self._call(
                self.bot.edit_message_text(
                    text=first,
                    chat_id=_chat(chat_id),
                    message_id=int(message_id),
                    # No markup removes the keyboard: an old menu must not stay pressable.
                    reply_markup=None if rest else _markup(reply.buttons),
                )
            )
        except Rejected as exc:
            if NOT_MODIFIED not in exc.reason:
                # Too old to edit, deleted by the user, ...: show the reply as a new message.
                log.info("cannot edit message %s in chat %s (%s): sending anew",
                         message_id, chat_id, exc.reason)
                return await self.send(chat_id, reply)
        if rest:
            return await self.send(chat_id, Reply("\n\n".join(rest), buttons=reply.buttons))
        return message_id

    async def _call(self, request: Awaitable[T]) -> T:
        """Make one Bot API call, turning aiogram's errors into channel-neutral ones."""
        try:
            return await request
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.message, float(exc.retry_after)) from exc
        except TelegramForbiddenError as exc:
            raise Unreachable(exc.message) from exc
        except TelegramEntityTooLarge as exc:
            raise Rejected(exc.message) from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise TransientError(exc.message) from exc
        except ClientDecodeError as exc:  # an HTML error page from a proxy, a cut-off body
            raise TransientError(str(exc)) from exc
        except TelegramAPIError as exc:
            raise Rejected(exc.message) from exc


def _account(user: User, chat_id: int) -> Account:
    return Account(
        channel=CHANNEL,
        external_user_id=str(user.id),
        chat_id=str(chat_id),
        display_name=user.full_name,
        language_code=user.language_code,
    )


def _incoming(account: Account, text: str, event_id: str) -> Incoming:
    """A typed message: "/cmd@bot arg" is a command, anything else free text."""
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)  # any whitespace: "/start\nCODE" too
        name = words[0].split("@", 1)[0].lower() if words else ""
        arg = words[1].strip() if len(words) > 1 else ""
        return Incoming(account, Kind.COMMAND, name=name, arg=arg, text=text, event_id=event_id)
    return Incoming(account, Kind.TEXT, text=text, event_id=event_id)


def _markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.action) for b in row]
            for row in rows
        ]
    )


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id

