"""The outbox's two ways of choosing where a person's pushed messages go agree: the Python
rule (`outbox.accounts_for`) and its SQL twin (`outbox.newest_account_id`, used by the
INSERT ... SELECT of `outbox.enqueue_each`), for several accounts, unreachable ones,
unbound ones and ties; and a row written by the database is the row `row_for` builds.
On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.app import App
from bot.text import Html
from storage import outbox
from storage.models import ChannelAccount, Outbox, OutboxStatus, Person, Unit
from tests.factories import add_person


async def _people_with_accounts(app: App) -> dict[str, int]:
    """Eight people, each with a different arrangement of accounts; name -> person id."""
    t0 = app.clock.now()
    h = timedelta(hours=1)
    # (channel, bound at, last used at, reachable, unbound) per account, in insert order
    plans: dict[str, list[tuple[str, object, object, bool, bool]]] = {
        "none": [],
        "one": [("telegram", t0, None, True, False)],
        "used-later": [
            ("telegram", t0, t0 + 3 * h, True, False),  # older account, used last: wins
            ("web", t0 + h, t0 + 2 * h, True, False),
        ],
        "tie": [  # same times: the newer account wins
            ("telegram", t0, None, True, False),
            ("web", t0, None, True, False),
            ("wecom", t0, None, True, False),
        ],
        "reachable-first": [
            ("telegram", t0, None, True, False),
            ("web", t0 + h, t0 + 5 * h, False, False),  # used last but blocked
        ],
        "all-blocked": [
            ("telegram", t0, t0 + 2 * h, False, False),
            ("web", t0 + h, None, False, False),
        ],
        "unbound-newest": [
            ("telegram", t0, None, True, False),
            ("telegram", t0 + h, t0 + 9 * h, True, True),  # unbound: never chosen
        ],
        "bound-after-use": [
            ("telegram", t0, t0 + h, True, False),
            ("web", t0 + 2 * h, None, True, False),  # bound after the other's last use
        ],
    }
    out: dict[str, int] = {}
    async with app.unit_of_work() as svc:
        unit = Unit(name="示例派出所", created_at=t0)
        svc.session.add(unit)
        await svc.session.flush()
        for n, (name, accounts) in enumerate(plans.items()):
            person = await add_person(
                svc.session, app.clock, employee_no=f"X{n:03d}", name=name, unit=unit
            )
            out[name] = person.id
            for k, (channel, bound, used, reachable, unbound) in enumerate(accounts):
                svc.session.add(
                    ChannelAccount(
                        person_id=person.id,
                        channel=channel,
                        external_user_id=f"{name}-{k}",
                        chat_id=f"{name}-{k}",
                        bound_at=bound,
                        last_used_at=used,
                        reachable=reachable,
                        unbound_at=t0 + 10 * h if unbound else None,
                    )
                )
                await svc.session.flush()
    return out


async def test_sql_twin_picks_the_accounts_accounts_for_picks(app: App) -> None:
    people = await _people_with_accounts(app)
    async with app.sessionmaker() as session:
        python = await outbox.accounts_for(session, list(people.values()))
        sql = dict(
            (
                await session.execute(
                    select(Person.id, outbox.newest_account_id(Person.id)).where(
                        Person.id.in_(list(people.values()))
                    )
                )
            ).all()
        )
        chat = {a.id: a.chat_id for a in (await session.execute(select(ChannelAccount))).scalars()}
    by_name = {name: sql[pid] for name, pid in people.items()}
    assert by_name == {
        name: (python[pid].id if pid in python else None) for name, pid in people.items()
    }
    # and the rule is the one documented: spot-check what each arrangement gets
    picked = {name: chat.get(acc) for name, acc in by_name.items()}
    assert picked == {
        "none": None,
        "one": "one-0",
        "used-later": "used-later-0",
        "tie": "tie-2",
        "reachable-first": "reachable-first-0",
        "all-blocked": "all-blocked-0",
        "unbound-newest": "unbound-newest-0",
        "bound-after-use": "bound-after-use-1",
    }


async def test_enqueue_each_writes_the_rows_row_for_builds(app: App) -> None:
    people = await _people_with_accounts(app)
    now = app.clock.now()
    buttons = [[{"label": "打开 & 查看", "action": f"task:open:{outbox.EACH}"}]]
    message = outbox.Outgoing(
        kind="test.each",
        ref=f"person:{outbox.EACH}",
        text="<b>通知</b>",
        buttons=buttons,
        not_before=now + timedelta(minutes=5),
        now=now,
        priority=3,
    )
    everyone = select(Person.id, Person.id).where(Person.id.in_(list(people.values())))
    async with app.unit_of_work() as svc:
        written = await outbox.enqueue_each(
            svc.session, everyone, message, dedupe_key=f"each:{outbox.EACH}"
        )
        again = await outbox.enqueue_each(  # the same keys again: nothing new
            svc.session,
            everyone,
            replace(message, not_before=now),
            dedupe_key=f"each:{outbox.EACH}",
        )
        accounts = await outbox.accounts_for(svc.session, list(people.values()))
        await outbox.enqueue(
            svc.session,
            [
                outbox.row_for(
                    outbox.Outgoing(
                        kind="test.each",
                        ref=f"person:{pid}",
                        text="<b>通知</b>",
                        buttons=[[{"label": "打开 & 查看", "action": f"task:open:{pid}"}]],
                        not_before=now + timedelta(minutes=5),
                        now=now,
                        priority=3,
                    ),
                    person_id=pid,
                    account=accounts.get(pid),
                    dedupe_key=f"rows:{pid}",
                )
                for pid in people.values()
            ],
        )
    assert (written, again) == (len(people), 0)
    fields = ("person_id", "account_id", "channel", "chat_id", "priority", "kind", "ref")
    fields += ("text", "buttons", "status", "attempts", "not_before", "created_at", "error")
    async with app.sessionmaker() as session:
        rows = (await session.execute(select(Outbox).order_by(Outbox.id))).scalars().all()
    each = {
        r.person_id: {f: getattr(r, f) for f in fields}
        for r in rows
        if r.dedupe_key.startswith("each:")
    }
    built = {
        r.person_id: {f: getattr(r, f) for f in fields}
        for r in rows
        if r.dedupe_key.startswith("rows:")
    }
    assert each == built
    assert {r.dedupe_key for r in rows if r.dedupe_key.startswith("each:")} == {
        f"each:{pid}" for pid in people.values()
    }
    statuses = {name: each[pid]["status"] for name, pid in people.items()}
    assert statuses["none"] == statuses["all-blocked"] == "unreachable"
    assert (each[people["none"]]["error"], each[people["all-blocked"]]["error"]) == (
        "no bound account",
        "blocked",
    )
    assert each[people["tie"]]["buttons"] == [
        [{"label": "打开 & 查看", "action": f"task:open:{people['tie']}"}]
    ]


async def test_enqueue_each_picks_the_text_of_each_persons_locale(app: App) -> None:
    people = await _people_with_accounts(app)
    async with app.unit_of_work() as svc:
        for name, locale in (("one", "en"), ("tie", "fr"), ("used-later", "")):
            person = await svc.session.get(Person, people[name])
            assert person is not None
            person.locale = locale
        await svc.session.flush()
        written = await outbox.enqueue_each(
            svc.session,
            select(Person.id, Person.id).where(Person.id.in_(list(people.values()))),
            outbox.Outgoing(
                kind="test.each",
                ref=None,
                text="通知",
                buttons=[[{"label": "收到", "action": f"nt:ack:{outbox.EACH}"}]],
                not_before=app.clock.now(),
                now=app.clock.now(),
            ),
            dedupe_key=f"each:{outbox.EACH}",
            by_locale={
                "en": ("Notice", [[{"label": "Got it", "action": f"nt:ack:{outbox.EACH}"}]])
            },
        )
    assert written == len(people)
    async with app.sessionmaker() as session:
        rows = {r.person_id: r for r in (await session.execute(select(Outbox))).scalars()}
    one, tie = people["one"], people["tie"]
    assert (rows[one].text, rows[one].buttons) == (
        "Notice",
        [[{"label": "Got it", "action": f"nt:ack:{one}"}]],
    )
    # an unknown locale, an empty one and none at all: the default text
    for name in ("tie", "used-later", "none"):
        assert rows[people[name]].text == "通知", name
    assert rows[tie].buttons == [[{"label": "收到", "action": f"nt:ack:{tie}"}]]
    assert rows[one].ref is None


async def test_enqueue_as_arrays_writes_what_executemany_writes(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL `enqueue` sends ARRAY_ROWS rows or more as arrays (one INSERT ...
    SELECT FROM unnest): the rows, their order, the counts, the keys left alone and the
    pending rows a rebuild replaces are those of the row-by-row executemany. (On SQLite
    both runs take executemany.)"""
    people = list((await _people_with_accounts(app)).values())
    now = app.clock.now()
    fields = ("person_id", "account_id", "channel", "chat_id", "priority", "kind", "ref")
    fields += ("text", "buttons", "dedupe_key", "status", "attempts", "not_before")
    fields += ("created_at", "error", "edit_message_id")

    def rows(accounts: dict[int, object], version: str) -> list[dict[str, object]]:
        return [
            outbox.row_for(
                outbox.Outgoing(
                    kind="digest.L1",
                    ref=None if i % 7 == 0 else f"digest:{i}",
                    text=f"<b>{version}</b> 人员 A&amp;B {i}",
                    buttons=[[{"label": Html("✅ 已当面提醒 A&amp;B"), "action": f"t:r:{i}"}]]
                    if i % 2
                    else None,
                    not_before=now + timedelta(minutes=i),
                    now=now,
                    priority=1 + i % 3,
                ),
                person_id=pid,
                account=accounts.get(pid),
                dedupe_key=f"digest:{i}",
                edit_message_id="m1" if i % 5 == 0 else None,
            )
            for i, pid in enumerate(people * 20)
        ]

    async def run(array_rows: int) -> tuple[list[int], list[tuple[object, ...]]]:
        monkeypatch.setattr(outbox, "ARRAY_ROWS", array_rows)
        async with app.unit_of_work() as svc:
            accounts = await outbox.accounts_for(svc.session, people)
            first = await outbox.enqueue(svc.session, rows(accounts, "v1"))
            again = await outbox.enqueue(svc.session, rows(accounts, "v2"))
            await svc.session.execute(  # some went out: a rebuild leaves them alone
                update(Outbox).where(Outbox.id % 3 == 0).values(status=OutboxStatus.SENT)
            )
            rebuilt = await outbox.enqueue(svc.session, rows(accounts, "v3"), replace_pending=True)
        async with app.unit_of_work() as svc:
            written = (await svc.session.execute(select(Outbox).order_by(Outbox.id))).scalars()
            out = [tuple(getattr(r, f) for f in fields) for r in written]
            await svc.session.execute(delete(Outbox))
        return [first, again, rebuilt], out

    as_arrays = await run(100)
    row_by_row = await run(10**9)
    assert as_arrays == row_by_row
    counts, written = as_arrays
    assert counts[:2] == [160, 0] and 0 < counts[2] < 160
    assert {w[7].split("</b>")[0] for w in written} == {"<b>v1", "<b>v3"}
