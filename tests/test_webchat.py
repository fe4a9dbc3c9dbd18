"""The web chat channel over HTTP: binding with an invite code, message and button turns
handled once, the SSE log resumed with Last-Event-ID and woken across processes, the page
in the person's language, device sessions, and bad input refused changing nothing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.channels.base import Unreachable
from bot.channels.webchat import WebChannel
from bot.clock import FrozenClock
from bot.core import Button, Document, Reply
from bot.web.chat import BURST, chat_routes
from bot.web.server import WebServer
from storage import people as repo
from storage.db import make_engine
from storage.models import ChannelAccount, ConversationState, ProcessedUpdate
from storage.models_webchat import WebchatMessage, WebchatSession
from tests.factories import make_force

CSRF = re.compile(r'data-csrf="([^"]+)"')
DEADLINE = 10.0  # seconds another process's wake-up may take before the test fails


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


Chat = tuple[TestClient, WebChannel, Clock]  # type: ignore[type-arg]


@pytest.fixture
async def chat(app: App) -> AsyncIterator[Chat]:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    channel = WebChannel(app)
    mono = Clock()
    server = WebServer("127.0.0.1:0")
    server.mount("web", chat_routes(app, channel, monotonic=mono))
    client = TestClient(TestServer(server.app))
    await client.start_server()
    try:
        yield client, channel, mono
    finally:
        await client.close()
        await channel.close()


async def code_for(app: App, employee_no: str, *, also_bound: bool = False) -> str:
    async with app.unit_of_work() as svc:
        issued = await svc.registration.issue_codes(
            Actor.cli("test"), employee_no=employee_no, also_bound=also_bound
        )
    return issued[0].code


async def open_page(client: TestClient, query: str = "") -> str:  # type: ignore[type-arg]
    resp = await client.get(f"/chat/{query}")
    assert resp.status == 200
    assert "script-src" not in resp.headers["Content-Security-Policy"]
    html = await resp.text()
    assert "<script>" not in html  # no inline script: CSP default-src 'self'
    match = CSRF.search(html)
    assert match
    return match.group(1)


async def post(
    client: TestClient,  # type: ignore[type-arg]
    csrf: str,
    path: str,
    body: Any,
    *,
    raw: bytes | None = None,
) -> tuple[int, dict[str, Any]]:
    resp = await client.post(
        f"/chat/api/{path}",
        data=raw if raw is not None else json.dumps(body),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    return resp.status, await resp.json()


async def registered(app: App, client: TestClient, employee_no: str = "A001") -> str:  # type: ignore[type-arg]
    code = await code_for(app, employee_no)
    csrf = await open_page(client, f"?code={code}")
    status, data = await post(client, csrf, "message", {"id": "c1", "text": f"/start {code}"})
    assert status == 200, data
    assert data["bound"] is True
    assert any("绑定成功" in e.get("html", "") for e in data["entries"])
    return csrf


async def read_events(client: TestClient, last: str | None, count: int) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The first `count` events of the stream (after `last`), with their ids."""
    headers = {"Last-Event-ID": last} if last is not None else {}
    resp = await client.get("/chat/api/events", headers=headers)
    assert resp.status == 200
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with asyncio.timeout(DEADLINE):
        while len(events) < count:
            line = (await resp.content.readline()).decode().rstrip("\n")
            if line.startswith("id: "):
                current["event_id"] = line[4:]
            elif line.startswith("data: "):
                current.update(json.loads(line[6:]))
            elif line == "" and current:
                events.append(current)
                current = {}
    resp.close()
    return events


async def external_id(app: App, employee_no: str = "A001") -> str:
    async with app.sessionmaker() as session:
        person = await repo.person_by_employee_no(session, employee_no)
        assert person is not None
        [acc] = [
            a for a in await repo.active_accounts_of(session, person.id) if a.channel == "web"
        ]
        return acc.external_user_id


async def counts(app: App) -> tuple[int, int, int]:
    """Log entries, ledger rows and conversation states: what a refused POST must not
    change."""
    async with app.sessionmaker() as session:
        logged = await session.scalar(select(func.count()).select_from(WebchatMessage))
        ledger = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        states = await session.scalar(
            select(func.max(ConversationState.updated_at)).select_from(ConversationState)
        )
    return int(logged or 0), int(ledger or 0), hash(states)


# --- binding and sessions ---------------------------------------------------------------


async def test_code_page_prefills_and_binds(app: App, chat: Chat) -> None:
    client, _, _ = chat
    code = await code_for(app, "A001")
    resp = await client.get(f"/chat/?code={code}")
    html = await resp.text()
    assert f'value="{code}"' in html
    assert 'data-bound="no"' in html
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/chat/" in cookie
    async with app.sessionmaker() as session:
        [row] = (await session.execute(select(WebchatSession))).scalars().all()
    assert row.expires_at == app.clock.now() + timedelta(days=30)  # a row, 30 days
    await registered(app, client)
    assert 'data-bound="yes"' in await (await client.get("/chat/")).text()


async def test_wrong_codes_lock_out_as_on_telegram(app: App, chat: Chat) -> None:
    client, _, _ = chat
    csrf = await open_page(client)
    answers = []
    for i in range(6):
        _, data = await post(client, csrf, "message", {"id": f"w{i}", "text": "/start ZZZZ-9999"})
        answers.append(data["entries"][-1]["html"])
        assert data["bound"] is False
    assert "还可尝试" in answers[0]
    assert "分钟后再试" in answers[-1]


async def test_a_used_code_is_refused_in_a_second_browser(app: App, chat: Chat) -> None:
    client, _, _ = chat
    code = await code_for(app, "A001")
    csrf = await open_page(client)
    await post(client, csrf, "message", {"id": "a", "text": f"/start {code}"})
    client.session.cookie_jar.clear()  # another phone
    csrf = await open_page(client)
    status, data = await post(client, csrf, "message", {"id": "b", "text": f"/start {code}"})
    assert status == 200 and data["bound"] is False
    assert "已经被使用过了" in data["entries"][-1]["html"]


async def test_opening_the_page_renews_the_session(
    app: App, chat: Chat, clock: FrozenClock
) -> None:
    client, _, _ = chat
    await registered(app, client)
    clock.advance(timedelta(days=20))
    assert 'data-bound="yes"' in await (await client.get("/chat/")).text()
    clock.advance(timedelta(days=20))  # 40 days after binding, 20 after the last visit
    assert 'data-bound="yes"' in await (await client.get("/chat/")).text()


async def test_expired_session_asks_for_the_code_again_and_a_new_code_binds(
    app: App, chat: Chat, clock: FrozenClock
) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    old = await external_id(app)
    clock.advance(timedelta(days=31))
    status, data = await post(client, csrf, "message", {"id": "e1", "text": "/menu"})
    assert status == 401 and data["code"] is True and "邀请码" in data["error"]
    status, _ = await post(client, csrf, "button", {"id": "e2", "action": "x", "message_id": "y"})
    assert status == 401
    assert (await client.get("/chat/api/events")).status == 401
    assert 'data-bound="no"' in await (await client.get("/chat/")).text()
    async with app.sessionmaker() as session:
        gone = await repo.active_account(session, "web", old)
        assert gone is not None and not gone.reachable  # pushes go elsewhere now
    code = await code_for(app, "A001", also_bound=True)  # the office issues a new one
    csrf = await open_page(client)
    status, data = await post(client, csrf, "message", {"id": "e3", "text": f"/start {code}"})
    assert (status, data["bound"]) == (200, True)
    assert await external_id(app) != old


async def test_unbind_ends_the_device_binding(app: App, chat: Chat) -> None:
    client, _, _ = chat
    await registered(app, client)
    async with app.unit_of_work() as svc:
        assert await svc.registration.unbind(Actor.cli("test"), "A001") == 1
    assert 'data-bound="no"' in await (await client.get("/chat/")).text()


async def test_a_log_no_browser_sees_is_unreachable(
    app: App, chat: Chat, clock: FrozenClock
) -> None:
    client, channel, _ = chat
    await registered(app, client)
    chat_id = await external_id(app)
    assert await channel.send(chat_id, Reply("通知"))
    clock.advance(timedelta(days=31))
    with pytest.raises(Unreachable):
        await channel.send(chat_id, Reply("没人看得到"))
    async with app.sessionmaker() as session:
        acc = await repo.active_account(session, "web", chat_id)
        assert acc is not None and not acc.reachable


# --- turns ---------------------------------------------------------------------------------


async def test_message_round_trip_and_button_press(app: App, chat: Chat) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    status, data = await post(client, csrf, "message", {"id": "m1", "text": "/menu"})
    assert status == 200
    mine, menu = data["entries"]
    assert (mine["kind"], mine["text"]) == ("mine", "/menu")  # the person's own bubble
    assert menu["html"].startswith("主菜单 · 张三") and menu["buttons"]
    [help_button] = [b for row in menu["buttons"] for b in row if "帮助" in b["label"]]
    status, pressed = await post(
        client,
        csrf,
        "button",
        {"id": "b1", "action": help_button["action"], "message_id": menu["id"]},
    )
    assert status == 200
    assert "常用命令" in pressed["entries"][-1]["html"]


async def test_repeated_client_id_is_handled_once(app: App, chat: Chat) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    before, _, _ = await counts(app)
    first = await post(client, csrf, "message", {"id": "same", "text": "/menu"})
    again = await post(client, csrf, "message", {"id": "same", "text": "/menu"})
    assert first == again
    async with app.sessionmaker() as session:
        ledger = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "web", ProcessedUpdate.update_key == "same")
        )
    assert ledger == 1
    logged, _, _ = await counts(app)
    assert logged == before + 2  # what was typed and one menu, once


async def test_a_double_tap_on_a_button_acts_once(app: App, chat: Chat) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    _, data = await post(client, csrf, "message", {"id": "l1", "text": "/lang"})
    picker = data["entries"][-1]
    [english] = [b for row in picker["buttons"] for b in row if b["label"] == "English"]
    body = {"action": english["action"], "message_id": picker["id"]}
    one, two = await asyncio.gather(
        post(client, csrf, "button", {"id": "tap1", **body}),
        post(client, csrf, "button", {"id": "tap2", **body}),
    )
    answers = [e["html"] for _, d in (one, two) for e in d["entries"]]
    assert answers.count("Language set to English.") == 1  # the picker, edited once
    assert any("按钮已失效" in a or "no longer works" in a for a in answers)  # the second tap


async def test_sse_resumes_after_last_event_id_with_everything_once(app: App, chat: Chat) -> None:
    client, channel, _ = chat
    await registered(app, client)
    logged, _, _ = await counts(app)
    first = await read_events(client, None, logged)
    assert first[0]["kind"] == "mine" and "绑定成功" in first[1]["html"]
    chat_id = await external_id(app)
    sent = await channel.send(chat_id, Reply("通知一", buttons=[[Button("收到", "x:1")]]))
    await channel.send(chat_id, Reply("通知二"))
    await channel.edit(chat_id, sent, Reply("☑️ 已确认 09:00"))
    rest = await read_events(client, first[-1]["event_id"], 3)
    assert [e["html"] for e in rest] == ["通知一", "通知二", "☑️ 已确认 09:00"]
    assert rest[2]["kind"] == "edit" and rest[2]["id"] == sent
    ids = [int(e["event_id"]) for e in first + rest]
    assert ids == sorted(set(ids))


async def test_an_open_stream_gets_a_push_at_once(app: App, chat: Chat) -> None:
    client, channel, _ = chat
    await registered(app, client)
    logged, _, _ = await counts(app)
    chat_id = await external_id(app)
    resp = await client.get("/chat/api/events")
    seen: list[str] = []

    async def follow() -> None:
        while (line := (await resp.content.readline()).decode()) != "":
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]).get("html", ""))
                if seen[-1] == "新通知":
                    return

    reading = asyncio.create_task(follow())
    await channel.send(chat_id, Reply("新通知"))
    async with asyncio.timeout(DEADLINE):  # woken, not waiting for the 15 s re-read
        await reading
    assert len(seen) == logged + 1
    resp.close()


async def test_documents_download_from_the_log(app: App, chat: Chat) -> None:
    client, channel, _ = chat
    await registered(app, client)
    pos_id = await channel.send(
        await external_id(app), Reply("报表", document=Document("报表.xlsx", b"PK\x03\x04"))
    )
    async with app.sessionmaker() as session:
        pos = await session.scalar(
            select(WebchatMessage.id).where(WebchatMessage.message_id == pos_id)
        )
    resp = await client.get(f"/chat/api/doc/{pos}")
    assert resp.status == 200 and await resp.read() == b"PK\x03\x04"
    assert "UTF-8''%E6%8A%A5%E8%A1%A8.xlsx" in resp.headers["Content-Disposition"]
    assert (await client.get(f"/chat/api/doc/{pos - 1}")).status == 404  # not a document


async def test_the_page_speaks_the_persons_language(app: App, chat: Chat) -> None:
    client, _, _ = chat
    html = await (await client.get("/chat/")).text()
    assert 'lang="zh-CN"' in html and "请输入政治处辅警办发给您的邀请码" in html
    csrf = await registered(app, client)
    _, data = await post(
        client, csrf, "message", {"id": "l1", "text": "/lang en", "lang": "zh_CN"}
    )
    assert data["lang"] == "en"
    assert data["strings"]["webchat-send"] == "Send"  # the page relabels itself
    _, data = await post(client, csrf, "message", {"id": "l2", "text": "/menu", "lang": "en"})
    assert "strings" not in data
    html = await (await client.get("/chat/")).text()
    assert 'lang="en"' in html and 'placeholder="Type a message…"' in html and ">Send<" in html


@pytest.mark.pg_only  # SQLite runs one process: its own appends wake its streams
async def test_a_stream_in_one_process_gets_what_another_appends(app: App, chat: Chat) -> None:
    """The worker's sender (another process: its own engine and watcher) appends; the
    stream held by this web process shows it at once (NOTIFY at the commit)."""
    client, channel, _ = chat
    await registered(app, client)
    logged, _, _ = await counts(app)
    chat_id = await external_id(app)
    url = app.engine.url.render_as_string(hide_password=False)
    worker = App(app.settings, make_engine(url, pool_size=2), app.clock)
    sender = WebChannel(worker)
    resp = await client.get("/chat/api/events")
    seen: list[dict[str, Any]] = []

    async def follow() -> None:
        while (line := (await resp.content.readline()).decode()) != "":
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                if seen[-1].get("html") == "来自另一个进程":
                    return

    await resp.content.readline()  # the stream has begun: it is watching the log
    assert channel.watcher.streams == 1
    reading = asyncio.create_task(follow())
    await sender.send(chat_id, Reply("来自另一个进程"))
    async with asyncio.timeout(DEADLINE):
        await reading
    assert len(seen) == logged + 1
    resp.close()
    await sender.close()
    await worker.close()


async def test_stopping_the_server_ends_open_streams(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    channel = WebChannel(app)
    server = WebServer("127.0.0.1:0")
    server.mount("web", chat_routes(app, channel))
    client = TestClient(TestServer(server.app))
    await client.start_server()
    await open_page(client)
    resp = await client.get("/chat/api/events")
    await resp.content.readline()  # the first keep-alive: the stream is open
    async with asyncio.timeout(DEADLINE):  # not the server's 60 s shutdown timeout
        await client.close()
    assert channel.watcher.streams == 0


# --- bad input: a clear answer, nothing changed ------------------------------------------

BAD_MESSAGES = [
    pytest.param({"id": "t1", "text": "长" * 4001}, None, 400, "太长", id="over-the-limit"),
    pytest.param(
        {"id": "t2", "text": "\u200b\u200c\u2060 "}, None, 400, "请输入文字", id="zero-width"
    ),
    pytest.param({"id": "t3", "text": "正常\u202e文字"}, None, 400, "方向", id="rtl-override"),
    pytest.param({"id": "t4", "text": "\u2067隔离"}, None, 400, "方向", id="rtl-isolate"),
    pytest.param({"id": "t5", "text": 5}, None, 400, "请输入文字", id="not-text"),
    pytest.param(None, b"not json", 400, "JSON", id="not-json"),
    pytest.param(None, b"[1, 2]", 400, "JSON", id="json-not-an-object"),
    pytest.param(None, b"\xff\xfe", 400, "JSON", id="not-utf8"),
    pytest.param({"id": "", "text": "x"}, None, 400, "编号", id="no-client-id"),
    pytest.param({"id": "x" * 65, "text": "x"}, None, 400, "编号", id="long-client-id"),
    pytest.param(
        None,
        b'{"id": "big", "text": "' + b"x" * 1_000_000 + b'"}',
        413,
        "太大",
        id="1-mb-body",
    ),
]


@pytest.mark.parametrize(("body", "raw", "status", "words"), BAD_MESSAGES)
async def test_bad_input_is_refused_and_changes_nothing(
    app: App, chat: Chat, body: Any, raw: bytes | None, status: int, words: str
) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    before = await counts(app)
    got, data = await post(client, csrf, "message", body, raw=raw)
    assert (got, words in data["error"]) == (status, True), data
    assert await counts(app) == before


async def test_a_forged_csrf_token_is_refused(app: App, chat: Chat) -> None:
    client, _, _ = chat
    await registered(app, client)
    before = await counts(app)
    status, data = await post(client, "forged", "message", {"id": "x1", "text": "/menu"})
    assert status == 403 and "刷新" in data["error"]
    status, data = await post(
        client, "forged", "button", {"id": "x2", "action": "a", "message_id": "b"}
    )
    assert status == 403
    assert await counts(app) == before


async def test_html_and_emoji_are_text(app: App, chat: Chat) -> None:
    client, _, _ = chat
    csrf = await open_page(client)
    typed = "<b>hi</b><script>alert(1)</script> 😀👨‍👩‍👧"
    status, data = await post(client, csrf, "message", {"id": "h1", "text": typed})
    assert status == 200
    mine, answer = data["entries"]
    assert mine["text"] == typed  # shown as typed (the page sets it as text), emoji intact
    assert "<script>" not in answer["html"] and "<b>hi" not in answer["html"]


async def test_forged_and_stale_buttons_are_refused_and_change_nothing(
    app: App, chat: Chat
) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    _, data = await post(client, csrf, "message", {"id": "p1", "text": "/lang"})
    picker = data["entries"][-1]
    [english] = [b for row in picker["buttons"] for b in row if b["label"] == "English"]
    cases = [
        {"action": "pl:s:999999", "message_id": "nope"},  # a message never shown
        {"action": "pl:s:999999", "message_id": picker["id"]},  # a token not on it
        {"action": english["action"] + "x", "message_id": picker["id"]},  # tampered
    ]
    for i, case in enumerate(cases):
        status, data = await post(client, csrf, "button", {"id": f"f{i}", **case})
        assert status == 200 and "按钮已失效" in data["entries"][-1]["html"]
    _, data = await post(
        client,
        csrf,
        "button",
        {"id": "ok", **{"action": english["action"], "message_id": picker["id"]}},
    )
    assert "Language set to English." in [e["html"] for e in data["entries"]]
    before = await counts(app)
    # the same button again, now that its message was edited: stale, and still English
    status, data = await post(
        client,
        csrf,
        "button",
        {"id": "again", "action": english["action"], "message_id": picker["id"]},
    )
    assert status == 200 and "no longer works" in data["entries"][-1]["html"]
    logged, ledger, state = await counts(app)
    assert (logged, state) == (before[0] + 1, before[2])  # only the answer was logged
    async with app.sessionmaker() as session:
        person = await repo.person_by_employee_no(session, "A001")
        assert person is not None and person.locale == "en"
    status, data = await post(client, csrf, "button", {"id": "b", "action": 1, "message_id": "x"})
    assert status == 400 and "button" in data["error"]  # refused in the person's language


async def test_rate_limit_burst_then_one_a_second(app: App, chat: Chat) -> None:
    client, _, mono = chat
    csrf = await registered(app, client)  # one post of the burst
    statuses = [
        (await post(client, csrf, "message", {"id": f"r{i}", "text": "/menu"}))[0]
        for i in range(BURST)
    ]
    assert statuses == [200] * (BURST - 1) + [429]
    before = await counts(app)
    status, data = await post(client, csrf, "message", {"id": "r-late", "text": "/menu"})
    assert status == 429 and "太频繁" in data["error"]
    assert await counts(app) == before
    mono.now += 1.0
    assert (await post(client, csrf, "message", {"id": "r-next", "text": "/menu"}))[0] == 200


async def test_the_binding_is_audited_and_marked_used(app: App, chat: Chat) -> None:
    client, _, _ = chat
    await registered(app, client)
    async with app.sessionmaker() as session:
        acc = (
            await session.execute(select(ChannelAccount).where(ChannelAccount.channel == "web"))
        ).scalar_one()
    assert acc.last_used_at == app.clock.now()
