"""A one-line notice showed its text twice (a 60-character title, then the same text in
full), and the length reported for a 3,600-character notice was 3,660 (the cut title
counted again). The message now shows the text once and the length is what was typed."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.app import App
from bot.services.notices import MAX_TEXT, Composed, TextTooLong, render_message
from tests.test_notices import Channel, _deliver, _setup

LINE = (
    "请各位辅警于本周五前到政治处辅警办领取新版执勤证件，过期证件"
    "一律收回，逾期未领取者暂停上岗执勤资格，具体领取时间和地点由各单位另行通知，请相互转告。"
)


async def test_a_one_line_notice_shows_its_text_once(app: App) -> None:
    assert len(LINE) > 60
    await _setup(app)
    async with app.unit_of_work() as svc:
        await svc.notices.send(Actor.cli(), Composed(audience="emp:A001", text=LINE, ack_by=None))
    channel = Channel()
    await _deliver(app, channel)
    (got,) = channel.to("A001")
    assert got.text.count("请各位辅警于本周五前") == 1
    assert LINE in got.text
    assert "…" not in got.text


async def test_the_length_of_a_too_long_notice_is_what_was_typed(app: App) -> None:
    text = "通" * 3600
    async with app.unit_of_work() as svc:
        with pytest.raises(TextTooLong) as refused:
            svc.notices.draft(text)
        assert svc.notices.draft("通" * MAX_TEXT).title.endswith("…")  # the limit itself fits
    shown = app.translator()(refused.value.key, **refused.value.args_)
    assert "3,600 字" in shown and "3,660" not in shown


async def test_a_notice_with_a_short_first_line_keeps_its_title_and_body(app: App) -> None:
    async with app.unit_of_work() as svc:
        view = svc.notices.draft("值班通知\n今晚 22:00 集合。")
    shown = render_message(app.translator(), view)
    assert "<b>值班通知</b>\n\n今晚 22:00 集合。" in shown
