"""Pledges: publish, read page by page, sign with the roster name, versions, evidence."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.errors import NotAllowed
from bot.services.pledges import VersionTextChanged, normalize_name
from storage import audit
from storage.models import (
    AppendOnlyViolation,
    Assignment,
    AssignmentStatus,
    PledgeVersion,
    Signature,
    Unit,
)
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import AUDIT_KEY_BYTES, local, outbox_for

DUE = local(2026, 12, 15, 12, 0)


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "A003", "M001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
    return users


async def _publish(app: App, key: str = "online-conduct", audience: str = "all"):  # noqa: ANN202
    async with app.unit_of_work() as svc:
        return await svc.pledges.publish(Actor.cli(), key, audience=audience, due_at=DUE)


async def _sign(user: ChatUser, name: str) -> None:
    await user.send("/menu")
    await user.press("我的任务")
    await user.press("阅读")
    while any("下一页" in label for label in user.labels()):
        await user.press("下一页")
    await user.press("我已阅读并同意")
    if "请输入您的完整姓名" in user.text:  # not when signing waits for a training
        await user.send(name)


async def test_publish_assigns_audience_roles_and_notifies(app: App) -> None:
    await _setup(app)
    result = await _publish(app)
    assert result.new_version and result.version == 1
    assert result.assigned == 4  # the four auxiliaries, not officers
    messages = await outbox_for(app, "A001")
    assert len(messages) == 1 and "网络社交行为承诺书" in messages[0].text
    assert messages[0].buttons[0][0]["action"].startswith("pl:o:")
    unbound = await outbox_for(app, "A004")  # no account: accounted as unreachable
    assert unbound[0].status == "unreachable"
    again = await _publish(app)
    assert not again.new_version and again.assigned == 0
    assert len(await outbox_for(app, "A001")) == 1


async def test_full_signing_flow_gives_receipt_and_evidence(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    await _sign(alice, "张 三")  # spaces are normalized
    assert "签署成功" in alice.text
    async with app.sessionmaker() as s:
        sig = (await s.execute(select(Signature))).scalar_one()
        text = await s.get(PledgeVersion, sig.pledge_version_id)
        assert text is not None
        assert sig.document_sha256 == hashlib.sha256(text.body.encode()).hexdigest()
        assert sig.document_sha256[:12] in alice.text
        assert sig.signature_no in alice.text
        assert "2026-12-01 10:00" in alice.text  # local time of the frozen clock
        assert (
            sig.typed_name == "张 三" and sig.channel == "test" and sig.channel_user_id == "A001"
        )
        count, broken = await audit.verify(s, AUDIT_KEY_BYTES)
        assert broken is None
        event_hashes = {e for e in (await s.execute(select(audit.AuditEvent.hash))).scalars()}
        assert sig.audit_hash in event_hashes
        a = (
            await s.execute(select(Assignment).where(Assignment.id == sig.assignment_id))
        ).scalar_one()
        assert a.status == AssignmentStatus.DONE
    await alice.send("/menu")
    await alice.press("我的任务")
    assert "没有待办" in alice.text


async def test_wrong_name_three_times_is_refused_and_recorded(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    bob = users["A002"]
    await _sign(bob, "张三")
    assert "不一致" in bob.text and "2 次" in bob.text
    await bob.send("李五")
    assert "1 次" in bob.text
    await bob.send("<b>李</b>")
    assert "带辅民警" in bob.text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Signature))).scalar_one() == 0
        kinds = list((await s.execute(select(audit.AuditEvent.kind))).scalars())
        assert "pledge.name_refused" in kinds
    await _sign(bob, "李四")  # later they can try again
    assert "签署成功" in bob.text


async def test_signing_twice_and_old_buttons(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    await _sign(alice, "张三")
    async with app.sessionmaker() as s:
        aid = (await s.execute(select(Signature.assignment_id))).scalar_one()
    await alice.tap(f"pl:o:{aid}")
    assert "无需重复签署" in alice.text
    await alice.tap(f"pl:a:{aid}")
    assert "无需重复签署" in alice.text
    await alice.tap("pl:o:99999")
    assert "不属于您" in alice.text
    await alice.tap("pl:o:abc")
    assert "按钮已失效" in alice.text


async def test_new_version_supersedes_and_old_signatures_stay(
    app: App,
    settings,
    tmp_path,  # noqa: ANN001
) -> None:
    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张三")
    # a changed text with the same version number is refused
    content = tmp_path / "content"
    (content / "pledges").mkdir(parents=True)
    src = settings.content_dir / "pledges"
    for f in src.glob("online-conduct.*.md"):
        (content / "pledges" / f.name).write_text(
            f.read_text(encoding="utf-8") + "\n\n补充条款。", encoding="utf-8"
        )
    app.settings.content_dir = content
    with pytest.raises(VersionTextChanged):
        await _publish(app)
    for f in (content / "pledges").glob("*.md"):
        f.write_text(
            f.read_text(encoding="utf-8").replace("version: 1", "version: 2"), encoding="utf-8"
        )
    result = await _publish(app)
    assert result.new_version and result.version == 2 and result.replaced == 3
    assert result.assigned == 4  # A001 signed v1 and must sign v2 too
    async with app.sessionmaker() as s:
        sigs = (await s.execute(select(Signature))).scalars().all()
        assert [(x.version, x.pledge_key) for x in sigs] == [(1, "online-conduct")]
        bob_old = (
            (
                await s.execute(
                    select(Assignment.id)
                    .where(Assignment.status == AssignmentStatus.CANCELLED)
                    .order_by(Assignment.id)
                )
            )
            .scalars()
            .first()
        )
    bob = users["A002"]
    await bob.tap(f"pl:a:{bob_old}")  # an old button for a replaced version
    assert "第 2 版" in bob.text
    await bob.press("阅读最新版本")
    assert "第 2 版" in bob.text


async def test_signatures_are_never_updated_or_deleted(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张三")
    async with app.sessionmaker() as s:
        sig = (await s.execute(select(Signature))).scalar_one()
        sig.typed_name = "forged"
        with pytest.raises(AppendOnlyViolation):
            await s.flush()
    async with app.sessionmaker() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(update(Signature).values(typed_name="forged"))
    async with app.sessionmaker() as s:
        with pytest.raises(DBAPIError, match="append-only"):
            await s.execute(delete(Signature))


async def test_late_joiner_gets_the_pledge_with_grace(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    await _publish(app)
    clock.set(DUE - timedelta(hours=1))
    async with app.unit_of_work() as svc:
        station = (
            await svc.session.execute(select(Unit).where(Unit.name == "城关派出所"))
        ).scalar_one()
        await add_person(svc.session, clock, employee_no="A009", name="新人", unit=station)
        assert await svc.pledges.sync_new_people() == 1
    async with app.sessionmaker() as s:
        a = (
            await s.execute(select(Assignment).order_by(Assignment.id.desc()).limit(1))
        ).scalar_one()
        assert a.due_at == clock.now() + timedelta(days=3)


async def test_status_and_role_checks(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    await _sign(users["A001"], "张三")
    async with app.unit_of_work() as svc:
        status = await svc.pledges.status(Actor.cli(), "online-conduct")
        by_unit = {u.unit: u for u in status.units}
        assert by_unit["城关派出所"].assigned == 3 and by_unit["城关派出所"].signed == 1
        assert by_unit["交警大队"].pending == 1
        assert {p.employee_no for p in status.pending} == {"A002", "A003", "A004"}
        mentor = await svc.people.get(Actor.cli(), "M001")
        with pytest.raises(NotAllowed):
            await svc.pledges.status(Actor.of(mentor), "online-conduct")
        with pytest.raises(NotAllowed):
            await svc.pledges.publish(Actor.of(mentor), "online-conduct")


def test_name_normalization() -> None:
    assert normalize_name(" 欧阳 娜娜 ") == normalize_name("欧阳娜娜")
    assert normalize_name("买买提・艾力") == normalize_name("买买提·艾力")
    assert normalize_name("ＺＨＡＮＧ San") == normalize_name("zhang san")
    assert normalize_name("张三") != normalize_name("张三丰")


async def test_republish_with_new_deadline_moves_it_and_other_audience_adds_nobody_twice(
    app: App,
) -> None:
    await _setup(app)
    await _publish(app)
    async with app.unit_of_work() as svc:
        later = DUE + timedelta(days=7)
        result = await svc.pledges.publish(Actor.cli(), "online-conduct", due_at=later)
        assert result.assigned == 0 and result.rescheduled == 4
        overlap = await svc.pledges.publish(
            Actor.cli(), "online-conduct", audience="unit:城关派出所", due_at=later
        )
        assert overlap.assigned == 0  # those people already have this version open
    async with app.sessionmaker() as s:
        rows = (
            (
                await s.execute(
                    select(Assignment.due_at).where(Assignment.status == AssignmentStatus.OPEN)
                )
            )
            .scalars()
            .all()
        )
        assert len(rows) == 4 and set(rows) == {later}
    assert len(await outbox_for(app, "A001")) == 1


async def test_policy_can_turn_off_the_message_at_publish(app: App) -> None:
    await _setup(app)
    app.settings.policies = {"pledge": {"remind_at_publish": False}}
    result = await _publish(app)
    assert result.assigned == 4
    assert await outbox_for(app, "A001") == []


async def test_registering_after_publish_points_to_the_open_tasks(app: App) -> None:
    await _setup(app)
    await _publish(app)  # A004 has no account yet: the message could not be delivered
    async with app.unit_of_work() as svc:
        [issued] = await svc.registration.issue_codes(Actor.cli(), employee_no="A004")
    nana = ChatUser(app.conversation(), "tg-nana")
    await nana.send(f"/start {issued.code}")
    assert "您有 1 项待办任务" in nana.text
    await nana.press("我的任务")
    assert "网络社交行为承诺书" in nana.text


def test_audience_description_reads_back() -> None:
    from bot.services.tasks import Audience  # noqa: PLC0415

    aud = Audience.parse("unit:城关派出所,role:auxiliary,post:巡逻辅警,emp:A001")
    assert Audience.parse(aud.describe()) == aud
    assert Audience.parse("all").describe() == "all"
