"""Rendering pieces several handlers share."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Reply
from bot.router import Flow, Handler


def main_menu(ctx: Context, *, edit: bool = False) -> Reply:
    """The main menu: entries of every feature the person's roles may use."""
    person = ctx.me
    roles = {r.role for r in person.roles}
    rows = [
        [Button(ctx.t(entry.label_key), entry.action)]
        for entry in ctx.menu
        if entry.roles & roles or "*" in entry.roles
    ]
    return Reply(ctx.t("menu-title", name=person.name), buttons=rows, edit=edit)


def back_to_menu(ctx: Context) -> list[Button]:
    return [Button(ctx.t("btn-back-menu"), Btn.MENU_HOME)]


class Screen(Protocol):
    """A screen that is sent anew (`edit=False`) or replaces the message pressed."""

    def __call__(self, ctx: Context, *, edit: bool) -> Awaitable[Reply]: ...


def command_and_button(
    flow: Flow, command: str, button: str, screen: Screen, *, drop_state: bool = False
) -> None:
    """`/command` sends `screen` as a new message; a press of `button` (from a menu) shows
    it in place of the message pressed. With `drop_state`, whatever the person was in the
    middle of is dropped first."""

    def handler(edit: bool) -> Handler:
        async def show(event: Incoming, ctx: Context) -> list[Reply]:
            if drop_state:
                ctx.state.clear()
            return [await screen(ctx, edit=edit)]

        return show

    flow.command(command)(handler(False))
    flow.button(button)(handler(True))


def cancel_button(flow: Flow, button: str, key: str) -> None:
    """A press of `button` stops what the person was doing (nothing of it is kept): the
    state is dropped and `key` said in place of the message pressed, with the way back to
    the menu."""

    @flow.button(button)
    async def cancel(event: Incoming, ctx: Context) -> list[Reply]:
        ctx.state.clear()
        return [Reply(ctx.t(key), buttons=[back_to_menu(ctx)], edit=True)]
