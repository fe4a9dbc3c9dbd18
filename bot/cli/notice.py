"""`muster notice send|list|stats|nudge`: the office's notices from the command line.

The command creates the notice and its outbox rows; the running bot (`muster run`)
delivers them. `--wait` watches that delivery with a progress bar.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bot.actor import Actor
from bot.app import App
from bot.cli.common import bad_time, local_time, plain, refuse, say, subcommands, table
from bot.cli.common import fail as _fail
from bot.cli.common import translator as _translator
from bot.cli.office import add_audience, command, in_unit_of_work, opened_app, service_command
from bot.config import Settings
from bot.errors import DomainError
from bot.i18n import Translator
from bot.services.notice_approval import Submitted, why
from bot.services.notices import (
    MAX_ATTACHMENT,
    AttachmentTooLarge,
    Composed,
    Counts,
    NoticeStats,
    Progress,
    human_size,
    render_message,
)
from bot.sheets.reader import decode

ACTOR = "cli:notice"
POLL = 1.0  # seconds between looks at the outbox while waiting
STALL = 60.0  # seconds without progress before asking whether the bot runs
PRINT_EVERY = 10.0  # seconds between progress lines when the output is not a terminal
BAR = 30


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    notice = subcommands(sub, t, "notice")
    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--wait", action="store_true", help=t("cli-help-notice-wait"))
    notice_id = argparse.ArgumentParser(add_help=False)
    notice_id.add_argument("notice_id", type=int, metavar="ID", help=t("cli-help-notice-id"))

    send = notice("send", cmd_notice_send, parents=[wait])
    add_audience(send, t)
    send.add_argument(
        "--text-file",
        required=True,
        type=Path,
        metavar="FILE",
        help=t("cli-help-notice-text-file"),
    )
    send.add_argument("--title", metavar="TITLE", help=t("cli-help-notice-title"))
    send.add_argument(
        "--attach",
        type=Path,
        metavar="FILE",
        help=t("cli-help-notice-attach", limit=human_size(MAX_ATTACHMENT)),
    )
    send.add_argument("--ack-by", metavar="YYYY-MM-DDTHH:MM", help=t("cli-help-notice-ack-by"))
    send.add_argument("--dry-run", action="store_true", help=t("cli-help-notice-dry-run"))
    send.add_argument("--sensitive", action="store_true", help=t("cli-help-notice-sensitive"))

    ls = notice("list", cmd_notice_list)
    ls.add_argument("--limit", type=int, default=20, metavar="N", help=t("cli-help-notice-limit"))

    notice("stats", cmd_notice_stats, parents=[notice_id])

    ng = notice("nudge", cmd_notice_nudge, parents=[notice_id, wait])
    ng.add_argument("--dry-run", action="store_true", help=t("cli-help-notice-nudge-dry-run"))


def read_text(path: Path) -> str:
    """A text file in UTF-8 (with or without BOM) or, as Chinese Windows saves it, GBK;
    another encoding is refused (bot.sheets.reader.decode), naming it where it can."""
    return decode(path.read_bytes())


@command
async def cmd_notice_send(args: argparse.Namespace, settings: Settings) -> int:
    """Preview a notice, then create it and queue it for everyone in the audience."""
    t = _translator(settings, args.lang)
    ack_by = local_time(args.ack_by, settings) if args.ack_by else None
    if args.ack_by and ack_by is None:
        return bad_time(t, "notice-cli-bad-time", args.ack_by, settings)
    try:
        text = read_text(args.text_file)
        attachment = None
        if args.attach is not None:
            size = args.attach.stat().st_size
            if size > MAX_ATTACHMENT:  # refuse before reading a huge file into memory
                return _fail(
                    t, AttachmentTooLarge(size=human_size(size), limit=human_size(MAX_ATTACHMENT))
                )
            attachment = (args.attach.name, args.attach.read_bytes())
    except DomainError as exc:
        return _fail(t, exc)
    except OSError as exc:
        path = exc.filename or args.text_file
        return refuse(t("notice-cli-file", path=str(path), error=exc.strerror or str(exc)))
    actor = Actor.cli(ACTOR)
    notice = Composed(
        audience=args.audience, text=text, title=args.title, ack_by=ack_by, attachment=attachment
    )
    async with opened_app(settings, t) as app:
        async with app.unit_of_work() as svc:
            preview = await svc.notices.preview(actor, notice)
        say(t("notice-cli-preview"), _indent(plain(render_message(t, preview.notice))))
        say(t.of("notice-cli-reach", preview.reach, audience=preview.audience))
        if ack_by is not None:
            say(t("notice-cli-ack", due=t.time(ack_by), tz=settings.timezone))
        if args.dry_run:
            say(t("notice-cli-dry-run"))
            return 0
        async with app.unit_of_work() as svc:
            result = await svc.notice_approvals.send(actor, notice, sensitive=args.sensitive)
        if isinstance(result, Submitted):  # waits for a second office staffer (issue 21)
            say(
                t(
                    "approval-cli-submitted",
                    id=result.draft_id,
                    why=why(t, result.draft),
                    approvers=result.approvers,
                )
            )
            return 0
        say(t.of("notice-cli-sent", result, id=result.notice_id))
        if not args.wait:
            say(t("notice-cli-hint", id=result.notice_id))
            return 0
        await wait_for_delivery(app, t, result.notice_id)
    return 0


def _indent(text: str) -> str:
    return "\n".join(f"  │ {line}" for line in text.splitlines())


@command
async def cmd_notice_list(args: argparse.Namespace, settings: Settings) -> int:
    """List recent notices with delivered and confirmed counts."""
    t = _translator(settings, args.lang)
    recent, _ = await in_unit_of_work(
        settings, t, lambda svc: svc.notices.recent(Actor.cli(ACTOR), args.limit)
    )
    if not recent:
        say(t("notice-cli-list-none"))
        return 0
    for notice, progress in recent:
        key = "notice-cli-list-line" if notice.requires_ack else "notice-cli-list-line-noack"
        say(
            t(
                key,
                id=notice.id,
                at=t.time(notice.created_at),
                title=notice.title,
                targeted=progress.total,
                sent=progress.sent,
                acked=progress.acknowledged,
            )
        )
    return 0


def render_stats(t: Translator, stats: NoticeStats) -> list[str]:
    n = stats.notice
    lines = [plain(t("notice-stats-title", id=n.id, title=n.title, sent=t.time(n.created_at)))]
    if n.requires_ack:
        lines.append(t("notice-stats-due", due=t.time(n.ack_by)))
    header = [
        t("notice-col-unit"),
        t("notice-col-targeted"),
        t("notice-col-delivered"),
        t("notice-col-pending"),
        t("notice-col-failed"),
        t("notice-col-unreachable"),
        t("notice-col-no-account"),
        t("notice-col-acked"),
        t("notice-col-excused"),
    ]

    def row(c: Counts, name: str) -> list[str]:
        acked = str(c.acknowledged) if n.requires_ack else "-"
        excused = str(c.excused) if n.requires_ack else "-"
        return [
            name,
            *(
                str(v)
                for v in (
                    c.targeted,
                    c.delivered,
                    c.pending,
                    c.failed,
                    c.unreachable,
                    c.no_account,
                )
            ),
            acked,
            excused,
        ]

    rows = [row(u, u.unit) for u in stats.units]
    rows.append(row(stats.total, t("notice-col-total")))
    lines.extend(table(header, rows, numeric=set(range(1, 9))))
    if n.nudges:
        lines.append(t("notice-stats-nudged", rounds=n.nudges, count=stats.nudged))
    return lines


cmd_notice_stats = service_command(
    "Print a notice's counts per unit.",
    lambda args, t, svc: svc.notices.stats(Actor.cli(ACTOR), args.notice_id),
    render_stats,
)


@command
async def cmd_notice_nudge(args: argparse.Namespace, settings: Settings) -> int:
    """Send the notice again to those who have not confirmed and can be reached."""
    t = _translator(settings, args.lang)
    actor = Actor.cli(ACTOR)
    async with opened_app(settings, t) as app:
        async with app.unit_of_work() as svc:
            plan = await svc.notices.nudge_plan(actor, args.notice_id)
        say(t.of("notice-cli-nudge-plan", plan, id=args.notice_id))
        if args.dry_run or plan.reachable == 0:
            return 0
        async with app.unit_of_work() as svc:
            result = await svc.notices.nudge(actor, args.notice_id)
        say(t.of("notice-cli-nudged", result))
        if args.wait and result.queued:
            await wait_for_delivery(app, t, args.notice_id, nudge_round=result.round)
    return 0


# --- waiting with a progress bar ---------------------------------------------------


def bar(done: int, total: int, width: int = BAR) -> str:
    filled = width if total <= 0 else min(width, done * width // total)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(t: Translator, p: Progress, rate: float) -> str:
    done = p.total - p.pending
    percent = 100 if p.total <= 0 else done * 100 // p.total
    eta = duration(p.pending / rate) if rate > 0 and p.pending else "-"
    return t(
        "notice-cli-progress",
        bar=bar(done, p.total),
        done=done,
        total=p.total,
        percent=percent,
        rate=f"{rate:.1f}",
        eta=eta,
    )


async def wait_for_delivery(
    app: App, t: Translator, notice_id: int, *, nudge_round: int | None = None
) -> Progress:
    """Poll the outbox every second until no row of the notice is pending; show the bar
    on standard output. The rate counts rows that reached an outcome since the wait began."""
    out = sys.stdout
    tty = out.isatty()
    print(t("notice-cli-waiting"), file=out, flush=True)
    started = time.monotonic()
    first_done: int | None = None
    last_done, last_change, last_print, warned = -1, started, 0.0, False
    while True:
        async with app.unit_of_work() as svc:
            p = await svc.notices.progress(Actor.cli(ACTOR), notice_id, nudge_round=nudge_round)
        now = time.monotonic()
        done = p.total - p.pending
        if first_done is None:
            first_done = done
        elapsed = now - started
        rate = (done - first_done) / elapsed if elapsed > 0 else 0.0
        line = progress_line(t, p, rate)
        if tty:
            out.write("\r" + line + "\x1b[K")
            out.flush()
        elif p.done or now - last_print >= PRINT_EVERY:
            print(line, file=out, flush=True)
            last_print = now
        if p.done:
            break
        if done != last_done:
            last_done, last_change = done, now
        elif now - last_change >= STALL and not warned:
            print(
                ("\n" if tty else "") + t("notice-cli-stalled", seconds=int(STALL)),
                file=out,
                flush=True,
            )
            warned = True
        await asyncio.sleep(POLL)
    if tty:
        out.write("\n")
    took = duration(time.monotonic() - started)
    print(t.of("notice-cli-done", p, elapsed=took), file=out, flush=True)
    return p
