"""`muster run` as a real process: long polling the emulator, stopping cleanly on SIGTERM.

Once per way of choosing the adapter: the default (aiogram), `--channel ptb` and
MUSTER_CHANNEL=ptb.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
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
        MUSTER_HOTLINE_KEY="muster-test-hotline-key-not-secret",
        MUSTER_TELEGRAM_API_URL=emulator.url,
        PYTHONPATH=str(ROOT),
        MUSTER_WEB_LISTEN=f"127.0.0.1:{free_port()}",  # the console's server: not 8080
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
            # the process imports its library first (30 s seen on a loaded machine)
            reply = await stranger.read_one(timeout=60)
            assert "请输入政治处辅警办发给您的邀请码" in reply.text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert f"长轮询接收消息（{library}）" in out.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
