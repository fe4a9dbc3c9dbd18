"""What a handler gets besides the event: who, services, translator, state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.actions import Action, decode
from bot.actor import Actor
from bot.clock import Clock
from bot.config import Settings
from bot.core import Incoming, State
from bot.i18n import Translator
from bot.services import Services
from storage.models import ChannelAccount, ConversationState, Person

if TYPE_CHECKING:
    from bot.router import MenuEntry


@dataclass
class Context:
    person: Person | None
    account: ChannelAccount | None
    services: Services
    t: Translator
    clock: Clock
    settings: Settings
    state: State
    state_row: ConversationState
    menu: list[MenuEntry]
    # this turn belongs to a sealed conversation (a hotline asker's): its replies are
    # private and its state is stored sealed (set by a private route or `keep_private`)
    private: bool = False

    def keep_private(self) -> None:
        """Seal this turn: what the person typed or was shown belongs to the hotline."""
        self.private = True

    @property
    def actor(self) -> Actor:
        if self.person is None:
            raise RuntimeError("no person bound to this account")
        return Actor.of(self.person)

    @property
    def me(self) -> Person:
        if self.person is None:
            raise RuntimeError("no person bound to this account")
        return self.person

    @staticmethod
    def action(event: Incoming) -> Action:
        return decode(event.name)
