"""Channel-neutral conversation types: what handlers receive and what they return."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from bot.text import Html, plain, split_message, visible


class Kind(enum.StrEnum):
    COMMAND = "command"
    TEXT = "text"
    BUTTON = "button"


@dataclass(frozen=True, slots=True)
class Account:
    """Who sent an event on which channel (before we know which person it is)."""

    channel: str
    external_user_id: str
    chat_id: str
    display_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A normalized event: a command, a free text or a button press.

    For a command `name` is the command ("start") and `arg` what followed it;
    for a button `name` is the full action token ("pl:s:42");
    for text, `text` holds what was typed.
    """

    account: Account
    kind: Kind
    name: str = ""
    arg: str = ""
    text: str = ""
    message_ref: str | None = None  # id of the message whose button was pressed
    event_id: str | None = None
    # buttons the channel shows numbered, so that a typed number presses one (the console);
    # 0 where buttons are tapped. A text that is a number beyond them was a mistyped button.
    buttons_shown: int = 0


@dataclass(frozen=True, slots=True)
class Button:
    """A button: `label` is plain text on every channel; a translation (markup) given as
    the label is turned into its text, so an escaped name never shows as `&lt;`; no
    invisible or control characters (`visible`), whatever the label was built from."""

    label: str
    action: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", visible(plain(self.label)))


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes


@dataclass(slots=True)
class Reply:
    """One message to show. `text` is Telegram HTML, built from translations and
    `bot.text.html` (both escape what users typed); `toast` is plain text."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message whose button was pressed
    document: Document | None = None
    toast: str | None = None  # short notice for a button press (answerCallbackQuery)
    # part of a sealed conversation (a hotline asker's): a channel that keeps a copy of
    # what it shows (web chat log, WeCom cards) keeps it sealed (storage/sealed.py)
    private: bool = False

    def __post_init__(self) -> None:
        if self.toast is not None:
            self.toast = plain(self.toast)


def in_parts(reply: Reply) -> list[Reply]:
    """`reply` as messages that each fit one chat message (counted as sent, escaped):
    a long view (a thread, a summary of typed answers) is cut where `split_message` cuts,
    the buttons go on the last part, and only the first part replaces the pressed one."""
    parts = split_message(reply.text) if reply.text else []
    if len(parts) <= 1:
        return [reply]
    last = len(parts) - 1
    return [
        replace(
            reply,
            text=Html(part),
            buttons=reply.buttons if i == last else [],
            edit=reply.edit and i == 0,
            toast=reply.toast if i == 0 else None,
        )
        for i, part in enumerate(parts)
    ]


@dataclass(slots=True)
class State:
    """Conversation step and scratch data, stored in the database between messages."""

    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def go(self, step: str | None, **data: Any) -> None:
        self.step = step
        self.data = dict(data)

    def clear(self) -> None:
        self.go(None)
