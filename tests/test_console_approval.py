"""The console's notice approvals (issue 21), route by route and role by role, and the
journey: one office staffer writes a notice for the whole force, the console keeps it for
approval, a second one approves it (it is then sent) or returns another with a reason."""

from __future__ import annotations

import re

import pytest

from bot.actor import Actor
from bot.app import App
from bot.services.notice_approval import Submitted
from bot.services.notices import Composed
from storage.models import Role
from tests.console_client import FORM_ID, console_client, sign_in
from tests.factories import Force, add_person, bind_account, make_force
from tests.helpers import outbox_for

OFFICE = {"office": 200, "leader": 403, "mentor": 403}
WHO = {"office": "O001", "leader": "L001", "mentor": "M001"}


async def _setup(app: App) -> tuple[Force, int]:
    """The force, a second office staffer O002 and a draft of his waiting (limit 5)."""
    app.settings.notice_approval_over = 5
    async with app.unit_of_work() as svc:
        f = await make_force(svc.session, app.clock)
        f.people["O002"] = await add_person(
            svc.session,
            app.clock,
            employee_no="O002",
            name="吴审核",
            unit=f.bureau,
            roles=(Role.OFFICE,),
        )
        for no in ("O001", "O002", "L001", "M001"):
            await bind_account(svc.session, app.clock, f[no])
        draft = await svc.notice_approvals.send(
            Actor.of(f["O002"]), Composed(audience="all", text="全局通知\n机密XYZZY内容")
        )
    assert isinstance(draft, Submitted)
    return f, draft.draft_id


@pytest.mark.parametrize("role", ["office", "leader", "mentor"])
async def test_every_approval_route_as_each_role(app: App, role: str) -> None:
    _, draft = await _setup(app)
    routes = [
        ("GET", "/console/notices", OFFICE),
        ("GET", "/console/approvals", OFFICE),
        ("GET", f"/console/approvals/{draft}", OFFICE),
        ("GET", "/console/approvals/9999", {**OFFICE, "office": 404}),
        ("GET", "/console/approvals/abc", {"office": 404, "leader": 404, "mentor": 404}),
        # refusals that change nothing: no reason given; a stale form
        ("POST", f"/console/approvals/{draft}/return", {**OFFICE, "office": 409}),
        ("POST", f"/console/approvals/{draft}/approve", {**OFFICE, "office": 409}),
    ]
    async with console_client(app) as client:
        csrf = await sign_in(client, app, WHO[role])
        for method, path, expected in routes:
            if method == "GET":
                resp = await client.get(path, allow_redirects=False)
            else:
                data = {"csrf": csrf, "form_id": "x" if "return" in path else ""}
                resp = await client.post(path, data=data, allow_redirects=False)
            body = await resp.text()
            assert resp.status == expected[role], (method, path, resp.status, body[:300])
            if role != "office":
                assert "XYZZY" not in body, path
    async with app.unit_of_work() as svc:
        [waiting] = await svc.notice_approvals.waiting(Actor.cli())
    assert waiting.id == draft  # still waiting


async def test_nobody_is_sent_to_the_login_page(app: App) -> None:
    _, draft = await _setup(app)
    async with console_client(app) as client:
        for path in ("/console/approvals", f"/console/approvals/{draft}"):
            resp = await client.get(path, allow_redirects=False)
            assert resp.status == 302 and resp.headers["Location"].startswith("/console/login")


async def test_a_notice_for_everyone_waits_and_a_second_staffer_approves_it(app: App) -> None:
    _, waiting = await _setup(app)
    async with console_client(app) as writer, console_client(app) as approver:
        csrf = await sign_in(writer, app, "O001")
        form = {"csrf": csrf, "title": "", "body": "全员大会通知\n周五 15:00 在礼堂召开。"}
        preview = await (await writer.post("/console/notices/preview", data=form)).text()
        assert 'id="needs-approval"' in preview and "发送对象 9 人，超过 5 人" in preview
        assert ">提交审批</button>" in preview
        send = {
            **form,
            "audience": re.search(r'name="audience" value="([^"]+)"', preview).group(1),  # type: ignore[union-attr]
            "form_id": FORM_ID.search(preview).group(1),  # type: ignore[union-attr]
        }
        resp = await writer.post("/console/notices/send", data=send, allow_redirects=False)
        assert resp.status == 303
        url = resp.headers["Location"]
        assert re.fullmatch(r"/console/approvals/\d+\?done=submitted", url)
        mine = await (await writer.get(url)).text()
        assert (
            "已提交审批，批准后发出。" in mine
            and 'id="own"' in mine
            and 'id="approve"' not in mine
        )
        assert (await writer.post("/console/notices/send", data=send)).status == 409  # once

        csrf2 = await sign_in(approver, app, "O002")
        listing = await (await approver.get("/console/approvals")).text()
        assert listing.count("全员大会通知") == 1 and "周政工" in listing
        page = await (await approver.get(url.split("?")[0])).text()
        assert 'id="approve"' in page and "周五 15:00 在礼堂召开。" in page
        approve = {"csrf": csrf2, "form_id": FORM_ID.search(page).group(1)}  # type: ignore[union-attr]
        done = await approver.post(
            f"{url.split('?')[0]}/approve", data=approve, allow_redirects=False
        )
        assert done.status == 303 and re.fullmatch(
            r"/console/notices/\d+", done.headers["Location"]
        )
        twice = await approver.post(f"{url.split('?')[0]}/approve", data=approve)
        assert twice.status == 409  # a double click acts once
        notice = await (await approver.get(done.headers["Location"])).text()
        assert "全员大会通知" in notice
        assert [r.kind for r in await outbox_for(app, "A001")] == ["notice"]

        # O002's own draft: O001 returns it with a reason
        own = await (await approver.get(f"/console/approvals/{waiting}")).text()
        assert 'id="own"' in own
        page = await (await writer.get(f"/console/approvals/{waiting}")).text()
        back = {"csrf": csrf, "form_id": FORM_ID.search(page).group(1), "reason": "范围太大"}  # type: ignore[union-attr]
        resp = await writer.post(f"/console/approvals/{waiting}/return", data=back)
        text = await resp.text()
        assert resp.status == 200 and "已退回，已告知提交人。" in text and "范围太大" in text
    told = [r for r in await outbox_for(app, "O002") if r.kind == "notice.decided"]
    assert len(told) == 1 and "退回理由：范围太大" in told[0].text
