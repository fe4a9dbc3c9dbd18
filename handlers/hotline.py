"""The policy hotline: questions answered from the knowledge base, or handed to the office.

Auxiliaries type a question (free text outside any flow, /ask, or the menu): a confident
match shows the entry's answer with its source; a weak one the three closest questions;
"Ask a person" makes a ticket (named or anonymous). Office staff work the queue (/queue),
reply, close; the reply reaches the asker through the outbox with a button to answer back.
"""

from __future__ import annotations

from bot import kb
from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.router import Flow
from bot.services.hotline import (
    Answer,
    Contact,
    FromChat,
    Lookup,
    NotAQuestion,
    TicketDetail,
    TicketSummary,
    check_question,
)
from bot.text import html_join
from handlers.common import back_to_menu, cancel_button, command_and_button
from storage.models import Person, Role

flow = Flow("hotline", private=True)  # an asker's conversation is sealed
flow.menu_entry("menu-hotline-ask", Btn.HOTLINE_ASK, roles={"auxiliary"}, order=30)
flow.menu_entry("menu-hotline-queue", Btn.HOTLINE_QUEUE, roles={"office"}, order=72)

STEP_QUESTION = "hotline.question"  # typing a question for the knowledge base
STEP_PERSON = "hotline.person"  # typing a question for the office
STEP_ANSWERED = "hotline.answered"  # no text handler: holds the last question for "Ask a person"
STEP_REPLY = "hotline.reply"  # office staff typing a reply
STEP_FOLLOWUP = "hotline.followup"  # the asker typing a follow-up
STEP_WHY = "hotline.why"  # office staff typing why they must see who asked

MAX_LIST = 20  # tickets listed in the chat; the CLI lists all


def can_use(person: Person) -> bool:
    """Whether free text from this person goes to the hotline (mentors and leaders: no)."""
    return person.has_role(Role.AUXILIARY) or person.has_role(Role.OFFICE)


async def contact_args(ctx: Context) -> dict[str, str]:
    """The person's hotline phone, mailbox and hours (their unit's, else the bureau's),
    escaped for a message: wherever the hotline's contact is shown."""
    contact: Contact = await ctx.services.hotline.contact(ctx.actor)
    return {
        "phone": contact.phone,
        "email": contact.email,
        "hours": contact.hours,
    }


def _person_row(ctx: Context) -> list[list[Button]]:
    """The "Ask a person" button, for those who may ask (office staff only try answers)."""
    if not ctx.me.has_role(Role.AUXILIARY):
        return []
    return [[Button(ctx.t("hotline-btn-person"), Btn.HOTLINE_TO_PERSON)]]


async def render_answer(ctx: Context, answer: Answer) -> Reply:
    text = ctx.t.of(
        "hotline-answer", answer, title=answer.source_title, heading=answer.source_heading
    )
    if answer.sample:
        text += "\n" + ctx.t("hotline-sample-footer")
    if answer.topic == kb.CONTACT_TOPIC:  # "how do I reach the hotline": the person's own
        text += "\n\n" + ctx.t("hotline-your-contact", **await contact_args(ctx))
    return Reply(
        text,
        buttons=[[Button(ctx.t("hotline-btn-answered"), Btn.HOTLINE_ANSWERED)], *_person_row(ctx)],
    )


async def _render_lookup(ctx: Context, lookup: Lookup) -> Reply:
    if lookup.answer is not None:
        return await render_answer(ctx, lookup.answer)
    if lookup.suggestions:
        rows = [
            [Button(s.question, Btn.HOTLINE_SUGGESTION.token(s.faq_id))]
            for s in lookup.suggestions
        ]
        return Reply(ctx.t("hotline-suggest"), buttons=[*rows, *_person_row(ctx)])
    return Reply(ctx.t("hotline-none", **await contact_args(ctx)), buttons=_person_row(ctx))


def _noise(ctx: Context, exc: NotAQuestion, buttons: int) -> Reply:
    """No answer for noise; a number typed while buttons are numbered on screen (the
    console) is most likely a button that is not there."""
    if exc.number and buttons:
        return Reply(ctx.t("hotline-not-a-button", text=exc.text, count=buttons))
    return Reply(ctx.t("hotline-noise", text=exc.text))


async def answer_question(text: str, ctx: Context, *, buttons: int = 0) -> list[Reply]:
    """Look the question up and remember it, so "Ask a person" can hand it on.

    `buttons`: how many numbered buttons the channel shows (Incoming.buttons_shown). Noise
    gets a short hint and leaves the conversation as it was. Called from other flows too
    (an auxiliary's free text): the turn is sealed all the same."""
    ctx.keep_private()
    try:
        lookup = await ctx.services.hotline.lookup(ctx.actor, text, locale=ctx.t.locale)
    except NotAQuestion as exc:
        return [_noise(ctx, exc, buttons)]
    ctx.state.go(STEP_ANSWERED, q=text.strip(), faq=lookup.faq_hint, gap=lookup.gap_id)
    return [await _render_lookup(ctx, lookup)]


def prompt_question(
    ctx: Context, key: str = "hotline-ask-prompt", *, cancel: str = Btn.HOTLINE_CANCEL
) -> list[Reply]:
    """Ask for a question; the next text goes to the knowledge base. `cancel`: where the
    cancel button leads (the pledge page a question about the pledge came from)."""
    ctx.keep_private()
    ctx.state.go(STEP_QUESTION)
    return [Reply(ctx.t(key), buttons=[[Button(ctx.t("hotline-btn-cancel"), cancel)]])]


@flow.command("ask")
async def cmd_ask(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer `/ask <question>`, or ask for the question."""
    if event.arg.strip():
        return await answer_question(event.arg, ctx, buttons=event.buttons_shown)
    ctx.actor.require(Role.AUXILIARY, Role.OFFICE)
    return prompt_question(ctx)


@flow.button(Btn.HOTLINE_ASK)
async def cb_ask(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for a question from the menu."""
    ctx.actor.require(Role.AUXILIARY, Role.OFFICE)
    return prompt_question(ctx)


@flow.text(STEP_QUESTION)
async def on_text_question(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer the typed question."""
    return await answer_question(event.text, ctx, buttons=event.buttons_shown)


@flow.button(Btn.HOTLINE_SUGGESTION)
async def cb_suggestion(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the entry of a suggested question."""
    faq_id = ctx.action(event).arg(0)
    answer = await ctx.services.hotline.entry(ctx.actor, faq_id, locale=ctx.t.locale)
    data = dict(ctx.state.data) if ctx.state.step == STEP_ANSWERED else {}
    ctx.state.go(STEP_ANSWERED, q=data.get("q", ""), faq=faq_id, gap=data.get("gap"))
    return [await render_answer(ctx, answer)]


@flow.button(Btn.HOTLINE_ANSWERED)
async def cb_answered(event: Incoming, ctx: Context) -> list[Reply]:
    """Thank the person; the question was answered."""
    ctx.state.clear()
    return [Reply(ctx.t("hotline-thanks"), buttons=[back_to_menu(ctx)])]


def _confirm(ctx: Context, question: str) -> Reply:
    return Reply(
        ctx.t("hotline-confirm", question=question),
        buttons=[
            [Button(ctx.t("hotline-btn-named"), Btn.HOTLINE_SEND_NAMED)],
            [Button(ctx.t("hotline-btn-anonymous"), Btn.HOTLINE_SEND_ANONYMOUS)],
            [Button(ctx.t("hotline-btn-cancel"), Btn.HOTLINE_CANCEL)],
        ],
    )


@flow.button(Btn.HOTLINE_TO_PERSON)
async def cb_person(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer to send the last question to the office, named or anonymous."""
    ctx.actor.require(Role.AUXILIARY)
    question = str(ctx.state.data.get("q") or "") if ctx.state.step == STEP_ANSWERED else ""
    if not question:
        ctx.state.go(STEP_PERSON)
        return [
            Reply(
                ctx.t("hotline-person-prompt"),
                buttons=[[Button(ctx.t("hotline-btn-cancel"), Btn.HOTLINE_CANCEL)]],
            )
        ]
    return [_confirm(ctx, question)]


@flow.text(STEP_PERSON)
async def on_text_person(event: Incoming, ctx: Context) -> list[Reply]:
    """Take the question for the office and ask how to send it."""
    if kb.is_noise(event.text):
        return [Reply(ctx.t("hotline-noise", text=event.text.strip()))]
    check_question(event.text)
    ctx.state.go(STEP_ANSWERED, q=event.text.strip(), faq=None)
    return [_confirm(ctx, event.text.strip())]


async def _send(ctx: Context, *, anonymous: bool) -> list[Reply]:
    question = str(ctx.state.data.get("q") or "") if ctx.state.step == STEP_ANSWERED else ""
    if not question:
        if ctx.state.step is None and ctx.state.data.get("sent"):  # pressed twice
            return [Reply(ctx.t("hotline-already-sent", number=ctx.state.data["sent"]))]
        ctx.state.go(STEP_PERSON)
        return [Reply(ctx.t("hotline-stale-question"))]
    gap = ctx.state.data.get("gap")
    chat = FromChat(faq_hint=ctx.state.data.get("faq"), gap_id=int(gap) if gap else None)
    ticket = await ctx.services.hotline.ask(ctx.actor, question, anonymous=anonymous, chat=chat)
    ctx.state.go(None, sent=ticket.number)  # a second press answers "already sent"
    key = "hotline-ticket-created-anonymous" if anonymous else "hotline-ticket-created"
    return [
        Reply(
            ctx.t(key, number=ticket.number, **await contact_args(ctx)),
            edit=True,
            buttons=[back_to_menu(ctx)],
        )
    ]


@flow.button(Btn.HOTLINE_SEND_NAMED)
async def cb_send_named(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the question to the office with my name."""
    return await _send(ctx, anonymous=False)


@flow.button(Btn.HOTLINE_SEND_ANONYMOUS)
async def cb_send_anonymous(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the question to the office without my name."""
    return await _send(ctx, anonymous=True)


# Stop asking.
cancel_button(flow, Btn.HOTLINE_CANCEL, "hotline-cancelled")


# --- the asker answers back ------------------------------------------------------------


@flow.button(Btn.HOTLINE_FOLLOW_UP)
async def cb_answer_back(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask for the follow-up to the office's reply."""
    ticket = await ctx.services.hotline.my_ticket(ctx.actor, ctx.action(event).int_arg(0))
    ctx.state.go(STEP_FOLLOWUP, ticket=ticket.id)
    return [
        Reply(
            ctx.t("hotline-followup-prompt", number=ticket.number),
            buttons=[[Button(ctx.t("hotline-btn-cancel"), Btn.HOTLINE_CANCEL)]],
        )
    ]


@flow.text(STEP_FOLLOWUP)
async def on_text_followup(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the follow-up to the office in the same thread."""
    ticket = await ctx.services.hotline.follow_up(
        ctx.actor, int(ctx.state.data["ticket"]), event.text
    )
    ctx.state.clear()
    return [
        Reply(ctx.t("hotline-followup-sent", number=ticket.number), buttons=[back_to_menu(ctx)])
    ]


# --- office staff ----------------------------------------------------------------------


def _who(ctx: Context, s: TicketSummary) -> str:
    """Never a name: "named" or "anonymous" (show_asker reveals a named one)."""
    return ctx.t("hotline-who-anonymous" if s.anonymous else "hotline-who-named-hidden")


def status_label(ctx: Context, status: str) -> str:
    """A ticket's status as its reader sees it (the office, or the asker's records)."""
    return ctx.t(
        {"open": "hotline-status-open", "answered": "hotline-status-answered"}.get(
            status, "hotline-status-closed"
        )
    )


_status = status_label


async def _queue(ctx: Context, *, edit: bool) -> Reply:
    tickets = await ctx.services.hotline.queue(ctx.actor)
    if not tickets:
        return Reply(ctx.t("hotline-queue-empty"), buttons=[back_to_menu(ctx)], edit=edit)
    shown = tickets[:MAX_LIST]
    lines = [ctx.t("hotline-queue-title", count=len(tickets))]
    rows: list[list[Button]] = []
    for s in shown:
        lines.append(
            ctx.t(
                "hotline-queue-line",
                number=s.number,
                who=_who(ctx, s),
                status=_status(ctx, s.status),
                time=ctx.t.time(s.last_activity_at),
                overdue=ctx.t("hotline-overdue-flag") if s.overdue else "",
                preview=s.preview,
            )
        )
        rows.append(
            [
                Button(
                    ctx.t("hotline-queue-button", number=s.number, status=_status(ctx, s.status)),
                    Btn.HOTLINE_TICKET.token(s.id),
                )
            ]
        )
    rows.append(back_to_menu(ctx))
    return Reply(html_join(lines), buttons=rows, edit=edit)


# List the hotline tickets waiting for the office (from the menu in place of its message).
command_and_button(flow, "queue", Btn.HOTLINE_QUEUE, _queue, drop_state=True)


def render_ticket(ctx: Context, detail: TicketDetail) -> Reply:
    s = detail.summary
    lines = [
        ctx.t(
            "hotline-ticket-title",
            number=s.number,
            status=_status(ctx, s.status),
            who=_who(ctx, s),
            time=ctx.t.time(s.created_at),
        ),
    ]
    if s.overdue:
        lines.append(ctx.t("hotline-overdue-flag"))
    for m in detail.messages:
        lines.append("")
        if m.sender == "office":
            lines.append(
                ctx.t(
                    "hotline-thread-office",
                    time=ctx.t.time(m.at),
                    name=m.author_name or "-",
                    text=m.text,
                )
            )
        else:
            lines.append(ctx.t("hotline-thread-asker", time=ctx.t.time(m.at), text=m.text))
    rows = [[Button(ctx.t("hotline-btn-reply"), Btn.HOTLINE_REPLY.token(s.id))]]
    if not s.anonymous:
        rows.append([Button(ctx.t("hotline-btn-show-asker"), Btn.HOTLINE_SHOW_ASKER.token(s.id))])
    if s.status != "closed":
        rows.append([Button(ctx.t("hotline-btn-close"), Btn.HOTLINE_CLOSE.token(s.id))])
    rows.append([Button(ctx.t("hotline-btn-queue"), Btn.HOTLINE_QUEUE)])
    return Reply(html_join(lines), buttons=rows)


@flow.button(Btn.HOTLINE_TICKET)
async def cb_ticket(event: Incoming, ctx: Context) -> list[Reply]:
    """Show one ticket with its thread."""
    ctx.state.clear()
    detail = await ctx.services.hotline.ticket(ctx.actor, ctx.action(event).int_arg(0))
    return [render_ticket(ctx, detail)]


def _ask_about(ctx: Context, detail: TicketDetail, step: str, key: str) -> list[Reply]:
    """Ask the office staffer to type something about a ticket (a reply, a reason)."""
    ctx.state.go(step, ticket=detail.summary.id)
    cancel = Button(ctx.t("hotline-btn-cancel"), Btn.HOTLINE_CANCEL)
    return [Reply(ctx.t(key, number=detail.summary.number), buttons=[[cancel]])]


def _asked_about(ctx: Context) -> int:
    """The ticket `_ask_about` asked about."""
    return int(ctx.state.data["ticket"])


def _onwards(ctx: Context) -> list[list[Button]]:
    """After acting on a ticket: back to the queue, or the menu."""
    return [[Button(ctx.t("hotline-btn-queue"), Btn.HOTLINE_QUEUE)], back_to_menu(ctx)]


@flow.button(Btn.HOTLINE_REPLY)
async def cb_reply(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask the office staffer for the reply text."""
    detail = await ctx.services.hotline.ticket(ctx.actor, ctx.action(event).int_arg(0))
    return _ask_about(ctx, detail, STEP_REPLY, "hotline-reply-prompt")


@flow.text(STEP_REPLY)
async def on_text_reply(event: Incoming, ctx: Context) -> list[Reply]:
    """Send the reply to the asker."""
    summary = await ctx.services.hotline.reply(ctx.actor, _asked_about(ctx), event.text)
    ctx.state.clear()  # after the reply: a refused one may be typed again
    return [Reply(ctx.t("hotline-reply-sent", number=summary.number), buttons=_onwards(ctx))]


@flow.button(Btn.HOTLINE_CLOSE)
async def cb_close(event: Incoming, ctx: Context) -> list[Reply]:
    """Close the ticket."""
    summary = await ctx.services.hotline.close(ctx.actor, ctx.action(event).int_arg(0))
    text = ctx.t("hotline-closed", number=summary.number)
    return [Reply(text, edit=True, buttons=_onwards(ctx))]


@flow.button(Btn.HOTLINE_SHOW_ASKER)
async def cb_show_asker(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask the office staffer why he must see who asked this named ticket."""
    detail = await ctx.services.hotline.ticket(ctx.actor, ctx.action(event).int_arg(0))
    if detail.summary.anonymous:
        return [Reply(ctx.t("hotline-error-anonymous-asker", number=detail.summary.number))]
    return _ask_about(ctx, detail, STEP_WHY, "hotline-show-asker-prompt")


@flow.text(STEP_WHY)
async def on_text_why(event: Incoming, ctx: Context) -> list[Reply]:
    """Show who asked, for the reason typed; the view is audited and the asker told."""
    shown = await ctx.services.hotline.show_asker(ctx.actor, _asked_about(ctx), event.text)
    ctx.state.clear()
    return [
        Reply(
            ctx.t.of("hotline-asker-shown", shown, post=shown.post or "-"),
            buttons=_onwards(ctx),
        )
    ]
