"""Helpers for console tests: the console on an aiohttp test server and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.actor import Actor
from bot.app import App
from bot.web.console import console_routes
from bot.web.server import WebServer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


@asynccontextmanager
async def console_client(app: App) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    server = WebServer("127.0.0.1:0")
    server.mount("console", console_routes(app))
    client = TestClient(TestServer(server.app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def sign_in(client: TestClient, app: App, employee_no: str) -> str:  # type: ignore[type-arg]
    """Sign in through a login link, as `muster login-link` gives one; returns the CSRF
    token of the new session."""
    async with app.unit_of_work() as svc:
        token = await svc.web_auth.issue_link(Actor.cli("test"), employee_no)
    page = await client.get(f"/console/login/link?token={token}")
    resp = await client.post(
        "/console/login/link",
        data={"token": token, "csrf": csrf_of(await page.text())},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    home = await client.get("/console/")
    assert home.status == 200
    return csrf_of(await home.text())


async def text_of(resp: ClientResponse) -> str:
    return await resp.text()
