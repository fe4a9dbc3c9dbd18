"""The console's dashboard numbers, per unit and within each viewer's scope."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.actor import Actor
from bot.app import App
from storage.models import Assignment, AssignmentStatus
from tests.factories import make_force


async def test_assigned_done_and_overdue_per_unit_within_scope(app: App) -> None:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        await svc.pledges.publish(Actor.cli(), "online-conduct", audience="all")
        now = app.clock.now()
        await svc.session.execute(
            update(Assignment)
            .where(Assignment.person_id == force["A001"].id)
            .values(status=AssignmentStatus.DONE, done_at=now)
        )
        await svc.session.execute(
            update(Assignment)
            .where(Assignment.person_id == force["A002"].id)
            .values(due_at=now - timedelta(hours=1), level=1)
        )
    people = {no: force[no] for no in ("O001", "L001", "M001")}
    async with app.unit_of_work() as svc:
        office = await svc.console.dashboard(Actor.of(people["O001"]), locale="zh_CN")
        leader = await svc.console.dashboard(Actor.of(people["L001"]), locale="zh_CN")
        mentor = await svc.console.dashboard(Actor.of(people["M001"]), locale="zh_CN")

    def bars(d):  # type: ignore[no-untyped-def]
        (campaign,) = d.campaigns
        return {u.unit: (u.assigned, u.done, u.overdue) for u in campaign.units}

    assert bars(office) == {"城关派出所": (3, 1, 1), "交警大队": (1, 0, 0)}
    assert bars(leader) == {"城关派出所": (3, 1, 1)}
    assert bars(mentor) == {"城关派出所": (2, 1, 1)}  # A001 and A002 only
    assert office.escalations == {1: 1}
    assert office.done_by_day[-1][1] == 1 and sum(n for _, n in office.done_by_day) == 1
