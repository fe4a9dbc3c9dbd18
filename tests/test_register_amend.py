"""The unit risk register: a row edited is a new version (the old one kept), a filed
register amended until its due time is a new filing version (the office sees the filed one
until then), and the owner (责任人) and the reporter are picked from the unit's people."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.services.checkins import week_window
from bot.services.register import (
    AmendClosed,
    NothingAmended,
    RowChanged,
    RowUnchanged,
)
from scheduled.sequencer import seal_pending
from storage import audit
from storage.models import AppendOnlyViolation, AuditEvent
from storage.models_checkin import RegisterFiling, RegisterRow
from tests.test_checkins import W49, open_w49, person, setup_force
from tests.test_register import add, draft, file, leader, next_week, unit_id, update, view


async def edit(app: App, row: int, name: str, value: str, **kw: object) -> int:
    async with app.unit_of_work() as svc:
        changed = await svc.register.edit_row(await leader(app), row, name, value, **kw)  # type: ignore[arg-type]
        return changed.id


async def rows(app: App) -> list[RegisterRow]:
    async with app.sessionmaker() as s:
        return list((await s.execute(select(RegisterRow).order_by(RegisterRow.id))).scalars())


async def summary_rows(app: App) -> list[str]:
    async with app.unit_of_work() as svc:
        summary = await svc.register.summary(Actor.cli(), W49)
    [unit] = [u for u in summary.units if u.unit == "城关派出所"]
    return [r.risk for r in unit.rows]


async def test_an_edited_row_is_a_new_version_and_the_old_one_is_kept(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    first = await add(app, W49, draft("消防通道堆放杂物"))
    second = await edit(app, first, "measure", "当日清理，每周复查")
    third = await edit(app, second, "deadline", "2026-12-31")
    with pytest.raises(RowChanged):  # an old version is not changed again
        await edit(app, first, "risk", "改旧的一版")
    with pytest.raises(RowUnchanged):
        await edit(app, third, "measure", "当日清理，每周复查")
    with pytest.raises(InvalidInput, match="register-error-deadline-past"):
        await edit(app, third, "deadline", "2026-11-01")
    v = await view(app, W49)
    [row] = v.new_rows
    assert (row.id, row.measure, row.deadline) == (third, "当日清理，每周复查", date(2026, 12, 31))
    assert [(r.id, r.replaces_id, r.measure) for r in await rows(app)] == [
        (first, None, "更换灭火器"),
        (second, first, "当日清理，每周复查"),
        (third, second, "当日清理，每周复查"),
    ]
    async with app.sessionmaker() as s:
        kinds = list((await s.execute(select(AuditEvent.kind).order_by(AuditEvent.id))).scalars())
        assert kinds.count("register.row_changed") == 2
        old = await s.get(RegisterRow, first)
        assert old is not None
        old.risk = "改写"
        with pytest.raises(AppendOnlyViolation):  # rows are never overwritten
            await s.flush()


async def test_a_deleted_row_is_kept_marked_removed(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    gone = await add(app, W49, draft("录入错误的一条"))
    async with app.unit_of_work() as svc:
        await svc.register.delete_row(await leader(app), gone)
    assert (await view(app, W49)).new_rows == []
    assert [(r.id, r.removed) for r in await rows(app)] == [(gone, False), (gone + 1, True)]


async def test_a_filed_register_is_amended_until_the_due_time(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    await open_w49(app)
    kept = await add(app, W49, draft("围墙监控盲区"))
    wrong = await add(app, W49, draft("录错的一条"))
    await file(app, W49)
    assert (await view(app, W49)).amendable
    with pytest.raises(NothingAmended):
        await file(app, W49)
    changed = await edit(app, kept, "owner", "赵民警")
    async with app.unit_of_work() as svc:
        await svc.register.delete_row(await leader(app), wrong)
    await add(app, W49, draft("新发现：车库照明损坏"))
    # until the amendment is filed, the office and the view show the filed version
    assert await summary_rows(app) == ["围墙监控盲区", "录错的一条"]
    v = await view(app, W49)
    assert v.amending and [r.risk for r in v.new_rows] == ["围墙监控盲区", "新发现：车库照明损坏"]
    amended = await file(app, W49)
    assert (amended.version, amended.rows, amended.late) == (2, 2, False)
    assert await summary_rows(app) == ["围墙监控盲区", "新发现：车库照明损坏"]
    async with app.sessionmaker() as s:
        filings = list(
            (await s.execute(select(RegisterFiling).order_by(RegisterFiling.version))).scalars()
        )
    assert [(f.version, f.rows) for f in filings] == [(1, 2), (2, 2)]
    assert filings[0].row_ids == [kept, wrong] and changed in (filings[1].row_ids or [])
    clock.set(week_window(W49, app.settings)[1] + timedelta(minutes=1))
    with pytest.raises(AmendClosed):
        await add(app, W49, draft("截止后再加"))
    assert not (await view(app, W49)).amendable
    await seal_pending(app)
    async with app.sessionmaker() as s:
        report = await audit.check(s, app.settings.audit_key.get_secret_value().encode())  # type: ignore[union-attr]
    assert report.intact, report.problems


async def test_next_week_carries_the_amended_rows(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    row = await add(app, W49, draft("值班室漏水"))
    await file(app, W49)
    fixed = await edit(app, row, "risk", "值班室屋顶漏水")
    await file(app, W49)
    week = await next_week(app, clock, W49)
    v = await view(app, week)
    assert [(c.previous.id, c.previous.risk) for c in v.carried] == [(fixed, "值班室屋顶漏水")]
    await update(app, week, fixed, "open", "已报修")
    await update(app, week, fixed, "open", "已报修，周五施工")  # a second update: a version
    v = await view(app, week)
    [item] = v.carried
    assert item.update is not None and item.update.note == "已报修，周五施工"
    assert item.update.carried_from_id == fixed and item.update.edited
    filing = await file(app, week, no_new_risks=True)
    assert filing.rows == 1


async def test_the_owner_is_picked_from_the_units_people(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    li = users["L001"]
    await li.send("/register")
    await li.press("登记新风险")
    await li.press("执勤安全")
    await li.send("夜间巡逻照明不足")
    await li.send("配发头灯")
    assert "请选择责任人" in li.text and "王民警 · 社区民警" in li.labels()
    await li.send("民警")  # a search: both mentors, and typing it as written
    assert li.labels()[:2] == ["王民警 · 社区民警", "赵民警 · 治安民警"]
    assert "直接填写「民警」" in li.labels()[2]
    await li.press("赵民警")
    assert "整改期限" in li.text
    await li.press("2026-12-06")
    assert "责任人：赵民警" in li.text
    await li.press("确认登记")
    await li.press("登记新风险")
    await li.press("保密工作")
    await li.send("借用U盘未登记")
    await li.send("登记造册")
    await li.send("外单位的刘工")  # nobody of the unit: free text only as a fallback
    assert "本单位没有找到「外单位的刘工」" in li.text
    await li.press("直接填写")
    await li.press("2026-12-06")
    await li.press("确认登记")
    owners = [(r.owner, r.owner_person_id) for r in await rows(app)]
    zhao = await person(app, "M002")
    assert owners == [("赵民警", zhao.id), ("外单位的刘工", None)]


async def test_a_row_is_edited_and_the_register_amended_in_the_chat(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    await add(app, W49, draft("车辆年检逾期"))
    li = users["L001"]
    await li.send("/register")
    await li.press("修改第 1 项")
    assert "原记录保留" in li.text
    await li.press("责任人")
    await li.send("王民警")  # an exact name picks the person at once
    assert "已修改" in li.text and "责任人：王民警" in li.text
    await li.press("报送")
    assert "已报送 2026-W49" in li.text and "修改已报送的登记表" in " ".join(li.labels())
    await li.press("修改已报送的登记表")
    assert "正在修改已报送的登记表" in li.text
    await li.press("修改第 1 项")
    await li.press("整改措施")
    await li.send("送检并建立年检台账")
    assert "正在修改" in li.text and "送检并建立年检台账" in li.text
    await li.press("报送修改")
    assert "第 2 版" in li.text
    async with app.sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(RegisterFiling))
    assert count == 2


async def test_only_who_files_sees_the_units_people(app: App) -> None:
    await setup_force(app)
    async with app.unit_of_work() as svc:
        people = await svc.register.unit_people(await leader(app), await unit_id(app), "李")
        assert [p.name for p in people] == ["李所长", "李四"]
        with pytest.raises(NotAllowed):
            await svc.register.unit_people(Actor.of(await person(app, "A002")), await unit_id(app))
