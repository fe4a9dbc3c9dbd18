"""`muster run` with MUSTER_CHANNELS=web as a real process: it prints the chat's address,
a browser registers with a code from `muster invite` (the CSV's web link), a notice sent
with `muster notice send` in another process reaches the open page through the running
sender, and SIGTERM stops the server at once although a stream is open."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import SystemClock
from bot.config import Settings
from storage.db import make_engine, upgrade
from storage.models_webchat import WebchatSession
from tests.e2e.test_run_e2e import ROOT, free_port
from tests.e2e.web_client import WebChatUser
from tests.factories import make_force
from tests.helpers import HOTLINE_KEY

pytestmark = pytest.mark.e2e

KEY = "muster-e2e-audit-key-not-secret"


async def muster(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Another `muster` command, as an operator types it; its output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_muster_run_serves_the_web_chat(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    settings = Settings(database_url=url, audit_key=KEY, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, engine, SystemClock())
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    listen = f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env.update(
        MUSTER_DATABASE_URL=url,
        MUSTER_AUDIT_KEY=KEY,
        MUSTER_HOTLINE_KEY=HOTLINE_KEY,
        MUSTER_CHANNELS="web",
        MUSTER_WEB_LISTEN=listen,
        MUSTER_QUIET_HOURS="off",
        PYTHONPATH=str(ROOT),
    )
    await muster(env, tmp_path, "invite", "--person", "A001", "--out", "invites.csv")
    with (tmp_path / "invites.csv").open(encoding="utf-8-sig") as f:
        [row] = list(csv.reader(f))[1:]
    link = row[-1]
    assert link.startswith(f"http://{listen}/chat/?code=")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    user = None
    try:
        while b"/chat/" not in (line := await asyncio.wait_for(proc.stdout.readline(), 60)):
            assert line, "muster run ended before it served the chat"
        assert f"http://{listen}/chat/" in line.decode()

        async def account_of(token: str) -> str:
            async with app.sessionmaker() as session:
                row = await session.get(WebchatSession, hashlib.sha256(token.encode()).hexdigest())
                assert row is not None
                return row.external_id

        user = WebChatUser(f"http://{listen}", account_of)
        await user.send("/start " + link.rsplit("=", 1)[1])
        welcome, _menu = await user.read(2)
        assert "绑定成功，张三" in welcome.text
        notice = tmp_path / "notice.txt"
        notice.write_text("周末集中训练\n周六 8:00 在局大院集合。\n", encoding="utf-8")
        await muster(env, tmp_path, "notice", "send", "--audience", "emp:A001",
                     "--text-file", str(notice))  # fmt: skip
        pushed = await user.read_one(timeout=30)  # the running sender delivered it
        assert "周末集中训练" in pushed.text and pushed.labels == []
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)  # the page's stream is still open
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        if user is not None:
            await user.close()
        await engine.dispose()
    assert proc.returncode == 0, err.decode()
