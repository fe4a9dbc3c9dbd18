"""Excusing was all or nothing: "📝 免除 <name>" and a reason closed every escalated open
task of that person (the prompt said "本次任务"), with no list and no confirmation, and
`pledge status` then showed a gap (应签 14 · 已签 2 · 待签 11) with no 免除 column. The
mentor now chooses the tasks (toggles), confirms the ones named, then gives the reason;
only those close, and every status view shows 已免除 as its own column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.cli.notice import render_stats as notice_cli_stats
from bot.cli.pledge import render_status as pledge_cli_status
from bot.cli.training import render_status as training_cli_status
from bot.clock import FrozenClock
from bot.reports.pledge_export import write_pledge_export
from bot.reports.training_export import write_export as write_training_export
from bot.services.notices import Composed
from storage.models import Assignment, AssignmentStatus, AuditEvent, Campaign, Person
from tests.chat import ChatUser
from tests.helpers import outbox_for, tick
from tests.test_deadlines import DUE, _setup


async def _open_tasks(app: App, employee_no: str) -> dict[str, str]:
    """Title (zh_CN) -> status of the person's tasks."""
    async with app.sessionmaker() as s:
        rows = await s.execute(
            select(Campaign.titles, Assignment.status)
            .join(Assignment, Assignment.campaign_id == Campaign.id)
            .join(Person, Person.id == Assignment.person_id)
            .where(Person.employee_no == employee_no)
        )
        return {titles["zh_CN"]: status for titles, status in rows.all()}


def _excuse_button(digest: object, name: str) -> str:
    return next(
        b["action"]
        for row in digest.buttons  # type: ignore[attr-defined]
        for b in row
        if "免除" in b["label"] and name in b["label"]
    )


async def _two_overdue(app: App, clock: FrozenClock) -> ChatUser:
    """张三 (A001) has two escalated pledges; the mentor got the digest."""
    await _setup(app)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=DUE)
    clock.set(DUE + timedelta(hours=2))
    await tick(app)
    return ChatUser(app.conversation(), "M001")


async def test_the_mentor_chooses_confirms_and_only_those_close(
    app: App, clock: FrozenClock
) -> None:
    mentor = await _two_overdue(app, clock)
    before = await _open_tasks(app, "A001")
    assert before["网络社交行为承诺书"] == before["保密承诺书"] == AssignmentStatus.OPEN
    digest = (await outbox_for(app, "M001"))[-1]
    await mentor.tap(_excuse_button(digest, "张三"))
    assert "请选择要免除的 张三 的逾期任务" in mentor.text
    labels = mentor.labels()
    assert any(label.startswith("☐ 网络社交行为承诺书") for label in labels), labels
    assert any(label.startswith("☐ 保密承诺书") for label in labels), labels

    await mentor.press("下一步")  # nothing chosen yet
    assert "请至少选择一项" in mentor.text
    await mentor.press("网络社交行为承诺书")
    assert any(label.startswith("☑ 网络社交行为承诺书") for label in mentor.labels())
    await mentor.press("保密承诺书")
    await mentor.press("保密承诺书")  # and unchosen again
    assert any(label.startswith("☐ 保密承诺书") for label in mentor.labels())
    await mentor.press("下一步（已选 1 项）")
    assert "确认免除 张三 的以下 1 项任务" in mentor.text
    assert "网络社交行为承诺书" in mentor.text and "保密承诺书" not in mentor.text
    assert await _open_tasks(app, "A001") == before  # nothing happens before the reason

    await mentor.press("确认")
    assert "以上 1 项任务的理由" in mentor.text and "本次任务" not in mentor.text
    await mentor.send("病假")
    assert "已免除 张三 的 1 项任务" in mentor.text and "网络社交行为承诺书" in mentor.text
    after = await _open_tasks(app, "A001")
    assert after["网络社交行为承诺书"] == AssignmentStatus.EXCUSED
    assert after["保密承诺书"] == AssignmentStatus.OPEN  # not chosen: still open

    # a double tap acts once: the old confirmation leads back to the list, the reason
    # typed again excuses nothing more
    async with app.sessionmaker() as s:
        a1 = (await s.execute(select(Person.id).where(Person.employee_no == "A001"))).scalar()
    await mentor.tap(f"esc:exy:{a1}")
    assert "请选择要免除的 张三 的逾期任务" in mentor.text
    assert all("网络社交行为承诺书" not in label for label in mentor.labels())
    await mentor.send("病假")
    assert (await _open_tasks(app, "A001"))["保密承诺书"] == AssignmentStatus.OPEN
    async with app.sessionmaker() as s:
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.kind == "escalation.excused")))
            .scalars()
            .all()
        )
    assert len(events) == 1 and len(events[0].payload["assignments"]) == 1


async def test_cancel_excuses_nothing(app: App, clock: FrozenClock) -> None:
    mentor = await _two_overdue(app, clock)
    before = await _open_tasks(app, "A001")
    await mentor.tap(_excuse_button((await outbox_for(app, "M001"))[-1], "张三"))
    await mentor.press("网络社交行为承诺书")
    await mentor.press("下一步")
    await mentor.press("取消")
    assert "没有免除任何任务" in mentor.text
    assert await _open_tasks(app, "A001") == before


async def test_another_persons_task_is_refused(app: App, clock: FrozenClock) -> None:
    await _two_overdue(app, clock)
    async with app.unit_of_work() as svc:
        mentor = await svc.people.get(Actor.cli(), "M001")
        a1 = await svc.people.get(Actor.cli(), "A001")
        a2 = await svc.people.get(Actor.cli(), "A002")
        _, [theirs, *_] = await svc.escalations.excusable(Actor.of(mentor), a2.id)
    mentor_chat = ChatUser(app.conversation(), "M001")
    # a forged toggle naming 李四's task under 张三: not listed, nothing chosen
    await mentor_chat.tap(f"esc:ext:{a1.id}:{theirs.assignment_id}")
    await mentor_chat.press("下一步")
    assert "请至少选择一项" in mentor_chat.text
    async with app.unit_of_work() as svc:
        mentor = await svc.people.get(Actor.cli(), "M001")
        from bot.errors import NotFound  # noqa: PLC0415

        try:
            await svc.escalations.excuse(
                Actor.of(mentor), a1.id, "病假", assignments=[theirs.assignment_id]
            )
        except NotFound:
            pass
        else:
            raise AssertionError("excused another person's task")
    assert (await _open_tasks(app, "A002"))["网络社交行为承诺书"] == AssignmentStatus.OPEN


async def test_status_views_show_excused_as_its_own_column(
    app: App, clock: FrozenClock, tmp_path: Path
) -> None:
    mentor = await _two_overdue(app, clock)
    await mentor.tap(_excuse_button((await outbox_for(app, "M001"))[-1], "张三"))
    await mentor.press("网络社交行为承诺书")
    await mentor.press("下一步")
    await mentor.press("确认")
    await mentor.send("病假")
    t, now = app.translator(), clock.now()
    async with app.unit_of_work() as svc:
        status = await svc.pledges.status(Actor.cli(), "online-conduct")
    assert sum(u.excused for u in status.units) == 1
    assert all(u.assigned == u.done + u.pending + u.excused for u in status.units)

    cli = pledge_cli_status(t, status, now=now)
    header = next(line for line in cli if "应签" in line or "已签" in line)
    assert "已免除" in header
    column = header.split().index("已免除")
    total = next(line for line in cli if line.startswith("合计"))
    assert total.split()[column] == "1", cli

    office = ChatUser(app.conversation(), "O001")
    await office.send("/status")
    await office.press("网络社交行为承诺书")
    assert "· 已免除 1" in office.text

    async with app.unit_of_work() as svc:
        training = await svc.training.status(Actor.cli(), "confidentiality-daily")
        pledge_rows = await svc.pledges.export_rows(Actor.cli(), "online-conduct")
        training_rows = await svc.training.export_rows(Actor.cli(), "confidentiality-daily")
    lines = training_cli_status(t, training, now=now)
    assert any("已免除" in line for line in lines)

    # the exports: the pledge's per-unit summary, the training's summary sheet
    pledge_xlsx, training_xlsx = tmp_path / "pledge.xlsx", tmp_path / "training.xlsx"
    write_pledge_export(pledge_xlsx, pledge_rows, t=t, version=1, now=now)
    header, *units = _sheet(pledge_xlsx, "单位汇总")
    assert units[-1][header.index("已免除")] == 1
    write_training_export(training_xlsx, training_rows, t=t, now=now)
    header, *units = _sheet(training_xlsx, "各单位汇总")
    assert "已免除" in header and units[-1][0] == "合计"


def _sheet(path: Path, name: str) -> list[list[object]]:
    return [list(r) for r in openpyxl.load_workbook(path)[name].iter_rows(values_only=True)]


async def test_notice_stats_count_an_excused_acknowledgment(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:
        sent = await svc.notices.send(
            Actor.cli(), Composed(audience="role:auxiliary", text="请于周五前确认。", ack_by=DUE)
        )
    clock.set(DUE + timedelta(hours=2))
    await tick(app)
    async with app.unit_of_work() as svc:
        mentor = await svc.people.get(Actor.cli(), "M001")
        a1 = await svc.people.get(Actor.cli(), "A001")
        _, items = await svc.escalations.excusable(Actor.of(mentor), a1.id)
        notice = [i for i in items if i.kind == "notice"]
        assert len(notice) == 1 and len(items) == 2  # the notice and the pledge
        await svc.escalations.excuse(
            Actor.of(mentor), a1.id, "外出培训", assignments=[notice[0].assignment_id]
        )
    async with app.unit_of_work() as svc:
        stats = await svc.notices.stats(Actor.cli(), sent.notice_id)
        assert stats.total.excused == 1
        assert (await _open_tasks(app, "A001"))["网络社交行为承诺书"] == AssignmentStatus.OPEN
    lines = notice_cli_stats(app.translator(), stats)
    header = next(line for line in lines if "已确认" in line)
    column = header.split().index("已免除")
    total = next(line for line in lines if line.startswith("合计"))
    assert total.split()[column] == "1", lines


async def test_an_only_task_is_ticked_and_can_be_unticked(app: App, clock: FrozenClock) -> None:
    await _setup(app)
    clock.set(DUE + timedelta(hours=2))
    await tick(app)
    mentor = ChatUser(app.conversation(), "M001")
    await mentor.tap(_excuse_button((await outbox_for(app, "M001"))[-1], "张三"))
    assert any(label.startswith("☑ 网络社交行为承诺书") for label in mentor.labels())
    await mentor.press("网络社交行为承诺书")
    assert any(label.startswith("☐ 网络社交行为承诺书") for label in mentor.labels())
    await mentor.press("下一步")
    assert "请至少选择一项" in mentor.text
    assert (await _open_tasks(app, "A001"))["网络社交行为承诺书"] == AssignmentStatus.OPEN
