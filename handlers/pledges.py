"""Reading and signing pledges on the phone."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Document, Incoming, Reply
from bot.reports.receipt import render_receipt
from bot.reports.receipt_pdf import NoCjkFont, render_receipt_pdf, system_font
from bot.router import Flow
from bot.services.pledges import MAX_NAME_TRIES, Superseded, TrainingFirst, WrongName
from bot.text import html
from handlers import hotline
from handlers.common import back_to_menu, cancel_button

flow = Flow("pledges")

STEP_NAME = "pledge.name"
LAST_PAGE = 999  # a page past the end shows the last one


def _superseded(ctx: Context, exc: Superseded) -> list[Reply]:
    buttons = []
    if exc.current_assignment is not None:
        buttons.append(
            [
                Button(
                    ctx.t("btn-pledge-read-current"), Btn.PLEDGE_OPEN.token(exc.current_assignment)
                )
            ]
        )
    return [Reply(exc.render(ctx.t), buttons=buttons)]


def _training_first(ctx: Context, exc: TrainingFirst) -> list[Reply]:
    """Why signing waits, and the way to the training (or whom to ask when none is open)."""
    rows = []
    text = exc.render(ctx.t)
    if exc.training_assignment is not None:
        label = ctx.t("btn-pledge-to-training", training=exc.args_["training"])
        rows.append([Button(label, Btn.TRAINING_OPEN.token(exc.training_assignment))])
    else:
        text = html("{}\n{}", text, ctx.t("pledge-training-not-assigned"))
    rows.append(back_to_menu(ctx))
    return [Reply(text, buttons=rows)]


async def _page(ctx: Context, assignment_id: int, page: int, *, edit: bool) -> list[Reply]:
    try:
        reading = await ctx.services.pledges.reading(ctx.me, assignment_id)
    except Superseded as exc:
        return _superseded(ctx, exc)
    pages = reading.pages
    page = max(0, min(page, len(pages) - 1))
    header = ctx.t(
        "pledge-page-header",
        title=reading.title,
        version=reading.version,
        page=page + 1,
        pages=len(pages),
        due=ctx.t.time(reading.due_at),
    )
    nav: list[Button] = []
    if page > 0:
        nav.append(Button(ctx.t("btn-prev"), Btn.PLEDGE_PAGE.token(assignment_id, page - 1)))
    if page + 1 < len(pages):
        nav.append(Button(ctx.t("btn-next"), Btn.PLEDGE_PAGE.token(assignment_id, page + 1)))
    rows = [nav] if nav else []
    if page + 1 == len(pages):
        rows.append([Button(ctx.t("btn-pledge-agree"), Btn.PLEDGE_AGREE.token(assignment_id))])
        rows.append(
            [Button(ctx.t("btn-pledge-question"), Btn.PLEDGE_QUESTION.token(assignment_id, page))]
        )
    return [Reply(html("{}\n\n{}", header, pages[page]), buttons=rows, edit=edit)]


@flow.button(Btn.PLEDGE_OPEN)
async def cb_open(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the first page of the pledge."""
    ctx.state.clear()
    return await _page(ctx, ctx.action(event).int_arg(0), 0, edit=False)


@flow.button(Btn.PLEDGE_PAGE)
async def cb_page(event: Incoming, ctx: Context) -> list[Reply]:
    """Turn to another page, replacing the message (and leave a question or the signing
    that was started: the person is reading again)."""
    action = ctx.action(event)
    ctx.state.clear()
    return await _page(ctx, action.int_arg(0), action.int_arg(1), edit=True)


@flow.button(Btn.PLEDGE_QUESTION)
async def cb_question(event: Incoming, ctx: Context) -> list[Reply]:
    """Open the hotline for a question about the pledge (or point to the office); cancel
    returns to the pledge page the question came from."""
    action = ctx.action(event)
    assignment_id = action.int_arg(0)
    page = action.int_arg(1) if len(action.args) > 1 else LAST_PAGE
    back = Btn.PLEDGE_PAGE.token(assignment_id, page)
    if hotline.can_use(ctx.me):
        return hotline.prompt_question(ctx, "hotline-pledge-prompt", cancel=back)
    return [
        Reply(
            ctx.t("pledge-question", contact=ctx.settings.office_contact),
            buttons=[[Button(ctx.t("btn-pledge-back"), back)]],
        )
    ]


@flow.button(Btn.PLEDGE_AGREE)
async def cb_agree(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the full name to sign."""
    assignment_id = ctx.action(event).int_arg(0)
    try:
        reading = await ctx.services.pledges.may_sign(ctx.me, assignment_id)
    except Superseded as exc:
        return _superseded(ctx, exc)
    except TrainingFirst as exc:  # the sign button leads to the training, and says why
        ctx.state.clear()
        return _training_first(ctx, exc)
    ctx.state.go(STEP_NAME, assignment=assignment_id, tries=0, message=event.message_ref)
    return [
        Reply(
            ctx.t("pledge-ask-name", title=reading.title, version=reading.version),
            buttons=[[Button(ctx.t("btn-cancel"), Btn.PLEDGE_CANCEL)]],
        )
    ]


# Stop signing for now.
cancel_button(flow, Btn.PLEDGE_CANCEL, "pledge-cancelled")


@flow.text(STEP_NAME)
async def on_text_name(event: Incoming, ctx: Context) -> list[Reply]:
    """Sign when the typed name matches the roster; refuse otherwise (3 tries)."""
    assignment_id = int(ctx.state.data["assignment"])
    tries = int(ctx.state.data.get("tries", 0))
    try:
        sig = await ctx.services.pledges.sign(
            ctx.me,
            assignment_id,
            event.text,
            account=event.account,
            message_id=ctx.state.data.get("message"),
        )
    except WrongName:
        tries += 1
        if tries >= MAX_NAME_TRIES:
            await ctx.services.pledges.record_refused_name(ctx.me, assignment_id, tries)
            ctx.state.clear()
            return [Reply(ctx.t("pledge-wrong-name-final"), buttons=[back_to_menu(ctx)])]
        ctx.state.data["tries"] = tries
        return [Reply(ctx.t("pledge-wrong-name", left=MAX_NAME_TRIES - tries))]
    except Superseded as exc:
        ctx.state.clear()
        return _superseded(ctx, exc)
    except TrainingFirst as exc:
        ctx.state.clear()
        return _training_first(ctx, exc)
    ctx.state.clear()
    receipt = ctx.t(
        "pledge-receipt",
        number=sig.signature_no,
        time=ctx.t.time(sig.signed_at),
        hash=sig.document_sha256[:12],
        version=sig.version,
        name=ctx.me.name,
    )
    trained = await ctx.services.pledges.attempt_of(sig)
    if trained is not None:  # the evidence names the training it rests on
        receipt = html(
            "{}\n{}",
            receipt,
            ctx.t(
                "pledge-receipt-training",
                training=trained.title(ctx.t.locale),
                version=trained.version,
                score=trained.score,
                time=ctx.t.time(trained.finished_at),
            ),
        )
    return [
        Reply(
            receipt,
            buttons=[
                [
                    Button(
                        ctx.t("btn-pledge-receipt-pdf"),
                        Btn.PLEDGE_RECEIPT.token(sig.signature_no),
                    )
                ],
                back_to_menu(ctx),
            ],
        )
    ]


@flow.button(Btn.PLEDGE_RECEIPT)
async def cb_receipt(event: Incoming, ctx: Context) -> list[Reply]:
    """Send me the receipt of my signature as a PDF (the HTML page where no font is)."""
    number = ctx.action(event).arg(0)
    sig, text, person = await ctx.services.pledges.receipt(ctx.actor, number)
    t, now = ctx.t.text_only(), ctx.clock.now()
    try:
        pdf = render_receipt_pdf(
            t, signature=sig, text=text, person=person, generated_at=now, font=system_font()
        )
    except NoCjkFont:
        page = render_receipt(t, signature=sig, text=text, person=person, generated_at=now)
        return [
            Reply(
                ctx.t("pledge-receipt-html-caption", number=number),
                document=Document(f"receipt-{number}.html", page.encode("utf-8")),
            )
        ]
    return [
        Reply(
            ctx.t("pledge-receipt-pdf-caption", number=number),
            document=Document(f"receipt-{number}.pdf", pdf),
        )
    ]
