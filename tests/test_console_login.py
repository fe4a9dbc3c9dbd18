"""Signing in to the console: a code sent to the bound chat account, the lockout after
5 wrong codes (atomic across processes), one-time login links, `muster login-link`."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.cli.web import login_link
from bot.clock import FrozenClock
from bot.services.web_auth import CodeWrong, LinkInvalid, LoginLocked
from storage.models_console import ConsoleLock
from tests.console_client import console_client, csrf_of
from tests.factories import bind_account, make_force
from tests.helpers import outbox_for

CODE = re.compile(r"<b>(\d{6})</b>")


async def _force(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001", "A001"):
            await bind_account(svc.session, app.clock, force[no])


async def _code_for(app: App, employee_no: str) -> str:
    rows = [r for r in await outbox_for(app, employee_no) if r.kind == "web.login"]
    assert rows, "no login code in the outbox"
    match = CODE.search(rows[-1].text)
    assert match
    return match.group(1)


async def test_a_code_sent_to_the_chat_signs_in(app: App) -> None:
    await _force(app)
    async with console_client(app) as client:
        login = await client.get("/console/login")
        csrf = csrf_of(await login.text())
        resp = await client.post("/console/login", data={"csrf": csrf, "employee_no": "L001"})
        assert "验证码已发送" in await resp.text()
        rows = [r for r in await outbox_for(app, "L001") if r.kind == "web.login"]
        assert len(rows) == 1 and rows[0].chat_id  # to the bound chat account, not shown
        code = await _code_for(app, "L001")
        assert code not in await resp.text()
        resp = await client.post(
            "/console/login/code",
            data={"csrf": csrf, "employee_no": "L001", "code": code},
            allow_redirects=False,
        )
        assert resp.status == 303
        cookie = resp.cookies["muster_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        home = await client.get("/console/")
        assert "李所长" in await home.text()
        again = await client.post(  # the code is spent
            "/console/login/code",
            data={"csrf": csrf, "employee_no": "L001", "code": code},
            allow_redirects=False,
        )
        assert again.status == 403


async def test_a_code_expires_after_five_minutes(app: App, clock: FrozenClock) -> None:
    await _force(app)
    async with app.unit_of_work() as svc:
        assert await svc.web_auth.request_code("O001")
    code = await _code_for(app, "O001")
    clock.advance(timedelta(minutes=5, seconds=1))
    with pytest.raises(CodeWrong):
        async with app.unit_of_work() as svc:
            await svc.web_auth.verify_code("O001", code)


async def _wrong(app: App, employee_no: str) -> type[Exception]:
    try:
        async with app.sessionmaker() as session:
            from bot.services import Services  # noqa: PLC0415

            svc = Services(session, clock=app.clock, settings=app.settings, catalog=app.catalog)
            try:
                await svc.web_auth.verify_code(employee_no, "000000")
            finally:
                await session.commit()  # the failure counts, as the web layer keeps it
    except (CodeWrong, LoginLocked) as exc:
        return type(exc)
    raise AssertionError("a wrong code was accepted")


async def test_five_wrong_codes_lock_the_number_for_15_minutes(
    app: App, clock: FrozenClock
) -> None:
    await _force(app)
    async with app.unit_of_work() as svc:
        await svc.web_auth.request_code("O001")
    code = await _code_for(app, "O001")
    results = [await _wrong(app, "O001") for _ in range(5)]
    assert results == [CodeWrong] * 4 + [LoginLocked]
    with pytest.raises(LoginLocked):  # even the right code is refused while locked
        async with app.unit_of_work() as svc:
            await svc.web_auth.verify_code("O001", code)
    with pytest.raises(LoginLocked):  # and no new code is sent
        async with app.unit_of_work() as svc:
            await svc.web_auth.request_code("O001")
    clock.advance(timedelta(minutes=15, seconds=1))
    async with app.unit_of_work() as svc:
        await svc.web_auth.request_code("O001")
    async with app.unit_of_work() as svc:
        new = await svc.web_auth.verify_code("O001", await _code_for(app, "O001"))
    assert new.person.employee_no == "O001"


async def test_concurrent_wrong_codes_never_slip_past_the_lock(app: App) -> None:
    """Ten wrong codes at once (as from several processes): exactly five are counted
    before the lock, the rest are refused as locked; the count is one UPDATE."""
    await _force(app)
    results = await asyncio.gather(*(_wrong(app, "O001") for _ in range(10)))
    assert results.count(CodeWrong) == 4
    assert results.count(LoginLocked) == 6
    async with app.sessionmaker() as s:
        lock = (await s.execute(select(ConsoleLock))).scalar_one()
    assert lock.failures >= 5 and lock.locked_until is not None


async def test_a_login_link_works_once_within_ten_minutes(app: App, clock: FrozenClock) -> None:
    await _force(app)
    url = await login_link(app, "O001", actor=Actor.cli("test"))
    assert url.startswith("http://127.0.0.1:8080/console/login/link?token=")
    token = url.rsplit("=", 1)[1]
    async with app.unit_of_work() as svc:
        await svc.web_auth.redeem_link(token)
    with pytest.raises(LinkInvalid):
        async with app.unit_of_work() as svc:
            await svc.web_auth.redeem_link(token)
    late = (await login_link(app, "O001", actor=Actor.cli("test"))).rsplit("=", 1)[1]
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(LinkInvalid):
        async with app.unit_of_work() as svc:
            await svc.web_auth.redeem_link(late)


async def test_logins_are_audited_with_the_person(app: App) -> None:
    await _force(app)
    url = await login_link(app, "M001", actor=Actor.cli("cli:login-link"))
    async with app.unit_of_work() as svc:
        await svc.web_auth.redeem_link(url.rsplit("=", 1)[1])
        events = await svc.console.audit_events(Actor.cli())
    kinds = [(e.kind, e.actor) for e in events]
    assert ("console.login", "person:M001") in kinds
    assert ("console.link_issued", "cli:login-link") in kinds
