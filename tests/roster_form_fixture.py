"""The bureau's 警务辅助人员带辅责任民警和分管责任领导统计表 as units really fill it in.

Three units, one sheet each, 12 auxiliaries per unit (36): a title row, a blank row, the
填报单位/填报时间 line, the header, rows with a blank row among them, and a trailing 注：
row. Names with full-width spaces (张　伟), a trailing space after 男, ages as text, 工号 as
numbers. Officers are named only by name: 3 mentors and 1 leader per unit (9 and 3); 王建国
is a mentor in two units (two people).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

TITLE = "警务辅助人员带辅责任民警和分管责任领导统计表"
HEADER = [
    "序号",
    "姓名",
    "性别",
    "年龄",
    "岗位名称",
    "岗位职责",
    "责任民警",
    "责任领导",
    "备注",
    "工号",
]
POSTS = [
    ("巡逻辅警", "协助民警开展街面巡逻防控"),
    ("窗口辅警", "协助办理户籍证件业务"),
    ("社区辅警", "协助社区民警走访群众"),
]
UNITS = {
    "城关派出所": (["王建国", "李卫东", "赵红梅"], "陈志强"),
    "东城派出所": (["王建国", "孙立新", "周海燕"], "马国庆"),
    "西城派出所": (["刘　洋", "黄志明", "郭 静"], "何伟光"),
}
SURNAMES = "张王李赵钱孙周吴郑冯陈褚"
GIVEN = ["伟", "芳", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


def aux_rows(unit_index: int) -> list[list[Any]]:
    """The 12 auxiliary rows of one unit, as written in the sheet."""
    mentors, leader = list(UNITS.values())[unit_index]
    rows: list[list[Any]] = []
    for i in range(12):
        surname, given = SURNAMES[i], GIVEN[(i + unit_index) % 12]
        name = f"{surname}\u3000{given}" if i % 3 == 0 else f"{surname}{given}{unit_index}"
        gender = "男 " if i % 2 == 0 else "女"
        age: Any = str(22 + i) if i % 2 else 22 + i
        post, duties = POSTS[i % 3]
        employee_no = 10000 + unit_index * 100 + i + 1  # a number, as Excel keeps it
        rows.append(
            [i + 1, name, gender, age, post, duties, mentors[i % 3], leader, None, employee_no]
        )
    return rows


def write_form(
    path: Path,
    *,
    units: tuple[int, ...] = (0, 1, 2),
    edit: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> Path:
    """Write the table: edit[(unit index, row index)] = {column header: value}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for u in units:
        unit = list(UNITS)[u]
        ws = wb.create_sheet(unit)
        ws.append([TITLE])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        ws.append([])
        ws.append([f"填报单位：{unit}", None, None, None, None, None, "填报时间：2026年11月30日"])
        ws.append(HEADER)
        for i, row in enumerate(aux_rows(u)):
            for column, value in (edit or {}).get((u, i), {}).items():
                row[HEADER.index(column)] = value
            ws.append(row)
            if i == 5:
                ws.append([])  # a blank row inside the table
        ws.append([])
        ws.append(["注：1.责任民警、责任领导填写姓名；2.本表由各单位政治处汇总。"])
    wb.save(path)
    return path
