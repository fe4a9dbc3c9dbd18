"""After an invite lockout, /start asked for a code again without saying when it may be
tried; a code replaced by a newer one said "邀请码不正确". Now /start during the lockout
says the local time from which a code may be typed again, and a replaced code says so."""

from __future__ import annotations

from datetime import timedelta

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from tests.chat import ChatUser
from tests.factories import make_force


async def _issue(app: App, employee_no: str) -> str:
    async with app.unit_of_work() as svc:
        codes = await svc.registration.issue_codes(Actor.cli(), employee_no=employee_no)
    return codes[0].code


async def test_start_during_a_lockout_says_when_to_try_again(app: App, clock: FrozenClock) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    user = ChatUser(app.conversation(), "tg7")
    await user.send("/start")
    for _ in range(5):
        await user.send("AAAA-AAAA")
    # T0 is 10:00 in Shanghai: locked until 10:15
    assert "10:15" in user.text

    clock.advance(timedelta(minutes=5))
    await user.send("/start")
    assert "10:15" in user.text and "10 分钟后再试" in user.text
    assert "请输入政治处辅警办发给您的邀请码" not in user.text
    await user.send(code)
    assert "10:15" in user.text  # still refused, and still says when

    clock.advance(timedelta(minutes=10, seconds=1))
    await user.send("/start")
    assert "请输入政治处辅警办发给您的邀请码" in user.text
    await user.send(code)
    assert "张三" in user.text


async def test_a_replaced_code_says_it_was_replaced(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    old = await _issue(app, "A002")
    new = await _issue(app, "A002")
    user = ChatUser(app.conversation(), "tg8")
    await user.send(f"/start {old}")
    assert "已被新的邀请码替换" in user.text and "不正确" not in user.text
    await user.send(new)
    assert "李四" in user.text
