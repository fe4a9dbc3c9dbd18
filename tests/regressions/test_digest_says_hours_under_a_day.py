"""The digest said "逾期 0 天" for items less than a day overdue: it now says hours
("逾期 5 小时"), and days from the first full day on."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from storage import people as repo
from tests.helpers import outbox_for, tick
from tests.test_deadlines import DUE, _setup


async def test_under_a_day_overdue_says_hours(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(hours=5, minutes=40))
    await tick(app)
    digest = (await outbox_for(app, "M001"))[-1]
    assert digest.kind == "digest.L1"
    assert "逾期 5 小时" in digest.text
    assert "逾期 0 天" not in digest.text

    clock.set(DUE + timedelta(days=1, hours=3))
    await tick(app)
    leader = (await outbox_for(app, "L001"))[-1]
    assert "逾期 1 天" in leader.text and "小时" not in leader.text


async def test_just_overdue_says_under_an_hour(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(minutes=10))
    await tick(app)
    digest = (await outbox_for(app, "M001"))[-1]
    assert "逾期不到 1 小时" in digest.text and "逾期 0" not in digest.text


async def test_in_english_too(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        mentor = await repo.person_by_employee_no(svc.session, "M001")
        assert mentor is not None
        mentor.locale = "en"
    clock.set(DUE + timedelta(hours=1, minutes=5))
    await tick(app)
    digest = (await outbox_for(app, "M001"))[-1]
    assert "(1 hour overdue)" in digest.text and "0 days" not in digest.text
