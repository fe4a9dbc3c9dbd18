"""A second `muster roster import` running at the same time died with a raw IntegrityError
traceback. Every CLI command now turns an expected failure (a conflict with a concurrent
writer, a database that cannot be reached or went away, a file it cannot read, a refusal)
into one clear line in the CLI's language on stderr and a non-zero exit; only a bug keeps
its traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.cli import main
from bot.services.roster import RosterService
from tests.helpers import AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "content" / "sample" / "roster.csv"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    return url


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("muster: "), err
    return lines[0]


async def _import(url: str) -> tuple[int, str]:
    env = {**os.environ, "MUSTER_DATABASE_URL": url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "roster",
        "import",
        str(SAMPLE),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_two_roster_imports_at_once_end_cleanly(cli_db: str) -> None:
    results = await asyncio.gather(_import(cli_db), _import(cli_db))
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        if code != 0:
            assert code == 1 and "本次没有做任何更改" in _one_line(err), err
        else:
            assert "Traceback" not in err, err
    again = await _import(cli_db)  # both done: the roster is in, once
    assert again == (0, "")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_conflict_with_a_concurrent_writer_is_one_line(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    async def lost(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError(
            "INSERT INTO person", {}, Exception("UNIQUE constraint failed: person.employee_no")
        )

    monkeypatch.setattr(RosterService, "import_file", lost)
    capsys.readouterr()
    assert main(["roster", "import", str(SAMPLE), "--lang", lang]) == 1
    line = _one_line(capsys.readouterr().err)
    assert ("同时改动了同样的数据" if lang == "zh_CN" else "at the same time") in line
    assert "UNIQUE" not in line


def test_a_database_that_went_away_is_one_line(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def dropped(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(RosterService, "import_file", dropped)
    capsys.readouterr()
    assert main(["roster", "import", str(SAMPLE)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "无法访问数据库" in line and "server closed the connection" in line


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:1/muster",  # nothing listens there
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.setenv("MUSTER_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    for argv in (["roster", "import", str(SAMPLE)], ["hotline", "queue"], ["audit", "verify"]):
        capsys.readouterr()
        assert main(argv) == 1, argv
        assert "无法访问数据库" in _one_line(capsys.readouterr().err)
