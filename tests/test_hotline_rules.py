"""Issue 18: noise refused, per-unit hotline contacts, and the gaps loop for the office."""

from __future__ import annotations

import asyncio
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Incoming, Kind
from bot.errors import NotAllowed
from bot.services.hotline import BadContact, ContactFields, FromChat, NoSuchUnit, NotAQuestion
from storage.db import make_engine
from storage.models_hotline import HotlineGap, Ticket, UnitContact
from tests.chat import ChatUser
from tests.factories import bind_account, make_force

UNKNOWN = "借调期间社保谁交"  # the knowledge base has nothing close enough


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "A004", "M001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
    return users


async def _actor(app: App, employee_no: str) -> Actor:
    async with app.unit_of_work() as svc:
        return Actor.of(await svc.people.get(Actor.cli(), employee_no))


async def _count(app: App, model: type) -> int:
    async with app.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.fixture
def cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """A migrated SQLite file with the test force, for `muster` commands."""
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0

    async def force() -> None:
        app = _cli_app(url)
        try:
            async with app.unit_of_work() as svc:
                await make_force(svc.session, app.clock)
        finally:
            await app.close()

    asyncio.run(force())
    capsys.readouterr()
    return url


def _cli_app(url: str) -> App:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    return App(settings, make_engine(url), SystemClock())


@pytest.fixture
def cli_questions(cli_db: str) -> None:
    """Three unanswered questions, two of them alike; one looks like a formula."""

    async def ask() -> None:
        app = _cli_app(cli_db)
        try:
            for emp, question in (
                ("A001", UNKNOWN),
                ("A002", "=1+1 社保谁交"),
                ("A004", "单位停车位怎么申请"),
            ):
                async with app.unit_of_work() as svc:
                    actor = Actor.of(await svc.people.get(Actor.cli(), emp))
                    await svc.hotline.lookup(actor, question, locale="zh_CN")
        finally:
            await app.close()

    asyncio.run(ask())


# --- noise ---------------------------------------------------------------------------------


@pytest.mark.parametrize("noise", ["7", "-1", "？？？", "👍", "好", "１２３", "..."])
async def test_noise_gets_a_hint_never_an_answer(app: App, noise: str) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send(noise)
    assert "请用文字写出您的问题" in alice.text
    assert "来源" not in alice.text and alice.labels() == []
    await alice.send(f"/ask {noise}")
    assert "请用文字写出您的问题" in alice.text
    assert await _count(app, HotlineGap) == 0 and await _count(app, Ticket) == 0


async def test_english_noise_hint(app: App) -> None:
    users = await _setup(app)
    bob = users["A004"]
    await bob.send("/lang en")
    await bob.send("5")
    assert "Please type it in words" in bob.text and "housing fund" not in bob.text


async def test_number_beyond_the_buttons_on_screen_is_not_a_button(app: App) -> None:
    users = await _setup(app)
    alice = users["A001"]
    await alice.send("年假有几天")
    assert "连续工作满一年" in alice.text
    # the console numbers buttons and sends a number beyond them as text
    await alice._do(Incoming(alice.account, Kind.TEXT, text="7", buttons_shown=2))  # noqa: SLF001
    assert "「7」不是按钮的编号：上面的消息只有 2 个按钮" in alice.text
    # the question on screen is still the one "Ask a person" hands on
    await alice.tap("hl:p")  # the earlier message's "Ask a person"
    assert "年假有几天" in alice.text and "将转交政治处辅警办" in alice.text


async def test_service_refuses_noise_for_a_person_too(app: App) -> None:
    await _setup(app)
    alice = await _actor(app, "A001")
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAQuestion):
            await svc.hotline.lookup(alice, "７", locale="zh_CN")
        with pytest.raises(NotAQuestion):
            await svc.hotline.ask(alice, "？", anonymous=False, chat=FromChat())


# --- per-unit contacts ---------------------------------------------------------------------


async def test_a_units_own_contact_is_shown_to_its_people_else_the_bureaus(app: App) -> None:
    users = await _setup(app)
    office = await _actor(app, "O001")
    async with app.unit_of_work() as svc:
        row = await svc.hotline.set_unit_contact(
            office, "城关派出所", ContactFields(phone="0571-12345678", email="cg@example.org")
        )
    assert row.effective.phone == "0571-12345678" and row.effective.unit == "城关派出所"
    assert row.effective.hours == app.settings.hotline_hours  # a field not set: the bureau's
    alice, bob = users["A001"], users["A004"]  # 城关派出所, 交警大队
    await alice.send("/help")
    assert "0571-12345678" in alice.text and "cg@example.org" in alice.text
    await bob.send("/help")
    assert app.settings.hotline_phone in bob.text and "0571-12345678" not in bob.text
    # no answer: the unit's phone and mailbox
    await alice.send(UNKNOWN)
    assert "0571-12345678" in alice.text and "cg@example.org" in alice.text
    # the entry on reaching the hotline ends with the asker's own contacts
    await alice.send("热线电话是多少")
    assert "您单位的政策咨询：电话 0571-12345678，邮箱 cg@example.org" in alice.text
    await bob.send("热线电话是多少")
    assert f"电话 {app.settings.hotline_phone}" in bob.text
    # a parent unit's contact reaches the units under it; the unit's own comes first
    async with app.unit_of_work() as svc:
        await svc.hotline.set_unit_contact(
            office, "示例县公安局", ContactFields(hours="8:00-18:00")
        )
    await bob.send("/help")
    assert "8:00-18:00" in bob.text
    await alice.send("/help")
    assert "8:00-18:00" in alice.text and "0571-12345678" in alice.text
    # an empty text clears a field: back to the bureau's
    async with app.unit_of_work() as svc:
        await svc.hotline.set_unit_contact(office, "城关派出所", ContactFields(phone=""))
        rows = {r.unit: r for r in await svc.hotline.unit_contacts(office)}
    assert rows["城关派出所"].own == ContactFields(email="cg@example.org")
    assert rows["城关派出所"].effective.phone == app.settings.hotline_phone
    assert rows["交警大队"].effective.hours == "8:00-18:00"
    assert rows["交警大队"].effective.unit == "示例县公安局"


async def test_bad_contact_or_unit_changes_nothing(app: App) -> None:
    await _setup(app)
    office = await _actor(app, "O001")
    for contact, error in (
        (ContactFields(email="not-a-mailbox"), BadContact),
        (ContactFields(phone="1" * 65), BadContact),
    ):
        async with app.unit_of_work() as svc:
            with pytest.raises(error):
                await svc.hotline.set_unit_contact(office, "城关派出所", contact)
    async with app.unit_of_work() as svc:
        with pytest.raises(NoSuchUnit):
            await svc.hotline.set_unit_contact(office, "没有这个所", ContactFields(phone="1"))
    assert await _count(app, UnitContact) == 0


async def test_everyone_may_read_their_contact_only_office_may_set_it(app: App) -> None:
    await _setup(app)
    for emp in ("M001", "A001"):
        actor = await _actor(app, emp)
        async with app.unit_of_work() as svc:
            contact = await svc.hotline.contact(actor)
            assert contact.phone == app.settings.hotline_phone
            with pytest.raises(NotAllowed):
                await svc.hotline.set_unit_contact(actor, "城关派出所", ContactFields(phone="1"))
            with pytest.raises(NotAllowed):
                await svc.hotline.unit_contacts(actor)


def test_cli_contact_set_list_and_sheet_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cli_db: str
) -> None:
    assert main(["hotline", "contact", "城关派出所", "--phone", "0571-1111"]) == 0
    out = capsys.readouterr().out
    assert "已更新 城关派出所" in out and "电话 0571-1111" in out and "（本单位设置）" in out
    assert main(["hotline", "contact", "城关派出所"]) == 2  # nothing to set
    assert main(["hotline", "contact", "无此单位", "--phone", "1"]) == 1
    assert "没有名为「无此单位」的单位" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "单位,电话,邮箱,时间\n交警大队,0571-2222,jj@example.org,8:30-17:30\n"
        "城关派出所,0571-3333,wrong,\n无此单位,1,,\n",
        encoding="utf-8",
    )
    assert main(["hotline", "contacts", "--import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "第 3 行" in err and "第 4 行" in err  # every bad row, not just the first
    assert main(["hotline", "contacts"]) == 0
    listed = capsys.readouterr().out
    assert "0571-2222" not in listed and "0571-1111" in listed  # all rows or none
    good = tmp_path / "good.csv"
    good.write_text("单位,电话,邮箱\n交警大队,0571-2222,jj@example.org\n", encoding="gb18030")
    assert main(["hotline", "contacts", "--import", str(good), "--lang", "en"]) == 0
    listed = capsys.readouterr().out
    assert "交警大队: phone 0571-2222, mailbox jj@example.org" in listed
    assert "城关派出所: phone 0571-1111" in listed
    # a roster workbook with a sheet 政策咨询 next to the people
    book = openpyxl.Workbook()
    book.active.append(["工号", "姓名", "单位"])
    sheet = book.create_sheet("政策咨询")
    sheet.append(["单位", "时间"])
    sheet.append(["城关派出所", "8:00-17:00"])
    roster = tmp_path / "花名册.xlsx"
    book.save(roster)
    assert main(["hotline", "contacts", "--import", str(roster)]) == 0
    assert "城关派出所：电话 0571-1111，邮箱 hotline@example.org，工作日 8:00-17:00" in (
        capsys.readouterr().out
    )


# --- gaps ------------------------------------------------------------------------------------


async def test_unanswered_and_handed_on_questions_are_kept_and_grouped(app: App) -> None:
    users = await _setup(app)
    alice, lisi, bob, office_user = users["A001"], users["A002"], users["A004"], users["O001"]
    await alice.send("年假有几天")  # confident: not a gap
    await office_user.send(f"/ask {UNKNOWN}")  # office trying entries out: not a gap
    await alice.send("7")  # noise: not a gap
    assert await _count(app, HotlineGap) == 0
    await alice.send(UNKNOWN)  # none
    await bob.send("借调了社保谁给交啊")  # the same question in other words
    await lisi.send("借调到交警大队社保咋办")
    await lisi.press("转人工")
    await lisi.press("匿名提问")  # anonymous: the gap must not name李四
    await alice.send("辅警能不能留长发")  # suggestions only
    await alice.press("转人工")
    await alice.press("署名提问")  # named: still no name in the gaps
    await bob.send("年假有几天")  # answered, but still handed to a person
    await bob.press("转人工")
    await bob.press("署名提问")
    assert await _count(app, HotlineGap) == 5  # a handed-on question is kept once
    office = await _actor(app, "O001")
    async with app.unit_of_work() as svc:
        groups = await svc.hotline.gaps(office)
    [first, *rest] = groups
    assert first.number == 1 and first.count == 3 and first.tickets == 1
    assert {q.question for q in first.questions} == {
        UNKNOWN,
        "借调了社保谁给交啊",
        "借调到交警大队社保咋办",
    }
    assert first.example == "借调到交警大队社保咋办"  # the latest
    assert first.faq_hint == "si-types"
    anonymous = next(q for q in first.questions if q.ticket_number)
    assert anonymous.outcome == "person"
    hair = next(g for g in rest if g.example == "辅警能不能留长发")
    assert hair.questions[0].ticket_number and hair.questions[0].outcome == "person"
    assert "张三" not in repr(groups)  # named or not, the gaps name no asker
    leave = next(g for g in rest if g.example == "年假有几天")
    assert leave.answered_now == "leave-annual"  # the knowledge base answers it already
    assert "李四" not in repr(groups)
    # mentors never see them
    mentor = await _actor(app, "M001")
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.hotline.gaps(mentor)


async def test_gaps_since_leaves_older_questions_out(app: App, clock: object) -> None:
    users = await _setup(app)
    await users["A001"].send(UNKNOWN)
    office = await _actor(app, "O001")
    async with app.unit_of_work() as svc:
        assert len(await svc.hotline.gaps(office)) == 1
        later = app.clock.now().replace(year=app.clock.now().year + 1)
        assert await svc.hotline.gaps(office, since=later) == []


def test_cli_kb_gaps_lists_and_exports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cli_db: str, cli_questions: None
) -> None:
    out_file = tmp_path / "gaps.xlsx"
    assert main(["kb", "gaps", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "知识库未能解答的问题：3 个，归为 2 组" in out
    assert "#1 · 2 次" in out and "例：" in out and "已导出到" in out
    wb = openpyxl.load_workbook(out_file)
    groups, questions = wb.worksheets
    assert [c.value for c in groups[1]][:2] == ["组", "次数"]
    assert groups.max_row == 3 and questions.max_row == 4
    cells = [c for row in questions.iter_rows(min_row=2) for c in row]
    formula = next(c for c in cells if c.value == "=1+1 社保谁交")
    assert formula.data_type == "s"  # never a formula
    assert main(["kb", "gaps", "--lang", "en", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "in 2 group(s)" in out and "#1 · 2 time(s)" in out and "#2" not in out
