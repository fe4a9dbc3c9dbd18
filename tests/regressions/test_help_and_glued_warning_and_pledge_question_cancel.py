"""Three small things a new user tripped over: "⚠️无法通过本助手联系" was glued to the
count before it; /help did not list /tasks or /checkin; in the pledge, 我有疑问's 取消
returned to the menu instead of the pledge."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from handlers import all_flows
from handlers.start import HELP_COMMANDS
from tests.chat import ChatUser
from tests.helpers import outbox_for, tick
from tests.test_deadlines import DUE
from tests.test_deadlines import _setup as _overdue_setup
from tests.test_pledges import _publish
from tests.test_pledges import _setup as _pledge_setup


async def test_the_unreachable_warning_is_set_apart(app: App, clock: FrozenClock) -> None:
    await _overdue_setup(app, bind=("A001", "M001", "M002", "L001", "O001"))  # 李四 unbound
    clock.set(DUE + timedelta(hours=2))
    await tick(app)
    digest = (await outbox_for(app, "M001"))[-1].text
    assert "李四：网络社交行为承诺书（逾期 2 小时） · ⚠️ 无法通过本助手联系" in digest
    assert "）⚠️" not in digest

    mentor = ChatUser(app.conversation(), "M001")
    await mentor.send("/menu")
    await mentor.press("我联系的辅警")
    line = next(ln for ln in mentor.text.splitlines() if "李四" in ln)
    assert line.endswith("逾期 1 项 · ⚠️ 无法通过本助手联系"), line


async def test_help_lists_the_commands_of_my_roles(app: App) -> None:
    users = await _pledge_setup(app)
    aux, office = users["A001"], users["O001"]
    await aux.send("/help")
    for command in ("/menu", "/tasks", "/checkin", "/records", "/ask", "/lang", "/help"):
        assert f"\n{command} " in aux.text, command
    assert "/queue" not in aux.text and "/notice" not in aux.text
    await office.send("/help")
    for command in ("/tasks", "/notice", "/approvals", "/queue", "/status", "/register"):
        assert f"\n{command} " in office.text, command
    assert "/checkin" not in office.text  # not an auxiliary


def test_every_command_is_in_help() -> None:
    registered = {name for flow in all_flows() for name in flow.commands}
    internal = {"start", "_unregistered", "*"}  # /start registers; the rest are fallbacks
    assert registered - internal == {name for name, _ in HELP_COMMANDS}


async def test_cancelling_a_pledge_question_returns_to_the_pledge(app: App) -> None:
    users = await _pledge_setup(app)
    await _publish(app)
    aux = users["A001"]
    await aux.send("/menu")
    await aux.press("我的任务")
    await aux.press("阅读")
    while any("下一页" in label for label in aux.labels()):
        await aux.press("下一页")
    page = aux.text
    await aux.press("我有疑问")
    assert "请输入您对承诺书的疑问" in aux.text
    await aux.press("取消")
    assert aux.text == page  # the pledge's last page again, not the menu
    assert any("我已阅读并同意" in label for label in aux.labels())
    await aux.send("网络社交")  # no longer a question: the menu's free-text fallback
    assert "请输入您对承诺书的疑问" not in aux.text
