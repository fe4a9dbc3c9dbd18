"""Training: publish, lessons, the quiz (scoring, attempts, resume, versions), evidence,
the office's views, and the conversation on the phone."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.cli.training import render_stats, render_status
from bot.clock import FrozenClock
from bot.config import ROOT, Settings
from bot.errors import InvalidInput, NotAllowed
from bot.policy import Policy
from bot.reports.training_export import write_export
from bot.services.tasks import PublishResult
from bot.services.training import ContentChanged
from bot.services.training_learning import (
    AlreadyAnswered,
    AnswerResult,
    AttemptOver,
    AttemptResult,
    AttemptsExhausted,
    NothingSelected,
)
from bot.training_content import MULTIPLE, Question, load_modules
from storage import audit
from storage import people as repo
from storage.db import make_engine
from storage.models import AppendOnlyViolation, Assignment, AssignmentStatus, Person
from storage.models_training import (
    TrainingAnswer,
    TrainingAttempt,
    TrainingProgress,
    TrainingVersion,
)
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import AUDIT_KEY_BYTES, local, outbox_for, tick

KEY = "duties-limits"
DUE = local(2026, 12, 15, 12, 0)
MODULES = load_modules(ROOT / "content")
QUESTIONS = MODULES[KEY].content(None).questions
MULTI = [i for i, q in enumerate(QUESTIONS) if q.type == MULTIPLE]  # all have >= 2 correct


async def _setup(app: App, *, english: tuple[str, ...] = ()) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "A003", "M001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
            if emp in english:
                force[emp].locale = "en"
    return users


async def _publish(
    app: App, key: str = KEY, *, due: datetime | None = DUE, audience: str = "all"
) -> PublishResult:
    async with app.unit_of_work() as svc:
        return await svc.training.publish(Actor.cli(), key, audience=audience, due_at=due)


async def _aid(app: App, emp: str, key: str = KEY) -> int:
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), emp)
        tasks = await svc.tasks.open_tasks(person.id)
    [aid] = [t.assignment_id for t in tasks if t.ref_key == key]
    return aid


def _choice(q: Question, right: bool) -> list[int]:
    """Original option indices: the right answer, or a wrong one (multiple: a partial one)."""
    if right:
        return list(q.correct)
    if q.type == MULTIPLE:
        return list(q.correct[:-1])  # all but one correct option: partial counts as wrong
    return [next(i for i in range(q.option_count) if i not in q.correct)]


async def _answer(app: App, emp: str, aid: int, right: bool) -> AnswerResult:
    """Answer the current question the way the buttons do, one transaction per press."""
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), emp)
        view = await svc.training.question(person, aid)
    chosen = _choice(view.question, right)
    if view.question.type == MULTIPLE:
        for option in chosen:
            async with app.unit_of_work() as svc:
                person = await svc.people.get(Actor.cli(), emp)
                await svc.training.toggle(person, aid, view.attempt_no, view.index, option)
        async with app.unit_of_work() as svc:
            person = await svc.people.get(Actor.cli(), emp)
            return await svc.training.answer(person, aid, view.attempt_no, view.index)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), emp)
        return await svc.training.answer(person, aid, view.attempt_no, view.index, chosen[0])


async def _start(app: App, emp: str, aid: int) -> None:
    async with app.unit_of_work() as svc:
        await svc.training.start_quiz(await svc.people.get(Actor.cli(), emp), aid)


async def _attempt(app: App, emp: str, aid: int, wrong: tuple[int, ...] = ()) -> AttemptResult:
    """One whole attempt, wrong on the questions at the given positions."""
    await _start(app, emp, aid)
    for i in range(len(QUESTIONS)):
        result = await _answer(app, emp, aid, i not in wrong)
        assert result.correct is (i not in wrong)
    assert result.finished is not None
    return result.finished


def _copy_content(settings: Settings, tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(settings.content_dir / "training", content / "training")
    settings.content_dir = content
    return content / "training" / KEY


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- publishing ---------------------------------------------------------------------------


async def test_publish_assigns_audience_and_notifies(app: App, settings: Settings) -> None:
    await _setup(app)
    result = await _publish(app)
    assert result.new_version and result.version == 1 and result.assigned == 4  # auxiliaries
    assert result.sha256 == MODULES[KEY].sha256
    [message] = await outbox_for(app, "A001")
    assert "辅警的职责与边界" in message.text and "2026-12-15 12:00" in message.text
    assert message.buttons[0][0]["action"].startswith("tr:o:")
    assert message.buttons[0][0]["label"] == "📚 学习"
    assert await outbox_for(app, "M001") == []
    again = await _publish(app)
    assert not again.new_version and again.assigned == 0
    assert len(await outbox_for(app, "A001")) == 1
    async with app.sessionmaker() as s:
        row = (await s.execute(select(TrainingVersion))).scalar_one()
        assert row.sha256 == MODULES[KEY].sha256 and row.pass_mark == 80 and row.attempts == 3
        assert row.content == MODULES[KEY].to_json()
        kinds = list((await s.execute(select(audit.AuditEvent.kind))).scalars())
        assert kinds.count("training.published") == 2


async def test_wider_audience_and_late_joiners_get_it_once(app: App) -> None:
    await _setup(app)
    assert (await _publish(app, audience="unit:交警大队")).assigned == 1  # A004
    assert (await _publish(app, audience="all")).assigned == 3  # A004 has it already
    await _attempt(app, "A004", await _aid(app, "A004"))
    async with app.unit_of_work() as svc:  # A004 passed: only the newcomer gets it
        station = await repo.unit_by_name(svc.session, "城关派出所")
        assert station is not None
        await add_person(svc.session, app.clock, employee_no="A009", name="新人", unit=station)
        assert await svc.training.sync_new_people() == 1
        assert await svc.training.sync_new_people() == 0
    assert "辅警的职责与边界" in (await outbox_for(app, "A009"))[0].text


async def test_changed_content_needs_a_new_version(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    await _setup(app)
    await _publish(app)
    folder = _copy_content(settings, tmp_path)
    _edit(folder / "quiz.en.yaml", "Leave the scene", "Walk away")  # a few words, one language
    with pytest.raises(ContentChanged):
        await _publish(app)
    _edit(folder / "module.yaml", "version: 1", "version: 2")
    assert (await _publish(app)).version == 2
    _edit(folder / "module.yaml", "version: 2", "version: 1")
    _edit(folder / "quiz.en.yaml", "Walk away", "Run away")
    with pytest.raises(InvalidInput, match="training-error-version-older"):
        await _publish(app)


# --- the quiz -----------------------------------------------------------------------------


async def test_scoring_partial_multiple_choice_is_wrong_and_80_percent_passes(app: App) -> None:
    await _setup(app)
    await _publish(app)
    alice, bob = await _aid(app, "A001"), await _aid(app, "A002")
    result = await _attempt(app, "A001", alice, wrong=(MULTI[0], 1))  # 8 of 10
    assert result.passed and result.score == 80 and (result.correct, result.total) == (8, 10)
    result = await _attempt(app, "A002", bob, wrong=(MULTI[0], MULTI[1], 1))  # 7 of 10
    assert not result.passed and result.score == 70 and result.can_retry
    assert result.wrong_topics == ("辅警的身份", "可以做的工作", "必须和民警一起做的事")
    async with app.sessionmaker() as s:
        a = await s.get(Assignment, alice)
        assert a is not None and a.status == AssignmentStatus.DONE and a.next_action_at is None
        b = await s.get(Assignment, bob)
        assert b is not None and b.status == AssignmentStatus.OPEN
        attempt = (
            await s.execute(select(TrainingAttempt).where(TrainingAttempt.assignment_id == alice))
        ).scalar_one()
        assert attempt.sha256 == MODULES[KEY].sha256 and attempt.version == 1
        q = QUESTIONS[MULTI[0]]
        assert attempt.answers[q.id] == list(q.correct[:-1])  # the partial answer is kept
        wrong = (
            await s.execute(
                select(TrainingAnswer.question_id).where(
                    TrainingAnswer.attempt_id == attempt.id, TrainingAnswer.correct.is_(False)
                )
            )
        ).scalars()
        assert set(wrong) == {q.id, QUESTIONS[1].id}
        count, broken = await audit.verify(s, AUDIT_KEY_BYTES)
        assert broken is None
        assert attempt.audit_hash in set(
            (await s.execute(select(audit.AuditEvent.hash))).scalars()
        )


async def test_options_are_shuffled_per_attempt_and_answers_use_original_indices(
    app: App,
) -> None:
    await _setup(app)
    await _publish(app)
    aid = await _aid(app, "A002")
    orders = []
    for _ in range(2):
        await _start(app, "A002", aid)
        async with app.sessionmaker() as s:
            progress = (await s.execute(select(TrainingProgress))).scalar_one()
            orders.append(dict(progress.option_order))
        for _ in QUESTIONS:
            await _answer(app, "A002", aid, right=False)
    assert orders[0] != orders[1]
    assert all(orders[0][q.id] == [0, 1] for q in QUESTIONS if q.type == "truefalse")
    result = await _attempt(app, "A002", aid)  # right answers by original index pass
    assert result.passed and result.attempt_no == 3


async def test_attempts_limit_escalates_to_the_mentor_at_once(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    await _publish(app)
    await _publish(app, "confidentiality-daily", due=None)  # no deadline at all
    aid = await _aid(app, "A001")
    for attempt in (1, 2, 3):
        result = await _attempt(app, "A001", aid, wrong=(0, 1, 2))
        assert result.attempt_no == attempt and not result.passed
    assert result.exhausted and not result.can_retry
    with pytest.raises(AttemptsExhausted):
        await _start(app, "A001", aid)
    async with app.sessionmaker() as s:
        a = await s.get(Assignment, aid)
        assert a is not None and a.status == AssignmentStatus.OPEN and a.level == 0
        l1 = [s.level for s in Policy().steps()].index(1)
        assert a.stage == l1 and a.next_action_at == clock.now() and a.due_at == DUE
    report = await tick(app)
    assert report.claimed == 1 and report.escalated[1] == 1 and report.reminders == 0
    digest = (await outbox_for(app, "M001"))[-1]
    assert digest.kind == "digest.L1" and "张三" in digest.text and "李四" not in digest.text
    async with app.sessionmaker() as s:
        a = await s.get(Assignment, aid)
        assert a is not None and a.level == 1 and a.next_action_at == DUE + timedelta(hours=24)
    # what the person sees
    alice = users["A001"]
    await alice.tap(f"tr:r:{aid}")
    assert "已通知您的带辅民警" in alice.text and "重新测验" not in " ".join(alice.labels())
    await alice.tap(f"tr:q:{aid}")
    assert "机会已全部用完" in alice.text
    await alice.tap(f"tr:o:{aid}")  # the lessons stay open for review, the quiz does not
    assert "机会已全部用完" in alice.last[0].text and "第 1/5 课" in alice.last[1].text
    assert "开始测验" not in " ".join(alice.labels())

    # an undated training: exhausting it dates it now, so the engine can escalate it
    bob_aid = await _aid(app, "A002", "confidentiality-daily")
    other = load_modules(ROOT / "content")["confidentiality-daily"].content(None).questions
    for _ in range(3):
        await _start(app, "A002", bob_aid)
        for q in other:
            async with app.unit_of_work() as svc:
                person = await svc.people.get(Actor.cli(), "A002")
                view = await svc.training.question(person, bob_aid)
                if q.type == MULTIPLE:
                    await svc.training.toggle(person, bob_aid, view.attempt_no, view.index, 0)
                    await svc.training.toggle(person, bob_aid, view.attempt_no, view.index, 3)
                    await svc.training.answer(person, bob_aid, view.attempt_no, view.index)
                else:
                    wrong = _choice(q, right=False)[0]
                    await svc.training.answer(person, bob_aid, view.attempt_no, view.index, wrong)
    report = await tick(app)
    assert report.escalated[1] == 1
    assert "李四" in (await outbox_for(app, "M001"))[-1].text


async def test_leaving_mid_quiz_resumes_next_day_where_it_stopped(
    app: App, clock: FrozenClock
) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    await alice.send("/menu")
    await alice.press("我的任务")
    await alice.press("学习")
    await alice.press("下一课")
    await alice.press("下一课")
    assert "第 3/5 课" in alice.text
    clock.advance(timedelta(hours=20))
    await alice.send("/menu")
    await alice.press("我的任务")
    await alice.press("学习")
    assert "第 3/5 课" in alice.text  # the lesson where she stopped
    aid = await _aid(app, "A001")
    await _start(app, "A001", aid)
    for _ in range(3):
        await _answer(app, "A001", aid, right=True)
    async with app.sessionmaker() as s:
        order = (await s.execute(select(TrainingProgress.option_order))).scalar_one()
    clock.advance(timedelta(days=1))
    await alice.send("/menu")
    await alice.press("我的任务")
    await alice.press("学习")
    assert "接着上次的进度" in alice.text and "第 4/10 题" in alice.text
    q4 = QUESTIONS[3]
    shown = [line for line in alice.text.splitlines() if line[:2] in ("A.", "B.", "C.", "D.")]
    assert shown == [f"{'ABCD'[i]}. {q4.options[o]}" for i, o in enumerate(order[q4.id])]
    for _ in range(7):
        result = await _answer(app, "A001", aid, right=True)
    assert result.finished is not None and result.finished.passed
    assert result.finished.attempt_no == 1 and result.finished.score == 100


async def test_version_change_mid_course_moves_people_to_the_new_version(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    await alice.tap(f"tr:o:{await _aid(app, 'A001')}")
    await alice.tap(f"tr:q:{await _aid(app, 'A001')}")
    await _chat_answer(alice, right=True)
    assert "下一题" in " ".join(alice.labels())
    await _attempt(app, "A003", await _aid(app, "A003"))  # A003 passed v1

    folder = _copy_content(settings, tmp_path)
    _edit(folder / "module.yaml", "version: 1", "version: 2")
    _edit(folder / "lessons" / "01.zh_CN.md", "# 第一课 辅警是谁", "# 第一课 辅警是谁（修订）")
    result = await _publish(app)
    assert result.version == 2 and result.replaced == 3 and result.restarted == 1
    assert result.assigned == 4  # passing v1 does not pass v2
    assert "已更新为新版本" in (await outbox_for(app, "A001"))[-1].text
    assert "新任务" in (await outbox_for(app, "A002"))[-1].text

    await alice.press("下一题")  # a button of the old version
    assert "第 1 版已被新版本（第 2 版）替代" in alice.text
    await alice.press("学习最新版本")
    assert "（第 2 版）" in alice.text and "（修订）" in alice.text and "第 1/5 课" in alice.text
    async with app.sessionmaker() as s:
        attempts = (await s.execute(select(TrainingAttempt.version))).scalars().all()
        assert attempts == [1]  # the evidence of v1 stays


async def test_lesson_images_are_sent_while_unchanged(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    users = await _setup(app)
    folder = _copy_content(settings, tmp_path)
    (folder / "lessons" / "badge.png").write_bytes(b"\x89PNG badge")
    _edit(folder / "lessons" / "01.zh_CN.md", "这意味着：", "![辅警标志](badge.png)\n\n这意味着：")
    await _publish(app)
    alice = users["A001"]
    aid = await _aid(app, "A001")
    await alice.tap(f"tr:o:{aid}")
    picture, page = alice.last
    assert picture.document is not None and picture.document.filename == "badge.png"
    assert picture.document.content == b"\x89PNG badge"
    assert "第 1/5 课" in page.text and "badge.png" not in page.text and not page.edit
    (folder / "lessons" / "badge.png").write_bytes(b"\x89PNG changed")  # after publishing
    await alice.tap(f"tr:o:{aid}")
    assert [r.document for r in alice.last] == [None]  # not what was published: not shown


async def test_stale_and_repeated_buttons_say_what_happened(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    aid = await _aid(app, "A001")
    await alice.tap(f"tr:q:{aid}")
    first = [b.action for r in alice.last for row in r.buttons for b in row]
    await alice.tap(first[0])
    assert "解析" in alice.text
    await alice.tap(first[1])  # another answer to the same question
    assert "第 1 题已经作答" in alice.text
    await alice.press("继续")
    assert "第 2/10 题" in alice.text
    await alice.tap(f"tr:a:{aid}:1:5:0")  # a question not reached yet
    assert "尚未到达的题目" in alice.text
    await alice.tap(f"tr:a:{aid}:9:0:0")  # an attempt that does not exist
    assert "已经结束的测验" in alice.text
    await alice.tap(f"tr:o:{await _aid(app, 'A002')}")
    assert "不属于您" in alice.text
    await alice.tap("tr:o:x")
    assert "按钮已失效" in alice.text
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        with pytest.raises(AlreadyAnswered):
            await svc.training.answer(person, aid, 1, 0, 0)
        with pytest.raises(AttemptOver):
            await svc.training.answer(person, aid, 2, 1, 0)
    # a multiple-choice question submitted with nothing ticked
    for _ in range(1, MULTI[0]):
        await _answer(app, "A001", aid, right=True)
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), "A001")
        with pytest.raises(NothingSelected):
            await svc.training.answer(person, aid, 1, MULTI[0])


async def test_attempts_and_answers_are_never_updated_or_deleted(app: App) -> None:
    await _setup(app)
    await _publish(app)
    await _attempt(app, "A001", await _aid(app, "A001"))
    async with app.sessionmaker() as s:
        attempt = (await s.execute(select(TrainingAttempt))).scalar_one()
        attempt.score = 0
        with pytest.raises(AppendOnlyViolation):
            await s.flush()
    for model in (TrainingAttempt, TrainingAnswer):
        async with app.sessionmaker() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(update(model).values(version_id=99))
    async with app.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(TrainingAnswer))).scalar() == 10


# --- office views -------------------------------------------------------------------------


async def _office_data(app: App) -> None:
    await _setup(app)
    await _publish(app)
    await _attempt(app, "A001", await _aid(app, "A001"), wrong=(1,))  # 90, passed
    bob = await _aid(app, "A002")
    await _attempt(app, "A002", bob, wrong=(1, MULTI[0], MULTI[1]))  # 70
    await _attempt(app, "A002", bob, wrong=(1, MULTI[0]))  # 80, passed
    await _attempt(app, "A003", await _aid(app, "A003"), wrong=(1, 2, 3, 4, 5))  # 50


async def test_question_stats_show_what_the_force_has_not_understood(app: App) -> None:
    await _office_data(app)
    async with app.unit_of_work() as svc:
        stats = await svc.training.stats(Actor.cli(), KEY)
    assert (stats.version, stats.attempts, stats.people) == (1, 4, 3)
    by_no = {q.number: q for q in stats.questions}
    assert (by_no[2].answered, by_no[2].wrong, by_no[2].wrong_share) == (4, 4, 1.0)
    assert by_no[MULTI[0] + 1].wrong == 3 and by_no[10].wrong == 0
    lines = render_stats(app.translator(), stats)
    assert lines[0] == "培训「辅警的职责与边界」（duties-limits）第 1 版答题统计：4 次测验，3 人"
    assert lines[2].split()[:4] == ["2", "100%", "4", "4"]  # the worst question first
    assert "辅警的身份" in lines[2]
    async with app.unit_of_work() as svc:
        english = await svc.training.stats(Actor.cli(), KEY, locale="en")
    assert english.questions[1].topic == "Who an auxiliary is"


async def test_status_and_export_per_person(app: App, tmp_path: Path) -> None:
    await _office_data(app)
    async with app.unit_of_work() as svc:
        status = await svc.training.status(Actor.cli(), KEY)
        rows = await svc.training.export_rows(Actor.cli(), KEY)
        station = await svc.training.status(Actor.cli(), KEY, unit="交警大队")
    by_unit = {u.unit: u for u in status.units}
    assert (by_unit["城关派出所"].assigned, by_unit["城关派出所"].passed) == (3, 2)
    assert by_unit["交警大队"].pending == 1
    assert {(p.employee_no, p.attempts, p.best_score) for p in status.pending} == {
        ("A003", 1, 50),
        ("A004", 0, None),
    }
    assert [u.unit for u in station.units] == ["交警大队"]
    lines = render_status(app.translator(), status, now=app.clock.now())
    assert "尚未通过（2 人）：" in lines
    assert any(line.split()[:3] == ["合计", "4", "2"] for line in lines)

    by_emp = {r["employee_no"]: r for r in rows}
    assert by_emp["A002"]["attempts"] == 2 and by_emp["A002"]["best_score"] == 80
    assert by_emp["A002"]["completed_at"] is not None and by_emp["A004"]["completed_at"] is None
    assert by_emp["A001"]["mentor"] == "王民警" and by_emp["A001"]["version"] == 1
    out = tmp_path / "training.xlsx"
    write_export(out, rows, t=app.translator(), now=app.clock.now())
    sheet = openpyxl.load_workbook(out)["培训完成情况"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:8] == [
        "单位",
        "姓名",
        "工号",
        "带辅民警",
        "状态",
        "测验次数",
        "最高分",
        "通过时间",
    ]
    cells = {row[2]: row for row in values[1:]}
    assert cells["A001"][4:7] == ["已通过", 1, 0.9]
    assert cells["A001"][7] == "2026-12-01 10:00:00" and cells["A001"][9] == MODULES[KEY].sha256
    assert cells["A003"][4:7] == ["未通过，可重考", 1, 0.5]
    assert cells["A004"][4:8] == ["未完成", 0, None, None]


async def test_office_views_and_publishing_are_for_office_staff_only(app: App) -> None:
    await _setup(app)
    await _publish(app)
    async with app.unit_of_work() as svc:
        mentor = Actor.of(await svc.people.get(Actor.cli(), "M001"))
        for call in (
            svc.training.status(mentor, KEY),
            svc.training.export_rows(mentor, KEY),
            svc.training.stats(mentor, KEY),
            svc.training.publish(mentor, KEY),
        ):
            with pytest.raises(NotAllowed):
                await call


# --- on the phone -------------------------------------------------------------------------


async def _chat_answer(user: ChatUser, right: bool) -> None:
    """Press the buttons of the question on screen (their tokens carry original indices)."""
    buttons = [b for r in user.last for row in r.buttons for b in row]
    toggles = [b for b in buttons if b.action.startswith("tr:t:")]
    picks = toggles or [b for b in buttons if b.action.startswith("tr:a:")]
    want = _choice(QUESTIONS[int(picks[0].action.split(":")[4])], right)
    for button in picks:
        if int(button.action.split(":")[5]) in want:
            await user.tap(button.action)
            if toggles:
                assert "☑" in " ".join(user.labels())
    if toggles:
        await user.press("提交答案")


async def _to_quiz(user: ChatUser) -> None:
    await user.send("/menu")
    await user.press("我的任务")
    await user.press("学习")
    assert "第 1/5 课" in user.text and "第一课 辅警是谁" in user.text
    while "下一课 ▶" in user.labels():
        await user.press("下一课")
    assert "第 5/5 课" in user.text
    await user.press("开始测验")


async def test_chat_full_pass(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice = users["A001"]
    await _to_quiz(alice)
    for i in range(len(QUESTIONS)):
        assert f"第 1/3 次测验 · 第 {i + 1}/10 题" in alice.text
        await _chat_answer(alice, right=True)
        assert "回答正确" in alice.text and QUESTIONS[i].explanation in alice.text
        await alice.press("查看结果" if i == len(QUESTIONS) - 1 else "下一题")
    assert "恭喜，您已通过「辅警的职责与边界」" in alice.text
    assert "100%" in alice.text and MODULES[KEY].sha256[:12] in alice.text
    await alice.send("/menu")
    await alice.press("我的任务")
    assert "没有待办" in alice.text
    await alice.tap(f"tr:o:{(await _done_assignment(app, 'A001'))}")
    assert "您已通过" in alice.text


async def _done_assignment(app: App, emp: str) -> int:
    async with app.sessionmaker() as s:
        return (
            await s.execute(
                select(Assignment.id)
                .join(Person, Person.id == Assignment.person_id)
                .where(Person.employee_no == emp, Assignment.status == AssignmentStatus.DONE)
            )
        ).scalar_one()


async def test_chat_fail_then_retry_and_pass(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    bob = users["A002"]
    await _to_quiz(bob)
    wrong = {1, MULTI[0], MULTI[2]}
    for i in range(len(QUESTIONS)):
        await _chat_answer(bob, right=i not in wrong)
        if i in wrong:
            assert "回答错误" in bob.text and "正确答案" in bob.text
        await bob.press("查看结果" if i == len(QUESTIONS) - 1 else "下一题")
    assert "本次测验未通过" in bob.text and "70%" in bob.text and "第 1/3 次" in bob.text
    assert "• 辅警的身份" in bob.text and "• 绝不能单独做的事" in bob.text
    assert "• 超出权限时的处置" not in bob.text
    assert "还有 2 次机会" in bob.text
    await bob.press("复习课程")
    assert "第 1/5 课" in bob.text and "开始测验" in " ".join(bob.labels())  # from any page
    await bob.press("开始测验")
    assert "第 2/3 次测验 · 第 1/10 题" in bob.text
    for i in range(len(QUESTIONS)):
        await _chat_answer(bob, right=True)
        await bob.press("查看结果" if i == len(QUESTIONS) - 1 else "下一题")
    assert "恭喜" in bob.text and "第 2 次测验" in bob.text


async def test_chat_in_english(app: App) -> None:
    users = await _setup(app, english=("A003",))
    await _publish(app)
    wang = users["A003"]
    await wang.tap(f"tr:o:{await _aid(app, 'A003')}")
    assert "Lesson 1 Who an auxiliary officer is" in wang.text and "lesson 1/5" in wang.text
    await wang.tap(f"tr:q:{await _aid(app, 'A003')}")
    assert "question 1/10" in wang.text and "Single choice" in wang.text
    await _chat_answer(wang, right=True)
    await wang.press("Next question")
    assert wang.labels() == ["✔ True", "✘ False"]  # question 2 is true/false
    await _chat_answer(wang, right=False)
    assert "Wrong. Your answer: ✔ True; correct answer: ✘ False" in wang.text


# --- the CLI --------------------------------------------------------------------------------


async def _cli_people(url: str) -> None:
    engine = make_engine(url)
    try:
        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        app = App(settings, engine, FrozenClock(datetime(2026, 12, 1, 2, tzinfo=UTC)))
        async with app.unit_of_work() as svc:
            await make_force(svc.session, app.clock)
    finally:
        await engine.dispose()


def test_cli_publish_status_export_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_cli_people(url))
    capsys.readouterr()

    assert main(["training", "publish", KEY, "--audience", "all", "--due", "2099-12-15"]) == 2
    assert "格式不对" in capsys.readouterr().err
    assert main(["training", "publish", "nope", "--audience", "all"]) == 1
    assert "没有名为 nope 的培训模块" in capsys.readouterr().err
    assert main(["training", "status", KEY]) == 1
    assert "培训模块 duties-limits 尚未发布" in capsys.readouterr().err

    args = ["training", "publish", KEY, "--audience", "unit:交警大队", "--due", "2099-12-15T12:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "已发布「辅警的职责与边界」（duties-limits）第 1 版：新版本，已冻结内容" in out
    assert "新分配 1 人" in out and MODULES[KEY].sha256 in out
    assert main(["training", "status", KEY, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Not passed yet (1):" in out and "欧阳娜娜" in out and "0/3" in out
    assert main(["training", "stats", KEY]) == 0
    assert "还没有人完成过这一版本的测验" in capsys.readouterr().out
    xlsx = tmp_path / "out.xlsx"
    assert main(["training", "export", KEY, "--out", str(xlsx)]) == 0
    assert f"已导出 1 行到 {xlsx}" in capsys.readouterr().out
    assert openpyxl.load_workbook(xlsx)["培训完成情况"]["C2"].value == "A004"
