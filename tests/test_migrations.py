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


async def _fresh_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    if not PG_URL:
        pytest.skip("MUSTER_TEST_PG_URL not set")
    import asyncpg  # noqa: PLC0415

    name = f"muster_mig_{os.getpid()}"
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.mark.parametrize("kind", ["sqlite", "pg"])
async def test_migrations_match_models(kind: str, tmp_path: Path) -> None:
    url = await _fresh_url(kind, tmp_path)
    engine = make_engine(url)
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
