"""The console's pages doing the office's work, and refusing bad input: roster import
(check first, nothing written on errors, confirm once), notices, pledges, hotline replies,
uploads too large or of the wrong type, HTML shown as text, stale forms."""

from __future__ import annotations

import io
import re

from aiohttp import FormData

from bot.actor import Actor
from bot.app import App
from bot.config import ROOT
from bot.services.hotline import FromChat
from tests.console_client import FORM_ID, console_client, sign_in
from tests.factories import bind_account, make_force
from tests.helpers import sealed_for

SAMPLE = (ROOT / "content" / "sample" / "roster.csv").read_text(encoding="utf-8")


async def _force(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in ("O001", "L001", "M001", "A001", "A002", "A003"):
            await bind_account(svc.session, app.clock, force[no])


def _upload(csrf: str, name: str, content: bytes) -> FormData:
    data = FormData()
    data.add_field("csrf", csrf)
    data.add_field(
        "file", io.BytesIO(content), filename=name, content_type="application/octet-stream"
    )
    return data


async def test_roster_upload_lists_every_problem_then_the_fixed_file_imports_once(
    app: App,
) -> None:
    await _force(app)
    bad = SAMPLE.replace(",男,45,", ",男性,45,", 1).replace(",女,41,", ",女,四十一,", 1)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        resp = await client.post(
            "/console/roster/import", data=_upload(csrf, "r.csv", bad.encode())
        )
        html = await resp.text()
        assert resp.status == 422
        assert "未写入任何数据" in html
        assert html.count('<tr class="bad">') >= 2  # each problem with its row and column
        assert "性别" in html and "年龄" in html
        people = await client.get("/console/people?q=王建国")
        assert "<td>王建国</td>" not in await people.text()

        resp = await client.post(
            "/console/roster/import", data=_upload(csrf, "r.csv", SAMPLE.encode())
        )
        html = await resp.text()
        assert resp.status == 200 and "确认导入" in html
        confirm = {
            "csrf": csrf,
            "upload": re.search(r'name="upload" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
            "form_id": FORM_ID.search(html).group(1),  # type: ignore[union-attr]
        }
        done = await client.post("/console/roster/import/confirm", data=confirm)
        assert done.status == 200
        people = await client.get("/console/people?q=王建国")
        assert "<td>王建国</td>" in await people.text()
        twice = await client.post("/console/roster/import/confirm", data=confirm)
        assert twice.status == 409  # a stale form says so, and acts once


async def test_uploads_of_the_wrong_type_or_over_20_mb_are_refused(app: App) -> None:
    await _force(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        resp = await client.post("/console/roster/import", data=_upload(csrf, "r.exe", b"MZ"))
        assert resp.status == 400 and "文件类型不支持" in await resp.text()
        big = b"x" * (20 * 1024 * 1024 + 10)
        resp = await client.post("/console/roster/import", data=_upload(csrf, "r.csv", big))
        assert resp.status in (400, 413) and "文件过大" in await resp.text()


async def test_html_in_a_field_shows_as_text(app: App) -> None:
    await _force(app)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        ref = await svc.hotline.ask(
            Actor.of(person), "<script>alert('x')</script><b>粗</b>", anonymous=True
        )
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        html = await (await client.get(f"/console/hotline/{ref.id}")).text()
        assert "<script>alert" not in html and "<b>粗</b>" not in html
        assert "&lt;script&gt;" in html
        assert "张三" not in html  # anonymous: no name anywhere
        queue = await (await client.get("/console/hotline")).text()
        assert "张三" not in queue and "匿名" in queue


async def test_a_notice_is_previewed_with_its_count_sent_once_and_its_progress_shown(
    app: App,
) -> None:
    await _force(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        form = {
            "csrf": csrf,
            "title": "冬季安全",
            "body": "注意防火",
            "unit": "城关派出所",
            "role": "auxiliary",
        }
        preview = await client.post("/console/notices/preview", data=form)
        html = await preview.text()
        assert "共 3 人" in html  # A001-A003 in 城关派出所
        send = {
            **form,
            "audience": re.search(r'name="audience" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
            "form_id": FORM_ID.search(html).group(1),
        }  # type: ignore[union-attr]
        resp = await client.post("/console/notices/send", data=send, allow_redirects=False)
        assert resp.status == 303
        url = resp.headers["Location"]
        again = await client.post("/console/notices/send", data=send, allow_redirects=False)
        assert again.status == 409
        progress = await (await client.get(f"{url}/progress")).json()
        assert progress["total"] == 3 and progress["pending"] == 3 and not progress["done"]
        listing = await (await client.get("/console/notices")).text()
        assert listing.count("冬季安全") == 1
        page = await (await client.get(url)).text()
        assert "张三" in page and "已确认 0 / 3" in page
        csv_body = (await (await client.get(f"{url}/readers.csv")).read()).decode("utf-8-sig")
        assert csv_body.splitlines()[0].startswith("单位,姓名,工号")
        assert len(csv_body.splitlines()) == 4 and "张三" in csv_body


async def test_publishing_a_pledge_to_two_units_shows_the_count_first(app: App) -> None:
    await _force(app)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        form = {"csrf": csrf, "unit": ["城关派出所", "交警大队"], "due_at": "2026-12-20T12:00"}
        data = [
            ("csrf", csrf),
            ("unit", "城关派出所"),
            ("unit", "交警大队"),
            ("due_at", "2026-12-20T12:00"),
        ]
        del form
        preview = await client.post("/console/pledges/confidentiality/preview", data=data)
        html = await preview.text()
        assert "共 4 人" in html and "无法送达 1 人" in html  # A004 has no account
        publish = [
            ("csrf", csrf),
            ("audience", "unit:城关派出所,unit:交警大队"),
            ("due_at", "2026-12-20T12:00"),
            ("form_id", FORM_ID.search(html).group(1)),  # type: ignore[union-attr]
        ]
        stale = await client.post(  # the text changed since the preview (another sha)
            "/console/pledges/confidentiality/publish", data=[*publish, ("sha", "0" * 64)]
        )
        assert stale.status == 409 and "已过期" in await stale.text()
        sha = re.search(r'name="sha" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        resp = await client.post(
            "/console/pledges/confidentiality/publish", data=[*publish, ("sha", sha)]
        )
        html = await resp.text()
        assert "已发布" in html and "0/3" in html and "0/1" in html


async def test_a_hotline_reply_goes_to_the_askers_chat(app: App) -> None:
    await _force(app)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        ref = await svc.hotline.ask(Actor.of(person), "加班费怎么算？", anonymous=False)
    async with console_client(app) as client:
        csrf = await sign_in(client, app, "O001")
        page = await (await client.get(f"/console/hotline/{ref.id}")).text()
        resp = await client.post(
            f"/console/hotline/{ref.id}/reply",
            data={"csrf": csrf, "text": "按规定执行", "form_id": FORM_ID.search(page).group(1)},  # type: ignore[union-attr]
        )
        assert resp.status == 200 and "回复已发送" in await resp.text()
    replies = [r for _, r in await sealed_for(app, "A001")]  # sealed: an asker's message
    assert len(replies) == 1 and "按规定执行" in replies[0].text


async def test_faq_gaps_show_the_hotline_gap_groups_as_muster_kb_gaps_does(app: App) -> None:
    await _force(app)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        for text in ("加班费怎么算？", "加班费怎么算呀"):
            await svc.hotline.ask(
                Actor.of(person), text, anonymous=False, chat=FromChat(faq_hint="pay-01")
            )
        await svc.hotline.ask(Actor.of(person), "宿舍能住吗？", anonymous=True, chat=FromChat())
        groups = await svc.hotline.gaps(Actor.of(await svc.people.get(Actor.cli(), "O001")))
    async with console_client(app) as client:
        await sign_in(client, app, "O001")
        html = await (await client.get("/console/hotline-gaps")).text()
        export = await client.get("/console/hotline-gaps/export")
        assert export.status == 200 and (await export.read())[:2] == b"PK"  # an xlsx file
    assert groups and "宿舍能住吗？" in html and "加班费怎么算呀" in html
    biggest = groups[0]
    assert biggest.count >= max(g.count for g in groups)  # the biggest group first
    assert html.index(biggest.questions[-1].question) < html.index("宿舍能住吗？") or (
        biggest.questions[-1].question == "宿舍能住吗？"
    )
    assert "张三" not in html  # what was asked, never who asked
