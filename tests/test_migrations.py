"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and the app refuses to start on an outdated schema."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
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


@pytest.fixture
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the kind `request.param`; a PostgreSQL one is dropped after."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    if not PG_URL:
        pytest.skip("MUSTER_TEST_PG_URL not set")
    import asyncpg  # noqa: PLC0415

    name = f"muster_mig_{os.getpid()}"
    server = PG_URL.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(server)
    await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn = await asyncpg.connect(server)
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.close()


@pytest.mark.parametrize("fresh_url", ["sqlite", "pg"], indirect=True)
async def test_migrations_match_models(fresh_url: str) -> None:
    url = fresh_url
    kind = "sqlite" if url.startswith("sqlite") else "pg"
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
