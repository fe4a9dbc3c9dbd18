"""The responsibility letter and its successor (issue 21): "若责任人工作调整，由继任人继续履行
责任". When an import gives an auxiliary a new mentor officer or leader, the successor is
given the letter's current version unless he signed it, and the change filings say whether
he has."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.cli.roster import change_lines
from bot.config import ROOT
from bot.core import Account
from bot.i18n import Catalog, Translator
from bot.services.roster import FilingKind
from storage.models import Assignment, AuditEvent, Campaign, Person, Unit
from tests.conftest import T0
from tests.roster_form_fixture import write_form
from tests.test_roster_form import report_text, run_import

DUE = T0 + timedelta(days=7)


def translator(locale: str) -> Translator:
    return Catalog(ROOT / "locales").text_translator(locale, ZoneInfo("Asia/Shanghai"))


async def person(app: App, name: str, unit: str) -> Person:
    async with app.sessionmaker() as s:
        found = await s.scalar(
            select(Person)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Person.name == name, Unit.name == unit)
        )
    assert found is not None, (name, unit)
    return found


async def letter_tasks(app: App, who: Person) -> list[str]:
    async with app.sessionmaker() as s:
        rows = await s.execute(
            select(Assignment.status)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(Campaign.ref_key == "responsibility", Assignment.person_id == who.id)
        )
    return list(rows.scalars())


async def test_a_new_mentor_or_leader_is_given_the_letter_unless_he_signed_it(
    app: App, tmp_path: Path
) -> None:
    assert not (await run_import(app, write_form(tmp_path / "0.xlsx", units=(0, 1)))).errors
    # Before the letter is published a change is filed and says there is no letter yet.
    early = {(0, 0): {"责任民警": "李卫东"}}
    report = await run_import(app, write_form(tmp_path / "1.xlsx", units=(0, 1), edit=early))
    assert report.filings == 1 and report.letters_given == 0, report_text(report)
    async with app.unit_of_work() as svc:
        [filing] = await svc.roster.changes(Actor.cli(), T0)
    assert filing.letter is not None and filing.letter.version is None
    assert "教育管理责任书尚未发布" in change_lines(translator("zh_CN"), "2026-12-01", [filing])[2]

    # The letter goes to 城关派出所 only; 王建国 of 城关 signs it.
    async with app.unit_of_work() as svc:
        pub = await svc.pledges.publish(
            Actor.cli(), "responsibility", audience="unit:城关派出所", due_at=DUE
        )
        assert pub.version == 2 and pub.assigned == 4  # three mentors and the leader
        wang = await person(app, "王建国", "城关派出所")
        [task] = await svc.tasks.open_tasks(wang.id)
        account = Account(channel="test", external_user_id="w", chat_id="w")
        await svc.pledges.sign(
            wang, task.assignment_id, "王建国", account=account, message_id=None
        )

    # 10002 moves to 王建国 (signed); in 东城, outside the letter's audience, 10101 moves
    # to 孙立新 and 10102 gets a new leader 刘新, named for the first time.
    moves = {
        **early,
        (0, 1): {"责任民警": "王建国"},
        (1, 0): {"责任民警": "孙立新"},
        (1, 1): {"责任领导": "刘新"},
    }
    path = write_form(tmp_path / "2.xlsx", units=(0, 1), edit=moves)
    report = await run_import(app, path)
    text = report_text(report)
    assert not report.errors and report.letters_given == 2, text
    assert "继任的带辅民警、分管领导中有 2 人尚未签署教育管理责任书，已向其派发。" in text
    sun, liu = await person(app, "孙立新", "东城派出所"), await person(app, "刘新", "东城派出所")
    assert await letter_tasks(app, sun) == ["open"]
    assert await letter_tasks(app, liu) == ["open"]
    assert await letter_tasks(app, wang) == ["done"]  # signed: nothing new
    async with app.sessionmaker() as s:
        due = await s.scalar(select(Assignment.due_at).where(Assignment.person_id == sun.id))
        event = await s.scalar(
            select(AuditEvent).where(AuditEvent.kind == "pledge.successor_assigned")
        )
    assert due == DUE  # the letter's own deadline
    assert event is not None
    assert sorted(event.payload["people"]) == sorted([sun.employee_no, liu.employee_no])

    again = await run_import(app, path)  # nothing changes, nobody is given it twice
    assert not again.has_changes and again.letters_given == 0

    async with app.unit_of_work() as svc:
        filings = await svc.roster.changes(Actor.cli(), T0)
    assert [(f.kind, f.employee_no, f.before, f.after) for f in filings] == [
        (FilingKind.MENTOR, "10001", "王建国", "李卫东"),
        (FilingKind.MENTOR, "10002", "李卫东", "王建国"),
        (FilingKind.MENTOR, "10101", "王建国", "孙立新"),
        (FilingKind.LEADER, "10102", "马国庆", "刘新"),
    ]
    letters = [f.letter for f in filings]
    assert all(letter is not None and letter.version == 2 for letter in letters)
    assert [(x.assigned, x.signed_at) for x in letters if x is not None] == [
        (True, None),  # 李卫东: his task from the publication
        (False, T0),  # 王建国 signed
        (True, None),
        (True, None),
    ]
    lines = change_lines(translator("zh_CN"), "2026-12-01", filings)
    assert lines[4] == "    继任人已签署《教育管理责任书》（第 2 版，2026-12-01 10:00）"
    assert lines[6] == "    继任人尚未签署《教育管理责任书》，已派发，2026-12-08 10:00 截止"
    english = change_lines(translator("en"), "2026-12-01", filings)
    assert 'The successor signed "Education and Management Responsibility Letter"' in english[4]


async def test_no_succession_when_it_is_switched_off(app: App, tmp_path: Path) -> None:
    assert not (await run_import(app, write_form(tmp_path / "0.xlsx", units=(0, 1)))).errors
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "responsibility", audience="unit:城关派出所")
    app.settings.responsibility_pledge = ""  # MUSTER_RESPONSIBILITY_PLEDGE=
    moved = write_form(tmp_path / "1.xlsx", units=(0, 1), edit={(1, 0): {"责任民警": "孙立新"}})
    report = await run_import(app, moved)
    assert report.filings == 1 and report.letters_given == 0, report_text(report)
    assert await letter_tasks(app, await person(app, "孙立新", "东城派出所")) == []
