"""The unit weekly risk register: guided entry in the chat, carry-over of open rows,
filing on time and late, reporters, the office summary, and xlsx import and export."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.services.checkins import Week, week_window
from bot.services.register import (
    AmendClosed,
    CarryPending,
    HasNewRows,
    LaterFiled,
    NothingNew,
    RowDraft,
)
from scheduled.checkins import open_current_week
from storage import people as repo
from storage.models import Assignment, AssignmentStatus, Role
from storage.models_checkin import RegisterFiling, RegisterRow
from tests.factories import add_person
from tests.helpers import local, outbox_for
from tests.test_checkins import (
    W49,
    assignment_of,
    open_w49,
    person,
    setup_force,
    submit,
)

W50 = W49.shift(1)
STATION = "城关派出所"


async def leader(app: App) -> Actor:
    return Actor.of(await person(app, "L001"))


async def unit_id(app: App) -> int:
    return (await person(app, "L001")).unit_id


def draft(
    risk: str = "值班室消防器材过期",
    *,
    category: str = "duty_safety",
    deadline: date = date(2026, 12, 20),
) -> RowDraft:
    return RowDraft(
        category=category, risk=risk, measure="更换灭火器", owner="李所长", deadline=deadline
    )


async def add(app: App, week: Week, row: RowDraft) -> int:
    async with app.unit_of_work() as svc:
        return (await svc.register.add_row(await leader(app), await unit_id(app), week, row)).id


async def file(app: App, week: Week, *, no_new_risks: bool = False):  # noqa: ANN201
    async with app.unit_of_work() as svc:
        return await svc.register.file(
            await leader(app), await unit_id(app), week, no_new_risks=no_new_risks
        )


async def update(
    app: App, week: Week, previous: int, status: str, note: str | None = None
) -> None:
    async with app.unit_of_work() as svc:
        await svc.register.update_carried(
            await leader(app), await unit_id(app), week, previous, status=status, note=note
        )


async def view(app: App, week: Week):  # noqa: ANN201
    async with app.unit_of_work() as svc:
        return await svc.register.week_view(await leader(app), await unit_id(app), week)


async def next_week(app: App, clock: FrozenClock, week: Week) -> Week:
    """Move the clock to the Tuesday of the following week and open it."""
    following = week.shift(1)
    clock.set(week_window(following, app.settings)[0] + timedelta(days=1))
    assert await open_current_week(app) is not None
    return following


# --- in the chat -------------------------------------------------------------------------


async def test_guided_entry_shows_checkin_numbers_and_files(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    await submit(app, "A001", all_fine=True)
    li = users["L001"]
    await li.send("/menu")
    await li.press("本周风险排查")
    assert "城关派出所 风险排查登记 2026-W49" in li.text
    assert "已报 1/3，一切正常 1，报告隐患 0，未报 2" in li.text
    await li.press("登记新风险")
    assert set(li.labels()) >= {"队伍管理", "执勤安全", "保密工作", "装备后勤", "其他"}
    await li.press("执勤安全")
    assert "风险或隐患" in li.text
    await li.send("夜间巡逻<b>照明</b>不足")
    assert "整改措施" in li.text
    await li.send("配发头灯")
    assert "责任人" in li.text
    await li.send("王民警")
    assert "整改期限" in li.text
    await li.send("明天")  # not a date: refused, asked again
    assert "无法识别" in li.text and "整改期限" in li.text
    await li.send("2026-11-01")  # before this Monday
    assert "不能早于本周一（2026-11-30）" in li.text
    await li.send("2026/12/20")
    assert "请核对" in li.text and "&lt;b&gt;照明&lt;/b&gt;" in li.text
    assert "2026-12-20" in li.text
    await li.press("确认登记")
    assert "已登记" in li.text and "本周新增 1 项" in li.text
    await li.press("报送")
    assert "已报送 2026-W49" in li.text and "迟报" not in li.text
    assert "状态：已于 2026-12-01 10:00 报送" in li.text
    assert not any("登记新风险" in label for label in li.labels())  # filed: read only
    assert (await assignment_of(app, "L001", "register")).status == AssignmentStatus.DONE
    async with app.sessionmaker() as s:
        row = (await s.execute(select(RegisterRow))).scalar_one()
        assert (row.category, row.owner, row.deadline) == (
            "duty_safety",
            "王民警",
            date(2026, 12, 20),
        )
        assert row.risk == "夜间巡逻<b>照明</b>不足" and row.first_week == "2026-W49"


async def test_no_new_risks_is_one_tap(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    li = users["L001"]
    await li.send("/register")
    await li.press("本周无新增风险")
    assert "已报送 2026-W49" in li.text and "本周无新增风险" in li.text
    async with app.sessionmaker() as s:
        filing = (await s.execute(select(RegisterFiling))).scalar_one()
        assert filing.no_new_risks and filing.rows == 0 and not filing.late


async def test_a_deleted_row_is_gone_before_filing(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    await add(app, W49, draft("录入错误的一条"))
    li = users["L001"]
    await li.send("/register")
    assert "录入错误的一条" in li.text
    await li.press("删除第 1 项")
    assert "录入错误的一条" not in li.text and "尚未登记新增风险" in li.text


async def test_guided_entry_with_a_carried_over_row(app: App, clock: FrozenClock) -> None:
    users = await setup_force(app)
    await open_w49(app)
    first = await add(app, W49, draft("围墙监控盲区"))
    await file(app, W49)
    await next_week(app, clock, W49)
    li = users["L001"]
    await li.send("/menu")
    await li.press("本周风险排查")
    assert "上周延续 1 项，待更新 1 项" in li.text and "围墙监控盲区" in li.text
    await li.press("本周无新增风险")  # refused: the carried row needs an update
    assert "还有 1 项上周延续的风险未更新" in li.text
    await li.send("/register")
    await li.press(f"更新 #{first}")
    await li.press("仍未整改")
    await li.send("已报修，等待施工")
    assert "仍未整改：已报修，等待施工" in li.text
    await li.press("本周无新增风险")
    assert "已报送 2026-W50" in li.text
    async with app.sessionmaker() as s:
        rows = list((await s.execute(select(RegisterRow).order_by(RegisterRow.id))).scalars())
    assert [(r.week, r.status, r.carried_from_id, r.first_week) for r in rows] == [
        ("2026-W49", "open", None, "2026-W49"),
        ("2026-W50", "open", first, "2026-W49"),
    ]


async def test_leader_designates_a_reporter_who_then_files(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    li, zhang = users["L001"], users["A001"]
    await li.send("/register")
    await li.press("指定填报人")
    assert "由本单位分管领导填报" in li.text
    # picked from the unit's people (officers first), never typed by hand
    assert li.labels()[:5] == [
        "李所长 · 所长",
        "王民警 · 社区民警",
        "赵民警 · 治安民警",
        "张三 · 巡逻辅警",
        "李四 · 巡逻辅警",
    ]
    await li.send("A004")  # 交警大队: a search finds only this unit's people
    assert "本单位没有找到「A004」" in li.text
    await li.send("a001")  # an employee number finds its one person, to pick
    assert li.labels()[0] == "张三 · 巡逻辅警" and "找到 1 人" in li.text
    await li.press("张三")
    assert "已指定 张三" in li.text
    task = (await outbox_for(app, "A001"))[-1]
    assert "风险排查登记 2026-W49" in task.text
    await zhang.tap(task.buttons[0][0]["action"])
    assert "城关派出所 风险排查登记" in zhang.text
    await zhang.press("本周无新增风险")
    assert "已报送 2026-W49" in zhang.text
    for emp in ("L001", "A001"):
        assert (await assignment_of(app, emp, "register")).status == AssignmentStatus.DONE
    await users["A002"].send("/register")  # another auxiliary of the unit may not
    assert "没有执行此操作的权限" in users["A002"].text


async def test_the_reporter_gets_next_weeks_task_instead_of_the_leader(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    async with app.unit_of_work() as svc:
        await svc.register.set_reporter(await leader(app), await unit_id(app), "A003")
    await open_w49(app)
    await assignment_of(app, "A003", "register")
    with pytest.raises(Exception, match="No row was found"):
        await assignment_of(app, "L001", "register")
    async with app.unit_of_work() as svc:
        await svc.register.set_reporter(Actor.cli(), await unit_id(app), None)
        assert await svc.register.reporter_of(await unit_id(app)) is None
    await next_week(app, clock, W49)
    await assignment_of(app, "L001", "register", W50)


async def test_a_force_without_leaders_gets_no_register_tasks(app: App) -> None:
    await setup_force(app)
    async with app.unit_of_work() as svc:
        leader_row = await repo.person_by_employee_no(svc.session, "L001")
        assert leader_row is not None
        leader_row.status = "left"
    opened = await open_w49(app)
    assert opened.register.assigned == 0  # an empty audience must not mean "everyone"
    async with app.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Assignment)) == 4  # check-ins


# --- service rules -------------------------------------------------------------------------


async def test_carry_over_until_resolved(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    a = await add(app, W49, draft("车辆年检逾期", category="equipment"))
    b = await add(app, W49, draft("涉密文件未上锁", category="confidentiality"))
    await file(app, W49)
    week = await next_week(app, clock, W49)
    v = await view(app, week)
    assert [c.previous.id for c in v.carried] == [a, b] and v.carry_pending == 2
    with pytest.raises(CarryPending):
        await file(app, week, no_new_risks=True)
    await update(app, week, a, "resolved")
    with pytest.raises(InvalidInput, match="register-error-note-required"):
        await update(app, week, b, "open", "  ")
    await update(app, week, b, "open", "已提醒，下周复查")
    await update(app, week, b, "open", "已整改一半")  # changed again before filing
    filing = await file(app, week, no_new_risks=True)
    assert filing.rows == 2 and filing.no_new_risks
    v = await view(app, week)
    assert [(c.update.status, c.update.note) for c in v.carried] == [  # type: ignore[union-attr]
        ("resolved", None),
        ("open", "已整改一半"),
    ]
    clock.set(week_window(week, app.settings)[1] + timedelta(minutes=1))
    with pytest.raises(AmendClosed):  # filed, and the due time passed: no amendment now
        await update(app, week, a, "open", "改回去")
    week = await next_week(app, clock, week)
    v = await view(app, week)
    assert [c.previous.risk for c in v.carried] == ["涉密文件未上锁"]  # the resolved one stops


async def test_a_unit_that_missed_a_week_carries_from_its_last_filing(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    await open_w49(app)
    a = await add(app, W49, draft())
    await file(app, W49)
    week = await next_week(app, clock, W49)  # W50 never filed
    week = await next_week(app, clock, week)
    v = await view(app, week)
    assert [c.previous.id for c in v.carried] == [a]
    await update(app, week, a, "resolved")
    await file(app, week, no_new_risks=True)
    with pytest.raises(LaterFiled):  # W50 cannot be filed after W51
        await file(app, W50, no_new_risks=True)


async def test_new_rows_and_no_new_risks_do_not_mix(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    with pytest.raises(NothingNew):
        await file(app, W49)
    await add(app, W49, draft())
    with pytest.raises(HasNewRows):
        await file(app, W49, no_new_risks=True)
    with pytest.raises(InvalidInput, match="register-error-not-open"):
        await add(app, W50, draft())  # next week has not opened


async def test_filing_after_thursday_noon_is_late(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    clock.set(local(2026, 12, 3, 12, 1))
    filing = await file(app, W49, no_new_risks=True)
    assert filing.late
    async with app.unit_of_work() as svc:
        summary = await svc.register.summary(Actor.cli(), W49)
    assert [(u.unit, u.state) for u in summary.units] == [(STATION, "late")]


async def test_filing_at_thursday_1159_is_on_time(app: App, clock: FrozenClock) -> None:
    await setup_force(app)
    await open_w49(app)
    clock.set(local(2026, 12, 3, 11, 59))
    assert not (await file(app, W49, no_new_risks=True)).late


async def test_only_the_units_leaders_and_reporter_may_file(app: App) -> None:
    await setup_force(app)
    await open_w49(app)
    for emp in ("A001", "M001", "A004"):
        actor = Actor.of(await person(app, emp))
        async with app.unit_of_work() as svc:
            with pytest.raises(NotAllowed):
                await svc.register.add_row(actor, await unit_id(app), W49, draft())
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.register.summary(await leader(app), W49)


async def test_office_summary_counts_units_categories_and_aged_risks(
    app: App, clock: FrozenClock
) -> None:
    await setup_force(app)
    async with app.unit_of_work() as svc:  # a second unit with a leader who never files
        traffic = await repo.unit_by_name(svc.session, "交警大队")
        assert traffic is not None
        await add_person(
            svc.session,
            app.clock,
            employee_no="L002",
            name="钱大队长",
            unit=traffic,
            roles=(Role.LEADER,),
        )
    await open_w49(app)
    old = await add(app, W49, draft("长期积压的隐患", category="team"))
    await add(app, W49, draft("新发现的隐患", category="duty_safety"))
    await file(app, W49)
    week = W49
    for _ in range(5):  # W50 .. 2027-W01: the first risk stays open, the other resolves
        previous = {c.previous.risk: c.previous.id for c in (await view(app, week)).carried}
        week = await next_week(app, clock, week)
        v = await view(app, week)
        for item in v.carried:
            status = "open" if item.previous.risk == "长期积压的隐患" else "resolved"
            await update(app, week, item.previous.id, status, "跟进中")
        await file(app, week, no_new_risks=True)
        assert previous is not None
    assert week == Week(2027, 1)
    async with app.unit_of_work() as svc:
        summary = await svc.register.summary(Actor.cli(), week)
    states = {u.unit: u.state for u in summary.units}
    assert states == {STATION: "on_time", "交警大队": "missing"}
    assert summary.open_by_category == {"team": 1}
    [aged] = summary.aged
    assert aged.row.risk == "长期积压的隐患" and aged.weeks == 5 and aged.row.first_week == W49.key
    assert aged.row.id != old  # the row of this week, carried five times
    assert summary.count("missing") == 1


# --- xlsx ----------------------------------------------------------------------------------


HEADER = ["编号", "类别", "风险隐患", "整改措施", "责任人", "整改期限", "状态", "备注", "上周编号"]


def _sheet(
    path: Path, rows: list[list[Any]], *, header: list[str] = HEADER, title: str = STATION
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["城关派出所 风险排查登记表"])  # a title line above the header
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


async def _import(app: App, path: Path, week: Week):  # noqa: ANN201
    async with app.unit_of_work() as svc:
        return await svc.register.import_file(Actor.cli(), path, unit=STATION, week=week)


async def _filed_w49_with_open_row(app: App, clock: FrozenClock) -> int:
    await setup_force(app)
    await open_w49(app)
    carried = await add(app, W49, draft("枪弹库门禁故障"))
    await file(app, W49)
    await next_week(app, clock, W49)
    return carried


async def test_import_reports_every_error_with_row_and_column(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    carried = await _filed_w49_with_open_row(app, clock)
    path = _sheet(
        tmp_path / "bad.xlsx",
        [
            ["", "执勤安全", "岗亭漏雨", "维修", "王民警", "2026-12-31", "整改中", "", ""],  # good
            ["", "火灾", "电线老化", "更换", "王民警", "2026-12-31", "整改中", "", ""],
            ["", "其他", "", "更换", "王民警", "下周", "整改中", "", ""],
            ["", "其他", '=HYPERLINK("x")', "更换", "王民警", "2026-12-31", "完成了", "", ""],
            ["", "其他", "门禁", "更换", "王民警", "2026-11-01", "整改中", "", ""],
            ["", "", "", "", "", "", "整改中", "", "99999"],
            ["", "", "", "", "", "", "整改中", "", str(carried)],  # still open, but no note
            ["", "", "", "", "", "", "已整改", "", str(carried)],  # the same row twice
        ],
    )
    report = await _import(app, path, W50)
    got = [(p.row, p.column, p.key) for p in report.errors]
    assert got == [
        (4, "类别", "register-error-category"),
        (5, "风险隐患", "register-error-required"),
        (5, "整改期限", "register-error-deadline"),
        (6, "风险隐患", "register-import-formula"),
        (6, "状态", "register-error-status-value"),
        (7, "整改期限", "register-error-deadline-past"),
        (8, "上周编号", "register-import-carry-unknown"),
        (9, "备注", "register-error-note-required"),
        (10, "上周编号", "register-import-carry-twice"),
    ]
    assert report.filing is None
    async with app.sessionmaker() as s:
        assert (
            await s.scalar(
                select(func.count()).select_from(RegisterRow).where(RegisterRow.week == W50.key)
            )
            == 0
        )
        assert await s.scalar(select(func.count()).select_from(RegisterFiling)) == 1  # W49's


async def test_import_requires_every_carried_row_and_the_columns(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    carried = await _filed_w49_with_open_row(app, clock)
    report = await _import(
        app,
        _sheet(
            tmp_path / "a.xlsx",
            [
                ["", "其他", "新风险", "措施", "某人", "2026-12-31", "整改中", "", ""],
            ],
        ),
        W50,
    )
    [problem] = report.errors
    assert (problem.row, problem.column, problem.key) == (
        None,
        "上周编号",
        "register-import-carry-missing",
    )
    assert problem.args["id"] == str(carried)
    report = await _import(
        app,
        _sheet(tmp_path / "b.xlsx", [["", "其他"]], header=["编号", "类别", "风险隐患", "状态"]),
        W50,
    )
    assert [(p.row, p.column) for p in report.errors] == [
        (2, "整改措施"),
        (2, "责任人"),
        (2, "整改期限"),
    ]


async def test_export_is_a_template_the_unit_fills_in_and_imports(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    carried = await _filed_w49_with_open_row(app, clock)
    out = tmp_path / "w50.xlsx"
    async with app.unit_of_work() as svc:
        assert await svc.register.export(Actor.cli(), W50, out, app.translator()) == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", STATION]
    ws = wb[STATION]
    assert [c.value for c in ws[2]][:9] == HEADER
    assert ws.cell(row=3, column=9).value == carried and ws.cell(row=3, column=3).value == (
        "枪弹库门禁故障"
    )
    ws.cell(row=3, column=7).value = "已整改"
    ws.append(["", "保密工作", "=移动硬盘未登记", "登记造册", "赵民警", "2026-12-25", "整改中"])
    wb.save(out)
    report = await _import(app, out, W50)
    assert [p.key for p in report.errors] == ["register-import-formula"]  # text "=..." too
    ws.cell(row=4, column=3).value = "移动硬盘未登记"
    wb.save(out)
    report = await _import(app, out, W50)
    assert report.errors == [] and report.filing is not None
    assert (report.rows, report.carried) == (2, 1) and not report.filing.late
    assert (await assignment_of(app, "L001", "register", W50)).status == AssignmentStatus.DONE
    v = await view(app, W50)
    assert [c.update.status for c in v.carried] == ["resolved"]  # type: ignore[union-attr]
    assert [r.risk for r in v.new_rows] == ["移动硬盘未登记"]
    with pytest.raises(Exception, match="register-error-filed"):
        await _import(app, out, W50)


async def test_export_writes_text_never_formulas(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    await setup_force(app)
    await open_w49(app)
    await add(app, W49, draft("=cmd|' /C calc'!A0"))  # typed in the bot: stays text
    await file(app, W49)
    out = tmp_path / "w49.xlsx"
    async with app.unit_of_work() as svc:
        await svc.register.export(Actor.cli(), W49, out, app.translator("en"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", STATION]
    cell = wb[STATION].cell(row=3, column=3)
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s" and cell.quotePrefix
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert "On time" in summary
