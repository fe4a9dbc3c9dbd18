"""Pressing a button that changes nothing wrote an audit event anyway (137 presses of
clearing an already-empty register reporter wrote 137 events), and forged tokens such as
`pl:o:²` or a 20-digit id gave the generic error instead of the stale-button message.
A press (or a CLI call) that leaves things as they were is not audited; any token that
is not a well-formed button of ours is a stale button."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.actions import Btn
from bot.actor import Actor
from bot.app import App
from storage.models import AuditEvent
from tests.test_checkins import open_w49, setup_force

STALE = "这个按钮已失效"


async def _events(app: App, kind: str) -> int:
    async with app.sessionmaker() as s:
        return await s.scalar(select(func.count()).where(AuditEvent.kind == kind)) or 0


async def test_clearing_an_empty_reporter_or_picking_the_same_one_is_not_audited(
    app: App,
) -> None:
    users = await setup_force(app)
    await open_w49(app)
    li = users["L001"]
    for _ in range(5):  # nobody designated: clearing changes nothing
        await li.tap(Btn.REGISTER_REPORTER_CLEAR)
        assert "已取消指定" in li.text
    assert await _events(app, "register.reporter_set") == 0

    await li.send("/register")
    await li.press("指定填报人")
    pick = next(b.action for r in li.last for row in r.buttons for b in row if "张三" in b.label)
    for _ in range(3):  # a double tap designates once
        await li.tap(pick)
        assert "已指定 张三" in li.text
    assert await _events(app, "register.reporter_set") == 1
    for _ in range(3):
        await li.tap(Btn.REGISTER_REPORTER_CLEAR)
    assert await _events(app, "register.reporter_set") == 2


async def test_setting_the_same_quota_again_is_not_audited(app: App) -> None:
    await setup_force(app)
    for _ in range(3):
        async with app.unit_of_work() as svc:
            await svc.roster.set_quota(Actor.cli(), "城关派出所", 12)
    assert await _events(app, "unit.quota_set") == 1


@pytest.mark.parametrize(
    "token",
    [
        "pl:o:²",  # a digit to str.isdigit(), not to int()
        "pl:o:" + "9" * 20,  # more than any id column holds
        "hl:t:" + "1" * 12,
        "pl:o:-1",
        "pl:o:1.5",
        "pl:o:",
        "pl:o:１",  # a full-width digit
        "garbage",
        "zz:zz:1",
        "::",
    ],
)
async def test_a_forged_token_is_a_stale_button(app: App, token: str) -> None:
    users = await setup_force(app)
    await open_w49(app)
    for who in ("A001", "O001"):
        await users[who].tap(token)
        assert STALE in users[who].text, (token, users[who].text)
