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
import sys
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.channels.base import ChannelError
from bot.config import Settings
from bot.i18n import Catalog
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


def channel_names(settings: Settings, override: str | None = None) -> list[str]:
    """The channels to run: --channel, else MUSTER_CHANNELS, else the deprecated
    MUSTER_CHANNEL (with a log line), else aiogram. ValueError names an unknown one."""
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
            raise ValueError(f"channel {name!r} is not available; use one of {CHANNELS}")
    if sum(1 for n in names if n in LIBRARIES) > 1:
        raise ValueError("name one Telegram library in MUSTER_CHANNELS: aiogram or ptb")
    return names


SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="run the bot: long polling, or a webhook server")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take Telegram updates by webhook on MUSTER_WEB_LISTEN instead of long polling "
        "(needs MUSTER_WEBHOOK_URL and MUSTER_WEBHOOK_SECRET)",
    )
    run.add_argument(
        "--channel",
        choices=CHANNELS,
        default=None,
        help="chat library to run (default: MUSTER_CHANNELS)",
    )
    run.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="web: receive updates and handle conversations; worker: scheduled jobs and the "
        "outbox sender; all: both (the default, and the only choice on SQLite)",
    )
    run.set_defaults(func=cmd_run)


def adapter_class(name: str) -> type[TelegramAdapter]:
    """The adapter for MUSTER_CHANNELS / --channel; imported only when chosen (both are slow)."""
    if name == "ptb":
        from bot.channels.telegram_ptb import PtbChannel  # noqa: PLC0415

        return PtbChannel
    from bot.channels.telegram_aiogram import AiogramChannel  # noqa: PLC0415

    return AiogramChannel


def _refuse(message: str) -> int:
    print(f"muster: {message}", file=sys.stderr)
    return 2


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot and the web server until Ctrl+C or SIGTERM."""
    try:
        names = channel_names(settings, args.channel)
    except ValueError as exc:
        return _refuse(str(exc))
    telegram = next((n for n in names if n in LIBRARIES), None)
    if "wecom" in names:
        from bot.channels.wecom.channel import missing_settings  # noqa: PLC0415

        missing = missing_settings(settings)
        if missing:
            return _refuse(f"MUSTER_CHANNELS names wecom but {', '.join(missing)} not set")
    if telegram is not None and settings.telegram_token is None:
        return _refuse("MUSTER_TELEGRAM_TOKEN is not set (the token from @BotFather)")
    if args.webhook:
        if telegram is None:
            return _refuse("--webhook needs a Telegram channel in MUSTER_CHANNELS")
        if not settings.webhook_url:
            return _refuse("--webhook needs MUSTER_WEBHOOK_URL (the public HTTPS address)")
        if settings.webhook_secret is None:
            return _refuse("--webhook needs MUSTER_WEBHOOK_SECRET")
        if not SECRET_TOKEN.fullmatch(settings.webhook_secret.get_secret_value()):
            return _refuse("MUSTER_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")

    role = getattr(args, "role", "all")
    if role != "all" and settings.is_sqlite:
        catalog = Catalog(settings.locales_dir, settings.default_locale)
        t = catalog.text_translator(None, settings.tz)
        print(f"muster: {t('run-role-sqlite')}", file=sys.stderr)
        return 2

    app = await App.open(settings)  # refuses an old schema: "run `muster db upgrade`"
    if settings.audit_key is None:
        await app.close()
        return _refuse("MUSTER_AUDIT_KEY is not set (the key of the audit chain, kept secret)")
    if settings.hotline_key is None:
        await app.close()
        return _refuse(
            "MUSTER_HOTLINE_KEY is not set (the key that seals hotline askers, kept secret)"
        )
    channel = adapter_class(telegram)(settings, app.conversation()) if telegram else None
    wecom = None
    if "wecom" in names:
        from bot.channels.wecom.channel import WecomChannel  # noqa: PLC0415

        wecom = WecomChannel(settings, app.conversation())
    webchat = None
    if "web" in names:
        from bot.channels.webchat import WebChannel  # noqa: PLC0415

        webchat = WebChannel(app.conversation())
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
        except SecondProcess as exc:
            await app.close()
            print(f"muster: {exc}", file=sys.stderr)
            return 1
        # the one delivery path: reminders, digests, notices, hotline replies
        sender = asyncio.create_task(
            run_sender(app, senders), name="outbox-sender"
        )
    if role != "all":
        print(app.text_translator()("run-role-started", role=role), flush=True)
    try:
        if server is not None:
            try:
                await server.start()  # with --webhook: calls setWebhook
            except OSError as exc:  # the port is taken, or not ours to bind
                print(f"muster: cannot listen on {settings.web_listen}: {exc}", file=sys.stderr)
                return 1
            print(f"muster: console on http://{settings.web_listen}/console/", flush=True)
            if wecom is not None:
                where = f"{settings.web_listen}/wecom/callback"
                print(f"muster: WeCom callback on {where}", flush=True)
            if webchat is not None:
                url = f"http://{settings.web_listen}/chat/"
                print(app.text_translator()("run-webchat-at", url=url), flush=True)
        if role == "worker":  # sends through the adapter, takes no updates
            await until_signal()
        elif args.webhook and telegram is not None:
            print(
                f"muster: webhook server on {settings.web_listen} "
                f"for {settings.webhook_url} ({LIBRARIES[telegram]}); Ctrl+C stops",
                flush=True,
            )
            await until_signal()
        elif channel is not None and telegram is not None:
            print(f"muster: long polling ({LIBRARIES[telegram]}); Ctrl+C stops", flush=True)
            await channel.run_polling()
        else:
            print("muster: no Telegram channel; web server only; Ctrl+C stops", flush=True)
            await until_signal()
    except ChannelError as exc:
        print(f"muster: cannot start the bot: {exc.reason}", file=sys.stderr)
        return 1
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
