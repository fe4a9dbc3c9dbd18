"""What the office's task commands share: one unit of work per command with refusals
printed the same way, and the `publish|status|export` subcommands of a task kind."""

from __future__ import annotations

import argparse
import functools
import unicodedata
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, fail, local_time, translator
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.services import Services
from bot.services.tasks import PublishResult

T = TypeVar("T")
Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class Refused(Exception):
    """The command printed why it refused; `code` is its exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def command(fn: Command) -> Command:
    """A command whose refusals (`Refused`) end it with their exit code."""

    @functools.wraps(fn)
    async def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return await fn(args, settings)
        except Refused as exc:
            return exc.code

    return run


async def in_unit_of_work(
    settings: Settings, t: Translator, work: Callable[[Services], Awaitable[T]]
) -> tuple[T, datetime]:
    """`work` in one unit of work, and the time it ran at; a domain error is printed and
    refuses the command (exit code 1)."""
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            return await work(svc), app.clock.now()
    except DomainError as exc:
        raise Refused(fail(t, exc)) from None
    finally:
        await app.close()


def lang_parent() -> argparse.ArgumentParser:
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LOCALES, help="language of the output (default zh_CN)")
    return lang


def add_kind_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    *,
    help: str,  # noqa: A002 - argparse's own word
    key_help: str,
    publish: tuple[str, Command],
    status: tuple[str, Command],
    export: tuple[str, Command],
) -> tuple[argparse._SubParsersAction, argparse.ArgumentParser]:  # type: ignore[type-arg]
    """`muster NAME publish|status|export`; returns the subparsers (for the kind's own
    commands) and the --lang parent."""
    parser = sub.add_parser(name, help=help)
    kind_sub = parser.add_subparsers(dest=f"{name}_command", required=True)
    lang = lang_parent()
    pub = kind_sub.add_parser("publish", parents=[lang], help=publish[0])
    pub.add_argument("key", help=key_help)
    pub.add_argument(
        "--audience",
        required=True,
        metavar="SPEC",
        help="all, or unit:NAME, role:ROLE, post:NAME, emp:NO (comma separated)",
    )
    pub.add_argument(
        "--due",
        metavar="YYYY-MM-DDTHH:MM",
        help="deadline in local time (MUSTER_TIMEZONE, default Asia/Shanghai)",
    )
    pub.set_defaults(func=publish[1])
    st = kind_sub.add_parser("status", parents=[lang], help=status[0])
    st.add_argument("key")
    st.add_argument("--unit", metavar="NAME", help="only this unit and the units under it")
    st.set_defaults(func=status[1])
    exp = kind_sub.add_parser("export", parents=[lang], help=export[0])
    exp.add_argument("key")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    exp.set_defaults(func=export[1])
    return kind_sub, lang


def due_of(args: argparse.Namespace, settings: Settings, t: Translator, bad_key: str) -> Any:
    """The --due value as an aware local time (None without one); a bad one refuses the
    command with exit code 2."""
    if not args.due:
        return None
    due_at = local_time(args.due, settings)
    if due_at is None:
        raise Refused(bad_time(t, bad_key, args.due, settings))
    return due_at


async def publish(
    args: argparse.Namespace,
    settings: Settings,
    *,
    kind: str,
    key_arg: str,
    service: Callable[[Services], Any],
) -> tuple[Translator, PublishResult]:
    """`muster KIND publish`: publish, then print the version, the counts and the deadline
    (`KIND-cli-published`, `KIND-cli-assigned`, `KIND-cli-due`); the kind prints its hashes."""
    t = translator(settings, args.lang)
    due_at = due_of(args, settings, t, f"{kind}-cli-bad-due")
    result: PublishResult
    result, _ = await in_unit_of_work(
        settings,
        t,
        lambda svc: service(svc).publish(
            Actor.cli(f"cli:{kind}"), args.key, audience=args.audience, due_at=due_at
        ),
    )
    new = "yes" if result.new_version else "no"
    title = result.title(t.locale)
    version = str(result.version)
    print(
        t(f"{kind}-cli-published", title=title, version=version, new=new, **{key_arg: result.key})
    )
    print(
        t(
            f"{kind}-cli-assigned",
            assigned=result.assigned,
            replaced=result.replaced,
            restarted=result.restarted,
        )
    )
    if due_at is not None:
        print(t(f"{kind}-cli-due", due=t.time(due_at), tz=settings.timezone))
    return t, result


def status_command(
    kind: str, service: Callable[[Services], Any], render: Callable[..., list[str]]
) -> Command:
    """`muster KIND status KEY [--unit NAME]`: the kind's `status`, rendered by `render`."""

    @command
    async def run(args: argparse.Namespace, settings: Settings) -> int:
        t = translator(settings, args.lang)
        status, now = await in_unit_of_work(
            settings,
            t,
            lambda svc: service(svc).status(Actor.cli(f"cli:{kind}"), args.key, unit=args.unit),
        )
        print("\n".join(render(t, status, now=now)))
        return 0

    run.__doc__ = f"Print counts per unit and who is pending of the latest {kind} version."
    return run


def status_lines(
    t: Translator,
    kind: str,
    status: Any,  # the kind's status: key, version, units, pending
    now: datetime,
    *,
    key_arg: str,  # what the title calls the key ($pledge, $module)
    columns: Sequence[str],  # header keys of the per-unit table; the first is the unit
    units: Sequence[Sequence[Any]],
    total_key: str,
    pending_columns: Sequence[str],
    pending: Sequence[Sequence[str]],
) -> list[str]:
    """A status as terminal lines: the title (`KIND-cli-status-title`), a table per unit
    with a total row, then the pending people (`KIND-cli-pending-title`)."""
    names = {key_arg: status.key}
    version, at = str(status.version), t.time(now)
    title = t(f"{kind}-cli-status-title", version=version, now=at, **names)
    empty_key, none_key = f"{kind}-cli-status-empty", f"{kind}-cli-pending-none"
    pending_title_key = f"{kind}-cli-pending-title"
    lines = [title]
    if not units:
        lines.append(t(empty_key))
        return lines
    width = len(columns)
    counts = [list(u) for u in units]
    counts.append([t(total_key), *(sum(c[i] for c in counts) for i in range(1, width))])
    lines.extend(
        table(
            [t(k) for k in columns],
            [[str(v) for v in row] for row in counts],
            numeric=set(range(1, width)),
        )
    )
    lines.append("")
    if not pending:
        lines.append(t(none_key))
        return lines
    lines.append(t(pending_title_key, count=len(pending)))
    lines.extend(table([t(k) for k in pending_columns], pending))
    return lines


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Collection[int] = ()
) -> list[str]:
    """Columns padded by display width, so Chinese text lines up in a terminal."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            out.append(pad + cell if i in numeric else cell + pad)
        return "  ".join(out).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


__all__ = [
    "Refused",
    "add_kind_commands",
    "command",
    "due_of",
    "in_unit_of_work",
    "lang_parent",
    "publish",
    "status_command",
    "status_lines",
    "table",
    "translator",
]
