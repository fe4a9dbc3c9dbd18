"""Notices: audience and preview, the office's /notice flow, acknowledgment with the edited
button, per-unit stats, the self-updating progress message, nudges, escalation of late
acknowledgments, attachments, the CLI."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from bot.actor import Actor
from bot.app import App
from bot.channels.base import Rejected
from bot.cli import main
from bot.cli.notice import bar, duration, wait_for_delivery
from bot.clock import FrozenClock
from bot.core import Incoming, Kind, Reply
from bot.errors import NotAllowed
from bot.services.notices import (
    MAX_ATTACHMENT,
    AckByPast,
    AttachmentTooLarge,
    Composed,
    EmptyAudience,
    NoAckNeeded,
    TextTooLong,
    split_title,
)
from bot.timeparse import parse_local
from scheduled.notices import refresh_progress
from scheduled.sender import OutboxSender
from scheduled.sequencer import seal_pending
from storage import audit
from storage.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    ChannelAccount,
    Outbox,
    Person,
)
from storage.models_notices import Notice, NoticeAck
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import AUDIT_KEY_BYTES, SHANGHAI, local, outbox_for, tick

ACK_BY = local(2026, 12, 2, 18, 0)  # the clock starts at 2026-12-01 10:00 local
TEXT = "关于加强<夜间>值班的通知\n请各位辅警 12 月 2 日前完成值班登记 & 签到。"
BOUND = ("A001", "A002", "A003", "M001", "M002", "L001", "O001")  # A004 never registered


async def _setup(app: App, bound: tuple[str, ...] = BOUND) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for emp in bound:
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
    return {emp: ChatUser(app.conversation(), emp) for emp in bound}


async def _send(
    app: App, audience: str = "role:auxiliary", *, attachment: tuple[str, bytes] | None = None
) -> int:
    notice = Composed(audience=audience, text=TEXT, ack_by=ACK_BY, attachment=attachment)
    async with app.unit_of_work() as svc:
        result = await svc.notices.send(Actor.cli(), notice)
    return result.notice_id


class Channel:
    """Records what the sender delivers; chats in `rejected` answer 400."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []
        self.edited: list[tuple[str, str, Reply]] = []  # (chat, message id, new content)
        self.rejected: set[str] = set()

    async def send(self, chat_id: str, reply: Reply) -> str:
        if chat_id in self.rejected:
            raise Rejected("Bad Request: chat not found")
        self.sent.append((chat_id, reply))
        return str(len(self.sent))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str:
        self.edited.append((chat_id, message_id, reply))
        return message_id

    def to(self, chat_id: str) -> list[Reply]:
        return [r for c, r in self.sent if c == chat_id]


async def _deliver(app: App, *channels: Any) -> None:
    """Drain the outbox through the real sender (to each channel by its name), without
    waiting in real time."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)
        now[0] += max(seconds, 0.0)

    sender = OutboxSender(
        app.sessionmaker,
        {channel.name: channel for channel in channels},
        clock=app.clock,
        settings=app.settings.model_copy(update={"send_per_chat_interval": 0.0}),
        catalog=app.catalog,
        sleep=sleep,
        monotonic=lambda: now[0],
    )
    await sender.run_until_idle()


def _action(row: Outbox, label: str) -> str:
    return next(b["action"] for r in row.buttons for b in r if label in b["label"])


async def _notice_rows(app: App, employee_no: str) -> list[Outbox]:
    return [r for r in await outbox_for(app, employee_no) if r.ref and r.ref.startswith("notice:")]


async def _ack_events(session: Any, notice_id: int) -> int:
    """Audit events recording an acknowledgment of the notice."""
    kind = AuditEvent.kind == "notice.acked"
    subject = AuditEvent.subject == f"notice:{notice_id}"
    return int(await session.scalar(select(func.count()).where(kind, subject)))


# --- audience and preview ------------------------------------------------------------


async def test_preview_counts_the_audience_and_who_cannot_be_reached(app: App) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        acc = (
            await svc.session.execute(
                select(ChannelAccount).join(Person).where(Person.employee_no == "A003")
            )
        ).scalar_one()
        acc.reachable = False  # A003 blocked the bot
    async with app.unit_of_work() as svc:
        preview = await svc.notices.preview(
            Actor.cli(), Composed(audience="role:auxiliary", text=TEXT)
        )
        assert (preview.reach.targeted, preview.reach.no_account, preview.reach.blocked) == (
            4,
            1,
            1,
        )
        assert preview.notice.title == "关于加强<夜间>值班的通知"
        everyone = await svc.notices.preview(Actor.cli(), Composed(audience="all", text=TEXT))
        assert everyone.reach.targeted == 8 and everyone.reach.no_account == 1
        station, _ = await svc.notices.audience(Actor.cli(), "unit:城关派出所")
        assert station == "unit:城关派出所"
        assert (await svc.notices.audience(Actor.cli(), "unit:城关派出所,role:mentor"))[
            1
        ].targeted == 2
        assert (await svc.notices.audience(Actor.cli(), "emp:A001,emp:A004"))[1].targeted == 2
        with pytest.raises(EmptyAudience):
            await svc.notices.audience(Actor.cli(), "post:不存在的岗位")


def test_title_is_the_first_line_unless_given() -> None:
    assert split_title(TEXT) == ("关于加强<夜间>值班的通知", TEXT.split("\n", 1)[1])
    assert split_title("只有一行") == ("只有一行", "")
    long = "很" * 80 + "\n第二行"
    title, body = split_title(long)
    assert title.endswith("…") and len(title) == 60 and body == long
    assert split_title(TEXT, "值班通知") == ("值班通知", TEXT)


# --- the office's flow in the chat ------------------------------------------------------


async def test_office_composes_previews_and_sends_with_escaped_text(app: App) -> None:
    users = await _setup(app)
    office = users["O001"]
    await office.send("/menu")
    await office.press("通知")
    await office.press("发送新通知")
    assert "发给谁" in office.text
    assert {"👥 全体人员", "⬜ 城关派出所", "⬜ 交警大队", "⬜ 👤 辅警"} <= set(office.labels())
    await office.press("👤 辅警")
    await office.press("下一步（4 人）")
    assert "role:auxiliary" in office.text and "共 4 人" in office.text
    await office.send(TEXT)
    assert "是否需要对方" in office.text
    await office.press("需要确认")
    await office.send("明天 <18点>")  # not a time: asked again, nothing lost
    assert "时间「明天 &lt;18点&gt;」无法识别" in office.text
    await office.send("12月2日 18:00")
    head, message = office.last
    assert "人数：4 人，其中 1 人未绑定助手" in head.text
    assert "确认截止：2026-12-02 18:00" in head.text
    # The preview is the recipients' message: the office's text escaped for HTML.
    assert "关于加强&lt;夜间&gt;值班的通知" in message.text
    assert "登记 &amp; 签到" in message.text and "<夜间>" not in message.text
    await office.press("发送")
    assert "通知 #1 已开始发送" in office.text and office.last[0].edit
    assert "排队发送 3 人，无法送达 1 人" in office.text
    await office.tap("nt:send")  # pressed twice: nothing more is sent
    assert "通知 #1 已经发出，不会重复发送" in office.text

    [row] = await _notice_rows(app, "A001")
    assert row.kind == "notice" and row.priority == 5 and row.status == "pending"
    assert row.text == message.text
    assert "2026-12-02 18:00 前点击" in row.text
    assert _action(row, "收到") == "nt:ack:1"
    [unbound] = await _notice_rows(app, "A004")
    assert unbound.status == "unreachable" and unbound.error == "no bound account"
    assert await _notice_rows(app, "M001") == []
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Assignment))).scalar_one() == 4
        notice = await s.get(Notice, 1)
        assert notice is not None and notice.requires_ack and notice.ack_by == ACK_BY


async def test_cancel_and_a_typed_audience(app: App) -> None:
    users = await _setup(app)
    office = users["O001"]
    await office.send("/notice")
    await office.press("输入范围")
    await office.send("unit:没有这个单位")
    assert "没有名为「没有这个单位」的单位" in office.text
    await office.send("post:<b>")  # typed text comes back escaped
    assert "范围「post:&lt;b&gt;」内没有在职人员" in office.text
    await office.send("unit:交警大队")
    assert "共 1 人" in office.text
    await office.press("取消")
    assert "没有发送" in office.text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Notice))).scalar_one() == 0


async def test_notice_without_acknowledgment_has_no_task_and_no_nudge(app: App) -> None:
    users = await _setup(app)
    office = users["O001"]
    await office.send("/notice")
    await office.press("全体人员")
    await office.send("周五下午停电检修\n请提前保存工作。")
    await office.press("不需要确认")
    assert "无需确认收到" in office.last[0].text
    await office.press("发送")
    assert "提醒未确认" not in " ".join(office.labels())
    [row] = await _notice_rows(app, "A001")
    assert row.buttons == [] and "收到" not in row.text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Assignment))).scalar_one() == 0
    async with app.unit_of_work() as svc:
        with pytest.raises(NoAckNeeded):
            await svc.notices.nudge(Actor.cli(), 1)
    await users["A001"].tap("nt:ack:1")
    assert "不需要确认" in users["A001"].text


# --- acknowledging ----------------------------------------------------------------------


async def test_ack_records_time_closes_the_task_and_edits_the_button(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    notice_id = await _send(app)
    [row] = await _notice_rows(app, "A001")
    clock.set(local(2026, 12, 1, 10, 32))
    alice = users["A001"]
    await alice.tap(_action(row, "收到"))
    [reply] = alice.last
    assert reply.edit and reply.text == row.text  # the same message, only the button changes
    assert [[b.label for b in r] for r in reply.buttons] == [["☑️ 已确认 10:32"]]
    assert reply.buttons[0][0].action == f"nt:done:{notice_id}"
    assert reply.toast == "已确认收到（10:32）。"
    async with app.sessionmaker() as s:
        ack = (await s.execute(select(NoticeAck))).scalar_one()
        assert ack.acked_at == clock.now() and ack.channel == "test"
        task = (
            await s.execute(select(Assignment).where(Assignment.person_id == ack.person_id))
        ).scalar_one()
        assert task.status == AssignmentStatus.DONE and task.done_at == clock.now()
        assert task.next_action_at is None

    clock.advance(timedelta(minutes=5))
    await alice.tap(_action(row, "收到"))  # an old copy of the button: harmless
    assert alice.last[0].buttons[0][0].label == "☑️ 已确认 10:32"
    assert "无需重复" in (alice.last[0].toast or "")
    await alice.tap(f"nt:done:{notice_id}")
    assert alice.last[0].edit and alice.last[0].text == row.text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(NoticeAck))).scalar_one() == 1


async def test_two_devices_pressing_at_the_same_moment_acknowledge_once(
    app: App, clock: FrozenClock
) -> None:
    """A person on Telegram and in the web chat presses 收到 on both at once (two
    processes): one acknowledgment, one closed task, one audit event recording it; both
    buttons show the same time, and the evidence cross-check stays intact."""
    users = await _setup(app)
    async with app.unit_of_work() as svc:
        person = (
            await svc.session.execute(select(Person).where(Person.employee_no == "A001"))
        ).scalar_one()
        await bind_account(svc.session, app.clock, person, channel="web", user_id="A001-web")
    notice_id = await _send(app)
    [row] = await _notice_rows(app, "A001")
    clock.set(local(2026, 12, 1, 10, 32))
    phone = users["A001"]
    web = ChatUser(app.conversation(), "A001-web", channel="web")
    await asyncio.gather(phone.tap(_action(row, "收到")), web.tap(_action(row, "收到")))
    for device in (phone, web):
        assert device.last[0].buttons[0][0].label == "☑️ 已确认 10:32", device.last
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(NoticeAck))).scalar_one() == 1
        events = await _ack_events(s, notice_id)
        assert events == 1
        done = (
            await s.execute(
                select(func.count())
                .select_from(Assignment)
                .where(
                    Assignment.person_id == person.id, Assignment.status == AssignmentStatus.DONE
                )
            )
        ).scalar_one()
        assert done == 1
    await seal_pending(app)
    async with app.sessionmaker() as s:
        report = await audit.check(s, AUDIT_KEY_BYTES)
    assert report.intact and report.evidence >= 1, report


async def test_a_burst_of_presses_is_answered_like_presses_one_by_one(
    app: App, clock: FrozenClock
) -> None:
    """Many people press 收到 at the same moment on one process. On PostgreSQL the presses
    are committed in groups (bot.conversation.GroupCommit); every press still gets the reply
    it would get alone: new ones the acknowledged button, one who acknowledged before that
    time, a mentor outside the audience a refusal, one who left a notice of it, a
    redelivered update nothing. Each acknowledgment is written once, with its closed task
    and its audit event, and the chain's evidence cross-check holds."""
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        station = force.units["城关派出所"]
        crowd = [f"B{i:03d}" for i in range(1, 13)]
        for no in crowd:
            person = await add_person(
                svc.session, app.clock, employee_no=no, name=f"辅警{no}", unit=station
            )
            await bind_account(svc.session, app.clock, person, user_id=no)
        for no in ("A001", "A002", "A003", "M001"):
            await bind_account(svc.session, app.clock, force[no], user_id=no)
    notice_id = await _send(app)
    ack = f"nt:ack:{notice_id}"
    conversation = app.conversation()  # one process: its presses can be grouped
    users = {no: ChatUser(conversation, no) for no in (*crowd, "A001", "A002", "A003", "M001")}
    clock.set(local(2026, 12, 1, 10, 5))
    await users["A001"].tap(ack)  # acknowledged before the burst
    redelivered = Incoming(users["A002"].account, Kind.BUTTON, name=ack, event_id="u-77")
    await conversation.handle(redelivered)  # A002 pressed; the channel will send it again
    async with app.unit_of_work() as svc:
        await svc.session.execute(
            update(Person).where(Person.employee_no == "A003").values(status="left")
        )
    clock.set(local(2026, 12, 1, 10, 32))
    commits = [0]
    event.listen(
        app.engine.sync_engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1)
    )

    presses = [users[no].tap(ack) for no in (*crowd, "A001", "A003", "M001")]
    *replies, again = await asyncio.gather(*presses, conversation.handle(redelivered))

    for no, [reply] in zip(crowd, replies, strict=False):
        assert reply.edit and reply.toast == "已确认收到（10:32）。", no
        assert [[b.label for b in r] for r in reply.buttons] == [["☑️ 已确认 10:32"]]
    first, left, mentor = (r[0] for r in replies[len(crowd) :])
    assert first.buttons[0][0].label == "☑️ 已确认 10:05" and "无需重复" in (first.toast or "")
    assert "账号已停用" in left.text
    assert "不是发给您的" in mentor.text
    assert again == []
    if app.engine.dialect.name == "postgresql":  # the crowd went in one group
        assert commits[0] < len(presses), commits
    async with app.sessionmaker() as s:
        acks = (await s.execute(select(NoticeAck.person_id, NoticeAck.acked_at))).all()
        assert len(acks) == len(crowd) + 2 and len({a.person_id for a in acks}) == len(acks)
        events = await _ack_events(s, notice_id)
        assert events == len(acks)
        open_crowd = await s.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Person, Person.id == Assignment.person_id)
            .where(Person.employee_no.in_(crowd), Assignment.status == AssignmentStatus.OPEN)
        )
        assert open_crowd == 0
    await seal_pending(app)
    async with app.sessionmaker() as s:
        report = await audit.check(s, AUDIT_KEY_BYTES)
    assert report.intact and report.evidence >= len(acks), report


async def test_ack_in_english_and_from_my_tasks(app: App, clock: FrozenClock) -> None:
    users = await _setup(app)
    async with app.unit_of_work() as svc:
        await svc.session.execute(
            update(Person).where(Person.employee_no == "A002").values(locale="en")
        )
    await _send(app)
    [row] = await _notice_rows(app, "A002")
    assert 'Please tap "✅ Received" below by 2026-12-02 18:00' in row.text
    assert _action(row, "Received") == "nt:ack:1"
    bob = users["A002"]
    await bob.send("/menu")
    await bob.press("My tasks")
    assert "[Notice] 关于加强‹夜间›值班的通知" in bob.text  # see notices.task_title
    await bob.press("Open and confirm")
    assert bob.last[0].text == row.text and not bob.last[0].edit
    await bob.press("Received")
    assert bob.last[0].buttons[0][0].label == "☑️ Acknowledged at 10:00"
    await bob.send("/tasks")
    assert "no open tasks" in bob.text


async def test_only_recipients_can_acknowledge(app: App) -> None:
    users = await _setup(app)
    await _send(app)
    await users["M001"].tap("nt:ack:1")  # a mentor was not in the audience
    assert "不是发给您的" in users["M001"].text
    await users["M001"].tap("nt:ack:99")
    assert "不是发给您的" in users["M001"].text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(NoticeAck))).scalar_one() == 0


# --- delivery, stats, nudges ---------------------------------------------------------------


async def test_stats_per_unit_count_delivery_failures_unreachable_and_acks(app: App) -> None:
    users = await _setup(app)
    notice_id = await _send(app, audience="all")
    channel = Channel()
    channel.rejected = {"A003"}
    await _deliver(app, channel)
    assert len(channel.to("A001")) == 1 and channel.to("A001")[0].buttons[0][0].label == "✅ 收到"
    await users["A001"].tap(f"nt:ack:{notice_id}")
    await users["L001"].tap(f"nt:ack:{notice_id}")
    async with app.unit_of_work() as svc:
        stats = await svc.notices.stats(Actor.cli(), notice_id)
    by_unit = {u.unit: u for u in stats.units}
    station = by_unit["城关派出所"]
    assert (station.targeted, station.delivered, station.failed, station.acknowledged) == (
        6,
        5,
        1,
        2,
    )
    traffic = by_unit["交警大队"]
    assert (traffic.targeted, traffic.unreachable, traffic.no_account) == (1, 1, 1)
    assert by_unit["示例县公安局"].delivered == 1
    total = stats.total
    assert (
        total.targeted,
        total.delivered,
        total.failed,
        total.unreachable,
        total.acknowledged,
        total.pending,
    ) == (8, 6, 1, 1, 2, 0)

    office = users["O001"]
    await office.tap(f"nt:st:{notice_id}")
    assert "发送进度：8/8（送达 6，失败 1，无法送达 1）" in office.text
    assert "【交警大队】目标 1 · 送达 0 · 失败 0 · 无法送达 1 · 已确认 0" in office.text
    assert "已确认 2" in office.text
    await office.press("通知列表")
    assert f"#{notice_id} 关于加强<夜间>值班的通知 · 确认 2/8" in office.labels()


async def test_the_progress_message_updates_itself_until_delivery_is_over(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    office = users["O001"]
    await office.send("/notice")
    await office.press("👤 辅警")
    await office.press("下一步")
    await office.send(TEXT)
    await office.press("需要确认")
    await office.send("12月2日 18:00")
    # Send is pressed on the preview, message 777: that message becomes the progress.
    press = Incoming(office.account, Kind.BUTTON, name="nt:send", message_ref="777")
    [reply] = await office.conversation.handle(press)
    assert "通知 #1 已开始发送" in reply.text and reply.edit
    async with app.sessionmaker() as s:
        notice = await s.get(Notice, 1)
        office_id = await s.scalar(select(Person.id).where(Person.employee_no == "O001"))
        assert notice is not None and notice.status_message_id == "777"
        assert notice.status_person_id == office_id

    assert await refresh_progress(app) == 1
    [edit] = await outbox_for(app, "O001")
    assert (edit.edit_message_id, edit.priority, edit.status) == ("777", 1, "pending")
    assert "发送进度：1/4（送达 0，失败 0，无法送达 1）" in edit.text  # 3 still queued
    assert "更新于 10:00:00" in edit.text
    assert _action(edit, "刷新进度") == "nt:st:1" and _action(edit, "提醒") == "nt:ng:1"
    assert await refresh_progress(app) == 0  # the edit still waits: no second one

    channel = Channel()
    await _deliver(app, channel)
    assert [(c, m) for c, m, _ in channel.edited] == [("O001", "777")]
    assert len(channel.to("A001")) == 1 and channel.to("O001") == []
    assert await refresh_progress(app) == 0  # the same 5 s: already edited once

    clock.advance(timedelta(seconds=5))
    assert await refresh_progress(app) == 1  # everything has an outcome: the last edit
    await _deliver(app, channel)
    chat, message_id, last = channel.edited[-1]
    assert (chat, message_id, len(channel.edited)) == ("O001", "777", 2)
    assert "发送进度：4/4（送达 3，失败 0，无法送达 1）" in last.text
    assert "更新于 10:00:05" in last.text
    clock.advance(timedelta(seconds=5))
    assert await refresh_progress(app) == 0  # done: no more edits
    assert len(await outbox_for(app, "O001")) == 2


async def test_a_notice_sent_from_the_cli_has_no_progress_message(app: App) -> None:
    await _setup(app)
    await _send(app)
    assert await refresh_progress(app) == 0
    assert await outbox_for(app, "O001") == []


async def test_nudge_goes_only_to_reachable_people_who_have_not_acknowledged(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    notice_id = await _send(app)
    async with app.unit_of_work() as svc:
        plan = await svc.notices.nudge_plan(Actor.cli(), notice_id)
    assert (plan.reachable, plan.unreachable, plan.in_delivery) == (0, 1, 3)  # still sending
    channel = Channel()
    await _deliver(app, channel)
    await users["A001"].tap(f"nt:ack:{notice_id}")

    office = users["O001"]
    await office.tap(f"nt:st:{notice_id}")
    await office.press("提醒未确认")
    assert "将向 2 名未确认的人" in office.text and "无法送达 1 人" in office.text
    await office.press("确定提醒")
    assert "已安排第 1 轮提醒：2 人" in office.text
    nudges = [
        r
        for emp in ("A001", "A002", "A003", "A004")
        for r in await _notice_rows(app, emp)
        if r.kind == "notice.nudge"
    ]
    assert sorted(r.dedupe_key for r in nudges) == sorted(
        f"notice:{notice_id}:{pid}:nudge:1" for pid in {r.person_id for r in nudges}
    )
    assert len(nudges) == 2 and {r.priority for r in nudges} == {5}
    await _deliver(app, channel)
    assert len(channel.to("A001")) == 1  # acknowledged: no reminder
    [first, reminder] = channel.to("A002")
    assert reminder.text.startswith("⏰ <b>提醒</b>") and first.text in reminder.text
    assert reminder.buttons[0][0].action == f"nt:ack:{notice_id}:1"

    bob = users["A002"]
    await bob.tap(reminder.buttons[0][0].action)  # confirms on the reminder itself
    assert bob.last[0].text == reminder.text and "已确认" in bob.last[0].buttons[0][0].label
    async with app.unit_of_work() as svc:
        second = await svc.notices.nudge(Actor.cli(), notice_id)
    assert (second.round, second.queued, second.unreachable) == (2, 1, 1)
    await _deliver(app, channel)
    assert len(channel.to("A003")) == 3 and len(channel.to("A002")) == 2
    async with app.unit_of_work() as svc:
        stats = await svc.notices.stats(Actor.cli(), notice_id)
    assert stats.nudged == 3 and stats.total.acknowledged == 2


async def test_ack_deadline_escalates_non_acknowledgers_to_the_mentor(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    await _send(app)
    await users["A001"].tap("nt:ack:1")
    clock.set(ACK_BY - timedelta(hours=2))
    report = await tick(app)
    assert report.reminders == 3  # A002, A003 and the unregistered A004 (unreachable)
    reminder = (await outbox_for(app, "A002"))[-1]
    assert reminder.kind == "task.task-reminder" and "关于加强" in reminder.text
    assert _action(reminder, "查看并确认").startswith("nt:o:")
    clock.set(ACK_BY)
    report = await tick(app)
    assert report.escalated[1] == 3
    digest = (await outbox_for(app, "M001"))[-1]
    assert digest.kind == "digest.L1"
    assert "李四" in digest.text and "张三" not in digest.text  # A001 acknowledged in time
    assert "关于加强‹夜间›值班的通知" in digest.text  # no markup from the office's title


async def test_a_mentor_can_neither_send_nor_see_stats(app: App) -> None:
    users = await _setup(app)
    notice_id = await _send(app)
    async with app.unit_of_work() as svc:
        mentor = Actor.of(await svc.people.get(Actor.cli(), "M001"))
        for call in (
            svc.notices.send(mentor, Composed(audience="all", text=TEXT)),
            svc.notices.preview(mentor, Composed(audience="all", text=TEXT)),
            svc.notices.stats(mentor, notice_id),
            svc.notices.nudge(mentor, notice_id),
            svc.notices.recent(mentor),
        ):
            with pytest.raises(NotAllowed):
                await call
    mentor_chat = users["M001"]
    await mentor_chat.send("/menu")
    assert "📢 通知" not in mentor_chat.labels()
    await mentor_chat.send("/notice")
    assert "没有执行此操作的权限" in mentor_chat.text
    for action in (f"nt:st:{notice_id}", f"nt:ngo:{notice_id}", "nt:menu", "nt:aud:all"):
        await mentor_chat.tap(action)
        assert "没有执行此操作的权限" in mentor_chat.text, action
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Notice))).scalar_one() == 1


# --- limits and attachments --------------------------------------------------------------


async def test_limits_are_refused_with_a_clear_reason(app: App) -> None:
    users = await _setup(app)
    async with app.unit_of_work() as svc:
        with pytest.raises(AttachmentTooLarge) as too_big:
            svc.notices.draft(TEXT, attachment=("a.pdf", b"x" * (MAX_ATTACHMENT + 1)))
        assert too_big.value.args_["limit"] == "20.0 MB"
        with pytest.raises(TextTooLong):
            svc.notices.draft("标题\n" + "字" * 3500)
        with pytest.raises(AckByPast):
            svc.notices.draft(TEXT, ack_by=local(2026, 12, 1, 9, 0))
    office = users["O001"]
    await office.send("/notice")
    await office.press("全体人员")
    await office.send("标题\n" + "<" * 1000)  # escaped, that is 4000 characters
    assert "通知太长了" in office.text
    await office.send("标题\n正文")
    assert "是否需要对方" in office.text


async def test_attachment_is_sent_on_request(app: App) -> None:
    users = await _setup(app)
    content = b"%PDF-1.4 duty roster"
    notice_id = await _send(app, attachment=("C:\\docs\\值班表.pdf", content))
    [row] = await _notice_rows(app, "A001")
    assert "📎 附件：值班表.pdf（20 B）" in row.text
    alice = users["A001"]
    await alice.tap(_action(row, "值班表.pdf"))
    [reply] = alice.last
    assert reply.document is not None
    assert (reply.document.filename, reply.document.content) == ("值班表.pdf", content)
    await users["M001"].tap(f"nt:file:{notice_id}")  # not a recipient
    assert users["M001"].last[0].document is None
    await users["O001"].tap(f"nt:file:{notice_id}")  # office staff may check it
    assert users["O001"].last[0].document is not None


async def test_cli_progress_bar_ends_when_everything_has_an_outcome(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    await _setup(app)
    notice_id = await _send(app, audience="all")
    await _deliver(app, Channel())
    progress = await wait_for_delivery(app, app.translator(), notice_id)
    assert (progress.sent, progress.unreachable, progress.pending) == (7, 1, 0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("[" + "#" * 30 + "] 8/8（100%）")
    assert lines[2].startswith("发送完毕：送达 7，失败 0，无法送达 1")
    assert bar(5, 20, width=8) == "[##......]"
    assert duration(3725) == "1:02:05" and duration(75) == "1:15"


def test_typed_local_times() -> None:
    now = local(2026, 12, 1, 10, 0)
    assert parse_local("2026-12-02 18:00", SHANGHAI, now) == local(2026, 12, 2, 18, 0)
    assert parse_local("2026/12/2T18:00", SHANGHAI, now) == local(2026, 12, 2, 18, 0)
    assert parse_local("１２月２日 １８：３０", SHANGHAI, now) == local(2026, 12, 2, 18, 30)
    assert parse_local("12-2 18点", SHANGHAI, now) == local(2026, 12, 2, 18, 0)
    assert parse_local("1-5 9:00", SHANGHAI, now) == local(2027, 1, 5, 9, 0)  # next year
    assert parse_local("2-30 9:00", SHANGHAI, now) is None
    assert parse_local("tomorrow", SHANGHAI, now) is None


# --- the command line -----------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    return db


def _cli_force(db: Path) -> None:
    async def build() -> None:
        from bot.config import Settings  # noqa: PLC0415
        from storage.db import make_engine  # noqa: PLC0415

        settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", _env_file=None)  # type: ignore[call-arg]
        app = App(
            settings, make_engine(settings.database_url), FrozenClock(local(2026, 12, 1, 10))
        )
        await _setup(app)
        await app.close()

    asyncio.run(build())


def test_cli_send_list_stats_and_nudge(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli_force(cli_db)
    text = tmp_path / "notice.txt"
    text.write_bytes("值班通知\n今晚<22:00>集合。".encode("gb18030"))
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (MAX_ATTACHMENT + 1))
    capsys.readouterr()
    assert (
        main(
            [
                "notice",
                "send",
                "--audience",
                "role:auxiliary",
                "--text-file",
                str(text),
                "--attach",
                str(big),
            ]
        )
        == 1
    )
    assert "附件太大（20.0 MB），上限为 20.0 MB" in capsys.readouterr().err
    assert (
        main(
            [
                "notice",
                "send",
                "--audience",
                "role:auxiliary",
                "--text-file",
                str(text),
                "--dry-run",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "│ 📢 值班通知" in out and "今晚<22:00>集合。" in out
    assert "4 人，其中未绑定 1 人" in out and "没有发送" in out
    assert (
        main(
            [
                "notice",
                "send",
                "--audience",
                "role:auxiliary",
                "--text-file",
                str(text),
                "--ack-by",
                "2099-12-02T18:00",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Notice #1 created: 4 targeted, 3 queued, 1 not reachable, 4 confirmation tasks" in out
    assert main(["notice", "list"]) == 0
    assert "#1" in capsys.readouterr().out
    assert main(["notice", "stats", "1"]) == 0
    out = capsys.readouterr().out
    assert "城关派出所" in out and "合计" in out
    assert main(["notice", "nudge", "1", "--dry-run"]) == 0
    assert "将提醒 0 人" in capsys.readouterr().out  # the first messages are still queued
    assert main(["notice", "stats", "7"]) == 1
    assert "没有编号为 7 的通知" in capsys.readouterr().err
