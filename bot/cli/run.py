"""`muster run`: the bot itself, by long polling or as a webhook server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from typing import TYPE_CHECKING

from bot.app import App
from bot.channels.base import ChannelError
from bot.config import Settings
from scheduled.jobs import SecondProcess, start_jobs
from scheduled.sender import run_sender

if TYPE_CHECKING:
    from bot.channels.common import TelegramAdapter

LIBRARIES = {"aiogram": "aiogram", "ptb": "python-telegram-bot"}  # MUSTER_CHANNEL values
CHANNELS = tuple(LIBRARIES)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="run the bot: long polling, or a webhook server")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve a webhook on MUSTER_WEBHOOK_LISTEN instead of long polling "
        "(needs MUSTER_WEBHOOK_URL and MUSTER_WEBHOOK_SECRET)",
    )
    run.add_argument(
        "--channel",
        choices=CHANNELS,
        default=None,
        help="chat library to run (default: MUSTER_CHANNEL)",
    )
    run.set_defaults(func=cmd_run)


def adapter_class(name: str) -> type[TelegramAdapter]:
    """The adapter for MUSTER_CHANNEL / --channel; imported only when chosen (both are slow)."""
    if name == "ptb":
        from bot.channels.telegram_ptb import PtbChannel  # noqa: PLC0415

        return PtbChannel
    from bot.channels.telegram_aiogram import AiogramChannel  # noqa: PLC0415

    return AiogramChannel


def _refuse(message: str) -> int:
    print(f"muster: {message}", file=sys.stderr)
    return 2


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot until Ctrl+C or SIGTERM."""
    channel_name = args.channel or settings.channel
    if channel_name not in CHANNELS:
        return _refuse(f"channel {channel_name!r} is not available; use one of {CHANNELS}")
    if settings.telegram_token is None:
        return _refuse("MUSTER_TELEGRAM_TOKEN is not set (the token from @BotFather)")
    if args.webhook:
        if not settings.webhook_url:
            return _refuse("--webhook needs MUSTER_WEBHOOK_URL (the public HTTPS address)")
        if settings.webhook_secret is None:
            return _refuse("--webhook needs MUSTER_WEBHOOK_SECRET")
        if not SECRET_TOKEN.fullmatch(settings.webhook_secret.get_secret_value()):
            return _refuse("MUSTER_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")

    app = await App.open(settings)  # refuses an old schema: "run `muster db upgrade`"
    if settings.audit_key is None:
        await app.close()
        return _refuse("MUSTER_AUDIT_KEY is not set (the key of the audit chain, kept secret)")
    channel = adapter_class(channel_name)(settings, app.conversation())
    try:
        jobs = await start_jobs(app)  # the deadline engine's tick and periodic jobs
    except SecondProcess as exc:
        await app.close()
        print(f"muster: {exc}", file=sys.stderr)
        return 1
    # the one delivery path: reminders, digests, notices, hotline replies
    sender = asyncio.create_task(run_sender(app, [channel]), name="outbox-sender")
    try:
        if args.webhook:
            print(
                f"muster: webhook server on {settings.webhook_listen} "
                f"for {settings.webhook_url} ({LIBRARIES[channel_name]}); Ctrl+C stops",
                flush=True,
            )
            try:
                await channel.run_webhook()
            except OSError as exc:  # the port is taken, or not ours to bind
                print(
                    f"muster: cannot listen on {settings.webhook_listen}: {exc}", file=sys.stderr
                )
                return 1
        else:
            print(f"muster: long polling ({LIBRARIES[channel_name]}); Ctrl+C stops", flush=True)
            await channel.run_polling()
    except ChannelError as exc:
        print(f"muster: cannot start the bot: {exc.reason}", file=sys.stderr)
        return 1
    finally:
        await jobs.stop()
        sender.cancel()  # calls in flight finish, rows not started are released
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await channel.close()  # a late send may have reopened the HTTP client
        await app.close()  # only after the sender has stopped
    return 0
