"""Defect: after `muster demo` was started again on the same database, every message and
button press got no answer at all. The console numbered its events console-1, console-2,
... from 1 in each run, and the processed-update ledger (which keeps what was handled so a
redelivered update acts once) already held those keys from the earlier run, so each new
event was taken for a redelivery and ignored. Each run's events now carry a key of their
own."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.cli.demo import open_demo
from bot.config import Settings
from tests.test_demo import _run, choose


async def _help(app: App, tmp_path: Path) -> str:
    """Pick the office staffer and press Help: what the console showed for the press."""
    terminal = await _run(app, [choose("刘晓燕"), choose("帮助"), "/quit"], tmp_path)
    return terminal.answer(1)


async def test_a_restarted_demo_answers_again(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    db = tmp_path / "demo.db"
    for _ in range(2):  # the same database, the console started again
        app, _loaded = await open_demo(settings, db)
        try:
            shown = await _help(app, tmp_path)
        finally:
            await app.close()
        assert "常用命令" in shown and "/menu" in shown, shown  # the help text, both times
