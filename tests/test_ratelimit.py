"""The send rate shared through Redis: several processes never exceed it together."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from bot.ratelimit import RedisRate

REDIS_URL = os.environ.get("MUSTER_TEST_REDIS_URL")


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("MUSTER_TEST_REDIS_URL not set")
    return REDIS_URL


async def test_two_processes_share_one_rate(redis_url: str) -> None:
    ns = f"muster-test:{uuid.uuid4().hex}"
    a = RedisRate(redis_url, rate=28, namespace=ns)
    b = RedisRate(redis_url, rate=28, namespace=ns)
    try:
        slots = await asyncio.gather(*(x.reserve() for _ in range(28) for x in (a, b)))
        times = sorted(slot for _, slot in slots)
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert min(gaps) >= round(1e6 / 28)  # microseconds: never closer than the rate allows
        # 56 sends at 28/s: the last one is told to wait about two seconds
        assert max(wait for wait, _ in slots) >= 55 / 28 - 0.05
    finally:
        await a.close()
        await b.close()


async def test_a_429_in_one_process_pauses_the_other(redis_url: str) -> None:
    ns = f"muster-test:{uuid.uuid4().hex}"
    a = RedisRate(redis_url, rate=28, namespace=ns)
    b = RedisRate(redis_url, rate=28, namespace=ns)
    try:
        await a.pause(7)
        wait, _ = await b.reserve()
        assert 6.5 <= wait <= 7.0
    finally:
        await a.close()
        await b.close()
