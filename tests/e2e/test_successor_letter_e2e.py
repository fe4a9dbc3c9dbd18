"""The responsibility letter's successor, end to end over every channel (issue 21): the
office's roster import gives an auxiliary a new mentor officer, who has not signed the
教育管理责任书; he finds it in his chat at once, and the change filing says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.actor import Actor
from tests.e2e.conftest import RunningBot
from tests.e2e.test_pledges_e2e import _register

pytestmark = pytest.mark.e2e


async def test_a_new_mentor_finds_the_responsibility_letter_in_his_chat(
    bot: RunningBot, tmp_path: Path
) -> None:
    leader = await _register(bot, "L001", "李所长")
    mentor = await _register(bot, "M002", "赵民警")
    async with bot.app.unit_of_work() as svc:
        # the letter as published to the leader only; 赵民警 is not in its audience
        await svc.pledges.publish(Actor.cli(), "responsibility", audience="emp:L001")
    assert "新任务：教育管理责任书" in (await leader.read_one(15)).text

    roster = tmp_path / "调整.csv"
    roster.write_text(
        "工号,姓名,单位,责任民警,责任领导\nA001,张三,城关派出所,M002,L001\n", encoding="utf-8"
    )
    started = bot.app.clock.now()
    async with bot.app.unit_of_work() as svc:
        report = await svc.roster.import_file(Actor.cli("cli:roster-import"), roster)
    assert not report.errors and report.letters_given == 1

    task = await mentor.read_one(15)  # the successor is given the letter
    assert "新任务：教育管理责任书" in task.text and "阅读" in " ".join(task.labels)
    async with bot.app.unit_of_work() as svc:
        [filing] = await svc.roster.changes(Actor.cli(), started)
    assert (filing.before, filing.after) == ("王民警(M001)", "赵民警(M002)")
    assert filing.letter is not None and filing.letter.assigned and filing.letter.signed_at is None
