"""Translations: Fluent files under locales/<locale>/*.ftl, one bundle per locale."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fluent.runtime import FluentBundle, FluentResource

from bot.text import Html, plain

log = logging.getLogger(__name__)

LOCALES = ("zh_CN", "en")


def title_in(titles: dict[str, Any], locale: str, fallback: str) -> str:
    """A title from its translations: in `locale`, else in Chinese, else `fallback` (the
    content's key)."""
    return str(titles.get(locale) or titles.get("zh_CN") or fallback)


class Catalog:
    """All locales loaded once at start; hands out a Translator per person."""

    def __init__(
        self,
        locales_dir: Path,
        default_locale: str = "zh_CN",
        *,
        only: str | None = None,
        files: str = "*.ftl",
    ) -> None:
        """`only`: load that one locale (it is then the default); `files`: only the files
        of this pattern. The CLI loads what it needs: parsing the files is most of the
        start-up time of `muster --help`."""
        self.default_locale = only or default_locale
        self.bundles: dict[str, FluentBundle] = {}
        self.keys: dict[str, set[str]] = {}
        for locale in (only,) if only else LOCALES:
            bundle = FluentBundle([locale.replace("_", "-")], use_isolating=False)
            keys: set[str] = set()
            for path in sorted((locales_dir / locale).glob(files)):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                bundle.add_resource(resource)
                keys.update(entry.id.name for entry in resource.body if hasattr(entry, "id"))
            self.bundles[locale] = bundle
            self.keys[locale] = keys

    def translator(self, locale: str | None, tz: ZoneInfo) -> Translator:
        """Chat text (Telegram HTML) in `locale` (or the default language)."""
        if locale not in self.bundles:
            locale = self.default_locale
        return Translator(self, locale, tz)

    def text_translator(self, locale: str | None, tz: ZoneInfo) -> TextTranslator:
        """Plain text in `locale`: terminal output and files."""
        return self.translator(locale, tz).text_only()


def _safe(value: Any) -> Any:
    """An argument as markup: text escaped, Markup kept, numbers and dates left to Fluent."""
    return Html.escape(value) if isinstance(value, str) else value


safe_arg = _safe  # what a text argument becomes in a translation


def _is_long(value: Any) -> bool:
    return isinstance(value, str) and len(value) > LONG_ARGUMENT


LONG_ARGUMENT = 200  # characters: well under Fluent's limit of one placeable


class Translator:
    """`t("key", name=...)` in the person's language; `t.time(dt)` in local time.

    The result is `Markup` (Telegram HTML): the locale text is trusted markup and every
    text argument is escaped, unless it is `Markup` itself (a fragment built with
    `bot.text.html`). Nobody escapes by hand, so nobody can forget to."""

    def __init__(self, catalog: Catalog, locale: str, tz: ZoneInfo) -> None:
        self.catalog = catalog
        self.locale = locale
        self.tz = tz

    def __call__(self, key: str, /, **args: Any) -> str:
        # Typed `str` (which Markup is) so lists of lines stay list[str] for the CLI's
        # plain-text translator; at run time this is always Markup.
        safe = {k: _safe(v) for k, v in args.items()}
        # Fluent refuses a placeable over 2,500 characters (the text becomes "{???}"):
        # long text goes in as a short stand-in and is put back after formatting.
        long = {f"\x00{i}\x00": v for i, v in enumerate(safe.values()) if _is_long(v)}
        stand_in = {v: k for k, v in long.items()}
        text = self._format(key, {k: stand_in[v] if _is_long(v) else v for k, v in safe.items()})
        for token, value in long.items():
            text = text.replace(token, str(value))
        return Html(text)

    def of(self, key: str, record: Any, /, **args: Any) -> str:
        """`key` with the fields of `record` (a dataclass) as its arguments, and `args`
        beside them or in their place: a message that shows one record names its
        variables after the record's fields, and nobody copies them one by one."""
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        return self(key, **(fields | args))

    def text_only(self) -> TextTranslator:
        """The same language and zone, plain text out."""
        return TextTranslator(self.catalog, self.locale, self.tz)

    def _format(self, key: str, args: dict[str, Any]) -> str:
        bundle = self.catalog.bundles[self.locale]
        if not bundle.has_message(key):
            log.error("missing translation %s in %s", key, self.locale)
            return key
        message = bundle.get_message(key)
        if message.value is None:  # a message with attributes only
            log.error("translation %s in %s has no value", key, self.locale)
            return key
        text, errors = bundle.format_pattern(message.value, args)
        if errors:
            log.error("translation %s in %s: %s", key, self.locale, errors)
        return str(text)

    def time(self, at: datetime | None) -> str:
        """A UTC instant as local wall time, e.g. 2026-12-15 12:00."""
        if at is None:
            return "-"
        return at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


class TextTranslator(Translator):
    """A translator for the terminal and for files: `t(...)` is plain text (a `str`, not
    markup), so what a person typed is printed as typed, never as `&lt;`."""

    def __call__(self, key: str, /, **args: Any) -> str:
        return plain(super().__call__(key, **args))
