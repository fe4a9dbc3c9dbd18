"""What the PostgreSQL benchmarks share: a scratch database, and a unit of N registered
auxiliaries (each with a reachable account) loaded in bulk. Setup only: nothing here is
timed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import ChannelAccount, Person, PersonRole, Unit

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def scratch_pg(base: str, db: str) -> str:
    """A fresh database `db` on the server of `base`; its URL."""
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(base.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE {db}")
    await conn.close()
    return base.rsplit("/", 1)[0] + f"/{db}"


async def drop_pg(base: str, db: str) -> None:
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(base.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    await conn.close()


async def add_auxiliaries(
    conn: AsyncConnection,
    people: int,
    now: datetime,
    *,
    unit: str,
    channel: str,
    employee_no: Callable[[int], str],
    name: Callable[[int], str],
    external_id: Callable[[int], str],
    **person: Any,
) -> None:
    """Unit 1 named `unit`, and people 1..`people` in it: active auxiliaries, each bound to
    a reachable account on `channel`; `employee_no`, `name` and `external_id` are given the
    person's id, `person` are more columns of every person (post, ...)."""
    ids = range(1, people + 1)
    await conn.execute(Unit.__table__.insert(), [{"id": 1, "name": unit, "created_at": now}])
    await conn.execute(
        Person.__table__.insert(),
        [
            {
                "id": i,
                "employee_no": employee_no(i),
                "name": name(i),
                "gender": "男",
                "age": 30,
                "unit_id": 1,
                "status": "active",
                "created_at": now,
                "updated_at": now,
                **person,
            }
            for i in ids
        ],
    )
    await conn.execute(
        PersonRole.__table__.insert(), [{"person_id": i, "role": "auxiliary"} for i in ids]
    )
    await conn.execute(
        ChannelAccount.__table__.insert(),
        [
            {
                "person_id": i,
                "channel": channel,
                "external_user_id": external_id(i),
                "chat_id": external_id(i),
                "bound_at": now,
                "reachable": True,
            }
            for i in ids
        ],
    )
    await conn.execute(text("SELECT setval('person_id_seq', :n)"), {"n": people})
    await conn.execute(text("SELECT setval('unit_id_seq', 1)"))
