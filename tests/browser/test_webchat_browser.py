"""The web chat in a real headless Chromium at a phone's size (390x844), as an auxiliary and
a mentor use it: registering with a code, signing a pledge, a quiz failed and then passed,
notices sent from the CLI confirmed (the office's count moves), messages sent while the
page was closed, and the mentor's escalation digest after `muster tick`.

The web server runs the chat and the console (one process, as `muster run` with
MUSTER_CHANNELS=web); the outbox sender delivers through the web channel (and to a
recording chat channel for the office's console login code). CLI commands run in a thread
against the same SQLite file, as an operator's terminal would beside the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.actor import Actor
from bot.app import App
from bot.channels.webchat import WebChannel
from bot.cli import main
from bot.clock import SystemClock
from bot.config import ROOT, Settings
from bot.web.chat import chat_routes
from bot.web.console import console_routes
from bot.web.server import WebServer
from scheduled.sender import OutboxSender
from storage.db import make_engine, upgrade
from storage.models import Assignment
from tests.browser.conftest import ChatPhone, _free_port
from tests.browser.test_console_browser import log_in
from tests.factories import Force, bind_account, make_force
from tests.helpers import AUDIT_KEY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WITHIN = 15_000  # ms Playwright waits for a bubble to appear or change
QUIZ = "browser-quiz"  # a two-question module: fail once, then pass
QUIZ_FILES = {
    "module.yaml": (
        "key: browser-quiz\nversion: 1\ntitle:\n  zh_CN: 岗位须知小测\n  en: Duty quiz\n"
        "audience: [auxiliary]\npass_mark: 100\nattempts: 2\n"
    ),
    "lessons/01.zh_CN.md": "# 辅警的身份\n\n辅警是警务辅助人员，在民警的指挥和监督下工作。\n",
    "quiz.zh_CN.yaml": (
        "questions:\n"
        "  - id: q01\n    type: truefalse\n    topic: 身份\n"
        "    text: 辅警在民警的指挥和监督下开展工作。\n    correct: true\n"
        "    explanation: 辅警是警务辅助人员。\n"
        "  - id: q02\n    type: truefalse\n    topic: 身份\n"
        "    text: 群众询问时，辅警可以自称民警。\n    correct: false\n"
        "    explanation: 辅警应如实说明自己的身份。\n"
    ),
}


@dataclass
class ConsoleView:
    """What tests.browser.test_console_browser.log_in needs of the console."""

    url: str
    phone: ChatPhone  # the office's chat, where its console login code arrives
    force: Force

    def chat_of(self, employee_no: str) -> str:
        return f"u{self.force[employee_no].id}"


@dataclass
class Web:
    url: str  # http://HOST:PORT
    app: App
    force: Force
    shots: Path
    console: ConsoleView

    async def code(self, employee_no: str) -> str:
        async with self.app.unit_of_work() as svc:
            [issued] = await svc.registration.issue_codes(
                Actor.cli(), employee_no=employee_no, also_bound=True
            )
        return issued.code

    async def publish_pledge(self) -> None:
        """The confidentiality pledge for 张三 (A001), due in two days."""
        async with self.app.unit_of_work() as svc:
            await svc.pledges.publish(
                Actor.cli(),
                "confidentiality",
                audience="emp:A001",
                due_at=self.app.clock.now() + timedelta(days=2),
            )


@pytest.fixture
async def web(tmp_path: Path, shots: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    # These journeys read and sign the pledge on a phone; the training it presupposes in
    # the product (its `training:` header) is its own journey (test_fail_then_pass_a_quiz).
    for pledge in (content / "pledges").glob("confidentiality.*.md"):
        lines = pledge.read_text(encoding="utf-8").splitlines(keepends=True)
        pledge.write_text("".join(x for x in lines if not x.startswith("training:")), "utf-8")
    for name, text in QUIZ_FILES.items():
        path = content / "training" / QUIZ / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"
    listen = f"127.0.0.1:{_free_port()}"
    env = {
        "MUSTER_DATABASE_URL": url,
        "MUSTER_WEB_LISTEN": listen,
        "MUSTER_QUIET_HOURS": "off",
        "MUSTER_CONTENT_DIR": str(content),
        "MUSTER_AUDIT_KEY": AUDIT_KEY,
    }
    monkeypatch.chdir(tmp_path)  # the CLI reads no .env of the working tree
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    engine = make_engine(url)
    await upgrade(engine)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    app = App(settings, engine, SystemClock())
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        await bind_account(svc.session, app.clock, force["O001"])  # the office's console code
    phone = ChatPhone()
    channel = WebChannel(app)
    sender = OutboxSender.for_app(app, [phone, channel])
    sending = asyncio.create_task(sender.run())
    server = WebServer(listen)
    server.mount("console", console_routes(app))
    server.mount("web", chat_routes(app, channel))
    await server.start()
    base = f"http://{listen}"
    try:
        yield Web(base, app, force, shots, ConsoleView(f"{base}/console", phone, force))
    finally:
        await server.stop()
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await channel.close()
        await engine.dispose()


async def cli(*args: str) -> None:
    """A `muster` command in an operator's terminal beside the running server."""
    assert await asyncio.to_thread(main, list(args)) == 0, args


# --- the page, as a person sees it ----------------------------------------------------


async def new_phone(browser: Any) -> Any:
    context = await browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    return await context.new_page()


def bubble(page: Any, text: str) -> Any:
    """The newest of the bot's bubbles showing `text`."""
    return page.locator(".bubble:not(.mine)", has_text=text).last


async def tap(page: Any, label: str, within: Any = None) -> None:
    """Tap the button labelled `label` on the newest bubble showing one."""
    where = within if within is not None else page
    await where.locator(".row button", has_text=label).last.tap()


async def register(browser: Any, web: Web, employee_no: str, name: str) -> Any:
    """Open the invite link on a new phone: the code is filled in and bound at once."""
    page = await new_phone(browser)
    await page.goto(f"{web.url}/chat/?code={await web.code(employee_no)}")
    await bubble(page, f"绑定成功，{name}").wait_for(timeout=WITHIN)
    await bubble(page, f"主菜单 · {name}").wait_for(timeout=WITHIN)
    # the page swaps the code form for the text box once it is bound (waited for, with a
    # deadline: the script may not have run yet when the bubbles show)
    await page.locator("#sendform").wait_for(state="visible", timeout=WITHIN)
    await page.locator("#codeform").wait_for(state="hidden", timeout=WITHIN)
    return page


async def assert_fits_the_screen(page: Any, width: int) -> None:
    """Nothing wider than the phone: no sideways scrolling to read a long page."""
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, wide


# --- the journeys ----------------------------------------------------------------------


async def test_register_with_a_code_on_a_phone(web: Web, browser: Any) -> None:
    page = await new_phone(browser)
    await page.goto(f"{web.url}/chat/")
    assert "请输入政治处辅警办发给您的邀请码" in await page.inner_text("#codeform")
    await page.fill("#code", "ZZZZ-9999")
    await page.click("#codeform button")
    await bubble(page, "邀请码不正确").wait_for(timeout=WITHIN)
    assert await page.locator("#codeform").is_visible()  # still the code page
    await page.fill("#code", await web.code("A001"))
    await page.click("#codeform button")
    await bubble(page, "主菜单 · 张三").wait_for(timeout=WITHIN)
    await page.locator("#sendform").wait_for(state="visible", timeout=WITHIN)
    await page.screenshot(path=str(web.shots / "webchat-register.png"))
    await page.reload()  # the device session keeps the browser bound
    await bubble(page, "主菜单 · 张三").wait_for(timeout=WITHIN)
    assert await page.locator(".bubble", has_text="主菜单 · 张三").count() == 1


async def test_read_and_sign_a_pledge(web: Web, browser: Any) -> None:
    page = await register(browser, web, "A001", "张三")
    await web.publish_pledge()
    task = bubble(page, "新任务：保密承诺书")
    await task.wait_for(timeout=WITHIN)  # pushed through the outbox, no reload
    await tap(page, "阅读", task)
    text = bubble(page, "第 1/1 页")
    await text.wait_for(timeout=WITHIN)
    await page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    await assert_fits_the_screen(page, 360)
    await page.set_viewport_size(PHONE)
    await text.evaluate("el => el.scrollIntoView({block: 'start'})")  # its first lines
    await page.screenshot(path=str(web.shots / "webchat-pledge.png"))
    await tap(page, "我已阅读并同意", text)
    await bubble(page, "请输入您的完整姓名").wait_for(timeout=WITHIN)
    await page.fill("#text", "张三")
    await page.click("#sendform button")
    receipt = bubble(page, "签署成功")
    await receipt.wait_for(timeout=WITHIN)
    assert await page.locator(".bubble.mine", has_text="张三").count() == 1
    await page.screenshot(path=str(web.shots / "webchat-signed.png"))


async def test_fail_then_pass_a_quiz(web: Web, browser: Any) -> None:
    page = await register(browser, web, "A001", "张三")
    async with web.app.unit_of_work() as svc:
        await svc.training.publish(
            Actor.cli(),
            QUIZ,
            audience="emp:A001",
            due_at=web.app.clock.now() + timedelta(days=2),
        )
    task = bubble(page, "新任务：岗位须知小测")
    await task.wait_for(timeout=WITHIN)
    await tap(page, "学习", task)
    lesson = bubble(page, "第 1/1 课")
    await lesson.wait_for(timeout=WITHIN)
    await tap(page, "开始测验", lesson)

    async def attempt(answers: list[str]) -> None:
        for number, answer in enumerate(answers, 1):
            question = bubble(page, f"第 {number}/2 题")
            await question.wait_for(timeout=WITHIN)
            await tap(page, answer, question)
            explained = page.locator(".bubble", has_text="解析").last
            await explained.locator(
                "button", has_text="查看结果" if number == 2 else "下一题"
            ).wait_for(timeout=WITHIN)
            await tap(page, "查看结果" if number == 2 else "下一题", explained)

    await attempt(["正确", "正确"])  # the second one is wrong
    failed = bubble(page, "本次测验未通过")
    await failed.wait_for(timeout=WITHIN)
    await tap(page, "重新测验", failed)
    await attempt(["正确", "错误"])
    await bubble(page, "恭喜，您已通过「岗位须知小测」").wait_for(timeout=WITHIN)
    await page.screenshot(path=str(web.shots / "webchat-quiz.png"))


async def test_confirm_a_notice_from_the_cli_and_the_office_count_moves(
    web: Web, browser: Any, tmp_path: Path
) -> None:
    page = await register(browser, web, "A001", "张三")
    text = tmp_path / "notice.txt"
    text.write_text("冬季防火检查\n请于本周五前检查辖区消防设施。\n", encoding="utf-8")
    due = (web.app.clock.now() + timedelta(days=2)).astimezone(web.app.settings.tz)
    await cli(
        "notice",
        "send",
        "--audience",
        "emp:A001",
        "--text-file",
        str(text),
        "--ack-by",
        due.strftime("%Y-%m-%dT%H:%M"),
    )
    notice = bubble(page, "冬季防火检查")
    await notice.wait_for(timeout=WITHIN)
    office = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await log_in(office, web.console, "O001")  # type: ignore[arg-type]  # duck-typed
    await office.goto(f"{web.url}/console/notices")
    await office.locator("a", has_text="冬季防火检查").first.click()
    assert await office.inner_text("[data-k=acknowledged]") == "0"
    await tap(page, "收到", notice)
    confirmed = notice.locator("button", has_text="已确认")
    await confirmed.wait_for(timeout=WITHIN)  # the same bubble, changed in place
    assert await page.locator(".bubble", has_text="冬季防火检查").count() == 1
    await notice.screenshot(path=str(web.shots / "webchat-notice-confirmed.png"))
    await office.reload()
    assert await office.inner_text("[data-k=acknowledged]") == "1"


async def test_notices_sent_while_the_page_was_closed_arrive_once(
    web: Web, browser: Any, tmp_path: Path
) -> None:
    page = await register(browser, web, "A001", "张三")
    context = page.context
    await page.close()  # the phone sleeps; the device session stays
    for title in ("第一份通知", "第二份通知"):
        text = tmp_path / f"{title}.txt"
        text.write_text(f"{title}\n正文。\n", encoding="utf-8")
        await cli("notice", "send", "--audience", "emp:A001", "--text-file", str(text))
    async with asyncio.timeout(WITHIN / 1000):  # until the sender has logged both
        while True:
            if await _sent(web) == 2:
                break
            await asyncio.sleep(0.05)
    page = await context.new_page()
    await page.goto(f"{web.url}/chat/")
    await bubble(page, "第二份通知").wait_for(timeout=WITHIN)
    texts = await page.locator(".bubble:not(.mine)").all_inner_texts()
    first = [t for t in texts if "第一份通知" in t]
    second = [t for t in texts if "第二份通知" in t]
    assert (len(first), len(second)) == (1, 1)
    assert texts.index(first[0]) < texts.index(second[0])


async def _sent(web: Web) -> int:
    from sqlalchemy import func, select  # noqa: PLC0415

    from storage.models import Outbox, OutboxStatus  # noqa: PLC0415

    async with web.app.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    Outbox.kind == "notice", Outbox.status == OutboxStatus.SENT
                )
            )
            or 0
        )


async def test_the_mentor_gets_the_digest_after_tick_and_reminds_in_person(
    web: Web, browser: Any
) -> None:
    auxiliary = await register(browser, web, "A001", "张三")
    mentor = await register(browser, web, "M001", "王民警")  # a second browser context
    await web.publish_pledge()
    async with web.app.unit_of_work() as svc:
        now = web.app.clock.now()
        await svc.session.execute(  # the deadline passed an hour ago
            update(Assignment)
            .where(Assignment.person_id == web.force["A001"].id)
            .values(due_at=now - timedelta(hours=1), next_action_at=now - timedelta(minutes=1))
        )
    await bubble(auxiliary, "新任务：保密承诺书").wait_for(timeout=WITHIN)
    await cli("tick")
    digest = bubble(mentor, "督办提醒")
    await digest.wait_for(timeout=WITHIN)
    assert "张三" in await digest.inner_text()
    await tap(mentor, "已当面提醒 张三", digest)
    await bubble(mentor, "已记录").wait_for(timeout=WITHIN)
    await mentor.screenshot(path=str(web.shots / "webchat-mentor-digest.png"))
    await bubble(auxiliary, "带辅民警已当面提醒您").wait_for(timeout=WITHIN)


HIDDEN = """
Object.defineProperty(document, "hidden", { get: () => window.__hidden === true });
Object.defineProperty(document, "visibilityState",
  { get: () => (window.__hidden === true ? "hidden" : "visible") });
"""


async def test_the_tab_title_counts_what_came_while_it_was_in_the_background(
    web: Web, browser: Any, tmp_path: Path
) -> None:
    page = await register(browser, web, "A001", "张三")
    await page.add_init_script(HIDDEN)  # the browser's own switch: headless never hides
    await page.reload()
    await bubble(page, "主菜单 · 张三").wait_for(timeout=WITHIN)
    assert await page.title() == "辅警履职助手"
    await page.evaluate("window.__hidden = true")  # another tab is in front
    for title in ("通知甲", "通知乙"):
        text = tmp_path / f"{title}.txt"
        text.write_text(f"{title}\n正文。\n", encoding="utf-8")
        await cli("notice", "send", "--audience", "emp:A001", "--text-file", str(text))
    await bubble(page, "通知乙").wait_for(timeout=WITHIN)
    assert await page.title() == "(2) 辅警履职助手"
    await page.evaluate(
        "window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))"
    )
    assert await page.title() == "辅警履职助手"
