"""WeCom's server API for a self-built app: access token, message/send, update_template_card.

The access token (7,200 s) is shared by every process through the `wecom_token` row: a
process that finds it missing or within REFRESH_MARGIN of expiry takes the row's lease,
calls gettoken once and stores the answer; the others wait for it. 42001 (expired) and
40014 (invalid) refresh it once more and repeat the call.

WeCom errors become those of bot.channels.base, so the outbox sender treats them like
Telegram's: 45009/45033 (too many calls) -> RetryAfter; 81013 and `invaliduser` (the
member is not in the app's visible range) -> Unreachable; 60020 (this server's IP is not a
trusted IP of the app) -> WecomConfigError, logged as a configuration error; other codes ->
Rejected; network trouble, 5xx and -1 (system busy) -> TransientError.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelError, Rejected, RetryAfter, TransientError, Unreachable
from bot.clock import Clock
from bot.config import Settings
from storage.models_wecom import WecomToken

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the token expires
LEASE = timedelta(seconds=30)  # one process refreshes; others wait at most this long
WAIT_STEP = 0.2  # seconds between looks at the row while another process refreshes
TIMEOUT = aiohttp.ClientTimeout(total=15)
TOKEN_EXPIRED = frozenset({42001, 40014})  # expired, invalid access_token
BACKOFF = {45009: 60.0, 45033: 5.0}  # call frequency / concurrency over WeCom's limit
NOT_VISIBLE = 81013  # user, party and tag all invalid: not in the app's visible range
UNTRUSTED_IP = 60020  # this server's IP is not among the app's trusted IPs
BUSY = -1
BAD_CREDENTIALS = frozenset({40013, 40001, 40091, 41002, 41004})  # corp id / secret wrong


class WecomConfigError(TransientError):
    """WeCom refuses the app's configuration (trusted IP, secret...): fix it in the admin
    console; deliveries retry meanwhile."""


class WecomUntrustedIp(WecomConfigError):
    """60020: this server's IP is not among the app's trusted IPs."""


class WecomBadCredentials(WecomConfigError):
    """The corp id or the secret is wrong."""


@dataclass(eq=False, kw_only=True)
class WecomApi:
    """Calls to one app's API host, with the shared access token."""

    api_url: str
    corp_id: str
    agent_id: int
    secret: str = field(repr=False)
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    sleep: Any = asyncio.sleep

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        self._key = f"{self.corp_id}:{self.agent_id}"
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self._http: aiohttp.ClientSession | None = None
        self._token: tuple[str, datetime] | None = None  # this process's copy of the row

    @classmethod
    def from_settings(
        cls, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
    ) -> WecomApi:
        """The configured app's client; the caller checked `missing_settings` first."""
        assert settings.wecom_corp_id and settings.wecom_agent_id and settings.wecom_secret  # noqa: S101
        return cls(
            api_url=settings.wecom_api_url,
            corp_id=settings.wecom_corp_id,
            agent_id=settings.wecom_agent_id,
            secret=settings.wecom_secret.get_secret_value(),
            sessionmaker=sessionmaker,
            clock=clock,
        )

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- calls -----------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """message/send for our agent; the answer (msgid, response_code, ...)."""
        body = {"agentid": self.agent_id, **message}
        answer = await self.call("POST", "/cgi-bin/message/send", body)
        invalid = answer.get("invaliduser")
        if invalid:
            raise Unreachable(f"invaliduser {invalid}: not in the app's visible range")
        return answer

    async def update_card(self, body: dict[str, Any]) -> dict[str, Any]:
        """message/update_template_card for our agent."""
        return await self.call(
            "POST", "/cgi-bin/message/update_template_card", {"agentid": self.agent_id, **body}
        )

    async def upload(self, filename: str, content: bytes) -> str:
        """media/upload of a file; its media_id."""
        form = aiohttp.FormData()
        form.add_field("media", content, filename=filename)
        answer = await self.call("POST", "/cgi-bin/media/upload", form, params={"type": "file"})
        return str(answer["media_id"])

    async def call(
        self, method: str, path: str, body: Any = None, *, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """One API call with the access token; a stale token is refreshed and the call made
        once more."""
        token = await self.token()
        for attempt in (1, 2):
            query = {"access_token": token, **(params or {})}
            answer = await self._request(method, path, query, body)
            code = int(answer.get("errcode", 0))
            if code in TOKEN_EXPIRED and attempt == 1:
                log.info("wecom: access token refused (%s): refreshing", code)
                token = await self.token(stale=token)
                continue
            _raise_for(code, answer, path)
            return answer
        raise TransientError("access token refused twice")  # pragma: no cover - loop ends

    # --- the access token ---------------------------------------------------------------------

    async def check(self) -> str:
        """muster doctor: a fresh token (not the shared one), then agent/get, which WeCom
        refuses with 60020 from an IP the app does not trust. Returns the app's name."""
        token, _ = await self._fetch_token()
        answer = await self._request(
            "GET",
            "/cgi-bin/agent/get",
            {"access_token": token, "agentid": str(self.agent_id)},
            None,
        )
        _raise_for(int(answer.get("errcode", 0)), answer, "/cgi-bin/agent/get")
        return str(answer.get("name", ""))

    async def token(self, *, stale: str | None = None) -> str:
        """A valid access token; `stale` is one WeCom just refused."""
        now = self.clock.now()
        if self._token is not None and self._token[0] != stale and self._fresh(self._token, now):
            return self._token[0]
        deadline = now + LEASE
        while True:
            row = await self._read_row()
            if row is not None and row[0] != stale and self._fresh(row, self.clock.now()):
                self._token = row
                return row[0]
            if await self._take_lease():
                try:
                    token, expires = await self._fetch_token()
                    await self._store(token, expires)
                finally:
                    await self._end_lease()
                self._token = (token, expires)
                return token
            if self.clock.now() > deadline:
                raise TransientError("another process holds the token lease and did not finish")
            await self.sleep(WAIT_STEP)  # another process is refreshing right now

    @staticmethod
    def _fresh(row: tuple[str, datetime], now: datetime) -> bool:
        return row[1] - REFRESH_MARGIN > now

    async def _read_row(self) -> tuple[str, datetime] | None:
        async with self.sessionmaker() as session:
            row = await session.get(WecomToken, self._key)
            if row is None or not row.access_token or row.expires_at is None:
                return None
            return row.access_token, row.expires_at

    async def _take_lease(self) -> bool:
        now = self.clock.now()
        async with self.sessionmaker() as session:
            if await session.get(WecomToken, self._key) is None:
                session.add(WecomToken(key=self._key))
                try:
                    await session.commit()
                except IntegrityError:  # another process made it first
                    await session.rollback()
            result = await session.execute(
                update(WecomToken)
                .where(
                    WecomToken.key == self._key,
                    or_(WecomToken.lease_until.is_(None), WecomToken.lease_until < now),
                )
                .values(lease_until=now + LEASE, lease_owner=self._owner)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _store(self, token: str, expires: datetime) -> None:
        async with self.sessionmaker() as session:
            await session.execute(
                update(WecomToken)
                .where(WecomToken.key == self._key)
                .values(access_token=token, expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def _end_lease(self) -> None:
        async with self.sessionmaker() as session:
            await session.execute(
                update(WecomToken)
                .where(WecomToken.key == self._key, WecomToken.lease_owner == self._owner)
                .values(lease_until=None, lease_owner=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def _fetch_token(self) -> tuple[str, datetime]:
        answer = await self._request(
            "GET", "/cgi-bin/gettoken", {"corpid": self.corp_id, "corpsecret": self.secret}, None
        )
        code = int(answer.get("errcode", 0))
        _raise_for(code, answer, "/cgi-bin/gettoken")
        expires_in = int(answer.get("expires_in", 7200))
        return str(answer["access_token"]), self.clock.now() + timedelta(seconds=expires_in)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _request(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> dict[str, Any]:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        kwargs: dict[str, Any] = {"params": query}
        if isinstance(body, aiohttp.FormData):
            kwargs["data"] = body
        elif body is not None:
            kwargs["data"] = json.dumps(body, ensure_ascii=False).encode()
            kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._http.request(method, self.api_url + path, **kwargs) as resp:
                if resp.status >= 500:
                    raise TransientError(f"{path}: HTTP {resp.status}")
                if resp.status != 200:
                    raise Rejected(f"{path}: HTTP {resp.status}")
                answer: dict[str, Any] = await resp.json(content_type=None)
                return answer
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(f"{path}: {type(exc).__name__}: {exc}") from exc


def _raise_for(code: int, answer: dict[str, Any], path: str) -> None:
    """Turn a WeCom errcode into the channel-neutral error it means (0: nothing)."""
    if code == 0:
        return
    reason = f"{path}: errcode {code} {answer.get('errmsg', '')}".strip()
    if code in BACKOFF:
        raise RetryAfter(reason, BACKOFF[code])
    if code == NOT_VISIBLE:
        raise Unreachable(reason)
    if code == UNTRUSTED_IP:
        log.error(
            "wecom configuration error: this server's IP is not a trusted IP of the app "
            "(errcode 60020); add it under 应用管理 > 企业可信IP: %s",
            answer.get("errmsg", ""),
        )
        raise WecomUntrustedIp(reason)
    if code == BUSY:
        raise TransientError(reason)
    if code in BAD_CREDENTIALS:
        log.error("wecom configuration error: corp id or secret refused: %s", reason)
        raise WecomBadCredentials(reason)
    raise Rejected(reason)


__all__ = [
    "ChannelError",
    "WecomApi",
    "WecomBadCredentials",
    "WecomConfigError",
    "WecomUntrustedIp",
]
