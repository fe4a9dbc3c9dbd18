"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and the app refuses to start on an outdated schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.app import App
from bot.config import Settings
from storage.db import SchemaOutdated, make_engine, upgrade
from storage.models import Base

PG_URL = os.environ.get("MUSTER_TEST_PG_URL")


async def test_migrations_match_models(db_kind: str, empty_db_url: str) -> None:
    kind = db_kind
    engine = make_engine(empty_db_url)
    try:
        await upgrade(engine)
        await upgrade(engine)  # idempotent
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
            assert diff == [], f"models and migrations differ: {diff}"
            triggers = await conn.execute(
                text(
                    "SELECT count(*) FROM sqlite_master WHERE type='trigger'"
                    if kind == "sqlite"
                    else "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only'"
                )
            )
            assert triggers.scalar_one() >= 2
    finally:
        await engine.dispose()


async def test_app_refuses_an_outdated_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    await upgrade(engine, "a5806d91c6fb")  # the first migration only
    await engine.dispose()
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(SchemaOutdated, match="muster db upgrade"):
        await App.open(settings)
    with pytest.raises(SchemaOutdated, match="muster db upgrade"):
        await App.open(
            Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'none.db'}", _env_file=None)
        )  # type: ignore[call-arg]
