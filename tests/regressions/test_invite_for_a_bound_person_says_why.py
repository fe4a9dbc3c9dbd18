"""Issue 19, defect 11: `muster invite --person X` for a person already bound printed
"0 codes written" and no reason."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.clock import SystemClock
from bot.config import Settings
from storage import people as repo
from tests.factories import bind_account


def test_invite_for_a_bound_person_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    roster = tmp_path / "roster.csv"
    roster.write_text("单位,工号,姓名,角色\n城关派出所,M1,张三,责任民警\n", encoding="utf-8")
    assert main(["roster", "import", str(roster)]) == 0

    async def bind() -> None:
        app = await App.open(Settings())
        try:
            async with app.unit_of_work() as svc:
                person = await repo.person_by_employee_no(svc.session, "M1")
                assert person is not None
                await bind_account(svc.session, SystemClock(), person)
        finally:
            await app.close()

    asyncio.run(bind())
    capsys.readouterr()
    out = tmp_path / "invites.csv"
    assert main(["invite", "--person", "M1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "张三（工号 M1）已绑定聊天账号" in err
    assert "muster unbind M1" in err
    assert not out.exists()
