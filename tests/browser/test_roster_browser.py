"""The roster pages in a real headless Chromium (issue 17): the office uploads the bureau's
statistics table, gives a unit its quota on the people page, uploads the table again with
a mentor changed, and finds and downloads that change on the change filings page."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser.conftest import Console
from tests.browser.test_console_browser import _page, log_in
from tests.roster_form_fixture import write_form

pytestmark = pytest.mark.browser


async def _upload(page: Any, console: Console, path: Path) -> str:
    await page.goto(f"{console.url}/roster/import")
    await page.set_input_files("input[name=file]", str(path))
    await page.click("#check-import")
    await page.click("#confirm-import")
    await page.wait_for_load_state()
    return str(await page.inner_text("main"))


async def test_the_table_imports_then_quota_and_change_filings(
    console: Console, browser: Any, tmp_path: Path
) -> None:
    page = await _page(browser)
    await log_in(page, console, "O001")
    report = await _upload(page, console, write_form(tmp_path / "统计表.xlsx"))
    assert "新建带辅民警 9 人、分管领导 3 人，缺少警号" in report and "已导入" in report

    await page.goto(f"{console.url}/people")
    await page.select_option("#quota-form select[name=unit]", "东城派出所")
    await page.fill("#quota-form input[name=quota]", "10")
    await page.click("#quota-form button[type=submit]")
    await page.wait_for_selector("p.ok")
    quotas = await page.inner_text("#quotas")
    assert "东城派出所\t12\t10\t2" in quotas
    await page.screenshot(path=str(console.shots / "roster-quotas.png"), full_page=True)

    moved = write_form(tmp_path / "调整.xlsx", edit={(1, 1): {"责任民警": "王建国"}})
    assert "生成变更备案 1 条" in await _upload(page, console, moved)
    await page.goto(f"{console.url}/people")
    await page.click("text=变更备案")
    await page.wait_for_selector("#changes")
    rows = await page.inner_text("#changes tbody")
    assert "东城派出所" in rows and "孙立新" in rows and "王建国" in rows
    assert "教育管理责任书尚未发布" in rows
    assert "周政工(O001)" in rows and "roster import 调整.xlsx" in rows  # who, from which file
    async with page.expect_download() as info:
        await page.click("#changes-export")
    download = await info.value
    assert download.suggested_filename.endswith(".xlsx")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [r[4] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["带辅民警变更"]
    await page.screenshot(path=str(console.shots / "roster-changes.png"), full_page=True)
