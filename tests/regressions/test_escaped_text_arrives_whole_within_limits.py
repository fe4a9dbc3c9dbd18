"""Text with `& < >` turned into `{???}`: an office reply of `'按 ‹规定> & 流程办理。'*120`
was reported "回复已发送" while the outbox row held `{???}` (Fluent refuses a placeable
over 2,500 characters, and limits were checked on the raw text while escaping lengthens
it up to five times). The longest allowed text full of `& < >` now goes whole through the
hotline confirm prompt, the office's ticket view, the office reply (and the reply the
asker gets), and the check-in summary; every message part as sent fits the channel."""

from __future__ import annotations

from bot.app import App
from bot.core import Reply
from bot.services.checkins import MAX_TEXT
from bot.services.hotline import MAX_QUESTION
from bot.text import TELEGRAM_LIMIT, Markup, plain, split_message
from tests.helpers import sealed_for
from tests.test_checkins import open_w49, setup_force
from tests.test_hotline import _setup


def _longest(unit: str, limit: int) -> str:
    return (unit * limit)[:limit]


QUESTION = _longest("问<加班>补休 & 调休？", MAX_QUESTION)
REPLY = _longest("按 ‹规定> & 流程办理。", MAX_QUESTION)
ANSWER = _longest("北门<护栏> & 松动；", MAX_TEXT)


def _arrives(replies: list[Reply], text: str) -> None:
    """`text` is in the replies whole, and every part sent is within Telegram's limit."""
    assert all("{???}" not in str(r.text) for r in replies)
    assert text in "\n".join(plain(Markup(r.text)) for r in replies)
    for r in replies:
        assert all(len(part) <= TELEGRAM_LIMIT for part in split_message(Markup(r.text)))


async def test_hotline_question_and_office_reply_arrive_whole(app: App) -> None:
    users = await _setup(app)
    alice, office = users["A001"], users["O001"]
    await alice.send(QUESTION)
    await alice.press("转人工")
    _arrives(alice.last, QUESTION)  # the confirm prompt echoes the question
    await alice.press("署名提问")
    number = "H" + alice.text.split("问题编号 H", 1)[1][:6]

    await office.send("/queue")
    await office.press(number)
    _arrives(office.last, QUESTION)  # the office's ticket view
    await office.press("回复")
    await office.send(REPLY)
    assert f"回复已发送（{number}）" in office.text
    [(row, reply)] = await sealed_for(app, "A001")
    assert "{???}" not in row.text
    _arrives([reply], REPLY)  # the reply the asker gets

    await office.send("/queue")
    await office.press(number)
    _arrives(office.last, REPLY)  # the thread shows the reply whole too


async def test_checkin_summary_shows_long_answers_whole(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    bob = users["A002"]
    await bob.send("/menu")
    await bob.press("每周报到")
    await bob.press("逐项填写")
    await bob.press("是")
    await bob.send(ANSWER)
    await bob.press("否")
    await bob.press("工资待遇")
    await bob.send(ANSWER)
    assert "跳过" in " ".join(bob.labels())  # the last question, for the mentor
    await bob.send(ANSWER)
    assert "请核对" in bob.text and bob.text.count("松动") > 3 * ANSWER.count("松动") - 1
    _arrives(bob.last, ANSWER)
    await bob.press("确认提交")
    assert "已提交" in bob.text
