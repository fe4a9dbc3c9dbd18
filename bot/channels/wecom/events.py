"""A decrypted WeCom callback (XML) -> a normalized event Muster can handle."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from bot.channels.wecom.crypto import CryptoError
from bot.core import Account, Incoming, Kind

CHANNEL = "wecom"


@dataclass(frozen=True, slots=True)
class WecomEvent:
    """The fields of a callback Muster uses. Unknown kinds keep msg_type/event only."""

    from_user: str
    create_time: str
    msg_type: str
    event: str = ""
    content: str = ""
    msg_id: str = ""
    event_key: str = ""
    task_id: str = ""
    response_code: str = ""
    agent_id: str = ""

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime + Event for events. A click also
        carries its card and button, so two presses in one second are two events, while a
        retried callback (the very same fields) is still one."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        key = f"ev:{self.from_user}:{self.create_time}:{self.event}"
        if self.event_key or self.task_id:
            key += f":{self.task_id}:{self.event_key}"
        return key[:200]

    def account(self) -> Account:
        # In an app's chat the userid is both the person and the "chat".
        return Account(channel=CHANNEL, external_user_id=self.from_user, chat_id=self.from_user)

    def incoming(self, event_id: str | None = None) -> Incoming | None:
        """The Incoming to handle, or None for what Muster ignores (enter_agent, ...).
        Non-text messages (image, voice, ...) become an empty TEXT: see `is_unsupported`.
        `event_id`: the key the ledger records (default: `dedupe_key`)."""
        who = self.account()
        event_id = event_id or self.dedupe_key
        if self.msg_type == "text":
            return text_incoming(who, self.content, event_id)
        if self.msg_type == "event" and self.event == "template_card_event" and self.event_key:
            return Incoming(
                who, Kind.BUTTON, name=self.event_key, message_ref=self.task_id, event_id=event_id
            )
        if self.msg_type == "event" and self.event == "click" and self.event_key:
            # Application menu: the key is the command, with or without its slash.
            name, _, arg = self.event_key.lstrip("/").partition(" ")
            return Incoming(
                who,
                Kind.COMMAND,
                name=name.lower(),
                arg=arg.strip(),
                text=self.event_key,
                event_id=event_id,
            )
        return None

    @property
    def is_unsupported(self) -> bool:
        """A message we cannot read (image, voice, file...): ask for text."""
        return self.msg_type not in ("text", "event")


def text_incoming(who: Account, text: str, event_id: str) -> Incoming:
    """ "/cmd arg" is a command, anything else free text (as on Telegram)."""
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        name = words[0].lower() if words else ""
        arg = words[1].strip() if len(words) > 1 else ""
        return Incoming(who, Kind.COMMAND, name=name, arg=arg, text=text, event_id=event_id)
    return Incoming(who, Kind.TEXT, text=text, event_id=event_id)


def parse_envelope(body: bytes) -> tuple[str, str]:
    """(ToUserName, Encrypt) of the POSTed envelope; CryptoError if it is not that XML."""
    root = _xml(body)
    encrypted = (root.findtext("Encrypt") or "").strip()
    if not encrypted:
        raise CryptoError("no <Encrypt> in the body")
    return (root.findtext("ToUserName") or "").strip(), encrypted


def parse_event(xml: str) -> WecomEvent:
    """The decrypted message; CryptoError if it is not XML with a sender."""
    root = _xml(xml.encode())

    def get(tag: str) -> str:
        return (root.findtext(tag) or "").strip()

    if not get("FromUserName") or not get("MsgType"):
        raise CryptoError("decrypted message has no FromUserName or MsgType")
    return WecomEvent(
        from_user=get("FromUserName"),
        create_time=get("CreateTime"),
        msg_type=get("MsgType"),
        event=get("Event"),
        content=root.findtext("Content") or "",
        msg_id=get("MsgId"),
        event_key=get("EventKey"),
        task_id=get("TaskId"),
        response_code=get("ResponseCode"),
        agent_id=get("AgentID"),
    )


def _xml(body: bytes) -> ET.Element:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise CryptoError("DTDs are not accepted")  # no entity expansion, ever
    try:
        return ET.fromstring(body)  # noqa: S314 - no DTD (checked above)
    except ET.ParseError as exc:
        raise CryptoError(f"not XML: {exc}") from exc
