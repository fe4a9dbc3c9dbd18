"""A ~3,000-character hotline question, then 转人工, showed "{???}" (Fluent refuses a
placeable over 2,500 characters), and 匿名提问 then said the limit is 2,000 though the
first check allowed 4,000. One limit is now checked when the question is typed, and the
longest allowed text (with characters that escaping lengthens) arrives whole."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services.hotline import MAX_QUESTION
from storage.models_hotline import TicketMessage
from tests.test_hotline import _hand_to_person, _setup, _tickets

LONGEST = ("请问<加班>补休 & 调休怎么算？" * MAX_QUESTION)[: MAX_QUESTION - 1] + "？"


@pytest.mark.parametrize("anonymous", [False, True])
async def test_the_longest_question_goes_through_named_and_anonymous(
    app: App, anonymous: bool
) -> None:
    alice = (await _setup(app))["A001"]
    number = await _hand_to_person(alice, LONGEST, anonymous=anonymous)
    assert "{???}" not in alice.text
    (ticket,) = await _tickets(app)
    assert ticket.number == number
    async with app.sessionmaker() as s:
        texts = list((await s.execute(select(TicketMessage.text))).scalars())
    assert texts == [LONGEST]


async def test_a_question_over_the_limit_is_refused_when_typed(app: App) -> None:
    alice = (await _setup(app))["A001"]
    await alice.send(LONGEST + "？")
    assert f"超过 {MAX_QUESTION:,} 字" in alice.text
    assert "转人工" not in " ".join(alice.labels())
    assert await _tickets(app) == []
