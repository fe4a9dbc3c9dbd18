"""Rendering pieces several handlers share."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Reply


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
