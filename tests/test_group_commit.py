"""The conversation engine's group commit (bot.conversation.GroupCommit) on its own: groups
bounded in size and in number at once, each event answered with its own result, and a
failed group failing only its own events."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversation import MAX_GROUP, GroupCommit, NotHandled, Replies
from bot.core import Account, Incoming, Kind, Reply


def _press(i: int) -> Incoming:
    account = Account(channel="test", external_user_id=f"u{i}", chat_id=f"u{i}")
    return Incoming(account, Kind.BUTTON, name=f"nt:ack:{i}")


async def test_a_burst_goes_in_bounded_groups_and_each_press_gets_its_own_answer() -> None:
    groups: list[list[str]] = []
    running = 0
    most = 0
    release = asyncio.Event()
    two_running = asyncio.Event()

    async def run(key: object, events: list[Incoming]) -> list[Replies]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        groups.append([e.account.external_user_id for e in events])
        if running == 2:
            two_running.set()
        await release.wait()  # in the database
        running -= 1
        return [[Reply(f"ok {e.account.external_user_id}")] for e in events]

    group = GroupCommit(run, parallel=2)
    presses = [asyncio.create_task(group.submit("k", _press(i))) for i in range(250)]
    # the presses queued, two groups are in the database (a deadline, should they never be)
    await asyncio.wait_for(two_running.wait(), 10)
    release.set()
    answers = await asyncio.gather(*presses)

    assert [a[0].text for a in answers if a] == [f"ok u{i}" for i in range(250)]
    assert most == 2  # never more groups in the database at once than allowed
    assert all(len(g) <= MAX_GROUP for g in groups)
    assert sorted(u for g in groups for u in g) == sorted(f"u{i}" for i in range(250))
    assert len(groups) < 250 / 10  # grouped, not one by one


async def test_a_failed_group_fails_its_own_presses_only() -> None:
    calls = 0

    async def run(key: object, events: list[Incoming]) -> list[Replies]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionError("the database went away")
        return [None for _ in events]  # "handle each alone"

    group = GroupCommit(run, parallel=1)
    first = asyncio.create_task(group.submit("k", _press(0)))
    await asyncio.sleep(0)  # the first group is running; these wait for the next one
    later = [asyncio.create_task(group.submit("k", _press(i))) for i in range(1, 4)]
    with pytest.raises(ConnectionError):
        await first
    assert await asyncio.gather(*later) == [None, None, None]
    assert calls == 2


async def test_presses_of_a_group_cut_short_by_a_stop_are_not_handled() -> None:
    """The process stops (its tasks are cancelled) while a group is in the database: each
    of its presses, and each still waiting, is NotHandled, so the channel delivers it
    again; none waits forever."""
    in_database = asyncio.Event()

    async def run(key: object, events: list[Incoming]) -> list[Replies]:
        in_database.set()
        await asyncio.Event().wait()  # never answers
        return []

    group = GroupCommit(run, parallel=1)
    first = asyncio.create_task(group.submit("k", _press(0)))
    await asyncio.wait_for(in_database.wait(), 10)
    waiting = asyncio.create_task(group.submit("k", _press(1)))
    await asyncio.sleep(0)  # queued behind the running group
    for task in list(group._tasks):
        task.cancel()
    for press in (first, waiting):
        with pytest.raises(NotHandled):
            await asyncio.wait_for(press, 10)
