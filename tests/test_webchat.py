"""The web chat channel over HTTP: binding with an invite code, message and button turns
handled once, the SSE log resumed with Last-Event-ID, bad input refused changing nothing."""

from __future__ import annotations

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
from bot.channels.webchat import WebChannel
from bot.core import Button, Reply
from bot.web.chat import BURST, chat_routes
from bot.web.server import WebServer
from storage.models import ProcessedUpdate
from storage.models_webchat import WebchatMessage
from tests.factories import make_force

CSRF = re.compile(r'data-csrf="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def chat(app: App) -> AsyncIterator[tuple[TestClient, WebChannel, Clock]]:  # type: ignore[type-arg]
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
    channel = WebChannel(app.conversation())
    mono = Clock()
    server = WebServer("127.0.0.1:0")
    server.mount("web", chat_routes(app, channel, monotonic=mono))
    client = TestClient(TestServer(server.app))
    await client.start_server()
    try:
        yield client, channel, mono
    finally:
        await client.close()


async def code_for(app: App, employee_no: str) -> str:
    async with app.unit_of_work() as svc:
        issued = await svc.registration.issue_codes(Actor.cli("test"), employee_no=employee_no)
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
    assert any("绑定成功" in e["html"] for e in data["entries"])
    return csrf


async def read_events(client: TestClient, last: str | None, count: int) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The first `count` events of the stream (after `last`), with their ids."""
    headers = {"Last-Event-ID": last} if last is not None else {}
    resp = await client.get("/chat/api/events", headers=headers)
    assert resp.status == 200
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
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


async def test_code_page_prefills_and_binds(app: App, chat: Any) -> None:
    client, _, _ = chat
    code = await code_for(app, "A001")
    resp = await client.get(f"/chat/?code={code}")
    html = await resp.text()
    assert f'value="{code}"' in html
    assert 'data-bound="no"' in html
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=2592000" in cookie
    await registered(app, client)
    assert 'data-bound="yes"' in await (await client.get("/chat/")).text()


async def test_wrong_codes_lock_out_as_on_telegram(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await open_page(client)
    answers = []
    for i in range(6):
        _, data = await post(client, csrf, "message", {"id": f"w{i}", "text": "/start ZZZZ-9999"})
        answers.append(data["entries"][0]["html"])
        assert data["bound"] is False
    assert "还可尝试" in answers[0]
    assert "分钟后再试" in answers[-1]


async def test_message_round_trip_and_button_press(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    status, data = await post(client, csrf, "message", {"id": "m1", "text": "/menu"})
    assert status == 200
    menu = data["entries"][-1]
    assert menu["buttons"], menu
    button = menu["buttons"][0][0]
    status, pressed = await post(
        client, csrf, "button", {"id": "b1", "action": button["action"], "message_id": menu["id"]}
    )
    assert status == 200
    assert pressed["entries"] or pressed["toast"]


async def test_repeated_client_id_is_handled_once(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    async with app.sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(WebchatMessage))
    first = await post(client, csrf, "message", {"id": "same", "text": "/menu"})
    again = await post(client, csrf, "message", {"id": "same", "text": "/menu"})
    assert first == again
    async with app.sessionmaker() as session:
        logged = await session.scalar(select(func.count()).select_from(WebchatMessage))
        ledger = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "web", ProcessedUpdate.update_key == "same")
        )
    assert ledger == 1
    assert logged == before + 1 == first[1]["entries"][0]["pos"]  # one menu, shown once


async def test_sse_resumes_after_last_event_id_with_everything_once(app: App, chat: Any) -> None:
    client, channel, _ = chat
    csrf = await registered(app, client)
    async with app.sessionmaker() as session:
        before = int(await session.scalar(select(func.count()).select_from(WebchatMessage)) or 0)
    first = await read_events(client, None, before)
    assert "绑定成功" in first[0]["html"]
    chat_id = await _external_id(app)
    sent = await channel.send(chat_id, Reply("通知一", buttons=[[Button("收到", "x:1")]]))
    await channel.send(chat_id, Reply("通知二"))
    await channel.edit(chat_id, sent, Reply("☑️ 已确认 09:00"))
    rest = await read_events(client, first[-1]["event_id"], 3)
    assert [e["html"] for e in rest] == ["通知一", "通知二", "☑️ 已确认 09:00"]
    assert rest[2]["kind"] == "edit" and rest[2]["id"] == sent
    ids = [int(e["event_id"]) for e in first + rest]
    assert ids == sorted(set(ids))
    assert csrf


async def _external_id(app: App) -> str:
    async with app.sessionmaker() as session:
        return str(await session.scalar(select(WebchatMessage.external_id).limit(1)))


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    status, data = await post(client, csrf, "message", {"id": "h1", "text": "<b>hi</b><script>"})
    assert status == 200
    assert all("<script>" not in e["html"] for e in data["entries"])
    cases = [
        ({"id": "t1", "text": "长" * 4001}, None, 400, "太长"),
        (None, b"not json", 400, "JSON"),
        (None, b"[1, 2]", 400, "JSON"),
        ({"id": "", "text": "x"}, None, 400, "编号"),
        (None, b'{"id": "big", "text": "' + b"x" * 1_000_000 + b'"}', 413, "太大"),
    ]
    for body, raw, want, words in cases:
        status, data = await post(client, csrf, "message", body, raw=raw)
        assert (status, words in data["error"]) == (want, True), data
    status, data = await post(
        client, csrf, "button", {"id": "f1", "action": "pl:s:999999", "message_id": "nope"}
    )
    assert status == 200 and "按钮已失效" in data["entries"][0]["html"]
    status, data = await post(client, "forged", "message", {"id": "x1", "text": "/menu"})
    assert status == 403 and "刷新" in data["error"]
    async with app.sessionmaker() as session:
        keys = set(
            await session.scalars(
                select(ProcessedUpdate.update_key).where(ProcessedUpdate.channel == "web")
            )
        )
    assert keys == {"c1", "h1", "f1"}


async def test_rate_limit_burst_then_one_a_second(app: App, chat: Any) -> None:
    client, _, mono = chat
    csrf = await registered(app, client)  # one post of the burst
    statuses = [
        (await post(client, csrf, "message", {"id": f"r{i}", "text": "/menu"}))[0]
        for i in range(BURST)
    ]
    assert statuses == [200] * (BURST - 1) + [429]
    status, data = await post(client, csrf, "message", {"id": "r-late", "text": "/menu"})
    assert status == 429 and "太频繁" in data["error"]
    mono.now += 1.0
    assert (await post(client, csrf, "message", {"id": "r-next", "text": "/menu"}))[0] == 200


async def test_expired_session_asks_for_the_code_again(app: App, chat: Any) -> None:
    client, _, _ = chat
    csrf = await registered(app, client)
    app.clock.set(app.clock.now() + timedelta(days=31))  # type: ignore[attr-defined]
    status, data = await post(client, csrf, "message", {"id": "e1", "text": "/menu"})
    assert status == 401 and data["code"] is True and "邀请码" in data["error"]
    assert 'data-bound="no"' in await (await client.get("/chat/")).text()


async def test_unbind_ends_the_device_binding(app: App, chat: Any) -> None:
    client, _, _ = chat
    await registered(app, client)
    async with app.unit_of_work() as svc:
        assert await svc.registration.unbind(Actor.cli("test"), "A001") == 1
    assert 'data-bound="no"' in await (await client.get("/chat/")).text()
