"""My tasks: every open assignment with its deadline, whatever its kind."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.notify import KINDS, open_button
from bot.router import Flow
from bot.text import html_join
from handlers.common import back_to_menu

flow = Flow("tasks")
flow.menu_entry("menu-my-tasks", Btn.TASKS_LIST, roles={"*"}, order=10)


@flow.button(Btn.TASKS_LIST)
async def cb_tasks(event: Incoming, ctx: Context) -> list[Reply]:
    """List my open tasks with their deadlines and a button to open each."""
    return [await render_tasks(ctx, edit=True)]


@flow.command("tasks")
async def cmd_tasks(event: Incoming, ctx: Context) -> list[Reply]:
    """List my open tasks."""
    return [await render_tasks(ctx, edit=False)]


async def render_tasks(ctx: Context, *, edit: bool) -> Reply:
    tasks = await ctx.services.tasks.open_tasks(ctx.me.id)
    if not tasks:
        return Reply(ctx.t("tasks-none"), buttons=[back_to_menu(ctx)], edit=edit)
    now = ctx.clock.now()
    lines = [ctx.t("tasks-title", count=len(tasks))]
    rows: list[list[Button]] = []
    for task in tasks:
        kind = KINDS.get(task.kind)
        kind_name = ctx.t(kind.name_key) if kind else task.kind
        overdue = task.due_at is not None and task.due_at < now
        lines.append(
            ctx.t(
                "tasks-line-overdue" if overdue else "tasks-line",
                kind=kind_name,
                title=task.title(ctx.t.locale),
                due=ctx.t.time(task.due_at),
            )
        )
        button = open_button(ctx.t, task.kind, task.assignment_id)
        if button is not None:
            rows.append(
                [Button(f"{button['label']} · {task.title(ctx.t.locale)}", button["action"])]
            )
    rows.append(back_to_menu(ctx))
    return Reply(html_join(lines), buttons=rows, edit=edit)
