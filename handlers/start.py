"""Registration, /start, /help, /lang, /menu and the fallbacks."""

from __future__ import annotations

from bot.actions import Btn
from bot.context import Context
from bot.core import Button, Incoming, Kind, Reply
from bot.i18n import LOCALES
from bot.router import Flow
from bot.text import html_join
from handlers import hotline
from handlers.common import main_menu

flow = Flow("start")
flow.menu_entry("menu-language", Btn.MENU_LANGUAGE, roles={"*"}, order=90)
flow.menu_entry("menu-help", Btn.MENU_HELP, roles={"*"}, order=95)

STEP_CODE = "reg.code"


@flow.command("start", public=True)
async def cmd_start(event: Incoming, ctx: Context) -> list[Reply]:
    """Greet a bound person, or redeem the deep-link code, or ask for a code."""
    if ctx.person is not None:
        if event.arg:
            return [Reply(ctx.t("reg-already-bound"))]
        ctx.state.clear()
        return [Reply(ctx.t("start-welcome-back", name=ctx.me.name)), main_menu(ctx)]
    if event.arg:
        return await _redeem(event.arg, event, ctx)
    ctx.state.go(STEP_CODE)
    until = await ctx.services.registration.locked_until(event.account)
    if until is not None:  # asking for a code now would only be refused
        raise ctx.services.registration.lockout(until)
    return [Reply(ctx.t("reg-ask-code", contact=ctx.settings.office_contact))]


@flow.text(STEP_CODE, public=True)
async def on_text_code(event: Incoming, ctx: Context) -> list[Reply]:
    """Take a typed invite code."""
    if ctx.person is not None:
        ctx.state.clear()
        return [main_menu(ctx)]
    return await _redeem(event.text, event, ctx)


async def _redeem(code: str, event: Incoming, ctx: Context) -> list[Reply]:
    ctx.state.go(STEP_CODE)
    person = await ctx.services.registration.redeem(event.account, code)
    ctx.person = person
    ctx.state.clear()
    ctx.t = ctx.t.catalog.translator(person.locale or ctx.state_row.locale, ctx.t.tz)
    if person.locale is None and ctx.state_row.locale:
        person.locale = ctx.state_row.locale
    replies = [Reply(ctx.t("reg-success", name=person.name))]
    waiting = len(await ctx.services.tasks.open_tasks(person.id))
    if waiting:  # published before this phone was bound: their messages could not arrive
        replies.append(Reply(ctx.t("reg-open-tasks", count=waiting)))
    return [*replies, main_menu(ctx)]


@flow.command("_unregistered", public=True)
async def cmd_unregistered(event: Incoming, ctx: Context) -> list[Reply]:
    """Explain to an unbound account how to register; nothing else works for it."""
    if event.kind is Kind.TEXT and ctx.state.step == STEP_CODE:
        return await _redeem(event.text, event, ctx)
    return [Reply(ctx.t("reg-how-to", contact=ctx.settings.office_contact))]


@flow.command("help", public=True)
async def cmd_help(event: Incoming, ctx: Context) -> list[Reply]:
    """Show what the bot does and how to reach the office."""
    if ctx.person is None:
        return [Reply(ctx.t("reg-how-to", contact=ctx.settings.office_contact))]
    return [await _help(ctx)]


@flow.button(Btn.MENU_HELP)
async def cb_help(event: Incoming, ctx: Context) -> list[Reply]:
    """Show help from the menu."""
    return [await _help(ctx)]


# The commands /help lists, each for the roles that use it ("*": everyone), in this order.
# tests/regressions/test_help_and_glued_warning_and_pledge_question_cancel.py checks that
# every command a flow registers is here.
HELP_COMMANDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("menu", frozenset({"*"})),
    ("tasks", frozenset({"*"})),
    ("checkin", frozenset({"auxiliary"})),
    ("records", frozenset({"*"})),
    ("ask", frozenset({"auxiliary", "office"})),
    ("register", frozenset({"leader", "office"})),
    ("notice", frozenset({"office"})),
    ("approvals", frozenset({"office"})),
    ("queue", frozenset({"office"})),
    ("status", frozenset({"office"})),
    ("lang", frozenset({"*"})),
    ("help", frozenset({"*"})),
)


def help_commands(ctx: Context) -> list[str]:
    """The /help lines of the commands the person's roles use."""
    roles = {r.role for r in ctx.me.roles} | {"*"}
    return [ctx.t(f"help-cmd-{name}") for name, who in HELP_COMMANDS if who & roles]


async def _help(ctx: Context) -> Reply:
    s = ctx.settings
    return Reply(
        ctx.t(
            "help-text",
            commands=html_join(help_commands(ctx)),
            contact=s.office_contact,
            **await hotline.contact_args(ctx),  # the person's unit's, else the bureau's
        )
    )


@flow.command("menu")
async def cmd_menu(event: Incoming, ctx: Context) -> list[Reply]:
    """Show the main menu."""
    ctx.state.clear()
    return [main_menu(ctx)]


@flow.button(Btn.MENU_HOME)
async def cb_home(event: Incoming, ctx: Context) -> list[Reply]:
    """Return to the main menu, replacing the current message."""
    ctx.state.clear()
    return [main_menu(ctx, edit=True)]


def _language_picker(ctx: Context) -> Reply:
    return Reply(
        ctx.t("lang-choose"),
        buttons=[
            [Button(ctx.t(f"lang-name-{loc}"), Btn.LANGUAGE_SET.token(loc)) for loc in LOCALES]
        ],
    )


@flow.command("lang", public=True)
async def cmd_lang(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer the languages; `/lang en` switches at once."""
    wanted = event.arg.strip().replace("-", "_")
    if wanted:
        match = next((loc for loc in LOCALES if loc.lower() == wanted.lower()), None)
        if match is None:
            return [_language_picker(ctx)]
        return await _set_locale(match, ctx, edit=False)
    return [_language_picker(ctx)]


@flow.button(Btn.MENU_LANGUAGE)
async def cb_lang_menu(event: Incoming, ctx: Context) -> list[Reply]:
    """Offer the languages from the menu."""
    return [_language_picker(ctx)]


@flow.button(Btn.LANGUAGE_SET, public=True)
async def cb_lang_set(event: Incoming, ctx: Context) -> list[Reply]:
    """Switch the language and remember it."""
    locale = ctx.action(event).arg()
    if locale not in LOCALES:
        return [Reply(ctx.t("error-stale-button"))]
    return await _set_locale(locale, ctx, edit=True)


async def _set_locale(locale: str, ctx: Context, *, edit: bool) -> list[Reply]:
    await ctx.services.people.set_locale(ctx.person, ctx.state_row, locale)
    ctx.t = ctx.t.catalog.translator(locale, ctx.t.tz)
    replies = [Reply(ctx.t("lang-set"), edit=edit)]
    if ctx.person is not None:
        replies.append(main_menu(ctx))
    return replies


@flow.command("*", public=True)
async def cmd_unknown(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer a command nobody handles."""
    if ctx.person is None:
        return [Reply(ctx.t("reg-how-to", contact=ctx.settings.office_contact))]
    return [Reply(ctx.t("error-unknown-command")), main_menu(ctx)]


@flow.button("*", public=True)
async def cb_unknown(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer a button that is no longer understood (an old message)."""
    return [Reply(ctx.t("error-stale-button"))]


@flow.text("*", public=True)
async def on_text_other(event: Incoming, ctx: Context) -> list[Reply]:
    """Answer free text outside any flow: a question for the hotline, if the person may ask."""
    if ctx.person is None:
        return await cmd_unregistered(event, ctx)
    if hotline.can_use(ctx.person):
        return await hotline.answer_question(event.text, ctx, buttons=event.buttons_shown)
    return [Reply(ctx.t("error-unknown-input")), main_menu(ctx)]
