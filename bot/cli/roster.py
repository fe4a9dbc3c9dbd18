"""`muster roster import FILE` and `muster roster export FILE.xlsx`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from bot.actor import Actor
from bot.cli.common import say, subcommands, translator
from bot.cli.office import command, in_unit_of_work, opened_app
from bot.config import Settings
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.services import Services
from bot.services.pledges import LetterState
from bot.services.roster import BindingChange, Filing, Headcount, ImportReport, parse_quota
from bot.sheets.reader import Problem
from bot.sheets.writer import Column, Workbook
from bot.timeparse import parse_date
from scheduled.jobs import sync_audiences
from storage.models import Role

SHOW_AT_MOST = 200  # lines per list; a broken 60k-row file should not flood the terminal


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    roster = subcommands(sub, t, "roster")

    imp = roster("import", cmd_roster_import)
    imp.add_argument("file", type=Path, metavar="FILE", help=t("cli-help-roster-import-file"))
    imp.add_argument("--dry-run", action="store_true", help=t("cli-help-dry-run"))
    imp.add_argument(
        "--mark-missing-left", action="store_true", help=t("cli-help-roster-mark-missing-left")
    )
    imp.add_argument(
        "--units-must-exist", action="store_true", help=t("cli-help-roster-units-must-exist")
    )
    imp.add_argument(
        "--allow-unbound", action="store_true", help=t("cli-help-roster-allow-unbound")
    )
    imp.add_argument("--new-posts", action="store_true", help=t("cli-help-roster-new-posts"))

    exp = roster("export", cmd_roster_export)
    exp.add_argument("file", type=Path, metavar="FILE.xlsx", help=t("cli-help-out"))
    exp.add_argument("--form", action="store_true", help=t("cli-help-roster-export-form"))
    exp.add_argument(
        "--one-sheet", action="store_true", help=t("cli-help-roster-export-one-sheet")
    )
    exp.add_argument("--unit", metavar="UNIT", help=t("cli-help-roster-export-unit"))

    roster("status", cmd_roster_status)

    ch = roster("changes", cmd_roster_changes)
    ch.add_argument(
        "--since", required=True, metavar="YYYY-MM-DD", help=t("cli-help-roster-changes-since")
    )
    ch.add_argument("--out", type=Path, metavar="FILE.xlsx", help=t("cli-help-roster-changes-out"))

    quota = subcommands(sub, t, "unit")("quota", cmd_unit_quota)
    quota.add_argument("unit", metavar="UNIT", help=t("cli-help-unit-name"))
    quota.add_argument("quota", metavar="N", help=t("cli-help-unit-quota-n"))


@command
async def cmd_roster_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a roster file and print what changed and every problem found."""
    t = translator(settings, args.lang)
    async with opened_app(settings, t) as app:
        async with app.unit_of_work() as svc:
            report = await svc.roster.import_file(
                Actor.cli("cli:roster-import"),
                args.file,
                dry_run=args.dry_run,
                mark_missing_left=args.mark_missing_left,
                units_must_exist=args.units_must_exist,
                allow_unbound=args.allow_unbound,
                new_posts=args.new_posts,
            )
        # newcomers get the tasks already published to their audience
        added = 0 if report.errors or args.dry_run else await sync_audiences(app)
    say(*render_report(t, report))
    if added:
        say(t("roster-tasks-assigned", count=added))
    return 1 if report.errors else 0


@command
async def cmd_roster_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the roster table with current mentors and leaders to an .xlsx file."""
    t = translator(settings, args.lang)
    actor = Actor.cli("cli:roster-export")

    async def work(svc: Services) -> str:
        if args.form:
            form = await svc.roster.export_form(
                actor, args.file, one_sheet=args.one_sheet, unit=args.unit
            )
            return t(
                "roster-form-exported", count=form.people, sheets=form.sheets, path=str(args.file)
            )
        count = await svc.roster.export(actor, args.file)
        return t("roster-exported", count=count, path=str(args.file))

    done, _ = await in_unit_of_work(settings, t, work)
    say(done)
    return 0


@command
async def cmd_unit_quota(args: argparse.Namespace, settings: Settings) -> int:
    """Set or clear a unit's 员额 and show its headcount against it."""
    t = translator(settings, args.lang)

    async def work(svc: Services) -> Headcount:
        quota = parse_quota(str(args.quota))
        return await svc.roster.set_quota(Actor.cli("cli:unit-quota"), args.unit, quota)

    count, _ = await in_unit_of_work(settings, t, work)
    if count.quota is None:
        say(t("roster-quota-cleared", unit=count.unit, count=count.headcount))
    else:
        say(t("roster-quota-set", unit=count.unit, quota=count.quota, count=count.headcount))
    return 0


@command
async def cmd_roster_status(args: argparse.Namespace, settings: Settings) -> int:
    """Active auxiliaries against 员额, unit by unit."""
    t = translator(settings, args.lang)
    counts, _ = await in_unit_of_work(
        settings, t, lambda svc: svc.roster.headcounts(Actor.cli("cli:roster-status"))
    )
    say(*headcount_lines(t, counts))
    return 0


@command
async def cmd_roster_changes(args: argparse.Namespace, settings: Settings) -> int:
    """List (and optionally export) the change filings since a date."""
    t = translator(settings, args.lang)

    async def work(svc: Services) -> tuple[date, list[Filing]]:
        day = parse_date(str(args.since))
        if day is None:
            raise InvalidInput("roster-changes-bad-date", value=str(args.since))
        if args.out is not None and args.out.suffix.lower() != ".xlsx":
            raise InvalidInput("roster-changes-xlsx-only")
        since = datetime.combine(day, time(), tzinfo=settings.tz)
        return day, await svc.roster.changes(Actor.cli("cli:roster-changes"), since)

    (day, filings), _ = await in_unit_of_work(settings, t, work)
    say(*change_lines(t, day.isoformat(), filings))
    if args.out is not None:
        write_changes(t, args.out, filings)
        say(t("roster-changes-written", path=str(args.out), count=len(filings)))
    return 0


FILING_COLUMNS = (
    "at",
    "unit",
    "name",
    "employee_no",
    "kind",
    "before",
    "after",
    "by",
    "source",
    "letter",
)


def change_lines(t: Translator, since: str, filings: Sequence[Filing]) -> list[str]:
    if not filings:
        return [t("roster-changes-none", since=since)]
    lines = [t("roster-changes-title", since=since, count=len(filings))]
    for f in filings:
        lines.append(
            t(
                "roster-changes-line",
                at=t.time(f.at),
                unit=f.unit,
                who=f"{f.name}({f.employee_no})",
                kind=t(f"roster-changes-kind-{f.kind.value}"),
                before=f.before or "-",
                after=f.after or "-",
                by=f.by,
            )
        )
        if f.letter is not None:
            lines.append(f"    {letter_text(t, f.letter)}")
    return lines


def letter_text(t: Translator, letter: LetterState) -> str:
    """Whether the new mentor officer or leader signed the responsibility letter."""
    if letter.version is None:
        return t("successor-letter-unpublished")
    title = letter.title(t.locale)
    if letter.signed_at is not None:
        return t(
            "successor-letter-signed",
            title=title,
            version=str(letter.version),
            at=t.time(letter.signed_at),
        )
    if letter.assigned and letter.due_at is not None:
        return t("successor-letter-pending-due", title=title, due=t.time(letter.due_at))
    if letter.assigned:
        return t("successor-letter-pending", title=title)
    return t("successor-letter-unsigned", title=title)


def write_changes(t: Translator, path: Path, filings: Sequence[Filing]) -> None:
    """The filings as an .xlsx for the 政治处辅警办, one row each."""
    wb = Workbook()
    sheet = wb.sheet(
        t("roster-changes-sheet"), [Column(t(f"roster-changes-col-{c}")) for c in FILING_COLUMNS]
    )
    for f in filings:
        sheet.append(
            [
                t.time(f.at),
                f.unit,
                f.name,
                f.employee_no,
                t(f"roster-changes-kind-{f.kind.value}"),
                f.before,
                f.after,
                f.by,
                f.source,
                letter_text(t, f.letter) if f.letter is not None else None,
            ]
        )
    wb.save(path)


def headcount_lines(t: Translator, counts: Sequence[Headcount]) -> list[str]:
    if not counts:
        return [t("roster-status-empty")]
    lines = [t("roster-status-title")]
    for c in counts:
        over = t("roster-status-over", by=c.headcount - (c.quota or 0)) if c.over else ""
        quota = t("roster-status-no-quota") if c.quota is None else str(c.quota)
        lines.append(
            t("roster-status-line", unit=c.unit, count=c.headcount, quota=quota, over=over)
        )
    return lines


def render_report(t: Translator, report: ImportReport) -> list[str]:
    """The import report as terminal lines in the translator's language."""
    sep = "、" if t.locale == "zh_CN" else ", "
    lines = [t("roster-report-title", path=report.path, rows=report.rows)]
    if report.errors:
        lines.append(t("roster-report-errors", count=len(report.errors)))
        lines.extend(_capped(t, [problem_line(t, p) for p in report.errors]))
        _warnings(t, report, lines)
        lines.append(t("roster-report-nothing-written"))
        return lines
    lines.append(
        t(
            "roster-report-counts",
            created=len(report.created),
            updated=len(report.updated),
            unchanged=report.unchanged,
            reactivated=len(report.reactivated),
            units=len(report.units_created),
            bindings=len(report.binding_changes),
        )
    )
    lines.extend(officer_lines(t, report))
    if report.units_created:
        units = report.units_created
        more = "…" if len(units) > SHOW_AT_MOST else ""
        lines.append(t("roster-report-units", units=sep.join(units[:SHOW_AT_MOST]) + more))
    lines.extend(
        _capped(
            t,
            [
                t(
                    "roster-report-updated",
                    who=f"{u.name}({u.employee_no})",
                    fields=sep.join(t(f"roster-field-{f}") for f in u.changes),
                )
                for u in report.updated
            ],
        )
    )
    lines.extend(
        _capped(t, [binding_line(t, c) for c in report.binding_changes if c.before is not None])
    )
    if report.reactivated:
        lines.append(t("roster-report-reactivated", who=sep.join(report.reactivated)))
    if report.missing:
        key = "roster-report-marked-left" if report.marked_left else "roster-report-missing"
        lines.append(t(key, count=len(report.missing)))
        lines.extend(_capped(t, [f"  {name}({no})" for no, name in report.missing]))
    _warnings(t, report, lines)
    if report.dry_run:
        lines.append(t("roster-report-dry-run"))
    elif report.has_changes:
        lines.append(t("roster-report-written"))
    else:
        lines.append(t("roster-report-no-changes"))
    return lines


def officer_lines(t: Translator, report: ImportReport) -> list[str]:
    """新建带辅民警 9 人、分管领导 3 人，缺少警号, then one line per officer."""
    lines: list[str] = []
    sep = "、" if t.locale == "zh_CN" else ", "
    if report.officers_created:
        officers = report.officers_created
        lines.append(
            t(
                "roster-form-officers-created",
                mentors=sum(1 for _, _, roles in officers if Role.MENTOR in roles),
                leaders=sum(1 for _, _, roles in officers if Role.LEADER in roles),
            )
        )
        lines.extend(
            _capped(
                t,
                [
                    t(
                        "roster-form-officer-line",
                        unit=unit,
                        name=name,
                        roles=sep.join(
                            t(f"roster-form-role-{r.value}")
                            for r in (Role.MENTOR, Role.LEADER)
                            if r in roles
                        ),
                    )
                    for unit, name, roles in officers
                ],
            )
        )
    if report.posts_added:
        lines.append(
            t(
                "roster-form-posts-added",
                count=len(report.posts_added),
                posts=sep.join(p for p, _ in report.posts_added),
            )
        )
    if report.filings:
        lines.append(t("roster-form-filings", count=report.filings))
    if report.letters_given:
        lines.append(t("successor-letters-given", count=report.letters_given))
    if report.numbers_completed:
        lines.append(
            t(
                "roster-form-numbers-completed",
                count=len(report.numbers_completed),
                who=sep.join(f"{name}({no})" for name, no in report.numbers_completed),
            )
        )
    return lines


def _warnings(t: Translator, report: ImportReport, lines: list[str]) -> None:
    if report.warnings:
        lines.append(t("roster-report-warnings", count=len(report.warnings)))
        lines.extend(_capped(t, [problem_line(t, p) for p in report.warnings]))


def problem_line(t: Translator, problem: Problem) -> str:
    """`row 5, column 性别: ...` in the translator's language."""
    message = t(problem.key, **{k: _arg(v) for k, v in problem.args.items()})
    if problem.row is not None and problem.column is not None:
        line = t("roster-problem", row=str(problem.row), column=problem.column, message=message)
    elif problem.row is not None:
        line = t("roster-problem-row", row=str(problem.row), message=message)
    else:
        return f"  {message}"
    if problem.sheet is not None:
        return t("roster-problem-sheet", sheet=problem.sheet, line=line.strip())
    return line


def binding_line(t: Translator, change: BindingChange) -> str:
    def pair(refs: tuple[str | None, str | None] | None) -> str:
        if refs is None:
            return t("roster-binding-none")
        return " / ".join(r or "-" for r in refs)

    return t(
        "roster-report-binding",
        who=f"{change.name}({change.employee_no})",
        before=pair(change.before),
        after=pair(change.after),
    )


def _capped(t: Translator, lines: Sequence[str]) -> list[str]:
    if len(lines) <= SHOW_AT_MOST:
        return list(lines)
    return [*lines[:SHOW_AT_MOST], t("roster-report-more", count=len(lines) - SHOW_AT_MOST)]


def _arg(value: object) -> object:
    # Fluent would print a row number such as 12345 as "12,345".
    return str(value) if isinstance(value, int) else value
