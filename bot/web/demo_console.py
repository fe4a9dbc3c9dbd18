"""The console and the web chat beside `muster demo`: their own thread and event loop,
because the demo's terminal chat blocks its loop on input(). All use the same SQLite file,
so the office's actions in the browser show up in the chat and the chat's in the browser.
The web chat's link carries an invite code of a sample auxiliary: a phone-sized browser
window is that auxiliary's chat (the outbox sender here delivers to web accounts)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from bot.actor import Actor
from bot.app import App
from bot.channels.webchat import WebChannel
from bot.cli.web import console_url, login_link
from bot.config import Settings
from bot.errors import DomainError
from bot.services.console import Filters
from bot.web.chat import chat_routes
from bot.web.console import console_routes
from bot.web.server import WebServer
from scheduled.sender import run_sender
from storage.models import Role

log = logging.getLogger(__name__)


class DemoConsole:
    """Start with `start()` (returns the intro lines), end with `stop()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: str | None = None
        self._link: tuple[str, str] | None = None  # (office staffer's name, login URL)
        self._chat: tuple[str, str, bool] | None = None  # (auxiliary, chat URL, bound)

    def start(self, timeout: float = 15.0) -> list[str]:
        self._thread = threading.Thread(target=self._run, name="demo-console", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        return self._lines()

    def _lines(self) -> list[str]:
        from bot.cli.common import translator  # noqa: PLC0415

        t = translator(self.settings, None)
        if self._error is not None:
            return [t("web-demo-console-off", listen=self.settings.web_listen, error=self._error)]
        lines = [t("web-demo-console", url=f"{console_url(self.settings)}/")]
        if self._link is not None:
            lines.append(t("web-demo-login-link", name=self._link[0], url=self._link[1]))
        if self._chat is not None:
            name, url, bound = self._chat
            key = "webchat-demo-link-bound" if bound else "webchat-demo-link"
            lines.append(t(key, name=name, url=url))
        return lines

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as exc:  # noqa: BLE001 - the chat demo goes on without the console
            log.warning("demo console stopped: %s", exc)
            self._error = str(exc)
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = await App.open(self.settings, check_schema=False)
        server = WebServer(self.settings.web_listen)
        server.mount("console", console_routes(app))
        webchat = WebChannel(app)
        server.mount("web", chat_routes(app, webchat))
        sender: asyncio.Task[None] | None = None
        try:
            try:
                await server.start()
            except OSError as exc:
                self._error = exc.strerror or str(exc)
                return
            sender = asyncio.create_task(run_sender(app, [webchat]))
            self._link = await self._office_link(app)
            self._chat = await self._chat_link(app)
            self._ready.set()
            await self._stop.wait()
        finally:
            self._ready.set()
            await server.stop()
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
            await webchat.close()
            await app.close()

    async def _office_link(self, app: App) -> tuple[str, str] | None:
        async with app.unit_of_work() as svc:
            office = await svc.console.office_staff(Actor.cli("cli:demo"))
        if not office:
            return None
        person = office[0]
        try:
            url = await login_link(app, person.employee_no, actor=Actor.cli("cli:demo"))
        except DomainError:
            return None
        return person.name, url

    async def _chat_link(self, app: App) -> tuple[str, str, bool] | None:
        """The web chat's link for the first sample auxiliary: with an invite code that
        binds a browser as a second channel of theirs, unless one is bound already."""
        actor = Actor.cli("cli:demo")
        async with app.unit_of_work() as svc:
            auxiliaries = await svc.console.people(
                actor, Filters(role=Role.AUXILIARY.value, status="active")
            )
            if not auxiliaries.rows:
                return None
            first = min(auxiliaries.rows, key=lambda row: row.employee_no)
            person = await svc.people.get(actor, first.employee_no)
            if await svc.people.reachable_on(person, "web"):
                return person.name, f"{app.settings.public_url}/chat/", True
            [issued] = await svc.registration.issue_codes(
                actor, employee_no=person.employee_no, also_bound=True
            )
        return person.name, issued.web_link, False

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
