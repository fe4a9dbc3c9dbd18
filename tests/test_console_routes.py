"""The office console, route by route and role by role, on SQLite and PostgreSQL.

Every route is walked as office staff, a unit leader, a mentor and nobody (an auxiliary
cannot sign in at all): allowed (200), refused (403), unknown (404) or sent to the login
page. A hotline question and its asker's name are office-only: they never appear in a page
served to a leader or a mentor.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.services.web_auth import NoConsole
from tests.console_client import console_client, csrf_of, sign_in
from tests.factories import bind_account, make_force

EXTERNAL = re.compile(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", re.IGNORECASE)
SECRET = "机密咨询XYZZY"  # the office-only string: a hotline question

ALL = {"office": 200, "leader": 200, "mentor": 200}
OFFICE = {"office": 200, "leader": 403, "mentor": 403}
# (method, path, expected per role); {ticket} is filled in
ROUTES: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/console/", ALL),
    ("GET", "/console/people", ALL),
    ("GET", "/console/people?q=张&bound=yes&unreachable=1", ALL),
    ("GET", "/console/people/A001", ALL),  # in the leader's unit, bound to mentor M001
    ("GET", "/console/people/A003", {"office": 200, "leader": 200, "mentor": 403}),
    ("GET", "/console/people/A004", {"office": 200, "leader": 403, "mentor": 403}),
    ("GET", "/console/people/NOBODY", {"office": 404, "leader": 404, "mentor": 404}),
    ("GET", "/console/people/export", OFFICE),
    ("GET", "/console/roster/import", OFFICE),
    ("GET", "/console/escalations", ALL),
    ("GET", "/console/notices", OFFICE),
    ("GET", "/console/notices/new", OFFICE),
    ("GET", "/console/notices/9999", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/notices/abc", {"office": 404, "leader": 404, "mentor": 404}),
    ("GET", "/console/notices/9999/readers.csv", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/pledges", OFFICE),
    ("GET", "/console/pledges/confidentiality", OFFICE),
    ("GET", "/console/pledges/confidentiality/signatures", OFFICE),
    ("GET", "/console/pledges/confidentiality/export", OFFICE),
    ("GET", "/console/receipts/S-NOPE", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/receipts/S-NOPE/pdf", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/training", OFFICE),
    ("GET", "/console/training/duties-limits", OFFICE),
    ("GET", "/console/training/duties-limits/export", OFFICE),
    ("GET", "/console/training/no-such-module", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/hotline", OFFICE),
    ("GET", "/console/hotline?closed=1", OFFICE),
    ("GET", "/console/hotline-gaps", OFFICE),
    ("GET", "/console/hotline-gaps/export", OFFICE),
    ("GET", "/console/hotline/{ticket}", OFFICE),
    ("GET", "/console/hotline/9999", {"office": 404, "leader": 403, "mentor": 403}),
    ("GET", "/console/checkins", ALL),
    ("GET", "/console/checkins?week=2026-W49", ALL),
    ("GET", "/console/checkins/register.xlsx", OFFICE),
    ("GET", "/console/audit", OFFICE),
    ("POST", "/console/audit/verify", OFFICE),
    ("POST", "/console/audience/count", OFFICE),
    ("POST", "/console/hotline/{ticket}/close", {"office": 303, "leader": 403, "mentor": 403}),
    # without a form id and a reason: refused, and no name shown (tests/test_sealed_askers.py)
    ("POST", "/console/hotline/{ticket}/asker", {"office": 400, "leader": 403, "mentor": 403}),
]
WHO = {"office": "O001", "leader": "L001", "mentor": "M001"}


async def _setup(app: App) -> int:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001", "M002", "A001", "A002", "A003", "A004"):
            await bind_account(svc.session, app.clock, force[no])
        ref = await svc.hotline.ask(Actor.of(force["A001"]), SECRET, anonymous=False)
        await svc.pledges.publish(Actor.cli(), "confidentiality", audience="all")
        await svc.training.publish(Actor.cli(), "duties-limits", audience="all")
    return ref.id


@pytest.mark.parametrize("role", ["office", "leader", "mentor"])
async def test_every_route_as_each_role(app: App, role: str) -> None:
    ticket = await _setup(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, WHO[role])
        for method, path, expected in ROUTES:
            url = path.format(ticket=ticket)
            if method == "GET":
                resp = await client.get(url, allow_redirects=False)
            else:
                resp = await client.post(url, data={"csrf": csrf}, allow_redirects=False)
            body = (await resp.read()).decode("utf-8", "replace")  # an export is binary
            assert resp.status == expected[role], (method, url, resp.status, body[:300])
            assert not EXTERNAL.search(body), url  # intranets have no Internet: no CDN, no font
            if role != "office":
                assert SECRET not in body, url
                assert "张三" not in body or "hotline" not in url
            assert "张三" not in body or "hotline" not in url  # the asker: for a reason only
        if role == "office":
            page = await client.get(f"/console/hotline/{ticket}")
            assert SECRET in await page.text()


async def test_nobody_is_sent_to_the_login_page(app: App) -> None:
    ticket = await _setup(app)
    async with console_client(app) as client:
        for method, path, _expected in ROUTES:
            url = path.format(ticket=ticket)
            if method == "GET":
                resp = await client.get(url, allow_redirects=False)
                assert resp.status == 302, url
                assert resp.headers["Location"].startswith("/console/login?next="), url
            else:
                login = await client.get("/console/login")
                resp = await client.post(
                    url, data={"csrf": csrf_of(await login.text())}, allow_redirects=False
                )
                assert resp.status == 303, url
                assert resp.headers["Location"] == "/console/login"
            assert SECRET not in await resp.text()
        static = await client.get("/console/static/console.css")
        assert static.status == 200  # assets are public, and served from the package


async def test_an_auxiliary_cannot_sign_in(app: App) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        with pytest.raises(NoConsole):
            await svc.web_auth.issue_link(Actor.cli("test"), "A001")
    async with console_client(app) as client:
        login = await client.get("/console/login")
        csrf = csrf_of(await login.text())
        resp = await client.post("/console/login", data={"csrf": csrf, "employee_no": "A001"})
        assert resp.status == 200  # the same answer as for anyone: numbers cannot be probed
        async with app.unit_of_work() as svc:
            assert not [r for r in await _outbox(svc) if r.kind == "web.login"]
        resp = await client.post(
            "/console/login/code",
            data={"csrf": csrf, "employee_no": "A001", "code": "123456"},
            allow_redirects=False,
        )
        assert resp.status == 403
        home = await client.get("/console/", allow_redirects=False)
        assert home.status == 302


async def _outbox(svc):  # type: ignore[no-untyped-def]
    from sqlalchemy import select  # noqa: PLC0415

    from storage.models import Outbox  # noqa: PLC0415

    return (await svc.session.execute(select(Outbox))).scalars().all()


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app: App) -> None:
    await _setup(app)
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        for data in ({}, {"csrf": "wrong"}):
            resp = await client.post("/console/people/A001/unbind", data=data)
            assert resp.status == 403
        page = await client.get("/console/people/A001")
        assert "web-done" not in await page.text()
        async with app.unit_of_work() as svc:
            detail = await svc.console.person(Actor.cli(), "A001", locale="zh_CN")
        assert all(a.unbound_at is None for a in detail.accounts)


async def test_unbinding_ends_that_persons_sessions(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    async with console_client(app) as office, console_client(app) as mentor:
        csrf = await sign_in(office, app, "O001")
        await sign_in(mentor, app, "M001")
        clock.advance(timedelta(seconds=5))
        resp = await office.post("/console/people/M001/unbind", data={"csrf": csrf})
        assert resp.status == 200
        assert "已解绑" in await resp.text()
        gone = await mentor.get("/console/", allow_redirects=False)
        assert gone.status == 302


async def test_sessions_end_after_30_idle_minutes_and_after_12_hours(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        clock.advance(timedelta(minutes=29))
        assert (await client.get("/console/", allow_redirects=False)).status == 200
        clock.advance(timedelta(minutes=31))
        assert (await client.get("/console/", allow_redirects=False)).status == 302
        await sign_in(client, app, "O001")
        for _ in range(25):  # busy all day: never idle, yet 12 hours is the limit
            clock.advance(timedelta(minutes=29))
            await client.get("/console/", allow_redirects=False)
        assert (await client.get("/console/", allow_redirects=False)).status == 302


async def test_logout_ends_the_session(app: App) -> None:
    await _setup(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "L001")
        resp = await client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
        assert resp.status == 303
        assert (await client.get("/console/", allow_redirects=False)).status == 302


async def test_leaving_the_force_ends_the_session(app: App) -> None:
    from sqlalchemy import update  # noqa: PLC0415

    from storage.models import Person  # noqa: PLC0415

    await _setup(app)
    async with console_client(app) as client:
        await sign_in(client, app, "L001")
        async with app.unit_of_work() as svc:  # as a roster import marking him "left" does
            await svc.session.execute(
                update(Person).where(Person.employee_no == "L001").values(status="left")
            )
        assert (await client.get("/console/", allow_redirects=False)).status == 302


async def test_muster_unbind_from_the_cli_ends_the_session(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    async with console_client(app) as client:
        await sign_in(client, app, "M001")
        clock.advance(timedelta(seconds=1))
        async with app.unit_of_work() as svc:  # what `muster unbind M001` calls
            assert await svc.registration.unbind(Actor.cli("cli:unbind"), "M001") == 1
        assert (await client.get("/console/", allow_redirects=False)).status == 302
