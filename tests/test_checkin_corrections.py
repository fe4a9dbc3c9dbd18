"""Corrections of the weekly check-in until its deadline (a new response superseding the
old one, which is kept and audited), and mentors told of hazards and requests for help:
in their next digest, or at once when the auxiliary marks it urgent; nothing office-only
ever reaches a mentor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.services.checkins import (
    Answers,
    CorrectionClosed,
    NoChange,
    NothingToCorrect,
    week_window,
)
from bot.services.mentor_alerts import AlreadyUrgent
from scheduled.sequencer import seal_pending
from storage import audit
from storage.models import AuditEvent, Outbox
from storage.models_checkin import CareItem, CheckinResponse, MentorAlert
from tests.chat import ChatUser
from tests.helpers import local, outbox_for, tick
from tests.test_checkins import (
    FULL,
    MENTOR_NOTE,
    SECRET,
    W49,
    assignment_of,
    open_w49,
    person,
    setup_force,
    submit,
)

HAZARD = {"hazard": "yes", "hazard_detail": MENTOR_NOTE, "equipment": "no", "difficulty": "none"}
HELP = "请帮忙协调调班-HELP-REQUEST"


async def correct(app: App, employee_no: str, answers: Answers):  # noqa: ANN201
    who = await person(app, employee_no)
    aid = (await assignment_of(app, employee_no)).id
    async with app.unit_of_work() as svc:
        return await svc.checkins.correct(who, aid, answers)


def _action(user: ChatUser, label: str) -> str:
    """The action of a button on screen, to press it again later (an old message)."""
    return next(b.action for r in user.last for row in r.buttons for b in row if label in b.label)


async def responses(app: App) -> list[CheckinResponse]:
    async with app.sessionmaker() as s:
        return list(
            (await s.execute(select(CheckinResponse).order_by(CheckinResponse.id))).scalars()
        )


async def mentor_messages(app: App, kind: str = "digest.L1") -> list[Outbox]:
    return [m for m in await outbox_for(app, "M001") if m.kind == kind]


# --- corrections ---------------------------------------------------------------------------


async def test_a_one_tap_all_fine_is_corrected_before_the_deadline(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    zhang = users["A001"]
    await zhang.send("/checkin")
    await zhang.press("本周一切正常")
    assert "本周一切正常" in zhang.text and "更正本周报到" in zhang.labels()[0]
    await zhang.press("更正本周报到")
    assert "2026-12-03 12:00" in zhang.text and "原来的回答会保留" in zhang.text
    await zhang.press("逐项重新填写")
    await zhang.press("是")
    await zhang.send(MENTOR_NOTE)
    await zhang.press("否")
    await zhang.press("没有")
    await zhang.press("跳过")
    assert "更正后的回答" in zhang.text
    send = _action(zhang, "提交")
    await zhang.tap(send)
    assert "已更正 2026-W49" in zhang.text and "下一期汇总" in zhang.text
    await zhang.tap(send)  # a second press: the answers are gone from the state
    assert "已失效" in zhang.text
    first, second = await responses(app)
    assert first.all_fine and second.supersedes_id == first.id
    assert not second.all_fine and second.hazards == 1 and not second.late
    async with app.unit_of_work() as svc:  # every view reads the newest answer
        [unit] = [u for u in await svc.checkins.numbers(W49) if u.unit == "城关派出所"]
        team = await svc.checkins.mentor_view(Actor.of(await person(app, "M001")), W49)
    assert (unit.numbers.answered, unit.numbers.all_fine, unit.numbers.hazards) == (1, 0, 1)
    [me] = [p for p in team if p.name == "张三"]
    assert me.state == "answered" and [a.value for a in me.answers if a.hazard] == ["yes"]
    async with app.sessionmaker() as s:
        kinds = list((await s.execute(select(AuditEvent.kind).order_by(AuditEvent.id))).scalars())
    assert kinds.count("checkin.submitted") == 1 and kinds.count("checkin.corrected") == 1
    await seal_pending(app)
    async with app.sessionmaker() as s:
        report = await audit.check(s, app.settings.audit_key.get_secret_value().encode())  # type: ignore[union-attr]
    assert report.intact, report.problems


async def test_a_correction_is_refused_after_the_deadline_and_without_a_change(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    await open_w49(app)
    with pytest.raises(NothingToCorrect):
        await correct(app, "A001", Answers.fine())
    await submit(app, "A001", all_fine=True)
    with pytest.raises(NoChange):  # a second tap of "all fine": nothing new recorded
        await correct(app, "A001", Answers.fine())
    await correct(app, "A001", Answers(HAZARD))
    with pytest.raises(NoChange):
        await correct(app, "A001", Answers(HAZARD))
    clock.set(week_window(W49, app.settings)[1] + timedelta(minutes=1))
    with pytest.raises(CorrectionClosed, match="checkin-correct-closed"):
        await correct(app, "A001", Answers.fine())
    assert len(await responses(app)) == 2
    users_last = await responses(app)
    assert [r.all_fine for r in users_last] == [True, False]


async def test_a_repeated_difficulty_opens_no_second_ticket(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A002", answers=FULL)
    changed = {**FULL, "hazard": "no"}
    del changed["hazard_detail"]
    result = await correct(app, "A002", Answers(changed))
    assert result.corrected and result.care_items == 0
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(CareItem)) == 1


async def test_the_menu_offers_to_correct_an_answered_week(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    await submit(app, "A003", all_fine=True)
    wang = users["A003"]
    await wang.send("/checkin")
    assert "没有需要填写" in wang.text and "还可以更正" in wang.text
    await wang.press("更正本周报到")
    await wang.press("改为：本周一切正常")
    assert "回答与已提交的一样" in wang.text
    assert len(await responses(app)) == 1


# --- the mentor is told ----------------------------------------------------------------------


async def test_a_hazard_reaches_the_mentor_in_the_daily_digest_without_office_answers(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A002", answers={**FULL, "mentor_need": HELP})  # mentor M001
    await submit(app, "A001", all_fine=True)  # nothing to tell
    await tick(app)
    assert await mentor_messages(app) == []  # not before the digest time, no escalation
    clock.set(local(2026, 12, 1, 17, 0))
    await tick(app)
    [digest] = await mentor_messages(app)
    assert "李四" in digest.text and MENTOR_NOTE in digest.text and HELP in digest.text
    assert "张三" not in digest.text
    for boss in ("M001", "M002", "L001"):
        for message in await outbox_for(app, boss):
            assert SECRET not in message.text and "工资待遇" not in message.text
    clock.set(local(2026, 12, 2, 17, 0))
    await tick(app)
    assert len(await mentor_messages(app)) == 1  # told once


async def test_an_escalation_digest_carries_the_alert_first(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A001", answers=HAZARD)  # A002, also M001's, does not answer
    clock.set(local(2026, 12, 3, 12, 5))  # past due: level 1 for A002, before 17:00
    await tick(app)
    [digest] = await mentor_messages(app)
    assert "李四" in digest.text and MENTOR_NOTE in digest.text and "张三" in digest.text
    await tick(app)  # the same round again: the rebuilt digest keeps the alert
    [digest] = await mentor_messages(app)
    assert MENTOR_NOTE in digest.text
    async with app.sessionmaker() as s:
        alert = (await s.execute(select(MentorAlert))).scalar_one()
    assert alert.outcome == "digest" and alert.sent_to_id is not None


async def test_marked_urgent_the_mentor_is_told_at_once_and_once(
    app: App, clock: FrozenClock
) -> None:
    users = await setup_force(app)
    await open_w49(app)
    clock.set(local(2026, 12, 1, 23, 30))  # in quiet hours: urgent is not held back
    li = users["A002"]
    await li.send("/checkin")
    await li.press("逐项填写")
    await li.press("是")
    await li.send(MENTOR_NOTE)
    await li.press("否")
    await li.press("没有")
    await li.send(HELP)
    await li.press("确认提交")
    assert "下一期汇总" in li.text
    urgent_action = _action(li, "紧急")
    await li.tap(urgent_action)
    assert "已立即告知带辅民警 王民警" in li.text
    [urgent] = await mentor_messages(app, "checkin.alert")
    assert urgent.not_before == clock.now() and MENTOR_NOTE in urgent.text and HELP in urgent.text
    await li.tap(urgent_action)  # pressed again on the same message
    assert "已于 2026-12-01 23:30 紧急告知过" in li.text
    assert len(await mentor_messages(app, "checkin.alert")) == 1
    clock.set(local(2026, 12, 2, 17, 0))
    await tick(app)
    assert await mentor_messages(app) == []  # not repeated in the digest
    rid = (await responses(app))[-1].id
    async with app.unit_of_work() as svc:
        with pytest.raises(AlreadyUrgent):
            await svc.checkins.mark_urgent(Actor.of(await person(app, "A002")), rid)
    await users["A001"].tap(f"ci:urg:{rid}")  # someone else's check-in does not exist
    assert "没有找到" in users["A001"].text


async def test_a_correction_replaces_a_pending_alert_and_follows_a_sent_one(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A001", answers=HAZARD)
    await correct(app, "A001", Answers.fine())  # before the digest: nothing to tell now
    clock.set(local(2026, 12, 1, 17, 0))
    await tick(app)
    assert await mentor_messages(app) == []
    await correct(app, "A001", Answers(HAZARD))
    clock.set(local(2026, 12, 2, 17, 0))
    await tick(app)
    [told] = await mentor_messages(app)
    assert MENTOR_NOTE in told.text
    await correct(app, "A001", Answers.fine())  # the mentor knew: told of the correction
    clock.set(local(2026, 12, 3, 11, 0))
    await tick(app)
    clock.set(local(2026, 12, 3, 17, 0))
    await tick(app)
    digests = await mentor_messages(app)
    assert len(digests) == 2 and "已更正" in digests[-1].text
    assert "已无隐患或求助" in digests[-1].text and MENTOR_NOTE not in digests[-1].text
