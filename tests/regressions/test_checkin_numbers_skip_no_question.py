"""Check-in numbering jumped (第 1 题, then 第 3 题) when a follow-up did not apply. The
questions a person is asked are now numbered 1, 2, 3... without a gap."""

from __future__ import annotations

import re

from bot.app import App
from tests.test_checkins import open_w49, setup_force


async def test_numbers_run_without_a_gap_when_a_follow_up_is_skipped(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    bob = users["A002"]
    await bob.send("/menu")
    await bob.press("每周报到")
    await bob.press("逐项填写")
    numbers = []
    for answer in ("否", "否", "没有"):  # no hazard, no broken equipment: no follow-ups
        numbers.append(re.search(r"第 (\d+) 题", bob.text).group(1))  # type: ignore[union-attr]
        await bob.press(answer)
    numbers.append(re.search(r"第 (\d+) 题", bob.text).group(1))  # type: ignore[union-attr]
    assert numbers == ["1", "2", "3", "4"]


async def test_a_follow_up_that_applies_takes_the_next_number(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    bob = users["A002"]
    await bob.send("/menu")
    await bob.press("每周报到")
    await bob.press("逐项填写")
    await bob.press("是")
    assert "第 2 题" in bob.text and "描述隐患" in bob.text
    await bob.send("北门路灯坏了")
    assert "第 3 题" in bob.text and "装备" in bob.text
    await bob.press("否")
    assert "第 4 题" in bob.text and "仅政治处辅警办可见" in bob.text
