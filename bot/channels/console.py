"""Console channel: chat with Muster in a terminal, as `muster demo` does.

The adapter only translates. A typed line becomes an `Incoming` event for
`Conversation.handle`; each `Reply` is printed as plain text with its buttons numbered, and
typing a number presses that button. Who is typing is picked from a `Directory` (the
demo's roster), so one terminal can play every role. Messages that are not replies
(notifications, reminders, digests) come from an `Inbox` while their person holds the
phone: right after being picked and before each prompt, numbered after the buttons already
shown so both stay pressable.

Input and output are plain functions (`input` and `print` by default) so tests can script
a session. The reader is called directly, blocking the event loop: the console is the only
client of this process, and a plain `input()` behaves in every terminal and under tmux.
"""

from __future__ import annotations

import html
import itertools
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.conversation import Conversation
from bot.core import Account, Incoming, Kind, Reply
from bot.i18n import Translator

CHANNEL = "console"
SWITCH = frozenset({"/switch", ":who"})
QUIT = frozenset({"/quit", "/exit", ":q"})
LITERAL = "\\"  # a line starting with it is sent as text even if it looks like a number

Reader = Callable[[str], str]  # like input(): EOFError at end of input
Writer = Callable[[str], None]

_LINK = re.compile(r"""<a\s+href=["']([^"']*)["']\s*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


@dataclass(frozen=True, slots=True)
class Who:
    """One person the tester can be."""

    employee_no: str
    name: str
    roles: tuple[str, ...]
    unit: str
    bound: bool  # already has a console account


@dataclass(frozen=True, slots=True)
class NewPhone:
    """A fresh, unregistered console account and an invite code the tester may type."""

    external_user_id: str
    code: str | None = None
    name: str | None = None
    employee_no: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """What the console shows in its prompt for an account."""

    name: str | None
    locale: str | None


class Directory(Protocol):
    """Where the console finds people and their console accounts."""

    async def people(self) -> list[Who]: ...

    async def account_for(self, employee_no: str) -> str:
        """Return the person's console user id, binding one first if needed."""
        ...

    async def new_phone(self) -> NewPhone: ...

    async def profile(self, external_user_id: str) -> Profile: ...


class Inbox(Protocol):
    """Where messages sent to a console chat outside a conversation turn wait."""

    async def take(self, chat_id: str) -> list[Reply]:
        """Return the chat's messages that are ready, each once."""
        ...


def render_text(text: str) -> str:
    """Handler HTML to terminal text: links as `label (url)`, tags dropped, entities decoded."""

    def link(match: re.Match[str]) -> str:
        url, label = match.group(1), match.group(2)
        return label if label == url else f"{label} ({url})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


@dataclass(eq=False, kw_only=True)
class ConsoleChannel:
    conversation: Conversation
    directory: Directory
    translator: Callable[[str | None], Translator]
    read: Reader = input
    write: Writer = print
    files_dir: Path
    inbox: Inbox | None = None

    def __post_init__(self) -> None:
        self.t = self.translator(None)
        self._buttons: dict[int, tuple[str, str]] = {}  # number -> (action, message ref)
        self._messages = itertools.count(1)
        self._events = itertools.count(1)
        # this run's own prefix: the ledger keeps the keys of earlier runs on the database
        self._run = secrets.token_hex(4)

    async def run(self, *, intro: list[str] | None = None) -> int:
        """Pick a person, chat, repeat; return 0 on /quit, Ctrl-D or Ctrl-C."""
        self.write(self.t("console-title"))
        for line in intro or []:
            self.write(line)
        try:
            while True:
                account = await self._pick()
                if account is None or not await self._chat(account):
                    break
        except (EOFError, KeyboardInterrupt):
            self.write("")
        self.write(self.t("console-bye"))
        return 0

    async def _pick(self) -> Account | None:
        """Show the roster and a new phone; return the chosen account, None to quit."""
        self.t = self.translator(None)
        people = await self.directory.people()
        self.write("")
        self.write(self.t("console-pick-title"))
        names = [who.name for who in people]
        units = [who.unit for who in people]
        roles = [" / ".join(self.t(f"console-role-{r}") for r in who.roles) for who in people]
        name_w = max(map(display_width, names), default=0) + 2
        role_w = max(map(display_width, roles), default=0) + 2
        unit_w = max(map(display_width, units), default=0) + 2
        num_w = len(str(len(people) + 1))
        for i, who in enumerate(people, 1):
            mark = self.t("console-bound") if who.bound else ""
            line = (
                f"  [{i:>{num_w}}] {pad(who.name, name_w)}{pad(roles[i - 1], role_w)}"
                f"{pad(who.unit, unit_w)}{mark}"
            )
            self.write(line.rstrip())
        new_phone = len(people) + 1
        self.write(f"  [{new_phone:>{num_w}}] {self.t('console-pick-new-phone')}")
        while True:
            choice = _digits(self.read(self.t("console-pick-prompt") + " "))
            if choice in QUIT:
                return None
            if _is_number(choice) and 1 <= int(choice) <= len(people):
                who = people[int(choice) - 1]
                user_id = await self.directory.account_for(who.employee_no)
                self.write("")
                self.write(self.t("console-you-are", name=who.name, unit=who.unit))
                return self._account(user_id, who.name)
            if choice == str(new_phone):
                phone = await self.directory.new_phone()
                self.write("")
                if phone.code is None:
                    self.write(self.t("console-new-phone-no-code"))
                else:
                    self.write(
                        self.t(
                            "console-new-phone",
                            name=phone.name or "",
                            employee_no=phone.employee_no or "",
                            code=phone.code,
                        )
                    )
                return self._account(phone.external_user_id, None)
            if choice:
                self.write(self.t("console-pick-invalid", max=new_phone))

    async def _chat(self, account: Account) -> bool:
        """Talk as `account`; True to pick someone else, False to quit."""
        self._buttons = {}
        self.write(self.t("console-help"))
        await self._who(account)
        await self._deliver(account)  # what arrived while the phone was in the pocket
        await self._send(Incoming(account, Kind.COMMAND, name="start", text="/start"), more=True)
        while True:
            who = await self._who(account)
            await self._deliver(account)
            self.write("")
            line = self.read(self.t("console-prompt", name=who) + " ").strip()
            if not line:
                continue
            if line in SWITCH:
                return True
            if line in QUIT:
                return False
            await self._send(self._event(account, line))

    async def _who(self, account: Account) -> str:
        """Speak the account's language from now on; return the name for the prompt."""
        profile = await self.directory.profile(account.external_user_id)
        self.t = self.translator(profile.locale)
        return profile.name or self.t("console-unregistered")

    async def _deliver(self, account: Account) -> None:
        """Show the messages waiting for this chat, under a header of the console's."""
        if self.inbox is None:
            return
        replies = await self.inbox.take(account.chat_id)
        if not replies:
            return
        self.write("")
        self.write(self.t("console-inbox", count=len(replies)))
        self._show(replies, more=True)

    def _event(self, account: Account, line: str) -> Incoming:
        event_id = f"console-{self._run}-{next(self._events)}"
        if line.startswith(LITERAL):
            return Incoming(account, Kind.TEXT, text=line[len(LITERAL) :], event_id=event_id)
        number = _digits(line)
        if _is_number(number) and int(number) in self._buttons:
            action, ref = self._buttons[int(number)]
            return Incoming(account, Kind.BUTTON, name=action, message_ref=ref, event_id=event_id)
        if line.startswith("/"):
            name, _, arg = line[1:].partition(" ")
            return Incoming(
                account, Kind.COMMAND, name=name, arg=arg.strip(), text=line, event_id=event_id
            )
        return Incoming(
            account, Kind.TEXT, text=line, event_id=event_id, buttons_shown=len(self._buttons)
        )

    async def _send(self, event: Incoming, *, more: bool = False) -> None:
        replies = await self.conversation.handle(event)
        self._show(replies, more=more)

    def _show(self, replies: list[Reply], *, more: bool = False) -> None:
        """Print replies with their buttons numbered: from 1, replacing the earlier buttons,
        or with `more` after them, keeping them pressable (messages arriving in between)."""
        numbered: dict[int, tuple[str, str]] = dict(self._buttons) if more else {}
        for reply in replies:
            ref = str(next(self._messages))
            if reply.toast:
                self.write(f"  » {render_text(reply.toast)}")
            self.write("")
            for text_line in render_text(reply.text).splitlines() or [""]:
                self.write(f"  {text_line}".rstrip())
            if reply.document is not None:
                self.write(f"  {self._save(reply)}")
            for row in reply.buttons:
                cells = []
                for button in row:
                    number = len(numbered) + 1
                    numbered[number] = (button.action, ref)
                    cells.append(f"[{number}] {render_text(button.label)}")
                self.write("  " + "  ".join(cells))
        # A turn without buttons (help text, an error) leaves the earlier buttons usable,
        # as older messages' buttons stay pressable in a chat app.
        if numbered:
            self._buttons = numbered

    def _save(self, reply: Reply) -> str:
        assert reply.document is not None
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(reply.document.filename).name
        path.write_bytes(reply.document.content)
        return self.t(
            "console-document",
            filename=reply.document.filename,
            size=len(reply.document.content),
            path=str(path),
        )

    def _account(self, user_id: str, name: str | None) -> Account:
        return Account(
            channel=CHANNEL,
            external_user_id=user_id,
            chat_id=user_id,
            display_name=name,
            language_code=self.t.locale,
        )


def _digits(value: str) -> str:
    """Trim and turn full-width digits (typed with a Chinese input method) into ASCII."""
    return unicodedata.normalize("NFKC", value).strip()


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()
