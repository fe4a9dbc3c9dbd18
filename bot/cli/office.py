"""What the office's task commands share: one unit of work per command with refusals
printed the same way, and the `publish|status|export` subcommands of a task kind."""

from __future__ import annotations

import argparse
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, fail, local_time, say, subcommands, table, translator
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Translator
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


@asynccontextmanager
async def opened_app(settings: Settings, t: Translator) -> AsyncIterator[App]:
    """The app, closed at the end; a domain error is printed and refuses the command
    (exit code 1)."""
    app = await App.open(settings)
    try:
        yield app
    except DomainError as exc:
        raise Refused(fail(t, exc)) from None
    finally:
        await app.close()


async def in_unit_of_work(
    settings: Settings, t: Translator, work: Callable[[Services], Awaitable[T]]
) -> tuple[T, datetime]:
    """`work` in one unit of work, and the time it ran at; a domain error is printed and
    refuses the command (exit code 1)."""
    async with opened_app(settings, t) as app, app.unit_of_work() as svc:
        return await work(svc), app.clock.now()


@dataclass(frozen=True, slots=True)
class KindCommands:
    """What `muster NAME publish|status` of a task kind need to know of it."""

    name: str  # pledge, training: the command, and its messages `NAME-cli-...`
    key_arg: str  # what the messages call the key ($pledge, $module)
    service: Callable[[Services], Any]  # the kind's service (publish, status)
    hashes: Callable[[Translator, Any], list[str]]  # printed after publishing
    render_status: Callable[..., list[str]]  # (t, status, *, now) -> the status's lines


def service_command(
    doc: str,
    work: Callable[[argparse.Namespace, Translator, Services], Awaitable[T]],
    render: Callable[[Translator, T], list[str]],
    *,
    failed: Callable[[T], bool] = lambda _: False,
) -> Command:
    """A command that calls the services once in a unit of work, `work(args, t, svc)`,
    and prints the lines `render` makes of the result; it exits with 1 where the result
    `failed`, else 0. `doc` says what it does."""

    @command
    async def run(args: argparse.Namespace, settings: Settings) -> int:
        t = translator(settings, args.lang)
        result, _ = await in_unit_of_work(settings, t, lambda svc: work(args, t, svc))
        say(*render(t, result))
        return 1 if failed(result) else 0

    run.__doc__ = doc
    return run


def add_kind_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    t: Translator,
    kind_commands: KindCommands,
    *,
    export: Command,
) -> Callable[..., argparse.ArgumentParser]:
    """`muster NAME publish|status|export`, their help from `cli-help-NAME[-COMMAND]`
    and `cli-help-NAME-key`; returns what adds the kind's own commands (`subcommands`)."""
    name = kind_commands.name
    kind = subcommands(sub, t, name)
    key_help = t(f"cli-help-{name}-key")
    publish = publish_command(
        name, kind_commands.key_arg, kind_commands.service, kind_commands.hashes
    )
    status = status_command(name, kind_commands.service, kind_commands.render_status)
    pub = kind("publish", publish)
    pub.add_argument("key", metavar="KEY", help=key_help)
    add_audience(pub, t)
    pub.add_argument("--due", metavar="YYYY-MM-DDTHH:MM", help=t("cli-help-due"))
    st = kind("status", status)
    st.add_argument("key", metavar="KEY", help=key_help)
    st.add_argument("--unit", metavar="UNIT", help=t("cli-help-unit-and-below"))
    exp = kind("export", export)
    exp.add_argument("key", metavar="KEY", help=key_help)
    add_out(exp, t)
    return kind


def add_out(parser: argparse.ArgumentParser, t: Translator, metavar: str = "FILE.xlsx") -> None:
    """The --out FILE option of the commands that write a file."""
    parser.add_argument("--out", required=True, type=Path, metavar=metavar, help=t("cli-help-out"))


def add_audience(parser: argparse.ArgumentParser, t: Translator) -> None:
    """The --audience SPEC option of publishing and sending."""
    parser.add_argument("--audience", required=True, metavar="SPEC", help=t("cli-help-audience"))


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
    new = "yes" if result.new_version else "no"  # a Fluent selector, not shown as such
    title = result.title(t.locale)
    version = str(result.version)
    say(
        t(f"{kind}-cli-published", title=title, version=version, new=new, **{key_arg: result.key}),
        t(
            f"{kind}-cli-assigned",
            assigned=result.assigned,
            replaced=result.replaced,
            restarted=result.restarted,
        ),
    )
    if due_at is not None:
        say(t(f"{kind}-cli-due", due=t.time(due_at), tz=settings.timezone))
    return t, result


def publish_command(
    kind: str,
    key_arg: str,
    service: Callable[[Services], Any],
    hashes: Callable[[Translator, Any], list[str]],
) -> Command:
    """`muster KIND publish KEY --audience SPEC [--due TIME]`: `publish`, then the lines
    `hashes` makes of the result (the hashes of what was published)."""

    @command
    async def run(args: argparse.Namespace, settings: Settings) -> int:
        t, result = await publish(args, settings, kind=kind, key_arg=key_arg, service=service)
        say(*hashes(t, result))
        return 0

    run.__doc__ = f"Publish a {kind} to an audience and print the version, counts and hashes."
    return run


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
        say(*render(t, status, now=now))
        return 0

    run.__doc__ = f"Print counts per unit and who is pending of the latest {kind} version."
    return run


PERSON_COLUMNS = ("unit", "name", "employee-no", "due")  # a pending person's first columns


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
    pending_columns: Sequence[str],  # header keys: PERSON_COLUMNS, then the kind's own
    pending: Sequence[Sequence[str]],  # the kind's own cells of each of status.pending
) -> list[str]:
    """A status as terminal lines: the title (`KIND-cli-status-title`), a table per unit
    with a total row, then the pending people (`KIND-cli-pending-title`): their unit,
    name, employee number and deadline, then the kind's own cells."""
    names = {key_arg: status.key, "title": status.title(t.locale)}
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
    rows = [
        [p.unit, p.name, p.employee_no, t.time(p.due_at), *own]
        for p, own in zip(status.pending, pending, strict=True)
    ]
    lines.extend(table([t(k) for k in pending_columns], rows))
    return lines


__all__ = [
    "PERSON_COLUMNS",
    "Refused",
    "KindCommands",
    "add_audience",
    "add_kind_commands",
    "add_out",
    "command",
    "due_of",
    "in_unit_of_work",
    "opened_app",
    "publish",
    "publish_command",
    "service_command",
    "status_command",
    "status_lines",
    "table",
    "translator",
]
