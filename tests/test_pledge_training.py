"""Training before signing: a pledge version can presuppose a training module. On SQLite
and PostgreSQL: publishing gives the training too, the sign button leads to it and says
why, a passed attempt lets signing proceed and the signature records it as evidence, and
the status views show "waiting for training" apart from "not signed"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.config import Settings
from bot.core import Account
from bot.services.pledges import TrainingChanged, TrainingFirst
from bot.training_content import MULTIPLE, load_modules
from storage import audit
from storage.models import AuditEvent, Signature
from storage.models_training import TrainingAttempt
from tests.chat import ChatUser
from tests.helpers import AUDIT_KEY_BYTES, local
from tests.test_pledges import _setup, _sign

PLEDGE = "confidentiality"
TRAINING = "confidentiality-daily"
DUE = local(2026, 12, 15, 12, 0)


async def _publish(app: App):  # noqa: ANN202
    async with app.unit_of_work() as svc:
        return await svc.pledges.publish(Actor.cli(), PLEDGE, audience="all", due_at=DUE)


async def take_quiz(app: App, emp: str, *, right: bool = True) -> int:
    """Answer the person's open training of the module, all right (or all wrong), through
    the learner's service; the attempt's id."""
    questions = load_modules(app.settings.content_dir)[TRAINING].content(None).questions
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), emp)
        task = await svc.tasks.current_open(person.id, "training", TRAINING)
        assert task is not None
        view = await svc.training.start_quiz(person, task[0])
        for i, q in enumerate(questions):
            wanted = (
                q.correct
                if right
                else [o for o in range(q.option_count) if o not in q.correct][:1]
            )
            if q.type == MULTIPLE:
                for option in wanted:
                    await svc.training.toggle(person, task[0], view.attempt_no, i, option)
                await svc.training.answer(person, task[0], view.attempt_no, i)
            else:
                await svc.training.answer(person, task[0], view.attempt_no, i, wanted[0])
        attempt = (
            await svc.session.execute(
                select(TrainingAttempt.id).order_by(TrainingAttempt.id.desc()).limit(1)
            )
        ).scalar_one()
    return int(attempt)


async def test_publishing_the_pledge_gives_the_training_to_who_has_not_passed_it(
    app: App,
) -> None:
    await _setup(app)
    async with app.unit_of_work() as svc:  # 张三 passed the module earlier, on her own
        await svc.training.publish(Actor.cli(), TRAINING, audience="emp:A001", due_at=DUE)
    await take_quiz(app, "A001")
    result = await _publish(app)
    assert result.assigned == 4
    assert result.prerequisite is not None and result.prerequisite.key == TRAINING
    assert result.prerequisite.assigned == 3  # not 张三 again
    async with app.sessionmaker() as s:
        published = (
            await s.execute(
                select(AuditEvent.payload).where(AuditEvent.kind == "pledge.published")
            )
        ).scalar_one()
    assert published["training"] == TRAINING


async def test_the_sign_button_leads_to_the_training_and_says_why(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    bob = users["A002"]
    await _sign(bob, "李四")
    assert "签署「保密承诺书」须以完成培训为前提" in bob.text
    assert "请先学习并通过「日常工作中的保密」" in bob.text
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A002")
        task = await svc.tasks.current_open(person.id, "training", TRAINING)
    assert task is not None
    [to_training] = [b for r in bob.last for row in r.buttons for b in row if "去学习" in b.label]
    assert to_training.action == f"tr:o:{task[0]}"
    await bob.press("去学习")
    assert "第 1/5 课" in bob.text  # the lessons of the training
    async with app.sessionmaker() as s:
        assert (await s.execute(select(Signature))).first() is None


async def test_the_service_refuses_to_sign_before_the_training(app: App) -> None:
    await _setup(app)
    await _publish(app)
    await take_quiz(app, "A001", right=False)  # a failed attempt does not qualify
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        aid = await svc.pledges.current_assignment_for(person, PLEDGE)
        assert aid is not None
        with pytest.raises(TrainingFirst):
            await svc.pledges.sign(
                person, aid, "张三", account=Account("test", "A001", "A001"), message_id=None
            )


async def test_once_passed_signing_proceeds_and_records_the_attempt(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        training = await svc.tasks.current_open(person.id, "training", TRAINING)
    assert training is not None
    attempt_id = await take_quiz(app, "A001")
    await alice.tap(f"tr:r:{training[0]}")  # "See the result" after the last question
    assert "恭喜" in alice.text
    await alice.press("现在签署「保密承诺书」")  # the passing result offers the waiting pledge
    assert "保密承诺书" in alice.text and "第 1/" in alice.text
    await _sign(alice, "张三")
    assert "签署成功" in alice.text
    assert "培训依据：「日常工作中的保密」第 1 版，100%" in alice.text
    async with app.sessionmaker() as s:
        sig = (await s.execute(select(Signature))).scalar_one()
        attempt = await s.get(TrainingAttempt, attempt_id)
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.hash == sig.audit_hash))
        ).scalar_one()
        report = await audit.check(s, AUDIT_KEY_BYTES)
    assert sig.training_attempt_id == attempt_id and attempt is not None
    assert event.payload["training"] == {
        "attempt": attempt_id,
        "module": TRAINING,
        "version": 1,
        "score": 100,
        "passed_at": attempt.finished_at.isoformat(),
        "sha256": attempt.sha256,
    }
    assert report.intact and report.evidence >= 2


async def test_status_views_show_waiting_for_training_apart_from_not_signed(
    app: App, tmp_path: Path
) -> None:
    from bot.reports.pledge_export import write_pledge_export  # noqa: PLC0415

    await _setup(app)
    await _publish(app)
    await take_quiz(app, "A001")  # passed, not signed yet: plainly not signed
    async with app.unit_of_work() as svc:
        status = await svc.pledges.status(Actor.cli(), PLEDGE)
        rows = await svc.pledges.export_rows(Actor.cli(), PLEDGE)
    [station] = [u for u in status.units if u.unit == "城关派出所"]
    assert (station.assigned, station.pending, station.waiting) == (3, 3, 2)
    waiting = {p.employee_no: p.waiting for p in status.pending}
    assert waiting == {"A001": False, "A002": True, "A003": True, "A004": True}
    path = tmp_path / "out.xlsx"
    t = app.catalog.text_translator("zh_CN", app.settings.tz)
    write_pledge_export(path, rows, t=t, version=1, now=app.clock.now())
    import openpyxl  # noqa: PLC0415

    sheet = openpyxl.load_workbook(path)["签署明细"]
    states = {r[2]: r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert states == {
        "A001": "待签",
        "A002": "待完成培训",
        "A003": "待完成培训",
        "A004": "待完成培训",
    }
    summary = list(openpyxl.load_workbook(path)["单位汇总"].iter_rows(values_only=True))
    assert summary[0][-2:] == ("待培训", "请假")
    assert summary[-1][0] == "合计" and summary[-1][-2:] == (3, 0)
    office = ChatUser(app.conversation(), "O001")
    await office.send("/status")
    await office.press("保密承诺书")
    assert "其中待完成培训 3 人" in office.text and "李四" in office.text


async def test_no_open_training_says_whom_to_ask(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A002")
        task = await svc.tasks.current_open(person.id, "training", TRAINING)
        assert task is not None
        [(assignment, _c)] = [
            (a, c) for a, c in [await svc.tasks.mine(svc.training.kind, person, task[0])]
        ]
        await svc.tasks.excuse([assignment], "已参加线下培训")
    bob = users["A002"]
    await _sign(bob, "李四")
    assert "须以完成培训为前提" in bob.text and "请联系带辅民警或政治处辅警办" in bob.text
    assert not [label for label in bob.labels() if "去学习" in label]


async def test_changing_the_required_training_needs_a_new_version(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    await _setup(app)
    await _publish(app)
    content = tmp_path / "content"
    (content / "pledges").mkdir(parents=True)
    for f in (settings.content_dir / "pledges").glob(f"{PLEDGE}.*.md"):
        text = f.read_text(encoding="utf-8").replace(f"training: {TRAINING}", "training: other")
        (content / "pledges" / f.name).write_text(text, encoding="utf-8")
    app.settings.content_dir = content
    with pytest.raises(TrainingChanged):
        await _publish(app)


def test_an_old_signature_row_keeps_its_digest() -> None:
    """Rows recorded before the column existed have no training_attempt_id key: the
    digest of the same row read today (the column NULL) is the same."""
    row = {"id": 1, "person_id": 2, "pledge_key": "k", "version": 1, "audit_hash": "x"}
    assert audit.row_digest("signature", row) == audit.row_digest(
        "signature", {**row, "training_attempt_id": None}
    )
    assert audit.row_digest("signature", row) != audit.row_digest(
        "signature", {**row, "training_attempt_id": 7}
    )
