"""`muster checkins open|status|care` and `muster register export|import|reporter`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.actor import Actor
from bot.app import App
from bot.cli.common import refuse, say, subcommands, table
from bot.cli.common import translator as _translator
from bot.cli.office import add_out, command, in_unit_of_work, service_command
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services import Services
from bot.services.checkins import CareView, CheckinStatus, Numbers, Week, current_week
from bot.services.register import ImportReport
from bot.sheets.reader import Problem
from scheduled.checkins import open_week
from storage import people as people_repo
from storage.models import Person

SHOW_AT_MOST = 200


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    week = argparse.ArgumentParser(add_help=False)
    week.add_argument("--week", metavar="YYYY-Www", help=t("cli-help-week"))

    checkins = subcommands(sub, t, "checkins")
    checkins("open", cmd_checkins_open, parents=[week])
    st = checkins("status", cmd_checkins_status, parents=[week])
    st.add_argument("--unit", metavar="UNIT", help=t("cli-help-unit-and-below"))
    checkins("care", cmd_checkins_care, parents=[week])

    register_cmd = subcommands(sub, t, "register")
    add_out(register_cmd("export", cmd_register_export, parents=[week]), t)
    imp = register_cmd("import", cmd_register_import, parents=[week])
    imp.add_argument("file", type=Path, metavar="FILE.xlsx", help=t("cli-help-register-file"))
    imp.add_argument("--unit", required=True, metavar="UNIT", help=t("cli-help-register-unit"))
    rep = register_cmd("reporter", cmd_register_reporter)
    rep.add_argument("unit", metavar="UNIT", help=t("cli-help-unit-name"))
    rep.add_argument(
        "employee_no", nargs="?", metavar="EMPLOYEE_NO", help=t("cli-help-register-reporter-who")
    )
    rep.add_argument("--clear", action="store_true", help=t("cli-help-register-reporter-clear"))


def _week(args: argparse.Namespace, app: App | Services) -> Week:
    if args.week:
        return Week.parse(args.week)
    return current_week(app.clock.now(), app.settings)


@command
async def cmd_checkins_open(args: argparse.Namespace, settings: Settings) -> int:
    """Open the week's check-in and register now and print how many tasks were created."""
    t = _translator(settings, args.lang)
    opened, _ = await in_unit_of_work(
        settings, t, lambda svc: open_week(svc, Actor.cli("cli:checkins-open"), _week(args, svc))
    )
    week = opened.checkin.week
    say(
        t(
            "checkin-cli-opened",
            week=week.key,
            checkins=opened.checkin.assigned,
            registers=opened.register.assigned,
            missed=opened.checkin.missed,
        )
    )
    return 0


def render_status(t: Translator, status: CheckinStatus) -> list[str]:
    """Per-unit table, totals, the people who have not answered, open care items."""
    lines = [t("checkin-cli-status-title", week=status.week.key, due=t.time(status.due_at))]
    if not status.opened:
        lines.append(t("checkin-cli-not-open", week=status.week.key))
        return lines
    cols = (
        "checkin-col-unit",
        "checkin-col-assigned",
        "checkin-col-answered",
        "checkin-col-all-fine",
        "checkin-col-hazards",
        "checkin-col-late",
        "checkin-col-missing",
    )
    body = [[u.unit, *_nums(u.numbers)] for u in status.units]
    body.append([t("checkin-col-total"), *_nums(status.total)])
    lines.extend(table([t(c) for c in cols], body, numeric={1, 2, 3, 4, 5, 6}))
    lines.append("")
    if status.missing:
        lines.append(t("checkin-cli-missing-title", count=len(status.missing)))
        lines.extend(
            table(
                [
                    t(c)
                    for c in ("checkin-col-unit", "checkin-col-name", "checkin-col-employee-no")
                ],
                [[p.unit, p.name, p.employee_no] for p in status.missing[:SHOW_AT_MOST]],
            )
        )
        if len(status.missing) > SHOW_AT_MOST:
            lines.append(t("checkin-more", count=len(status.missing) - SHOW_AT_MOST))
    else:
        lines.append(t("checkin-cli-missing-none"))
    lines.append(t("register-summary-care", count=status.care))
    return lines


cmd_checkins_status = service_command(
    "Print the week's check-in counts per unit and who has not answered.",
    lambda args, t, svc: svc.checkins.status(
        Actor.cli("cli:checkins-status"), _week(args, svc), unit=args.unit
    ),
    render_status,
)


def _nums(n: Numbers) -> list[str]:
    return [
        str(getattr(n, k))
        for k in ("assigned", "answered", "all_fine", "hazards", "late", "missing")
    ]


@command
async def cmd_checkins_care(args: argparse.Namespace, settings: Settings) -> int:
    """Print the difficulties written in a week's check-ins, oldest first."""
    t = _translator(settings, args.lang)

    async def work(svc: Services) -> tuple[Week, list[CareView]]:
        week = _week(args, svc)
        return week, await svc.checkins.care_items(Actor.cli("cli:checkins-care"), week)

    (week, items), _ = await in_unit_of_work(settings, t, work)
    if not items:
        say(t("checkin-care-none", week=week.key))
        return 0
    say(t("checkin-care-title", week=week.key, count=len(items)))
    for item in items:
        status = t(f"hotline-status-{item.ticket_status}") if item.ticket_status else "-"
        at = t.time(item.created_at)
        say(t.of("checkin-cli-care-line", item, ticket=item.ticket or "-", status=status, at=at))
    return 0


@command
async def cmd_register_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write all units' registers of a week to an .xlsx file."""
    t = _translator(settings, args.lang)

    async def work(svc: Services) -> tuple[Week, int]:
        week = _week(args, svc)
        return week, await svc.register.export(Actor.cli("cli:register-export"), week, args.out, t)

    (week, units), _ = await in_unit_of_work(settings, t, work)
    say(t("register-cli-exported", week=week.key, units=units, path=str(args.out)))
    return 0


def render_import(t: Translator, report: ImportReport) -> list[str]:
    lines = [
        t("register-cli-import-title", path=report.path, unit=report.unit, week=report.week.key)
    ]
    if report.errors:
        lines.append(t("register-cli-import-errors", count=len(report.errors)))
        lines.extend(problem_line(t, p) for p in report.errors[:SHOW_AT_MOST])
        if len(report.errors) > SHOW_AT_MOST:
            lines.append(t("checkin-more", count=len(report.errors) - SHOW_AT_MOST))
        lines.append(t("register-cli-nothing-written"))
        return lines
    assert report.filing is not None
    key = "register-cli-imported-late" if report.filing.late else "register-cli-imported"
    lines.append(t(key, rows=report.rows, carried=report.carried))
    return lines


cmd_register_import = service_command(
    "Check a unit's register sheet; file it when every row is good.",
    lambda args, t, svc: svc.register.import_file(
        Actor.cli("cli:register-import"), args.file, unit=args.unit, week=_week(args, svc)
    ),
    render_import,
    failed=lambda report: bool(report.errors),
)


def problem_line(t: Translator, problem: Problem) -> str:
    """`row 5, column 整改期限: ...` in the translator's language."""
    message = t(problem.key, **problem.args)
    if problem.row is not None and problem.column is not None:
        return t("register-problem", row=str(problem.row), column=problem.column, message=message)
    if problem.column is not None:
        return t("register-problem-column", column=problem.column, message=message)
    return f"  {message}"


@command
async def cmd_register_reporter(args: argparse.Namespace, settings: Settings) -> int:
    """Designate (or clear) the person who files a unit's register."""
    t = _translator(settings, args.lang)
    if bool(args.employee_no) == bool(args.clear):
        return refuse(t("register-cli-reporter-usage"))

    async def work(svc: Services) -> Person | None:
        unit = await people_repo.unit_by_name(svc.session, args.unit)
        if unit is None:
            raise DomainError("error-no-such-unit", unit=args.unit)
        return await svc.register.set_reporter(
            Actor.cli("cli:register-reporter"), unit.id, None if args.clear else args.employee_no
        )

    person, _ = await in_unit_of_work(settings, t, work)
    if person is None:
        say(t("register-reporter-cleared"))
    else:
        say(t("register-reporter-set", name=person.name))
    return 0
