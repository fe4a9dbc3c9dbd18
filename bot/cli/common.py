"""What every `muster` subcommand shares: the translator, how a refusal is printed, and how
a time option is read."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Catalog, TextTranslator, Translator
from bot.text import plain
from bot.timeparse import parse_local

__all__ = ["fail", "plain", "translator"]


def translator(settings: Settings, lang: str | None) -> TextTranslator:
    """Messages in `lang` (or the deployment's default language), as plain text: the
    terminal shows what a person typed as typed (`plain` turns chat HTML into text)."""
    catalog = Catalog(settings.locales_dir, settings.default_locale)
    return catalog.text_translator(lang, settings.tz)


def fail(t: Translator, exc: DomainError) -> int:
    """Print a refusal on stderr; exit code 1."""
    print(f"muster: {plain(t(exc.key, **exc.args_))}", file=sys.stderr)
    return 1


def local_time(value: str, settings: Settings) -> datetime | None:
    """A time option (`--due`, `--ack-by`, `--now`) in one of the forms of bot.timeparse,
    local to the deployment; None when it is not one."""
    return parse_local(value, settings.tz, SystemClock().now())


def bad_time(t: Translator, key: str, value: str, settings: Settings) -> int:
    """Print that a time option is not a time; exit code 2 (a usage error)."""
    print(f"muster: {plain(t(key, value=value, tz=settings.timezone))}", file=sys.stderr)
    return 2
