"""`muster pledge publish|status|export|receipt`: the office's pledge commands."""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, local_time
from bot.cli.common import fail as _fail
from bot.cli.common import translator as _translator
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.reports.pledge_export import write_pledge_export
from bot.reports.receipt import render_receipt
from bot.services.pledges import PledgeStatus


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pledge = sub.add_parser("pledge", help="publish pledges, see who signed, export, receipts")
    pledge_sub = pledge.add_subparsers(dest="pledge_command", required=True)
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LOCALES, help="language of the output (default zh_CN)")

    pub = pledge_sub.add_parser(
        "publish",
        parents=[lang],
        help="freeze the current text as a version and assign it to an audience",
    )
    pub.add_argument("key", help="pledge key, e.g. confidentiality")
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
    pub.set_defaults(func=cmd_pledge_publish)

    st = pledge_sub.add_parser(
        "status", parents=[lang], help="counts per unit and who is pending (latest version)"
    )
    st.add_argument("key")
    st.add_argument("--unit", metavar="NAME", help="only this unit and the units under it")
    st.set_defaults(func=cmd_pledge_status)

    exp = pledge_sub.add_parser(
        "export", parents=[lang], help="one row per assigned person and a summary per unit"
    )
    exp.add_argument("key")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    exp.set_defaults(func=cmd_pledge_export)

    rec = pledge_sub.add_parser(
        "receipt", parents=[lang], help="a printable HTML receipt of one signature"
    )
    rec.add_argument("signature_no", metavar="SIGNATURE_NO", help="e.g. QS00000042")
    rec.add_argument("--out", required=True, type=Path, metavar="FILE.html")
    rec.set_defaults(func=cmd_pledge_receipt)


async def cmd_pledge_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish a pledge to an audience and print the version, counts and hashes."""
    t = _translator(settings, args.lang)
    due_at = local_time(args.due, settings) if args.due else None
    if args.due and due_at is None:
        return bad_time(t, "pledge-cli-bad-due", args.due, settings)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            result = await svc.pledges.publish(
                Actor.cli("cli:pledge"), args.key, audience=args.audience, due_at=due_at
            )
            docs = svc.pledges.documents(args.key)
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    doc = docs.get(t.locale) or docs["zh_CN"]
    print(
        t(
            "pledge-cli-published",
            title=doc.title,
            pledge=result.key,
            version=str(result.version),
            new="yes" if result.new_version else "no",
        )
    )
    print(t("pledge-cli-assigned", assigned=result.assigned, replaced=result.replaced))
    if due_at is not None:
        print(t("pledge-cli-due", due=t.time(due_at), tz=settings.timezone))
    for locale, sha in sorted(result.sha256.items()):
        print(t("pledge-cli-sha", locale=locale, sha=sha))
    return 0


async def cmd_pledge_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print counts per unit and the pending list of the latest version."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            status = await svc.pledges.status(Actor.cli("cli:pledge"), args.key, unit=args.unit)
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    print("\n".join(render_status(t, status, now=app.clock.now())))
    return 0


def render_status(t: Translator, status: PledgeStatus, *, now: datetime) -> list[str]:
    """The status as terminal lines: a table per unit, then the pending people."""
    lines = [
        t(
            "pledge-cli-status-title",
            pledge=status.key,
            version=str(status.version),
            now=t.time(now),
        )
    ]
    if not status.units:
        lines.append(t("pledge-cli-status-empty"))
        return lines
    counts: list[list[Any]] = [
        [u.unit, u.assigned, u.signed, u.pending, u.overdue] for u in status.units
    ]
    counts.append([t("report-total"), *(sum(c[i] for c in counts) for i in range(1, 5))])
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "report-col-unit",
                    "report-col-assigned",
                    "report-col-signed",
                    "report-col-pending",
                    "report-col-overdue",
                )
            ],
            [[str(v) for v in row] for row in counts],
            numeric={1, 2, 3, 4},
        )
    )
    lines.append("")
    if not status.pending:
        lines.append(t("pledge-cli-pending-none"))
        return lines
    lines.append(t("pledge-cli-pending-title", count=len(status.pending)))
    flag = t("report-overdue-flag")
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "report-col-unit",
                    "report-col-name",
                    "report-col-employee-no",
                    "report-col-due",
                    "report-col-status",
                )
            ],
            [
                [p.unit, p.name, p.employee_no, t.time(p.due_at), flag if p.overdue else ""]
                for p in status.pending
            ],
        )
    )
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


async def cmd_pledge_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the signing status of every assigned person to an .xlsx file."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            actor = Actor.cli("cli:pledge")
            rows = await svc.pledges.export_rows(actor, args.key)
            version = await svc.pledges.latest_version(args.key)
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    write_pledge_export(args.out, rows, t=t, version=version, now=app.clock.now())
    print(t("pledge-cli-exported", count=len(rows), path=str(args.out)))
    return 0


async def cmd_pledge_receipt(args: argparse.Namespace, settings: Settings) -> int:
    """Write a printable HTML receipt of one signature for the personnel file."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            sig, text, person = await svc.pledges.receipt(
                Actor.cli("cli:pledge"), args.signature_no.strip().upper()
            )
            page = render_receipt(
                t, signature=sig, text=text, person=person, generated_at=app.clock.now()
            )
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    args.out.write_text(page, encoding="utf-8")
    print(t("pledge-cli-receipt-written", number=sig.signature_no, path=str(args.out)))
    return 0
