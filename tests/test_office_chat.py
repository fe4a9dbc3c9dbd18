"""The office in the chat (issue 19): audiences picked with buttons (units, roles), quick
deadline buttons, the escalation list, and exports sent as files into the chat (the same
files as the console's downloads; over the web chat they download)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.core import Document
from bot.services.notices import Composed
from bot.timeparse import parse_quick_token, quick_deadlines, quick_token
from storage.models import Unit
from storage.models_notices import Notice
from tests.chat import ChatUser, chat_users
from tests.console_client import console_client, sign_in
from tests.factories import add_person
from tests.helpers import SHANGHAI, local, tick
from tests.test_webchat import chat, post, registered

__all__ = ["chat"]  # the web chat fixture of tests/test_webchat.py

TEXT = "关于周末集中训练的通知\n周六 8:00 在局大院集合。"


def _document(user: ChatUser) -> Document:
    [reply] = user.last
    assert reply.document is not None, user.text
    return reply.document


def _sheet(doc: Document, index: int = 0) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(doc.content))
    return list(book.worksheets[index].iter_rows(values_only=True))


# --- the audience picker and quick deadlines ---------------------------------------------


async def test_units_and_roles_are_ticked_with_buttons_and_the_count_follows(app: App) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    await office.send("/notice")
    assert "还没有选择" in office.text
    assert not any("下一步" in label for label in office.labels())  # nothing picked yet
    await office.press("城关派出所")
    assert "已选单位：城关派出所；角色：-。共 6 人" in office.text
    assert "☑️ 城关派出所" in office.labels() and "下一步（6 人）" in " ".join(office.labels())
    await office.press("辅警")  # units and roles: both must match
    assert "已选单位：城关派出所；角色：辅警。共 3 人" in office.text
    await office.press("交警大队")  # a second unit: either unit
    assert "交警大队、城关派出所" in office.text and "共 4 人" in office.text
    await office.press("城关派出所")  # untick
    assert "已选单位：交警大队；角色：辅警。共 1 人" in office.text
    assert "⬜ 城关派出所" in office.labels()
    await office.press("带辅民警")  # nobody in 交警大队 is a mentor or an auxiliary: 1 still
    await office.press("交警大队")
    assert "已选单位：-；角色：辅警、带辅民警。共 6 人" in office.text
    await office.press("下一步")
    assert "第 2 步（共 3 步）：范围 role:auxiliary,role:mentor，共 6 人" in office.text
    # a tick on the old picker now changes nothing
    await office.tap("nt:aud:u:2")
    assert "按钮已失效" in office.text


async def test_a_selection_that_reaches_nobody_offers_no_next_step(app: App) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    await office.send("/notice")
    await office.press("交警大队")
    await office.press("政治处辅警办")
    assert "共 0 人" in office.text
    assert not any("下一步" in label for label in office.labels())
    await office.tap("nt:audok")  # pressed anyway (an old message): refused, nothing sent
    assert "范围「unit:交警大队,role:office」内没有在职人员" in office.text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(Notice))).first() is None


async def test_units_come_in_pages_and_ticks_survive_turning_them(app: App) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    async with app.unit_of_work() as svc:
        bureau = (
            await svc.session.execute(select(Unit).where(Unit.name == "示例县公安局"))
        ).scalar_one()
        for i in range(12):
            unit = Unit(name=f"派出所{i:02d}", parent_id=bureau.id, created_at=app.clock.now())
            svc.session.add(unit)
            await svc.session.flush()
            await add_person(
                svc.session, app.clock, employee_no=f"P{i:02d}", name=f"队员{i}", unit=unit
            )
    await office.send("/notice")
    assert "第 1/2 页" in office.labels() and "下一页 ▶" in office.labels()
    await office.press("派出所00")
    await office.press("下一页")
    assert "第 2/2 页" in office.labels() and "◀ 上一页" in office.labels()
    assert not any("派出所00" in label for label in office.labels())
    await office.press("派出所11")
    assert "派出所00、派出所11" in office.text and "共 2 人" in office.text
    await office.press("上一页")
    assert "☑️ 派出所00" in office.labels()


def test_quick_deadlines_are_local_and_only_ahead() -> None:
    tuesday_10 = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    offered = dict(quick_deadlines(tuesday_10, SHANGHAI))
    assert offered == {
        "today": local(2026, 12, 1, 18),
        "tomorrow": local(2026, 12, 2, 12),
        "3days": local(2026, 12, 4, 18),
        "week": local(2026, 12, 8, 18),
    }
    evening = dict(quick_deadlines(local(2026, 12, 1, 17, 30), SHANGHAI))
    assert "today" not in evening and len(evening) == 3  # 18:00 is less than an hour away
    token = quick_token(offered["week"], SHANGHAI)
    assert token == "202612081800" and parse_quick_token(token, SHANGHAI) == offered["week"]
    assert parse_quick_token("2026-12-08", SHANGHAI) is None


async def test_the_deadline_is_a_button_and_the_notice_carries_it(app: App) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    await office.send("/notice")
    await office.press("全体人员")
    await office.send(TEXT)
    await office.press("需要确认")
    assert office.labels()[:4] == [
        "今天 18:00",
        "明天 12:00",
        "3 天后（12-04 18:00）",
        "一周后（12-08 18:00）",
    ]
    tomorrow = office.last[0].buttons[0][1].action
    await office.tap(tomorrow)
    assert "确认截止：2026-12-02 12:00" in office.text
    send = office.last[1].buttons[0][0].action
    await office.tap(tomorrow)  # pressed again (a double tap): changes nothing
    assert "按钮已失效" in office.text
    await office.tap(send)
    async with app.sessionmaker() as s:
        notice = (await s.execute(select(Notice))).scalar_one()
    assert notice.ack_by == local(2026, 12, 2, 12)
    # typing still works, and a typed deadline in the past is refused as before
    await office.send("/notice")
    await office.press("全体人员")
    await office.send(TEXT)
    await office.press("需要确认")
    await office.send("明天")
    assert "无法识别" in office.text


# --- the escalation list ------------------------------------------------------------------


async def test_the_office_sees_open_escalations_and_a_mentor_does_not(
    app: App, clock: FrozenClock
) -> None:
    users = await chat_users(app, "O001", "M001")
    office, mentor = users["O001"], users["M001"]
    await office.send("/menu")
    await office.press("逾期升级")
    assert "目前没有逾期升级的事项" in office.text
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(
            # online-conduct: the confidentiality pledge brings its training along
            Actor.cli(),
            "online-conduct",
            audience="all",
            due_at=local(2026, 12, 1, 12),
        )
    clock.advance(timedelta(hours=3))
    await tick(app)
    await office.send("/menu")
    await office.press("逾期升级")
    text = office.text
    assert "共 4 项" in text and "第 1 级（已通知带辅民警）4 项" in text
    assert "【城关派出所】" in text and "【交警大队】" in text
    line = "张三（A001）《网络社交行为承诺书》截止 2026-12-01 12:00 · 第 1 级 · 已通知 王民警"
    assert line in text
    await office.press("逾期升级清单")
    doc = _document(office)
    assert doc.filename == "escalations.xlsx"
    rows = _sheet(doc)
    assert rows[0][:4] == ("单位", "姓名", "工号", "事项")
    assert {r[2] for r in rows[1:]} == {"A001", "A002", "A003", "A004"}
    await mentor.send("/menu")
    assert not any("逾期升级" in label or "导出" in label for label in mentor.labels())
    await mentor.tap("of:esc")
    assert "没有执行此操作的权限" in mentor.text


# --- export files sent into the chat -----------------------------------------------------


async def test_every_export_is_sent_as_a_file_the_same_as_the_consoles(app: App) -> None:
    users = await chat_users(app, "O001", "M001")
    office = users["O001"]
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", audience="all")
        await svc.training.publish(Actor.cli(), "duties-limits", audience="all")
        sent = await svc.notices.send(
            Actor.cli(), Composed(audience="all", text=TEXT, ack_by=None)
        )
    await office.send("/menu")
    await office.press("导出文件")
    labels = " ".join(office.labels())
    for label in (
        "花名册（Excel）",
        "《保密承诺书》签署情况（Excel）",
        "学习情况（Excel）",
        "风险排查台账 2026-W49（Excel）",
        "逾期升级清单（Excel）",
        "热线知识库缺口（Excel）",
        f"通知 #{sent.notice_id} 关于周末集中训练的通知 已读名单（CSV）",
    ):
        assert label in labels, label

    got: dict[str, Document] = {}
    for label in ("花名册", "签署情况", "学习情况", "风险排查台账", "知识库缺口", "已读名单"):
        await office.send("/menu")
        await office.press("导出文件")
        await office.press(label)
        doc = _document(office)
        assert f"📎 {doc.filename}" in office.text
        got[label] = doc
    assert got["花名册"].filename == "roster.xlsx"
    assert any(r[2] == "A001" and r[3] == "张三" for r in _sheet(got["花名册"]) if len(r) > 3)
    assert got["签署情况"].filename == "pledge-confidentiality-v1.xlsx"
    assert got["学习情况"].filename == "training-duties-limits.xlsx"
    assert got["风险排查台账"].filename == "register-2026-W49.xlsx"
    readers = got["已读名单"]
    assert readers.filename == f"notice-{sent.notice_id}-readers.csv"
    lines = readers.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("单位,姓名,工号") and any("张三" in line for line in lines)

    # the console's download of the same export holds the same rows
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        resp = await client.get("/console/pledges/confidentiality/export")
        console = Document("x.xlsx", await resp.read())
    assert _sheet(console) == _sheet(got["签署情况"])
    assert _sheet(console, 1) == _sheet(got["签署情况"], 1)


async def test_the_pledge_status_and_notice_views_offer_their_file(app: App) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", audience="all")
        sent = await svc.notices.send(
            Actor.cli(), Composed(audience="all", text=TEXT, ack_by=None)
        )
    await office.send("/status")
    await office.press("保密承诺书")
    await office.press("签署情况（Excel）")
    assert _document(office).filename == "pledge-confidentiality-v1.xlsx"
    await office.tap(f"nt:st:{sent.notice_id}")
    await office.press("已读 / 未读名单")
    assert _document(office).filename == f"notice-{sent.notice_id}-readers.csv"


async def test_exports_are_for_the_office_only(app: App) -> None:
    users = await chat_users(app, "M001", "L001", "A001")
    for no, user in users.items():
        for token in ("of:ex", "of:x:roster", "of:x:esc", "of:x:gaps", "of:x:reg:2026-W49"):
            await user.tap(token)
            assert all(r.document is None for r in user.last), (no, token)
            assert "没有执行此操作的权限" in user.text, (no, token)


async def test_an_export_downloads_from_the_web_chat(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await registered(app, client, "O001")
    _, menu = await post(client, csrf, "message", {"id": "m1", "text": "/menu"})
    entry = menu["entries"][-1]
    exports = next(b for r in entry["buttons"] for b in r if "导出文件" in b["label"])
    body = {"id": "b1", "action": exports["action"], "message_id": entry["id"]}
    _, shown = await post(client, csrf, "button", body)
    choices = shown["entries"][-1]
    roster = next(b for r in choices["buttons"] for b in r if "花名册" in b["label"])
    body = {"id": "b2", "action": roster["action"], "message_id": choices["id"]}
    _, sent = await post(client, csrf, "button", body)
    [file_entry] = [e for e in sent["entries"] if e.get("document")]
    assert file_entry["document"] == "roster.xlsx"
    resp = await client.get(f"/chat/api/doc/{file_entry['pos']}")
    assert resp.status == 200
    assert "roster.xlsx" in resp.headers["Content-Disposition"]
    rows = _sheet(Document("roster.xlsx", await resp.read()))
    assert any("张三" in [str(c) for c in r] for r in rows)


@pytest.mark.parametrize("token", ["of:x:p:no-such-pledge", "of:x:n:9999", "of:x:reg:2026-W99"])
async def test_a_bad_export_token_is_refused_with_a_message(app: App, token: str) -> None:
    office = (await chat_users(app, "O001"))["O001"]
    await office.tap(token)
    assert office.last and office.last[0].document is None
    assert office.text  # said why (no such pledge, notice or week), nothing sent
