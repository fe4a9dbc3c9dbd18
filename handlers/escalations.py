"""Mentors and leaders act on a digest: reminded in person, or excused with a reason."""

from __future__ import annotations

from bot.context import Context
from bot.core import Incoming, Reply
from bot.router import Flow
from bot.text import esc

flow = Flow("escalations")

STEP_REASON = "esc.reason"


@flow.button("esc:rip")
async def cb_reminded(event: Incoming, ctx: Context) -> list[Reply]:
    """Record that the mentor reminded the person face to face."""
    person = await ctx.services.escalations.reminded_in_person(
        ctx.actor, ctx.action(event).int_arg(0)
    )
    return [Reply(ctx.t("esc-reminded-done", name=esc(person.name)))]


@flow.button("esc:exc")
async def cb_excuse(event: Incoming, ctx: Context) -> list[Reply]:
    """Ask why the person is excused."""
    person_id = ctx.action(event).int_arg(0)
    name = await ctx.services.escalations.person_name(ctx.actor, person_id)
    ctx.state.go(STEP_REASON, person=person_id)
    return [Reply(ctx.t("esc-ask-reason", name=esc(name)))]


@flow.text(STEP_REASON)
async def on_text_reason(event: Incoming, ctx: Context) -> list[Reply]:
    """Excuse the person's overdue items with the typed reason."""
    person = await ctx.services.escalations.excuse(
        ctx.actor, int(ctx.state.data["person"]), event.text
    )
    ctx.state.clear()
    return [Reply(ctx.t("esc-excused-done", name=esc(person.name)))]
