"""The deadline engine: reminders, escalation levels, quiet hours, catch-up, bindings."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import NotAllowed
from scheduled.deadlines import DeadlineEngine
from storage import people as repo
from storage.db import make_sessionmaker
from storage.models import Assignment, AssignmentStatus, ChannelAccount, Outbox, Person
from tests.factories import bind_account, make_force
from tests.helpers import local, outbox_for, tick

DUE = local(2026, 12, 15, 12, 0)


async def _setup(
    app: App,
    *,
    bind: tuple[str, ...] = ("A001", "A002", "A003", "A004", "M001", "M002", "L001", "O001"),
) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in bind:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "online-conduct", due_at=DUE)


def _kinds(rows: list[Outbox]) -> list[str]:
    return [r.kind for r in rows]


async def test_reminders_then_three_levels(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    assert _kinds(await outbox_for(app, "A001")) == ["task.task-published"]
    clock.set(local(2026, 12, 14, 11, 59))
    assert (await tick(app)).claimed == 0
    clock.set(local(2026, 12, 14, 12, 0))
    report = await tick(app)
    assert report.reminders == 4
    clock.set(local(2026, 12, 15, 10, 0))
    assert (await tick(app)).reminders == 4
    assert _kinds(await outbox_for(app, "A001")).count("task.task-reminder") == 2

    clock.set(DUE)
    report = await tick(app)
    assert report.escalated[1] == 4 and report.digests == 2  # one per mentor
    digest = (await outbox_for(app, "M001"))[-1]
    assert digest.kind == "digest.L1"
    assert "张三" in digest.text and "李四" in digest.text and "王五" not in digest.text
    actions = [b["action"] for row in digest.buttons for b in row]
    assert len(actions) == 4  # reminded / excused for each of two people
    assert await outbox_for(app, "L001") == []

    clock.set(DUE + timedelta(hours=24))
    report = await tick(app)
    assert report.escalated[2] == 4
    leader = await outbox_for(app, "L001")
    assert len(leader) == 1 and "城关派出所" in leader[0].text and "交警大队" in leader[0].text

    clock.set(DUE + timedelta(hours=72))
    report = await tick(app)
    assert report.escalated[3] == 4
    office = await outbox_for(app, "O001")
    assert len(office) == 1 and "欧阳娜娜" in office[0].text
    clock.set(DUE + timedelta(days=30))
    assert (await tick(app)).claimed == 0  # nothing left to do


async def test_quiet_hours_delay_sending_not_deadlines(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    due = local(2026, 12, 10, 23, 30)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=due)
    clock.set(local(2026, 12, 9, 23, 30))  # 24 h before: inside quiet hours
    await tick(app)
    reminder = [r for r in await outbox_for(app, "A001") if r.kind == "task.task-reminder"][-1]
    assert reminder.not_before == local(2026, 12, 10, 7, 0)
    async with app.sessionmaker() as s:
        dues = set(
            (
                await s.execute(
                    select(Assignment.due_at).where(Assignment.status == AssignmentStatus.OPEN)
                )
            ).scalars()
        )
    assert due in dues


async def test_catch_up_after_downtime_acts_once(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(hours=25))  # the bot was off for two days
    report = await tick(app)
    assert report.reminders == 0 and report.escalated == {1: 0, 2: 4, 3: 0}
    assert _kinds(await outbox_for(app, "A001")) == ["task.task-published"]
    assert await outbox_for(app, "M001") == []
    assert len(await outbox_for(app, "L001")) == 1
    assert (await tick(app)).claimed == 0


async def test_escalation_follows_the_binding_at_send_time(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        a1 = await repo.person_by_employee_no(svc.session, "A001")
        m2 = await repo.person_by_employee_no(svc.session, "M002")
        l1 = await repo.person_by_employee_no(svc.session, "L001")
        assert a1 and m2 and l1
        await repo.rebind(
            svc.session,
            auxiliary_id=a1.id,
            mentor_id=m2.id,
            leader_id=l1.id,
            at=clock.now(),
            changed_by="test",
        )
    clock.set(DUE)
    await tick(app)
    m1 = (await outbox_for(app, "M001"))[-1].text
    m2_text = (await outbox_for(app, "M002"))[-1].text
    assert "张三" not in m1 and "张三" in m2_text


async def test_reminded_in_person_postpones_next_level(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE)
    await tick(app)
    async with app.unit_of_work() as svc:
        mentor = await svc.people.get(Actor.cli(), "M001")
        a1 = await svc.people.get(Actor.cli(), "A001")
        await svc.escalations.reminded_in_person(Actor.of(mentor), a1.id)
    assert (await outbox_for(app, "A001"))[-1].kind == "task.reminder"
    clock.set(DUE + timedelta(hours=24))
    await tick(app)
    leader = (await outbox_for(app, "L001"))[-1].text
    assert "李四" in leader and "张三" not in leader
    clock.set(DUE + timedelta(hours=48))
    await tick(app)
    assert "张三" in (await outbox_for(app, "L001"))[-1].text


async def test_excused_closes_and_only_responsible_may_act(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE)
    await tick(app)
    async with app.unit_of_work() as svc:
        other_mentor = await svc.people.get(Actor.cli(), "M002")
        a1 = await svc.people.get(Actor.cli(), "A001")
        _, [item] = await svc.escalations.excusable(Actor.cli(), a1.id)
        with pytest.raises(NotAllowed):
            await svc.escalations.excuse(
                Actor.of(other_mentor), a1.id, "病假", assignments=[item.assignment_id]
            )
    async with app.unit_of_work() as svc:
        mentor = await svc.people.get(Actor.cli(), "M001")
        await svc.escalations.excuse(
            Actor.of(mentor), a1.id, "病假", assignments=[item.assignment_id]
        )
    clock.set(DUE + timedelta(hours=24))
    await tick(app)
    assert "张三" not in (await outbox_for(app, "L001"))[-1].text


async def test_unreachable_people_are_not_spammed(app: App, clock: FrozenClock) -> None:
    await _setup(app, bind=("A001", "A002", "M001", "M002", "L001", "O001"))
    async with app.unit_of_work() as svc:
        acc = (
            await svc.session.execute(
                select(ChannelAccount).join(Person).where(Person.employee_no == "A002")
            )
        ).scalar_one()
        acc.reachable = False
        acc.unreachable_reason = "blocked"
    clock.set(local(2026, 12, 14, 12, 0))
    await tick(app)
    clock.set(local(2026, 12, 15, 10, 0))
    await tick(app)
    notes = [r for r in await outbox_for(app, "M001") if r.kind == "esc.unreachable"]
    assert len(notes) == 1 and "李四" in notes[0].text
    m2_notes = [r for r in await outbox_for(app, "M002") if r.kind == "esc.unreachable"]
    assert len(m2_notes) == 2  # 王五 and 欧阳娜娜 never registered: one note each
    blocked = [r for r in await outbox_for(app, "A002") if r.kind == "task.task-reminder"]
    assert all(r.status == "unreachable" for r in blocked)


async def test_person_who_left_is_cancelled_and_mentor_told_once(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        a2 = await repo.person_by_employee_no(svc.session, "A002")
        assert a2 is not None
        a2.status = "left"
    clock.set(local(2026, 12, 14, 12, 0))
    await tick(app)
    clock.set(DUE)
    await tick(app)
    notes = [r for r in await outbox_for(app, "M001") if r.kind == "esc.left"]
    assert len(notes) == 1 and "李四" in notes[0].text
    assert "李四" not in (await outbox_for(app, "M001"))[-1].text
    assert [r.kind for r in await outbox_for(app, "A002")] == ["task.task-published"]


@pytest.mark.pg_only  # several tick processes is a PostgreSQL deployment; SQLite runs one
async def test_two_concurrent_ticks_send_nothing_twice(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(local(2026, 12, 14, 12, 0))
    sm = make_sessionmaker(app.engine)

    async def one() -> int:
        async with sm() as s:
            engine = DeadlineEngine(s, clock=clock, settings=app.settings, catalog=app.catalog)
            report = await engine.tick()
            await s.commit()
            return report.claimed

    claimed = await asyncio.gather(one(), one())
    assert sum(claimed) == 4
    async with app.sessionmaker() as s:
        reminders = (
            await s.execute(
                select(func.count()).select_from(Outbox).where(Outbox.kind == "task.task-reminder")
            )
        ).scalar_one()
    assert reminders == 4


async def test_mentor_sees_team_status_and_acts_from_the_bot(app: App, clock: FrozenClock) -> None:
    from tests.chat import ChatUser  # noqa: PLC0415

    await _setup(app)
    clock.set(DUE + timedelta(hours=1))
    await tick(app)
    mentor = ChatUser(app.conversation(), "M001")
    await mentor.send("/menu")
    await mentor.press("我联系的辅警")
    assert "张三" in mentor.text and "逾期 1 项" in mentor.text and "王五" not in mentor.text
    await mentor.press("已当面提醒 张三")
    assert "已记录" in mentor.text
    await mentor.send("/menu")
    await mentor.press("我联系的辅警")
    await mentor.press("免除 李四")
    await mentor.press("下一步")
    await mentor.press("确认")
    await mentor.send("病假")
    assert "已免除" in mentor.text
    aux = ChatUser(app.conversation(), "A001")
    await aux.send("/menu")
    assert "我联系的辅警" not in " ".join(aux.labels())
    await aux.tap("esc:team")
    assert "没有执行此操作的权限" in aux.text
    await aux.tap("esc:rip:1")
    assert "没有执行此操作的权限" in aux.text


async def test_office_lists_open_escalations_with_who_was_told(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(hours=25))
    await tick(app)
    async with app.unit_of_work() as svc:
        items = await svc.escalations.open_escalations(Actor.cli(), unit="城关派出所")
        assert {(i.name, i.level, i.notified) for i in items} == {
            ("张三", 2, "李所长"),
            ("李四", 2, "李所长"),
            ("王五", 2, "李所长"),
        }
        mentor = await svc.people.get(Actor.cli(), "M001")
        with pytest.raises(NotAllowed):
            await svc.escalations.open_escalations(Actor.of(mentor))
