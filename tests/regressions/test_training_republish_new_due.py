"""Republishing a training module with a new `--due` created a second campaign that
assigned nobody: everyone kept the old deadline. Training matched an existing campaign on
its deadline (pledges did not), and its assign step skipped only people with an OPEN task
of the version where pledges also skip EXCUSED ones, so the 10-minute audience sync then
handed an excused person a brand-new task of the second campaign."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.actor import Actor
from bot.app import App
from storage.models import Assignment, AssignmentStatus, Campaign, Person
from tests.factories import bind_account, make_force
from tests.helpers import local, outbox_for

KEY = "duties-limits"
DUE = local(2026, 12, 15, 12, 0)
LATER = DUE + timedelta(days=7)


async def _publish(app: App, due: object) -> object:
    async with app.unit_of_work() as svc:
        return await svc.training.publish(Actor.cli(), KEY, audience="all", due_at=due)  # type: ignore[arg-type]


async def _open_dues(app: App) -> dict[str, object]:
    async with app.sessionmaker() as s:
        rows = await s.execute(
            select(Person.employee_no, Assignment.due_at)
            .join(Person, Person.id == Assignment.person_id)
            .where(Assignment.status == AssignmentStatus.OPEN)
        )
        return {emp: due for emp, due in rows.all()}


async def test_a_new_due_moves_the_deadline_of_everyone(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        await bind_account(svc.session, app.clock, force["A001"], user_id="A001")
    await _publish(app, DUE)
    result = await _publish(app, LATER)
    assert result.assigned == 0  # type: ignore[attr-defined]
    assert await _open_dues(app) == dict.fromkeys(("A001", "A002", "A003", "A004"), LATER)
    async with app.sessionmaker() as s:
        campaigns = (await s.scalars(select(Campaign).where(Campaign.kind == "training"))).all()
        assert [c.due_at for c in campaigns] == [LATER]
    assert len(await outbox_for(app, "A001")) == 1  # one "new task" message, not two


async def test_the_audience_sync_leaves_an_excused_person_excused(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
    await _publish(app, DUE)
    async with app.unit_of_work() as svc:
        await svc.session.execute(
            update(Assignment).where(Assignment.person_id == force["A001"].id).values(level=1)
        )
        _, [item] = await svc.escalations.excusable(Actor.cli(), force["A001"].id)
        await svc.escalations.excuse(
            Actor.cli(), force["A001"].id, "病假", assignments=[item.assignment_id]
        )
    await _publish(app, LATER)
    async with app.unit_of_work() as svc:
        await svc.training.sync_new_people()
    dues = await _open_dues(app)
    assert "A001" not in dues
    assert dues == dict.fromkeys(("A002", "A003", "A004"), LATER)
