"""The one HTTP server of a Muster process (MUSTER_WEB_LISTEN).

Route providers mount themselves on the root aiohttp application::

    server = WebServer(settings.web_listen)
    server.mount("console", console_routes(app))          # /console/...
    server.mount("telegram", sub_app(channel.webhook_app()))  # the webhook path
    server.mount("webchat", webchat_routes(app))           # a later channel: /chat/...
    await server.start(); ...; await server.stop()

A provider is any callable taking the root `web.Application` before it starts; it adds
routes under its own prefix and may append to on_startup/on_shutdown/on_cleanup. Two
providers claiming the same path fail at mount time (aiohttp refuses the duplicate route).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

log = logging.getLogger(__name__)

RouteProvider = Callable[[web.Application], None]
MAX_BODY = 21 * 1024 * 1024  # a 20 MB upload plus the form around it; handlers check 20 MB


class WebServer:
    """One aiohttp application and its listening socket."""

    def __init__(self, listen: str) -> None:
        self.listen = listen
        self.app = web.Application(client_max_size=MAX_BODY)
        self.mounted: list[str] = []
        self._runner: web.AppRunner | None = None

    def mount(self, name: str, provider: RouteProvider) -> None:
        """Add a provider's routes and hooks; call before start()."""
        provider(self.app)
        self.mounted.append(name)

    async def start(self) -> None:
        """Run the startup hooks and listen; OSError when the address is taken."""
        host, _, port = self.listen.rpartition(":")
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host.strip("[]"), int(port)).start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        log.info("web server on %s: %s", self.listen, ", ".join(self.mounted))

    async def stop(self) -> None:
        """Stop listening; lets running requests finish, then the shutdown hooks run."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def add_under(
    root: web.Application, prefix: str, sub: web.Application, *, keep_query: bool = False
) -> None:
    """Mount `sub` at `prefix`; a request for the bare prefix is sent on to `prefix/`
    (with its query string when `keep_query`: a link's parameters)."""
    root.add_subapp(prefix, sub)

    async def to_index(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{prefix}/?{request.query_string}" if keep_query else f"{prefix}/")

    root.router.add_get(prefix, to_index)


def sub_app(sub: web.Application) -> RouteProvider:
    """A provider that moves a ready-made application's routes and hooks onto the root
    (the Telegram adapters build their webhook as a whole aiohttp app)."""

    def provide(root: web.Application) -> None:
        for resource in sub.router.resources():
            path = resource.canonical
            for route in resource:
                root.router.add_route(route.method, path, route.handler)
        for name in ("on_startup", "on_shutdown", "on_cleanup"):
            hooks = getattr(root, name)
            for hook in getattr(sub, name):
                hooks.append(hook)

    return provide
