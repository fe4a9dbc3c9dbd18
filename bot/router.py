"""Routing of normalized events to handlers: commands, buttons, free text by step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.actions import BadAction, decode
from bot.core import Incoming, Kind, Reply

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[[Incoming, "Context"], Awaitable[list[Reply]]]
# A route's handler for many presses at once (group commit, see bot.conversation): the
# events and their contexts, all in one transaction; per event its replies, or None for an
# event it left untouched (it then goes through `handler` alone).
BatchHandler = Callable[[list[Incoming], list["Context"]], Awaitable[list[list[Reply] | None]]]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    public: bool  # reachable by an account that is not bound to a person
    private: bool = False  # a sealed conversation: replies and state kept sealed
    batch: BatchHandler | None = None  # presses of many people handled together


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A main-menu button contributed by a feature; shown to people with one of `roles`."""

    label_key: str
    action: str
    roles: frozenset[str]
    order: int = 50


@dataclass
class Flow:
    """Handlers of one feature module. `handlers/__init__.py` collects all flows."""

    name: str
    # every route of the flow is private (the hotline): see Route.private
    private: bool = False
    commands: dict[str, Route] = field(default_factory=dict)
    buttons: dict[str, Route] = field(default_factory=dict)
    steps: dict[str, Route] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)

    def _route(
        self, table: dict[str, Route], key: str, public: bool, batch: BatchHandler | None = None
    ) -> Callable[[Handler], Handler]:
        """A decorator that files its handler in `table` under `key`."""

        def deco(fn: Handler) -> Handler:
            table[key] = Route(fn, public, self.private, batch)
            return fn

        return deco

    def command(self, name: str, *, public: bool = False) -> Callable[[Handler], Handler]:
        return self._route(self.commands, name, public)

    def button(
        self, route: str, *, public: bool = False, batch: BatchHandler | None = None
    ) -> Callable[[Handler], Handler]:
        """Handle presses of buttons whose token starts with `route` ("feature:verb");
        `batch` handles many people's presses in one transaction (PostgreSQL)."""
        return self._route(self.buttons, route, public, batch)

    def text(self, step: str, *, public: bool = False) -> Callable[[Handler], Handler]:
        """Handle free text while the conversation is at `step`."""
        return self._route(self.steps, step, public)

    def menu_entry(
        self, label_key: str, action: str, *, roles: Iterable[str], order: int = 50
    ) -> None:
        self.menu.append(MenuEntry(label_key, action, frozenset(roles), order))


class Dispatcher:
    """Finds the route for an event. Unknown input falls back to `fallback_*` routes."""

    def __init__(self, flows: Iterable[Flow]) -> None:
        self.commands: dict[str, Route] = {}
        self.buttons: dict[str, Route] = {}
        self.steps: dict[str, Route] = {}
        self.menu: list[MenuEntry] = []
        for flow in flows:
            for table, mine in (
                (self.commands, flow.commands),
                (self.buttons, flow.buttons),
                (self.steps, flow.steps),
            ):
                clash = table.keys() & mine.keys()
                if clash:
                    raise ValueError(f"flow {flow.name} registers {sorted(clash)} twice")
                table.update(mine)
            self.menu.extend(flow.menu)
        self.menu.sort(key=lambda e: e.order)

    def route_for(self, event: Incoming, step: str | None) -> Route | None:
        if event.kind is Kind.COMMAND:
            return self.commands.get(event.name) or self.commands.get("*")
        if event.kind is Kind.BUTTON:
            try:
                action = decode(event.name)
            except BadAction:
                return self.buttons.get("*")
            return self.buttons.get(action.route) or self.buttons.get("*")
        if step is not None and step in self.steps:
            return self.steps[step]
        return self.steps.get("*")
