"""`muster run` as a real process: long polling the emulator, stopping cleanly on SIGTERM.

Once per way of choosing the adapter: the default (aiogram), `--channel ptb` and
MUSTER_CHANNEL=ptb.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from storage.db import make_engine, upgrade
from tests.e2e.client import EmulatorUser
from tests.e2e.conftest import TOKEN, Emulator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "env_channel", "library"),
    [
        ([], None, "aiogram"),
        (["--channel", "ptb"], None, "python-telegram-bot"),
        ([], "ptb", "python-telegram-bot"),
    ],
    ids=["aiogram", "ptb", "ptb-env"],
)
async def test_muster_run_answers_and_stops_on_sigterm(
    emulator: Emulator, tmp_path: Path, args: list[str], env_channel: str | None, library: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env.update(
        MUSTER_DATABASE_URL=url,
        MUSTER_TELEGRAM_TOKEN=TOKEN,
        MUSTER_AUDIT_KEY="muster-e2e-audit-key-not-secret",
        MUSTER_TELEGRAM_API_URL=emulator.url,
        PYTHONPATH=str(ROOT),
    )
    if env_channel is not None:
        env["MUSTER_CHANNEL"] = env_channel
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        cwd=tmp_path,
        env=env,  # cwd: no stray .env
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            stranger = EmulatorUser(http, emulator.url, TOKEN, "路人")
            await stranger.send("/start")
            reply = await stranger.read_one(timeout=20)  # the process imports its library first
            assert "请输入政治处发给您的邀请码" in reply.text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert f"long polling ({library})" in out.decode()
