"""Pledge office views: the export workbook, the receipt page, the CLI and /status in the bot."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from bot.content import load_pledges
from bot.errors import NotAllowed
from bot.reports.pledge_export import write_pledge_export
from bot.reports.receipt import render_receipt
from storage.db import make_engine
from storage.models import Assignment, Person, PledgeVersion, Signature
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import local, sign_pledge

DUE = local(2026, 12, 15, 12, 0)
KEY = "online-conduct"


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "M001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
    return users


async def _publish(app: App) -> None:
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), KEY, audience="all", due_at=DUE)


async def _sign(user: ChatUser, name: str) -> None:
    await user.send("/menu")
    await user.press("我的任务")
    await user.press("阅读")
    while any("下一页" in label for label in user.labels()):
        await user.press("下一页")
    await user.press("我已阅读并同意")
    await user.send(name)
    assert "签署成功" in user.text


async def _export(app: App, path: Path, lang: str | None = None) -> openpyxl.Workbook:
    async with app.unit_of_work() as svc:
        rows = await svc.pledges.export_rows(Actor.cli(), KEY)
        version = await svc.pledges.latest_version(KEY)
    write_pledge_export(path, rows, t=app.translator(lang), version=version, now=app.clock.now())
    return openpyxl.load_workbook(path)


def _sheet(wb: openpyxl.Workbook, title: str) -> list[tuple[object, ...]]:
    return list(wb[title].iter_rows(values_only=True))


class _PreText(HTMLParser):
    """What a browser shows inside <pre id="signed-text">, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or (tag == "pre" and ("id", "signed-text") in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


def _pre_text(page: str) -> str:
    parser = _PreText()
    parser.feed(page)
    parser.close()
    return parser.text


async def test_export_one_row_per_person_with_status_and_unit_summary(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    users = await _setup(app)
    async with app.unit_of_work() as svc:
        station = (await svc.people.get(Actor.cli(), "A001")).unit
        # a roster name that Excel would run as a formula must stay text
        await add_person(svc.session, clock, employee_no="A010", name="=1+2", unit=station)
    await _publish(app)
    await _sign(users["A001"], "张三")
    async with app.sessionmaker() as s:
        sig = (await s.execute(select(Signature))).scalar_one()

    wb = await _export(app, tmp_path / "out.xlsx")
    assert wb.sheetnames == ["签署明细", "单位汇总"]
    detail = _sheet(wb, "签署明细")
    assert detail[0] == (
        "单位",
        "姓名",
        "工号",
        "带辅民警",
        "分管领导",
        "状态",
        "签署时间",
        "版本",
        "文件哈希",
        "签署编号",
        "截止时间",
        "备注",
    )
    by_emp = {row[2]: row for row in detail[1:]}
    assert sorted(by_emp) == ["A001", "A002", "A003", "A004", "A010"]  # auxiliaries only
    signed = by_emp["A001"]
    assert signed[:8] == (
        "城关派出所",
        "张三",
        "A001",
        "王民警",
        "李所长",
        "签署",
        "2026-12-01 10:00:00",
        1,
    )
    assert signed[8] == sig.document_sha256 and signed[9] == sig.signature_no
    assert by_emp["A002"][5:10] == ("待签", None, 1, None, None)
    assert by_emp["A002"][10] == "2026-12-15 12:00"
    assert wb["签署明细"][f"B{detail.index(by_emp['A010']) + 1}"].data_type == "s"
    assert by_emp["A010"][1] == "=1+2"

    summary = {row[0]: row[1:] for row in _sheet(wb, "单位汇总")[1:]}
    assert summary["城关派出所"][:5] == (4, 1, 3, 0, 0)
    assert summary["城关派出所"][5] == pytest.approx(0.25)
    assert summary["交警大队"][:5] == (1, 0, 1, 0, 0)
    assert summary["合计"][:5] == (5, 1, 4, 0, 0)

    clock.set(DUE + timedelta(minutes=1))
    wb = await _export(app, tmp_path / "late.xlsx", lang="en")
    assert wb.sheetnames == ["Signatures", "Summary by unit"]
    detail = _sheet(wb, "Signatures")
    assert detail[0][:3] == ("Unit", "Name", "Employee no.")
    statuses = {row[2]: row[5] for row in detail[1:]}
    assert statuses == {
        "A001": "Signed",
        "A002": "Overdue",
        "A003": "Overdue",
        "A004": "Overdue",
        "A010": "Overdue",
    }
    summary = {row[0]: row[1:] for row in _sheet(wb, "Summary by unit")[1:]}
    assert summary["Total"][:5] == (5, 1, 4, 4, 0)


async def signed(app: App) -> tuple[dict[str, ChatUser], Signature, PledgeVersion, Person]:
    """The pledge published and signed by A001 (typing "张 三") in the chat."""
    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张 三")
    async with app.unit_of_work() as svc:
        number = (await svc.session.execute(select(Signature.signature_no))).scalar_one()
        sig, text, person = await svc.pledges.receipt(Actor.cli(), number)
    return users, sig, text, person


async def test_receipt_holds_the_exact_signed_text_and_its_hash(app: App) -> None:
    users, sig, text, person = await signed(app)
    alice = users["A001"]
    page = render_receipt(
        app.translator(),
        signature=sig,
        text=text,
        person=person,
        generated_at=app.clock.now(),
    )
    shown = _pre_text(page)
    assert shown == text.body
    digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    assert digest == sig.document_sha256 == text.sha256
    assert digest[:12] in alice.text  # the fingerprint the chat receipt showed
    assert sig.signature_no in alice.text
    for fact in (
        sig.signature_no,
        "张三",
        "A001",
        "城关派出所",
        "张 三",
        "第 1 版（zh_CN）",
        sig.document_sha256,
        "2026-12-01 10:00:00 (Asia/Shanghai)",
        "2026-12-01T02:00:00+00:00",
        sig.audit_hash,
        "muster audit verify",
    ):
        assert fact in page, fact
    assert "@media print" in page and "A4" in page


async def test_receipt_and_export_are_for_office_only(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张三")
    async with app.unit_of_work() as svc:
        mentor = Actor.of(await svc.people.get(Actor.cli(), "M001"))
        number = (await svc.session.execute(select(Signature.signature_no))).scalar_one()
        with pytest.raises(NotAllowed):
            await svc.pledges.receipt(mentor, number)
        with pytest.raises(NotAllowed):
            await svc.pledges.export_rows(mentor, KEY)
        with pytest.raises(NotAllowed):
            await svc.pledges.published_keys(mentor)


async def test_office_sees_status_in_the_bot_and_a_mentor_does_not(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    office, mentor = users["O001"], users["M001"]
    await office.send("/status")
    assert "还没有发布任何承诺书" in office.text
    await _publish(app)
    await _sign(users["A001"], "张三")

    await office.send("/menu")
    await office.press("签署情况")
    assert "选择要查看签署情况的承诺书" in office.text
    await office.press("网络社交行为承诺书")
    assert "《网络社交行为承诺书》第 1 版签署情况" in office.text
    assert "合计：应签 4 · 已签 1 · 待签 3 · 逾期 0 · 已免除 0" in office.text
    assert "【城关派出所】应签 3 · 已签 1 · 待签 2 · 逾期 0 · 已免除 0" in office.text
    assert "【交警大队】应签 1 · 已签 0 · 待签 1 · 逾期 0 · 已免除 0" in office.text
    assert "城关派出所 李四（A002）截止 2026-12-15 12:00" in office.text
    assert "张三" not in office.text  # signed: not pending

    clock.set(DUE + timedelta(hours=1))
    await office.send("/status")
    await office.press("网络社交行为承诺书")
    assert "待签 3 · 逾期 3" in office.text
    assert "⚠️ 交警大队 欧阳娜娜（A004）已于 2026-12-15 12:00 逾期" in office.text

    await mentor.send("/menu")
    assert not any("签署情况" in label for label in mentor.labels())
    await mentor.send("/status")
    assert "您没有执行此操作的权限" in mentor.text
    await mentor.tap(f"of:pk:{KEY}")  # an office button forwarded or guessed
    assert "您没有执行此操作的权限" in mentor.text
    assert "李四" not in mentor.text


# --- the CLI against a database made by `muster db upgrade` ----------------------------


async def _make_people(url: str) -> None:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, make_engine(url), SystemClock())
    try:
        async with app.unit_of_work() as svc:
            force = await make_force(svc.session, app.clock)
            await bind_account(svc.session, app.clock, force["A001"], user_id="A001")
    finally:
        await app.close()


async def _query(url: str, *statements: object) -> list[object]:
    """Run statements on the CLI's database; return each result's rows."""
    engine = make_engine(url)
    out: list[object] = []
    try:
        async with engine.begin() as conn:
            for stmt in statements:
                result = await conn.execute(stmt)  # type: ignore[call-overload]
                out.append(result.all() if result.returns_rows else result.rowcount)
    finally:
        await engine.dispose()
    return out


async def _sign_directly(url: str, employee_no: str) -> str:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, make_engine(url), SystemClock())
    try:
        async with app.unit_of_work() as svc:
            return await sign_pledge(svc, employee_no, KEY, message_id="77")
    finally:
        await app.close()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_make_people(url))
    return url


def signed_text(cli_db: str) -> tuple[str, str]:
    """The Chinese text of the published pledge and its SHA-256, as stored."""
    ((body, sha),) = asyncio.run(
        _query(
            cli_db,
            select(PledgeVersion.body, PledgeVersion.sha256).where(
                PledgeVersion.key == KEY, PledgeVersion.locale == "zh_CN"
            ),
        )
    )[0]
    return body, sha


def _lines_starting(out: str, word: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if line.startswith(word)]


def test_cli_publish_status_export_receipt(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["pledge", "publish", KEY, "--audience", "all", "--due", "2099-12-15T12:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    docs = load_pledges(Settings(_env_file=None).content_dir)[KEY]  # type: ignore[call-arg]
    assert "《网络社交行为承诺书》（online-conduct）第 1 版：新版本" in out
    assert "新分配：4 人" in out
    assert "截止时间：2099-12-15 12:00（Asia/Shanghai）" in out
    assert f"文本 SHA-256（zh_CN）：{docs['zh_CN'].sha256}" in out
    assert f"文本 SHA-256（en）：{docs['en'].sha256}" in out
    (dues,) = asyncio.run(_query(cli_db, select(Assignment.due_at).distinct()))
    assert dues == [(datetime(2099, 12, 15, 4, 0, tzinfo=UTC),)]  # 12:00 in Shanghai
    assert main(args) == 0  # the same again: nothing new
    assert "该版本此前已发布" in (out := capsys.readouterr().out) and "新分配：0 人" in out

    number = asyncio.run(_sign_directly(cli_db, "A001"))
    asyncio.run(
        _query(
            cli_db,
            update(Assignment)
            .where(
                Assignment.person_id
                == select(Person.id).where(Person.employee_no == "A002").scalar_subquery()
            )
            .values(due_at=datetime(2020, 1, 1, tzinfo=UTC)),
        )
    )
    assert main(["pledge", "status", KEY]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["单位", "应签", "已签", "待签", "逾期", "已免除"]
    assert _lines_starting(out, "城关派出所")[0] == ["城关派出所", "3", "1", "2", "1", "0"]
    assert _lines_starting(out, "交警大队")[0] == ["交警大队", "1", "0", "1", "0", "0"]
    assert _lines_starting(out, "合计")[0] == ["合计", "4", "1", "3", "1", "0"]
    assert "待签 3 人：" in out
    pending = {row[2]: row for row in _lines_starting(out, "城关派出所")[1:]}
    assert pending["A002"] == ["城关派出所", "李四", "A002", "2020-01-01", "08:00", "逾期"]
    assert pending["A003"] == ["城关派出所", "王五", "A003", "2099-12-15", "12:00"]

    assert main(["pledge", "status", KEY, "--unit", "交警大队", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "城关派出所" not in out and "Pending: 1 people" in out
    assert _lines_starting(out, "交警大队")[1] == [
        "交警大队",
        "欧阳娜娜",
        "A004",
        "2099-12-15",
        "12:00",
    ]

    xlsx = tmp_path / "export.xlsx"
    assert main(["pledge", "export", KEY, "--out", str(xlsx)]) == 0
    assert f"已导出 4 行到 {xlsx}" in capsys.readouterr().out
    statuses = {r[2]: r[5] for r in _sheet(openpyxl.load_workbook(xlsx), "签署明细")[1:]}
    assert statuses == {"A001": "签署", "A002": "逾期", "A003": "待签", "A004": "待签"}

    html_file = tmp_path / "receipt.html"
    assert main(["pledge", "receipt", number.lower(), "--out", str(html_file)]) == 0
    assert number in capsys.readouterr().out
    page = html_file.read_text(encoding="utf-8")
    body, sha = signed_text(cli_db)
    assert _pre_text(page) == body and hashlib.sha256(body.encode()).hexdigest() == sha
    assert re.search(r"消息 ID</th><td[^>]*>77<", page)


def test_cli_refuses_bad_input_with_exit_codes(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    for bad in ("2099-12-15", "15/12/2099 12:00", "2099-13-01T12:00", "tomorrow"):
        assert main(["pledge", "publish", KEY, "--audience", "all", "--due", bad]) == 2
        err = capsys.readouterr().err
        assert f"截止时间「{bad}」格式不对" in err and "YYYY-MM-DDTHH:MM" in err
    assert asyncio.run(_query(cli_db, select(Assignment.id))) == [[]]  # nothing published

    assert main(["pledge", "publish", KEY, "--audience", "all", "--due", "2020-01-01T08:00"]) == 1
    assert "截止时间必须晚于现在" in capsys.readouterr().err
    assert main(["pledge", "publish", KEY, "--audience", "unit:没有的所"]) == 1
    assert "没有名为「没有的所」的单位" in capsys.readouterr().err
    assert main(["pledge", "receipt", "QS99999999", "--out", str(tmp_path / "r.html")]) == 1
    assert "没有编号为 QS99999999 的签署记录" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_cli_unknown_or_unpublished_key_is_a_clear_error(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["pledge", "status", KEY]) == 1
    assert "承诺书 online-conduct 尚未发布" in capsys.readouterr().err
    assert main(["pledge", "publish", "nope", "--audience", "all"]) == 1
    assert "没有名为 nope 的承诺书" in capsys.readouterr().err
