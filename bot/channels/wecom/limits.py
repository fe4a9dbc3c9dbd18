"""WeCom's per-member message limits: 30 a minute and 1,000 an hour per app and member.

WeCom drops messages beyond them without an error, so Muster must never exceed them: every
message to a member first reserves a slot here (sliding windows, stricter than WeCom's
fixed ones). With MUSTER_REDIS_URL the windows live in Redis and all processes share them;
otherwise one process keeps them in memory.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

PER_MINUTE = 30
PER_HOUR = 1000


class MemberLimits(Protocol):
    async def reserve(self, userid: str) -> float:
        """Take a slot for one message to `userid` and return 0, or return the seconds
        until one frees (nothing taken)."""
        ...

    async def close(self) -> None: ...


class LocalMemberLimits:
    """Sliding-window counters in this process (one sender per deployment)."""

    def __init__(
        self,
        *,
        per_minute: int = PER_MINUTE,
        per_hour: int = PER_HOUR,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        self._now = monotonic
        self._sent: dict[str, deque[float]] = {}

    async def reserve(self, userid: str) -> float:
        now = self._now()
        sent = self._sent.setdefault(userid, deque())
        while sent and sent[0] <= now - 3600:
            sent.popleft()
        wait = 0.0
        if len(sent) >= self.per_hour:
            wait = sent[len(sent) - self.per_hour] + 3600 - now
        in_minute = [t for t in sent if t > now - 60]
        if len(in_minute) >= self.per_minute:
            wait = max(wait, in_minute[len(in_minute) - self.per_minute] + 60 - now)
        if wait > 0:
            return wait
        sent.append(now)
        return 0.0

    async def close(self) -> None:
        return None


# KEYS[1]: the member's sorted set of send times (server microseconds).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_minute, per_hour = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3600000000)
local wait = 0
local hour = redis.call('ZRANGE', KEYS[1], 0, -1)
if #hour >= per_hour then
  wait = tonumber(hour[#hour - per_hour + 1]) + 3600000000 - now
end
local minute = redis.call('ZRANGEBYSCORE', KEYS[1], now - 60000000, '+inf')
if #minute >= per_minute then
  wait = math.max(wait, tonumber(minute[#minute - per_minute + 1]) + 60000000 - now)
end
if wait > 0 then return string.format('%.0f', wait) end
local member = string.format('%.0f', now)
redis.call('ZADD', KEYS[1], member, member)
redis.call('PEXPIRE', KEYS[1], 3700000)
return '0'
"""


class RedisMemberLimits:
    """The same windows in Redis (server time, one Lua script): shared by every process."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "muster:wecom:member",
        per_minute: int = PER_MINUTE,
        per_hour: int = PER_HOUR,
    ) -> None:
        import redis.asyncio as redis  # noqa: PLC0415 - only when configured

        self._redis = redis.from_url(url)
        self._namespace = namespace
        self._args = [per_minute, per_hour]
        self._reserve = self._redis.register_script(RESERVE)

    async def reserve(self, userid: str) -> float:
        wait = await self._reserve(keys=[f"{self._namespace}:{userid}"], args=self._args)
        return int(wait) / 1_000_000

    async def close(self) -> None:
        await self._redis.aclose()
