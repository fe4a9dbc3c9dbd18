"""Telegram through aiogram: Update -> Incoming, Reply -> Bot API calls.

The turn's flow and the plan of calls for a Reply are bot.channels.common's, shared with
the python-telegram-bot adapter; this module makes the calls with aiogram.

The Bot API methods it calls are listed in bot.channels.common.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode
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
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.channels.base import (
    Rejected,
    RetryAfter,
    TransientError,
    Unreachable,
)
from bot.channels.common import TelegramAdapter
from bot.config import Settings
from bot.conversation import Conversation
from bot.core import Button, Document

log = logging.getLogger(__name__)

T = TypeVar("T")


class AiogramChannel(TelegramAdapter):
    """The Telegram adapter on aiogram; the turn and the reply plan are TelegramAdapter's."""

    bot: Bot

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        super().__init__(settings, conversation)
        api_url = settings.telegram_api_url.rstrip("/")
        if api_url == PRODUCTION.base.split("/bot", 1)[0]:
            session = AiohttpSession()
        else:  # a self-hosted Bot API server, or the emulator in the end-to-end tests
            session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
        self.bot = Bot(
            self._token,
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        router = Router(name="muster")
        router.message.register(self._on_message)
        router.callback_query.register(self._on_callback)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(router)
        self.dispatcher.startup.register(self._on_startup)

    # --- running -------------------------------------------------------------------------

    async def run_polling(self, *, handle_signals: bool = True, polling_timeout: int = 30) -> None:
        """Long-poll getUpdates until SIGINT/SIGTERM or `stop()`."""
        try:
            # getMe first (start_polling reuses the cached answer): a bad token stops here
            # with a ChannelError, and the calls come in the same order as with PTB.
            await self._call(self.bot.me())
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

    async def close(self) -> None:
        """Close aiogram's HTTP session; a later send opens it again."""
        await self.bot.session.close()

    def webhook_app(self) -> web.Application:
        """An aiohttp app taking updates at the webhook URL's path; wrong secret -> 401."""
        url, path, secret = self._webhook_target()

        async def set_webhook(_app: web.Application) -> None:
            await self._call(self.bot.me())  # as PTB's Application.initialize does
            await self._call(
                self.bot.set_webhook(
                    url=url,
                    secret_token=secret,
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
        # Not in the background: the 200 goes out only after the update was handled and
        # committed (or found in the ledger); an update not handled gets a 500 and
        # Telegram sends it again.
        handler = SimpleRequestHandler(
            dispatcher=self.dispatcher,
            bot=self.bot,
            secret_token=secret,
            handle_in_background=False,
        )
        handler.register(app, path=path)
        return app

    async def _on_startup(self) -> None:
        self.started.set()

    # --- Update -> Incoming ----------------------------------------------------------------

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self._message_turn(message, event_update.update_id)

    async def _on_callback(self, callback: CallbackQuery, event_update: Update) -> None:
        await self._callback_turn(callback, event_update.update_id)

    # --- Bot API calls ---------------------------------------------------------------------

    def _keyboard(self, rows: list[list[Button]]) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=b.label, callback_data=b.action) for b in row]
                for row in rows
            ]
        )

    def _upload(self, document: Document) -> BufferedInputFile:
        return BufferedInputFile(document.content, filename=document.filename)

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
