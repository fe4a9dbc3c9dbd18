"""Signature numbers had gaps (the first two signatures got QS00000021 and QS00000023):
they were audit sequence numbers, shared with every other audited event. Signatures are
now numbered from their own gapless counter: also when two people sign at once, and a
signing that is rolled back gives its number back."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.services import Services
from storage.models import Signature
from tests.chat import ChatUser
from tests.factories import bind_account, make_force
from tests.helpers import local, sign_pledge

KEY = "online-conduct"


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in ("A001", "A002", "A003", "A004"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), KEY, due_at=local(2026, 12, 15, 12))
    return {emp: ChatUser(app.conversation(), emp) for emp in ("A001", "A002")}


async def _sign(user: ChatUser, name: str) -> None:
    await user.send("/menu")
    await user.press("我的任务")
    await user.press("阅读")
    while any("下一页" in label for label in user.labels()):
        await user.press("下一页")
    await user.press("我已阅读并同意")
    await user.send(name)


async def _sign_in(svc: Services, employee_no: str) -> str:
    return await sign_pledge(svc, employee_no, KEY)


async def _numbers(app: App) -> list[str]:
    async with app.sessionmaker() as s:
        return sorted((await s.execute(select(Signature.signature_no))).scalars())


async def test_the_first_signatures_are_numbered_one_two(app: App) -> None:
    users = await _setup(app)
    async with app.unit_of_work() as svc:  # more audited events between the signatures
        await svc.registration.issue_codes(Actor.cli(), employee_no="M001")
    await _sign(users["A001"], "张三")
    assert "QS00000001" in users["A001"].text
    await users["A002"].send("/menu")
    await users["A002"].press("我的任务")
    await users["A002"].press("阅读")
    await users["A002"].press("我已阅读并同意")
    await users["A002"].send("王五")  # a wrong name: refused, audited
    await _sign(users["A002"], "李四")
    assert "QS00000002" in users["A002"].text
    assert await _numbers(app) == ["QS00000001", "QS00000002"]


async def test_a_rolled_back_signing_gives_its_number_back(app: App) -> None:
    await _setup(app)
    async with app.writer() as session:
        svc = Services(session, clock=app.clock, settings=app.settings, catalog=app.catalog)
        assert await _sign_in(svc, "A001") == "QS00000001"
        await session.rollback()
    async with app.unit_of_work() as svc:
        assert await _sign_in(svc, "A002") == "QS00000001"
    assert await _numbers(app) == ["QS00000001"]


async def test_people_signing_at_once_get_consecutive_numbers(app: App) -> None:
    await _setup(app)

    async def sign(employee_no: str) -> str:
        async with app.writer() as session:
            svc = Services(session, clock=app.clock, settings=app.settings, catalog=app.catalog)
            number = await _sign_in(svc, employee_no)
            await session.commit()
            return number

    got = await asyncio.gather(*(sign(emp) for emp in ("A001", "A002", "A003", "A004")))
    assert sorted(got) == ["QS00000001", "QS00000002", "QS00000003", "QS00000004"]
    assert await _numbers(app) == sorted(got)
