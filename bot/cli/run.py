"""`muster run`: the bot itself (long polling or a webhook) and the web server.

One aiohttp server on MUSTER_WEB_LISTEN serves the office console (/console/) and, with
--webhook, the Telegram webhook. MUSTER_CHANNELS lists the chat channels to run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
from typing import TYPE_CHECKING, Any

from bot.app import App, settle_heap
from bot.channels.base import ChannelError
from bot.cli.common import refuse, say, translator
from bot.config import Settings
from bot.i18n import Translator
from bot.web.console import console_routes
from bot.web.server import WebServer, sub_app
from scheduled.jobs import Jobs, SecondProcess, start_jobs
from scheduled.sender import run_sender

if TYPE_CHECKING:
    from bot.channels.common import TelegramAdapter

LIBRARIES = {"aiogram": "aiogram", "ptb": "python-telegram-bot"}  # Telegram channels
CHANNELS = (*LIBRARIES, "wecom", "web")  # what MUSTER_CHANNELS may name; later channels add theirs
ROLES = ("all", "web", "worker")  # what a process of `muster run` does
log = logging.getLogger(__name__)


class ChannelsError(ValueError):
    """MUSTER_CHANNELS (or --channel) names what cannot run; `key` and `args_` say it in
    the operator's language, the message in the log's."""

    def __init__(self, message: str, key: str, **args: str) -> None:
        super().__init__(message)
        self.key, self.args_ = key, args


def channel_names(settings: Settings, override: str | None = None) -> list[str]:
    """The channels to run: --channel, else MUSTER_CHANNELS, else the deprecated
    MUSTER_CHANNEL (with a log line), else aiogram. ChannelsError names an unknown one."""
    if override:
        raw = override
    elif settings.channels is not None:
        raw = settings.channels
    elif settings.channel is not None:
        log.warning("MUSTER_CHANNEL is deprecated; use MUSTER_CHANNELS=%s", settings.channel)
        raw = settings.channel
    else:
        raw = "aiogram"
    names = list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    for name in names:
        if name not in CHANNELS:
            raise ChannelsError(
                f"channel {name!r} is not available; use one of {CHANNELS}",
                "cli-run-unknown-channel",
                channel=name,
                channels=", ".join(CHANNELS),
            )
    if sum(1 for n in names if n in LIBRARIES) > 1:
        raise ChannelsError(
            "name one Telegram library in MUSTER_CHANNELS: aiogram or ptb",
            "cli-run-two-libraries",
        )
    return names


SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help=t("cli-help-run"))
    run.add_argument("--webhook", action="store_true", help=t("cli-help-run-webhook"))
    run.add_argument("--channel", choices=CHANNELS, default=None, help=t("cli-help-run-channel"))
    run.add_argument("--role", choices=ROLES, default="all", help=t("cli-help-run-role"))
    run.set_defaults(func=cmd_run)


def adapter_class(name: str) -> type[TelegramAdapter]:
    """The adapter for MUSTER_CHANNELS / --channel; imported only when chosen (both are slow)."""
    if name == "ptb":
        from bot.channels.telegram_ptb import PtbChannel  # noqa: PLC0415

        return PtbChannel
    from bot.channels.telegram_aiogram import AiogramChannel  # noqa: PLC0415

    return AiogramChannel


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot and the web server until Ctrl+C or SIGTERM."""
    t = translator(settings, args.lang)
    try:
        names = channel_names(settings, args.channel)
    except ChannelsError as exc:
        return refuse(t(exc.key, **exc.args_))
    telegram = next((n for n in names if n in LIBRARIES), None)
    if "wecom" in names:
        from bot.channels.wecom.channel import missing_settings  # noqa: PLC0415

        missing = missing_settings(settings)
        if missing:
            return refuse(t("cli-run-wecom-missing", vars=", ".join(missing)))
    if telegram is not None and settings.telegram_token is None:
        return refuse(t("cli-run-no-token"))
    if args.webhook:
        if telegram is None:
            return refuse(t("cli-run-webhook-no-telegram"))
        if not settings.webhook_url:
            return refuse(t("cli-run-webhook-no-url"))
        if settings.webhook_secret is None:
            return refuse(t("cli-run-webhook-no-secret"))
        if not SECRET_TOKEN.fullmatch(settings.webhook_secret.get_secret_value()):
            return refuse(t("cli-run-webhook-bad-secret"))

    role = getattr(args, "role", "all")
    if role != "all" and settings.is_sqlite:
        return refuse(t("run-role-sqlite"))

    app = await App.open(settings)  # refuses an old schema: "run `muster db upgrade`"
    if settings.audit_key is None:
        await app.close()
        return refuse(t("cli-run-no-audit-key"))
    if settings.hotline_key is None:
        await app.close()
        return refuse(t("cli-run-no-hotline-key"))
    channel = adapter_class(telegram)(settings, app.conversation()) if telegram else None
    wecom = None
    if "wecom" in names:
        from bot.channels.wecom.channel import WecomChannel  # noqa: PLC0415

        wecom = WecomChannel(settings, app.conversation())
    webchat = None
    if "web" in names:
        from bot.channels.webchat import WebChannel  # noqa: PLC0415

        webchat = WebChannel(app)
    senders: list[Any] = [c for c in (channel, wecom, webchat) if c is not None]
    server: WebServer | None = None
    if role in ("all", "web"):  # a worker receives nothing and serves no page
        server = WebServer(settings.web_listen)
        server.mount("console", console_routes(app))
        if args.webhook and channel is not None:
            server.mount("telegram", sub_app(channel.webhook_app()))
        if wecom is not None:
            from bot.channels.wecom.routes import setup as wecom_setup  # noqa: PLC0415

            # /wecom/callback, and the inbox worker while the server runs
            server.mount("wecom", lambda web_app: wecom_setup(web_app, wecom))
        if webchat is not None:
            from bot.web.chat import chat_routes  # noqa: PLC0415

            server.mount("web", chat_routes(app, webchat))
    jobs: Jobs | None = None
    sender: asyncio.Task[None] | None = None
    if role in ("all", "worker"):
        try:
            jobs = await start_jobs(app)  # the deadline engine's tick and periodic jobs
        except SecondProcess:
            await app.close()
            return refuse(t("cli-run-second-process"), code=1)
        # the one delivery path: reminders, digests, notices, hotline replies
        sender = asyncio.create_task(run_sender(app, senders), name="outbox-sender")
    if role != "all":
        say(t("run-role-started", role=role))
    settle_heap()
    try:
        if server is not None:
            try:
                await server.start()  # with --webhook: calls setWebhook
            except OSError as exc:  # the port is taken, or not ours to bind
                why = t("cli-run-cannot-listen", where=settings.web_listen, why=str(exc))
                return refuse(why, code=1)
            say(t("cli-run-console-at", url=f"http://{settings.web_listen}/console/"))
            if wecom is not None:
                say(t("cli-run-wecom-at", url=f"{settings.web_listen}/wecom/callback"))
            if webchat is not None:
                say(t("run-webchat-at", url=f"http://{settings.web_listen}/chat/"))
        if role == "worker":  # sends through the adapter, takes no updates
            await until_signal()
        elif args.webhook and telegram is not None:
            say(
                t(
                    "cli-run-webhook",
                    where=settings.web_listen,
                    url=settings.webhook_url or "",
                    library=LIBRARIES[telegram],
                )
            )
            await until_signal()
        elif channel is not None and telegram is not None:
            say(t("cli-run-polling", library=LIBRARIES[telegram]))
            await channel.run_polling()
        else:
            say(t("cli-run-web-only"))
            await until_signal()
    except ChannelError as exc:
        return refuse(t("cli-run-cannot-start", reason=exc.reason), code=1)
    finally:
        if server is not None:
            await server.stop()  # lets running requests (and webhook updates) finish
        if jobs is not None:
            await jobs.stop()
        if sender is not None:
            sender.cancel()  # calls in flight finish, rows not started are released
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        if channel is not None:
            if args.webhook and server is not None:
                await channel._after_webhook()  # the adapter's own webhook teardown
            await channel.close()  # a late send may have reopened the HTTP client
        if wecom is not None:
            await wecom.close()
        await app.close()  # only after the sender has stopped
    return 0


async def until_signal() -> None:
    """Wait for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
