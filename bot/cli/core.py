"""`muster db upgrade`, `muster audit verify|head`, `muster invite`, `muster unbind`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.actor import Actor
from bot.app import App
from bot.cli.common import fail, translator
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.sheets.writer import write_csv
from storage import audit
from storage.db import make_engine, upgrade


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="create or upgrade the schema to the newest version")
    up.set_defaults(func=cmd_db_upgrade)

    au = sub.add_parser("audit", help="the audit chain")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    au_lang = argparse.ArgumentParser(add_help=False)
    au_lang.add_argument("--lang", choices=LOCALES, help="language of the output (default zh_CN)")
    ver = au_sub.add_parser(
        "verify",
        parents=[au_lang],
        help="check the keyed chain and every evidence table; exit 1 naming what is wrong",
    )
    ver.add_argument(
        "--head",
        metavar="N:HASH",
        help="a head recorded earlier with `muster audit head`: prove it is still in the chain",
    )
    ver.set_defaults(func=cmd_audit_verify)
    hd = au_sub.add_parser(
        "head", parents=[au_lang], help="the newest chained event, to record outside the database"
    )
    hd.set_defaults(func=cmd_audit_head)

    inv = sub.add_parser("invite", help="issue one-time invite codes for unbound people")
    inv.add_argument("--unit", help="only people of this unit")
    inv.add_argument("--person", metavar="EMPLOYEE_NO", help="only this person")
    inv.add_argument("--out", required=True, type=Path, help="CSV file to write")
    inv.add_argument(
        "--also-bound",
        action="store_true",
        help="people with a chat account too: a code for another channel (the web chat)",
    )
    inv.set_defaults(func=cmd_invite)

    unb = sub.add_parser("unbind", help="unbind a person's chat account (e.g. a lost phone)")
    unb.add_argument("employee_no")
    unb.add_argument("--reason", default=None)
    unb.add_argument("--channel", default=None, help="only the account on this channel (web...)")
    unb.set_defaults(func=cmd_unbind)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("schema is up to date")
    return 0


def _problem(t: Translator, problem: audit.Broken) -> str:
    args = {k: str(v) for k, v in problem.args.items()}  # numbers without grouping
    return t(problem.key, **args)


async def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, args.lang)
    key = settings.audit_key_bytes
    if key is None:
        print(f"muster: {t('audit-no-key')}", file=sys.stderr)
        return 2
    recorded = None
    if args.head is not None:
        recorded = audit.parse_head(args.head)
        if recorded is None:
            print(f"muster: {t('audit-bad-head', value=args.head)}", file=sys.stderr)
            return 2
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
        print("\n".join(lines), file=sys.stderr)
        return 1
    print(t("audit-intact", **counts))
    seq, digest = report.head
    print(t("audit-head-line", seq=str(seq), hash=digest))
    if recorded is not None:
        print(t("audit-recorded-ok", seq=str(recorded[0])))
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
    print(t("audit-head-line", seq=str(seq), hash=digest))
    print(t("audit-head-record", head=f"{seq}:{digest}"))
    if pending:
        print(t("audit-head-pending", pending=pending))
    return 0


async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings, None)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            issued = await svc.registration.issue_codes(
                Actor.cli("cli:invite"),
                unit=args.unit,
                employee_no=args.person,
                also_bound=args.also_bound,
            )
    except DomainError as exc:
        return fail(t, exc)
    finally:
        await app.close()
    write_csv(
        args.out,
        ["工号", "姓名", "单位", "邀请码", "有效期至", "链接", t("invite-web-link")],
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
    print(f"{len(issued)} codes written to {args.out}")
    return 0


async def cmd_unbind(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            count = await svc.registration.unbind(
                Actor.cli("cli:unbind"), args.employee_no, reason=args.reason, channel=args.channel
            )
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(f"{count} account(s) unbound for {args.employee_no}")
    return 0
