"""The spreadsheet toolkit (bot/sheets): bounded reading, encodings, header detection,
aliases, problems with row and column, and the one formula guard of every export."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from bot import roster_io
from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock
from bot.register_sheets import read_sheet, words
from bot.roster_io import Directory
from bot.sheets.reader import (
    MAX_BLANK_RUN,
    Aliases,
    Formula,
    SheetFileError,
    decode,
    map_columns,
    read_table,
)
from bot.sheets.writer import Column, Workbook, text_width, write_csv
from tests.test_checkins import setup_force
from tests.test_register import STATION, W49, open_w49

ALIASES = Aliases.of({"unit": ("单位", "所属单位", "unit"), "name": ("姓名", "name")})
REGISTER_HEADER = ["编号", "类别", "风险隐患", "整改措施", "责任人", "整改期限", "状态", "备注"]
NEAR_BOTTOM = 300_003


def _formatted_far_below(path: Path, rows: list[list[object]]) -> Path:
    """A few rows of data and one formatted, empty cell 300,000 rows further down: a file
    of a few KB that spans 300,003 rows (Excel and WPS write such files when a whole
    column range was formatted)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = STATION
    for row in rows:
        ws.append(row)
    ws.cell(row=NEAR_BOTTOM, column=9).font = Font(bold=True)
    wb.save(path)
    assert path.stat().st_size < 20_000
    return path


# ---------------------------------------------------------------- bounded reading


def test_reading_stops_after_a_run_of_blank_rows(tmp_path: Path) -> None:
    path = _formatted_far_below(
        tmp_path / "r.xlsx",
        [["花名册"], ["单位", "工号", "姓名"], ["城关派出所", "FJ1", "张三"]],
    )
    table = roster_io.load(path)
    assert [cells for _, cells in table.rows] == [["城关派出所", "FJ1", "张三"]]
    assert table.rows_read == 3 + MAX_BLANK_RUN  # not 300,003


async def test_register_import_of_a_sheet_formatted_to_row_300000(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    await setup_force(app)
    await open_w49(app)
    path = _formatted_far_below(
        tmp_path / "w49.xlsx",
        [
            ["城关派出所 风险排查登记表"],
            REGISTER_HEADER,
            ["", "其他", "岗亭漏雨", "维修", "王民警", "2026-12-31", "整改中", ""],
        ],
    )
    async with app.unit_of_work() as svc:
        vocabulary = words(svc.register.notifier.catalog, app.settings.tz, [])
        assert read_sheet(path, STATION, vocabulary).rows_read == 3 + MAX_BLANK_RUN
        report = await svc.register.import_file(Actor.cli(), path, unit=STATION, week=W49)
    assert report.errors == [] and report.rows == 1 and report.filing is not None


def test_reading_stops_at_the_first_row_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("单位,姓名\n" + "城关派出所,张三\n" * 50, encoding="utf-8")
    with pytest.raises(SheetFileError) as err:
        read_table(path, ALIASES, max_bytes=2**20, max_rows=49)
    assert (err.value.key, err.value.args_) == ("sheet-file-too-many-rows", {"limit": 49})
    assert len(read_table(path, ALIASES, max_bytes=2**20, max_rows=50).rows) == 50


# ---------------------------------------------------------------- encodings


def test_shift_jis_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    # Japanese in Shift-JIS decodes as GB18030 without an error, into nonsense: 本部 is
    # read as 杮晹; the file must be refused instead of importing units named so.
    data = "単位,氏名\n本部,山田太郎\n東京支店,佐藤花子\n".encode("shift_jis")
    assert "杮晹" in data.decode("gb18030")
    path = tmp_path / "jp.csv"
    path.write_bytes(data)
    with pytest.raises(SheetFileError) as err:
        read_table(path, ALIASES, max_bytes=2**20, max_rows=10)
    assert (err.value.key, err.value.args_) == (
        "sheet-file-encoding-named",
        {"encoding": "Shift_JIS"},
    )
    with pytest.raises(SheetFileError) as err:
        decode("ひらがなとカタカナ".encode("shift_jis"))
    assert err.value.args_ == {"encoding": "Shift_JIS"}


def test_big5_and_utf16_are_refused_by_name() -> None:
    with pytest.raises(SheetFileError) as err:
        decode("單位,姓名\n城關派出所,陳志強\n".encode("big5"))
    assert err.value.args_ == {"encoding": "Big5"}
    with pytest.raises(SheetFileError) as err:
        decode("单位,姓名\n".encode("utf-16"))
    assert err.value.args_ == {"encoding": "UTF-16"}


def test_gbk_with_a_rare_name_character_is_read() -> None:
    text = "单位,姓名\n城关派出所,王喆\n城关派出所,李堃（副所长）\n"
    assert decode(text.encode("gb18030")) == text
    assert decode(text.encode("utf-8-sig")) == text


# ---------------------------------------------------------------- header, aliases, problems


def test_header_below_title_rows_in_any_language_and_typed_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["示例县公安局辅警花名册"])
    ws.append([])
    ws.append(["（2026年12月）"])
    ws.append(["  UNIT ", "Name*", "年龄", "入职"])  # English aliases, case, spaces, a mark
    ws.append(["城关派出所", "张三", 23, date(2026, 3, 1)])
    ws.append(["城关派出所", "=1+1", 24.5, None])
    wb.save(tmp_path / "t.xlsx")
    table = read_table(tmp_path / "t.xlsx", ALIASES, max_bytes=2**20, max_rows=10)
    assert (table.header_row, table.headers) == (4, ["UNIT", "Name*", "年龄", "入职"])
    assert table.rows == [
        (5, ["城关派出所", "张三", 23, datetime(2026, 3, 1)]),  # noqa: DTZ001 - naive, as Excel stores it
        (6, ["城关派出所", Formula("=1+1"), 24.5, None]),
    ]
    columns = map_columns(table, ALIASES, ("unit", "name"), label={}, warn_unknown=True)
    assert columns.index == {"unit": 0, "name": 1}
    assert [(p.row, p.column, p.key, p.warning) for p in columns.problems] == [
        (4, "年龄", "sheet-unknown-column", True),
        (4, "入职", "sheet-unknown-column", True),
    ]


def test_chinese_alias_repeated_and_missing_columns_name_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "说明：请勿改动表头\n所属单位,姓名,单位\n城关派出所,张三,城关派出所\n", "utf-8"
    )
    aliases = Aliases.of({"unit": ("单位", "所属单位"), "name": ("姓名",), "no": ("工号",)})
    table = read_table(path, aliases, max_bytes=2**20, max_rows=9)
    columns = map_columns(table, aliases, ("unit", "name", "no"), label={"no": "工号"})
    assert columns.index == {"unit": 0, "name": 1}
    assert [(p.row, p.column, p.key) for p in columns.problems] == [
        (2, "单位", "sheet-duplicate-column"),
        (2, "工号", "sheet-missing-column"),
    ]


def test_formulas_in_a_csv_are_refused_with_row_and_column(tmp_path: Path) -> None:
    rows = [
        ["城关派出所", "A1", "张三", "男", "23", '=HYPERLINK("http://x")'],
        ["城关派出所", "A2", "@SUM(1+1)", "男", "23", "-night shift"],  # data, not a formula
        ["城关派出所", "A3", "李四", "男", "23", "+cmd|' /C calc'!A0"],
        ["城关派出所", "A4", "王五", "男", "23", "+86 138 0000 0000"],
    ]
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位", "工号", "姓名", "性别", "年龄", "备注"])
        writer.writerows(rows)
    checked = roster_io.check(roster_io.load(path), Directory())
    assert [(p.row, p.column, p.key) for p in checked.errors] == [
        (2, "备注", "roster-formula"),
        (3, "姓名", "roster-formula"),
        (4, "备注", "roster-formula"),
    ]
    assert [r.note for r in checked.records] == ["+86 138 0000 0000"]


# ---------------------------------------------------------------- writing


DANGEROUS = ["=1+1", "+1", "-x", "@SUM(1)", "\tx", "\rx"]


def test_xlsx_cells_are_never_formulas_and_widths_fit_cjk(tmp_path: Path) -> None:
    wb = Workbook()
    sheet = wb.sheet(
        "名单:2026/12",  # characters Excel refuses in a sheet name
        [Column("单位"), Column("备注"), Column("到期", "yyyy-mm-dd")],
        title=["城关派出所辅警名单", "导出时间 2026-12-01 10:00"],
    )
    for value in DANGEROUS:
        sheet.append(["城关派出所城关派出所", value, date(2026, 12, 31)])
    sheet.append(["plain", "text", None])
    wb.save(tmp_path / "out.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["名单_2026_12"]
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == [
        "城关派出所辅警名单",
        "导出时间 2026-12-01 10:00",
        "单位",
    ]
    assert ws["A1"].font.bold and ws["A3"].font.bold and ws.freeze_panes == "A4"
    cells = [ws.cell(row=4 + i, column=2) for i in range(len(DANGEROUS))]
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in DANGEROUS]  # XML: CR→LF
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not ws.cell(row=4 + len(DANGEROUS), column=2).quotePrefix  # plain text left alone
    assert ws["C4"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["A"].width == text_width("城关派出所城关派出所") + 2 == 22
    assert ws.column_dimensions["B"].width == text_width("@SUM(1)") + 2
    # and our own reader takes the quoted texts back as text, the header below the title
    table = read_table(
        tmp_path / "out.xlsx",
        Aliases.of({"unit": ("单位",), "note": ("备注",)}),
        max_bytes=2**20,
        max_rows=99,
    )
    assert table.header_row == 3 and [cells[1] for _, cells in table.rows][:4] == DANGEROUS[:4]


def test_csv_fields_that_start_like_formulas_get_a_quote(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["单位", "姓名"], [["城关派出所", v] for v in DANGEROUS])
    with path.open(encoding="utf-8-sig", newline="") as fh:
        fields = [row[1] for row in csv.reader(fh)][1:]
    assert fields == ["'" + v for v in DANGEROUS]
    table = read_table(
        path, Aliases.of({"unit": ("单位",), "name": ("姓名",)}), max_bytes=2**20, max_rows=9
    )
    assert [cells[1] for _, cells in table.rows][:4] == DANGEROUS[:4]  # read back as text


def test_invite_csv_neutralises_names_that_start_like_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "单位,工号,姓名,角色\n城关派出所,M1,-张三,责任民警\n城关派出所,M2,@李四,责任民警\n"
        "城关派出所,M3,+王五,责任民警\n",
        encoding="utf-8",
    )
    assert main(["roster", "import", str(roster)]) == 0
    out = tmp_path / "invites.csv"
    assert main(["invite", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        names = sorted(row[1] for row in csv.reader(fh))
    assert names == ["'+王五", "'-张三", "'@李四", "姓名"]


def test_a_shift_jis_notice_text_is_refused_before_anything_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    text = tmp_path / "notice.txt"
    text.write_bytes("本部からのお知らせ\n今夜集合。".encode("shift_jis"))
    assert main(["notice", "send", "--audience", "all", "--text-file", str(text)]) == 1
    assert "文件是 Shift_JIS 编码" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()  # refused before the database was opened
