"""`muster db upgrade`, `muster audit verify|head`, `muster invite`, `muster unbind`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.actor import Actor
from bot.app import App
from bot.cli.common import refuse, say, subcommands, translator
from bot.cli.office import command, in_unit_of_work
from bot.config import Settings
from bot.i18n import Translator
from bot.sheets.writer import write_csv
from storage import audit
from storage.db import make_engine, upgrade

INVITE_COLUMNS = ("employee-no", "name", "unit", "code", "expires", "link", "web-link")


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    subcommands(sub, t, "db")("upgrade", cmd_db_upgrade)

    audit_cmd = subcommands(sub, t, "audit")
    ver = audit_cmd("verify", cmd_audit_verify)
    ver.add_argument("--head", metavar="N:HASH", help=t("cli-help-audit-verify-head"))
    audit_cmd("head", cmd_audit_head)

    inv = sub.add_parser("invite", help=t("cli-help-invite"))
    inv.add_argument("--unit", metavar="UNIT", help=t("cli-help-invite-unit"))
    inv.add_argument("--person", metavar="EMPLOYEE_NO", help=t("cli-help-invite-person"))
    inv.add_argument(
        "--out", required=True, type=Path, metavar="FILE.csv", help=t("cli-help-invite-out")
    )
    inv.add_argument("--also-bound", action="store_true", help=t("cli-help-invite-also-bound"))
    inv.set_defaults(func=cmd_invite)

    unb = sub.add_parser("unbind", help=t("cli-help-unbind"))
    unb.add_argument("employee_no", metavar="EMPLOYEE_NO")
    unb.add_argument("--reason", metavar="TEXT", default=None, help=t("cli-help-unbind-reason"))
    unb.add_argument(
        "--channel", metavar="CHANNEL", default=None, help=t("cli-help-unbind-channel")
    )
    unb.set_defaults(func=cmd_unbind)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Create the schema, or upgrade it to the newest migration."""
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    say(translator(settings, args.lang)("cli-db-upgraded"))
    return 0


def _problem(t: Translator, problem: audit.Broken) -> str:
    args = {k: str(v) for k, v in problem.args.items()}  # numbers without grouping
    return t(problem.key, **args)


async def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    key = settings.audit_key_bytes
    if key is None:
        return refuse(t("audit-no-key"))
    recorded = None
    if args.head is not None:
        recorded = audit.parse_head(args.head)
        if recorded is None:
            return refuse(t("audit-bad-head", value=args.head))
    app = await App.open(settings)
    try:
        async with app.sessionmaker() as session:
            report = await audit.check(session, key, head=recorded)
    finally:
        await app.close()
    counts = {
        "chained": report.chained,
        "pending": report.pending,
        "evidence": report.evidence,
    }
    if not report.intact:
        lines = [t("audit-broken", **counts)]
        lines += [f"  - {_problem(t, p)}" for p in report.problems]
        say(*lines, err=True)
        return 1
    seq, digest = report.head
    say(t("audit-intact", **counts), t("audit-head-line", seq=str(seq), hash=digest))
    if recorded is not None:
        say(t("audit-recorded-ok", seq=str(recorded[0])))
    return 0


async def cmd_audit_head(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.sessionmaker() as session:
            seq, digest = await audit.head_of(session)
            pending = await audit.unchained(session)
    finally:
        await app.close()
    say(
        t("audit-head-line", seq=str(seq), hash=digest),
        t("audit-head-record", head=f"{seq}:{digest}"),
    )
    if pending:
        say(t("audit-head-pending", pending=pending))
    return 0


@command
async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    """Issue invite codes and write them to a CSV file."""
    t = translator(settings, args.lang)
    issued, _ = await in_unit_of_work(
        settings,
        t,
        lambda svc: svc.registration.issue_codes(
            Actor.cli("cli:invite"),
            unit=args.unit,
            employee_no=args.person,
            also_bound=args.also_bound,
        ),
    )
    write_csv(
        args.out,
        [t(f"cli-invite-col-{c}") for c in INVITE_COLUMNS],
        (
            [
                item.person.employee_no,
                item.person.name,
                item.person.unit.name,
                item.code,
                item.expires_at_iso,
                item.deep_link,
                item.web_link,
            ]
            for item in issued
        ),
    )
    say(t("cli-invite-written", count=len(issued), path=str(args.out)))
    return 0


@command
async def cmd_unbind(args: argparse.Namespace, settings: Settings) -> int:
    """Unbind a person's chat accounts."""
    t = translator(settings, args.lang)
    count, _ = await in_unit_of_work(
        settings,
        t,
        lambda svc: svc.registration.unbind(
            Actor.cli("cli:unbind"), args.employee_no, reason=args.reason, channel=args.channel
        ),
    )
    say(t("cli-unbound", count=count, employee_no=args.employee_no))
    return 0
