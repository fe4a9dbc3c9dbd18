"""Telegram through python-telegram-bot (v22): Update -> Incoming, Reply -> Bot API calls.

The turn's flow and the plan of calls for a Reply are bot.channels.common's, shared with
the aiogram adapter; this module makes the calls with python-telegram-bot's Application.

The Bot API methods it calls are listed in bot.channels.common.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from aiohttp import web
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram import error as tg
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Rejected,
    RetryAfter,
    TransientError,
    Unreachable,
)
from bot.channels.common import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    TelegramAdapter,
)
from bot.config import Settings
from bot.conversation import Conversation, NotHandled
from bot.core import Button, Document

log = logging.getLogger(__name__)

T = TypeVar("T")

REQUEST_TIMEOUT = 60.0  # seconds for one Bot API call, as aiogram's default
ENTITY_TOO_LARGE = "entity too large"  # HTTP 413: a file over the Bot API's limit

# v22 warns on every 429 that RetryAfter.retry_after becomes a timedelta in v23; opt in to
# that now (read per call, so setting it here is early enough). _retry_after takes both.
os.environ.setdefault("PTB_TIMEDELTA", "true")


class PtbChannel(TelegramAdapter):
    """The Telegram adapter on python-telegram-bot; the turn and the reply plan are
    TelegramAdapter's."""

    bot: ExtBot[None]

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        super().__init__(settings, conversation)
        api_url = settings.telegram_api_url.rstrip("/")
        self.application = (
            Application.builder()
            .token(self._token)
            # PTB appends the token: "<api>/bot<token>/<method>", the Bot API's layout.
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .defaults(Defaults(parse_mode=ParseMode.HTML))
            .concurrent_updates(True)  # each update in its own task, as aiogram does
            .job_queue(None)  # Muster's own scheduler runs the jobs (scheduled/jobs.py)
            .connect_timeout(10.0)
            .read_timeout(REQUEST_TIMEOUT)
            .write_timeout(REQUEST_TIMEOUT)
            .media_write_timeout(REQUEST_TIMEOUT)
            .pool_timeout(REQUEST_TIMEOUT)
            .build()
        )
        self.bot = self.application.bot
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_message))
        self.application.add_handler(CallbackQueryHandler(self._on_callback))
        self._stopping = asyncio.Event()

    # --- running -------------------------------------------------------------------------

    async def run_polling(self, *, handle_signals: bool = True, polling_timeout: int = 30) -> None:
        """Long-poll getUpdates until SIGINT/SIGTERM or `stop()`.

        Not Application.run_polling: that one owns the event loop and the signals, and the
        bot runs beside the scheduler and the outbox sender (and inside the e2e tests).
        """
        app = self.application
        try:
            await self._call(app.initialize())  # getMe
            await app.start()
            if app.updater is None:
                raise RuntimeError("the Application was built without an Updater")
            await self._call(
                app.updater.start_polling(  # deleteWebhook, then getUpdates in a task
                    timeout=polling_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=False,
                    error_callback=_polling_failed,
                )
            )
            self.started.set()
            await self._until_signal(self._stopping, handle_signals=handle_signals)
        finally:
            await self._shut_down()

    async def stop(self) -> None:
        """Stop long polling started by `run_polling`."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the HTTP client; a later send opens it again."""
        await self.bot.request.shutdown()

    def webhook_app(self) -> web.Application:
        """An aiohttp app taking updates at the webhook URL's path; wrong secret -> 401.

        Not PTB's own webhook server: it answers 403 to a wrong secret, and Muster answers
        401 whichever library runs (tests/test_webhook.py holds both to that).
        """
        url, path, secret = self._webhook_target()
        expected = secret.encode()

        async def start(_app: web.Application) -> None:
            await self._call(self.application.initialize())  # getMe
            await self.application.start()
            await self._call(
                self.bot.set_webhook(
                    url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
                )
            )
            self.started.set()

        async def stop(_app: web.Application) -> None:
            await self._shut_down()

        async def take(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(given, expected):
                return web.Response(status=401, text="Unauthorized")
            try:
                update = Update.de_json(await request.json(), self.bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                return web.Response(status=400, text="Bad Request")
            # Handle it before answering: the 200 means the update was handled and
            # committed (or found in the ledger); one not handled gets a 500, and
            # Telegram sends it again.
            try:
                await self._take_update(update)
            except NotHandled:
                return web.Response(status=500, text="Not handled, send again")
            return web.Response(text="OK")

        app = web.Application()
        app.on_startup.append(start)
        app.on_shutdown.append(stop)
        app.router.add_post(path, take)
        return app

    async def _after_webhook(self) -> None:
        await self._shut_down()  # the app's on_shutdown is skipped when setWebhook failed
        await self.close()

    async def _shut_down(self) -> None:
        """Stop taking updates, let running ones finish, close the Application."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await self._drain()
        if app.running:
            await app.stop()
        await app.shutdown()

    # --- Update -> Incoming ----------------------------------------------------------------

    async def _take_update(self, update: Update) -> None:
        """One webhook update, as the Application's handlers would route it."""
        if update.message is not None:
            await self._message_turn(update.message, update.update_id)
        elif update.callback_query is not None:
            await self._callback_turn(update.callback_query, update.update_id)

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None:
            await self._message_turn(update.message, update.update_id)

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._callback_turn(update.callback_query, update.update_id)

    # --- Bot API calls ---------------------------------------------------------------------

    def _keyboard(self, rows: list[list[Button]]) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in rows]
        )

    def _upload(self, document: Document) -> InputFile:
        return InputFile(document.content, filename=document.filename)

    async def _call(self, request: Awaitable[T]) -> T:
        """Make one Bot API call, turning PTB's errors into channel-neutral ones."""
        # A send after the Application shut down (the outbox sender stops after the bot)
        # reopens the HTTP client, as aiogram's session does; close() closes it again.
        await self.bot.request.initialize()
        try:
            return await request
        except tg.RetryAfter as exc:
            raise RetryAfter(exc.message, _retry_after(exc)) from exc
        except tg.Forbidden as exc:
            raise Unreachable(exc.message) from exc
        except tg.BadRequest as exc:  # a NetworkError to PTB, but retrying will not help
            raise Rejected(exc.message) from exc
        except tg.NetworkError as exc:  # also timeouts, 5xx and a proxy's HTML error page
            if ENTITY_TOO_LARGE in exc.message.lower():
                raise Rejected(exc.message) from exc
            raise TransientError(exc.message) from exc
        except tg.TelegramError as exc:
            if isinstance(exc.__cause__, ValueError):  # "Invalid server response": a cut body
                raise TransientError(exc.message) from exc
            raise Rejected(exc.message) from exc  # bad token, conflict, migrated chat, ...


def _retry_after(exc: tg.RetryAfter) -> float:
    """Seconds to wait: v22 gives an int or a timedelta, depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _polling_failed(exc: tg.TelegramError) -> None:
    # PTB retries getUpdates with a growing pause; say why without a traceback each time.
    log.warning("getUpdates failed, retrying: %s", exc)
