"""`muster doctor`: can each configured channel authenticate? One line per channel.

Telegram: getMe with MUSTER_TELEGRAM_TOKEN. WeCom: gettoken with the corp id and secret,
then agent/get, which WeCom refuses with 60020 when this server's IP is not one of the
app's trusted IPs (the configuration error most deployments hit first).
Exit 0 when every configured channel works, 1 otherwise.
"""

from __future__ import annotations

import argparse

from bot.cli.common import say, translator
from bot.config import Settings
from bot.i18n import Translator

TIMEOUT = 15.0  # seconds for each check


def register(sub: argparse._SubParsersAction, t: Translator) -> None:  # type: ignore[type-arg]
    doc = sub.add_parser("doctor", help=t("cli-help-doctor"))
    doc.set_defaults(func=cmd_doctor)


async def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Check every configured channel; print one line each."""
    t = translator(settings, args.lang)
    checks: list[tuple[str, str | None, str | None]] = []  # channel, detail, problem
    if settings.telegram_token is not None:
        checks.append(("Telegram", *await _telegram(settings, t)))
    if any(getattr(settings, f"wecom_{n}") is not None for n in ("corp_id", "agent_id", "secret")):
        checks.append(("WeCom", *await _wecom(settings, t)))
    if not checks:
        say(t("doctor-none"))
        return 1
    for channel, detail, problem in checks:
        if problem is None:
            say(t("doctor-ok", channel=channel, detail=detail or ""))
        else:
            say(t("doctor-failed", channel=channel, reason=problem))
    return 0 if all(problem is None for _, _, problem in checks) else 1


async def _telegram(settings: Settings, t: Translator) -> tuple[str | None, str | None]:
    assert settings.telegram_token is not None  # noqa: S101 - checked by the caller
    url = (
        f"{settings.telegram_api_url.rstrip('/')}/bot"
        f"{settings.telegram_token.get_secret_value()}/getMe"
    )
    import aiohttp  # noqa: PLC0415 - `muster --help` stays fast

    try:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
            answer = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return None, t("doctor-error", reason=f"{type(exc).__name__}: {exc}")
    if not answer.get("ok"):
        return None, t("doctor-error", reason=str(answer.get("description", answer)))
    return t("doctor-telegram-ok", username=answer["result"].get("username", "?")), None


async def _wecom(settings: Settings, t: Translator) -> tuple[str | None, str | None]:
    from bot.app import App  # noqa: PLC0415
    from bot.channels.base import ChannelError  # noqa: PLC0415
    from bot.channels.wecom.api import (  # noqa: PLC0415
        WecomApi,
        WecomBadCredentials,
        WecomUntrustedIp,
    )
    from bot.channels.wecom.channel import missing_settings  # noqa: PLC0415

    missing = missing_settings(settings)
    if missing:
        return None, t("doctor-wecom-missing", vars=", ".join(missing))
    app = await App.open(settings, check_schema=False)  # the check uses no table
    api = WecomApi.from_settings(settings, app.sessionmaker, app.clock)
    try:
        name = await api.check()
    except WecomUntrustedIp:
        return None, t("doctor-wecom-untrusted-ip")
    except WecomBadCredentials as exc:
        return None, t("doctor-wecom-bad-secret", reason=exc.reason)
    except ChannelError as exc:
        return None, t("doctor-error", reason=exc.reason)
    finally:
        await api.close()
        await app.close()
    host = settings.wecom_api_url.split("//", 1)[-1]
    return t("doctor-wecom-ok", name=name, agent=settings.wecom_agent_id, host=host), None
