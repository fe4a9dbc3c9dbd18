"""What every `muster` subcommand shares: the translator and how a refusal is printed."""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Catalog, TextTranslator, Translator
from bot.text import plain

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
