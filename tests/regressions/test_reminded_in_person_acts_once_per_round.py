""" "已当面提醒" could be repeated: two taps sent the auxiliary the reminders twice and
postponed the next escalation twice. A second tap within the round (the same escalation
level) is now acknowledged and changes nothing; the next round may be marked again."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from tests.chat import ChatUser
from tests.helpers import outbox_for, tick
from tests.test_deadlines import DUE, _setup


def _reminded_button(digest: object) -> str:
    return next(
        b["action"]
        for row in digest.buttons  # type: ignore[attr-defined]
        for b in row
        if "已当面提醒" in b["label"] and "张三" in b["label"]
    )


async def test_a_second_tap_in_the_round_does_nothing(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE)
    await tick(app)
    mentor = ChatUser(app.conversation(), "M001")
    action = _reminded_button((await outbox_for(app, "M001"))[-1])
    before = len(await outbox_for(app, "A001"))

    await mentor.tap(action)
    assert "已记录" in mentor.text and "张三" in mentor.text
    await mentor.tap(action)
    assert "无需重复" in mentor.text
    rows = await outbox_for(app, "A001")
    assert len(rows) == before + 1  # one reminder, not two
    assert rows[-1].kind == "task.reminder" and "当面提醒" in rows[-1].text

    # postponed once: 24 h, not 48 h; the leader hears of 张三 a day late, not two
    clock.set(DUE + timedelta(hours=24))
    await tick(app)
    assert "张三" not in (await outbox_for(app, "L001"))[-1].text
    clock.set(DUE + timedelta(hours=48))
    await tick(app)
    assert "张三" in (await outbox_for(app, "L001"))[-1].text
