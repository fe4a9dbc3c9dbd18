"""`muster login-link EMPLOYEE_NO`: a one-time login URL for the office console."""

from __future__ import annotations

import argparse

from bot.actor import Actor
from bot.app import App
from bot.cli.common import say, translator
from bot.cli.office import command, opened_app
from bot.config import Settings
from bot.i18n import Translator
from bot.services.web_auth import LINK_TTL


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    link = sub.add_parser("login-link", help=t("cli-help-login-link"))
    link.add_argument("employee_no", metavar="EMPLOYEE_NO")
    link.set_defaults(func=cmd_login_link)


def console_url(settings: Settings) -> str:
    """Where the console is reached: MUSTER_WEB_URL, else the listening address."""
    return settings.public_url + "/console"


async def login_link(app: App, employee_no: str, *, actor: Actor) -> str:
    """Issue a login link's token and return the whole URL."""
    async with app.unit_of_work() as svc:
        token = await svc.web_auth.issue_link(actor, employee_no)
    return f"{console_url(app.settings)}/login/link?token={token}"


@command
async def cmd_login_link(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time console login URL for a person with a console role."""
    t = translator(settings, args.lang)
    async with opened_app(settings, t) as app:
        url = await login_link(app, args.employee_no, actor=Actor.cli("cli:login-link"))
    say(t("web-cli-login-link", minutes=int(LINK_TTL.total_seconds() // 60)), url)
    return 0
