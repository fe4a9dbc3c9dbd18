"""A fake WeCom server, written to the published protocol, and a simulated WeCom user.

The server (aiohttp) answers what Muster calls:
- GET  /cgi-bin/gettoken?corpid=&corpsecret=  -> access_token, expires_in (default 7200 s;
  `token_ttl` shortens it; `expire_tokens()` expires every token now). A wrong corp id or
  secret -> 40013 / 40001. Any call with an expired token -> 42001, an unknown one -> 40014.
- POST /cgi-bin/message/send -> msgid (and for cards a response_code usable once);
  a userid outside the app's visible range -> 81013 when none is valid, else `invaliduser`.
- POST /cgi-bin/message/update_template_card -> checks the response code (issued, unused,
  less than 72 h old), then replaces the card or turns its buttons into `replace_name`.
- POST /cgi-bin/media/upload -> media_id.
- GET  /cgi-bin/agent/get?agentid= -> the app's name (muster doctor's check).
Per member: at most 30 messages a minute and 1,000 an hour reach the person (fixed windows
on the fake's clock); WeCom drops the rest without an error, so the fake answers errcode 0
too and records the drop in `drops` (tests assert it stays empty).
`fail_next(method, errcode)` injects an error code for the next call(s) of a method.

`WecomUser` posts correctly signed and encrypted callbacks for one member, as WeCom does:
text messages, clicks on card buttons (template_card_event with EventKey, TaskId and a
fresh ResponseCode), menu clicks; a callback not answered within 5 s is posted again, up to
3 more times.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web

from bot.channels.wecom.crypto import WecomCrypto

CORP_ID = "ww1436e0e65a779aee"
AGENT_ID = 1000002
SECRET = "fake-secret-0123456789"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CODE_TTL = 72 * 3600
ANSWER_WITHIN = 5.0  # WeCom's patience with a callback
RETRIES = 3
_MSG_IDS = itertools.count(7_000_000_000_000_000_000)  # unique in the session, as WeCom's
BAD_CODE = 40058  # the fake's answer to a used, unknown or expired response code


@dataclass
class FakeMessage:
    """One message as the member sees it now (cards change when they are updated)."""

    seq: int
    userid: str
    msgid: str
    msgtype: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    task_id: str | None = None
    file: tuple[str, bytes] | None = None
    updated: bool = False
    replaced_with: str | None = None  # the buttons' text after a replace_name update


@dataclass
class Drop:
    userid: str
    msgtype: str
    text: str
    why: str


class FakeWecom:
    """The server side of WeCom for one corp and app."""

    def __init__(
        self,
        *,
        corp_id: str = CORP_ID,
        secret: str = SECRET,
        agent_id: int = AGENT_ID,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.now = monotonic
        self.token_ttl = 7200
        self.tokens: dict[str, float] = {}  # token -> expiry (fake clock)
        self.gettoken_calls = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[str, list[FakeMessage]] = defaultdict(list)
        self.drops: list[Drop] = []
        self.visible: set[str] | None = None  # None: everybody is in the visible range
        self.codes: dict[str, tuple[str, str, float]] = {}  # code -> (userid, task_id, at)
        self.media: dict[str, tuple[str, bytes]] = {}
        self._fail: dict[str, list[int]] = defaultdict(list)
        self._sent_at: dict[str, list[float]] = defaultdict(list)
        self._seq = itertools.count(1)
        self.per_minute = 30
        self.per_hour = 1000

    # --- test controls ------------------------------------------------------------------

    def fail_next(self, method: str, errcode: int, times: int = 1) -> None:
        """The next `times` calls of `method` ("message/send", "gettoken", ...) answer
        `errcode`."""
        self._fail[method].extend([errcode] * times)

    def expire_tokens(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, self.now() - 1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_get("/cgi-bin/agent/get", self._agent)
        return app

    def issue_code(self, userid: str, task_id: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = (userid, task_id, self.now())
        return code

    # --- endpoints ---------------------------------------------------------------------------

    def _injected(self, method: str) -> dict[str, Any] | None:
        if self._fail[method]:
            code = self._fail[method].pop(0)
            return {"errcode": code, "errmsg": f"injected {code}"}
        return None

    def _check_token(self, request: web.Request) -> dict[str, Any] | None:
        token = request.query.get("access_token", "")
        if token not in self.tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if self.tokens[token] <= self.now():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    async def _gettoken(self, request: web.Request) -> web.Response:
        self.gettoken_calls += 1
        if (bad := self._injected("gettoken")) is not None:
            return web.json_response(bad)
        if request.query.get("corpid") != self.corp_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid corpid"})
        if request.query.get("corpsecret") != self.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        token = secrets.token_hex(32)
        self.tokens[token] = self.now() + self.token_ttl
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.token_ttl}
        )

    async def _send(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request)) is not None:
            return web.json_response(bad)
        body = await request.json()
        self.calls.append(("message/send", body))
        if (bad := self._injected("message/send")) is not None:
            return web.json_response(bad)
        if body.get("agentid") != self.agent_id:
            return web.json_response({"errcode": 40056, "errmsg": "invalid agentid"})
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        invalid = [u for u in users if self.visible is not None and u not in self.visible]
        valid = [u for u in users if u not in invalid]
        if not valid:
            return web.json_response(
                {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            )
        msgid = secrets.token_hex(8)
        answer: dict[str, Any] = {
            "errcode": 0,
            "errmsg": "ok",
            "invaliduser": "|".join(invalid),
            "msgid": msgid,
        }
        kind = body["msgtype"]
        card = body.get("template_card") or {}
        if kind == "template_card" and card.get("button_list"):
            answer["response_code"] = self.issue_code(valid[0], card["task_id"])
        for userid in valid:
            message = FakeMessage(
                seq=next(self._seq),
                userid=userid,
                msgid=msgid,
                msgtype=kind,
                text=_shown_text(body),
                buttons=list(card.get("button_list") or []),
                task_id=card.get("task_id"),
                file=self.media.get((body.get("file") or {}).get("media_id", "")),
            )
            why = self._over_limit(userid)
            if why is not None:
                self.drops.append(Drop(userid, kind, message.text, why))  # silently, as WeCom
                continue
            self.messages[userid].append(message)
        return web.json_response(answer)

    def _over_limit(self, userid: str) -> str | None:
        now = self.now()
        sent = self._sent_at[userid]
        minute = now - now % 60
        hour = now - now % 3600
        if sum(1 for t in sent if t >= hour) >= self.per_hour:
            return "over 1000 an hour"
        if sum(1 for t in sent if t >= minute) >= self.per_minute:
            return "over 30 a minute"
        sent.append(now)
        return None

    async def _update(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request)) is not None:
            return web.json_response(bad)
        body = await request.json()
        self.calls.append(("message/update_template_card", body))
        if (bad := self._injected("message/update_template_card")) is not None:
            return web.json_response(bad)
        issued = self.codes.pop(body.get("response_code", ""), None)
        if issued is None or issued[2] + CODE_TTL < self.now():
            return web.json_response({"errcode": BAD_CODE, "errmsg": "invalid response_code"})
        userid, task_id, _ = issued
        if userid not in body.get("userids", []):
            return web.json_response({"errcode": BAD_CODE, "errmsg": "user mismatch"})
        for message in self.messages[userid]:
            if message.task_id != task_id:
                continue
            message.updated = True
            if "template_card" in body:
                card = body["template_card"]
                message.text = _card_text(card)
                message.buttons = list(card.get("button_list") or [])
                message.replaced_with = None
            else:
                message.buttons = []
                message.replaced_with = body["button"]["replace_name"]
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    async def _agent(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request)) is not None:
            return web.json_response(bad)
        if (bad := self._injected("agent/get")) is not None:
            return web.json_response(bad)
        if request.query.get("agentid") != str(self.agent_id):
            return web.json_response({"errcode": 40056, "errmsg": "invalid agentid"})
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "agentid": self.agent_id, "name": "辅警履职助手"}
        )

    async def _upload(self, request: web.Request) -> web.Response:
        if (bad := self._check_token(request)) is not None:
            return web.json_response(bad)
        form = await request.post()
        media = form["media"]
        assert isinstance(media, web.FileField)
        media_id = secrets.token_hex(8)
        self.media[media_id] = (media.filename, media.file.read())
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id}
        )


def _card_text(card: dict[str, Any]) -> str:
    parts = [
        (card.get("main_title") or {}).get("title", ""),
        (card.get("main_title") or {}).get("desc", ""),
        card.get("sub_title_text", ""),
    ]
    return "\n".join(p for p in parts if p)


def _shown_text(body: dict[str, Any]) -> str:
    kind = body["msgtype"]
    if kind == "text":
        return str(body["text"]["content"])
    if kind == "template_card":
        return _card_text(body["template_card"])
    return ""


class WecomUser:
    """One member of the corp talking to the app; WeCom's side of the callbacks."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        fake: FakeWecom,
        callback_url: str,
        userid: str,
        *,
        token: str = TOKEN,
        aes_key: str = AES_KEY,
        answer_within: float = ANSWER_WITHIN,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.fake = fake
        self.callback_url = callback_url
        self.userid = userid
        self.crypto = WecomCrypto(token, aes_key, fake.corp_id)
        self.answer_within = answer_within
        self.now = now  # callback timestamps: Muster checks them against its clock
        self.posts = 0  # callbacks posted, retries included
        self.refused: list[int] = []  # HTTP statuses of callbacks Muster refused

    async def send_text(self, text: str) -> None:
        await self.post_event(
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(text)}</Content><MsgId>{next(_MSG_IDS)}</MsgId>"
        )

    async def send_image(self) -> None:
        await self.post_event(
            "<MsgType><![CDATA[image]]></MsgType>"
            "<PicUrl><![CDATA[http://example.org/p.jpg]]></PicUrl>"
            f"<MediaId><![CDATA[m1]]></MediaId><MsgId>{next(_MSG_IDS)}</MsgId>"
        )

    async def click_menu(self, key: str) -> None:
        await self.post_event(
            "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event>"
            f"<EventKey>{_cdata(key)}</EventKey>"
        )

    async def click_card(self, message: FakeMessage, key: str) -> None:
        """Press the button `key` of a card: WeCom issues a fresh response code."""
        assert message.task_id is not None
        code = self.fake.issue_code(self.userid, message.task_id)
        await self.post_event(
            "<MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[template_card_event]]></Event>"
            f"<EventKey>{_cdata(key)}</EventKey><TaskId>{_cdata(message.task_id)}</TaskId>"
            "<CardType><![CDATA[button_interaction]]></CardType>"
            f"<ResponseCode>{_cdata(code)}</ResponseCode>"
        )

    def envelope(self, inner: str, *, create_time: int | None = None) -> str:
        created = create_time if create_time is not None else int(self.now())
        return (
            f"<xml><ToUserName><![CDATA[{self.fake.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{self.userid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime>{inner}"
            f"<AgentID>{self.fake.agent_id}</AgentID></xml>"
        )

    def signed(
        self, plain_xml: str, *, timestamp: str | None = None
    ) -> tuple[dict[str, str], str]:
        """Query and body of a callback carrying `plain_xml`, as WeCom posts it."""
        encrypted = self.crypto.encrypt(plain_xml)
        ts = timestamp or str(int(self.now()))
        nonce = str(secrets.randbelow(10**10))
        query = {
            "msg_signature": self.crypto.sign(ts, nonce, encrypted),
            "timestamp": ts,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName><![CDATA[{self.fake.corp_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<AgentID><![CDATA[{self.fake.agent_id}]]></AgentID></xml>"
        )
        return query, body

    async def post_event(self, inner: str) -> None:
        """Post one callback; post it again (same body) when not answered within 5 s."""
        query, body = self.signed(self.envelope(inner))
        for attempt in range(1 + RETRIES):
            self.posts += 1
            try:
                async with asyncio.timeout(self.answer_within):
                    async with self.http.post(self.callback_url, params=query, data=body) as r:
                        await r.read()
                        if r.status != 200:
                            self.refused.append(r.status)
                            raise AssertionError(f"callback refused: HTTP {r.status}")
                        return
            except TimeoutError:
                if attempt == RETRIES:
                    raise AssertionError("Muster never answered the callback") from None


def _cdata(text: str) -> str:
    if "]]>" in text:
        return escape(text)
    return f"<![CDATA[{text}]]>"
