"""The `muster` command. Each submodule registers its subcommands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.cli import core as core_cmds
from bot.cli import doctor as doctor_cmds
from bot.config import ConfigError, Settings, load_settings
from storage.db import SchemaOutdated

MODULES: list[Any] = [core_cmds, doctor_cmds]

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="muster", description="Muster: frontline-compliance bot for auxiliary police"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules():
        module.register(sub)
    return parser


def _modules() -> list[Any]:
    # Imported here so `muster --help` stays fast and a broken feature module names itself.
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"muster: configuration error: {exc}", file=sys.stderr)
        return 2
    func: Command = args.func
    try:
        return asyncio.run(func(args, settings))
    except SchemaOutdated as exc:
        print(f"muster: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
