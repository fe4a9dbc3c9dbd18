"""The console's roster pages (issue 17), route by route and role by role on SQLite and
PostgreSQL: the units' quotas (员额) on the people page, the change filings (备案) with a
date filter and an export, and the roster in the statistics table's layout. Office only:
a leader or a mentor gets 403 and never sees a quota or a filing."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from bot.actor import Actor
from bot.app import App
from tests.console_client import console_client, csrf_of, sign_in
from tests.factories import bind_account, make_force
from tests.roster_form_fixture import write_form
from tests.test_roster_form import run_import

OFFICE = {"office": 200, "leader": 403, "mentor": 403}
ROUTES: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("GET", "/console/people", {}, {"office": 200, "leader": 200, "mentor": 200}),
    ("GET", "/console/roster/changes", {}, OFFICE),
    ("GET", "/console/roster/changes?since=2026-12-01&until=2026-12-31", {}, OFFICE),
    ("GET", "/console/roster/changes?since=yesterday", {}, {**OFFICE, "office": 400}),
    ("GET", "/console/roster/changes.xlsx?since=2026-12-01", {}, OFFICE),
    ("GET", "/console/roster/form.xlsx", {}, OFFICE),
    (
        "POST",
        "/console/roster/quota",
        {"unit": "城关派出所", "quota": "20"},
        {**OFFICE, "office": 303},
    ),
    (
        "POST",
        "/console/roster/quota",
        {"unit": "城关派出所", "quota": "很多"},
        {**OFFICE, "office": 400},
    ),
    (
        "POST",
        "/console/roster/quota",
        {"unit": "无此单位", "quota": "3"},
        {**OFFICE, "office": 400},
    ),
]
WHO = {"office": "O001", "leader": "L001", "mentor": "M001"}
MOVED = {
    (0, 1): {"责任民警": "赵红梅"},
    (0, 2): {"岗位名称": "巡逻辅警", "岗位职责": "协助民警开展街面巡逻防控"},
}


async def _setup(app: App, tmp_path: Path) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001"):
            await bind_account(svc.session, app.clock, force[no])
    assert not (await run_import(app, write_form(tmp_path / "1.xlsx", units=(0,)))).errors
    moved = await run_import(app, write_form(tmp_path / "2.xlsx", units=(0,), edit=MOVED))
    assert not moved.errors and moved.filings == 2


@pytest.mark.parametrize("role", ["office", "leader", "mentor"])
async def test_every_roster_route_as_each_role(app: App, tmp_path: Path, role: str) -> None:
    await _setup(app, tmp_path)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, WHO[role])
        for method, path, data, expected in ROUTES:
            if method == "GET":
                resp = await client.get(path, allow_redirects=False)
            else:
                resp = await client.post(path, data={"csrf": csrf, **data}, allow_redirects=False)
            body = (await resp.read()).decode("utf-8", "replace")
            assert resp.status == expected[role], (method, path, resp.status, body[:300])
            if role != "office":
                assert "<td>赵红梅</td><td>" not in body or path == "/console/people", path
                assert "员额" not in body and "变更备案" not in body, path
        people = await (await client.get("/console/people")).text()
        assert ('id="quotas"' in people) is (role == "office")


async def test_nobody_is_sent_to_the_login_page(app: App, tmp_path: Path) -> None:
    await _setup(app, tmp_path)
    async with console_client(app) as client:
        for method, path, data, _ in ROUTES:
            if method == "GET":
                resp = await client.get(path, allow_redirects=False)
                assert resp.status == 302, path
                assert resp.headers["Location"].startswith("/console/login?next="), path
            else:
                login = await client.get("/console/login")
                resp = await client.post(
                    path, data={"csrf": csrf_of(await login.text()), **data}, allow_redirects=False
                )
                assert resp.status == 303 and resp.headers["Location"] == "/console/login"


async def test_the_office_sets_a_quota_on_the_people_page(app: App, tmp_path: Path) -> None:
    await _setup(app, tmp_path)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        resp = await client.post(
            "/console/roster/quota", data={"csrf": csrf, "unit": "城关派出所", "quota": "１０"}
        )
        page = await resp.text()
        assert resp.status == 200 and "员额已更新。" in page
        assert (
            '<td>城关派出所</td><td>15</td><td>10</td><td><span class="bad">5</span></td>' in page
        )
        refused = await client.post(
            "/console/roster/quota", data={"csrf": csrf, "unit": "城关派出所", "quota": "-1"}
        )
        assert refused.status == 400 and "员额“-1”无效" in await refused.text()
        async with app.unit_of_work() as svc:
            [count] = [
                c for c in await svc.roster.headcounts(Actor.cli()) if c.unit == "城关派出所"
            ]
        assert (count.quota, count.headcount) == (10, 15)  # the bad value changed nothing
        await client.post(
            "/console/roster/quota", data={"csrf": csrf, "unit": "城关派出所", "quota": ""}
        )
        page = await (await client.get("/console/people")).text()
        assert "<td>城关派出所</td><td>15</td><td>未核定</td>" in page


async def test_the_filings_page_lists_each_change_and_exports_them(
    app: App, tmp_path: Path
) -> None:
    await _setup(app, tmp_path)
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        page = await (await client.get("/console/roster/changes")).text()  # this month
        assert "变更备案 <small>(2)</small>" in page
        assert "<td>带辅民警变更</td><td>李卫东</td><td>赵红梅</td>" in page
        assert "<td>岗位调整</td><td>社区辅警（协助社区民警走访群众）</td>" in page
        assert "教育管理责任书尚未发布" in page  # the successor's letter, for the mentor change
        later = await (await client.get("/console/roster/changes?since=2026-12-02")).text()
        assert "变更备案 <small>(0)</small>" in later
        export = await client.get("/console/roster/changes.xlsx?since=2026-12-01&until=2026-12-01")
        assert export.status == 200
        rows = list(
            openpyxl.load_workbook(io.BytesIO(await export.read())).active.iter_rows(
                values_only=True
            )
        )
        assert rows[0][:7] == ("时间", "单位", "姓名", "工号", "变更事项", "变更前", "变更后")
        assert [r[4] for r in rows[1:]] == ["带辅民警变更", "岗位调整"]
        english = await (await client.get("/console/roster/changes?lang=en")).text()
        assert "mentor officer changed" in english and "has not been published" in english


async def test_the_form_export_is_the_statistics_table(app: App, tmp_path: Path) -> None:
    await _setup(app, tmp_path)
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        resp = await client.get("/console/roster/form.xlsx")
        assert resp.status == 200
        assert (
            "filename*=UTF-8''%E7%BB%9F%E8%AE%A1%E8%A1%A8.xlsx"
            in resp.headers["Content-Disposition"]
        )
        path = tmp_path / "back.xlsx"
        path.write_bytes(await resp.read())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["交警大队", "城关派出所"]
    # 欧阳娜娜 of 交警大队 has a mentor and a leader of 城关派出所: named with their numbers
    assert list(wb["交警大队"].iter_rows(values_only=True))[3][6:8] == (
        "赵民警(M002)",
        "李所长(L001)",
    )
    assert (
        next(wb["城关派出所"].iter_rows(values_only=True))[0]
        == "警务辅助人员带辅责任民警和分管责任领导统计表"
    )
    # the factory's people have posts the post list has not seen: those are listed now
    again = await run_import(app, path, new_posts=True)
    assert not again.errors, again.errors
    assert not (again.created or again.updated or again.binding_changes or again.officers_created)
