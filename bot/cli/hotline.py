"""`muster kb check|reload|search|gaps`, `muster hotline queue|show|contact|contacts`."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import kb
from bot.actor import Actor
from bot.cli.common import refuse, say, subcommands, table, translator
from bot.cli.office import command, in_unit_of_work, service_command
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.reports.hotline_gaps import write_gaps_xlsx
from bot.services import Services
from bot.services.hotline import ContactFields, TicketSummary, UnitContactRow
from storage.models_hotline import parse_ticket_number


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    kb_cmd = subcommands(sub, t, "kb")
    kb_cmd("check", cmd_kb_check)
    kb_cmd("reload", cmd_kb_reload)
    srch = kb_cmd("search", cmd_kb_search)
    srch.add_argument("question", metavar="QUESTION")
    srch.add_argument("--locale", choices=LOCALES, help=t("cli-help-kb-search-locale"))

    gaps = kb_cmd("gaps", cmd_kb_gaps)
    gaps.add_argument("--since", metavar="YYYY-MM-DD", help=t("cli-help-kb-gaps-since"))
    gaps.add_argument("--out", type=Path, metavar="FILE.xlsx", help=t("cli-help-kb-gaps-out"))
    gaps.add_argument(
        "--limit", type=int, default=20, metavar="N", help=t("cli-help-kb-gaps-limit")
    )

    hotline = subcommands(sub, t, "hotline")
    que = hotline("queue", cmd_hotline_queue)
    que.add_argument("--all", action="store_true", help=t("cli-help-hotline-queue-all"))
    show = hotline("show", cmd_hotline_show)
    show.add_argument("number", metavar="NUMBER", help=t("cli-help-hotline-show-number"))
    con = hotline("contact", cmd_hotline_contact)
    con.add_argument("unit", metavar="UNIT", help=t("cli-help-hotline-contact-unit"))
    con.add_argument("--phone", help=t("cli-help-hotline-contact-phone"))
    con.add_argument("--email", help=t("cli-help-hotline-contact-email"))
    con.add_argument("--hours", help=t("cli-help-hotline-contact-hours"))
    cons = hotline("contacts", cmd_hotline_contacts)
    cons.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="FILE",
        help=t("cli-help-hotline-contacts-import"),
    )


async def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the knowledge base files and print every problem."""
    t = translator(settings, args.lang)
    content, problems = kb.check(settings.content_dir)
    for problem in problems:
        say(kb_problem(t, problem), err=problem.error)
    if content is None:
        return refuse(t("cli-kb-errors", count=sum(1 for p in problems if p.error)), code=1)
    articles = sum(
        len(doc.articles) for by_locale in content.docs.values() for doc in by_locale.values()
    )
    key = "cli-kb-ok-sample" if content.sample else "cli-kb-ok"
    say(t(key, entries=len(content.faqs), documents=len(content.docs), articles=articles))
    return 0


def kb_problem(t: Translator, problem: kb.Problem) -> str:
    """One finding of the knowledge base check, in the translator's language."""
    key = "cli-kb-error" if problem.error else "cli-kb-warning"
    return t(key, path=problem.path, message=problem.message)


@command
async def cmd_kb_reload(args: argparse.Namespace, settings: Settings) -> int:
    """Make every running bot load the knowledge base files with its next question."""
    t = translator(settings, args.lang)
    result, _ = await in_unit_of_work(
        settings, t, lambda svc: svc.hotline.reload_kb(Actor.cli("cli:kb-reload"))
    )
    key = "cli-kb-reloaded" if result.changed else "cli-kb-reloaded-unchanged"
    say(t(key, generation=result.generation, entries=result.entries))
    return 0


async def cmd_kb_search(args: argparse.Namespace, settings: Settings) -> int:
    """Show the hotline's answer to a question: confidence and the closest entries."""
    t = translator(settings, args.lang)
    try:
        loaded = kb.Loaded(content := kb.load(settings.content_dir), kb.build_index(content), 0)
    except kb.KbError as exc:
        say(*(kb_problem(t, p) for p in exc.problems), err=True)
        return 1
    locale = args.locale or t.locale
    result = loaded.search(args.question, k=3)
    say(t(f"cli-kb-confidence-{result.confidence}"))
    rows = [
        [
            hit.doc_id,
            f"{hit.score:.2f}",
            f"{hit.coverage:.2f}",
            content.faqs[hit.doc_id].text(locale).question,
        ]
        for hit in result.hits
    ]
    header = [t(f"cli-kb-col-{c}") for c in ("entry", "score", "coverage", "question")]
    say(*table(header, rows, numeric={1, 2}))
    return 0


QUEUE_COLUMNS = ("ticket", "status", "asker", "last-activity", "due", "question")


def _asker(t: Translator, s: TicketSummary) -> str:
    """Anonymous or named; a named asker is shown only by "show asker", with a reason (the
    console or the chat), never in a list."""
    return t("hotline-who-anonymous") if s.anonymous else t("cli-hotline-who-named")


def render_queue(t: Translator, tickets: list[TicketSummary]) -> list[str]:
    """The tickets as a table, and how many are waiting and late."""
    if not tickets:
        return [t("cli-hotline-queue-none")]
    rows = [
        [
            s.number,
            t(f"hotline-status-{s.status}"),
            _asker(t, s),
            t.time(s.last_activity_at),
            t.time(s.reply_due_at) + (t("cli-hotline-late") if s.overdue else ""),
            s.preview,
        ]
        for s in tickets
    ]
    waiting = sum(1 for s in tickets if s.status == "open")
    late = sum(1 for s in tickets if s.overdue)
    return [
        *table([t(f"cli-hotline-col-{c}") for c in QUEUE_COLUMNS], rows),
        t("cli-hotline-queue-count", count=len(tickets), waiting=waiting, late=late),
    ]


cmd_hotline_queue = service_command(
    "List the tickets not closed (or all), waiting ones first.",
    lambda args, t, svc: svc.hotline.queue(
        Actor.cli("cli:hotline"), include_closed=args.all, limit=10_000
    ),
    render_queue,
)


@command
async def cmd_hotline_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print one ticket with its whole thread."""
    t = translator(settings, args.lang)
    ticket_id = parse_ticket_number(args.number)
    if ticket_id is None:
        return refuse(t("cli-hotline-bad-number", value=args.number))
    detail, _ = await in_unit_of_work(
        settings, t, lambda svc: svc.hotline.ticket(Actor.cli("cli:hotline"), ticket_id)
    )
    s = detail.summary
    say(
        t(
            "cli-hotline-ticket",
            number=s.number,
            status=t(f"hotline-status-{s.status}"),
            at=t.time(s.created_at),
            asker=_asker(t, s),
        )
    )
    if detail.faq_hint:
        say(t("cli-hotline-faq-hint", entry=detail.faq_hint))
    for m in detail.messages:
        if m.sender == "office":
            who = t("cli-hotline-from-office", name=m.author_name or "-")
        else:
            who = t("cli-hotline-from-asker")
        say("", t("cli-hotline-message", at=t.time(m.at), who=who), m.text)
    return 0


# --- gaps ---------------------------------------------------------------------------------


@command
async def cmd_kb_gaps(args: argparse.Namespace, settings: Settings) -> int:
    """List the questions the knowledge base did not answer, grouped, largest group first."""
    t = translator(settings, args.lang)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=settings.tz)
        except ValueError:
            return refuse(t("cli-kb-gaps-bad-since", value=args.since))
    groups, _ = await in_unit_of_work(
        settings, t, lambda svc: svc.hotline.gaps(Actor.cli("cli:kb-gaps"), since=since)
    )
    if not groups:
        say(t("kb-gaps-none"))
        return 0
    questions = sum(g.count for g in groups)
    say(t("kb-gaps-title", questions=questions, groups=len(groups)))
    for g in groups[: max(args.limit, 0)]:
        now = t("kb-gaps-now", faq=g.answered_now) if g.answered_now else ""
        hint = g.faq_hint or t("kb-gaps-no-hint")
        say(t.of("kb-gaps-group", g, last=t.time(g.last_at), hint=hint, now=now))
    if args.out:
        write_gaps_xlsx(args.out, groups, t=t)
        say(t("kb-gaps-exported", path=str(args.out), groups=len(groups), questions=questions))
    return 0


# --- per-unit contacts --------------------------------------------------------------------


def _contact_line(t: Translator, row: UnitContactRow) -> str:
    source = row.effective.unit
    if source == row.unit:
        origin = t("hotline-contact-from-own")
    elif source is not None:
        origin = t("hotline-contact-from-unit", unit=source)
    else:
        origin = t("hotline-contact-from-bureau")
    return t.of("hotline-contact-line", row.effective, unit=row.unit, **{"from": origin})


@command
async def cmd_hotline_contact(args: argparse.Namespace, settings: Settings) -> int:
    """Set a unit's own policy phone, mailbox and hours."""
    t = translator(settings, args.lang)
    contact = ContactFields(args.phone, args.email, args.hours)
    if contact == ContactFields():  # no field given
        return refuse(t("hotline-contact-nothing"))
    row, _ = await in_unit_of_work(
        settings,
        t,
        lambda svc: svc.hotline.set_unit_contact(
            Actor.cli("cli:hotline-contact"), args.unit, contact
        ),
    )
    say(t("hotline-contact-set", unit=row.unit), _contact_line(t, row))
    return 0


_CONTACT_HEADERS = {
    "单位": "unit",
    "unit": "unit",
    "电话": "phone",
    "政策咨询电话": "phone",
    "phone": "phone",
    "邮箱": "email",
    "政策咨询邮箱": "email",
    "email": "email",
    "mailbox": "email",
    "时间": "hours",
    "咨询时间": "hours",
    "hours": "hours",
}


CONTACT_SHEETS = ("政策咨询", "热线", "联系方式", "contacts", "hotline")


def read_contact_sheet(path: Path) -> list[tuple[int, dict[str, str | None]]]:
    """(row number, {unit, phone?, email?, hours?}) from an .xlsx (the sheet named like
    CONTACT_SHEETS, e.g. 政策咨询 in the roster workbook, else the first) or a UTF-8
    or GBK .csv; the header is the first non-empty row. A column that is absent is None
    (left as it is); an empty cell clears the field."""
    data = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl  # noqa: PLC0415

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            # the roster workbook may carry the contacts as a sheet of their own
            ws = next(
                (w for w in wb.worksheets if w.title.strip().lower() in CONTACT_SHEETS),
                wb.worksheets[0],
            )
            rows: list[list[Any]] = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    numbered = [
        (n, r) for n, r in enumerate(rows, start=1) if any(str(c or "").strip() for c in r)
    ]
    if not numbered:
        raise ValueError("empty")
    header_row, header = numbered[0]
    fields = [_CONTACT_HEADERS.get(str(c or "").strip().lower()) for c in header]
    if "unit" not in fields or not {"phone", "email", "hours"} & set(fields):
        raise ValueError("header")
    out = []
    for n, cells in numbered[1:]:
        values: dict[str, str | None] = {}
        for field, cell in zip(fields, cells, strict=False):
            if field is not None:
                values[field] = "" if cell is None else str(cell).strip()
        out.append((n, values))
    return out


class _Refused(Exception):
    """A row of the sheet is wrong: nothing of the sheet is written."""


@command
async def cmd_hotline_contacts(args: argparse.Namespace, settings: Settings) -> int:
    """Print every unit's policy contacts; with --import, set them from a sheet first."""
    t = translator(settings, args.lang)
    sheet: list[tuple[int, dict[str, str | None]]] = []
    if args.import_file is not None:
        try:
            sheet = read_contact_sheet(args.import_file)
        except (OSError, ValueError, UnicodeDecodeError):
            return refuse(t("hotline-contact-import-header", path=str(args.import_file)), code=1)
    actor = Actor.cli("cli:hotline-contacts")
    problems: list[str] = []

    async def work(svc: Services) -> list[UnitContactRow]:
        for n, values in sheet:
            try:  # each row is checked before anything of it is written
                await svc.hotline.set_unit_contact(
                    actor,
                    values.get("unit") or "",
                    ContactFields(values.get("phone"), values.get("email"), values.get("hours")),
                )
            except DomainError as exc:
                problem = t(exc.key, **exc.args_)
                path = str(args.import_file)
                problems.append(t("hotline-contact-import-bad", path=path, row=n, problem=problem))
        if problems:
            raise _Refused()  # all rows or none: roll the good ones back
        return await svc.hotline.unit_contacts(actor)

    try:
        rows, _ = await in_unit_of_work(settings, t, work)
    except _Refused:
        say(*problems, err=True)
        return 1
    if sheet:
        say(t("hotline-contact-import-done", path=str(args.import_file), count=len(sheet)))
    say(*(_contact_line(t, row) for row in rows))
    return 0
