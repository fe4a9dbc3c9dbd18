"""`muster tick`, `muster escalations`."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bot.actor import Actor
from bot.app import App
from bot.cli.common import local_time, translator
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from bot.errors import DomainError
from scheduled.jobs import run_tick, simulate_tick

FUTURE_SLACK = timedelta(minutes=1)  # a --now typed a moment ago is not "the future"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tk = sub.add_parser("tick", help="run one deadline-engine tick (reminders, escalations)")
    tk.add_argument("--now", help="local time to run at, e.g. 2026-12-01T12:00 (default: now)")
    tk.add_argument(
        "--simulate",
        action="store_true",
        help="only compute and print what the tick would do; write nothing",
    )
    tk.set_defaults(func=cmd_tick)

    esc = sub.add_parser("escalations", help="open escalations with level and who was told")
    esc.add_argument("--unit", help="only this unit (and its sub-units)")
    esc.set_defaults(func=cmd_escalations)


async def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    clock = None
    if args.now:
        at = local_time(args.now, settings)
        if at is None:
            print(f"muster: not a time: {args.now!r} (use 2026-12-01T12:00)", file=sys.stderr)
            return 2
        if at > SystemClock().now() + FUTURE_SLACK and not args.simulate:
            # a real tick at a future time would escalate and hold digests for real
            t = translator(settings, None)
            print(f"muster: {t('tick-future-refused', at=args.now)}", file=sys.stderr)
            return 2
        clock = FrozenClock(at)
    app = await App.open(settings, clock=clock)
    try:
        report = await (simulate_tick(app) if args.simulate else run_tick(app))
    finally:
        await app.close()
    if args.simulate:
        print(app.text_translator()("tick-simulated"))
    levels = ", ".join(f"L{k}: {v}" for k, v in report.escalated.items())
    print(
        f"tick at {app.clock.now().astimezone(settings.tz):%Y-%m-%d %H:%M}: "
        f"{report.claimed} due items, {report.reminders} reminders, escalated {levels}, "
        f"{report.digests} digests, {report.cancelled_left} cancelled (left), "
        f"{report.unreachable_notes} cannot-reach notes queued"
    )
    return 0


async def cmd_escalations(args: argparse.Namespace, settings: Settings) -> int:
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            items = await svc.escalations.open_escalations(
                Actor.cli("cli:escalations"), unit=args.unit, locale=settings.default_locale
            )
    except DomainError as exc:
        print(f"muster: {app.text_translator()(exc.key, **exc.args_)}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    if not items:
        print("no open escalations")
        return 0
    t = app.text_translator()
    print(
        f"{'unit':<16} {'name':<10} {'emp':<8} {'lvl':<3} {'due':<16} {'since':<16} notified  task"
    )
    for it in items:
        print(
            f"{it.unit:<16} {it.name:<10} {it.employee_no:<8} L{it.level:<2} "
            f"{t.time(it.due_at):<16} {t.time(it.since):<16} {it.notified:<9} {it.title}"
        )
    print(f"{len(items)} open escalations")
    return 0
