"""Build a small force directly in the database for service tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage import people as repo
from storage.models import ChannelAccount, Person, PersonRole, Role, Unit


@dataclass
class Force:
    bureau: Unit
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, employee_no: str) -> Person:
        return self.people[employee_no]


async def add_person(
    session: AsyncSession,
    clock: Clock,
    *,
    employee_no: str,
    name: str,
    unit: Unit,
    roles: tuple[Role, ...] = (Role.AUXILIARY,),
    post: str = "巡逻辅警",
    gender: str = "男",
    age: int = 30,
) -> Person:
    now = clock.now()
    person = Person(
        employee_no=employee_no,
        name=name,
        gender=gender,
        age=age,
        unit_id=unit.id,
        post=post,
        post_duties="协助民警开展巡逻防控",
        status="active",
        created_at=now,
        updated_at=now,
        roles=[PersonRole(role=r.value) for r in roles],
    )
    session.add(person)
    await session.flush()
    return person


async def make_force(session: AsyncSession, clock: Clock) -> Force:
    """示例县公安局 > 城关派出所, 交警大队: 1 office, 1 leader, 2 mentors, 4 auxiliaries."""
    now = clock.now()
    bureau = Unit(name="示例县公安局", created_at=now)
    session.add(bureau)
    await session.flush()
    force = Force(bureau)
    for name in ("城关派出所", "交警大队"):
        unit = Unit(name=name, parent_id=bureau.id, created_at=now)
        session.add(unit)
        await session.flush()
        force.units[name] = unit
    station = force.units["城关派出所"]
    spec = [
        ("O001", "周政工", bureau, (Role.OFFICE,), "政治处干事"),
        ("L001", "李所长", station, (Role.LEADER,), "所长"),
        ("M001", "王民警", station, (Role.MENTOR,), "社区民警"),
        ("M002", "赵民警", station, (Role.MENTOR,), "治安民警"),
        ("A001", "张三", station, (Role.AUXILIARY,), "巡逻辅警"),
        ("A002", "李四", station, (Role.AUXILIARY,), "巡逻辅警"),
        ("A003", "王五", station, (Role.AUXILIARY,), "窗口辅警"),
        ("A004", "欧阳娜娜", force.units["交警大队"], (Role.AUXILIARY,), "交通辅警"),
    ]
    for employee_no, name, unit, roles, post in spec:
        force.people[employee_no] = await add_person(
            session, clock, employee_no=employee_no, name=name, unit=unit, roles=roles, post=post
        )
    for aux, mentor in (("A001", "M001"), ("A002", "M001"), ("A003", "M002"), ("A004", "M002")):
        await repo.rebind(
            session,
            auxiliary_id=force[aux].id,
            mentor_id=force[mentor].id,
            leader_id=force["L001"].id,
            at=now,
            changed_by="test",
        )
    return force


async def bind_account(
    session: AsyncSession,
    clock: Clock,
    person: Person,
    *,
    channel: str = "test",
    user_id: str | None = None,
) -> ChannelAccount:
    uid = user_id or f"u{person.id}"
    acc = ChannelAccount(
        person_id=person.id,
        channel=channel,
        external_user_id=uid,
        chat_id=uid,
        bound_at=clock.now(),
        reachable=True,
    )
    session.add(acc)
    await session.flush()
    return acc
