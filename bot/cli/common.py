"""What every `muster` subcommand shares: the language it speaks, how it prints, how it
refuses, and how a time option is read.

How a command prints (every line comes from locales/, in zh_CN and en):

- Its language: `t = translator(settings, args.lang)`. Every command has `--lang`
  (`bot.cli.build_parser` adds it to a command that does not declare it); without it the
  deployment's MUSTER_DEFAULT_LOCALE (zh_CN unless set) is used. The help, and argparse's
  own words ("usage", "options", its errors), follow the same choice (`bot.cli.parser`).
- Lines: `say(t("feature-cli-done", count=n, path=str(out)))`; several at once:
  `say(*lines)`; on stderr: `say(..., err=True)`. Data (names, numbers, paths, ids, times
  from `t.time`) goes in as arguments of a message of `locales/<lang>/<feature>.ftl`,
  never as words of an f-string.
- Tables: `say(*table(header, rows, numeric={1, 2}))`, the header cells translated
  (`t("feature-col-unit")`); columns are padded by display width (`wcwidth`), so a
  Chinese name (two columns a character) lines up with the ASCII under it.
- Refusals: `return fail(t, exc)` for a DomainError (exit 1), `return refuse(t("key"))`
  otherwise (exit 2, a usage error, unless `code=` says another); both print one line
  `muster: ...` on stderr.
- Help: `register(sub, t)` gives every parser and option `help=t("cli-help-...")`, and
  positionals an upper-case `metavar` (`KEY`, `EMPLOYEE_NO`), as options' values have.
  The help is read from `locales/<lang>/cli*.ftl` only (`help_translator`): put a
  command's help keys in `cli.ftl`, or in a `cli_<feature>.ftl` of its own.
- Logging (`-v`) is for the operator's log files and stays English; it is not output.

tests/test_cli_language.py runs every command the parser knows with `--help` and a typical
call in both languages and fails on an English sentence in zh_CN (its docstring has the rule).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import wcwidth

from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Catalog, TextTranslator, Translator
from bot.text import plain, visible
from bot.timeparse import parse_local

__all__ = [
    "fail",
    "help_translator",
    "plain",
    "refuse",
    "say",
    "subcommands",
    "table",
    "translator",
]


def translator(settings: Settings, lang: str | None) -> TextTranslator:
    """Messages in `lang` (or the deployment's default language), as plain text: the
    terminal shows what a person typed as typed (`plain` turns chat HTML into text)."""
    locale = lang if lang in LOCALES else settings.default_locale
    return catalog(settings.locales_dir, locale).text_translator(locale, settings.tz)


def help_translator(settings: Settings, lang: str | None) -> TextTranslator:
    """The same language from `locales/<lang>/cli*.ftl` alone: the help and argparse's
    words, read in a tenth of the time of every file (`muster --help` stays quick)."""
    locale = lang if lang in LOCALES else settings.default_locale
    return catalog(settings.locales_dir, locale, HELP_FILES).text_translator(locale, settings.tz)


HELP_FILES = "cli*.ftl"


@functools.cache
def catalog(locales_dir: Path, locale: str, files: str = "*.ftl") -> Catalog:
    """One language's locale files, read once per process."""
    return Catalog(locales_dir, only=locale, files=files)


def subcommands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    t: Translator,
    name: str,
) -> Callable[..., argparse.ArgumentParser]:
    """Adds `muster NAME` (its help `cli-help-NAME`) and returns what adds a command
    `muster NAME VERB` to it: `verb("show", cmd_show, parents=[...])`, its help
    `cli-help-NAME-VERB`, run by the function given; it returns the command's parser."""
    parser = sub.add_parser(name, help=t(f"cli-help-{name}"))
    verbs = parser.add_subparsers(dest=f"{name}_command", required=True)

    def verb(
        verb_name: str, func: Callable[..., Awaitable[int]], **options: Any
    ) -> argparse.ArgumentParser:
        help_ = t(f"cli-help-{name}-{verb_name}")
        cmd: argparse.ArgumentParser = verbs.add_parser(verb_name, help=help_, **options)
        cmd.set_defaults(func=func)
        return cmd

    return verb


def say(*lines: str, err: bool = False) -> None:
    """Print translated lines (on stderr with `err`), at once: a progress line or a
    running server's address must not wait in a buffer. No lines, no output. Control
    characters (an ANSI escape in a typed question) and invisible ones are not printed."""
    if lines:
        text = "\n".join(visible(line) for line in lines)
        print(text, file=sys.stderr if err else sys.stdout, flush=True)


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Collection[int] = ()
) -> list[str]:
    """Lines of a table: columns padded by display width, so Chinese text lines up in a
    terminal; the columns in `numeric` are right-aligned. A cell is shown without control
    and invisible characters (`visible`), so it neither moves the terminal nor the columns."""
    header = [visible(str(c)) for c in header]
    rows = [[visible(str(c)) for c in r] for r in rows]
    widths = [max(wcwidth.width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = wcwidth.rjust if i in numeric else wcwidth.ljust
            out.append(pad(cell, widths[i]))
        return "  ".join(out).rstrip()

    return [line(header), *(line(r) for r in rows)]


def fail(t: Translator, exc: DomainError) -> int:
    """Print a refusal on stderr; exit code 1."""
    return refuse(t(exc.key, **exc.args_), code=1)


def refuse(message: str, *, code: int = 2) -> int:
    """Print `muster: message` on stderr; the exit code (2: a usage error)."""
    say(f"muster: {plain(message)}", err=True)
    return code


def local_time(value: str, settings: Settings) -> datetime | None:
    """A time option (`--due`, `--ack-by`, `--now`) in one of the forms of bot.timeparse,
    local to the deployment; None when it is not one."""
    return parse_local(value, settings.tz, SystemClock().now())


def bad_time(t: Translator, key: str, value: str, settings: Settings) -> int:
    """Print that a time option is not a time; exit code 2 (a usage error)."""
    return refuse(t(key, value=value, tz=settings.timezone))
