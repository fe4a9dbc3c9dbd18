"""`muster kb check|reload|search`, `muster hotline queue|show`."""

from __future__ import annotations

import argparse
import sys

from bot import kb
from bot.actor import Actor
from bot.app import App
from bot.config import Settings
from bot.errors import DomainError
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

    hl = sub.add_parser("hotline", help="hotline tickets handed to the office")
    hl_sub = hl.add_subparsers(dest="hotline_command", required=True)
    que = hl_sub.add_parser("queue", help="tickets not closed, waiting ones first")
    que.add_argument("--all", action="store_true", help="closed tickets too")
    que.set_defaults(func=cmd_hotline_queue)
    show = hl_sub.add_parser("show", help="one ticket with its thread")
    show.add_argument("number", help="ticket number, e.g. H000012")
    show.set_defaults(func=cmd_hotline_show)


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
        asker = "(anonymous)" if s.anonymous else f"{s.asker_name} {s.asker_employee_no}"
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
    asker = (
        "(anonymous)" if s.anonymous else f"{s.asker_name} {s.asker_employee_no} {s.asker_unit}"
    )
    print(f"{s.number}  {s.status}  asked {t.time(s.created_at)} by {asker}")
    if detail.faq_hint:
        print(f"closest FAQ entry: {detail.faq_hint}")
    for m in detail.messages:
        who = f"office ({m.author_name or 'cli'})" if m.sender == "office" else "asker"
        print(f"\n[{t.time(m.at)}] {who}:\n{m.text}")
    return 0
