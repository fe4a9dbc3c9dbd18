"""Wiring: settings -> engine, translations, dispatcher, conversation engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation import Conversation
from bot.i18n import Catalog, TextTranslator, Translator
from bot.services import Services
from storage.db import ensure_current, make_engine, make_sessionmaker


class App:
    """Everything a process needs, built once in the entry point."""

    def __init__(self, settings: Settings, engine: AsyncEngine, clock: Clock) -> None:
        self.settings = settings
        self.engine = engine
        self.sessionmaker = make_sessionmaker(engine)
        self.clock = clock
        self.catalog = Catalog(settings.locales_dir, settings.default_locale)

    @classmethod
    async def open(
        cls, settings: Settings, *, clock: Clock | None = None, check_schema: bool = True
    ) -> App:
        engine = make_engine(settings.database_url)
        if check_schema:
            try:
                await ensure_current(engine)
            except BaseException:
                await engine.dispose()
                raise
        return cls(settings, engine, clock or SystemClock())

    async def close(self) -> None:
        await self.engine.dispose()

    def conversation(self) -> Conversation:
        from handlers import build_dispatcher  # noqa: PLC0415 - handlers sit above bot/

        return Conversation(
            settings=self.settings,
            sessionmaker=self.sessionmaker,
            catalog=self.catalog,
            clock=self.clock,
            dispatcher=build_dispatcher(),
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Services]:
        """Services over one session, committed when the block ends without error."""
        async with self.sessionmaker() as session:
            yield Services(session, clock=self.clock, settings=self.settings, catalog=self.catalog)
            await session.commit()

    def translator(self, locale: str | None = None) -> Translator:
        """Chat text (Telegram HTML)."""
        return self.catalog.translator(locale, self.settings.tz)

    def text_translator(self, locale: str | None = None) -> TextTranslator:
        """Plain text: what the CLI prints and writes into files."""
        return self.catalog.text_translator(locale, self.settings.tz)
