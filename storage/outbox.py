"""Enqueueing outbox rows. Idempotent by dedupe_key; the one dialect-specific upsert."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import unnest_rows, upsert
from storage.models import ChannelAccount, Outbox, OutboxStatus, Person
from storage.sealed import Sealer

CHUNK = 1000  # rows per INSERT: 17 columns x 1000 stays under both drivers' parameter caps
# A person's accounts, the one pushed messages go to last (it wins in `accounts_for`).
PUSH_ORDER = (
    ChannelAccount.reachable,
    func.coalesce(ChannelAccount.last_used_at, ChannelAccount.bound_at),
    ChannelAccount.id,
)


EACH = "@each@"  # in `enqueue_each`'s ref, dedupe key and buttons: the item's id


def newest_account_id(person_id: Any) -> Any:
    """The SQL twin of `accounts_for`: a correlated scalar subquery giving the id of the
    account pushed messages to the person `person_id` (a column) go to.
    For INSERT ... SELECT statements that write one row per person without loading them."""
    return _pushed_account(person_id, "id").scalar_subquery()


def _pushed_account(person_id: Any, *columns: str) -> Select[Any]:
    """`columns` of the account pushed messages to the person `person_id` (a column) go
    to, correlated to the statement it stands in: the active one last in PUSH_ORDER
    (reachable first, then used or bound last, then the newest id)."""
    acc = ChannelAccount.__table__.alias("pushed_acc")
    return (
        select(*[acc.c[name] for name in columns])
        .where(acc.c.person_id == person_id, acc.c.unbound_at.is_(None))
        .order_by(
            acc.c.reachable.desc(),
            func.coalesce(acc.c.last_used_at, acc.c.bound_at).desc(),
            acc.c.id.desc(),
        )
        .limit(1)
        .correlate_except(acc)
    )


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


def ids_in(session: AsyncSession, column: Any, ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """`column IN ids` as conditions to run one statement each. PostgreSQL: one
    `column = ANY($1::INTEGER[])`, the ids sent as one array (one compiled statement
    whatever their number, no round trip per thousand); SQLite: `IN` lists of CHUNK ids
    (its parameter cap). No condition at all when `ids` is empty."""
    if not ids:
        return []
    if dialect_of(session) == "postgresql":
        return [_any_of(column, ids)]
    return [column.in_(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _any_of(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """PostgreSQL: `column = ANY($1::INTEGER[])`, the ids sent as one array parameter."""
    array = bindparam(None, list(ids), type_=postgresql.ARRAY(Integer))
    return column == any_(array)  # type: ignore[no-any-return]


async def accounts_for(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, Any]:
    """The account each person's pushed messages go to, as light rows with id, person_id,
    channel, chat_id and reachable (no ORM objects for 100,000 people): of the person's
    active accounts (web, Telegram, WeCom ...) the reachable one used last (or bound last,
    if none was used yet); an unreachable one only when none is reachable."""
    out: dict[int, Any] = {}
    for where in ids_in(session, ChannelAccount.person_id, list(set(person_ids))):
        rows = await session.execute(
            select(
                ChannelAccount.id,
                ChannelAccount.person_id,
                ChannelAccount.channel,
                ChannelAccount.chat_id,
                ChannelAccount.reachable,
            )
            .where(where, ChannelAccount.unbound_at.is_(None))
            .order_by(*PUSH_ORDER)
        )
        for acc in rows.all():
            out[acc.person_id] = acc
    return out


async def move_pending(
    session: AsyncSession,
    *,
    to: Any,
    now: Any,
    person_id: int | None = None,
    account_id: int | None = None,
    row_id: int | None = None,
    error: str | None = None,
) -> int:
    """Send the person's (or the account's) pending rows, and row `row_id` (being sent:
    due now), through the account `to` instead (an `accounts_for` row), as fresh rows of
    its channel; the others keep their time (quiet hours, a backoff). With `person_id`,
    edits stay where their message is; with `account_id` (that account cannot be
    reached) they become new messages. Returns how many rows moved."""
    which = []
    if person_id is not None:
        which.append(
            (Outbox.person_id == person_id)
            & (Outbox.account_id != to.id)
            & Outbox.edit_message_id.is_(None)
        )
    if account_id is not None:
        which.append(Outbox.account_id == account_id)
    pending = Outbox.status == OutboxStatus.PENDING
    where: ColumnElement[bool] = pending & or_(*which) if which else Outbox.id.is_(None)
    if row_id is not None:
        where = or_(where, Outbox.id == row_id)
    result = await session.execute(
        update(Outbox)
        .where(where)
        .values(
            account_id=to.id,
            channel=to.channel,
            chat_id=to.chat_id,
            status=OutboxStatus.PENDING,
            edit_message_id=None,
            attempts=0,
            not_before=case((Outbox.id == row_id, now), else_=Outbox.not_before)
            if row_id is not None
            else Outbox.not_before,
            claimed_at=None,
            error=error,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


Buttons = list[list[dict[str, str]]]  # rows of {"label": ..., "action": ...}


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    """One message to queue, whoever gets it: its outbox kind, what it is about (`ref`,
    such as "assignment:7"), its text and buttons, the earliest time it may go, when it
    was queued (`now`) and its priority (1 goes first)."""

    kind: str
    ref: str | None
    text: str
    buttons: Buttons | None
    not_before: Any
    now: Any
    priority: int = 5


def row_for(
    message: Outgoing,
    *,
    person_id: int | None,
    account: Any,
    dedupe_key: str,
    edit_message_id: str | None = None,
) -> dict[str, Any]:
    """`message` to one person as an outbox row (a dict for a bulk insert), through
    `account` (none, or an unreachable one: the row is unreachable), queued once under
    `dedupe_key`. With `edit_message_id` the sender edits that message instead of sending
    a new one."""
    reachable = account is not None and account.reachable
    return {
        "person_id": person_id,
        "account_id": account.id if account else None,
        "channel": account.channel if account else None,
        "chat_id": account.chat_id if account else None,
        "priority": message.priority,
        "kind": message.kind,
        "ref": message.ref,
        "text": message.text,
        "buttons": [[_label_as_text(b) for b in row] for row in message.buttons or []],
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING if reachable else OutboxStatus.UNREACHABLE,
        "attempts": 0,
        "not_before": message.not_before,
        "created_at": message.now,
        "error": None if reachable else ("no bound account" if account is None else "blocked"),
        "edit_message_id": edit_message_id,
    }


SEALED = "sealed"  # the kind of a sealed row: its text holds text and buttons, sealed


def sealed_purpose(account_id: int | None) -> str:
    """A sealed row opens only for the account it was queued to (moved: it does not)."""
    return f"outbox:{account_id}"


def sealed_row(
    sealer: Sealer,
    *,
    account: Any,
    text: str,
    buttons: Buttons | None,
    dedupe_key: str,
    not_before: Any,
    now: Any,
    priority: int,
) -> dict[str, Any]:
    """A row whose content nobody reading the database can read or tie to anything: no
    person, no ref, kind `sealed`; text and buttons sealed together for the account, and
    the dedupe key a keyed tag of `dedupe_key`. The sender opens it (scheduled/sender.py)
    and the channel keeps its copy sealed (`Reply.private`)."""
    row = row_for(
        Outgoing(
            kind=SEALED,
            ref=None,
            text="",
            buttons=None,
            not_before=not_before,
            now=now,
            priority=priority,
        ),
        person_id=None,
        account=account,
        dedupe_key=f"{SEALED}:{sealer.tag(dedupe_key)}",
    )
    content = {
        "text": str(text),
        "buttons": [[_label_as_text(b) for b in r] for r in buttons or []],
    }
    row["text"] = sealer.seal_json(content, purpose=sealed_purpose(row["account_id"]))
    return row


def _label_as_text(button: dict[str, str]) -> dict[str, str]:
    # Button labels are plain text; a translation (markup, its arguments escaped) is
    # stored as the text it shows, or a name like "A&B" would show as "A&amp;B".
    label = button["label"]
    if isinstance(label, Markup):
        return {**button, "label": label.striptags()}
    return button


ARRAY_ROWS = 100  # PostgreSQL: from this many rows on, `enqueue` sends them as arrays


async def enqueue(
    session: AsyncSession, rows: Sequence[dict[str, Any]], *, replace_pending: bool = False
) -> int:
    """Insert rows; an existing dedupe_key is left alone, or with `replace_pending` its
    text and buttons are replaced while it is still pending (a digest being rebuilt)."""
    if not rows:
        return 0
    as_arrays = dialect_of(session) == "postgresql" and len(rows) >= ARRAY_ROWS
    stmt: Any = upsert(session, Outbox)
    if as_arrays:
        stmt = stmt.from_select(list(rows[0]), unnest_rows(session, Outbox, rows))
    if replace_pending:
        stmt = stmt.on_conflict_do_update(
            index_elements=["dedupe_key"],
            set_={"text": stmt.excluded.text, "buttons": stmt.excluded.buttons},
            where=Outbox.status == OutboxStatus.PENDING,
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    if as_arrays:
        return len((await session.execute(stmt.returning(Outbox.id))).all())
    # executemany: one compiled statement, batched by the driver ("insertmanyvalues")
    total = 0
    for i in range(0, len(rows), CHUNK * 5):
        result = await session.execute(stmt.returning(Outbox.id), list(rows[i : i + CHUNK * 5]))
        total += len(result.all())
    return total


async def not_after(session: AsyncSession, message: Outgoing, *, person_id: int) -> int:
    """The person's pending rows about what `message` is about (its ref, a task) wait no
    longer than it and go no later in the queue: a message about a task is never delivered
    after a later message about it (a publish notice held by quiet hours, then an
    in-person reminder sent at once). Returns how many rows moved up."""
    ref, at, priority = message.ref, message.not_before, message.priority
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.status == OutboxStatus.PENDING,
            Outbox.person_id == person_id,
            Outbox.ref == ref,
            or_(Outbox.not_before > at, Outbox.priority > priority),
        )
        .values(
            not_before=case((Outbox.not_before > at, at), else_=Outbox.not_before),
            priority=case((Outbox.priority > priority, priority), else_=Outbox.priority),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _each(template: str, item: Any) -> Any:
    """`template` with EACH replaced by the item id column, as a SQL string expression."""
    parts = template.split(EACH)
    if len(parts) == 1:
        return literal(template, String)
    if len(parts) != 2:
        raise ValueError(f"{EACH!r} more than once in {template!r}")
    expr: Any = cast(item, String)
    if parts[0]:
        expr = literal(parts[0], String) + expr
    if parts[1]:
        expr = expr + literal(parts[1], String)
    return expr


Content = tuple[str, Buttons | None]  # text and buttons


def _account_lateral(person_id: Any) -> Any:
    """PostgreSQL: the pushed account of `person_id` as a LATERAL subquery (one index probe
    per row, the same order as `newest_account_id`)."""
    return _pushed_account(person_id, "id", "channel", "chat_id", "reachable").lateral("acc")


async def enqueue_each(
    session: AsyncSession,
    items: Select[*tuple[Any, ...]],
    message: Outgoing,
    *,
    dedupe_key: str,
    by_locale: dict[str, Content] | None = None,
    new_keys: bool = False,
) -> int:
    """`message` once per item of `items` (a SELECT of item id, person id), written by
    the database in one INSERT ... SELECT instead of rows built in Python. Its text and
    buttons for everyone, or, with `by_locale`, for the people whose locale is none of
    its keys: each text rendered once per locale, picked by a CASE on the person's locale.
    `EACH` in its ref and buttons' actions and in `dedupe_key` stands for the item's id.
    The account is the one `accounts_for` picks (`newest_account_id`); no account or an
    unreachable one makes the row unreachable, as `row_for` does. An existing dedupe_key
    is left alone; with `new_keys` the caller knows none exists (the keys name rows its
    transaction just created), and the rows go in without that check. Returns how many
    rows were written."""
    src = items.subquery("each_src")
    item_id, person_id = src.c[0], src.c[1]
    dialect = dialect_of(session)
    content = (message.text, message.buttons)
    variants = {k: v for k, v in (by_locale or {}).items() if v != content}

    def buttons_sql(shown: Buttons | None) -> Any:
        rows = [[_label_as_text(b) for b in row] for row in shown or []]
        return _each(json.dumps(rows), item_id)

    text_sql: Any = literal(str(message.text), String)
    json_sql: Any = buttons_sql(message.buttons)
    joined: Any = src
    if variants:
        person = Person.__table__.alias("each_person")
        joined = joined.join(person, person.c.id == person_id)
        text_sql = case(
            *[
                (person.c.locale == loc, literal(str(t), String))
                for loc, (t, _) in variants.items()
            ],
            else_=text_sql,
        )
        json_sql = case(
            *[(person.c.locale == loc, buttons_sql(b)) for loc, (_, b) in variants.items()],
            else_=json_sql,
        )
    if dialect == "postgresql":
        json_sql = cast(json_sql, postgresql.JSON)
        acc = _account_lateral(person_id)
        joined = joined.outerjoin(acc, true())
    else:
        acc = ChannelAccount.__table__.alias("acc")
        joined = joined.outerjoin(acc, acc.c.id == newest_account_id(person_id))
    reachable = acc.c.reachable.is_(True)
    when = Outbox.not_before.type
    ref = message.ref
    columns = {
        "person_id": person_id,
        "account_id": acc.c.id,
        "channel": acc.c.channel,
        "chat_id": acc.c.chat_id,
        "priority": literal(message.priority),
        "kind": literal(message.kind, String),
        "ref": _each(ref, item_id) if ref is not None else literal(None, String),
        "text": text_sql,
        "buttons": json_sql,
        "dedupe_key": _each(dedupe_key, item_id),
        "status": case(
            (reachable, literal(OutboxStatus.PENDING.value, String)),
            else_=literal(OutboxStatus.UNREACHABLE.value, String),
        ),
        "attempts": literal(0),
        "not_before": literal(message.not_before, type_=when),
        "created_at": literal(message.now, type_=when),
        "error": case(
            (acc.c.id.is_(None), literal("no bound account", String)),
            (reachable, literal(None, String)),
            else_=literal("blocked", String),
        ),
    }
    query = (
        select(*columns.values())
        .select_from(joined)
        .where(true())  # SQLite: INSERT ... SELECT before ON CONFLICT needs a WHERE
        .order_by(item_id)
    )
    stmt = upsert(session, Outbox).from_select(list(columns), query)
    if not new_keys:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def id_in(column: Any, ids: Sequence[int], dialect: str = "sqlite") -> ColumnElement[bool]:
    """`column IN ids` for sorted ids, as ranges where they run consecutively (the ids one
    INSERT ... RETURNING gave: an index range scan instead of a list of thousands); ids
    scattered over more than 20 ranges go as a list, on PostgreSQL as one array."""
    ranges: list[tuple[int, int]] = []
    for i in ids:
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], i)
        elif not ranges or i != ranges[-1][1]:
            ranges.append((i, i))
    if len(ranges) > 20:
        if dialect == "postgresql":
            return _any_of(column, ids)
        listed: ColumnElement[bool] = column.in_(list(ids))
        return listed
    return or_(*[column.between(lo, hi) if lo != hi else column == lo for lo, hi in ranges])


async def count_by_status(session: AsyncSession, ref_prefix: str) -> dict[str, int]:
    rows = await session.execute(
        select(Outbox.status, func.count())
        .where(Outbox.ref.like(f"{ref_prefix}%"))
        .group_by(Outbox.status)
    )
    return {status: n for status, n in rows.all()}
