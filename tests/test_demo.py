"""`muster demo`: the sample roster in a fresh SQLite file, and the console chat over it.

The console is driven in-process as a tester would drive it in a terminal: each scripted
step reads the screen so far and types a line, so the tests pick people and press buttons
by what is shown, not by knowing the numbers in advance. The demo's clock stands still on a
Tuesday morning (the week's check-in is open, no quiet hours) unless a step moves it.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChannel, render_text
from bot.channels.console_inbox import ConsoleInbox, take_ready
from bot.cli import main
from bot.cli.demo import DemoDirectory, open_demo
from bot.clock import FrozenClock
from bot.config import Settings
from storage import audit, outbox
from storage import people as repo
from storage.models import Outbox, OutboxStatus, Person, PersonRole, Signature
from tests.factories import bind_account, make_force

Step = str | Callable[[str], str]
TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, week 2026-W49


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


def choose_under(text: str, label: str) -> Callable[[str], str]:
    """Press the first `label` button after the last `text`: a button of that message (its
    number is current while no later turn has numbered buttons anew)."""

    def step(screen: str) -> str:
        at = screen.rfind(text)
        assert at >= 0, f"{text!r} is not on the screen:\n{screen[-2000:]}"
        found = re.search(rf"\[\s*(\d+)\] [^\[\n]*{re.escape(label)}", screen[at:])
        assert found, f"no {label!r} under {text!r}:\n{screen[at:][-2000:]}"
        return found.group(1)

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
def demo_clock() -> FrozenClock:
    return FrozenClock(TUESDAY)


@pytest.fixture
async def demo(
    demo_settings: Settings, demo_clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[App]:
    app, loaded = await open_demo(demo_settings, tmp_path / "demo.db", clock=demo_clock)
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
        inbox=ConsoleInbox(app, channel=CHANNEL),
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
            _, broken = await audit.verify(s, app.settings.audit_key_bytes or b"")
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
    assert "请输入政治处辅警办发给您的邀请码" in first
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
    monkeypatch.setenv("MUSTER_WEB_LISTEN", f"127.0.0.1:{free_port()}")
    script = iter(["1", "/quit"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(script))
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "已导入示例花名册：15 人。" in out
    assert "主菜单 · 刘晓燕" in out
    assert (tmp_path / "muster-demo.db").exists()
    assert "政治处辅警办网页工作台：http://127.0.0.1:" in out  # the console runs beside the chat
    assert "刘晓燕（政治处辅警办）的一次性登录链接" in out and "/console/login/link?token=" in out
    # the web chat beside it: a link whose invite code binds a browser as an auxiliary
    assert re.search(r"网页聊天.*：http://127\.0\.0\.1:\d+/chat/\?code=\w{8} .*张明辉", out)


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_handler_html_becomes_plain_text() -> None:
    text = '<b>张三</b> &lt;不是标签&gt; &amp; <a href="https://t.me/x?start=AB">链接</a>'
    assert render_text(text) == "张三 <不是标签> & 链接 (https://t.me/x?start=AB)"
    assert render_text('<a href="https://e.org">https://e.org</a>') == "https://e.org"


async def _outbox_of(app: App, employee_no: str) -> list[Outbox]:
    async with app.sessionmaker() as s:
        return list(
            (
                await s.execute(
                    select(Outbox)
                    .where(Outbox.chat_id == f"console:{employee_no}")
                    .order_by(Outbox.id)
                )
            ).scalars()
        )


async def test_a_fresh_demo_has_work_for_everybody_but_two_unbound(
    demo_settings: Settings, demo_clock: FrozenClock, tmp_path: Path
) -> None:
    app, loaded = await open_demo(demo_settings, tmp_path / "demo.db", clock=demo_clock)
    try:
        assert [(w.title, w.people) for w in loaded.work] == [
            ("保密承诺书", 10),
            ("日常工作中的保密", 10),  # the training the confidentiality pledge presupposes
            ("网络社交行为承诺书", 10),
            ("教育管理责任书", 4),  # mentors and the leader
            ("辅警的职责与边界", 10),
            ("每周报到 2026-W49", 10),
            ("风险排查登记 2026-W49", 1),
        ]
        people = await DemoDirectory(app).people()
        assert [w.name for w in people if not w.bound] == ["欧阳晨", "林佳怡"]
        async with app.sessionmaker() as s:
            counts = dict(
                (
                    await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
                ).all()
            )
            _, broken = await audit.verify(s, app.settings.audit_key_bytes or b"")
        # 8 bound auxiliaries x 5 tasks + 4 letters + 1 register; the two unbound: 2 x 5
        assert counts == {OutboxStatus.PENDING: 45, OutboxStatus.UNREACHABLE: 10}
        assert broken is None
    finally:
        await app.close()

    again, loaded = await open_demo(demo_settings, tmp_path / "demo.db", clock=demo_clock)
    await again.close()
    assert not loaded.fresh and loaded.work == ()  # re-running publishes nothing more


async def test_an_auxiliary_reads_and_signs_a_pledge_from_the_inbox(
    demo: App, tmp_path: Path
) -> None:
    async with demo.unit_of_work() as svc:
        person = await repo.person_by_employee_no(svc.session, "FJ0001")
        assert person is not None
        aid = await svc.pledges.current_assignment_for(person, "online-conduct")
        assert aid is not None
        pages = len((await svc.pledges.reading(person, aid)).pages)
    terminal = await _run(
        demo,
        [
            choose("张明辉"),
            choose_under("新任务：网络社交行为承诺书", "阅读"),
            *[choose("下一页")] * (pages - 1),
            choose("我已阅读并同意"),
            "张明辉",
        ],
        tmp_path,
    )
    picked = terminal.answer(0)
    assert "📨 5 条新消息" in picked
    for title in ("保密承诺书", "日常工作中的保密", "网络社交行为承诺书", "辅警的职责与边界"):
        assert f"📋 新任务：{title}" in picked
    assert "每周报到（2026-W49）已开始" in picked
    assert "主菜单 · 张明辉" in picked  # the menu's buttons come after the messages'
    assert picked.index("📨") < picked.index("张明辉，您好！")
    assert "承诺书</b>" not in picked and f"第 1/{pages} 页" in terminal.answer(1)
    assert "签署成功" in terminal.answer(pages + 2)
    async with demo.sessionmaker() as s:
        signed = (await s.execute(select(Signature.pledge_key))).scalars().all()
    assert signed == ["online-conduct"]
    rows = await _outbox_of(demo, "FJ0001")
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.external_message_id == f"console:{r.id}" and r.sent_at for r in rows)


async def test_each_person_sees_only_their_own_messages_and_each_once(
    demo: App, tmp_path: Path
) -> None:
    terminal = await _run(
        demo,
        [
            choose("李卫东"),  # 0: a mentor
            "/switch",  # 1
            choose("张明辉"),  # 2: one of his auxiliaries
            "/switch",  # 3
            choose("张明辉"),  # 4: the same phone again
            "/quit",  # 5
        ],
        tmp_path,
    )
    mentor = terminal.answer(0)
    assert "📨 1 条新消息" in mentor and "📋 新任务：教育管理责任书" in mentor
    assert "保密承诺书" not in mentor and "每周报到（" not in mentor
    assert "📨 5 条新消息" in terminal.answer(2)
    again = terminal.answer(4)
    assert "张明辉，您好！" in again and "📨" not in again and "新任务" not in again
    assert terminal.screen.count("📋 新任务：保密承诺书") == 1
    # nobody else's messages were taken while these two held the phone
    assert {r.status for r in await _outbox_of(demo, "FJ0002")} == {OutboxStatus.PENDING}
    assert {r.status for r in await _outbox_of(demo, "MJ002")} == {OutboxStatus.SENT}


async def test_reminders_and_digests_arrive_as_time_passes(
    demo: App, demo_clock: FrozenClock, tmp_path: Path
) -> None:
    def later(delta: timedelta, then: Step) -> Callable[[str], str]:
        """Let time pass, then type."""

        def step(screen: str) -> str:
            demo_clock.advance(delta)
            return then if isinstance(then, str) else then(screen)

        return step

    terminal = await _run(
        demo,
        [
            choose("郑国栋"),  # 0: Tuesday 10:00
            later(timedelta(days=1, hours=1), "/menu"),  # 1: Wednesday 11:00
            choose("填写每周报到"),  # 2: the reminder's button
            choose("本周一切正常"),  # 3
            "/switch",  # 4
            later(timedelta(days=1, hours=2), choose("李卫东")),  # 5: Thursday 13:00, due
        ],
        tmp_path,
    )
    reminder = terminal.answer(1)
    assert "主菜单 · 郑国栋" in reminder  # the reply to /menu comes first
    assert "📨 1 条新消息" in reminder
    assert "⏰ 提醒：「每周报到 2026-W49」将于 2026-12-03 12:00 截止" in reminder
    assert "[1] ✅ 本周一切正常" in terminal.answer(2)
    assert "✅ 已提交：2026-W49 本周一切正常" in terminal.answer(3)
    digest = terminal.answer(5)
    assert "📣 督办提醒：您联系的辅警中有 4 人有逾期未完成的任务" in digest
    assert "孙浩然：每周报到 2026-W49" in digest
    assert "欧阳晨：每周报到 2026-W49（逾期 1 小时） · ⚠️ 无法通过本助手联系" in digest
    assert "郑国栋：" not in digest  # he answered in time
    assert "周丽娟" not in digest  # another mentor's auxiliary


async def test_new_phone_gets_messages_sent_after_registering(demo: App, tmp_path: Path) -> None:
    terminal = await _run(demo, [choose("新手机"), the_invite_code, choose("我的任务")], tmp_path)
    assert "绑定成功，欧阳晨" in terminal.answer(1)
    assert "保密承诺书" in terminal.answer(2)  # tasks published before he had a phone
    async with demo.sessionmaker() as s:
        person = await repo.person_by_employee_no(s, "FJ0009")
        assert person is not None
        account = (await repo.active_accounts_of(s, person.id))[0]
    # a message enqueued now reaches the new phone the next time it is looked at
    async with demo.unit_of_work() as svc:
        await outbox.enqueue(
            svc.session,
            [
                outbox.row_for(
                    outbox.Outgoing(
                        kind="test",
                        ref=None,
                        text="来自政治处的一条消息",
                        buttons=None,
                        not_before=demo.clock.now(),
                        now=demo.clock.now(),
                    ),
                    person_id=person.id,
                    account=account,
                    dedupe_key="test:1",
                )
            ],
        )
    inbox = ConsoleInbox(demo, channel=CHANNEL)
    assert [r.text for r in await inbox.take(account.chat_id)] == ["来自政治处的一条消息"]
    assert await inbox.take(account.chat_id) == []


async def test_take_ready_claims_one_chats_ready_rows_in_order(
    app: App, clock: FrozenClock
) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, clock)
        mine = await bind_account(svc.session, clock, force["A001"], channel=CHANNEL)
        other = await bind_account(svc.session, clock, force["A002"], channel=CHANNEL)
        telegram = await bind_account(svc.session, clock, force["A003"], channel="telegram")
        now = clock.now()
        spec = [
            (mine, "later", 1, now + timedelta(hours=1)),
            (mine, "bulk", 5, now),
            (mine, "urgent", 1, now),
            (other, "someone else's", 1, now),
            (telegram, "another channel", 1, now),
        ]
        await outbox.enqueue(
            svc.session,
            [
                outbox.row_for(
                    outbox.Outgoing(
                        kind="test",
                        ref=None,
                        text=text,
                        buttons=[[{"label": "L", "action": "x:y:1"}]],
                        not_before=at,
                        now=now,
                        priority=priority,
                    ),
                    person_id=acc.person_id,
                    account=acc,
                    dedupe_key=f"t:{text}",
                )
                for acc, text, priority, at in spec
            ],
        )
    async with app.sessionmaker() as s:
        taken = await take_ready(s, channel=CHANNEL, chat_id=mine.chat_id, now=now)
        await s.commit()
    assert [t.text for t in taken] == ["urgent", "bulk"]
    assert taken[0].buttons == [[{"label": "L", "action": "x:y:1"}]]
    async with app.sessionmaker() as s:
        assert await take_ready(s, channel=CHANNEL, chat_id=mine.chat_id, now=now) == []
        rows = {r.text: r for r in (await s.execute(select(Outbox))).scalars()}
    for text in ("urgent", "bulk"):
        assert rows[text].status == OutboxStatus.SENT
        assert rows[text].external_message_id == f"console:{rows[text].id}"
        assert rows[text].sent_at is not None and rows[text].attempts == 1
    for text in ("later", "someone else's", "another channel"):
        assert rows[text].status == OutboxStatus.PENDING
