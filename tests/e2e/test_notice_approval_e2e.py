"""Approval before a force-wide notice, end to end over every channel (issue 21): one
office staffer writes a notice for more people than the limit, a second one is asked in
his chat, returns it with a reason; the first marks a smaller one sensitive, the second
approves it and it reaches its reader. The outbox sender runs beside the bot."""

from __future__ import annotations

import pytest

from storage import people as repo
from storage.models import Role
from tests.e2e.client import BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot
from tests.e2e.test_notices_e2e import _until_shown
from tests.e2e.test_pledges_e2e import _register
from tests.factories import add_person

pytestmark = pytest.mark.e2e

TIMEOUT = 15.0


async def _compose(
    office: EmulatorUser, audience: str, text: str
) -> tuple[BotMessage, BotMessage]:
    """/notice, pick the audience, type the text, no confirmation: (head, preview)."""
    await office.send("/notice")
    picker = await office.read_one()
    await office.press(audience)
    if audience != "全体人员":  # a unit is ticked; then the next step
        await _until_shown(office, picker.message_id, "已选单位：")
        await office.press("下一步（")
    await _until_shown(office, picker.message_id, "第 2 步")
    await office.send(text)
    await office.read_one()
    await office.press("不需要确认")
    head, preview = await office.read(2)
    return head, preview


async def test_a_notice_waits_for_a_second_staffer_who_returns_or_approves_it(
    bot: RunningBot,
) -> None:
    bot.app.settings.notice_approval_over = 5  # the small force has 9 people
    async with bot.app.unit_of_work() as svc:
        bureau = await repo.unit_by_name(svc.session, "示例县公安局")
        assert bureau is not None
        await add_person(
            svc.session,
            bot.app.clock,
            employee_no="O002",
            name="吴审核",
            unit=bureau,
            roles=(Role.OFFICE,),
        )
    writer = await _register(bot, "O001", "周政工")
    approver = await _register(bot, "O002", "吴审核")
    reader = await _register(bot, "A004", "欧阳娜娜")

    # Everyone: more than the limit, so it waits.
    head, preview = await _compose(writer, "全体人员", "全局安全大检查\n周五前完成自查。")
    assert "发送对象 9 人，超过 5 人：发送前需另一名政治处辅警办人员批准" in head.text
    assert preview.labels[0] == "📝 提交审批"
    await writer.press("提交审批")
    waiting = await _until_shown(writer, preview.message_id, "已提交审批")
    assert "已请 1 人审批" in waiting.text

    ask = await approver.read_one(TIMEOUT)  # from the outbox
    assert "待审批通知" in ask.text and "周政工 提交了一条通知" in ask.text
    assert "全局安全大检查" in ask.text and ask.labels == ["✅ 批准发送", "↩️ 退回"]
    await approver.press("退回")
    assert "请输入退回理由" in (await approver.read_one()).text
    await approver.send("请写明自查范围")
    assert "已退回" in (await approver.read_one()).text
    told = await writer.read_one(TIMEOUT)
    assert "被 吴审核 退回" in told.text and "请写明自查范围" in told.text
    assert told.labels == ["✏️ 重新编写通知"]
    assert await reader.read(0) == []  # nothing went out

    # One person, but marked sensitive: it waits too, and is approved.
    _head, preview = await _compose(writer, "交警大队", "涉密通知\n请到政治处领取材料。")
    await writer.press("标为敏感")
    await _until_shown(writer, preview.message_id, "已标为敏感")
    ask = await approver.read_one(TIMEOUT)
    assert "已标为敏感" in ask.text
    await approver.press("批准发送")
    approved = await _until_shown(approver, ask.message_id, "已批准")
    assert "1 人" in approved.text
    notice = await reader.read_one(TIMEOUT)
    assert bot.shown("📢 <b>涉密通知</b>") in notice.text
    messages = await writer.read(1, TIMEOUT)
    assert any("已由 吴审核 批准" in m.text for m in messages)
