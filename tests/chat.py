"""An in-process chat user for handler tests: talks to Conversation.handle directly.

End-to-end tests over HTTP live in tests/e2e; this driver tests handler logic fast.
"""

from __future__ import annotations

import itertools

from markupsafe import Markup

from bot.app import App
from bot.conversation import Conversation
from bot.core import Account, Incoming, Kind, Reply
from tests.telegram_html import problems

_ids = itertools.count(1)


class ChatUser:
    def __init__(self, conversation: Conversation, user_id: str, channel: str = "test") -> None:
        self.conversation = conversation
        self.account = Account(channel=channel, external_user_id=user_id, chat_id=user_id)
        self.last: list[Reply] = []

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            event = Incoming(self.account, Kind.COMMAND, name=name, arg=arg.strip(), text=text)
        else:
            event = Incoming(self.account, Kind.TEXT, text=text)
        return await self._do(event)

    async def press(self, label: str) -> list[Reply]:
        """Press the button whose label contains `label` in the latest replies."""
        for reply in reversed(self.last):
            for row in reply.buttons:
                for button in row:
                    if label in button.label:
                        return await self.tap(button.action)
        raise AssertionError(f"no button {label!r} in {[r.text for r in self.last]}")

    async def tap(self, action: str) -> list[Reply]:
        return await self._do(
            Incoming(self.account, Kind.BUTTON, name=action, message_ref=str(next(_ids)))
        )

    async def _do(self, event: Incoming) -> list[Reply]:
        self.last = await self.conversation.handle(event)
        for reply in self.last:
            check_reply(reply)
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def labels(self) -> list[str]:
        return [b.label for r in self.last for row in r.buttons for b in row]


def check_reply(reply: Reply) -> None:
    """A handler's text is markup built by the translator or `bot.text.html` (a plain
    f-string would carry what a user typed unescaped) and valid Telegram HTML."""
    if not reply.text:
        return
    assert isinstance(reply.text, Markup), f"reply text built without markup: {reply.text!r}"
    assert problems(reply.text) == [], (problems(reply.text), reply.text)


async def chat_users(app: App, *employee_nos: str) -> dict[str, ChatUser]:
    """The sample force (tests/factories.py), with a chat account and user for each of
    `employee_nos` (the account's user id is the employee number)."""
    from tests.factories import bind_account, make_force  # noqa: PLC0415

    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for no in employee_nos:
            await bind_account(svc.session, app.clock, force[no], user_id=no)
    return {no: ChatUser(app.conversation(), no) for no in employee_nos}
