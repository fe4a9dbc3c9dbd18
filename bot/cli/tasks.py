"""`muster tick`, `muster escalations`."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, local_time, refuse, say, table, translator
from bot.cli.office import command, opened_app
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from bot.i18n import Translator
from scheduled.jobs import run_tick, simulate_tick

FUTURE_SLACK = timedelta(minutes=1)  # a --now typed a moment ago is not "the future"
OFFICE_LEVEL = 3  # the last rung of the ladder: the office itself was told


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    tk = sub.add_parser("tick", help=t("cli-help-tick"))
    tk.add_argument("--now", metavar="YYYY-MM-DDTHH:MM", help=t("cli-help-tick-now"))
    tk.add_argument("--simulate", action="store_true", help=t("cli-help-tick-simulate"))
    tk.set_defaults(func=cmd_tick)

    esc = sub.add_parser("escalations", help=t("cli-help-escalations"))
    esc.add_argument("--unit", metavar="UNIT", help=t("cli-help-unit-and-below"))
    esc.set_defaults(func=cmd_escalations)


async def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    """Run one round of the deadline engine (or compute it, with --simulate)."""
    t = translator(settings, args.lang)
    clock = None
    if args.now:
        at = local_time(args.now, settings)
        if at is None:
            return bad_time(t, "cli-tick-bad-now", args.now, settings)
        if at > SystemClock().now() + FUTURE_SLACK and not args.simulate:
            # a real tick at a future time would escalate and hold digests for real
            return refuse(t("tick-future-refused", at=args.now))
        clock = FrozenClock(at)
    app = await App.open(settings, clock=clock)
    try:
        report = await (simulate_tick(app) if args.simulate else run_tick(app))
    finally:
        await app.close()
    if args.simulate:
        say(t("tick-simulated"))
    say(
        t(
            "cli-tick-done",
            at=t.time(app.clock.now()),
            due=report.claimed,
            reminders=report.reminders,
            mentors=report.escalated.get(1, 0),
            leaders=report.escalated.get(2, 0),
            office=report.escalated.get(3, 0),
            digests=report.digests,
            left=report.cancelled_left,
            unreachable=report.unreachable_notes,
        )
    )
    return 0


ESCALATION_COLUMNS = ("unit", "name", "employee-no", "level", "due", "since", "notified", "task")


@command
async def cmd_escalations(args: argparse.Namespace, settings: Settings) -> int:
    """List the open escalations: who, which task, which level and who was told."""
    t = translator(settings, args.lang)
    async with opened_app(settings, t) as app, app.unit_of_work() as svc:
        items = await svc.escalations.open_escalations(
            Actor.cli("cli:escalations"), unit=args.unit, locale=t.locale
        )
    if not items:
        say(t("cli-escalations-none"))
        return 0
    rows = [
        [
            it.unit,
            it.name,
            it.employee_no,
            t(f"cli-escalations-level-{it.level}"),
            t.time(it.due_at),
            t.time(it.since),
            it.notified if it.level < OFFICE_LEVEL else t("cli-escalations-office"),
            it.title,
        ]
        for it in items
    ]
    header = [t(f"cli-escalations-col-{c}") for c in ESCALATION_COLUMNS]
    say(*table(header, rows), t("cli-escalations-count", count=len(items)))
    return 0
