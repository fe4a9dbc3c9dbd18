"""`muster kb check|reload|search|gaps`, `muster hotline queue|show|contact|contacts`."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import kb
from bot.actor import Actor
from bot.app import App
from bot.cli.common import fail, plain, translator
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.reports.hotline_gaps import write_gaps_xlsx
from bot.services.hotline import UnitContactRow
from storage.models_hotline import parse_ticket_number


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb_cmd = sub.add_parser("kb", help="the hotline knowledge base (content/kb)")
    kb_sub = kb_cmd.add_subparsers(dest="kb_command", required=True)
    chk = kb_sub.add_parser(
        "check", help="validate FAQ entries and policy documents; non-zero exit on errors"
    )
    chk.set_defaults(func=cmd_kb_check)
    rel = kb_sub.add_parser(
        "reload", help="validate, then make every running bot load the content (no restart)"
    )
    rel.set_defaults(func=cmd_kb_reload)
    srch = kb_sub.add_parser("search", help="show what the hotline would answer to a question")
    srch.add_argument("question")
    srch.add_argument("--locale", default=None, help="zh_CN or en (default: the deployment's)")
    srch.set_defaults(func=cmd_kb_search)

    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LOCALES, help="language of the output (default zh_CN)")
    gaps = kb_sub.add_parser(
        "gaps",
        parents=[lang],
        help="questions with no confident answer or handed to a person, grouped, largest first",
    )
    gaps.add_argument("--since", help="only questions asked since this local date (YYYY-MM-DD)")
    gaps.add_argument("--out", type=Path, help="also export the groups and questions (.xlsx)")
    gaps.add_argument("--limit", type=int, default=20, help="groups listed (default 20)")
    gaps.set_defaults(func=cmd_kb_gaps)

    hl = sub.add_parser("hotline", help="hotline tickets handed to the office")
    hl_sub = hl.add_subparsers(dest="hotline_command", required=True)
    que = hl_sub.add_parser("queue", help="tickets not closed, waiting ones first")
    que.add_argument("--all", action="store_true", help="closed tickets too")
    que.set_defaults(func=cmd_hotline_queue)
    show = hl_sub.add_parser("show", help="one ticket with its thread")
    show.add_argument("number", help="ticket number, e.g. H000012")
    show.set_defaults(func=cmd_hotline_show)
    con = hl_sub.add_parser(
        "contact",
        parents=[lang],
        help="set a unit's own policy phone, mailbox and hours (its people see them)",
    )
    con.add_argument("unit", help="unit name, e.g. 城关派出所")
    con.add_argument("--phone", help="policy phone (\"\" clears it: the parent's or bureau's)")
    con.add_argument("--email", help="policy mailbox")
    con.add_argument("--hours", help="hours on working days, e.g. 8:30-17:30")
    con.set_defaults(func=cmd_hotline_contact)
    cons = hl_sub.add_parser(
        "contacts",
        parents=[lang],
        help="every unit's policy contacts as its people see them; --import a sheet of them",
    )
    cons.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        help=".xlsx (its sheet 政策咨询, else the first) or .csv with columns 单位, 电话, 邮箱, "
        "时间 (all rows or none)",
    )
    cons.set_defaults(func=cmd_hotline_contacts)


async def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    content, problems = kb.check(settings.content_dir)
    for problem in problems:
        print(problem, file=sys.stderr if problem.error else sys.stdout)
    if content is None:
        errors = sum(1 for p in problems if p.error)
        print(f"knowledge base has {errors} error(s)", file=sys.stderr)
        return 1
    articles = sum(
        len(doc.articles) for by_locale in content.docs.values() for doc in by_locale.values()
    )
    sample = " (sample content: replace it with the unit's own rules)" if content.sample else ""
    print(
        f"knowledge base OK: {len(content.faqs)} entries, {len(content.docs)} documents, "
        f"{articles} articles in all locales{sample}"
    )
    return 0


async def cmd_kb_reload(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            result = await svc.hotline.reload_kb(Actor.cli("cli:kb-reload"))
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    changed = "new content" if result.changed else "content unchanged"
    print(
        f"knowledge base generation {result.generation}: {result.entries} entries ({changed}); "
        "running bots load it with their next question"
    )
    return 0


async def cmd_kb_search(args: argparse.Namespace, settings: Settings) -> int:
    try:
        loaded = kb.Loaded(content := kb.load(settings.content_dir), kb.build_index(content), 0)
    except kb.KbError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    locale = args.locale or settings.default_locale
    result = loaded.search(args.question, k=3)
    print(f"confidence: {result.confidence}")
    for hit in result.hits:
        faq = content.faqs[hit.doc_id]
        print(
            f"  {hit.doc_id:<24} score {hit.score:6.2f}  coverage {hit.coverage:.2f}  "
            f"{faq.text(locale).question}"
        )
    return 0


async def cmd_hotline_queue(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            tickets = await svc.hotline.queue(
                Actor.cli("cli:hotline"), include_closed=args.all, limit=10_000
            )
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    if not tickets:
        print("no hotline tickets")
        return 0
    t = app.text_translator()
    print(f"{'ticket':<8} {'status':<9} {'asker':<24} {'last activity':<16} {'due':<16} question")
    for s in tickets:
        asker = "(anonymous)" if s.anonymous else "(named)"  # names: "show asker", a reason
        due = t.time(s.reply_due_at) + (" LATE" if s.overdue else "")
        print(
            f"{s.number:<8} {s.status:<9} {asker:<24} {t.time(s.last_activity_at):<16} "
            f"{due:<16} {s.preview}"
        )
    waiting = sum(1 for s in tickets if s.status == "open")
    late = sum(1 for s in tickets if s.overdue)
    print(f"{len(tickets)} tickets, {waiting} waiting for a reply, {late} over one working day")
    return 0


async def cmd_hotline_show(args: argparse.Namespace, settings: Settings) -> int:
    ticket_id = parse_ticket_number(args.number)
    if ticket_id is None:
        print(f"muster: not a ticket number: {args.number!r} (e.g. H000012)", file=sys.stderr)
        return 2
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            detail = await svc.hotline.ticket(Actor.cli("cli:hotline"), ticket_id)
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    t = app.text_translator()
    s = detail.summary
    asker = "(anonymous)" if s.anonymous else "(named: the console or chat shows the asker)"
    print(f"{s.number}  {s.status}  asked {t.time(s.created_at)} by {asker}")
    if detail.faq_hint:
        print(f"closest FAQ entry: {detail.faq_hint}")
    for m in detail.messages:
        who = f"office ({m.author_name or 'cli'})" if m.sender == "office" else "asker"
        print(f"\n[{t.time(m.at)}] {who}:\n{m.text}")
    return 0


# --- gaps ---------------------------------------------------------------------------------


async def cmd_kb_gaps(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=settings.tz)
        except ValueError:
            print(f"muster: not a date: {args.since!r} (e.g. 2026-12-01)", file=sys.stderr)
            return 2
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            groups = await svc.hotline.gaps(Actor.cli("cli:kb-gaps"), since=since)
    except DomainError as exc:
        return fail(t, exc)
    finally:
        await app.close()
    if not groups:
        print(t("kb-gaps-none"))
        return 0
    questions = sum(g.count for g in groups)
    print(plain(t("kb-gaps-title", questions=questions, groups=len(groups))))
    for g in groups[: max(args.limit, 0)]:
        now = t("kb-gaps-now", faq=g.answered_now) if g.answered_now else ""
        print(
            plain(
                t(
                    "kb-gaps-group",
                    number=g.number,
                    count=g.count,
                    last=t.time(g.last_at),
                    tickets=g.tickets,
                    hint=g.faq_hint or t("kb-gaps-no-hint"),
                    now=now,
                    example=g.example,
                )
            )
        )
    if args.out:
        write_gaps_xlsx(args.out, groups, t=t)
        print(t("kb-gaps-exported", path=str(args.out), groups=len(groups), questions=questions))
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
    e = row.effective
    return plain(
        t(
            "hotline-contact-line",
            unit=row.unit,
            phone=e.phone,
            email=e.email,
            hours=e.hours,
            **{"from": origin},
        )
    )


async def cmd_hotline_contact(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    if args.phone is None and args.email is None and args.hours is None:
        print(t("hotline-contact-nothing"), file=sys.stderr)
        return 2
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            row = await svc.hotline.set_unit_contact(
                Actor.cli("cli:hotline-contact"),
                args.unit,
                phone=args.phone,
                email=args.email,
                hours=args.hours,
            )
    except DomainError as exc:
        return fail(t, exc)
    finally:
        await app.close()
    print(t("hotline-contact-set", unit=row.unit))
    print(_contact_line(t, row))
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


async def cmd_hotline_contacts(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    sheet: list[tuple[int, dict[str, str | None]]] = []
    if args.import_file is not None:
        try:
            sheet = read_contact_sheet(args.import_file)
        except (OSError, ValueError, UnicodeDecodeError):
            print(t("hotline-contact-import-header", path=str(args.import_file)), file=sys.stderr)
            return 1
    app = await App.open(settings)
    actor = Actor.cli("cli:hotline-contacts")
    problems: list[str] = []
    try:
        async with app.unit_of_work() as svc:
            for n, values in sheet:
                try:  # each row is checked before anything of it is written
                    await svc.hotline.set_unit_contact(
                        actor,
                        values.get("unit") or "",
                        phone=values.get("phone"),
                        email=values.get("email"),
                        hours=values.get("hours"),
                    )
                except DomainError as exc:
                    problem = plain(t(exc.key, **exc.args_))
                    path = str(args.import_file)
                    problems.append(
                        t("hotline-contact-import-bad", path=path, row=n, problem=problem)
                    )
            if problems:
                raise _Refused()  # all rows or none: roll the good ones back
            rows = await svc.hotline.unit_contacts(actor)
    except _Refused:
        for line in problems:
            print(line, file=sys.stderr)
        return 1
    except DomainError as exc:
        return fail(t, exc)
    finally:
        await app.close()
    if sheet:
        print(t("hotline-contact-import-done", path=str(args.import_file), count=len(sheet)))
    for row in rows:
        print(_contact_line(t, row))
    return 0
