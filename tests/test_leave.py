"""Leave (请销假): who may set it, and what the deadline engine does while it runs and when
it ends. Deadline arithmetic on the frozen clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.services.leave import NotOnLeave
from storage.models import Assignment, AuditEvent, Person
from storage.models_leave import PersonLeave
from tests.factories import bind_account, make_force
from tests.helpers import local, outbox_for, tick

KEY = "online-conduct"  # a pledge without a training before it
DUE = local(2026, 12, 15, 12, 0)
EVERYONE = ("A001", "A002", "A003", "A004", "M001", "M002", "L001", "O001")


async def _setup(app: App, *, due: datetime = DUE, publish: bool = True) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in EVERYONE:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    if publish:
        await _publish(app, due)


async def _publish(app: App, due: datetime, key: str = KEY) -> None:
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), key, due_at=due)


async def _leave(
    app: App, emp: str, first: date, last: date, *, by: str | None = None, category: str = "sick"
) -> None:
    async with app.unit_of_work() as svc:
        actor = Actor.cli() if by is None else Actor.of(await svc.people.get(Actor.cli(), by))
        await svc.leave.set(actor, emp, category=category, first_day=first, last_day=last)


async def _due_of(app: App, emp: str) -> datetime | None:
    async with app.sessionmaker() as s:
        return (
            await s.execute(
                select(Assignment.due_at)
                .join(Person, Person.id == Assignment.person_id)
                .where(Person.employee_no == emp, Assignment.status == "open")
            )
        ).scalar_one()


def _kinds(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.kind for r in rows]


async def test_leave_covering_a_deadline_waits_then_gives_the_time_back(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    await _leave(app, "A001", date(2026, 12, 10), date(2026, 12, 20))
    clock.set(local(2026, 12, 14, 12, 0))  # 24 h before: the others are reminded
    report = await tick(app)
    assert report.reminders == 3
    assert _kinds(await outbox_for(app, "A001")) == ["task.task-published"]
    clock.set(DUE)
    report = await tick(app)
    assert report.escalated[1] == 3  # 张三 is on leave: her mentor is not escalated about her
    digest = (await outbox_for(app, "M001"))[-1]
    assert "李四" in digest.text
    assert "张三：请假中（至 2026-12-20），暂不督办" in digest.text
    assert "有 1 人有逾期" in digest.text
    labels = [b["label"] for row in digest.buttons for b in row]
    assert not [label for label in labels if "张三" in label]
    assert await _due_of(app, "A001") == DUE  # nothing moves while she is away
    clock.set(local(2026, 12, 21, 0, 0))  # the morning she is back
    report = await tick(app)
    assert report.back_from_leave == 1
    # 5 days 12 hours were left when the leave began on 12-10 00:00
    assert await _due_of(app, "A001") == local(2026, 12, 26, 12, 0)
    back = (await outbox_for(app, "A001"))[-1]
    assert back.kind == "leave.back"
    assert "新的截止时间 2026-12-26 12:00" in back.text and "网络社交行为承诺书" in back.text
    assert [b["action"] for row in back.buttons for b in row][0].startswith("pl:o:")
    clock.set(local(2026, 12, 25, 12, 0))  # her reminders start over from the new deadline
    report = await tick(app)
    assert report.reminders == 1 and report.escalated[1] == 0
    clock.set(local(2026, 12, 26, 12, 0))
    report = await tick(app)
    assert report.escalated[1] == 1
    assert "张三" in (await outbox_for(app, "M001"))[-1].text
    async with app.sessionmaker() as s:
        kinds = (await s.execute(select(AuditEvent.kind))).scalars().all()
    assert "leave.set" in kinds and "leave.returned" in kinds


async def test_a_task_given_during_leave_starts_its_clock_on_return(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app, publish=False)
    await _leave(app, "A001", date(2026, 12, 1), date(2026, 12, 7))
    clock.set(local(2026, 12, 3, 10, 0))
    await _publish(app, local(2026, 12, 10, 10, 0))  # 7 days from publishing
    clock.set(local(2026, 12, 9, 10, 0))
    assert (await tick(app)).reminders == 3  # 24 h before: not 张三, who is still away
    clock.set(local(2026, 12, 10, 10, 0))
    assert (await tick(app)).escalated[1] == 3
    clock.set(local(2026, 12, 8, 0, 0) + timedelta(hours=11))  # back on 12-08, tick at 11:00
    await tick(app)
    assert await _due_of(app, "A001") == local(2026, 12, 15, 0, 0)  # 12-08 00:00 + 7 days


async def test_at_least_the_minimum_after_return(app: App, clock: FrozenClock) -> None:
    await _setup(app, due=local(2026, 12, 10, 12, 0))
    clock.set(local(2026, 12, 10, 12, 0))
    await tick(app)  # overdue: escalated to the mentor before the leave is entered
    await _leave(app, "A001", date(2026, 12, 11), date(2026, 12, 12))
    clock.set(local(2026, 12, 13, 9, 0))
    await tick(app)
    assert await _due_of(app, "A001") == local(2026, 12, 15, 0, 0)  # 12-13 00:00 + 2 days
    async with app.sessionmaker() as s:
        level = (
            await s.execute(
                select(Assignment.level)
                .join(Person, Person.id == Assignment.person_id)
                .where(Person.employee_no == "A001")
            )
        ).scalar_one()
    assert level == 0  # no longer overdue: the ladder starts again from its deadline


async def test_the_minimum_is_configurable(app: App, clock: FrozenClock) -> None:
    app.settings.leave_min_days = 5
    await _setup(app, due=local(2026, 12, 11, 12, 0))
    await _leave(app, "A001", date(2026, 12, 11), date(2026, 12, 12))
    clock.set(local(2026, 12, 13, 9, 0))
    await tick(app)
    assert await _due_of(app, "A001") == local(2026, 12, 18, 0, 0)  # 12 h left < 5 days


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((date(2026, 12, 10), date(2026, 12, 14)), (date(2026, 12, 15), date(2026, 12, 20))),
        ((date(2026, 12, 10), date(2026, 12, 16)), (date(2026, 12, 14), date(2026, 12, 20))),
    ],
    ids=["back-to-back", "overlapping"],
)
async def test_back_to_back_and_overlapping_leaves_are_one_absence(
    app: App, clock: FrozenClock, first: tuple[date, date], second: tuple[date, date]
) -> None:
    await _setup(app)
    await _leave(app, "A001", *first)
    await _leave(app, "A001", *second, category="annual")
    for day in range(10, 22):  # a tick every day, through the seam between the leaves
        clock.set(local(2026, 12, day, 9, 0))
        await tick(app)
        if day < 21:
            assert await _due_of(app, "A001") == DUE, day
    assert await _due_of(app, "A001") == local(2026, 12, 26, 12, 0)  # given back once
    backs = [r for r in await outbox_for(app, "A001") if r.kind == "leave.back"]
    assert len(backs) == 1


async def test_ending_leave_early(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    await _leave(app, "A001", date(2026, 12, 10), date(2026, 12, 20))
    clock.set(local(2026, 12, 12, 10, 0))
    async with app.unit_of_work() as svc:
        [ended] = await svc.leave.end(Actor.cli(), "A001")
    assert ended.ends_at == local(2026, 12, 12, 10, 0)
    await tick(app)
    # 5 days 12 hours from the moment she came back
    assert await _due_of(app, "A001") == local(2026, 12, 17, 22, 0)
    async with app.unit_of_work() as svc:
        with pytest.raises(NotOnLeave):
            await svc.leave.end(Actor.cli(), "A001")


async def test_ending_a_leave_that_has_not_begun_cancels_it(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    await _leave(app, "A001", date(2026, 12, 10), date(2026, 12, 20))
    async with app.unit_of_work() as svc:
        [cancelled] = await svc.leave.end(Actor.cli(), "A001")
        assert cancelled.state(clock.now()) == "cancelled"
        assert await svc.leave.listing(Actor.cli()) == []
    clock.set(local(2026, 12, 14, 12, 0))
    assert (await tick(app)).reminders == 4  # 张三 is reminded like everybody
    clock.set(local(2026, 12, 21, 9, 0))
    await tick(app)
    assert await _due_of(app, "A001") == DUE  # nothing was given back


async def test_who_may_set_leave(app: App) -> None:
    await _setup(app, publish=False)
    # a unit leader: the people of 城关派出所, not those of 交警大队
    await _leave(app, "A001", date(2026, 12, 10), date(2026, 12, 11), by="L001")
    with pytest.raises(NotAllowed):
        await _leave(app, "A004", date(2026, 12, 10), date(2026, 12, 11), by="L001")
    for who in ("M001", "A002"):
        with pytest.raises(NotAllowed):
            await _leave(app, "A001", date(2026, 12, 10), date(2026, 12, 11), by=who)
    await _leave(app, "A004", date(2026, 12, 10), date(2026, 12, 11), by="O001")
    async with app.unit_of_work() as svc:
        leader = Actor.of(await svc.people.get(Actor.cli(), "L001"))
        assert [v.employee_no for v in await svc.leave.listing(leader)] == ["A001"]
        assert {v.employee_no for v in await svc.leave.listing(Actor.cli())} == {"A001", "A004"}
        with pytest.raises(NotAllowed):
            await svc.leave.end(leader, "A004")
        mentor = Actor.of(await svc.people.get(Actor.cli(), "M001"))
        with pytest.raises(NotAllowed):
            await svc.leave.listing(mentor)


@pytest.mark.parametrize(
    ("category", "first", "last", "key"),
    [
        ("holiday", date(2026, 12, 10), date(2026, 12, 11), "leave-error-category"),
        ("sick", date(2026, 12, 11), date(2026, 12, 10), "leave-error-order"),
        ("sick", None, date(2026, 12, 10), "leave-error-dates"),
        ("sick", date(2026, 1, 1), date(2029, 12, 31), "leave-error-too-long"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    app: App, category: str, first: date | None, last: date, key: str
) -> None:
    await _setup(app, publish=False)
    async with app.unit_of_work() as svc:
        with pytest.raises(InvalidInput) as caught:
            await svc.leave.set(
                Actor.cli(), "A001", category=category, first_day=first, last_day=last
            )
    assert caught.value.key == key
    async with app.sessionmaker() as s:
        assert (await s.execute(select(PersonLeave))).first() is None
