"""The weekly check-in and the unit register end to end: the week opens, the real outbox
sender delivers the check-in through the aiogram adapter over HTTP, an auxiliary answers
"All fine" with one tap, and a leader files the register step by step, updating a risk
carried over from last week."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.services.checkins import Week
from bot.services.register import RowDraft
from scheduled.checkins import open_week
from storage import people as repo
from storage.models import Assignment, AssignmentStatus
from storage.models_checkin import CheckinResponse, RegisterFiling, RegisterRow
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.helpers import local

pytestmark = pytest.mark.e2e

W49 = Week(2026, 49)
TUESDAY = local(2026, 12, 1, 10, 0)  # in W49, before Thursday 12:00


@pytest.fixture
async def cbot(bot: RunningBot) -> RunningBot:
    """The running bot on Tuesday of 2026-W49."""
    _set(bot, TUESDAY)
    return bot


def _set(bot: RunningBot, at: datetime) -> None:
    bot.clock.advance(at - bot.clock.now())


async def _register(bot: RunningBot, employee_no: str, first_name: str) -> EmulatorUser:
    user = bot.user(first_name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # greeting and menu
    return user


async def _open(bot: RunningBot, week: Week) -> None:
    async with bot.app.unit_of_work() as svc:
        await open_week(svc, Actor.cli(), week)


async def _last(user: EmulatorUser) -> BotMessage:
    """The bot's newest message (the answers to a press arrive as new messages)."""
    return (await user.history())[-1]


async def test_all_fine_in_one_tap(cbot: RunningBot) -> None:
    alice = await _register(cbot, "A001", "张三")
    await _open(cbot, W49)
    [opened] = await alice.read()  # delivered by the outbox sender
    assert "每周报到（2026-W49）已开始" in opened.text
    assert opened.labels == ["✅ 本周一切正常", "✏️ 逐项填写"]
    await alice.press("本周一切正常")
    [done] = await alice.read()
    assert "已提交：2026-W49 本周一切正常" in done.text
    assert "迟交" not in done.text
    async with cbot.app.sessionmaker() as session:
        response = (await session.execute(select(CheckinResponse))).scalar_one()
        assert response.all_fine and not response.late and response.week == "2026-W49"
        status = await session.scalar(
            select(Assignment.status).where(Assignment.id == response.assignment_id)
        )
        assert status == AssignmentStatus.DONE


async def test_leader_files_the_register_step_by_step_with_a_carried_row(
    cbot: RunningBot,
) -> None:
    li = await _register(cbot, "L001", "李所长")
    async with cbot.app.unit_of_work() as svc:  # last week: one risk filed and still open
        leader = await repo.person_by_employee_no(svc.session, "L001")
        assert leader is not None
        row = await svc.register.add_row(
            Actor.of(leader),
            leader.unit_id,
            W49.shift(-1),
            RowDraft(
                category="equipment",
                risk="对讲机电池老化",
                measure="申领新电池",
                owner="王民警",
                deadline=W49.monday,
            ),
        )
        await svc.register.file(
            Actor.of(leader), leader.unit_id, W49.shift(-1), no_new_risks=False
        )
    await _open(cbot, W49)
    [task] = await li.read()
    assert "风险排查登记 2026-W49" in task.text
    await li.press("填报风险排查")
    [week] = await li.read()
    assert "上周延续 1 项，待更新 1 项" in week.text and "对讲机电池老化" in week.text
    assert "辅警周报：已报 0/3" in week.text
    await li.press(f"更新 #{row.id}")
    await li.read()
    await li.press("仍未整改")
    [ask] = await li.read()
    assert "整改进展" in ask.text
    await li.send("已申领，等待配发")
    [week] = await li.read()
    assert "仍未整改：已申领，等待配发" in week.text
    await li.press("登记新风险")
    await li.read()
    await li.press("保密工作")
    await li.read()
    for answer in ("办公电脑未设置锁屏密码", "全员设置锁屏密码", "赵民警"):
        await li.send(answer)
        await li.read()
    await li.press("2026-12-06")  # the quick button: Sunday of this week
    [confirm] = await li.read()
    assert "保密工作" in confirm.text and "2026-12-06" in confirm.text
    await li.press("确认登记")
    added, week = await li.read(2)
    assert "已登记" in added.text and "本周新增 1 项" in week.text
    await li.press("报送")
    filed, week = await li.read(2)
    assert "已报送 2026-W49 风险排查登记（共 2 项）" in filed.text
    assert (await _last(li)).message_id == week.message_id
    async with cbot.app.sessionmaker() as session:
        filing = (
            await session.execute(select(RegisterFiling).where(RegisterFiling.week == W49.key))
        ).scalar_one()
        assert not filing.late and filing.rows == 2
        rows = list(
            (
                await session.execute(
                    select(RegisterRow).where(RegisterRow.week == W49.key).order_by(RegisterRow.id)
                )
            ).scalars()
        )
    assert [(r.risk, r.status, r.carried_from_id) for r in rows] == [
        ("对讲机电池老化", "open", row.id),
        ("办公电脑未设置锁屏密码", "open", None),
    ]
