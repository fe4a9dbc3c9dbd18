"""What every `muster` subcommand shares: the translator and how a refusal is printed."""

from __future__ import annotations

import html
import re
import sys

from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Catalog, Translator

_TAG = re.compile(r"<[^>]+>")


def translator(settings: Settings, lang: str | None) -> Translator:
    """Messages in `lang` (or the deployment's default language)."""
    return Catalog(settings.locales_dir, settings.default_locale).translator(lang, settings.tz)


def plain(text: str) -> str:
    """Message HTML as terminal text."""
    return html.unescape(_TAG.sub("", text))


def fail(t: Translator, exc: DomainError) -> int:
    """Print a refusal on stderr; exit code 1."""
    print(f"muster: {plain(t(exc.key, **exc.args_))}", file=sys.stderr)
    return 1
