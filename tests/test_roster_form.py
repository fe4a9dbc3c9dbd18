"""The bureau's statistics table imports as it is: officers from their names (issue 17)."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.cli.roster import render_report
from bot.config import ROOT
from bot.errors import InvalidInput, NotAllowed
from bot.i18n import Catalog
from bot.services.roster import FilingKind, ImportReport
from storage import people as repo
from storage.models import Binding, Person, Role
from tests.conftest import T0
from tests.roster_form_fixture import HEADER, POSTS, write_form

STANDARD = [
    "序号",
    "单位",
    "工号",
    "姓名",
    "性别",
    "年龄",
    "岗位名称",
    "岗位职责",
    "角色",
    "责任民警",
    "责任领导",
    "备注",
]


async def run_import(app: App, path: Path, **kwargs: Any) -> ImportReport:
    async with app.unit_of_work() as svc:
        return await svc.roster.import_file(Actor.cli("test"), path, **kwargs)


async def scalar(app: App, query: Any) -> Any:
    async with app.sessionmaker() as s:
        return (await s.execute(query)).scalar_one()


def report_text(report: ImportReport, locale: str = "zh_CN") -> str:
    return "\n".join(
        render_report(
            Catalog(ROOT / "locales").text_translator(locale, ZoneInfo("Asia/Shanghai")), report
        )
    )


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    """A roster in the standard layout (the STANDARD columns)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(STANDARD)
        writer.writerows(rows)
    return path


def officer(number: int, unit: str, employee_no: str, name: str, age: int, role: str) -> list[Any]:
    """A row of an officer with his 警号: no post, nobody above him."""
    return [number, unit, employee_no, name, "男", age, "", "", role, "", "", ""]


async def test_three_unit_table_imports_with_officers_created_per_unit(
    app: App, tmp_path: Path
) -> None:
    path = write_form(tmp_path / "统计表.xlsx")
    dry = await run_import(app, path, dry_run=True)
    assert not dry.errors, report_text(dry)
    assert await scalar(app, select(func.count()).select_from(Person)) == 0
    assert "新建带辅民警 9 人、分管领导 3 人，缺少警号" in report_text(dry)

    report = await run_import(app, path)
    text = report_text(report)
    assert not report.errors, text
    assert len(report.created) == 36
    assert "新建带辅民警 9 人、分管领导 3 人，缺少警号" in text
    assert "城关派出所：王建国（带辅民警）" in text and "东城派出所：王建国（带辅民警）" in text
    assert "西城派出所：刘洋（带辅民警）" in text and "西城派出所：郭静（带辅民警）" in text
    assert sorted(report.units_created) == ["东城派出所", "城关派出所", "西城派出所"]
    assert await scalar(app, select(func.count()).select_from(Person)) == 48
    missing = select(func.count()).select_from(Person).where(Person.employee_no_missing)
    assert await scalar(app, missing) == 12
    assert await scalar(app, select(func.count()).select_from(Binding)) == 36
    async with app.sessionmaker() as s:
        aux = await repo.person_by_employee_no(s, "10001")  # 工号 written as a number
        assert aux is not None and aux.name == "张伟" and aux.gender == "男" and aux.age == 22
        second = await repo.person_by_employee_no(s, "10002")
        assert second is not None and second.age == 23  # age written as text
        wangs = (await s.execute(select(Person).where(Person.name == "王建国"))).scalars().all()
        assert sorted(p.unit.name for p in wangs) == ["东城派出所", "城关派出所"]
        assert all(p.role_set == {Role.MENTOR} for p in wangs)

    again = await run_import(app, path)
    assert not again.errors and not again.has_changes, report_text(again)
    assert await scalar(app, select(func.count()).select_from(Person)) == 48


async def test_a_later_file_completes_the_officers_numbers(app: App, tmp_path: Path) -> None:
    form = write_form(tmp_path / "统计表.xlsx")
    assert not (await run_import(app, form)).errors
    numbers = write_csv(
        tmp_path / "民警.csv",
        [
            officer(1, "城关派出所", "MJ001", "王建国", 45, "责任民警"),
            officer(2, "城关派出所", "MJ004", "陈志强", 48, "责任领导"),
        ],
    )
    report = await run_import(app, numbers)
    assert not report.errors, report_text(report)
    assert report.created == [] and len(report.updated) == 2
    assert "补全警号 2 人：王建国(MJ001)、陈志强(MJ004)" in report_text(report)
    assert await scalar(app, select(func.count()).select_from(Person)) == 48
    async with app.sessionmaker() as s:
        wang = await repo.person_by_employee_no(s, "MJ001")
        assert wang is not None and not wang.employee_no_missing and wang.unit.name == "城关派出所"
        bound = await s.scalar(
            select(func.count())
            .select_from(Binding)
            .where(Binding.mentor_id == wang.id, Binding.valid_to.is_(None))
        )
        assert bound == 4

    again = await run_import(app, form)  # the table still names them by name only
    assert not again.errors and not again.has_changes, report_text(again)
    assert await scalar(app, select(func.count()).select_from(Binding)) == 36


async def test_service_call_completes_an_officers_number(app: App, tmp_path: Path) -> None:
    assert not (await run_import(app, write_form(tmp_path / "t.xlsx", units=(0,)))).errors
    async with app.sessionmaker() as s:
        leader = await s.scalar(select(Person).where(Person.name == "陈志强"))
        assert leader is not None and leader.employee_no_missing
    async with app.unit_of_work() as svc:
        await svc.roster.set_employee_no(Actor.cli("test"), leader.id, "ＭＪ００４")
    async with app.sessionmaker() as s:
        done = await repo.person_by_employee_no(s, "MJ004")
        assert done is not None and done.id == leader.id and not done.employee_no_missing
    with pytest.raises(InvalidInput):
        async with app.unit_of_work() as svc:
            await svc.roster.set_employee_no(Actor.cli("test"), leader.id, "MJ009")
    again = await run_import(app, write_form(tmp_path / "t.xlsx", units=(0,)))
    assert not again.has_changes, report_text(again)


async def test_every_problem_of_the_table_in_one_pass(app: App, tmp_path: Path) -> None:
    path = write_form(
        tmp_path / "bad.xlsx",
        edit={
            (0, 1): {"性别": "未知"},  # a field error ...
            (0, 2): {"责任民警": "张　伟"},  # ... and a name that is an auxiliary of the unit
            (1, 3): {"责任领导": None},  # empty leader
            (2, 4): {"年龄": "十八"},
        },
    )
    report = await run_import(app, path)
    got = {(p.sheet, p.row, p.column, p.key) for p in report.errors}
    assert got == {
        ("城关派出所", 6, "性别", "roster-bad-gender"),
        ("城关派出所", 7, "责任民警", "roster-ref-not-mentor"),
        ("东城派出所", 8, "责任领导", "roster-binding-missing"),
        ("西城派出所", 9, "年龄", "roster-bad-age"),
    }
    text = report_text(report)
    assert "工作表「城关派出所」第 7 行，「责任民警」列" in text
    assert await scalar(app, select(func.count()).select_from(Person)) == 0


async def test_ambiguous_name_in_the_unit_is_an_error(app: App, tmp_path: Path) -> None:
    two = write_csv(
        tmp_path / "two.csv",
        [
            officer(1, "城关派出所", "MJ001", "王建国", 45, "责任民警"),
            officer(2, "城关派出所", "MJ011", "王建国", 33, "责任民警"),
        ],
    )
    assert not (await run_import(app, two)).errors
    report = await run_import(app, write_form(tmp_path / "t.xlsx", units=(0,)))
    ambiguous = [p for p in report.errors if p.key == "roster-ref-ambiguous"]
    assert [(p.row, p.column) for p in ambiguous] == [
        (5, "责任民警"),
        (8, "责任民警"),
        (12, "责任民警"),
        (15, "责任民警"),
    ]
    assert ambiguous[0].args["employee_nos"] == "MJ001、MJ011"


async def test_allow_unbound_imports_with_a_warning_per_row(app: App, tmp_path: Path) -> None:
    path = write_form(
        tmp_path / "t.xlsx",
        units=(0,),
        edit={(0, 0): {"责任民警": None}, (0, 1): {"责任领导": ""}},
    )
    refused = await run_import(app, path)
    assert [p.key for p in refused.errors] == ["roster-binding-missing"] * 2
    report = await run_import(app, path, allow_unbound=True)
    assert not report.errors
    assert [(p.row, p.column, p.key) for p in report.warnings] == [
        (5, "责任民警", "roster-binding-missing"),
        (6, "责任领导", "roster-binding-missing"),
    ]
    assert len(report.created) == 12


async def test_two_imports_at_once_are_serialized(app: App, tmp_path: Path) -> None:
    path = write_form(tmp_path / "t.xlsx")
    first, second = await asyncio.gather(run_import(app, path), run_import(app, path))
    assert not first.errors and not second.errors
    assert sorted([len(first.created), len(second.created)]) == [0, 36]
    assert await scalar(app, select(func.count()).select_from(Person)) == 48
    assert await scalar(app, select(func.count()).select_from(Binding)) == 36


# ---------------------------------------------------------------- quotas (员额)


async def test_quota_warns_on_import_and_shows_in_status_and_export(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not (await run_import(app, write_form(tmp_path / "t.xlsx", units=(0,)))).errors
    async with app.unit_of_work() as svc:
        count = await svc.roster.set_quota(Actor.cli("test"), "城关派出所", 10)
    assert (count.unit, count.headcount, count.quota, count.over) == ("城关派出所", 12, 10, True)
    report = await run_import(app, write_form(tmp_path / "t.xlsx", units=(0, 1)))
    over = [p for p in report.warnings if p.key == "roster-quota-over"]
    assert [(p.args["unit"], p.args["count"], p.args["quota"]) for p in over] == [
        ("城关派出所", 12, 10)
    ]
    assert "单位「城关派出所」导入后在职辅警 12 人，超出员额 10 人。" in report_text(report)

    async with app.unit_of_work() as svc:
        await svc.roster.set_quota(Actor.cli("test"), "东城派出所", 15)
        counts = await svc.roster.headcounts(Actor.cli("test"))
        out = tmp_path / "out.xlsx"
        await svc.roster.export(Actor.cli("test"), out)
    assert [(c.unit, c.headcount, c.quota) for c in counts] == [
        ("东城派出所", 12, 15),
        ("城关派出所", 12, 10),
    ]
    sheet = openpyxl.load_workbook(out)["员额"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["单位", "员额", "在职辅警", "超出"],
        ["东城派出所", 15, 12, None],
        ["城关派出所", 10, 12, 2],
    ]
    reimport = await run_import(app, out)  # the 员额 sheet is not read as people
    assert not reimport.errors and not reimport.has_changes


async def test_quota_refuses_bad_values_strangers_and_unknown_units(
    app: App, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput) as unknown:
        async with app.unit_of_work() as svc:
            await svc.roster.set_quota(Actor.cli("test"), "无此单位", 3)
    assert unknown.value.key == "roster-quota-unknown-unit"
    with pytest.raises(InvalidInput):
        async with app.unit_of_work() as svc:
            await svc.roster.set_quota(Actor.cli("test"), "无此单位", -1)
    assert not (await run_import(app, write_form(tmp_path / "t.xlsx", units=(0,)))).errors
    async with app.sessionmaker() as s:
        aux = await repo.person_by_employee_no(s, "10001")
        assert aux is not None
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.roster.set_quota(Actor.of(aux), "城关派出所", 99)
        with pytest.raises(NotAllowed):
            await svc.roster.headcounts(Actor.of(aux))
        assert [c.quota for c in await svc.roster.headcounts(Actor.cli("test"))] == [None]


# ---------------------------------------------------------------- command line


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    return db


def test_cli_imports_the_table_and_sets_quotas(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form = write_form(tmp_path / "统计表.xlsx")
    capsys.readouterr()
    assert main(["roster", "import", str(form), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "新建带辅民警 9 人、分管领导 3 人，缺少警号" in out and "试运行" in out
    assert main(["roster", "import", str(form)]) == 0
    out = capsys.readouterr().out
    assert "新增 36 人" in out and "已导入" in out
    assert main(["unit", "quota", "城关派出所", "10"]) == 0
    assert "单位「城关派出所」员额 10 人，在职辅警 12 人。" in capsys.readouterr().out
    assert main(["unit", "quota", "城关派出所", "ten"]) == 1
    assert "员额“ten”无效" in capsys.readouterr().err
    assert main(["roster", "status", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "城关派出所: 12 active auxiliaries, quota 10 (over by 2)" in out
    assert "东城派出所: 12 active auxiliaries, quota not set" in out


# ---------------------------------------------------------------- post list and filings


async def test_post_list_and_change_filings_across_three_imports(app: App, tmp_path: Path) -> None:
    first = await run_import(app, write_form(tmp_path / "1.xlsx", units=(0,)))
    assert sorted(p for p, _ in first.posts_added) == ["巡逻辅警", "社区辅警", "窗口辅警"]
    assert first.filings == 0  # first bindings are no change
    async with app.unit_of_work() as svc:
        assert len(await svc.roster.posts(Actor.cli("test"))) == 3

    new_post = write_form(tmp_path / "2.xlsx", units=(0,), edit={(0, 0): {"岗位名称": "特勤辅警"}})
    refused = await run_import(app, new_post)
    assert [(p.row, p.column, p.key) for p in refused.errors] == [
        (5, "岗位名称", "roster-post-not-listed")
    ]
    assert "加 --new-posts" in report_text(refused)
    second = await run_import(app, new_post, new_posts=True)
    assert second.posts_added == [("特勤辅警", "协助民警开展街面巡逻防控")] and second.filings == 1

    moved = write_form(
        tmp_path / "3.xlsx",
        units=(0,),
        edit={(0, 0): {"岗位名称": "特勤辅警"}, (0, 1): {"责任民警": "王建国"}},
    )
    third = await run_import(app, moved)
    assert not third.errors and third.filings == 1

    async with app.unit_of_work() as svc:
        filings = await svc.roster.changes(Actor.cli("test"), T0)
        aux = await repo.person_by_employee_no(svc.roster.session, "10001")
        assert aux is not None
        with pytest.raises(NotAllowed):
            await svc.roster.changes(Actor.of(aux), T0)
    assert [(f.kind, f.employee_no, f.before, f.after, f.by, f.unit) for f in filings] == [
        (
            FilingKind.POST,
            "10001",
            "巡逻辅警（协助民警开展街面巡逻防控）",
            "特勤辅警（协助民警开展街面巡逻防控）",
            "test",
            "城关派出所",
        ),
        (
            FilingKind.MENTOR,
            "10002",
            "李卫东",
            "王建国",
            "test",
            "城关派出所",
        ),
    ]
    async with app.unit_of_work() as svc:
        assert await svc.roster.changes(Actor.cli("test"), T0 + timedelta(days=1)) == []


def test_cli_lists_and_exports_change_filings(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(write_form(tmp_path / "1.xlsx", units=(0,)))]) == 0
    moved = write_form(tmp_path / "2.xlsx", units=(0,), edit={(0, 1): {"责任民警": "王建国"}})
    assert main(["roster", "import", str(moved)]) == 0
    assert "生成变更备案 1 条" in capsys.readouterr().out
    out = tmp_path / "备案.xlsx"
    assert main(["roster", "changes", "--since", "2020-01-01", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert (
        "2020-01-01 以来的变更备案 1 条" in text
        and "城关派出所 王芳0(10002)：带辅民警变更" in text
    )
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("时间", "单位", "姓名", "工号", "变更事项", "变更前", "变更后")
    assert rows[1][1:5] == ("城关派出所", "王芳0", "10002", "带辅民警变更")
    assert main(["roster", "changes", "--since", "昨天"]) == 1
    assert "无法识别" in capsys.readouterr().err


# ---------------------------------------------------------------- export in the table's layout


def sheet_rows(path: Path, sheet: str | None = None) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def test_export_in_the_tables_layout_reimports_with_no_changes(
    app: App, tmp_path: Path
) -> None:
    assert not (await run_import(app, write_form(tmp_path / "统计表.xlsx"))).errors
    out = tmp_path / "导出.xlsx"
    async with app.unit_of_work() as svc:
        done = await svc.roster.export_form(Actor.cli("test"), out)
    assert (done.people, done.sheets) == (36, 3)
    assert openpyxl.load_workbook(out).sheetnames == ["东城派出所", "城关派出所", "西城派出所"]
    rows = sheet_rows(out, "城关派出所")
    assert rows[0][0] == "警务辅助人员带辅责任民警和分管责任领导统计表"
    assert rows[1][0] == "填报单位：城关派出所\u3000\u3000填报时间：2026年12月1日"
    assert rows[2] == [*HEADER[:-1], "工号"]  # the table's columns in its order, then 工号
    assert rows[3] == [
        1,
        "张伟",
        "男",
        22,
        "巡逻辅警",
        "协助民警开展街面巡逻防控",
        "王建国",  # officers by name, as the units write them
        "陈志强",
        None,
        "10001",
    ]
    assert len(rows) == 3 + 12

    again = await run_import(app, out)
    assert not again.errors and not again.has_changes, report_text(again)
    assert not again.officers_created and again.unchanged == 36


async def test_export_names_an_officer_of_another_unit_with_his_number(
    app: App, tmp_path: Path
) -> None:
    """One sheet for all units, after numbers were completed and a mentor of another unit
    took over an auxiliary: he is written 王建国(MJ001), so the re-import finds him."""
    assert not (await run_import(app, write_form(tmp_path / "t.xlsx", units=(0, 1)))).errors
    numbers = write_csv(
        tmp_path / "民警.csv",
        [
            officer(1, "城关派出所", "MJ001", "王建国", 45, "责任民警"),
            [2, "东城派出所", "10101", "张敏", "男", 22, "巡逻辅警", "协助民警开展街面巡逻防控"]
            + ["辅警", "MJ001", "马国庆", ""],
        ],
    )
    moved = await run_import(app, numbers)
    assert not moved.errors and moved.filings == 1, report_text(moved)
    out = tmp_path / "全部.xlsx"
    async with app.unit_of_work() as svc:
        done = await svc.roster.export_form(Actor.cli("test"), out, one_sheet=True)
    assert (done.people, done.sheets) == (24, 1)
    rows = sheet_rows(out)
    assert rows[2][-2:] == ["工号", "单位"]
    zhang = next(r for r in rows if r[-2] == "10101")
    assert zhang[6:8] == ["王建国(MJ001)", "马国庆"] and zhang[-1] == "东城派出所"
    mine = next(r for r in rows if r[-2] == "10001")
    assert mine[6] == "王建国"  # of his own unit: the name is enough

    again = await run_import(app, out)
    assert not again.errors and not again.has_changes, report_text(again)

    with pytest.raises(InvalidInput) as unknown:
        async with app.unit_of_work() as svc:
            await svc.roster.export_form(Actor.cli("test"), out, unit="无此单位")
    assert unknown.value.key == "roster-quota-unknown-unit"
    async with app.unit_of_work() as svc:
        one = await svc.roster.export_form(Actor.cli("test"), out, unit="东城派出所")
        aux = await repo.person_by_employee_no(svc.roster.session, "10001")
        assert aux is not None
        with pytest.raises(NotAllowed):
            await svc.roster.export_form(Actor.of(aux), tmp_path / "x.xlsx")
    assert (one.people, one.sheets) == (12, 1)
    assert openpyxl.load_workbook(out).sheetnames == ["东城派出所"]


def test_cli_exports_the_table_back(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(write_form(tmp_path / "统计表.xlsx"))]) == 0
    out = tmp_path / "上报.xlsx"
    capsys.readouterr()
    assert main(["roster", "export", str(out), "--form"]) == 0
    assert f"已按统计表格式写入 {out}：在职辅警 36 人，3 个工作表。" in capsys.readouterr().out
    assert main(["roster", "import", str(out), "--dry-run"]) == 0
    assert "新增 0 人" in capsys.readouterr().out
    assert main(["roster", "export", str(out), "--form", "--one-sheet", "--lang", "en"]) == 0
    assert "36 active auxiliaries on 1 sheet(s)" in capsys.readouterr().out


async def test_every_kind_of_problem_with_its_row_and_column_in_one_pass(
    app: App, tmp_path: Path
) -> None:
    """Field errors, people named wrongly, a post not on the list, a duplicate 工号, a
    formula: one import reports them all at once, each at its row and column, and writes
    nothing."""
    two = [officer(i, "城关派出所", f"MJ00{i}", "王建国", 45, "责任民警") for i in (0, 1)]
    posts = [  # the post list
        [9 + i, "城关派出所", f"F{i}", f"甲{i}", "女", 30, post, duties, "辅警", "", "", ""]
        for i, (post, duties) in enumerate(POSTS)
    ]
    setup = write_csv(tmp_path / "setup.csv", two + posts)
    assert not (await run_import(app, setup, allow_unbound=True)).errors
    people = await scalar(app, select(func.count()).select_from(Person))

    bad = write_form(
        tmp_path / "bad.xlsx",
        units=(0,),
        edit={
            (0, 0): {"性别": "未知"},
            (0, 1): {"年龄": "十八"},
            (0, 2): {"责任民警": None},
            (0, 3): {"责任民警": "张　伟"},  # an auxiliary, not a mentor officer
            (0, 4): {"岗位名称": "特勤辅警"},  # 严禁擅自设置辅警岗位
            (0, 5): {"工号": 10001},
            (0, 6): {"姓名": '=HYPERLINK("http://x")'},
            (0, 7): {"姓名": "张" * 70},
        },
    )
    report = await run_import(app, bad)
    assert {(p.row, p.column, p.key) for p in report.errors} == {
        (5, "性别", "roster-bad-gender"),
        (5, "责任民警", "roster-ref-ambiguous"),  # 王建国: MJ000 or MJ001
        (6, "年龄", "roster-bad-age"),
        (7, "责任民警", "roster-binding-missing"),
        (8, "责任民警", "roster-ref-not-mentor"),
        (9, "岗位名称", "roster-post-not-listed"),
        (10, "工号", "roster-duplicate-employee-no"),
        (12, "姓名", "roster-formula"),
        (12, "责任民警", "roster-ref-ambiguous"),
        (13, "姓名", "roster-too-long"),
        (15, "责任民警", "roster-ref-ambiguous"),
    }
    text = report_text(report)
    assert "第 10 行，「工号」列" in text and "加 --new-posts" in text
    assert await scalar(app, select(func.count()).select_from(Person)) == people
