"""My records end to end, on every channel: an auxiliary answers the weekly check-in
"All fine" with one tap, corrects it before the deadline to report a hazard, marks it
urgent so that the mentor officer gets it at once through the real outbox sender, and reads
it all back in "My records"."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.services.checkins import Week
from scheduled.checkins import open_week
from storage.models_checkin import CheckinResponse
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.helpers import local

pytestmark = pytest.mark.e2e

W49 = Week(2026, 49)
TUESDAY = local(2026, 12, 1, 10, 0)
HAZARD_NOTE = "北门护栏松动，夜间有人翻越"
TIMEOUT = 10.0


async def _register(bot: RunningBot, employee_no: str, first_name: str) -> EmulatorUser:
    user = bot.user(first_name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # greeting and menu
    return user


async def _shown(user: EmulatorUser, text: str) -> BotMessage:
    """The newest message once it shows `text` (a press edits in place or answers anew)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        history = await user.history()
        if history and text in history[-1].text:
            return history[-1]
        if time.monotonic() > deadline:
            last = history[-1].text if history else None
            raise AssertionError(f"never shown {text!r}; last: {last}")
        await asyncio.sleep(0.05)


async def test_a_corrected_check_in_reaches_the_mentor_and_shows_in_my_records(
    bot: RunningBot,
) -> None:
    bot.clock.advance(TUESDAY - bot.clock.now())
    zhang = await _register(bot, "A001", "张三")
    mentor = await _register(bot, "M001", "王民警")
    async with bot.app.unit_of_work() as svc:
        await open_week(svc, Actor.cli(), W49)
    [opened] = await zhang.read()
    assert "每周报到（2026-W49）已开始" in opened.text

    await zhang.press("本周一切正常")
    done = await _shown(zhang, "本周一切正常，谢谢")
    assert "✏️ 更正本周报到" in done.labels
    await zhang.press("更正本周报到")
    await _shown(zhang, "原来的回答会保留在记录中")
    await zhang.press("逐项重新填写")
    await _shown(zhang, "安全隐患")
    await zhang.press("是")
    await _shown(zhang, "描述隐患")
    await zhang.send(HAZARD_NOTE)
    await _shown(zhang, "装备")
    await zhang.press("否")
    await _shown(zhang, "仅政治处辅警办可见")
    await zhang.press("没有")
    await _shown(zhang, "带辅民警帮助")
    await zhang.press("跳过")
    await _shown(zhang, "请核对更正后的回答")
    await zhang.press("确认提交")
    corrected = await _shown(zhang, "已更正 2026-W49")
    assert "下一期汇总" in corrected.text
    await zhang.press("紧急")
    await _shown(zhang, "已立即告知带辅民警 王民警")

    urgent = await mentor.read_one(timeout=TIMEOUT)  # delivered by the outbox sender
    assert "紧急" in urgent.text and "张三" in urgent.text
    assert HAZARD_NOTE in bot.shown(urgent.text)

    await zhang.send("/records")
    await _shown(zhang, "我的记录 · 张三")
    await zhang.press("历次每周报到")
    weeks = await _shown(zhang, "2026-W49：📝 已逐项填写（报告隐患 1 项）")
    assert "已更正" in weeks.text
    await zhang.press("2026-W49 的回答")
    mine = await _shown(zhang, "已紧急告知带辅民警")
    assert HAZARD_NOTE in bot.shown(mine.text)
    async with bot.app.sessionmaker() as session:
        rows = list((await session.execute(select(CheckinResponse))).scalars())
    assert [(r.all_fine, r.supersedes_id is None) for r in rows] == [(True, True), (False, False)]


async def test_a_leader_picks_owners_amends_the_filed_register_and_names_a_reporter(
    bot: RunningBot,
) -> None:
    bot.clock.advance(TUESDAY - bot.clock.now())
    li = await _register(bot, "L001", "李所长")
    async with bot.app.unit_of_work() as svc:
        await open_week(svc, Actor.cli(), W49)
    [task] = await li.read()
    assert "风险排查登记 2026-W49" in task.text
    await li.press("填报风险排查")
    await _shown(li, "本周尚未登记新增风险")
    await li.press("登记新风险")
    await _shown(li, "请选择风险类别")
    await li.press("装备后勤")
    await _shown(li, "风险或隐患")
    await li.send("车辆年检逾期")
    await _shown(li, "整改措施")
    await li.send("本周内送检")
    picker = await _shown(li, "请选择责任人")
    assert "王民警 · 社区民警" in picker.labels or bot.channel_name == "wecom"  # a card pages
    await li.press("王民警 · 社区民警")
    await _shown(li, "整改期限")
    await li.press("2026-12-06")
    await _shown(li, "责任人：王民警")
    await li.press("确认登记")
    await _shown(li, "本周新增 1 项")
    await li.press("报送")
    await _shown(li, "状态：已于 2026-12-01 10:00 报送")
    await li.press("修改已报送的登记表")
    await _shown(li, "正在修改已报送的登记表")
    await li.press("修改第 1 项")
    await _shown(li, "原记录保留")
    await li.press("责任人")
    await _shown(li, "请选择责任人")
    await li.send("赵")  # a search among the unit's people
    await _shown(li, "找到 1 人")
    await li.press("赵民警")
    await _shown(li, "责任人：赵民警")
    await li.press("报送修改")
    await _shown(li, "现为第 2 版")
    await li.press("指定填报人")
    await _shown(li, "从本单位人员中选择填报人")
    await li.press("张三 · 巡逻辅警")
    await _shown(li, "已指定 张三")
