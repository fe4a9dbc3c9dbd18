"""My records: an auxiliary reads back what they have done (completed tasks with dates,
pledge receipts again, training results, past check-ins) and "my questions" (hotline
tickets with their status and the office's replies, reopenable). Only the person's own:
someone else's receipt or question does not exist for them, and an anonymous question
shows only in its asker's own session."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.app import App
from bot.errors import NotAllowed, NotFound
from bot.services.checkins import Answers
from storage.models import Signature
from tests.test_checkin_corrections import HAZARD, correct
from tests.test_checkins import open_w49, person, setup_force, submit
from tests.test_hotline import _hand_to_person
from tests.test_pledges import _publish as publish_pledge
from tests.test_pledges import _sign
from tests.test_training import _aid, _attempt
from tests.test_training import _publish as publish_training


async def test_records_show_tasks_receipts_training_and_checkins(app: App) -> None:
    users = await setup_force(app)
    await publish_pledge(app)
    await publish_training(app)
    await open_w49(app)
    zhang = users["A001"]
    await _sign(zhang, "张三")
    assert "签署成功" in zhang.text
    aid = await _aid(app, "A001")
    await _attempt(app, "A001", aid, wrong=(0, 1, 2))  # fails first
    await _attempt(app, "A001", aid)
    await submit(app, "A001", all_fine=True)
    await correct(app, "A001", Answers(HAZARD))

    await zhang.send("/menu")
    await zhang.press("我的记录")
    assert "已完成任务 3 项 · 签署承诺书 1 份 · 培训测试 2 次" in zhang.text
    await zhang.press("已完成的任务")
    assert "共 3 项" in zhang.text and "[承诺书]" in zhang.text and "[学习培训]" in zhang.text
    assert "[每周报到] 每周报到 2026-W49 · 完成于 2026-12-01 10:00" in zhang.text

    await zhang.press("我的记录")
    await zhang.press("承诺书与回执")
    assert "我签署的承诺书（1 份）" in zhang.text and "QS00000001" in zhang.text
    await zhang.press("回执 QS00000001")
    assert "签署编号：QS00000001" in zhang.text and "签署人：张三" in zhang.text
    [reply] = await zhang.press("下载回执页")
    assert reply.document is not None and reply.document.filename == "receipt-QS00000001.html"
    page = reply.document.content.decode()
    async with app.sessionmaker() as s:
        sig = (await s.execute(Signature.__table__.select())).one()
    assert sig.document_sha256 in page and "张三" in page

    await zhang.send("/records")
    await zhang.press("培训成绩")
    assert "2 次测试" in zhang.text
    lines = [ln for ln in zhang.text.splitlines() if "第 1/3 次" in ln or "第 2/3 次" in ln]
    assert "✅" in lines[0] and "第 2/3 次" in lines[0] and "通过" in lines[0]
    assert "❌" in lines[1] and "未通过" in lines[1]

    await zhang.press("我的记录")
    await zhang.press("历次每周报到")
    assert "2026-W49：📝 已逐项填写（报告隐患 1 项）" in zhang.text and "已更正" in zhang.text
    await zhang.press("2026-W49 的回答")
    assert "北门护栏松动" in zhang.text and "下一期汇总" in zhang.text
    assert "截止 2026-12-03 12:00 前可以更正" in zhang.text
    assert {"✏️ 更正本周报到", "🚨 紧急：立即告知带辅民警"} <= set(zhang.labels())


async def test_my_questions_with_replies_and_reopening(app: App) -> None:
    users = await setup_force(app)
    zhang, li, office = users["A001"], users["A002"], users["O001"]
    named = await _hand_to_person(zhang, "借调期间社保由哪个单位缴纳？", anonymous=False)
    hidden = await _hand_to_person(zhang, "加班费怎么算？不想让单位知道", anonymous=True)
    await office.send("/queue")
    await office.press(named)
    await office.press("回复")
    await office.send("由原单位缴纳，详见借调协议第三条。")
    await office.press("问题单列表")
    await office.press(named)
    await office.press("办结")

    await zhang.send("/records")
    await zhang.press("我的问题")
    assert "我的问题（2 个" in zhang.text
    assert f"{named} · 已办结" in zhang.text and f"{hidden} · 待回复" in zhang.text
    assert "回复 1 条" in zhang.text and "（匿名）" in zhang.text
    await zhang.press(named)
    assert "由原单位缴纳" in zhang.text and "政治处辅警办" in zhang.text
    await zhang.press("重新打开")
    await zhang.send("原单位说要我自己先垫付，可以吗？")
    assert "已发送给政治处辅警办" in zhang.text
    await zhang.send("/records")
    await zhang.press("我的问题")
    assert f"{named} · 待回复" in zhang.text

    await li.send("/records")  # another auxiliary sees none of them
    await li.press("我的问题")
    assert "还没有转人工" in li.text
    async with app.unit_of_work() as svc:
        [hidden_ticket] = [
            t
            for t in await svc.hotline.my_tickets(Actor.of(await person(app, "A001")))
            if t.number == hidden
        ]
        with pytest.raises(NotFound):
            await svc.hotline.my_thread(Actor.of(await person(app, "A002")), hidden_ticket.id)
        for boss in ("M001", "L001", "O001"):  # no "my questions" of anyone for them
            with pytest.raises(NotAllowed):
                await svc.hotline.my_tickets(Actor.of(await person(app, boss)))


async def test_someone_elses_receipt_does_not_exist(app: App) -> None:
    users = await setup_force(app)
    await publish_pledge(app)
    await _sign(users["A001"], "张三")
    async with app.sessionmaker() as s:
        sig_id = (await s.execute(Signature.__table__.select())).one().id
    await users["A002"].tap(f"rc:rcpt:{sig_id}")
    assert "没有找到这份签署回执" in users["A002"].text
    await users["A002"].tap(f"rc:file:{sig_id}")
    assert all(r.document is None for r in users["A002"].last)


async def test_a_mentor_sees_his_own_records_without_checkins_or_questions(app: App) -> None:
    users = await setup_force(app)
    wang = users["M001"]
    await wang.send("/records")
    assert "已完成任务 0 项" in wang.text
    assert not {"📝 历次每周报到", "💬 我的问题"} & set(wang.labels())
