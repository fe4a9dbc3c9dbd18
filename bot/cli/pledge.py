"""`muster pledge publish|status|export|receipt`: the office's pledge commands."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.actor import Actor
from bot.cli.common import say
from bot.cli.common import translator as _translator
from bot.cli.office import (
    PERSON_COLUMNS,
    KindCommands,
    add_kind_commands,
    add_out,
    command,
    in_unit_of_work,
    status_lines,
    table,
)
from bot.config import Settings
from bot.i18n import Translator
from bot.reports.pledge_export import UNIT_COLUMNS, write_pledge_export
from bot.reports.receipt import render_receipt
from bot.reports.receipt_pdf import render_receipt_pdf, system_font
from bot.reports.task_states import state_columns, with_note
from bot.services import Services
from bot.services.pledges import PledgeStatus
from bot.services.tasks import PublishResult

ACTOR = "cli:pledge"


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    pledge = add_kind_commands(sub, t, PLEDGE, export=cmd_pledge_export)
    rec = pledge("receipt", cmd_pledge_receipt)
    rec.add_argument(
        "signature_no", metavar="SIGNATURE_NO", help=t("cli-help-pledge-receipt-number")
    )
    add_out(rec, t, "FILE.pdf|FILE.html")


def _published(t: Translator, result: PublishResult) -> list[str]:
    """The hash of each language's text, and the training the pledge needs first."""
    lines = [
        t("pledge-cli-sha", locale=loc, sha=sha) for loc, sha in sorted(result.hashes.items())
    ]
    if result.prerequisite is not None:
        first = result.prerequisite
        lines.append(
            t("pledge-cli-training", module=first.title(t.locale), assigned=first.assigned)
        )
    return lines


def render_status(t: Translator, status: PledgeStatus, *, now: datetime) -> list[str]:
    """The status as terminal lines: a table per unit, then the pending people."""
    flag = t("report-overdue-flag")
    more, counts = state_columns(status.units)
    return status_lines(
        t,
        "pledge",
        status,
        now,
        key_arg="pledge",
        columns=(*UNIT_COLUMNS, *more),
        units=[
            (u.unit, u.assigned, u.signed, u.pending, u.overdue, u.excused, *counts(u))
            for u in status.units
        ],
        total_key="report-total",
        pending_columns=[f"report-col-{c}" for c in (*PERSON_COLUMNS, "status")],
        pending=[[with_note(t, p, flag if p.overdue else "")] for p in status.pending],
    )


PLEDGE = KindCommands("pledge", "pledge", lambda svc: svc.pledges, _published, render_status)


@command
async def cmd_pledge_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the signing status of every assigned person to an .xlsx file."""
    t = _translator(settings, args.lang)

    async def work(svc: Services) -> tuple[list[dict[str, object]], int]:
        rows = await svc.pledges.export_rows(Actor.cli(ACTOR), args.key)
        return rows, await svc.pledges.latest_version(args.key)

    (rows, version), now = await in_unit_of_work(settings, t, work)
    write_pledge_export(args.out, rows, t=t, version=version, now=now)
    say(t("pledge-cli-exported", count=len(rows), path=str(args.out)))
    return 0


@command
async def cmd_pledge_receipt(args: argparse.Namespace, settings: Settings) -> int:
    """Write a printable receipt of one signature for the personnel file: a PDF when the
    file name ends in .pdf (a CJK font must be installed), else the HTML page."""
    t = _translator(settings, args.lang)
    as_pdf = args.out.suffix.lower() == ".pdf"

    async def work(svc: Services) -> tuple[str, bytes]:
        number = args.signature_no.strip().upper()
        sig, text, person = await svc.pledges.receipt(Actor.cli(ACTOR), number)
        now = svc.clock.now()
        if as_pdf:
            pdf = render_receipt_pdf(
                t, signature=sig, text=text, person=person, generated_at=now, font=system_font()
            )
            return sig.signature_no, pdf
        page = render_receipt(t, signature=sig, text=text, person=person, generated_at=now)
        return sig.signature_no, page.encode("utf-8")

    (number, content), _ = await in_unit_of_work(settings, t, work)
    args.out.write_bytes(content)
    key = "pledge-cli-receipt-pdf-written" if as_pdf else "pledge-cli-receipt-written"
    say(t(key, number=number, path=str(args.out)))
    return 0


__all__ = ["register", "render_status", "table"]
