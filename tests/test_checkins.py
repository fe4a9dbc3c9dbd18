"""Weekly check-ins: week boundaries in Asia/Shanghai, opening (idempotent, catch-up),
"All fine" in one tap, question by question, care items, escalation of missing ones, and
the visibility rule: no mentor or leader view ever shows an office-only answer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import NotAllowed
from bot.register_sheets import write_export
from bot.services.checkins import (
    AlreadyAnswered,
    Answers,
    Incomplete,
    Week,
    current_week,
    week_window,
)
from bot.services.register import AGED_WEEKS
from scheduled.checkins import open_current_week, open_week, opening_trigger
from storage.models import AppendOnlyViolation, Assignment, AssignmentStatus, Campaign, Person
from storage.models_checkin import CareItem, CheckinAnswer, CheckinResponse
from storage.models_hotline import Ticket, ticket_number
from tests.chat import ChatUser
from tests.factories import bind_account, make_force
from tests.helpers import SHANGHAI, local, outbox_for, tick

W49 = Week(2026, 49)  # Monday 2026-11-30 .. Sunday 2026-12-06; T0 is its Tuesday
SECRET = "工资拖欠三个月-OFFICE-ONLY-7f3a"  # an office-only answer, easy to look for
MENTOR_NOTE = "北门护栏松动-MENTOR-VISIBLE"
PEOPLE = ("A001", "A002", "A003", "A004", "M001", "M002", "L001", "O001")


async def setup_force(app: App) -> dict[str, ChatUser]:
    """The sample force, every person with a chat account."""
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in PEOPLE:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    return {emp: ChatUser(app.conversation(), emp) for emp in PEOPLE}


async def open_w49(app: App, week: Week = W49):  # noqa: ANN201
    async with app.unit_of_work() as svc:
        return await open_week(svc, Actor.cli(), week)


async def assignment_of(
    app: App, employee_no: str, kind: str = "checkin", week: Week = W49
) -> Assignment:
    async with app.sessionmaker() as s:
        return (
            await s.execute(
                select(Assignment)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .join(Person, Person.id == Assignment.person_id)
                .where(
                    Person.employee_no == employee_no,
                    Campaign.kind == kind,
                    Campaign.ref_key == week.key,
                )
            )
        ).scalar_one()


async def person(app: App, employee_no: str) -> Person:
    async with app.sessionmaker() as s:
        return (
            await s.execute(select(Person).where(Person.employee_no == employee_no))
        ).scalar_one()


async def submit(
    app: App,
    employee_no: str,
    *,
    all_fine: bool = False,
    answers: dict[str, str] | None = None,
    week: Week = W49,
):  # noqa: ANN201
    who = await person(app, employee_no)
    aid = (await assignment_of(app, employee_no, week=week)).id
    async with app.unit_of_work() as svc:
        return await svc.checkins.submit(
            who, aid, Answers.fine() if all_fine else Answers(answers or {})
        )


FULL = {
    "hazard": "yes",
    "hazard_detail": MENTOR_NOTE,
    "equipment": "no",
    "difficulty": "pay",
    "difficulty_detail": SECRET,
    "mentor_need": "",
}


# --- weeks ---------------------------------------------------------------------------------


def test_week_keys_parse_and_sort() -> None:
    assert Week.parse("2026-W49") == W49 == Week.parse("2026w49")
    assert W49.key == "2026-W49" and str(Week(2027, 1)) == "2027-W01"
    assert W49.monday.isoformat() == "2026-11-30"
    assert W49.shift(5) == Week(2027, 1)  # 2026 has 53 ISO weeks
    assert Week(2027, 1).weeks_since(W49) == 5
    assert sorted([Week(2027, 1), W49]) == [W49, Week(2027, 1)]
    assert Week(2027, 1).key > W49.key  # keys sort in time order too (stored as text)
    for bad in ("2025-W53", "2026-W00", "49", "2026-49"):
        with pytest.raises(Exception, match="checkin-error-bad-week"):
            Week.parse(bad)


def test_week_window_is_local_shanghai_time(app: App) -> None:
    opens, due = week_window(W49, app.settings)
    assert opens == local(2026, 11, 30, 9, 0)
    assert due == local(2026, 12, 3, 12, 0)
    assert due.utcoffset() == timedelta(hours=8)
    # Sunday 23:30 in Shanghai is still W49 although it is Sunday 15:30 UTC
    assert Week.of(local(2026, 12, 6, 23, 30), SHANGHAI) == W49
    # Monday 00:30 in Shanghai is W50 although UTC still says Sunday
    assert Week.of(local(2026, 12, 7, 0, 30), SHANGHAI) == Week(2026, 50)
    # before Monday's opening the current week is still the last one
    assert current_week(local(2026, 12, 7, 8, 59), app.settings) == W49
    assert current_week(local(2026, 12, 7, 9, 0), app.settings) == Week(2026, 50)


def test_opening_trigger_fires_at_the_opening_and_hourly(app: App) -> None:
    cron, hourly = opening_trigger(app.settings).triggers
    sunday_night = local(2026, 11, 29, 23, 59)
    assert cron.get_next_fire_time(None, sunday_night) == local(2026, 11, 30, 9, 0)
    assert hourly.interval == timedelta(hours=1)  # catch-up after downtime


# --- opening -------------------------------------------------------------------------------


async def test_opening_assigns_auxiliaries_and_unit_leaders_once(app: App) -> None:
    await setup_force(app)
    opened = await open_w49(app)
    assert opened.checkin.created and opened.checkin.assigned == 4
    assert opened.register.assigned == 1  # 城关派出所's leader; 交警大队 has no leader
    [message] = await outbox_for(app, "A001")
    assert "2026-W49" in message.text and "2026-12-03 12:00" in message.text
    labels = [b["label"] for row in message.buttons for b in row]
    assert labels == ["✅ 本周一切正常", "✏️ 逐项填写"]
    [leader_msg] = await outbox_for(app, "L001")
    assert "风险排查登记 2026-W49" in leader_msg.text
    again = await open_w49(app)
    assert not again.checkin.created and again.checkin.assigned == 0
    assert again.register.assigned == 0
    assert len(await outbox_for(app, "A001")) == 1
    async with app.sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(Campaign))
        assert count == 2


async def test_scheduler_opens_after_the_opening_time_and_catches_up(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    clock.set(local(2026, 11, 30, 8, 59))
    assert await open_current_week(app) is None  # not yet: last week is current
    clock.set(local(2026, 12, 2, 15, 0))  # the bot was down Monday and Tuesday
    opened = await open_current_week(app)
    assert opened is not None and opened.checkin.week == W49
    assert opened.checkin.assigned == 4
    clock.advance(timedelta(hours=1))
    assert await open_current_week(app) is None  # already open: nothing new
    clock.set(local(2026, 12, 10, 12, 1))  # W50 after its due time: too late to open
    assert await open_current_week(app) is None
    async with app.sessionmaker() as s:
        keys = list((await s.execute(select(Campaign.ref_key).distinct())).scalars())
    assert keys == ["2026-W49"]


# --- answering -----------------------------------------------------------------------------


async def test_thursday_1159_is_on_time_and_1201_is_late(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    clock.set(local(2026, 12, 3, 11, 59))
    on_time = await submit(app, "A001", all_fine=True)
    clock.set(local(2026, 12, 3, 12, 1))
    late = await submit(app, "A002", all_fine=True)
    assert not on_time.late and late.late
    for emp in ("A001", "A002"):
        a = await assignment_of(app, emp)
        assert a.status == AssignmentStatus.DONE and a.next_action_at is None
    async with app.unit_of_work() as svc:
        [unit] = [u for u in await svc.checkins.numbers(W49) if u.unit == "城关派出所"]
    n = unit.numbers
    assert (n.assigned, n.answered, n.all_fine, n.late, n.missing) == (3, 2, 2, 1, 1)


async def test_all_fine_is_one_tap_in_the_chat(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    alice = users["A001"]
    [message] = await outbox_for(app, "A001")
    await alice.tap(message.buttons[0][0]["action"])
    assert "本周一切正常" in alice.text and "2026-W49" in alice.text
    await alice.tap(message.buttons[0][0]["action"])  # a second tap changes nothing
    assert "已提交过" in alice.text
    async with app.sessionmaker() as s:
        response = (await s.execute(select(CheckinResponse))).scalar_one()
        assert response.all_fine and not response.late
    await alice.send("/menu")
    await alice.press("我的任务")
    assert "没有待办" in alice.text


async def test_question_by_question_with_care_item(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    bob = users["A002"]
    await bob.send("/menu")
    await bob.press("每周报到")
    await bob.press("逐项填写")
    assert "第 1 题" in bob.text and "安全隐患" in bob.text
    await bob.press("是")
    assert "描述隐患" in bob.text
    await bob.send(MENTOR_NOTE)
    assert "装备" in bob.text
    await bob.send("随便")  # a button question: typing is refused, the question repeats
    assert "请点击按钮作答" in bob.text and "装备" in bob.text
    await bob.press("否")
    assert "仅政治处辅警办可见" in bob.text
    await bob.press("工资待遇")
    await bob.send(SECRET)
    assert "带辅民警" in bob.text
    await bob.press("跳过")
    assert "请核对" in bob.text and SECRET in bob.text and "⚠️" in bob.text
    await bob.press("确认提交")
    assert "已提交" in bob.text and "政治处辅警办" in bob.text
    async with app.sessionmaker() as s:
        response = (await s.execute(select(CheckinResponse))).scalar_one()
        assert not response.all_fine and response.hazards == 1
        answers = {a.question_id: a for a in (await s.execute(select(CheckinAnswer))).scalars()}
        assert set(answers) == {
            "hazard",
            "hazard_detail",
            "equipment",
            "difficulty",
            "difficulty_detail",
        }
        assert answers["difficulty_detail"].visibility == "office"
        assert answers["hazard"].hazard and not answers["equipment"].hazard
        care = (await s.execute(select(CareItem))).scalar_one()
        assert care.topic == "pay" and care.question_id == "difficulty_detail"
        ticket = await s.get(Ticket, care.ticket_id)
        assert ticket is not None and ticket.asker_person_id == care.person_id
        assert ticket.status == "open" and not ticket.anonymous
    # the office hears of it as a hotline ticket of the person, in its queue
    note = (await outbox_for(app, "O001"))[-1]
    assert ticket_number(care.ticket_id) in note.text and "实名（姓名已隐藏）" in note.text
    assert "李四" not in note.text  # the name only for a reason ("show asker")
    for boss in ("M001", "L001"):
        assert all(SECRET not in m.text for m in await outbox_for(app, boss))
    async with app.unit_of_work() as svc:
        [item] = await svc.checkins.care_items(Actor.cli(), W49)
    assert (item.text, item.ticket, item.ticket_status) == (
        SECRET,
        ticket_number(care.ticket_id),
        "open",
    )


async def test_incomplete_answers_are_refused(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    with pytest.raises(Incomplete):
        await submit(app, "A001", answers={"hazard": "yes"})  # the detail is required
    with pytest.raises(Incomplete):
        await submit(app, "A001", answers={"hazard": "maybe"})
    result = await submit(
        app, "A001", answers={"hazard": "no", "equipment": "no", "difficulty": "none"}
    )
    assert result.hazards == 0 and result.care_items == 0
    with pytest.raises(AlreadyAnswered):
        await submit(app, "A001", all_fine=True)


async def test_a_stale_button_restarts_without_saving(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    aid = (await assignment_of(app, "A003")).id
    wang = users["A003"]
    await wang.tap(f"ci:a:{aid}:3:none")  # pressed on an old message, no answers held
    assert "已失效" in wang.text
    await wang.tap(f"ci:ok:{aid}")
    assert "已失效" in wang.text
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinResponse)) == 0


async def test_someone_elses_checkin_is_refused(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    aid = (await assignment_of(app, "A001")).id
    await users["A002"].tap(f"ci:f:{aid}")
    assert "不是您的" in users["A002"].text
    assert (await assignment_of(app, "A001")).status == AssignmentStatus.OPEN


async def test_responses_are_never_changed(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A002", answers=FULL)
    async with app.sessionmaker() as s:
        answer = (await s.execute(select(CheckinAnswer).limit(1))).scalar_one()
        answer.value = "changed"
        with pytest.raises(AppendOnlyViolation):
            await s.flush()


# --- missing check-ins -----------------------------------------------------------------------


async def test_missing_checkins_escalate_to_the_mentor(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    await submit(app, "A001", all_fine=True)
    clock.set(local(2026, 12, 3, 10, 30))  # two hours before: a reminder to the person
    await tick(app)
    clock.set(local(2026, 12, 3, 12, 5))  # just past due: level 1, the mentor
    await tick(app)
    digest = [m for m in await outbox_for(app, "M001") if m.kind == "digest.L1"]
    assert len(digest) == 1
    assert "李四" in digest[0].text and "张三" not in digest[0].text
    assert "每周报到 2026-W49" in digest[0].text
    # the reminder before the deadline carried the check-in's open button
    reminders = [m for m in await outbox_for(app, "A002") if m.kind == "task.task-reminder"]
    assert reminders and reminders[0].buttons[0][0]["action"].startswith("ci:o:")


async def test_late_answers_are_accepted_until_the_next_week_opens(
    app: App, clock: FrozenClock
) -> None:
    users = await setup_force(app)
    await open_w49(app)
    clock.set(local(2026, 12, 5, 20, 0))  # Saturday: late but accepted
    late = await submit(app, "A001", all_fine=True)
    assert late.late
    clock.set(local(2026, 12, 7, 9, 0))
    opened = await open_current_week(app)
    assert opened is not None and opened.checkin.missed == 3  # A002-A004 never answered
    assert (await assignment_of(app, "A002")).status == AssignmentStatus.CANCELLED
    async with app.unit_of_work() as svc:
        status = await svc.checkins.status(Actor.cli(), W49)
    assert (status.total.answered, status.total.missing, status.total.late) == (1, 3, 1)
    assert {p.employee_no for p in status.missing} == {"A002", "A003", "A004"}
    bob = users["A002"]
    await bob.send("/checkin")  # his open check-in is the new week's now
    assert "2026-W50" in bob.text


# --- visibility -------------------------------------------------------------------------------


async def _answered_with_secret(app: App) -> dict[str, ChatUser]:
    users = await setup_force(app)
    await open_w49(app)
    await submit(app, "A002", answers=FULL)
    await submit(app, "A001", all_fine=True)
    return users


async def test_mentor_and_leader_views_never_hold_office_only_answers(app: App) -> None:
    await _answered_with_secret(app)
    mentor = Actor.of(await person(app, "M001"))
    leader = Actor.of(await person(app, "L001"))
    office = Actor.of(await person(app, "O001"))
    async with app.unit_of_work() as svc:
        mentor_view = await svc.checkins.mentor_view(mentor, W49)
        leader_view = await svc.checkins.leader_view(leader, W49)
        office_view = await svc.checkins.office_view(office, W49)
        register = await svc.register.week_view(leader, leader.person.unit_id, W49)  # type: ignore[union-attr]
    by_name = {p.name: p for p in mentor_view}
    assert set(by_name) == {"张三", "李四"}  # M001's two auxiliaries
    assert by_name["张三"].state == "all_fine" and by_name["李四"].state == "answered"
    assert MENTOR_NOTE in repr(mentor_view) and MENTOR_NOTE in repr(leader_view)
    for view in (mentor_view, leader_view, register):
        assert SECRET not in repr(view)
        assert "difficulty" not in repr(view)  # not even the office-only choice
    assert {a.visibility for p in mentor_view + leader_view for a in p.answers} == {"mentor"}
    assert SECRET in repr(office_view)
    assert register.numbers.hazards == 1 and register.numbers.answered == 2


async def test_chat_views_of_mentor_and_leader_never_show_office_only_answers(
    app: App,
) -> None:
    users = await _answered_with_secret(app)
    mentor, leader, office = users["M001"], users["L001"], users["O001"]
    await mentor.send("/menu")
    await mentor.press("辅警每周报到情况")
    assert MENTOR_NOTE in mentor.text and "李四" in mentor.text
    seen = [mentor.text]
    await leader.send("/menu")
    await leader.press("本周风险排查")
    seen.append(leader.text)
    assert "已报 2/3" in leader.text and "报告隐患 1" in leader.text
    await leader.press("查看辅警周报明细")
    assert MENTOR_NOTE in leader.text
    seen.append(leader.text)
    for text in seen:
        assert SECRET not in text and "工资待遇" not in text
    for boss in (mentor, leader):  # the difficulty is a hotline ticket: office only
        await boss.tap("hl:q")
        assert SECRET not in boss.text and "李四" not in boss.text
    await office.send("/menu")
    await office.press("每周报送汇总")
    assert SECRET not in office.text
    await office.press("热线问题单（本周困难反映 1 条）")
    assert SECRET in office.text and "实名" in office.text and "李四" not in office.text


async def test_office_summary_cli_and_export_hold_no_answer_texts(
    app: App, tmp_path: Path
) -> None:
    import openpyxl  # noqa: PLC0415

    from bot.cli.checkins import render_status  # noqa: PLC0415
    from handlers.register import render_summary  # noqa: PLC0415

    users = await _answered_with_secret(app)
    t = app.translator()
    async with app.unit_of_work() as svc:
        status = await svc.checkins.status(Actor.cli(), W49)
        summary = await svc.register.summary(Actor.cli(), W49)
        categories = svc.register.categories()
    path = tmp_path / "register.xlsx"
    write_export(
        path,
        summary,
        t=t,
        categories=categories,
        now=app.clock.now(),
        aged_weeks=AGED_WEEKS,
    )
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(path).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    texts = [
        "\n".join(render_status(t, status)),
        render_summary(t, summary, categories={}, care=status.care, now=app.clock.now()),
        "\n".join(cells),
    ]
    for text in texts:
        assert SECRET not in text and MENTOR_NOTE not in text
    assert status.care == 1 and "本周困难反映：1 条" in texts[0]
    office = users["O001"]
    await office.send("/menu")
    await office.press("每周报送汇总")
    assert "已报 2/4" in office.text and "本周困难反映：1 条" in office.text
    assert SECRET not in office.text


async def test_a_mentor_cannot_read_the_office_view(app: App) -> None:
    await _answered_with_secret(app)
    mentor = Actor.of(await person(app, "M001"))
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.checkins.office_view(mentor, W49)
        with pytest.raises(NotAllowed):
            await svc.checkins.leader_view(mentor, W49)
        with pytest.raises(NotAllowed):
            await svc.checkins.care_items(mentor, W49)
