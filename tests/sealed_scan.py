"""Read every table of the database, as someone who can read the database but has no
MUSTER_HOTLINE_KEY would, and look for a row that links a hotline ticket to its asker.

A row *names the asker* when it holds his person id or one of his account ids in a column
that refers to person / channel_account (or is their key), or one of his strings anywhere
in its text (name, employee number, chat ids). A row *names the ticket* when it holds the
ticket's id in a column that refers to ticket (or is its key), or one of the ticket's
strings anywhere (its number, what was asked and answered, a button token carrying its
id). A link is a row that does both. Timing is not looked at: see README, "Sealed askers".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, ChannelAccount, Person


@dataclass
class Marks:
    """What identifies one side: ids per referenced table, and strings."""

    ids: dict[str, set[int]] = field(default_factory=dict)  # table name -> ids
    strings: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)

    def found(self, table: str, column: Column[Any], value: Any) -> str | None:
        if value is None:
            return None
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if column.primary_key and column.table.name in self.ids:
            targets.add(column.table.name)
        for target in targets:
            if isinstance(value, int) and value in self.ids.get(target, set()):
                return f"{column.name}={value} ({target})"
        if isinstance(value, str):
            text = value
        elif isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False, default=str)
        else:
            text = str(value)
        for s in self.strings:
            if s and s in text:
                return f"{column.name} holds {s!r}"
        for pattern in self.patterns:
            if pattern.search(text):
                return f"{column.name} matches {pattern.pattern!r}"
        return None


async def asker_marks(session: AsyncSession, employee_no: str) -> Marks:
    person = (
        await session.execute(select(Person).where(Person.employee_no == employee_no))
    ).scalar_one()
    mine = select(ChannelAccount).where(ChannelAccount.person_id == person.id)
    accounts = (await session.execute(mine)).scalars().all()
    strings = {person.name, person.employee_no}
    for a in accounts:
        strings |= {a.external_user_id, a.chat_id}
    return Marks(
        ids={"person": {person.id}, "channel_account": {a.id for a in accounts}},
        strings={s for s in strings if s},
    )


def ticket_marks(ticket_id: int, number: str, *texts: str) -> Marks:
    return Marks(
        ids={"ticket": {ticket_id}},
        strings={number, *texts},
        # a button token or reference carrying the ticket's id: hl:ar:1, ticket:1, ...
        patterns=[re.compile(rf"(?:hl:[a-z]+|ticket):{ticket_id}\b")],
    )


async def links(session: AsyncSession, asker: Marks, ticket: Marks) -> list[str]:
    """Every row of every table that names both the asker and the ticket."""
    found: list[str] = []
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(select(table))).all()
        for row in rows:
            values = dict(zip(table.columns, row, strict=True))
            names_asker = [m for c, v in values.items() if (m := asker.found(table.name, c, v))]
            names_ticket = [m for c, v in values.items() if (m := ticket.found(table.name, c, v))]
            if names_asker and names_ticket:
                found.append(f"{table.name}: {names_asker} + {names_ticket}")
    return found


async def rows_holding(session: AsyncSession, marks: Marks) -> list[str]:
    """Every row that names one side (to check that a scan sees what it should)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            values = dict(zip(table.columns, row, strict=True))
            if any(marks.found(table.name, c, v) for c, v in values.items()):
                found.append(table.name)
    return found
