"""`muster db upgrade`, `muster audit verify`, `muster invite`, `muster unbind`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.actor import Actor
from bot.app import App
from bot.config import Settings
from bot.errors import DomainError
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
    ver = au_sub.add_parser("verify", help="walk the hash chain; non-zero exit on a broken link")
    ver.set_defaults(func=cmd_audit_verify)

    inv = sub.add_parser("invite", help="issue one-time invite codes for unbound people")
    inv.add_argument("--unit", help="only people of this unit")
    inv.add_argument("--person", metavar="EMPLOYEE_NO", help="only this person")
    inv.add_argument("--out", required=True, type=Path, help="CSV file to write")
    inv.set_defaults(func=cmd_invite)

    unb = sub.add_parser("unbind", help="unbind a person's chat account (e.g. a lost phone)")
    unb.add_argument("employee_no")
    unb.add_argument("--reason", default=None)
    unb.set_defaults(func=cmd_unbind)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("schema is up to date")
    return 0


async def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.sessionmaker() as session:
            count, broken = await audit.verify(session)
    finally:
        await app.close()
    if broken is not None:
        print(
            f"audit chain BROKEN at event {broken.seq}: {broken.reason} "
            f"({count} events before it are intact)",
            file=sys.stderr,
        )
        return 1
    print(f"audit chain intact: {count} events")
    return 0


async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            issued = await svc.registration.issue_codes(
                Actor.cli("cli:invite"), unit=args.unit, employee_no=args.person
            )
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    write_csv(
        args.out,
        ["工号", "姓名", "单位", "邀请码", "有效期至", "链接"],
        (
            [
                item.person.employee_no,
                item.person.name,
                item.person.unit.name,
                item.code,
                item.expires_at_iso,
                item.deep_link,
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
                Actor.cli("cli:unbind"), args.employee_no, reason=args.reason
            )
    except DomainError as exc:
        print(f"muster: {app.text_translator('en')(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(f"{count} account(s) unbound for {args.employee_no}")
    return 0
