"""Quiet hours held a new task's "you have a new task" message until 07:00 even when the
task was due before then, and an in-person reminder arrived before the task itself. A
message about a task is now never delivered after its own deadline (a task due before
quiet hours end is told at once), nor after a later message about the same task (the
earlier one goes first); what quiet hours do delay is written in the README."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.clock import FrozenClock
from bot.services.escalations import REMINDED_IN_PERSON
from storage.models import Assignment, Campaign, Person
from tests.helpers import local, outbox_for
from tests.test_deadlines import _setup
from tests.test_sender import FakeChannel, FakeTime, make_sender

README = Path(__file__).resolve().parents[2] / "README.md"


async def _delivered_to(app: App, clock: FrozenClock, chat: str) -> list[str]:
    """What the sender delivers to `chat` now, in order."""
    time = FakeTime(clock)
    channel = FakeChannel(time)
    sender = make_sender(app, [channel], time)
    for _ in range(10):  # a chat gets a message a second (its pace): until none is due
        before = len(channel.delivered)
        await sender.drain_once()
        if len(channel.delivered) == before:
            break
        await time.sleep(2)  # moves the clock and the pace together
    return [text for to, text in channel.delivered if to == chat]


async def test_a_task_due_before_quiet_hours_end_is_told_at_once(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    await _delivered_to(app, clock, "A001")  # the day's messages are out
    clock.set(local(2026, 12, 9, 23, 0))  # inside quiet hours (22:00-07:00)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=local(2026, 12, 10, 6, 0))
        await svc.pledges.publish(Actor.cli(), "responsibility", due_at=local(2026, 12, 10, 18, 0))
    night = await _delivered_to(app, clock, "A001")
    # due 06:00: told now (the pledge and the training it presupposes), nothing else
    assert any("新任务：保密承诺书" in m for m in night)
    assert night and all("截止时间：2026-12-10 06:00" in m for m in night)
    # the mentor's 教育管理责任书, due at 18:00, waits for the morning
    assert await _delivered_to(app, clock, "M001") == []
    held = [r for r in await outbox_for(app, "M001") if "教育管理责任书" in r.text]
    assert held and all(
        (r.status, r.not_before) == ("pending", local(2026, 12, 10, 7, 0)) for r in held
    )
    clock.set(local(2026, 12, 10, 7, 0))
    morning = await _delivered_to(app, clock, "M001")
    assert any("新任务：教育管理责任书" in m for m in morning)
    assert all("截止时间：2026-12-10 18:00" in m for m in morning)


async def test_an_earlier_message_about_a_task_goes_before_a_later_one(
    app: App, clock: FrozenClock
) -> None:
    await _setup(app)
    await _delivered_to(app, clock, "M001")
    clock.set(local(2026, 12, 9, 23, 0))
    async with app.unit_of_work() as svc:  # held by quiet hours until 07:00
        await svc.pledges.publish(Actor.cli(), "responsibility", due_at=local(2026, 12, 12, 18, 0))
    assert await _delivered_to(app, clock, "M001") == []
    clock.set(local(2026, 12, 9, 23, 20))
    async with app.unit_of_work() as svc:  # a later message about it, sent at once
        person = (
            await svc.session.execute(select(Person).where(Person.employee_no == "M001"))
        ).scalar_one()
        aid = (
            await svc.session.execute(
                select(Assignment.id)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(Assignment.person_id == person.id, Campaign.ref_key == "responsibility")
            )
        ).scalar_one()
        await svc.escalations.notifier.to_person(
            person,
            REMINDED_IN_PERSON,
            ref=f"assignment:{aid}",
            dedupe_key="rip-test",
            title="教育管理责任书",
            due="2026-12-12 18:00",
        )
    got = await _delivered_to(app, clock, "M001")
    assert len(got) == 2
    assert "新任务：教育管理责任书" in got[0] and "当面提醒" in got[1]


def test_the_readme_says_what_quiet_hours_delay_and_what_not() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Quiet hours") :][:2000]
    for words in ("22:00-07:00", "deadline", "escalat", "in-person", "answer"):
        assert words in section, words
