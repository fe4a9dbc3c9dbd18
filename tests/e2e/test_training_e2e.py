"""Training end to end: the real bot over HTTP against the Bot API emulator, a simulated
person reading the lessons and taking the quiz with buttons: a full pass, and a fail
followed by a retry that passes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.actor import Actor
from bot.config import ROOT
from bot.training_content import MULTIPLE, Question, load_modules
from storage.models import Assignment, AssignmentStatus
from storage.models_training import TrainingAttempt
from tests.e2e.client import TIMEOUT, BotMessage, EmulatorUser
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e

KEY = "duties-limits"
MODULE = load_modules(ROOT / "content")[KEY]
QUESTIONS = MODULE.content(None).questions


@pytest.fixture
async def tbot(bot: RunningBot) -> RunningBot:
    """The running bot (kept as a name for the training tests)."""
    return bot


async def _register(bot: RunningBot, employee_no: str, first_name: str) -> EmulatorUser:
    user = bot.user(first_name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # greeting and menu
    return user


async def _publish(bot: RunningBot, employee_no: str) -> None:
    async with bot.app.unit_of_work() as svc:
        await svc.training.publish(
            Actor.cli(),
            KEY,
            audience=f"emp:{employee_no}",
            due_at=bot.clock.now() + timedelta(hours=48),
        )


async def _changed(user: EmulatorUser, before: BotMessage) -> BotMessage:
    """The message once the bot has edited its text or its buttons."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        message = await user.message(before.message_id)
        if (message.text, message.buttons) != (before.text, before.buttons):
            return message
        await asyncio.sleep(0.05)  # polling the emulator, as EmulatorUser.read does
    raise AssertionError(f"message {before.message_id} was not edited")


def _choice(q: Question, right: bool) -> list[int]:
    """Original option indices: the right answer, or a wrong one (multiple: a partial one)."""
    if right:
        return list(q.correct)
    if q.type == MULTIPLE:
        return list(q.correct[:-1])
    return [next(i for i in range(q.option_count) if i not in q.correct)]


async def _answer(
    user: EmulatorUser,
    question: BotMessage,
    right: bool,
    questions: Sequence[Question] = QUESTIONS,
) -> BotMessage:
    """Press the answer buttons of a question; returns it showing the explanation.

    The buttons' callback data carries the original option index ("tr:a:...:<option>"),
    which is how the simulated person knows which shuffled letter is right.
    """
    buttons = [b for row in question.buttons for b in row]
    toggles = [b for b in buttons if b["callback_data"].startswith("tr:t:")]
    picks = toggles or [b for b in buttons if b["callback_data"].startswith("tr:a:")]
    want = _choice(questions[int(picks[0]["callback_data"].split(":")[4])], right)
    shown = question
    for button in picks:
        if int(button["callback_data"].split(":")[5]) in want:
            await user.press_on(question.message_id, button["text"])
            shown = await _changed(user, shown)
    if toggles:
        assert "☑" in " ".join(shown.labels)
        await user.press_on(question.message_id, "提交答案")
        shown = await _changed(user, shown)
    assert "解析" in shown.text
    return shown


async def _take_quiz(
    user: EmulatorUser, wrong: set[int], questions: Sequence[Question] = QUESTIONS
) -> BotMessage:
    """Answer every question (wrong at the given positions); returns the result message."""
    question = await user.read_one()
    for i in range(len(questions)):
        assert f"第 {i + 1}/10 题" in question.text
        explained = await _answer(user, question, right=i not in wrong, questions=questions)
        assert ("回答正确" if i not in wrong else "回答错误") in explained.text
        assert explained.buttons and explained.edited
        await user.press_on(explained.message_id, "查看结果" if i == 9 else "下一题")
        question = await user.read_one()
    return question


async def test_read_the_lessons_and_pass_the_quiz(tbot: RunningBot) -> None:
    alice = await _register(tbot, "A001", "张三")
    await _publish(tbot, "A001")
    notice = await alice.read_one()  # delivered by the outbox sender
    assert "新任务：辅警的职责与边界" in notice.text
    await alice.press("学习")
    lesson = await alice.read_one()
    assert "第 1/5 课" in lesson.text and lesson.parse_mode == tbot.markup
    while "第 5/5 课" not in lesson.text:
        await alice.press_on(lesson.message_id, "下一课")
        lesson = await _changed(alice, lesson)  # paging edits the one lesson message
    assert "第五课 遇到超出权限的情况怎么办" in lesson.text
    await alice.press_on(lesson.message_id, "开始测验")
    result = await _take_quiz(alice, wrong=set())
    assert "恭喜，您已通过「辅警的职责与边界」" in result.text and "100%" in result.text
    async with tbot.app.sessionmaker() as session:
        attempt = (await session.execute(select(TrainingAttempt))).scalar_one()
        status = (await session.execute(select(Assignment.status))).scalar_one()
    assert attempt.passed and attempt.sha256 == MODULE.sha256 and status == AssignmentStatus.DONE
    assert attempt.sha256[:12] in result.text


async def test_fail_then_retry_and_pass(tbot: RunningBot) -> None:
    bob = await _register(tbot, "A002", "李四")
    await _publish(tbot, "A002")
    await bob.read_one()
    await bob.send("/menu")
    menu = await bob.read_one()
    await bob.press_on(menu.message_id, "我的任务")
    tasks = await _changed(bob, menu)
    assert "辅警的职责与边界" in tasks.text
    await bob.press_on(tasks.message_id, "学习")
    lesson = await bob.read_one()
    for _ in range(4):
        await bob.press_on(lesson.message_id, "下一课")
        lesson = await _changed(bob, lesson)
    await bob.press_on(lesson.message_id, "开始测验")
    multiple = [i for i, q in enumerate(QUESTIONS) if q.type == MULTIPLE]
    result = await _take_quiz(bob, wrong={0, 1, multiple[0]})  # a partial multiple choice
    assert "本次测验未通过" in result.text and "70%" in result.text
    assert "• 辅警的身份" in result.text and "• 可以做的工作" in result.text
    assert "还有 2 次机会" in result.text
    await bob.press_on(result.message_id, "重新测验")
    result = await _take_quiz(bob, wrong=set())
    assert "恭喜" in result.text and "第 2 次测验" in result.text
    async with tbot.app.sessionmaker() as session:
        attempts = (
            await session.execute(
                select(
                    TrainingAttempt.attempt_no, TrainingAttempt.score, TrainingAttempt.passed
                ).order_by(TrainingAttempt.attempt_no)
            )
        ).all()
    assert [tuple(a) for a in attempts] == [(1, 70, False), (2, 100, True)]
