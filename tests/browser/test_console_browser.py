"""The console in a real headless Chromium, as the office, a leader and a mentor use it.

The outbox sender runs throughout and delivers to a recording chat channel, so a login
code or a hotline reply is read from the person's chat exactly as they would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.actor import Actor
from tests.browser.conftest import Console

pytestmark = pytest.mark.browser

CODE = re.compile(r"<b>(\d{6})</b>")


async def _page(browser: Any) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    return await context.new_page()


async def until(page: Any, selector: str, predicate: str, within: float = 10.0) -> None:
    """Poll a predicate on an element with a deadline (the page's CSP forbids eval, which
    Playwright's wait_for_function needs)."""
    import asyncio  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await page.locator(selector).evaluate(predicate):
        if loop.time() > deadline:
            raise AssertionError(f"{predicate} never held for {selector}")
        await asyncio.sleep(0.05)


async def log_in(page: Any, console: Console, employee_no: str) -> None:
    """Ask for a code on the login page, read it in the bound chat, type it."""
    await page.goto(f"{console.url}/login")
    await page.fill("#employee_no", employee_no)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#code")
    message = await console.phone.wait_for(console.chat_of(employee_no), "登录验证码")
    code = CODE.search(message).group(1)  # type: ignore[union-attr]
    await page.fill("#code", code)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header .me")


async def test_office_logs_in_with_a_code_from_the_chat_and_sees_the_dashboard(
    console: Console, browser: Any
) -> None:
    from datetime import timedelta  # noqa: PLC0415

    from sqlalchemy import update  # noqa: PLC0415

    from storage.models import Assignment  # noqa: PLC0415

    async with console.app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", audience="all")
        await svc.training.publish(Actor.cli(), "duties-limits", audience="all")
        now = console.app.clock.now()
        await svc.session.execute(  # some done today, one overdue and escalated
            update(Assignment)
            .where(Assignment.person_id.in_([console.force[n].id for n in ("A001", "A003")]))
            .values(status="done", done_at=now)
        )
        await svc.session.execute(
            update(Assignment)
            .where(Assignment.person_id == console.force["A002"].id)
            .values(due_at=now - timedelta(hours=2), level=1)
        )
    page = await _page(browser)
    await log_in(page, console, "O001")
    assert "周政工" in await page.inner_text("header .me")
    text = await page.inner_text("main")
    assert "进行中的任务" in text and "城关派出所" in text
    await page.screenshot(path=str(console.shots / "dashboard.png"), full_page=True)


async def test_roster_upload_with_an_error_then_the_fixed_file(
    console: Console, browser: Any, tmp_path: Any
) -> None:
    from bot.config import ROOT  # noqa: PLC0415

    good = (ROOT / "content" / "sample" / "roster.csv").read_text(encoding="utf-8")
    bad = tmp_path / "roster-bad.csv"
    bad.write_text(good.replace(",男,45,", ",男性,45,", 1), encoding="utf-8")
    fixed = tmp_path / "roster.csv"
    fixed.write_text(good, encoding="utf-8")
    page = await _page(browser)
    await log_in(page, console, "O001")
    await page.goto(f"{console.url}/roster/import")
    await page.set_input_files("input[name=file]", str(bad))
    await page.click("#check-import")
    await page.wait_for_selector("#import-errors")
    problems = await page.inner_text("table.problems")
    assert "性别" in problems
    await page.screenshot(path=str(console.shots / "roster-errors.png"), full_page=True)
    await page.set_input_files("input[name=file]", str(fixed))
    await page.click("#check-import")
    await page.click("#confirm-import")
    await page.wait_for_load_state()
    await page.goto(f"{console.url}/people?q=王建国")
    assert "王建国" in await page.inner_text("table.list")


async def test_publish_a_pledge_to_two_units_and_see_the_count(
    console: Console, browser: Any
) -> None:
    page = await _page(browser)
    await log_in(page, console, "O001")
    await page.goto(f"{console.url}/pledges/confidentiality")
    await page.check("input[name=unit][value=城关派出所]")
    await page.check("input[name=unit][value=交警大队]")
    count = page.locator("fieldset.audience .count")
    await count.filter(has_text="共 4 人").wait_for()  # live, before confirming
    assert "无法送达 1 人" in await count.inner_text()
    await page.click("#publish-preview")
    assert "共 4 人" in await page.inner_text("#reach")
    await page.screenshot(path=str(console.shots / "pledge-preview.png"), full_page=True)
    await page.click("#publish")
    await page.wait_for_selector("p.ok")
    assert "0/3" in await page.inner_text("table.bars")


async def test_send_a_notice_and_watch_the_progress_reach_100(
    console: Console, browser: Any
) -> None:
    console.phone.delay = 0.4  # slow enough to see the bar move
    page = await _page(browser)
    await log_in(page, console, "O001")
    await page.goto(f"{console.url}/notices/new")
    await page.fill("input[name=title]", "冬季防火")
    await page.fill("textarea[name=body]", "请检查辖区消防设施。")
    await page.check("input[name=unit][value=城关派出所]")
    await page.click("#preview")
    await page.click("#send")
    await page.wait_for_selector("[data-progress-url]")
    await page.locator("#pct").filter(has_text=re.compile(r"^100$")).wait_for(timeout=30000)
    assert (await page.inner_text("[data-k=pending]")) == "0"
    pending_cell = page.locator("#per-unit tbody td:nth-child(4)")
    await pending_cell.filter(has_text=re.compile(r"^0$")).wait_for()  # caught up, no reload
    await until(page, ".progress .done", "b => b.offsetWidth >= b.parentElement.offsetWidth - 1")
    await page.screenshot(path=str(console.shots / "notice-progress.png"), full_page=True)
    for no in ("A001", "A002", "A003"):
        await console.phone.wait_for(console.chat_of(no), "冬季防火")


async def _named_ticket(console: Console, browser: Any) -> Any:
    """A002 asks the hotline with his name; the office staffer opens the ticket's page
    (the queue and the ticket never show the name)."""
    async with console.app.unit_of_work() as svc:
        asker = await svc.people.get(Actor.cli(), "A002")
        ref = await svc.hotline.ask(Actor.of(asker), "夜班补贴标准？", anonymous=False)
    page = await _page(browser)
    await log_in(page, console, "O001")
    await page.goto(f"{console.url}/hotline")
    assert "李四" not in await page.inner_text("main")
    await page.click(f"text={ref.number}")
    assert "李四" not in await page.inner_text("main")
    return page


async def test_a_hotline_reply_arrives_in_the_askers_chat(console: Console, browser: Any) -> None:
    page = await _named_ticket(console, browser)
    await page.fill("textarea[name=text]", "按每晚 50 元发放。")
    await page.click("#reply")
    await page.wait_for_selector("p.ok")
    await console.phone.wait_for(console.chat_of("A002"), "按每晚 50 元发放。")


async def test_the_office_shows_a_named_asker_for_a_reason_and_he_is_told(
    console: Console, browser: Any
) -> None:
    page = await _named_ticket(console, browser)
    await page.fill("input[name=reason]", "核实补贴发放名单")
    await page.click("#show-asker")
    shown = await page.inner_text("#asker")
    assert "李四" in shown and "A002" in shown and "核实补贴发放名单" in shown
    await page.screenshot(path=str(console.shots / "show-asker.png"), full_page=True)
    await console.phone.wait_for(console.chat_of("A002"), "核实补贴发放名单")


async def test_a_mentor_sees_only_his_auxiliaries(console: Console, browser: Any) -> None:
    page = await _page(browser)
    await log_in(page, console, "M001")
    await page.goto(f"{console.url}/people")
    table = await page.inner_text("table.list")
    assert "张三" in table and "李四" in table  # bound to M001
    assert "王五" not in table and "欧阳娜娜" not in table and "周政工" not in table
    nav = await page.inner_text("header nav")
    assert "政策咨询" not in nav and "审计" not in nav
    await page.goto(f"{console.url}/people/A003")
    assert "没有查看此页面的权限" in await page.inner_text("main")
    await page.goto(f"{console.url}/hotline")
    assert "没有查看此页面的权限" in await page.inner_text("main")
    await page.set_viewport_size({"width": 390, "height": 800})  # a phone
    await page.goto(f"{console.url}/people")
    await page.screenshot(path=str(console.shots / "mentor-phone.png"), full_page=True)
