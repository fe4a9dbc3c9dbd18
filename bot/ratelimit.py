"""A send rate shared by several bot processes, through Redis.

Telegram counts messages per bot, not per process: two processes each sending 28/s would
send 56/s and be flood-limited. With MUSTER_REDIS_URL set, every sender reserves its send
slots from one Redis key (and honours a 429 pause any process received); without Redis a
single process paces itself (scheduled/sender.py keeps the local pacing either way).
"""

from __future__ import annotations

from typing import Protocol

# Times are integer microseconds of the Redis server's clock, formatted with %.0f: Lua's
# tostring keeps only 14 digits, too few for epoch microseconds.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(nxt, now, paused)
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', 60000)
return {string.format('%.0f', slot - now), string.format('%.0f', slot)}
"""

PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilt = now + tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilt > old then
  redis.call('SET', KEYS[1], string.format('%.0f', untilt), 'PX',
             math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return string.format('%.0f', untilt)
"""
US = 1_000_000


class SharedRate(Protocol):
    async def reserve(self) -> tuple[float, int]:
        """Reserve the next send slot: (seconds to wait, the slot in server microseconds)."""
        ...

    async def pause(self, seconds: float) -> None:
        """Tell every process to send nothing for `seconds` (a 429)."""
        ...

    async def close(self) -> None: ...


class RedisRate:
    """One send rate for all processes of a deployment (Redis server time, Lua atomic)."""

    def __init__(self, url: str, rate: float, *, namespace: str = "muster:send") -> None:
        import redis.asyncio as redis  # noqa: PLC0415 - only when configured

        self._redis = redis.from_url(url)
        self._interval_us = round(US / rate)
        self._keys = [f"{namespace}:next", f"{namespace}:paused"]
        self._reserve = self._redis.register_script(RESERVE)
        self._pause = self._redis.register_script(PAUSE)

    async def reserve(self) -> tuple[float, int]:
        wait, slot = await self._reserve(keys=self._keys, args=[self._interval_us])
        return max(0.0, int(wait) / US), int(slot)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[self._keys[1]], args=[round(max(seconds, 0.0) * US)])

    async def close(self) -> None:
        await self._redis.aclose()
