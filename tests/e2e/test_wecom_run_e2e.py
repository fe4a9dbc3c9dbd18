"""`muster run` with MUSTER_CHANNELS=wecom as a real process: the callback URL, the inbox
worker and WeCom sending, against the fake WeCom server; stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from storage.db import make_engine, upgrade
from tests.e2e import wecom_fake as fk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_muster_run_over_wecom_answers_a_member_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    fake = fk.FakeWecom()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env.update(
        MUSTER_DATABASE_URL=url,
        MUSTER_WECOM_CORP_ID=fk.CORP_ID,
        MUSTER_WECOM_AGENT_ID=str(fk.AGENT_ID),
        MUSTER_WECOM_SECRET=fk.SECRET,
        MUSTER_WECOM_TOKEN=fk.TOKEN,
        MUSTER_WECOM_AES_KEY=fk.AES_KEY,
        MUSTER_WECOM_API_URL=str(server.make_url("")).rstrip("/"),
        MUSTER_CHANNELS="wecom",
        MUSTER_WEB_LISTEN=f"127.0.0.1:{port}",
        MUSTER_AUDIT_KEY="muster-e2e-audit-key-not-secret",
        MUSTER_HOTLINE_KEY="muster-test-hotline-key-not-secret",
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            member = fk.WecomUser(http, fake, f"http://127.0.0.1:{port}/wecom/callback", "lu")
            deadline = time.monotonic() + 60  # the process imports its libraries first
            while True:
                try:
                    await member.send_text("/start")
                    break
                except aiohttp.ClientConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            while not fake.messages["lu"]:
                assert time.monotonic() < deadline, "no reply from muster run over WeCom"
                await asyncio.sleep(0.05)
            assert "请输入政治处辅警办发给您的邀请码" in fake.messages["lu"][0].text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        await server.close()
    assert proc.returncode == 0, err.decode()
    assert f"企业微信回调地址：127.0.0.1:{port}/wecom/callback" in out.decode()
