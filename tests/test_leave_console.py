"""The leave form on the console's person page, route by route and role by role, on SQLite
and PostgreSQL: office staff set and end anybody's leave, a unit leader those of his unit's
people, a mentor nobody's; bad input is said next to the form and changes nothing; a form
submitted twice acts once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import App
from storage.models_leave import PersonLeave
from tests.console_client import FORM_ID, console_client, csrf_of, sign_in
from tests.factories import bind_account, make_force

WHO = {"office": "O001", "leader": "L001", "mentor": "M001"}
SICK = {"category": "sick", "first_day": "2026-12-10", "last_day": "2026-12-14", "note": "住院"}
# (method, path, expected per role); A001 is in the leader's unit and bound to M001, A004
# is in another unit
ROUTES: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/console/people/A001", {"office": 200, "leader": 200, "mentor": 200}),
    ("POST", "/console/people/A001/leave", {"office": 303, "leader": 303, "mentor": 403}),
    ("POST", "/console/people/A001/leave/end", {"office": 303, "leader": 303, "mentor": 403}),
    ("POST", "/console/people/A004/leave", {"office": 303, "leader": 403, "mentor": 403}),
    ("POST", "/console/people/A004/leave/end", {"office": 303, "leader": 403, "mentor": 403}),
    ("POST", "/console/people/NOBODY/leave", {"office": 404, "leader": 404, "mentor": 404}),
]


async def _setup(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001", "A001", "A004"):
            await bind_account(svc.session, app.clock, force[no])


async def _leaves(app: App) -> int:
    async with app.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(PersonLeave))).scalar_one())


def _form_id(html: str) -> str:
    match = FORM_ID.search(html)
    return match.group(1) if match else "none"


@pytest.mark.parametrize("role", ["office", "leader", "mentor"])
async def test_every_leave_route_as_each_role(app: App, role: str) -> None:
    await _setup(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, WHO[role])
        for method, path, expected in ROUTES:
            if method == "GET":
                resp = await client.get(path, allow_redirects=False)
                body = await resp.text()
                assert ('id="leave-form"' in body) == (role != "mentor"), path
            else:
                person = await client.get(path.split("/leave")[0])
                data = {**SICK, "csrf": csrf, "form_id": _form_id(await person.text())}
                resp = await client.post(path, data=data, allow_redirects=False)
            assert resp.status == expected[role], (method, path, resp.status)
    assert await _leaves(app) == {"office": 2, "leader": 1, "mentor": 0}[role]


async def test_the_page_shows_the_leave_and_the_form_acts_once(app: App) -> None:
    await _setup(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        page = await client.get("/console/people/A001")
        data = {**SICK, "csrf": csrf, "form_id": _form_id(await page.text())}
        first = await client.post("/console/people/A001/leave", data=data)
        assert first.status == 200 and "已登记请假" in await first.text()
        again = await client.post("/console/people/A001/leave", data=data)  # resubmitted
        assert again.status == 400
        assert await _leaves(app) == 1
        body = await (await client.get("/console/people/A001")).text()
        cells = r"<td>病假</td><td>2026-12-10</td><td>2026-12-14</td><td>(\S+?)</td>"
        row = re.search(cells, body)
        assert row is not None and row.group(1) == "待休"


async def test_bad_input_is_said_next_to_the_form_and_changes_nothing(app: App) -> None:
    await _setup(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        page = await client.get("/console/people/A001")
        data = {
            **SICK,
            "last_day": "2026-12-01",
            "csrf": csrf,
            "form_id": _form_id(await page.text()),
        }
        resp = await client.post("/console/people/A001/leave", data=data)
        body = await resp.text()
        assert resp.status == 400
        assert "结束日期 2026-12-01 早于开始日期 2026-12-10" in body
        assert 'value="2026-12-10"' in body  # what was typed stays in the form
        ended = await client.post(
            "/console/people/A001/leave/end",
            data={"csrf": csrf, "form_id": _form_id(body)},
        )
        assert ended.status == 400 and "没有在休或待休的假期" in await ended.text()
    assert await _leaves(app) == 0


async def test_nobody_is_sent_to_the_login_page(app: App) -> None:
    await _setup(app)
    async with console_client(app) as client:
        login = await client.get("/console/login")
        resp = await client.post(
            "/console/people/A001/leave",
            data={**SICK, "csrf": csrf_of(await login.text())},
            allow_redirects=False,
        )
        assert resp.status == 303 and resp.headers["Location"] == "/console/login"
    assert await _leaves(app) == 0
