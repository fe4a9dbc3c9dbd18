"""`muster wecom serve`: the WeCom app on its own, until the shared web server takes it.

Serves /wecom/callback on --listen (default MUSTER_WEBHOOK_LISTEN), with the inbox worker,
the timed jobs and the outbox sender delivering through WeCom, as `muster run` does for
Telegram. Once the one aiohttp server (MUSTER_WEB_LISTEN, MUSTER_CHANNELS) exists, it
mounts the same routes with `bot.channels.wecom.routes.setup(app, channel)` instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    wc = sub.add_parser("wecom", help="the WeCom / 政务微信 app")
    wc_sub = wc.add_subparsers(dest="wecom_command", required=True)
    serve = wc_sub.add_parser("serve", help="serve /wecom/callback and deliver through WeCom")
    serve.add_argument("--listen", default=None, help="HOST:PORT (default MUSTER_WEBHOOK_LISTEN)")
    serve.set_defaults(func=cmd_serve)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the callback URL until Ctrl+C or SIGTERM."""
    from aiohttp import web  # noqa: PLC0415

    from bot.app import App  # noqa: PLC0415
    from bot.channels.wecom.channel import WecomChannel, missing_settings  # noqa: PLC0415
    from bot.channels.wecom.routes import PATH, setup  # noqa: PLC0415
    from scheduled.jobs import SecondProcess, start_jobs  # noqa: PLC0415
    from scheduled.sender import run_sender  # noqa: PLC0415

    missing = missing_settings(settings)
    if missing:
        print(f"muster: {', '.join(missing)} not set", file=sys.stderr)
        return 2
    listen = args.listen or settings.webhook_listen
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        print(f"muster: --listen {listen!r}: must be HOST:PORT", file=sys.stderr)
        return 2
    app = await App.open(settings)  # refuses an old schema: "run `muster db upgrade`"
    channel = WecomChannel(settings, app.conversation())
    try:
        jobs = await start_jobs(app)
    except SecondProcess as exc:
        await app.close()
        print(f"muster: {exc}", file=sys.stderr)
        return 1
    sender = asyncio.create_task(run_sender(app, [channel]), name="outbox-sender")
    web_app = web.Application()
    setup(web_app, channel)  # the routes, and the inbox worker while the app runs
    runner = web.AppRunner(web_app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        await runner.setup()
        try:
            await web.TCPSite(runner, host.strip("[]"), int(port)).start()
        except OSError as exc:
            print(f"muster: cannot listen on {listen}: {exc}", file=sys.stderr)
            return 1
        print(f"muster: WeCom callback on {listen}{PATH}; Ctrl+C stops", flush=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await jobs.stop()
        sender.cancel()  # calls in flight finish, rows not started are released
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await runner.cleanup()  # stops the inbox worker, closes the channel
        await channel.close()  # if the server never started
        await app.close()
    return 0
