"""`muster training publish|status|export|stats`: the office's training commands."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, local_time
from bot.cli.common import fail as _fail
from bot.cli.common import translator as _translator
from bot.cli.pledge import table
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import LOCALES, Translator
from bot.reports.training_export import write_export
from bot.services.training import TrainingStats, TrainingStatus

ACTOR = "cli:training"
QUESTION_WIDTH = 40  # characters of the question text shown in `stats`



def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    training = sub.add_parser(
        "training", help="publish training modules, see who passed, export, question stats"
    )
    training_sub = training.add_subparsers(dest="training_command", required=True)
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LOCALES, help="language of the output (default zh_CN)")

    pub = training_sub.add_parser(
        "publish",
        parents=[lang],
        help="freeze the module's content as a version and assign it to an audience",
    )
    pub.add_argument("key", help="module key, e.g. duties-limits")
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
    pub.set_defaults(func=cmd_training_publish)

    st = training_sub.add_parser(
        "status", parents=[lang], help="counts per unit and who has not passed (latest version)"
    )
    st.add_argument("key")
    st.add_argument("--unit", metavar="NAME", help="only this unit and the units under it")
    st.set_defaults(func=cmd_training_status)

    exp = training_sub.add_parser(
        "export",
        parents=[lang],
        help="one row per person: attempts, best score, completed at, version",
    )
    exp.add_argument("key")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    exp.set_defaults(func=cmd_training_export)

    sta = training_sub.add_parser(
        "stats", parents=[lang], help="for each question, the share of answers that were wrong"
    )
    sta.add_argument("key")
    sta.add_argument("--version", type=int, help="a published version (default: the latest)")
    sta.set_defaults(func=cmd_training_stats)


async def cmd_training_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish a training module to an audience and print the version, counts and hash."""
    t = _translator(settings, args.lang)
    due_at = local_time(args.due, settings) if args.due else None
    if args.due and due_at is None:
        return bad_time(t, "training-cli-bad-due", args.due, settings)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            result = await svc.training.publish(
                Actor.cli(ACTOR), args.key, audience=args.audience, due_at=due_at
            )
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    title = result.titles.get(t.locale) or result.titles["zh_CN"]
    print(
        t(
            "training-cli-published",
            title=title,
            module=result.key,
            version=str(result.version),
            new="yes" if result.new_version else "no",
        )
    )
    print(
        t(
            "training-cli-assigned",
            assigned=result.assigned,
            replaced=result.replaced,
            restarted=result.restarted,
        )
    )
    if due_at is not None:
        print(t("training-cli-due", due=t.time(due_at), tz=settings.timezone))
    print(t("training-cli-sha", sha=result.sha256))
    return 0


async def cmd_training_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print counts per unit and who has not passed the latest version."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            status = await svc.training.status(Actor.cli(ACTOR), args.key, unit=args.unit)
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    print("\n".join(render_status(t, status, now=app.clock.now())))
    return 0


def render_status(t: Translator, status: TrainingStatus, *, now: datetime) -> list[str]:
    """The status as terminal lines: a table per unit, then the people not passed yet."""
    lines = [
        t(
            "training-cli-status-title",
            module=status.key,
            version=str(status.version),
            now=t.time(now),
        )
    ]
    if not status.units:
        lines.append(t("training-cli-status-empty"))
        return lines
    counts: list[list[Any]] = [
        [u.unit, u.assigned, u.passed, u.pending, u.overdue, u.exhausted] for u in status.units
    ]
    counts.append([t("training-total"), *(sum(c[i] for c in counts) for i in range(1, 6))])
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "training-col-unit",
                    "training-col-assigned",
                    "training-col-passed",
                    "training-col-pending",
                    "training-col-overdue",
                    "training-col-exhausted",
                )
            ],
            [[str(v) for v in row] for row in counts],
            numeric={1, 2, 3, 4, 5},
        )
    )
    lines.append("")
    if not status.pending:
        lines.append(t("training-cli-pending-none"))
        return lines
    lines.append(t("training-cli-pending-title", count=len(status.pending)))
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "training-col-unit",
                    "training-col-name",
                    "training-col-employee-no",
                    "training-col-due",
                    "training-col-attempts",
                    "training-col-best-score",
                    "training-col-status",
                )
            ],
            [
                [
                    p.unit,
                    p.name,
                    p.employee_no,
                    t.time(p.due_at),
                    f"{p.attempts}/{status.attempts_allowed}",
                    "-" if p.best_score is None else f"{p.best_score}%",
                    _flags(t, overdue=p.overdue, exhausted=p.exhausted),
                ]
                for p in status.pending
            ],
        )
    )
    return lines


def _flags(t: Translator, *, overdue: bool, exhausted: bool) -> str:
    flags = []
    if exhausted:
        flags.append(t("training-flag-exhausted"))
    if overdue:
        flags.append(t("training-flag-overdue"))
    return " ".join(flags)


async def cmd_training_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write every assigned person's attempts, best score and completion to an .xlsx file."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            rows = await svc.training.export_rows(Actor.cli(ACTOR), args.key)
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    write_export(args.out, rows, t=t, now=app.clock.now())
    print(t("training-cli-exported", count=len(rows), path=str(args.out)))
    return 0


async def cmd_training_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Print, for each question, how many answers were wrong: what the force has not got."""
    t = _translator(settings, args.lang)
    app = await App.open(settings)
    try:
        async with app.unit_of_work() as svc:
            stats = await svc.training.stats(
                Actor.cli(ACTOR), args.key, version=args.version, locale=t.locale
            )
    except DomainError as exc:
        return _fail(t, exc)
    finally:
        await app.close()
    print("\n".join(render_stats(t, stats)))
    return 0


def render_stats(t: Translator, stats: TrainingStats) -> list[str]:
    """Questions with the most wrong answers first."""
    lines = [
        t(
            "training-cli-stats-title",
            module=stats.key,
            version=str(stats.version),
            attempts=stats.attempts,
            people=stats.people,
        )
    ]
    if not stats.attempts:
        lines.append(t("training-cli-stats-empty"))
        return lines
    ordered = sorted(stats.questions, key=lambda q: (-q.wrong_share, q.number))
    lines.extend(
        table(
            [
                t(k)
                for k in (
                    "training-col-question-no",
                    "training-col-wrong-share",
                    "training-col-wrong",
                    "training-col-answered",
                    "training-col-topic",
                    "training-col-question",
                )
            ],
            [
                [
                    str(q.number),
                    f"{q.wrong_share:.0%}",
                    str(q.wrong),
                    str(q.answered),
                    q.topic,
                    _short(q.text),
                ]
                for q in ordered
            ],
            numeric={0, 1, 2, 3},
        )
    )
    return lines


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= QUESTION_WIDTH else one_line[: QUESTION_WIDTH - 1] + "…"
