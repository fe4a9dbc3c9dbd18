"""Leave (请销假) end to end, on every channel: while a person is on leave the deadline
engine leaves her alone and her mentor hears she is on leave, not overdue; when the office
ends the leave, the next tick gives her task its time back and tells her what is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actor import Actor
from tests.e2e.client import EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.e2e.test_pledges_e2e import _arrives, _register, _showing

pytestmark = pytest.mark.e2e


async def test_leave_holds_the_ladder_and_gives_the_time_back(bot: RunningBot) -> None:
    alice: EmulatorUser = await _register(bot, "A001", "张三")
    mentor = await _register(bot, "M001", "王民警")
    today = bot.clock.now().astimezone(bot.app.settings.tz).date()
    async with bot.app.unit_of_work() as svc:  # the office: 张三 is on sick leave for 3 days
        await svc.leave.set(
            Actor.cli(), "A001", category="sick", first_day=today, last_day=today + timedelta(2)
        )
        await svc.pledges.publish(
            Actor.cli(), "online-conduct", due_at=bot.clock.now() + timedelta(hours=1)
        )
    assert "新任务：网络社交行为承诺书" in (await alice.read_one()).text
    bot.clock.advance(timedelta(hours=1))
    report = await bot.tick()
    assert report.escalated[1] == 3  # the others; not 张三, who is away
    digest = await mentor.read_one()
    shown = bot.shown(digest.text)
    assert "李四：网络社交行为承诺书" in shown
    until = (today + timedelta(2)).isoformat()
    assert f"张三：请假中（至 {until}），暂不督办" in shown
    assert not [label for label in digest.labels if "张三" in label]

    async with bot.app.unit_of_work() as svc:  # she is back early: the office ends the leave
        await svc.leave.end(Actor.cli(), "A001")
    report = await bot.tick()
    assert report.back_from_leave == 1 and report.escalated[1] == 0
    back = await _arrives(alice, "欢迎销假归来")
    assert "网络社交行为承诺书：新的截止时间" in bot.shown(back.text)
    await alice.press("阅读")  # the welcome back opens the task
    await _showing(alice, "我已阅读并同意")
