"""`muster leave set|end|list|import` as the office types them (SQLite, the real clock)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.config import Settings
from storage.db import make_engine
from storage.models_leave import PersonLeave
from tests.test_pledge_reports import cli_db  # noqa: F401 - the CLI's database, with a force

pytestmark = pytest.mark.usefixtures("cli_db")  # MUSTER_DATABASE_URL: a migrated SQLite file
TODAY = datetime.now(UTC).astimezone(Settings(_env_file=None).tz).date()  # type: ignore[call-arg]


async def _count() -> int:
    engine = make_engine(os.environ["MUSTER_DATABASE_URL"])
    try:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(PersonLeave))).scalar_one()
            )
    finally:
        await engine.dispose()


def _d(day: date) -> str:
    return day.isoformat()


def test_set_list_and_end(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    first, last = TODAY - timedelta(days=1), TODAY + timedelta(days=3)
    args = ["leave", "set", "A001", "--from", _d(first), "--to", _d(last), "--category", "病假"]
    assert main([*args, "--note", "住院"]) == 0
    out = capsys.readouterr().out
    assert f"已登记请假：张三（A001）病假：{_d(first)} 至 {_d(last)}" in out
    later = TODAY + timedelta(days=10)
    assert (
        main(
            [
                "leave",
                "set",
                "A004",
                "--from",
                _d(later),
                "--to",
                _d(later),
                "--category",
                "annual",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["leave", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "单位",
        "姓名",
        "工号",
        "假别",
        "开始日期",
        "结束日期",
        "状态",
        "备注",
    ]
    assert lines[1].split() == [
        "交警大队",
        "欧阳娜娜",
        "A004",
        "年休假",
        _d(later),
        _d(later),
        "待休",
    ]
    assert lines[2].split() == [
        "城关派出所",
        "张三",
        "A001",
        "病假",
        _d(first),
        _d(last),
        "休假中",
        "住院",
    ]
    assert lines[-1] == "共 2 条。"
    assert main(["leave", "end", "A001"]) == 0
    assert "已销假：张三（A001）病假" in capsys.readouterr().out
    assert main(["leave", "end", "A004", "--lang", "en"]) == 0
    assert (
        "Cancelled a leave that had not begun: 欧阳娜娜 (A004) Annual leave"
        in capsys.readouterr().out
    )
    assert main(["leave", "list"]) == 0
    assert "目前没有在休或待休的请假" in capsys.readouterr().out
    assert main(["leave", "list", "--all", "--lang", "en"]) == 0
    assert "back" in capsys.readouterr().out


def test_bad_input_is_refused_and_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    base = ["leave", "set", "A001", "--category", "sick"]
    assert main([*base, "--from", "12/10/2026", "--to", "2026-12-11"]) == 2
    assert "「12/10/2026」不是日期" in capsys.readouterr().err
    assert main([*base, "--from", "2026-12-11", "--to", "2026-12-10"]) == 1
    assert "结束日期 2026-12-10 早于开始日期 2026-12-11" in capsys.readouterr().err
    assert (
        main(
            [
                "leave",
                "set",
                "A001",
                "--from",
                "2026-12-10",
                "--to",
                "2026-12-11",
                "--category",
                "度假",
            ]
        )
        == 1
    )
    assert "假别「度假」无法识别" in capsys.readouterr().err
    assert (
        main(
            [
                "leave",
                "set",
                "NOBODY",
                "--from",
                "2026-12-10",
                "--to",
                "2026-12-11",
                "--category",
                "sick",
            ]
        )
        == 1
    )
    assert main(["leave", "end", "A002"]) == 1
    assert "李四 目前没有在休或待休的假期" in capsys.readouterr().err
    assert asyncio.run(_count()) == 0


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "花名册"
    wb.active.append(["工号", "姓名", "单位"])  # the roster sheet comes first
    sheet = wb.create_sheet("请销假")
    sheet.append(["请销假登记表"])  # a title line above the header
    sheet.append(["工号", "姓名", "类别", "开始日期", "结束日期", "事由"])
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


def test_import_a_sheet_all_rows_or_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    bad = _workbook(
        tmp_path / "bad.xlsx",
        [
            ["A001", "张三", "病假", date(2026, 12, 10), date(2026, 12, 12), "发热"],
            ["A002", "李五", "年假", "2026-12-10", "2026-12-11", ""],  # not the roster name
            ["A003", "王五", "探亲", "2026-12-10", "2026-12-11", ""],  # no such category
            ["A004", "欧阳娜娜", "借调", "十二月", "2026-12-11", ""],  # not a date
        ],
    )
    assert main(["leave", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "第 4 行：工号 A002 在花名册中的姓名是 李四" in err
    assert "第 5 行：假别「探亲」无法识别" in err
    assert "第 6 行，「开始日期」列：「十二月」不是日期" in err
    assert "请销假表有 3 行有误，未登记任何一行" in err
    assert asyncio.run(_count()) == 0
    good = _workbook(
        tmp_path / "good.xlsx",
        [
            ["A001", "张三", "病假", date(2026, 12, 10), date(2026, 12, 12), "发热"],
            ["A004", "", "Secondment", "2026/12/20", "2026年12月31日", ""],
        ],
    )
    assert main(["leave", "import", str(good)]) == 0
    assert "已从" in capsys.readouterr().out
    assert asyncio.run(_count()) == 2
