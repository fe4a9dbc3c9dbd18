"""Registration: invite codes, binding, wrong codes, lockout, unbind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.core import Account
from bot.errors import NotAllowed
from bot.services.registration import CodeRejected, LockedOut
from storage import audit
from storage import people as repo
from tests.chat import ChatUser
from tests.factories import make_force
from tests.helpers import AUDIT_KEY_BYTES


async def _issue(app: App, employee_no: str) -> str:
    async with app.unit_of_work() as svc:
        codes = await svc.registration.issue_codes(Actor.cli(), employee_no=employee_no)
    return codes[0].code


async def test_code_binds_account_and_greets_by_name(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    user = ChatUser(app.conversation(), "tg100")
    await user.send("/start")
    assert "邀请码" in user.text
    await user.send(code)
    assert "张三" in user.text
    assert "主菜单" in user.text
    async with app.sessionmaker() as s:
        acc = await repo.active_account(s, "test", "tg100")
        assert acc is not None
        count, broken = await audit.verify(s, AUDIT_KEY_BYTES)
        assert broken is None and count == 2  # issued + bound


async def test_deep_link_full_width_and_spaces_are_normalized(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A002")
    full_width = " ".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
    user = ChatUser(app.conversation(), "tg101")
    await user.send("/start")
    await user.send(full_width)
    assert "李四" in user.text


async def test_used_and_expired_codes_are_refused(app: App, clock: FrozenClock) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    first = ChatUser(app.conversation(), "tg1")
    await first.send(f"/start {code}")
    assert "张三" in first.text
    second = ChatUser(app.conversation(), "tg2")
    await second.send(f"/start {code}")
    assert "已经被使用" in second.text

    code2 = await _issue(app, "A002")
    clock.advance(timedelta(days=15))
    third = ChatUser(app.conversation(), "tg3")
    await third.send(f"/start {code2}")
    assert "过期" in third.text


async def test_five_wrong_codes_lock_for_fifteen_minutes(app: App, clock: FrozenClock) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A003")
    user = ChatUser(app.conversation(), "tg5")
    await user.send("/start")
    for _ in range(4):
        await user.send("AAAA-AAAA")
        assert "不正确" in user.text
    await user.send("AAAA-AAAA")
    assert "15 分钟" in user.text
    await user.send(code)  # the right code is refused while locked
    assert "分钟后再试" in user.text
    clock.advance(timedelta(minutes=15, seconds=1))
    await user.send(code)
    assert "王五" in user.text


async def test_bound_account_cannot_take_another_code(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code1, code2 = await _issue(app, "A001"), await _issue(app, "A002")
    user = ChatUser(app.conversation(), "tg7")
    await user.send(f"/start {code1}")
    await user.send(f"/start {code2}")
    assert "已经完成绑定" in user.text
    other = ChatUser(app.conversation(), "tg8")
    await other.send(f"/start {code2}")
    assert "李四" in other.text


async def test_unregistered_user_only_gets_how_to_register(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    user = ChatUser(app.conversation(), "tg9")
    for attempt in ("/menu", "/status", "你好", "/help"):
        await user.send(attempt)
        assert "邀请码" in user.text, attempt
        assert not user.labels()
    await user.tap("m:home")
    assert "邀请码" in user.text


async def test_unbind_requires_office_and_is_audited(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    user = ChatUser(app.conversation(), "tg10")
    await user.send(f"/start {code}")
    async with app.unit_of_work() as svc:
        mentor = await repo.person_by_employee_no(svc.session, "M001")
        assert mentor is not None
        with pytest.raises(NotAllowed):
            await svc.registration.unbind(Actor.of(mentor), "A001")
    async with app.unit_of_work() as svc:
        office = await repo.person_by_employee_no(svc.session, force["O001"].employee_no)
        assert office is not None
        assert await svc.registration.unbind(Actor.of(office), "A001") == 1
    await user.send("/menu")
    assert "邀请码" in user.text
    async with app.sessionmaker() as s:
        count, broken = await audit.verify(s, AUDIT_KEY_BYTES)
        assert broken is None and count == 3


async def test_lang_switch_is_remembered(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    user = ChatUser(app.conversation(), "tg11")
    await user.send(f"/start {code}")
    await user.send("/lang")
    await user.press("English")
    assert "English" in user.text
    await user.send("/menu")
    assert "Main menu" in user.text
    await user.send("/lang zh_CN")
    assert "主菜单" in user.text


async def test_parallel_wrong_codes_do_not_pass_the_limit(app: App) -> None:
    """Tries at the same moment (several processes, no conversation lock between them)
    each count: at most five codes are looked at, then the account is locked."""
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    code = await _issue(app, "A001")
    account = Account(channel="test", external_user_id="tg-guess", chat_id="tg-guess")

    async def guess(raw: str) -> str:
        async with app.unit_of_work() as svc:
            try:
                await svc.registration.redeem(account, raw)
            except (CodeRejected, LockedOut) as exc:
                return type(exc).__name__
        return "bound"

    outcomes = await asyncio.gather(*(guess(f"WRONG{i:03d}") for i in range(12)))
    assert outcomes.count("CodeRejected") == 4, outcomes
    assert outcomes.count("LockedOut") == 8, outcomes
    assert await guess(code) == "LockedOut"  # the right code waits out the lock too
