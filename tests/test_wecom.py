"""The WeCom channel: Tencent's sample vectors, the callback URL against forgery and replay,
the durable inbox, sending through the fake WeCom server (tests/e2e/wecom_fake.py)."""

from __future__ import annotations

import argparse
import base64
import csv
import logging
import os
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.actor import Actor
from bot.app import App
from bot.channels.base import Deferred, RetryAfter, Unreachable
from bot.channels.wecom import markup
from bot.channels.wecom.api import WecomApi, WecomConfigError
from bot.channels.wecom.crypto import CryptoError, WecomCrypto, signature
from bot.channels.wecom.limits import LocalMemberLimits, RedisMemberLimits
from bot.cli.doctor import cmd_doctor
from bot.config import ConfigError, load_settings
from bot.core import Button, Reply
from scheduled.sender import OutboxSender
from storage import people as repo
from storage.models import AuditEvent, Outbox, OutboxStatus
from storage.models_wecom import WecomInbox
from tests.e2e import wecom_fake as fk
from tests.e2e.wecom_harness import running
from tests.factories import make_force

# --- Tencent's official sample (weworkapi_python callback/Sample.py, WXBizMsgCrypt) --------
S_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
S_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
S_CORP_ID = "ww1436e0e65a779aee"
VERIFY = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/"
    "3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
}
MESSAGE = {
    "msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    "timestamp": "1476422779",
    "nonce": "1597212914",
    "encrypt": "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIj"
    "eLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA"
    "6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZ"
    "UC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg"
    "84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+",
}
MESSAGE_PLAIN = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)


def sample() -> WecomCrypto:
    return WecomCrypto(S_TOKEN, S_AES_KEY, S_CORP_ID)


def test_official_url_verification_vector() -> None:
    assert sample().verify_url(**VERIFY) == "1288432023552776189"


def test_official_message_vector() -> None:
    crypto = sample()
    assert (
        crypto.sign(MESSAGE["timestamp"], MESSAGE["nonce"], MESSAGE["encrypt"])
        == MESSAGE["msg_signature"]
    )
    assert crypto.decrypt(MESSAGE["encrypt"]) == MESSAGE_PLAIN


def test_signature_is_sha1_of_the_sorted_four() -> None:
    import hashlib  # noqa: PLC0415

    parts = sorted([S_TOKEN, "1", "2", "abc"])
    assert signature(S_TOKEN, "1", "2", "abc") == hashlib.sha1("".join(parts).encode()).hexdigest()


def test_round_trip_pads_to_32_byte_blocks_and_is_reproducible() -> None:
    crypto = sample()
    for text in ("", "x", "中文" * 7, "a" * 11, "<xml>" + "长" * 500 + "</xml>"):
        encrypted = crypto.encrypt(text, random_prefix=b"0123456789abcdef")
        assert len(base64.b64decode(encrypted)) % 32 == 0
        assert crypto.decrypt(encrypted) == text
        assert crypto.encrypt(text, random_prefix=b"0123456789abcdef") == encrypted


def test_other_corp_and_garbage_do_not_decrypt() -> None:
    other = WecomCrypto(S_TOKEN, S_AES_KEY, "wwOTHERCORP")
    with pytest.raises(CryptoError, match="receive id"):
        sample().decrypt(other.encrypt("<xml/>"))
    with pytest.raises(CryptoError):
        sample().decrypt("not base64!!")
    with pytest.raises(CryptoError):
        sample().decrypt(base64.b64encode(b"x" * 32).decode())  # bad padding
    with pytest.raises(CryptoError, match="signature"):
        sample().verify_url(**{**VERIFY, "nonce": "47744684"})


def test_bad_wecom_settings_fail_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSTER_WECOM_AES_KEY", "tooshort")
    with pytest.raises(ConfigError, match="^MUSTER_WECOM_AES_KEY: "):
        load_settings(_env_file=None)
    monkeypatch.setenv("MUSTER_WECOM_AES_KEY", S_AES_KEY)
    monkeypatch.setenv("MUSTER_WECOM_MAX_SKEW", "-1")
    with pytest.raises(ConfigError, match="^MUSTER_WECOM_MAX_SKEW: "):
        load_settings(_env_file=None)
    monkeypatch.setenv("MUSTER_WECOM_MAX_SKEW", "0")
    monkeypatch.setenv("MUSTER_WECOM_API_URL", "qyapi.example.gov.cn")
    with pytest.raises(ConfigError, match="^MUSTER_WECOM_API_URL: "):
        load_settings(_env_file=None)


# --- markup -------------------------------------------------------------------------------


def test_html_becomes_wecom_text_links_kept() -> None:
    html = '📢 <b>关于&lt;集中&gt;训练</b> &amp; <a href="https://x.cn/?a=1&amp;b=2">详情</a>'
    assert (
        markup.to_text(html) == '📢 关于<集中>训练 & <a href="https://x.cn/?a=1&amp;b=2">详情</a>'
    )
    assert markup.plain(html) == "📢 关于<集中>训练 & 详情"


def test_long_text_splits_under_2048_bytes_at_paragraphs() -> None:
    paragraphs = [f"第{i}段" + "字" * 200 for i in range(10)]
    parts = markup.split_bytes("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(markup.nbytes(p) <= markup.TEXT_LIMIT for p in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)  # cut only between paragraphs
    one_line = "长" * 3000
    assert "".join(markup.split_bytes(one_line)) == one_line


def test_long_labels_are_shortened_and_written_out_in_the_body() -> None:
    buttons = [Button("我已阅读并同意以上承诺内容", "pl:s:1"), Button("返回", "menu")]
    assert markup.shorten(buttons[0].label) == "我已阅读并同意以上…"
    body = markup.card_body("请确认", buttons)
    assert "我已阅读并同意以上… = 我已阅读并同意以上承诺内容" in body
    assert "返回 =" not in body


async def test_member_limits_never_allow_31_a_minute_or_1001_an_hour() -> None:
    now = [0.0]
    limits = LocalMemberLimits(monotonic=lambda: now[0])
    for _ in range(30):
        assert await limits.reserve("u1") == 0
    assert await limits.reserve("u1") == pytest.approx(60.0)
    assert await limits.reserve("u2") == 0  # per member
    sent = 30
    while sent < 1000:
        now[0] += 61
        for _ in range(30):
            if sent < 1000:
                assert await limits.reserve("u1") == 0
                sent += 1
    now[0] += 61
    assert await limits.reserve("u1") > 0  # the hour is full though the minute is not


# --- the callback URL ----------------------------------------------------------------------


async def _inbox_rows(app: App) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(WecomInbox)) or 0)


@pytest.mark.usefixtures("db_kind")
async def test_url_verification_answers_the_plain_echostr(app: App) -> None:
    async with running(app, worker=False) as h:
        alice = h.user()
        echo = alice.crypto.encrypt("echo-12345")
        ts = str(int(h.now()))
        query = {
            "msg_signature": alice.crypto.sign(ts, "n1", echo),
            "timestamp": ts,
            "nonce": "n1",
            "echostr": echo,
        }
        async with h.http.get(h.callback_url, params=query) as resp:
            assert (resp.status, await resp.text()) == (200, "echo-12345")
        async with h.http.get(h.callback_url, params={**query, "nonce": "n2"}) as resp:
            assert resp.status == 403


@pytest.mark.usefixtures("db_kind")
async def test_forged_replayed_and_foreign_callbacks_are_refused(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app, worker=False) as h:
        alice = h.user("alice")
        plain = alice.envelope("<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId>")
        query, body = alice.signed(plain)

        async def post(q: dict[str, str], b: str) -> int:
            async with h.http.post(h.callback_url, params=q, data=b) as resp:
                return resp.status

        with caplog.at_level(logging.WARNING, logger="bot.channels.wecom.routes"):
            assert await post({**query, "msg_signature": "0" * 40}, body) == 403
            old_ts = str(int(h.now()) - 301)
            assert await post(*alice.signed(plain, timestamp=old_ts)) == 403
            foreign = fk.WecomUser(
                h.http, fk.FakeWecom(corp_id="wwOTHER"), h.callback_url, "x", now=h.now
            )
            assert await post(*foreign.signed(plain)) == 400
            assert await post(query, "not xml at all") == 400
            garbage = alice.crypto.encrypt("this is not xml")
            ts = str(int(h.now()))
            bad = {
                "msg_signature": alice.crypto.sign(ts, "n", garbage),
                "timestamp": ts,
                "nonce": "n",
            }
            envelope = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
            assert await post(bad, envelope) == 400
        assert await _inbox_rows(h.app) == 0  # nothing stored, so nothing handled
        assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 5
        assert await post(query, body) == 200
        assert await _inbox_rows(h.app) == 1


@pytest.mark.usefixtures("db_kind")
async def test_a_callback_for_another_app_of_the_corp_is_not_handled(app: App) -> None:
    async with running(app, worker=False) as h:
        alice = h.user("alice")
        plain = alice.envelope("<MsgType>text</MsgType><Content>hi</Content><MsgId>3</MsgId>")
        plain = plain.replace(f"<AgentID>{fk.AGENT_ID}</AgentID>", "<AgentID>1000099</AgentID>")
        query, body = alice.signed(plain)
        async with h.http.post(h.callback_url, params=query, data=body) as r:
            assert r.status == 200  # answered, so WeCom does not retry, but not stored
        assert await _inbox_rows(h.app) == 0


@pytest.mark.usefixtures("db_kind")
async def test_max_skew_zero_turns_the_timestamp_check_off(app: App) -> None:
    async with running(app, worker=False, wecom_max_skew=0) as h:
        alice = h.user("alice")
        plain = alice.envelope("<MsgType>text</MsgType><Content>hi</Content><MsgId>2</MsgId>")
        query, body = alice.signed(plain, timestamp="1476422779")
        async with h.http.post(h.callback_url, params=query, data=body) as resp:
            assert resp.status == 200


@pytest.mark.usefixtures("db_kind")
async def test_callback_is_stored_before_the_answer_and_handled_after_a_crash(app: App) -> None:
    async with running(app, worker=False) as h:
        stranger = h.user("stranger")
        await stranger.send_text("/start")  # answered 200 with no worker running at all
        assert await _inbox_rows(h.app) == 1
        assert h.fake.messages["stranger"] == []
        h.start_worker()  # the process comes back
        await h.settle()
        [reply] = h.fake.messages["stranger"]
        assert "邀请码" in reply.text


@pytest.mark.usefixtures("db_kind")
async def test_a_redelivered_callback_is_handled_once(app: App) -> None:
    async with running(app) as h:
        stranger = h.user("stranger")
        plain = stranger.envelope(
            "<MsgType>text</MsgType><Content>/start</Content><MsgId>99</MsgId>"
        )
        for _ in range(3):  # WeCom retries; a second signature/nonce each time
            query, body = stranger.signed(plain)
            async with h.http.post(h.callback_url, params=query, data=body) as resp:
                assert (resp.status, await resp.text()) == (200, "")
        await h.settle()
        assert len(h.fake.messages["stranger"]) == 1
        assert await _inbox_rows(h.app) == 1


@pytest.mark.usefixtures("db_kind")
async def test_roster_userid_binds_without_a_code_and_is_audited(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
        person = await repo.person_by_employee_no(svc.session, "A001")
        assert person is not None
        person.wecom_userid = "zhangsan"
    async with running(app) as h:
        await h.user("zhangsan").send_text("/start")
        await h.user("nobody").send_text("你好")
        await h.settle()
        assert any("张三" in m.text for m in h.fake.messages["zhangsan"])
        [how_to] = h.fake.messages["nobody"]
        assert "您还没有完成绑定" in how_to.text
    async with app.sessionmaker() as session:
        account = await repo.active_account(session, "wecom", "zhangsan")
        assert account is not None
        assert await repo.active_account(session, "wecom", "nobody") is None
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.kind == "account.bound")))
            .scalars()
            .all()
        )
        assert [e.payload.get("via") for e in events] == ["directory"]


@pytest.mark.usefixtures("db_kind")
async def test_button_press_updates_the_card_with_its_response_code(app: App) -> None:
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
        person = await repo.person_by_employee_no(svc.session, "A001")
        assert person is not None
        person.wecom_userid = "zhangsan"
    async with running(app) as h:
        alice = h.user("zhangsan")
        await alice.send_text("/lang")
        await h.settle()
        [picker] = h.fake.messages["zhangsan"]
        assert [b["text"] for b in picker.buttons] == ["中文", "English"]
        english = next(b for b in picker.buttons if b["text"] == "English")
        await alice.click_card(picker, english["key"])
        await h.settle()
        updates = [c for c in h.fake.calls if c[0] == "message/update_template_card"]
        assert len(updates) == 1
        # The picker now says what happened, in place; its one button is a harmless mark.
        assert picker.updated and picker.text == "Language set to English."
        assert [b["text"] for b in picker.buttons] == ["✓"]
        menu = h.fake.messages["zhangsan"][-1]
        assert menu.text.startswith("Main menu")
        await alice.click_card(picker, picker.buttons[0]["key"])
        await h.settle()
        assert (picker.buttons, picker.replaced_with) == ([], "✓")  # greyed, no turn
        assert h.fake.messages["zhangsan"][-1] is menu


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("db_kind")
async def test_token_is_shared_and_refreshed_once_after_42001(app: App) -> None:
    async with running(app, worker=False) as h:
        other = WecomApi(
            api_url=h.channel.api.api_url,
            corp_id=fk.CORP_ID,
            agent_id=fk.AGENT_ID,
            secret=fk.SECRET,
            sessionmaker=app.sessionmaker,
            clock=app.clock,
        )
        try:
            await h.channel.send("u1", Reply("一"))
            await other.send({"touser": "u1", "msgtype": "text", "text": {"content": "二"}})
            assert h.fake.gettoken_calls == 1  # the second process reused the stored token
            h.fake.expire_tokens()
            await h.channel.send("u1", Reply("三"))
            await other.send({"touser": "u1", "msgtype": "text", "text": {"content": "四"}})
            assert h.fake.gettoken_calls == 2  # one refresh, the other process picked it up
            assert [m.text for m in h.fake.messages["u1"]] == ["一", "二", "三", "四"]
        finally:
            await other.close()


@pytest.mark.usefixtures("db_kind")
async def test_wecom_error_codes_mean_what_the_sender_expects(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app, worker=False) as h:
        h.fake.fail_next("message/send", 45009)
        with pytest.raises(RetryAfter):
            await h.channel.send("u1", Reply("x"))
        h.fake.visible = {"u1"}
        with pytest.raises(Unreachable):
            await h.channel.send("u2", Reply("x"))
        h.fake.fail_next("message/send", 60020)
        with caplog.at_level(logging.ERROR), pytest.raises(WecomConfigError):
            await h.channel.send("u1", Reply("x"))
        assert any("trusted IP" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("db_kind")
async def test_cards_long_texts_and_the_member_limit(app: App) -> None:
    now = [0.0]
    async with running(app, worker=False, monotonic=lambda: now[0]) as h:
        buttons = [[Button(f"选项{i}", f"x:{i}") for i in range(8)]]
        task_id = await h.channel.send("u1", Reply("<b>请选择</b>", buttons=buttons))
        [card] = h.fake.messages["u1"]
        assert (card.msgtype, card.text, card.task_id) == ("template_card", "请选择", task_id)
        labels = [b["text"] for b in card.buttons]
        assert labels == ["选项0", "选项1", "选项2", "选项3", "选项4", "⋯ 1/2"]  # 6 a card
        more = card.buttons[-1]["key"]
        await h.user("u1").click_card(card, more)
        await h.channel.handle_pending()  # the channel turns the page itself
        assert [b["text"] for b in card.buttons] == ["选项5", "选项6", "选项7", "⋯ 2/2"]
        long_text = "\n\n".join("段" * 600 for _ in range(3))
        await h.channel.send("u1", Reply(long_text))
        assert all(markup.nbytes(m.text) <= 2048 for m in h.fake.messages["u1"])
        sent = len(h.fake.messages["u1"])
        for _ in range(30 - sent):
            await h.channel.send("u1", Reply("ping"))
        with pytest.raises(Deferred):  # the 31st in a minute waits; WeCom would drop it
            await h.channel.send("u1", Reply("one too many"))
        assert h.fake.drops == []
        now[0] += 60
        await h.channel.send("u1", Reply("a minute later"))
        assert h.fake.drops == []


@pytest.mark.usefixtures("db_kind")
async def test_outbox_81013_marks_unreachable_and_tells_the_mentor(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
    del force
    async with running(app, worker=False) as h:
        async with app.unit_of_work() as svc:
            for emp, userid in (("A001", "zhangsan"), ("M001", "mentor1")):
                person = await repo.person_by_employee_no(svc.session, emp)
                assert person is not None
                person.wecom_userid = userid
        # Both bind by directory with a first message; then the app loses zhangsan.
        for userid in ("zhangsan", "mentor1"):
            await h.user(userid).send_text("/start")
        await h.channel.handle_pending()
        async with app.unit_of_work() as svc:
            account = await repo.active_account(svc.session, "wecom", "zhangsan")
            assert account is not None
            svc.session.add(
                Outbox(
                    account_id=account.id,
                    person_id=account.person_id,
                    channel="wecom",
                    chat_id="zhangsan",
                    priority=1,
                    kind="test",
                    text="提醒",
                    buttons=[],
                    dedupe_key="t:1",
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    not_before=app.clock.now(),
                    created_at=app.clock.now(),
                )
            )
        h.fake.visible = {"mentor1"}
        sender = OutboxSender(
            app.sessionmaker, {"wecom": h.channel}, clock=app.clock, settings=h.app.settings
        )
        report = await sender.run_until_idle()
        assert report.unreachable == 1
        async with app.sessionmaker() as session:
            account = await repo.active_account(session, "wecom", "zhangsan")
            assert account is not None and account.reachable is False
        assert any("张三" in m.text for m in h.fake.messages["mentor1"][-1:])


# --- roster column and muster doctor ---------------------------------------------------------


def _roster(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["单位", "工号", "姓名", "性别", "年龄", "角色", "企业微信账号"])
        writer.writerows(rows)
    return path


@pytest.mark.usefixtures("db_kind")
async def test_roster_column_sets_the_userid_and_refuses_duplicates(
    app: App, tmp_path: Path
) -> None:
    good = _roster(
        tmp_path,
        [
            ["城关派出所", "W1", "王一", "男", "30", "辅警", "wangyi"],
            ["城关派出所", "W2", "王二", "女", "31", "辅警", ""],
        ],
    )
    async with app.unit_of_work() as svc:
        report = await svc.roster.import_file(Actor.cli("test"), good)
    assert report.errors == []
    async with app.sessionmaker() as session:
        one = await repo.person_by_employee_no(session, "W1")
        two = await repo.person_by_employee_no(session, "W2")
        assert one is not None and two is not None
        assert (one.wecom_userid, two.wecom_userid) == ("wangyi", None)
    dup = _roster(
        tmp_path,
        [
            ["城关派出所", "W1", "王一", "男", "30", "辅警", "wangyi"],
            ["城关派出所", "W2", "王二", "女", "31", "辅警", "wangyi"],
        ],
    )
    async with app.unit_of_work() as svc:
        report = await svc.roster.import_file(Actor.cli("test"), dup)
    assert [(p.row, p.key) for p in report.errors] == [(3, "roster-duplicate-wecom-userid")]


@pytest.mark.usefixtures("db_kind")
async def test_doctor_names_the_untrusted_ip_and_a_wrong_secret(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(lang=None)
    async with running(app, worker=False) as h:
        assert await cmd_doctor(args, h.app.settings) == 0
        assert "✔ WeCom：已获取 access_token，应用「辅警履职助手」" in capsys.readouterr().out
        h.fake.fail_next("agent/get", 60020)
        assert await cmd_doctor(args, h.app.settings) == 1
        out = capsys.readouterr().out
        assert "✘ WeCom：配置错误：本服务器的 IP 不在应用的企业可信 IP 中（errcode 60020）" in out
        wrong = h.app.settings.model_copy(update={"wecom_secret": SecretStr("nope")})
        assert await cmd_doctor(argparse.Namespace(lang="en"), wrong) == 1
        assert "MUSTER_WECOM_SECRET" in capsys.readouterr().out
        partial = h.app.settings.model_copy(update={"wecom_token": None})
        assert await cmd_doctor(args, partial) == 1
        assert "MUSTER_WECOM_TOKEN" in capsys.readouterr().out


@pytest.mark.usefixtures("db_kind")
async def test_sender_holds_back_only_the_member_over_the_limit(app: App) -> None:
    now = [0.0]
    async with running(
        app, worker=False, monotonic=lambda: now[0], send_per_chat_interval=0.0
    ) as h:
        async with app.unit_of_work() as svc:
            for i, userid in enumerate(["u1"] * 31 + ["u2"]):
                svc.session.add(
                    Outbox(
                        channel="wecom",
                        chat_id=userid,
                        priority=5,
                        kind="test",
                        text=f"第{i}条",
                        buttons=[],
                        dedupe_key=f"lim:{i}",
                        status=OutboxStatus.PENDING,
                        attempts=0,
                        not_before=app.clock.now(),
                        created_at=app.clock.now(),
                    )
                )
        sender = OutboxSender(
            app.sessionmaker, {"wecom": h.channel}, clock=app.clock, settings=h.app.settings
        )
        report = await sender.drain_once()
        assert (report.sent, report.throttled) == (31, 1)
        assert len(h.fake.messages["u1"]) == 30 and len(h.fake.messages["u2"]) == 1
        assert h.fake.drops == []  # WeCom dropped nothing: Muster never went over
        async with app.sessionmaker() as session:
            held = (
                await session.execute(select(Outbox).where(Outbox.status == OutboxStatus.PENDING))
            ).scalar_one()
        assert (held.chat_id, held.attempts, held.text) == ("u1", 0, "第30条")
        assert "30/min" in (held.error or "")


@pytest.mark.skipif(not os.environ.get("MUSTER_TEST_REDIS_URL"), reason="needs Redis")
async def test_redis_member_limits_are_shared_by_processes() -> None:
    url = os.environ["MUSTER_TEST_REDIS_URL"]
    namespace = f"muster-test:wecom:{os.getpid()}:{time.time_ns()}"
    one = RedisMemberLimits(url, namespace=namespace)
    two = RedisMemberLimits(url, namespace=namespace)
    try:
        for i in range(30):
            assert await (one if i % 2 else two).reserve("u1") == 0
        assert 0 < await one.reserve("u1") <= 60
        assert 0 < await two.reserve("u1") <= 60
        assert await two.reserve("u2") == 0
    finally:
        await one.close()
        await two.close()
