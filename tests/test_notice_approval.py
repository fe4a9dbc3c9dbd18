"""Approval before a force-wide notice (issue 21), on SQLite and PostgreSQL.

A notice to more than MUSTER_NOTICE_APPROVAL_OVER people, or marked sensitive, waits as a
draft; another office staffer approves it (then it is sent as written) or returns it with a
reason; both steps are audited; nobody approves his own notice, and a double tap or two
approvers at once act once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.actions import Btn
from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.errors import NotAllowed
from bot.services.notice_approval import (
    AlreadyDecided,
    NeedsAPerson,
    NoReason,
    OwnNotice,
    Submitted,
)
from bot.services.notices import ApprovalRequired, Composed, SendResult
from storage.models import AuditEvent, Outbox, Role
from storage.models_approvals import DraftStatus, NoticeDraft
from storage.models_notices import Notice
from tests.chat import ChatUser
from tests.factories import Force, add_person, bind_account, make_force
from tests.helpers import outbox_for

TEXT = "关于全局开展安全大检查的通知\n各单位于本周五前完成自查。"


async def force(app: App) -> Force:
    """make_force, with two more office staffers; every officer has a chat account."""
    app.settings.notice_approval_over = 5  # the force has 10 people
    async with app.unit_of_work() as svc:
        f = await make_force(svc.session, app.clock)
        for no, name in (("O002", "吴审核"), ("O003", "郑干事")):
            f.people[no] = await add_person(
                svc.session,
                app.clock,
                employee_no=no,
                name=name,
                unit=f.bureau,
                roles=(Role.OFFICE,),
            )
        for no in ("O001", "O002", "O003", "L001", "A001"):  # chat ids u<person id>
            await bind_account(svc.session, app.clock, f[no])
    return f


async def count(app: App, model: type) -> int:
    async with app.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def events(app: App, kind: str) -> list[AuditEvent]:
    async with app.sessionmaker() as s:
        rows = await s.execute(select(AuditEvent).where(AuditEvent.kind == kind))
        return list(rows.scalars())


async def submit(
    app: App, f: Force, *, audience: str = "all", sensitive: bool = False
) -> Submitted:
    async with app.unit_of_work() as svc:
        result = await svc.notice_approvals.send(
            Actor.of(f["O001"]), Composed(audience=audience, text=TEXT), sensitive=sensitive
        )
    assert isinstance(result, Submitted)
    return result


async def test_over_the_limit_it_waits_and_a_second_staffer_approves_it(app: App) -> None:
    f = await force(app)
    submitted = await submit(app, f)
    assert (submitted.targeted, submitted.approvers) == (10, 2)
    assert await count(app, Notice) == 0  # nothing goes out yet
    assert [r.kind for r in await outbox_for(app, "A001")] == []
    [ask] = await outbox_for(app, "O002")
    assert "待审批通知" in ask.text and "周政工 提交了一条通知" in ask.text
    assert "发送对象 10 人，超过 5 人" in ask.text and "关于全局开展安全大检查的通知" in ask.text
    assert [b["label"] for b in ask.buttons[0]] == ["✅ 批准发送", "↩️ 退回"]
    assert [r.kind for r in await outbox_for(app, "O001")] == []  # not asked to approve his own
    [event] = await events(app, "notice.submitted")
    assert event.actor == "person:O001" and event.payload["targeted"] == 10

    async with app.unit_of_work() as svc:
        with pytest.raises(OwnNotice):
            await svc.notice_approvals.approve(Actor.of(f["O001"]), submitted.draft_id)
    async with app.unit_of_work() as svc:
        with pytest.raises(NeedsAPerson):
            await svc.notice_approvals.approve(Actor.cli(), submitted.draft_id)
    async with app.unit_of_work() as svc:
        with pytest.raises(NotAllowed):
            await svc.notice_approvals.approve(Actor.of(f["L001"]), submitted.draft_id)
    assert await count(app, Notice) == 0

    async with app.unit_of_work() as svc:
        done = await svc.notice_approvals.approve(Actor.of(f["O002"]), submitted.draft_id)
    assert done.sent.targeted == 10 and done.draft.status == DraftStatus.APPROVED
    assert done.draft.decided_by == "吴审核" and done.draft.notice_id == done.sent.notice_id
    async with app.sessionmaker() as s:
        notice = await s.get(Notice, done.sent.notice_id)
        assert notice is not None and notice.created_by == "person:O001"  # as its sender wrote it
        assert notice.title == "关于全局开展安全大检查的通知"
    assert [r.kind for r in await outbox_for(app, "A001")] == ["notice"]
    told = [r for r in await outbox_for(app, "O001") if r.kind == "notice.decided"]
    assert len(told) == 1 and "已由 吴审核 批准" in told[0].text
    [approved] = await events(app, "notice.approved")
    assert approved.actor == "person:O002" and approved.payload["submitted_by"] == "person:O001"
    [sent] = await events(app, "notice.sent")
    assert (
        sent.payload["draft"] == submitted.draft_id
        and sent.payload["approved_by"] == "person:O002"
    )

    # a second press (or another approver later) acts no more
    for who in ("O002", "O003"):
        async with app.unit_of_work() as svc:
            with pytest.raises(AlreadyDecided) as late:
                await svc.notice_approvals.approve(Actor.of(f[who]), submitted.draft_id)
        assert late.value.args_ == {"status": "approved", "by": "吴审核"}
    assert await count(app, Notice) == 1


async def test_a_sensitive_notice_is_returned_with_a_reason(app: App) -> None:
    f = await force(app)
    submitted = await submit(app, f, audience="emp:A001", sensitive=True)
    assert submitted.targeted == 1
    async with app.unit_of_work() as svc:
        with pytest.raises(NoReason):
            await svc.notice_approvals.return_draft(Actor.of(f["O003"]), submitted.draft_id, "  ")
    async with app.unit_of_work() as svc:
        back = await svc.notice_approvals.return_draft(
            Actor.of(f["O003"]), submitted.draft_id, "措辞 需要\n再斟酌"
        )
    assert (back.status, back.reason, back.decided_by) == (
        DraftStatus.RETURNED,
        "措辞 需要 再斟酌",
        "郑干事",
    )
    told = [r for r in await outbox_for(app, "O001") if r.kind == "notice.decided"]
    assert (
        len(told) == 1 and "被 郑干事 退回" in told[0].text and "措辞 需要 再斟酌" in told[0].text
    )
    assert told[0].buttons[0][0]["label"] == "✏️ 重新编写通知"
    [returned] = await events(app, "notice.returned")
    assert (
        returned.payload["reason"] == "措辞 需要 再斟酌" and returned.payload["sensitive"] is True
    )
    async with app.unit_of_work() as svc:
        with pytest.raises(AlreadyDecided):
            await svc.notice_approvals.approve(Actor.of(f["O002"]), submitted.draft_id)
        assert await svc.notice_approvals.waiting(Actor.of(f["O002"])) == []
    assert await count(app, Notice) == 0 and [r.kind for r in await outbox_for(app, "A001")] == []


async def test_a_small_notice_goes_at_once_and_the_gate_holds_in_the_service(app: App) -> None:
    f = await force(app)
    async with app.unit_of_work() as svc:
        result = await svc.notice_approvals.send(
            Actor.of(f["O001"]), Composed(audience="role:auxiliary", text=TEXT)
        )
    assert isinstance(result, SendResult) and result.targeted == 4  # not over 5
    # nobody reaches the sending without the approval step: the service refuses
    for sensitive, audience in ((False, "all"), (True, "emp:A001")):
        async with app.unit_of_work() as svc:
            with pytest.raises(ApprovalRequired):
                await svc.notices.send(
                    Actor.cli(), Composed(audience=audience, text=TEXT), sensitive=sensitive
                )
    assert await count(app, Notice) == 1 and await count(app, NoticeDraft) == 0


async def test_two_approvers_at_once_send_it_once(app: App) -> None:
    f = await force(app)
    submitted = await submit(app, f)

    async def approve(who: str) -> object:
        async with app.unit_of_work() as svc:
            try:
                return await svc.notice_approvals.approve(Actor.of(f[who]), submitted.draft_id)
            except AlreadyDecided as exc:
                return exc

    results = await asyncio.gather(approve("O002"), approve("O003"))
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "Approved"]
    assert await count(app, Notice) == 1
    async with app.sessionmaker() as s:
        rows = await s.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.kind == "notice")
        )
    assert rows == 10
    assert len(await events(app, "notice.approved")) == 1


async def test_the_office_lists_what_waits(app: App) -> None:
    f = await force(app)
    first = await submit(app, f)
    second = await submit(app, f, audience="emp:A001", sensitive=True)
    async with app.unit_of_work() as svc:
        waiting = await svc.notice_approvals.waiting(Actor.of(f["O002"]))
        with pytest.raises(NotAllowed):
            await svc.notice_approvals.waiting(Actor.of(f["M001"]))
    assert [(d.id, d.sensitive, d.over_limit, d.created_by) for d in waiting] == [
        (first.draft_id, False, True, "周政工"),
        (second.draft_id, True, False, "周政工"),
    ]


def test_cli_send_of_a_sensitive_notice_waits_for_approval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("MUSTER_NOTICE_APPROVAL_OVER", "500")
    assert main(["db", "upgrade"]) == 0

    async def build() -> None:
        from bot.clock import FrozenClock  # noqa: PLC0415
        from bot.config import Settings  # noqa: PLC0415
        from storage.db import make_engine  # noqa: PLC0415
        from tests.conftest import T0  # noqa: PLC0415

        settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", _env_file=None)  # type: ignore[call-arg]
        app = App(settings, make_engine(settings.database_url), FrozenClock(T0))
        async with app.unit_of_work() as svc:
            await make_force(svc.session, app.clock)
        await app.close()

    asyncio.run(build())
    text = tmp_path / "notice.txt"
    text.write_text(TEXT, encoding="utf-8")
    capsys.readouterr()
    args = ["notice", "send", "--audience", "role:auxiliary", "--text-file", str(text)]
    assert main([*args, "--sensitive"]) == 0
    out = capsys.readouterr().out
    assert "需要审批（已标为敏感）：已保存为待审批 #1，已请 1 名政治处辅警办人员审批" in out
    assert main([*args, "--sensitive", "--lang", "en"]) == 0
    assert "Needs approval (marked sensitive): kept as draft #2" in capsys.readouterr().out


async def test_in_the_chat_a_return_begun_after_another_approved_ends_cleanly(app: App) -> None:
    """吴审核 presses Return and starts typing; meanwhile 郑干事 approves. His reason then
    meets a notice already decided: he is told by whom, and his chat is free again."""
    f = await force(app)
    wu, zheng = (ChatUser(app.conversation(), f"u{f[no].id}") for no in ("O002", "O003"))
    submitted = await submit(app, f)
    await wu.send("/approvals")
    assert "待审批的通知" in wu.text and wu.labels() == [
        f"#{submitted.draft_id} 关于全局开展安全大检查的通知（周政工，10 人）"
    ]
    await wu.press("关于全局开展安全大检查")
    assert wu.labels() == ["✅ 批准发送", "↩️ 退回"]
    await wu.press("退回")
    assert "请输入退回理由" in wu.text
    await zheng.tap(Btn.APPROVAL_APPROVE.token(submitted.draft_id))
    assert "已批准，通知" in zheng.text
    await wu.send("标题不清楚")
    assert "这条通知已由 郑干事批准，无需再处理。" in wu.text
    await wu.send("/approvals")
    assert "目前没有待审批的通知" in wu.text  # not stuck at the reason step
    await zheng.tap(Btn.APPROVAL_APPROVE.token(submitted.draft_id))  # a second tap
    assert "已由 郑干事批准" in zheng.text
    assert await count(app, Notice) == 1
