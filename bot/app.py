"""Wiring: settings -> engine, translations, dispatcher, conversation engine."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation import Conversation
from bot.i18n import Catalog, TextTranslator, Translator
from bot.services import Services
from storage.db import ensure_current, make_engine, make_sessionmaker


def settle_heap() -> int:
    """Once a long-running process has started (modules imported, app built, statements
    compiled): move everything it holds out of the cycle collector's reach (`gc.freeze`).
    A full collection otherwise walks all ~200,000 objects of the libraries each time,
    100-250 ms with the event loop stopped, while a burst of presses waits (measured by
    bench/bench_ack.py: p99 of a press ~200 ms, 40 ms frozen). Those objects live as long
    as the process anyway; reference counting still frees anything dropped. Returns how
    many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class App:
    """Everything a process needs, built once in the entry point."""

    def __init__(self, settings: Settings, engine: AsyncEngine, clock: Clock) -> None:
        self.settings = settings
        self.engine = engine
        self.sessionmaker = make_sessionmaker(engine)
        # handling an update, a tick: on SQLite these take the write lock at their start
        self.writer = make_sessionmaker(engine, immediate=True)
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
            sessionmaker=self.writer,
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
