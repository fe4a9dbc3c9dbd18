"""`muster leave set|end|list|import`: leave (请销假) from the command line, as the office."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.actor import Actor
from bot.cli.common import subcommands, translator
from bot.cli.office import Command, command, in_unit_of_work, table
from bot.cli.roster import problem_line
from bot.config import ROOT, Settings
from bot.i18n import LOCALES, Catalog, Translator
from bot.leave_sheet import read as read_sheet
from bot.services import Services
from bot.services.leave import CATEGORIES, LeaveView, SheetRefused, category_of, last_day
from bot.sheets.reader import Problem
from bot.timeparse import parse_date

ACTOR = "cli:leave"


def register(sub: argparse._SubParsersAction, t: Translator | None = None) -> None:  # type: ignore[type-arg]
    """`muster leave ...`, its help from locales/*/cli_leave.ftl (in `t`'s language)."""
    t = t or Catalog(ROOT / "locales").text_translator(None, ZoneInfo("Asia/Shanghai"))
    leave = subcommands(sub, t, "leave")

    def command_parser(name: str, func: Command) -> argparse.ArgumentParser:
        cmd = leave(name, func)
        cmd.add_argument("--lang", choices=LOCALES, help=t("cli-help-leave-lang"))
        return cmd

    st = command_parser("set", cmd_leave_set)
    st.add_argument("employee_no", metavar="EMPLOYEE_NO", help=t("cli-help-leave-employee-no"))
    st.add_argument(
        "--from", dest="first", required=True, metavar="YYYY-MM-DD", help=t("cli-help-leave-from")
    )
    st.add_argument(
        "--to", dest="last", required=True, metavar="YYYY-MM-DD", help=t("cli-help-leave-to")
    )
    st.add_argument(
        "--category",
        required=True,
        metavar="CATEGORY",
        help=t("cli-help-leave-category", categories="/".join(CATEGORIES)),
    )
    st.add_argument("--note", metavar="TEXT", help=t("cli-help-leave-note"))
    end = command_parser("end", cmd_leave_end)
    end.add_argument("employee_no", metavar="EMPLOYEE_NO", help=t("cli-help-leave-employee-no"))
    ls = command_parser("list", cmd_leave_list)
    ls.add_argument("--unit", metavar="UNIT", help=t("cli-help-leave-unit"))
    ls.add_argument("--all", action="store_true", help=t("cli-help-leave-all"))
    imp = command_parser("import", cmd_leave_import)
    imp.add_argument("file", metavar="FILE", type=Path, help=t("cli-help-leave-file"))


def leave_line(t: Translator, v: LeaveView) -> str:
    """One leave: who, what, the first and the last day."""
    return t(
        "leave-cli-line",
        name=v.name,
        employee_no=v.employee_no,
        category=t(f"leave-category-{v.category}"),
        first=v.starts_at.astimezone(t.tz).date().isoformat(),
        last=last_day(v.ends_at, t.tz).isoformat(),
    )


@command
async def cmd_leave_set(args: argparse.Namespace, settings: Settings) -> int:
    """Record a leave and print it."""
    t = translator(settings, args.lang)
    first, last = parse_date(args.first), parse_date(args.last)
    for raw, parsed in ((args.first, first), (args.last, last)):
        if parsed is None:
            print(f"muster: {t('leave-cli-bad-date', value=raw)}", file=sys.stderr)
            return 2

    async def work(svc: Services) -> LeaveView:
        return await svc.leave.set(
            Actor.cli(ACTOR),
            args.employee_no,
            category=category_of(args.category),
            first_day=first,
            last_day=last,
            note=args.note,
        )

    view, _ = await in_unit_of_work(settings, t, work)
    print(t("leave-cli-set", line=leave_line(t, view)))
    return 0


@command
async def cmd_leave_end(args: argparse.Namespace, settings: Settings) -> int:
    """End the person's leave now (or cancel the next one) and print what changed."""
    t = translator(settings, args.lang)
    views, now = await in_unit_of_work(
        settings, t, lambda svc: svc.leave.end(Actor.cli(ACTOR), args.employee_no)
    )
    for v in views:
        key = "leave-cli-cancelled" if v.ends_at <= v.starts_at else "leave-cli-ended"
        print(t(key, line=leave_line(t, v), at=t.time(now)))
    return 0


@command
async def cmd_leave_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print the leaves running or to come (or all) as a table."""
    t = translator(settings, args.lang)
    views, now = await in_unit_of_work(
        settings,
        t,
        lambda svc: svc.leave.listing(Actor.cli(ACTOR), unit=args.unit, include_past=args.all),
    )
    if not views:
        print(t("leave-cli-none"))
        return 0
    header = [t(f"leave-col-{c}") for c in ("unit", "name", "employee_no", "category")]
    header += [t(f"leave-col-{c}") for c in ("first_day", "last_day", "state", "note")]
    rows = [
        [
            v.unit,
            v.name,
            v.employee_no,
            t(f"leave-category-{v.category}"),
            v.starts_at.astimezone(t.tz).date().isoformat(),
            last_day(v.ends_at, t.tz).isoformat(),
            t(f"leave-state-{v.state(now)}"),
            v.note or "",
        ]
        for v in views
    ]
    print("\n".join(table(header, rows)))
    print(t("leave-cli-count", count=len(views)))
    return 0


@command
async def cmd_leave_import(args: argparse.Namespace, settings: Settings) -> int:
    """Record every leave of a 请销假 sheet, or none: each bad row is printed."""
    t = translator(settings, args.lang)

    async def work(svc: Services) -> int:
        sheet = read_sheet(args.file, svc.catalog, settings.tz)
        problems = list(sheet.problems)
        unread = {p.row for p in problems}
        try:  # the rows read well are checked by the service, the others are named already
            rows = [r for r in sheet.rows if r.row not in unread]
            done = await svc.leave.import_rows(Actor.cli(ACTOR), rows)
        except SheetRefused as exc:
            problems += exc.problems
        if problems:  # out of the unit of work, which rolls every row back
            raise _Rows(sorted(problems, key=lambda p: p.row or 0))
        return len(done)

    try:
        count, _ = await in_unit_of_work(settings, t, work)
    except _Rows as exc:
        for problem in exc.problems:
            print(problem_line(t, problem), file=sys.stderr)
        print(f"muster: {t('leave-sheet-refused', count=len(exc.problems))}", file=sys.stderr)
        return 1
    print(t("leave-cli-imported", count=count, path=str(args.file)))
    return 0


class _Rows(Exception):
    """The rows of a sheet that are wrong (not a DomainError: listed, not just named)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(len(problems))
        self.problems = problems
