"""`muster demo`: the sample roster in a fresh SQLite file, and the console chat over it.

The console is driven in-process as a tester would drive it in a terminal: each scripted
step reads the screen so far and types a line, so the tests pick people and press buttons
by what is shown, not by knowing the numbers in advance.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.console import ConsoleChannel, render_text
from bot.cli import main
from bot.cli.demo import DemoDirectory, open_demo
from bot.config import Settings
from storage import audit
from storage import people as repo
from storage.models import Person, PersonRole

Step = str | Callable[[str], str]


class Terminal:
    """Scripted input and recorded output. The script running out is Ctrl-D."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self.lines: list[str] = []
        self.typed: list[int] = []  # index in `lines` of each typed line

    def read(self, prompt: str) -> str:
        if not self.steps:
            raise EOFError
        step = self.steps.pop(0)
        typed = step if isinstance(step, str) else step(self.screen)
        self.typed.append(len(self.lines))
        self.lines.append(f"{prompt}{typed}")
        return typed

    def write(self, text: str) -> None:
        self.lines.append(text)

    @property
    def screen(self) -> str:
        return "\n".join(self.lines)

    def answer(self, n: int) -> str:
        """What was shown after the n-th typed line (from 0), up to the next one."""
        start = self.typed[n] + 1
        end = self.typed[n + 1] if n + 1 < len(self.typed) else len(self.lines)
        return "\n".join(self.lines[start:end])


def choose(label: str) -> Callable[[str], str]:
    """Type the number shown as `[n] ...label` most recently (a person or a button)."""

    def step(screen: str) -> str:
        found = re.findall(rf"\[\s*(\d+)\] [^\[\n]*{re.escape(label)}", screen)
        assert found, f"{label!r} is not on the screen:\n{screen[-2000:]}"
        return found[-1]

    return step


def the_invite_code(screen: str) -> str:
    """The code the console printed for the new phone (bot messages are indented)."""
    console = "\n".join(line for line in screen.splitlines() if not line.startswith(" "))
    codes = re.findall(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b", console)
    assert codes, f"no invite code on the screen:\n{screen[-2000:]}"
    return codes[-1]


@pytest.fixture
def demo_settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def demo(demo_settings: Settings, tmp_path: Path) -> AsyncIterator[App]:
    app, loaded = await open_demo(demo_settings, tmp_path / "demo.db")
    assert loaded.fresh
    yield app
    await app.close()


async def _run(app: App, steps: list[Step], tmp_path: Path) -> Terminal:
    terminal = Terminal(steps)
    channel = ConsoleChannel(
        conversation=app.conversation(),
        directory=DemoDirectory(app),
        translator=app.translator,
        read=terminal.read,
        write=terminal.write,
        files_dir=tmp_path / "files",
    )
    assert await channel.run() == 0
    return terminal


async def test_sample_roster_is_loaded_once_and_kept(
    demo_settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / "demo.db"
    app, loaded = await open_demo(demo_settings, db)
    try:
        assert loaded.fresh and loaded.people == 15
        async with app.sessionmaker() as s:
            roles = dict(
                (
                    await s.execute(
                        select(PersonRole.role, func.count()).group_by(PersonRole.role)
                    )
                ).all()
            )
            binding = await repo.current_binding(
                s,
                (
                    await s.execute(select(Person.id).where(Person.employee_no == "FJ0001"))
                ).scalar_one(),
            )
            _, broken = await audit.verify(s)
        assert roles == {"auxiliary": 10, "mentor": 3, "leader": 1, "office": 1}
        assert binding is not None and binding.mentor_id is not None
        assert broken is None
    finally:
        await app.close()

    again, loaded = await open_demo(demo_settings, db)
    await again.close()
    assert not loaded.fresh and loaded.people == 15

    fresh, loaded = await open_demo(demo_settings, db, reset=True)
    await fresh.close()
    assert loaded.fresh and loaded.people == 15


async def test_pick_a_person_press_buttons_and_switch_language(demo: App, tmp_path: Path) -> None:
    terminal = await _run(
        demo,
        [
            choose("张明辉"),  # 0
            choose("帮助"),  # 1
            choose("语言"),  # 2: the menu's buttons still work after the help text
            choose("English"),  # 3
            "/menu",  # 4
            "/switch",  # 5
            choose("张明辉"),  # 6
            "/quit",  # 7
        ],
        tmp_path,
    )
    assert "您是谁" in terminal.screen
    assert "张明辉，您好！" in terminal.answer(0)
    assert "主菜单 · 张明辉" in terminal.answer(0)
    assert "政治处辅警办联系方式" in terminal.answer(1)
    assert "[1] 中文  [2] English" in terminal.answer(2)
    assert "Language set to English." in terminal.answer(3)
    assert "Main menu · 张明辉" in terminal.answer(4)
    assert "您是谁" in terminal.answer(5)  # the picker speaks the demo's language
    assert "Hello, 张明辉!" in terminal.answer(6)  # the person keeps theirs
    assert "Goodbye!" in terminal.answer(7)
    assert "<b>" not in terminal.screen and "&lt;" not in terminal.screen
    async with demo.sessionmaker() as s:
        person = await repo.person_by_employee_no(s, "FJ0001")
        assert person is not None and person.locale == "en"
        account = await repo.active_account(s, "console", "console:FJ0001")
        assert account is not None and account.person_id == person.id
        assert len(await repo.active_accounts_of(s, person.id)) == 1  # picked twice, one bind


async def test_new_phone_registers_with_the_printed_invite_code(demo: App, tmp_path: Path) -> None:
    terminal = await _run(
        demo,
        [choose("新手机"), "/menu", the_invite_code, choose("帮助")],
        tmp_path,
    )
    first = terminal.answer(0)
    assert "请输入政治处发给您的邀请码" in first
    name, employee_no = re.findall(r"：(\S+)（工号 (\w+)）的邀请码", first)[-1]
    assert "您还没有完成绑定" in terminal.answer(1)  # nothing but registration works
    assert f"绑定成功，{name}" in terminal.answer(2)
    assert f"主菜单 · {name}" in terminal.answer(2)
    assert "政治处辅警办联系方式" in terminal.answer(3)  # the new person's menu works
    assert f"{name} ›" in terminal.screen  # the prompt now names the person
    async with demo.sessionmaker() as s:
        person = await repo.person_by_employee_no(s, employee_no)
        assert person is not None
        accounts = await repo.active_accounts_of(s, person.id)
        assert [a.channel for a in accounts] == ["console"]
        assert accounts[0].external_user_id.startswith("console:new-")


async def test_wrong_number_at_the_picker_asks_again(demo: App, tmp_path: Path) -> None:
    terminal = await _run(demo, ["99", "abc", choose("刘晓燕"), "/quit"], tmp_path)
    assert terminal.screen.count("请输入 1 到 16 之间的编号") == 2
    assert "主菜单 · 刘晓燕" in terminal.screen


async def test_demo_in_english(demo_settings: Settings, tmp_path: Path) -> None:
    app, _ = await open_demo(demo_settings, tmp_path / "demo.db", lang="en")
    try:
        terminal = await _run(app, [choose("a new phone"), the_invite_code], tmp_path)
    finally:
        await app.close()
    screen = terminal.screen
    assert "Who are you?" in screen
    assert "Please type the invite code" in screen
    assert "You are registered" in screen
    assert "Main menu ·" in screen
    assert "Goodbye!" in screen


def test_muster_demo_command_runs_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the default ./muster-demo.db lands here; no .env is read
    script = iter(["1", "/quit"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(script))
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "已导入示例花名册：15 人。" in out
    assert "主菜单 · 刘晓燕" in out
    assert (tmp_path / "muster-demo.db").exists()


def test_handler_html_becomes_plain_text() -> None:
    text = '<b>张三</b> &lt;不是标签&gt; &amp; <a href="https://t.me/x?start=AB">链接</a>'
    assert render_text(text) == "张三 <不是标签> & 链接 (https://t.me/x?start=AB)"
    assert render_text('<a href="https://e.org">https://e.org</a>') == "https://e.org"
