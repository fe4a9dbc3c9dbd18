"""`muster tick --now <future time>` changed real state: assignments moved to level 1 and
digests were held until that future time. A future `--now` is now refused unless
`--simulate`, which prints what would happen and writes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from storage.db import make_engine
from storage.models import Assignment, AuditEvent, Outbox
from tests.factories import bind_account, make_force


def _settings(db: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{db}", _env_file=None)  # type: ignore[call-arg]


async def _build(db: Path) -> None:
    settings = _settings(db)
    app = App(settings, make_engine(settings.database_url), FrozenClock(SystemClock().now()))
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in ("A001", "A002", "M001", "M002", "L001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(
            Actor.cli(), "online-conduct", due_at=app.clock.now() + timedelta(days=1)
        )
    await app.close()


async def _state(db: Path) -> tuple[object, ...]:
    settings = _settings(db)
    engine = make_engine(settings.database_url)
    app = App(settings, engine, SystemClock())
    async with app.sessionmaker() as s:
        levels = sorted((await s.execute(select(Assignment.level))).scalars())
        actions = sorted((await s.execute(select(Assignment.next_action_at))).scalars(), key=str)
        outbox = await s.scalar(select(func.count()).select_from(Outbox))
        audit = await s.scalar(select(func.count()).select_from(AuditEvent))
    await app.close()
    return levels, actions, outbox, audit


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_build(db))
    return db


def test_a_future_now_is_refused_and_simulate_writes_nothing(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = asyncio.run(_state(cli_db))
    assert before[0] == [0] * 4  # four auxiliaries: open assignments, none escalated
    later = (SystemClock().now() + timedelta(days=8)).astimezone(_settings(cli_db).tz)
    when = later.strftime("%Y-%m-%dT%H:%M")
    capsys.readouterr()

    assert main(["tick", "--now", when]) == 2
    err = capsys.readouterr().err
    assert "在将来" in err and "--simulate" in err
    assert asyncio.run(_state(cli_db)) == before

    assert main(["tick", "--now", when, "--simulate"]) == 0
    out = capsys.readouterr().out
    assert "模拟执行" in out and "未写入任何数据" in out
    assert "政治处辅警办 4 项" in out  # eight days late: all four would reach the office
    assert asyncio.run(_state(cli_db)) == before

    assert main(["tick"]) == 0  # a tick at the real now still runs
    assert asyncio.run(_state(cli_db)) == before  # nothing due yet
