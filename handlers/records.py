"""My records: what I have done, read back to me. Completed tasks with their dates, my
pledge signatures and their receipts again, my training results, and for auxiliaries my
past check-ins (correctable until the deadline) and "my questions" to the hotline, with the
office's replies and a button to answer back or reopen one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.kinds import KINDS
from bot.reports.receipt import render_receipt
from bot.router import Flow
from bot.services.checkins import MyCheckin
from bot.services.hotline import ASKERS
from bot.services.records import PAGE
from bot.text import html_join
from handlers.checkins import answers_lines, correct_button, urgent_button
from handlers.common import back_to_menu
from handlers.hotline import status_label
from storage.models import Role

flow = Flow("records")
flow.menu_entry("menu-records", Btn.RECORDS_HOME, roles={"*"}, order=12)

MAX_BUTTONS = 8  # items with their own button in one list; the text lists more
MAX_LINES = 20

T = TypeVar("T")


def _records_button(ctx: Context) -> list[Button]:
    return [Button(ctx.t("btn-records-back"), Btn.RECORDS_HOME)]


def _listing(ctx: Context, lines: list[str], rows: list[list[Button]]) -> list[Reply]:
    """A list of records, replacing the message pressed, with the way back."""
    return [Reply(html_join(lines), buttons=[*rows, _records_button(ctx)], edit=True)]


def _none(ctx: Context, key: str) -> list[Reply]:
    return _listing(ctx, [ctx.t(key)], [])


def _record_list(
    ctx: Context,
    items: Sequence[T],
    *,
    none_key: str,
    title_key: str,
    line: Callable[[T], str],
    button: Callable[[T], Button | None] = lambda _: None,
) -> list[Reply]:
    """My records of one kind: the count, a line for each of the first MAX_LINES, and a
    button for each of the first MAX_BUTTONS that have one."""
    if not items:
        return _none(ctx, none_key)
    lines = [ctx.t(title_key, count=len(items))]
    lines.extend(line(item) for item in items[:MAX_LINES])
    rows = [[b] for item in items if (b := button(item)) is not None][:MAX_BUTTONS]
    return _listing(ctx, lines, rows)


def _asks(ctx: Context) -> bool:
    return any(ctx.me.has_role(r) for r in ASKERS)


async def render_home(ctx: Context, *, edit: bool) -> Reply:
    """Counts of what I have done, and a button per kind of record."""
    counts = await ctx.services.records.counts(ctx.actor)
    lines = [
        ctx.t("records-title", name=ctx.me.name),
        ctx.t(
            "records-counts",
            done=counts.done,
            signatures=counts.signatures,
            attempts=counts.attempts,
        ),
    ]
    rows = [
        [Button(ctx.t("btn-records-done"), Btn.RECORDS_DONE.token(0))],
        [Button(ctx.t("btn-records-pledges"), Btn.RECORDS_PLEDGES)],
        [Button(ctx.t("btn-records-training"), Btn.RECORDS_TRAINING)],
    ]
    if ctx.me.has_role(Role.AUXILIARY):
        rows.append([Button(ctx.t("btn-records-checkins"), Btn.RECORDS_CHECKINS)])
    if _asks(ctx):
        rows.append([Button(ctx.t("btn-records-questions"), Btn.RECORDS_QUESTIONS)])
    rows.append(back_to_menu(ctx))
    return Reply(html_join(lines), buttons=rows, edit=edit)


@flow.button(Btn.RECORDS_HOME)
async def cb_home(event: Incoming, ctx: Context) -> list[Reply]:
    """Show my records from the menu."""
    ctx.state.clear()
    return [await render_home(ctx, edit=True)]


@flow.command("records")
async def cmd_records(event: Incoming, ctx: Context) -> list[Reply]:
    """Show my records."""
    ctx.state.clear()
    return [await render_home(ctx, edit=False)]


# --- completed tasks, signatures, training ----------------------------------------------------


@flow.button(Btn.RECORDS_DONE)
async def cb_done(event: Incoming, ctx: Context) -> list[Reply]:
    """List my completed tasks with their dates, a page at a time."""
    page = ctx.action(event).int_arg(0)
    tasks, total = await ctx.services.records.done_tasks(ctx.actor, page=page)
    pages = max(1, -(-total // PAGE))
    if not total:
        lines = [ctx.t("records-done-none")]
    else:
        lines = [ctx.t("records-done-title", count=total, page=page + 1, pages=pages)]
    for task in tasks:
        kind = KINDS.get(task.kind)
        args = {
            "kind": ctx.t(kind.name_key) if kind else task.kind,
            "title": task.title(ctx.t.locale),
            "at": ctx.t.time(task.done_at),
        }
        if task.status == "excused":
            lines.append(ctx.t("records-done-excused", reason=task.note or "-", **args))
        else:
            late = ctx.t("records-late-flag") if task.late else ""
            lines.append(ctx.t("records-done-line", late=late, **args))
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("btn-records-prev"), Btn.RECORDS_DONE.token(page - 1)))
    if page + 1 < pages:
        nav.append(Button(ctx.t("btn-records-next"), Btn.RECORDS_DONE.token(page + 1)))
    rows = [nav] if nav else []
    return _listing(ctx, lines, rows)


@flow.button(Btn.RECORDS_PLEDGES)
async def cb_pledges(event: Incoming, ctx: Context) -> list[Reply]:
    """List the pledges I signed, each with a button for its receipt."""
    return _record_list(
        ctx,
        await ctx.services.records.signatures(ctx.actor),
        none_key="records-pledges-none",
        title_key="records-pledges-title",
        line=lambda s: ctx.t(
            "records-pledge-line",
            title=s.title,
            version=s.version,
            number=s.number,
            at=ctx.t.time(s.signed_at),
        ),
        button=lambda s: Button(
            ctx.t("btn-records-receipt", number=s.number), Btn.RECORDS_RECEIPT.token(s.id)
        ),
    )


@flow.button(Btn.RECORDS_RECEIPT)
async def cb_receipt(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the receipt of one of my signatures again."""
    sid = ctx.action(event).int_arg(0)
    sig, text, me = await ctx.services.records.receipt(ctx.actor, sid)
    body = ctx.t(
        "records-receipt",
        title=text.title,
        number=sig.signature_no,
        name=me.name,
        version=sig.version,
        time=ctx.t.time(sig.signed_at),
        hash=sig.document_sha256[:12],
        channel=sig.channel,
    )
    rows = [
        [Button(ctx.t("btn-records-receipt-file"), Btn.RECORDS_RECEIPT_FILE.token(sid))],
        [Button(ctx.t("btn-records-pledges"), Btn.RECORDS_PLEDGES)],
    ]
    return [Reply(body, buttons=rows)]


@flow.button(Btn.RECORDS_RECEIPT_FILE)
async def cb_receipt_file(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the printable receipt page of one of my signatures (what the office prints)."""
    sig, text, me = await ctx.services.records.receipt(ctx.actor, ctx.action(event).int_arg(0))
    page = render_receipt(
        ctx.t.text_only(), signature=sig, text=text, person=me, generated_at=ctx.clock.now()
    )
    return [
        Reply(
            ctx.t("records-receipt-file", number=sig.signature_no),
            document=Document(f"receipt-{sig.signature_no}.html", page.encode("utf-8")),
        )
    ]


@flow.button(Btn.RECORDS_TRAINING)
async def cb_training(event: Incoming, ctx: Context) -> list[Reply]:
    """List my training attempts with their scores."""
    return _record_list(
        ctx,
        await ctx.services.records.training(ctx.actor),
        none_key="records-training-none",
        title_key="records-training-title",
        line=lambda a: ctx.t(
            "records-training-passed" if a.passed else "records-training-failed",
            title=a.title(ctx.t.locale),
            version=a.version,
            attempt=a.attempt_no,
            attempts=a.attempts,
            score=a.score,
            pass_mark=a.pass_mark,
            at=ctx.t.time(a.finished_at),
            hash=a.sha256[:12],
        ),
    )


# --- past check-ins ---------------------------------------------------------------------------


def _checkin_line(ctx: Context, c: MyCheckin) -> str:
    return ctx.t(
        f"records-checkin-{c.state}",
        week=c.week.key,
        at=ctx.t.time(c.submitted_at),
        due=ctx.t.time(c.due_at),
        late=ctx.t("checkin-late-flag") if c.late else "",
        corrected=ctx.t("records-corrected-flag") if c.corrected else "",
        hazards=c.hazards,
    )


@flow.button(Btn.RECORDS_CHECKINS)
async def cb_checkins(event: Incoming, ctx: Context) -> list[Reply]:
    """List my past check-ins, newest week first."""
    return _record_list(
        ctx,
        await ctx.services.checkins.history(ctx.me),
        none_key="records-checkins-none",
        title_key="records-checkins-title",
        line=lambda c: _checkin_line(ctx, c),
        button=lambda c: (
            None  # nothing answered that week: nothing to show
            if c.response_id is None
            else Button(
                ctx.t("btn-records-checkin", week=c.week.key),
                Btn.RECORDS_CHECKIN.token(c.assignment_id),
            )
        ),
    )


@flow.button(Btn.RECORDS_CHECKIN)
async def cb_checkin(event: Incoming, ctx: Context) -> list[Reply]:
    """Show one of my check-ins with my answers, and what the mentor was told."""
    aid = ctx.action(event).int_arg(0)
    checkins = ctx.services.checkins
    found = next((c for c in await checkins.history(ctx.me) if c.assignment_id == aid), None)
    if found is None or found.response_id is None:
        return [Reply(ctx.t("error-stale-button"))]
    form = checkins.form()
    answers = await checkins.answers_of(found.response_id)
    lines = [ctx.t("records-checkin-detail", week=found.week.key), _checkin_line(ctx, found)]
    lines.extend(answers_lines(ctx.t, form, answers))
    told = await checkins.alerts.of_person(ctx.me.id, [found.response_id])
    outcome = told.get(found.response_id)
    if outcome is not None:
        lines.append(ctx.t(f"records-alert-{outcome}"))
    if found.correctable:
        lines.append(ctx.t("records-correctable", due=ctx.t.time(found.due_at)))
    rows: list[list[Button]] = []
    if found.correctable:
        rows.append([correct_button(ctx, aid)])
    if outcome == "pending":
        rows.append([urgent_button(ctx, found.response_id)])
    rows.append([Button(ctx.t("btn-records-checkins"), Btn.RECORDS_CHECKINS)])
    return [Reply(html_join(lines), buttons=rows)]


# --- my questions -------------------------------------------------------------------------------


@flow.button(Btn.RECORDS_QUESTIONS)
async def cb_questions(event: Incoming, ctx: Context) -> list[Reply]:
    """List my hotline questions with their status."""
    return _record_list(
        ctx,
        await ctx.services.hotline.my_tickets(ctx.actor),
        none_key="records-questions-none",
        title_key="records-questions-title",
        line=lambda tk: ctx.t(
            "records-question-line",
            number=tk.number,
            status=status_label(ctx, tk.status),
            time=ctx.t.time(tk.last_activity_at),
            replies=tk.replies,
            anonymous=ctx.t("records-anonymous-flag") if tk.anonymous else "",
            preview=tk.preview,
        ),
        button=lambda tk: Button(
            ctx.t("hotline-queue-button", number=tk.number, status=status_label(ctx, tk.status)),
            Btn.RECORDS_QUESTION.token(tk.id),
        ),
    )


@flow.button(Btn.RECORDS_QUESTION)
async def cb_question(event: Incoming, ctx: Context) -> list[Reply]:
    """Show one of my questions with the office's replies; answer back or reopen it."""
    thread = await ctx.services.hotline.my_thread(ctx.actor, ctx.action(event).int_arg(0))
    ticket = thread.ticket
    lines = [
        ctx.t(
            "records-question-title",
            number=ticket.number,
            status=status_label(ctx, ticket.status),
            time=ctx.t.time(thread.created_at),
            anonymous=ctx.t("records-anonymous-flag") if ticket.anonymous else "",
        )
    ]
    for m in thread.messages:
        key = "records-thread-office" if m.sender == "office" else "records-thread-me"
        lines.extend(["", ctx.t(key, time=ctx.t.time(m.at), text=m.text)])
    again = "btn-records-reopen" if ticket.status == "closed" else "btn-records-follow-up"
    rows = [
        [Button(ctx.t(again), Btn.HOTLINE_FOLLOW_UP.token(ticket.id))],
        [Button(ctx.t("btn-records-questions"), Btn.RECORDS_QUESTIONS)],
    ]
    return [Reply(html_join(lines), buttons=rows)]
