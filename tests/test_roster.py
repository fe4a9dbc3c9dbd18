"""Roster import and export: checks, idempotent re-import, binding history, round trip."""

from __future__ import annotations

import csv
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from bot import roster_io
from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock
from bot.config import ROOT
from bot.errors import InvalidInput, NotAllowed
from bot.i18n import Catalog
from bot.roster_io import Directory, Known
from bot.services.roster import PERSON_FIELDS, ImportReport
from bot.sheets.reader import Formula, SheetFileError
from storage import audit
from storage import people as repo
from storage.models import AuditEvent, Binding, Person, PersonRole, PersonStatus, Role, Unit
from tests.helpers import AUDIT_KEY_BYTES

SAMPLE = ROOT / "content" / "sample" / "roster.csv"
HEADER = [
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
STATION = "示例县公安局/城关派出所"


def sample_rows() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER
    return rows[1:]


def write_csv(
    path: Path, rows: list[list[Any]], *, header: list[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def edited(**changes: dict[str, str]) -> list[list[str]]:
    """The sample with cells changed: edited(FJ0001={"责任民警": "..."})."""
    rows = sample_rows()
    for row in rows:
        for column, value in changes.get(row[2], {}).items():
            row[HEADER.index(column)] = value
    return rows


async def run_import(app: App, path: Path, **kwargs: Any) -> ImportReport:
    async with app.unit_of_work() as svc:
        return await svc.roster.import_file(Actor.cli("test"), path, **kwargs)


async def count(app: App, model: type) -> int:
    async with app.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def counts(app: App) -> tuple[int, ...]:
    return tuple([await count(app, m) for m in (Person, PersonRole, Unit, Binding, AuditEvent)])


async def person(app: App, employee_no: str) -> Person:
    async with app.sessionmaker() as s:
        found = await repo.person_by_employee_no(s, employee_no)
        assert found is not None
        return found


def problems_of(report: ImportReport) -> set[tuple[int | None, str | None, str]]:
    return {(p.row, p.column, p.key) for p in report.errors}


# ---------------------------------------------------------------- clean import


async def test_sample_import_creates_people_units_roles_and_bindings(app: App) -> None:
    report = await run_import(app, SAMPLE)
    assert not report.problems
    assert len(report.created) == 15 and report.units_created == ["示例县公安局", "城关派出所"]
    assert len(report.binding_changes) == 10 and report.written

    async with app.sessionmaker() as s:
        bureau = await repo.unit_by_name(s, "示例县公安局")
        station = await repo.unit_by_name(s, "城关派出所")
        assert bureau is not None and station is not None
        assert bureau.parent_id is None and station.parent_id == bureau.id
        aux = await repo.person_by_employee_no(s, "FJ0001")
        assert aux is not None
        assert (aux.name, aux.gender, aux.age, aux.post, aux.unit_id) == (
            "张明辉",
            "男",
            27,
            "巡逻辅警",
            station.id,
        )
        assert aux.role_set == {Role.AUXILIARY}
        binding = await repo.current_binding(s, aux.id)
        assert binding is not None
        mentor = await repo.person_by_id(s, binding.mentor_id or 0)
        leader = await repo.person_by_id(s, binding.leader_id or 0)
        assert mentor is not None and mentor.employee_no == "MJ002"
        assert leader is not None and leader.employee_no == "MJ004"
        office = await repo.person_by_employee_no(s, "MJ005")
        assert office is not None and office.role_set == {Role.OFFICE}
        assert office.unit_id == bureau.id
        assert len(await repo.people_with_role(s, Role.MENTOR)) == 3
        assert await repo.current_binding(s, office.id) is None
        events = (await s.execute(select(AuditEvent.kind))).scalars().all()
        assert events == ["roster.imported"]
        assert (await audit.verify(s, AUDIT_KEY_BYTES))[1] is None


async def test_dry_run_reports_but_writes_nothing(app: App) -> None:
    before = await counts(app)
    report = await run_import(app, SAMPLE, dry_run=True)
    assert len(report.created) == 15 and not report.written
    assert await counts(app) == before


async def test_english_headers_and_words_are_accepted(app: App, tmp_path: Path) -> None:
    header = [
        "no",
        "unit",
        "employee_no",
        "name",
        "gender",
        "age",
        "post",
        "post_duties",
        "role",
        "mentor",
        "leader",
        "note",
    ]
    rows = [
        [1, "Town station", "P1", "Wang", "M", 40, "officer", "", "Mentor/Leader", "", "", ""],
        [
            2,
            "Town station",
            "A1",
            "Li",
            "female",
            22,
            "patrol",
            "-night shift",
            "",
            "P1",
            "Wang",
            "+86 138 0000 0000",
        ],
    ]
    path = write_csv(tmp_path / "en.csv", rows, header=[f" {h.upper()} " for h in header])
    report = await run_import(app, path)
    assert not report.problems
    aux = await person(app, "A1")
    assert aux.gender == "女" and aux.role_set == {Role.AUXILIARY}
    # Only a leading "=" is a formula in a CSV; +, - and @ are ordinary text on import.
    assert (aux.post_duties, aux.note) == ("-night shift", "+86 138 0000 0000")
    officer = await person(app, "P1")
    assert officer.role_set == {Role.MENTOR, Role.LEADER}


async def test_plain_unit_names_become_top_level_units(app: App, tmp_path: Path) -> None:
    rows = [[1, "交警大队", "A1", "李四", "男", 30, "交通辅警", "", "", "", "", ""]]
    report = await run_import(app, write_csv(tmp_path / "u.csv", rows), allow_unbound=True)
    assert report.units_created == ["交警大队"]
    assert [w.key for w in report.warnings] == ["roster-binding-missing"] * 2
    async with app.sessionmaker() as s:
        unit = await repo.unit_by_name(s, "交警大队")
        assert unit is not None and unit.parent_id is None


async def test_only_office_staff_may_import_and_export(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    mentor = Actor.of(await person(app, "MJ001"))
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.roster.import_file(mentor, SAMPLE, dry_run=True)
        with pytest.raises(NotAllowed):
            await svc.roster.export(mentor, tmp_path / "x.xlsx")
    office = Actor.of(await person(app, "MJ005"))
    async with app.unit_of_work() as svc:
        assert await svc.roster.export(office, tmp_path / "x.xlsx") == 15


# ---------------------------------------------------------------- bad rows


async def test_bad_rows_are_all_reported_and_nothing_is_written(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    before = await counts(app)
    rows = edited(
        FJ0001={"姓名": ""},
        FJ0002={"性别": "男性"},
        FJ0003={"年龄": "15"},
        FJ0004={"责任民警": "钱多多"},
        FJ0005={"责任领导": "王建国(MJ001)"},
        FJ0006={"单位": "城关派出所/示例县公安局"},
        FJ0007={"岗位名称": "社区辅警", "备注": "改了备注"},  # a good change, not applied
    )
    rows.append(["16", STATION, "FJ0003", "重复工号", "女", "30", "窗口辅警", "", "", "", "", ""])
    report = await run_import(app, write_csv(tmp_path / "bad.csv", rows))
    assert problems_of(report) == {
        (7, "姓名", "roster-required"),
        (8, "性别", "roster-bad-gender"),
        (9, "年龄", "roster-bad-age"),
        (10, "责任民警", "roster-ref-unknown"),
        (11, "责任领导", "roster-ref-not-leader"),
        (12, "单位", "roster-unit-is-top"),
        (17, "工号", "roster-duplicate-employee-no"),
    }
    assert not report.written and not report.created and not report.updated
    assert await counts(app) == before
    assert (await person(app, "FJ0007")).note == "示例数据，纯属虚构"


CASES: list[tuple[str, dict[str, dict[str, str]], str, str]] = [
    ("missing name", {"FJ0001": {"姓名": " "}}, "姓名", "roster-required"),
    ("gender", {"FJ0001": {"性别": "未知"}}, "性别", "roster-bad-gender"),
    ("blank gender of auxiliary", {"FJ0001": {"性别": ""}}, "性别", "roster-required-auxiliary"),
    ("age too high", {"FJ0001": {"年龄": "71"}}, "年龄", "roster-bad-age"),
    ("age not a number", {"FJ0001": {"年龄": "二十"}}, "年龄", "roster-bad-age"),
    ("unknown mentor", {"FJ0001": {"责任民警": "MJ999"}}, "责任民警", "roster-ref-unknown"),
    ("unknown leader", {"FJ0001": {"责任领导": "孙所长"}}, "责任领导", "roster-ref-unknown"),
    (
        "mentor is no mentor",
        {"FJ0001": {"责任民警": "FJ0002"}},
        "责任民警",
        "roster-ref-not-mentor",
    ),
    (
        "name and number disagree",
        {"FJ0001": {"责任民警": "王建国(MJ002)"}},
        "责任民警",
        "roster-ref-name-mismatch",
    ),
    (
        "own mentor",
        {"FJ0001": {"角色": "辅警、责任民警", "责任民警": "FJ0001"}},
        "责任民警",
        "roster-ref-self",
    ),
    ("unknown role", {"FJ0001": {"角色": "协警"}}, "角色", "roster-bad-role"),
    (
        "bad unit path",
        {"FJ0002": {"单位": "示例县公安局//城关派出所"}},
        "单位",
        "roster-bad-unit-path",
    ),
    (
        "formula text in csv",
        {"FJ0001": {"岗位职责": '=HYPERLINK("http://x")'}},
        "岗位职责",
        "roster-formula",
    ),
    ("name too long", {"FJ0001": {"姓名": "张" * 65}}, "姓名", "roster-too-long"),
]


@pytest.mark.parametrize(("case", "changes", "column", "key"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_bad_cell_is_named_by_row_and_column(
    tmp_path: Path, case: str, changes: dict[str, dict[str, str]], column: str, key: str
) -> None:
    table = roster_io.load(write_csv(tmp_path / "r.csv", edited(**changes)))
    checked = roster_io.check(table, Directory())
    row = next(n for n, cells in table.rows if cells[2] in changes and column in changes[cells[2]])
    assert [(p.row, p.column, p.key) for p in checked.errors] == [(row, column, key)], case


def test_ambiguous_name_asks_for_the_employee_number(tmp_path: Path) -> None:
    rows = edited(FJ0001={"责任民警": "李卫东"})
    rows.append(["16", STATION, "MJ009", "李卫东", "男", "50", "民警", "", "责任民警", "", "", ""])
    checked = roster_io.check(roster_io.load(write_csv(tmp_path / "r.csv", rows)), Directory())
    assert [(p.row, p.column, p.key) for p in checked.errors] == [
        (7, "责任民警", "roster-ref-ambiguous")
    ]
    assert checked.errors[0].args["employee_nos"] == "MJ002、MJ009"


def test_references_resolve_to_people_already_in_the_database(tmp_path: Path) -> None:
    rows = [["1", "城关派出所", "FJ0100", "新辅警", "女", "22", "", "", "", "老民警", "L1", ""]]
    known = Directory(
        people={
            "M1": Known("M1", "老民警", frozenset({Role.MENTOR}), active=True),
            "L1": Known("L1", "老所长", frozenset({Role.LEADER}), active=True),
            "M2": Known("M2", "老民警", frozenset({Role.MENTOR}), active=False),  # left
        },
        units={"示例县公安局": None, "城关派出所": "示例县公安局"},
    )
    checked = roster_io.check(roster_io.load(write_csv(tmp_path / "r.csv", rows)), known)
    assert not checked.problems and not checked.new_units
    assert (checked.records[0].mentor, checked.records[0].leader) == ("M1", "L1")
    # About to be marked left for missing from the file: no longer a valid mentor.
    checked = roster_io.check(
        roster_io.load(write_csv(tmp_path / "r.csv", rows)), known, mark_missing_left=True
    )
    assert {p.key for p in checked.errors} == {"roster-ref-unknown"}


def test_missing_required_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "工号"]
    rows = [r[:2] + r[3:] for r in sample_rows()]
    checked = roster_io.check(
        roster_io.load(write_csv(tmp_path / "r.csv", rows, header=header)), Directory()
    )
    assert [(p.row, p.column, p.key) for p in checked.errors] == [
        (1, "工号", "sheet-missing-column")
    ]


async def test_unknown_unit_is_an_error_only_with_units_must_exist(
    app: App, tmp_path: Path
) -> None:
    await run_import(app, SAMPLE)
    rows = edited(FJ0001={"单位": "示例县公安局/东关派出所"})
    path = write_csv(tmp_path / "r.csv", rows)
    report = await run_import(app, path, dry_run=True, units_must_exist=True)
    assert problems_of(report) == {(7, "单位", "roster-unknown-unit")}
    report = await run_import(app, path)
    assert report.units_created == ["东关派出所"] and not report.errors
    async with app.sessionmaker() as s:
        unit = await repo.unit_by_name(s, "东关派出所")
        bureau = await repo.unit_by_name(s, "示例县公安局")
        assert unit is not None and bureau is not None and unit.parent_id == bureau.id
    assert (await person(app, "FJ0001")).unit_id == unit.id


# ---------------------------------------------------------------- files


async def test_gbk_csv_imports(app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", sample_rows(), encoding="gbk")
    report = await run_import(app, path)
    assert not report.problems and len(report.created) == 15
    assert (await person(app, "FJ0008")).name == "何建军"


async def test_utf8_bom_and_title_row_above_header(app: App, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["示例县公安局辅警花名册（2026年12月）"])
        writer.writerow(HEADER)
        writer.writerows(sample_rows())
    report = await run_import(app, path, dry_run=True)
    assert not report.problems and len(report.created) == 15


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "sheet-file-empty"),
        (b"\r\n \r\n", "sheet-file-empty"),
        ("序号,单位,工号,姓名\r\n".encode(), "sheet-file-no-rows"),
        ("名单\n张三,李四\n".encode(), "sheet-file-no-header"),
        ("姓名,工号\n张三,1\n".encode("utf-16"), "sheet-file-encoding-named"),
        (b"\xff\xfe\x80\x81\xfe\xff" * 50, "sheet-file-encoding"),
    ],
    ids=["empty", "blank lines", "header only", "no header", "utf-16", "binary"],
)
def test_unusable_files_are_refused_with_one_clear_error(
    tmp_path: Path, content: bytes, key: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    with pytest.raises(SheetFileError) as err:
        roster_io.load(path)
    assert err.value.key == key


def test_files_over_20_mb_and_other_types_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(roster_io.MAX_BYTES + 1)  # sparse: the size is refused before reading
    with pytest.raises(SheetFileError) as err:
        roster_io.load(big)
    assert err.value.key == "sheet-file-too-big"
    old = tmp_path / "roster.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(SheetFileError) as err:
        roster_io.load(old)
    assert err.value.key == "sheet-file-type"
    broken = tmp_path / "roster.xlsx"
    broken.write_bytes(b"PK not really a zip")
    with pytest.raises(SheetFileError) as err:
        roster_io.load(broken)
    assert err.value.key == "sheet-file-unreadable"


async def test_formula_cell_in_xlsx_is_refused_with_row_and_column(
    app: App, tmp_path: Path
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in sample_rows():
        ws.append([int(row[0]), *row[1:5], int(row[5]), *row[6:]])
    ws["D8"] = '=CONCATENATE("周","丽娟")'  # FJ0003's name
    ws["F9"] = "=20+5"  # FJ0004's age
    path = tmp_path / "f.xlsx"
    wb.save(path)
    report = await run_import(app, path)
    assert problems_of(report) == {(8, "姓名", "roster-formula"), (9, "年龄", "roster-formula")}
    assert await count(app, Person) == 0


async def test_ten_megabyte_csv_is_checked_quickly(app: App, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = big_roster(60_000)
    write_csv(path, rows)
    assert path.stat().st_size >= 10 * 10**6
    started = time.monotonic()
    report = await run_import(app, path, dry_run=True)
    elapsed = time.monotonic() - started
    assert not report.errors and len(report.created) == 60_000
    assert len(report.binding_changes) == 60_000 - 60 * 11
    assert elapsed < 30, f"dry run of 60,000 rows took {elapsed:.1f} s"
    assert await count(app, Person) == 0


def big_roster(total: int) -> list[list[Any]]:
    """60 stations, each with a leader and ten mentors; the rest auxiliaries."""
    rows: list[list[Any]] = []
    for s in range(60):
        unit = f"示例县公安局/第{s + 1}派出所"
        rows.append(
            [
                len(rows) + 1,
                unit,
                f"L{s:03d}",
                f"所长{s}",
                "男",
                50,
                "所长",
                "",
                "领导",
                "",
                "",
                "",
            ]
        )
        rows.extend(
            [
                len(rows) + 1 + m,
                unit,
                f"M{s:03d}{m}",
                f"民警{s}-{m}",
                "男",
                40,
                "社区民警",
                "",
                "民警",
                "",
                "",
                "",
            ]
            for m in range(10)
        )
    i = 0
    while len(rows) < total:
        i += 1
        s, m = i % 60, i % 10
        rows.append(
            [
                len(rows) + 1,
                f"示例县公安局/第{s + 1}派出所",
                f"FJ{i:06d}",
                f"辅警{i}",
                "男" if i % 2 else "女",
                20 + i % 40,
                "巡逻辅警",
                "协助民警开展巡逻防控，及时报告",
                "辅警",
                f"民警{s}-{m}(M{s:03d}{m})",
                f"所长{s}(L{s:03d})",
                "示例",
            ]
        )
    return rows


# ---------------------------------------------------------------- re-import


async def test_reimport_of_the_same_file_changes_nothing(app: App) -> None:
    await run_import(app, SAMPLE)
    before = await counts(app)
    report = await run_import(app, SAMPLE)
    assert report.unchanged == 15 and not report.has_changes and not report.problems
    assert await counts(app) == before  # not even an audit event


async def test_changed_mentor_closes_old_binding_and_opens_new(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    await run_import(app, SAMPLE)
    first_at = clock.now()
    clock.advance(timedelta(days=30))
    rows = edited(FJ0001={"责任民警": "王建国"})
    report = await run_import(app, write_csv(tmp_path / "r.csv", rows))
    assert report.unchanged == 15 and not report.updated
    [change] = report.binding_changes
    assert change.employee_no == "FJ0001"
    assert change.before == ("李卫东(MJ002)", "陈志强(MJ004)")
    assert change.after == ("王建国(MJ001)", "陈志强(MJ004)")
    aux, old_mentor, new_mentor = [await person(app, no) for no in ("FJ0001", "MJ002", "MJ001")]
    async with app.sessionmaker() as s:
        history = await repo.binding_history(s, aux.id)
        assert [(b.mentor_id, b.valid_from, b.valid_to) for b in history] == [
            (old_mentor.id, first_at, clock.now()),
            (new_mentor.id, clock.now(), None),
        ]
        assert history[1].changed_by == "test"
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.id > 1).order_by(AuditEvent.id)))
            .scalars()
            .all()
        )
        assert [(e.kind, e.subject) for e in events] == [
            ("binding.changed", "person:FJ0001"),
            ("roster.imported", "file:r.csv"),
        ]
        assert events[0].payload == {"mentor": ["MJ002", "MJ001"], "leader": ["MJ004", "MJ004"]}


async def test_changed_person_is_updated_with_one_audit_event(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    rows = edited(
        FJ0003={"岗位名称": "社区辅警", "年龄": "30", "单位": "示例县公安局"},
        MJ001={"角色": "责任民警、责任领导"},
    )
    path = write_csv(tmp_path / "r.csv", rows)
    refused = await run_import(app, path)  # 社区辅警 with 窗口辅警's duties: a new post
    assert [p.key for p in refused.errors] == ["roster-post-not-listed"]
    report = await run_import(app, path, new_posts=True)
    assert {u.employee_no: set(u.changes) for u in report.updated} == {
        "FJ0003": {"post", "age", "unit"},
        "MJ001": {"roles"},
    }
    aux = await person(app, "FJ0003")
    assert (aux.post, aux.age, aux.unit.name) == ("社区辅警", 30, "示例县公安局")
    assert (await person(app, "MJ001")).role_set == {Role.MENTOR, Role.LEADER}
    async with app.sessionmaker() as s:
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.subject == "person:FJ0003"))
        ).scalar_one()
        assert event.kind == "person.updated"
        assert event.payload["changes"]["post"] == ["窗口辅警", "社区辅警"]
        assert (await audit.verify(s, AUDIT_KEY_BYTES))[1] is None


async def test_missing_people_are_reported_marked_left_and_reactivated(
    app: App, tmp_path: Path
) -> None:
    await run_import(app, SAMPLE)
    rows = [r for r in sample_rows() if r[2] not in ("FJ0009", "FJ0010")]
    path = write_csv(tmp_path / "r.csv", rows)
    report = await run_import(app, path)
    assert report.missing == [("FJ0009", "欧阳晨"), ("FJ0010", "林佳怡")]
    assert not report.has_changes
    assert (await person(app, "FJ0009")).status == PersonStatus.ACTIVE

    report = await run_import(app, path, mark_missing_left=True)
    assert report.marked_left == ["FJ0009", "FJ0010"]
    assert (await person(app, "FJ0009")).status == PersonStatus.LEFT
    report = await run_import(app, path, mark_missing_left=True)
    assert not report.missing and not report.has_changes  # left people are not "missing"

    report = await run_import(app, SAMPLE)
    assert report.reactivated == ["FJ0009", "FJ0010"]
    assert (await person(app, "FJ0010")).status == PersonStatus.ACTIVE


async def test_leader_who_left_cannot_be_named(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    rows = [r for r in sample_rows() if r[2] != "MJ004"]
    report = await run_import(app, write_csv(tmp_path / "r.csv", rows), mark_missing_left=True)
    assert {(p.column, p.key) for p in report.errors} == {("责任领导", "roster-ref-unknown")}
    assert len(report.errors) == 10


# ---------------------------------------------------------------- export


async def test_export_then_import_changes_nothing(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    rows = [r for r in sample_rows() if r[2] != "FJ0010"]
    await run_import(app, write_csv(tmp_path / "r.csv", rows), mark_missing_left=True)
    out = tmp_path / "out.xlsx"
    async with app.unit_of_work() as svc:
        assert await svc.roster.export(Actor.cli("test"), out) == 15
    ws = openpyxl.load_workbook(out).active
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0] == [*HEADER, "状态"]
    by_no = {row[2]: row for row in table[1:]}
    assert by_no["FJ0001"][1] == STATION
    assert by_no["FJ0001"][9:11] == ["李卫东(MJ002)", "陈志强(MJ004)"]
    assert by_no["FJ0010"][12] == "离职" and by_no["FJ0001"][12] == "在职"
    assert by_no["MJ004"][8] == "分管领导" and by_no["MJ004"][9] is None

    before = await counts(app)
    report = await run_import(app, out)
    assert report.unchanged == 15 and not report.has_changes and not report.errors
    assert await counts(app) == before


async def test_export_keeps_formula_looking_text_as_text(app: App, tmp_path: Path) -> None:
    await run_import(app, SAMPLE)
    dangerous = {
        "note": '=HYPERLINK("http://evil","x")',
        "post": "+1+cmd|' /C calc'!A0",
        "post_duties": "-2+3",
        "name": "@SUM(1)",
    }
    async with app.sessionmaker() as s:
        aux = await repo.person_by_employee_no(s, "FJ0001")
        assert aux is not None
        for attr, value in dangerous.items():
            setattr(aux, attr, value)
        await s.commit()
    out = tmp_path / "out.xlsx"
    async with app.unit_of_work() as svc:
        await svc.roster.export(Actor.cli("test"), out)
    ws = openpyxl.load_workbook(out).active
    row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "FJ0001")
    for cell in (row[3], row[6], row[7], row[11]):
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert [row[i].value for i in (3, 6, 7, 11)] == [
        dangerous["name"],
        dangerous["post"],
        dangerous["post_duties"],
        dangerous["note"],
    ]
    assert not row[2].quotePrefix  # plain text is left alone
    table = roster_io.load(out)
    assert all(not isinstance(c, Formula) for _, cells in table.rows for c in cells)


async def test_export_refuses_other_suffixes(app: App, tmp_path: Path) -> None:
    async with app.unit_of_work() as svc:
        with pytest.raises(InvalidInput) as err:
            await svc.roster.export(Actor.cli("test"), tmp_path / "out.csv")
    assert err.value.key == "roster-export-xlsx-only"


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    return db


def test_cli_import_reports_and_exits_zero(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["roster", "import", str(SAMPLE), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "新增 15 人" in out and "试运行" in out
    assert main(["roster", "import", str(SAMPLE)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert main(["roster", "import", str(SAMPLE), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "unchanged 15" in out and "Nothing changed" in out


def test_cli_bad_file_lists_problems_and_exits_one(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = edited(FJ0002={"性别": "男性"}, FJ0004={"责任民警": "钱多多"})
    path = write_csv(tmp_path / "bad.csv", rows)
    capsys.readouterr()
    assert main(["roster", "import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "第 8 行，「性别」列：性别「男性」无效" in out
    assert "第 10 行，「责任民警」列：找不到「钱多多」" in out
    assert "未写入任何数据" in out
    assert main(["roster", "import", str(path), "--lang", "en"]) == 1
    assert 'row 8, column 性别: Gender "男性" is not valid' in capsys.readouterr().out


def test_cli_unreadable_file_exits_one_with_message(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    capsys.readouterr()
    assert main(["roster", "import", str(path)]) == 1
    assert "文件是空的" in capsys.readouterr().err


def test_cli_export_and_reimport(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(SAMPLE)]) == 0
    out = tmp_path / "roster.xlsx"
    assert main(["roster", "export", str(out)]) == 0
    assert "已导出 15 人" in capsys.readouterr().out
    rows = sample_rows()
    rows.pop()  # FJ0010
    assert main(["roster", "import", str(write_csv(tmp_path / "r.csv", rows))]) == 0
    out_text = capsys.readouterr().out
    assert "不在此文件中" in out_text and "林佳怡(FJ0010)" in out_text
    assert main(["roster", "import", str(out)]) == 0
    assert "没有任何变化" in capsys.readouterr().out


def test_cli_flags_mark_missing_left_and_units_must_exist(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(SAMPLE)]) == 0
    rows = edited(FJ0001={"单位": "示例县公安局/东关派出所"})
    rows.pop()  # FJ0010
    path = write_csv(tmp_path / "r.csv", rows)
    capsys.readouterr()
    assert main(["roster", "import", str(path), "--units-must-exist", "--lang", "en"]) == 1
    assert 'row 7, column 单位: Unit "东关派出所" does not exist' in capsys.readouterr().out
    assert main(["roster", "import", str(path), "--mark-missing-left"]) == 0
    out = capsys.readouterr().out
    assert "新建单位：东关派出所" in out and "已标记为离职" in out and "林佳怡(FJ0010)" in out


def test_both_languages_have_the_same_roster_keys() -> None:
    catalog = Catalog(ROOT / "locales")
    zh = {k for k in catalog.keys["zh_CN"] if k.startswith("roster-")}
    en = {k for k in catalog.keys["en"] if k.startswith("roster-")}
    assert zh == en
    used = set()
    for source in ("bot/roster_io.py", "bot/services/roster.py", "bot/cli/roster.py"):
        used.update(re.findall(r'"(roster-[a-z-]+[a-z])"', (ROOT / source).read_text("utf-8")))
    used.update(f"roster-ref-not-{f}" for f in ("mentor", "leader"))
    used.update(f"roster-field-{f}" for f in (*PERSON_FIELDS, "unit", "roles", "status"))
    assert used <= zh, used - zh
