"""The mentor's check-in view counted 5 auxiliaries while 我联系的辅警 listed 8: people who
joined after the week opened have no check-in that week and were left out. Both views now
list the same people and say who joined late."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from storage import people as repo
from storage.models import Unit
from tests.chat import ChatUser
from tests.console_client import console_client, sign_in
from tests.factories import add_person
from tests.test_checkins import open_w49, setup_force


async def _a_late_joiner(app: App, clock: FrozenClock) -> ChatUser:
    """The week opens, then 赵六 joins and is bound to 王民警 (M001)."""
    await setup_force(app)
    await open_w49(app)
    clock.advance(timedelta(hours=3))
    async with app.unit_of_work() as svc:
        mentor = await repo.person_by_employee_no(svc.session, "M001")
        leader = await repo.person_by_employee_no(svc.session, "L001")
        assert mentor is not None and leader is not None
        unit = await svc.session.get(Unit, mentor.unit_id)
        assert unit is not None
        late = await add_person(svc.session, app.clock, employee_no="A005", name="赵六", unit=unit)
        await repo.rebind(
            svc.session,
            auxiliary_id=late.id,
            mentor_id=mentor.id,
            leader_id=leader.id,
            at=app.clock.now(),
            changed_by="test",
        )
    return ChatUser(app.conversation(), "M001")


async def test_both_views_count_the_same_people(app: App, clock: FrozenClock) -> None:
    mentor = await _a_late_joiner(app, clock)
    await mentor.send("/menu")
    await mentor.press("我联系的辅警")
    team = mentor.text
    assert "与您绑定的辅警（3 人，其中 1 人在本周报到开始后加入）" in team
    line = next(ln for ln in team.splitlines() if "赵六" in ln)
    assert "在本周报到开始之后" in line
    assert all("报到开始" not in ln for ln in team.splitlines() if "张三" in ln)

    await mentor.send("/menu")
    await mentor.press("辅警每周报到情况")
    view = mentor.text
    assert "您联系的辅警共 3 人，其中 1 人在本周报到开始后加入（赵六），本周无需报到" in view
    assert "已报 0/2" in view  # the two with a check-in this week
    for name in ("张三", "李四", "赵六"):
        assert f"{name}：" in view, name
    assert "➕ 赵六：" in view and "本周无需报到" in view


async def test_without_late_joiners_the_count_is_said_once(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    mentor = ChatUser(app.conversation(), "M001")
    await mentor.send("/menu")
    await mentor.press("辅警每周报到情况")
    assert "您联系的辅警共 2 人。" in mentor.text and "报到开始后加入" not in mentor.text
    await mentor.send("/menu")
    await mentor.press("我联系的辅警")
    assert "与您绑定的辅警（2 人）" in mentor.text


async def test_the_console_lists_the_late_joiner_too(app: App, clock: FrozenClock) -> None:
    await _a_late_joiner(app, clock)
    async with console_client(app) as client:
        await sign_in(client, app, "M001")
        page = await (await client.get("/console/checkins?week=2026-W49")).text()
    mine = page[page.index("我联系的辅警") :]  # the section of the mentor's auxiliaries
    for name in ("张三", "李四", "赵六"):
        assert f"<td>{name}</td>" in mine, name
    assert "<td>赵六</td><td>本周报到开始后加入</td>" in mine
