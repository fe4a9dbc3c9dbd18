"""What every channel adapter offers the rest of Muster, and how its deliveries fail.

Nothing here knows a chat platform: the outbox sender catches these exceptions whichever
adapter runs (aiogram, python-telegram-bot, the console demo).
"""

from __future__ import annotations

from typing import Protocol

from bot.core import Reply


class ChannelError(Exception):
    """A delivery failed. `reason` is the platform's own words, for logs and the outbox."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryAfter(ChannelError):
    """The platform asks us to slow down: send nothing for `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Deferred(ChannelError):
    """This one recipient may not get a message yet (a per-member limit, as WeCom's 30 a
    minute): try the message again after `retry_after` seconds; other chats go on."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(ChannelError):
    """The person cannot get messages from us (blocked the bot, deleted the account)."""


class TransientError(ChannelError):
    """Network trouble or a server error on the platform's side: retry later."""


class Rejected(ChannelError):
    """The platform refused this message for good (bad request): retrying will not help."""


class Channel(Protocol):
    """A running adapter that can deliver replies outside a conversation turn."""

    name: str  # the `channel` of the accounts it serves, e.g. "telegram"

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Send `reply` as new message(s); return the id of the last one sent."""
        ...

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        """Replace message `message_id` with `reply` (or send it anew if that is not
        possible); return the id of the message now showing it."""
        ...
