"""The `muster` command. Each submodule registers its subcommands; how they print is
written down in bot/cli/common.py."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from bot.cli import core as core_cmds
from bot.cli import doctor as doctor_cmds
from bot.cli.common import help_translator, refuse
from bot.cli.parser import Parser, speaking
from bot.config import ConfigError, Settings, load_settings
from bot.i18n import LOCALES, Translator
from storage.db import SchemaOutdated

MODULES: list[Any] = [core_cmds, doctor_cmds]

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def build_parser(t: Translator) -> argparse.ArgumentParser:
    """The whole command line, its help in `t`'s language; every command takes --lang."""
    parser = Parser(prog="muster", description=t("cli-help-muster"))
    parser.add_argument("-v", "--verbose", action="store_true", help=t("cli-help-verbose"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules():
        module.register(sub, t)
    for command in commands(parser):
        if "--lang" not in command._option_string_actions:
            add_lang(command, t)
    return parser


def add_lang(parser: argparse.ArgumentParser, t: Translator) -> None:
    """The --lang option every command has (bot/cli/common.py: how a command prints)."""
    parser.add_argument("--lang", choices=LOCALES, help=t("cli-help-lang"))


def commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parsers of the runnable commands (`muster pledge status`, not `muster pledge`)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield parser
    for action in subs:
        for child in dict.fromkeys(action.choices.values()):  # an alias names it twice
            yield from commands(child)


def _modules() -> list[Any]:
    # Imported here so a broken feature module names itself.
    from bot.cli import (  # noqa: PLC0415
        checkins,  # noqa: PLC0415
        demo,
        hotline,  # noqa: PLC0415
        leave,
        notice,
        pledge,
        roster,
        run,
        tasks,
        training,
        web,
    )

    return [
        *MODULES,
        roster,
        run,
        demo,
        tasks,
        pledge,
        notice,
        training,
        checkins,
        hotline,
        web,
        leave,
    ]


def lang_option(argv: Sequence[str]) -> str | None:
    """The --lang of the command line, read before parsing: the help is in it."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    problem: ConfigError | None = None
    try:
        settings = load_settings()
    except ConfigError as exc:  # reported after parsing: --help works with a bad .env
        problem, settings = exc, Settings.model_construct()
    t = help_translator(settings, lang_option(argv))
    with speaking(t):
        args = build_parser(t).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if problem is not None:
        return refuse(t("cli-config-error", problem=str(problem)))
    func: Command = args.func
    try:
        return asyncio.run(func(args, settings))
    except SchemaOutdated as exc:
        key = "cli-schema-missing" if exc.have is None else "cli-schema-old"
        return refuse(t(key, have=str(exc.have), want=str(exc.want)), code=3)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        code = expected_failure(exc, settings, getattr(args, "lang", None))
        if code is None:
            raise
        return code


def expected_failure(exc: BaseException, settings: Settings, lang: str | None) -> int | None:
    """An expected failure of any command as one line on stderr and its exit code (1);
    None for a bug, which keeps its traceback. Expected: a refusal (DomainError) a command
    did not print itself, a conflict with a concurrent writer (IntegrityError: a second
    `muster roster import` at the same time), a database that cannot be reached or went
    away (OperationalError, a refused connection), a file that cannot be read or written."""
    from sqlalchemy.exc import DBAPIError, IntegrityError  # noqa: PLC0415

    from bot.cli.common import fail, translator  # noqa: PLC0415
    from bot.errors import DomainError  # noqa: PLC0415

    t = translator(settings, lang)
    logging.getLogger(__name__).debug("command failed", exc_info=exc)
    if isinstance(exc, DomainError):
        return fail(t, exc)
    if isinstance(exc, IntegrityError):
        return refuse(t("cli-error-conflict"), code=1)
    if isinstance(exc, DBAPIError | ConnectionError | TimeoutError) or _is_connection(exc):
        return refuse(t("cli-error-database", reason=_reason(exc)), code=1)
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or type(exc).__name__
        return refuse(t("cli-error-file", path=str(exc.filename), reason=reason), code=1)
    return None


def _is_connection(exc: BaseException) -> bool:
    """A driver's own connection error (asyncpg's, raised before SQLAlchemy wraps it)."""
    return any(
        c.__module__.startswith(("asyncpg", "aiosqlite", "sqlite3")) for c in type(exc).__mro__
    )


def _reason(exc: BaseException) -> str:
    """The driver's words for a database failure: its first line, short."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return first[:160]


if __name__ == "__main__":
    sys.exit(main())
