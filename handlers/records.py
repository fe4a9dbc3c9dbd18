"""My records: what I have done, read back to me. Completed tasks with their dates, my
pledge signatures and their receipts again, my training results, and for auxiliaries my
past check-ins (correctable until the deadline) and "my questions" to the hotline, with the
office's replies and a button to answer back or reopen one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.kinds import KINDS
from bot.reports.receipt import render_receipt
from bot.router import Flow
from bot.services.checkins import MyCheckin
from bot.services.hotline import ASKERS, MyTicket
from bot.services.records import PAGE, SignatureRecord, TrainingRecord
from bot.text import html_join
from handlers.checkins import answers_lines, correct_button, urgent_button
from handlers.common import back_to_menu, command_and_button
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


Records = Callable[[Context], Awaitable[Sequence[T]]]


def _record_list(
    route: str,
    kind: str,
    line: Callable[[Context, T], str],
    button: Callable[[Context, T], Button | None] = lambda ctx, _: None,
) -> Callable[[Records[T]], Records[T]]:
    """Decorates what reads my records of one `kind`: a press of `route` lists them, with
    the count (`records-KIND-title`, or `records-KIND-none`), a line for each of the first
    MAX_LINES, and a button for each of the first MAX_BUTTONS that have one."""

    def deco(records: Records[T]) -> Records[T]:
        @flow.button(route)
        async def show(event: Incoming, ctx: Context) -> list[Reply]:
            items = await records(ctx)
            if not items:
                return _none(ctx, f"records-{kind}-none")
            lines = [ctx.t(f"records-{kind}-title", count=len(items))]
            lines.extend(line(ctx, item) for item in items[:MAX_LINES])
            rows = [[b] for item in items if (b := button(ctx, item)) is not None]
            return _listing(ctx, lines, rows[:MAX_BUTTONS])

        return records

    return deco


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


# Show my records (from the menu in place of its message).
command_and_button(flow, "records", Btn.RECORDS_HOME, render_home, drop_state=True)


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


def _signature_line(ctx: Context, s: SignatureRecord) -> str:
    return ctx.t.of("records-pledge-line", s, at=ctx.t.time(s.signed_at))


def _receipt_button(ctx: Context, s: SignatureRecord) -> Button:
    return Button(
        ctx.t("btn-records-receipt", number=s.signature_no), Btn.RECORDS_RECEIPT.token(s.id)
    )


@_record_list(Btn.RECORDS_PLEDGES, "pledges", _signature_line, _receipt_button)
async def _signatures(ctx: Context) -> list[SignatureRecord]:
    """The pledges I signed, each with a button for its receipt."""
    return await ctx.services.records.signatures(ctx.actor)


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


def _attempt_line(ctx: Context, a: TrainingRecord) -> str:
    return ctx.t.of(
        "records-training-passed" if a.passed else "records-training-failed",
        a,
        title=a.title(ctx.t.locale),
        at=ctx.t.time(a.finished_at),
        hash=a.sha256[:12],
    )


@_record_list(Btn.RECORDS_TRAINING, "training", _attempt_line)
async def _attempts(ctx: Context) -> list[TrainingRecord]:
    """My training attempts with their scores."""
    return await ctx.services.records.training(ctx.actor)


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


def _checkin_button(ctx: Context, c: MyCheckin) -> Button | None:
    if c.response_id is None:  # nothing answered that week: nothing to show
        return None
    return Button(
        ctx.t("btn-records-checkin", week=c.week.key), Btn.RECORDS_CHECKIN.token(c.assignment_id)
    )


@_record_list(Btn.RECORDS_CHECKINS, "checkins", _checkin_line, _checkin_button)
async def _checkins(ctx: Context) -> list[MyCheckin]:
    """My past check-ins, newest week first."""
    return await ctx.services.checkins.history(ctx.me)


# --- my questions -------------------------------------------------------------------------------


def _question_line(ctx: Context, tk: MyTicket) -> str:
    return ctx.t(
        "records-question-line",
        number=tk.number,
        status=status_label(ctx, tk.status),
        time=ctx.t.time(tk.last_activity_at),
        replies=tk.replies,
        anonymous=ctx.t("records-anonymous-flag") if tk.anonymous else "",
        preview=tk.preview,
    )


def _question_button(ctx: Context, tk: MyTicket) -> Button:
    return Button(
        ctx.t("hotline-queue-button", number=tk.number, status=status_label(ctx, tk.status)),
        Btn.RECORDS_QUESTION.token(tk.id),
    )


@_record_list(Btn.RECORDS_QUESTIONS, "questions", _question_line, _question_button)
async def _questions(ctx: Context) -> list[MyTicket]:
    """My hotline questions with their status."""
    return await ctx.services.hotline.my_tickets(ctx.actor)


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
