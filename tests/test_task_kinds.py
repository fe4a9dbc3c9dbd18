"""What every task kind shares, run once per kind: a kind that behaves differently fails.

Publishing, republishing, the audience sync, excuse, ownership and per-unit counts live once
in the task service; each kind says only what is special about it (bot/kinds.py)."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.actor import Actor
from bot.app import App
from bot.core import Account
from bot.i18n import LOCALES, Catalog
from bot.kinds import KINDS
from bot.services import Services
from bot.services.notices import Composed
from bot.training_content import MULTIPLE
from storage import people as repo
from storage.models import Assignment, AssignmentStatus, Campaign, Person
from tests.chat import ChatUser
from tests.factories import add_person, bind_account, make_force
from tests.helpers import local, outbox_for

DUE = local(2026, 12, 15, 12, 0)
LATER = DUE + timedelta(days=7)


async def _publish_pledge(svc: Services, audience: str, due: object = DUE) -> object:
    return await svc.pledges.publish(Actor.cli(), "online-conduct", audience=audience, due_at=due)  # type: ignore[arg-type]


async def _publish_training(svc: Services, audience: str, due: object = DUE) -> object:
    return await svc.training.publish(Actor.cli(), "duties-limits", audience=audience, due_at=due)  # type: ignore[arg-type]


async def _open_checkin(svc: Services, audience: str, due: object = DUE) -> object:
    return await svc.checkins.open_week(Actor.cli(), svc.checkins.current_week())


async def _open_register(svc: Services, audience: str, due: object = DUE) -> object:
    return await svc.register.open_week(Actor.cli(), svc.checkins.current_week())


async def _send_notice(svc: Services, audience: str, due: object = DUE) -> object:
    return await svc.notices.send(
        Actor.cli(), Composed(audience=audience, text="周五停电\n请提前保存工作。", ack_by=DUE)
    )


async def _sign(svc: Services, person: Person, aid: int) -> None:
    account = Account(channel="test", external_user_id=person.employee_no, chat_id="1")
    await svc.pledges.sign(person, aid, person.name, account=account, message_id=None)


async def _pass(svc: Services, person: Person, aid: int) -> None:
    view = await svc.training.start_quiz(person, aid)
    for _ in range(view.total):
        view = await svc.training.question(person, aid)
        q = view.question
        if q.type == MULTIPLE:
            for option in q.correct:
                await svc.training.toggle(person, aid, view.attempt_no, view.index, option)
            await svc.training.answer(person, aid, view.attempt_no, view.index)
        else:
            await svc.training.answer(person, aid, view.attempt_no, view.index, q.correct[0])


@dataclass(frozen=True)
class Kind:
    name: str
    publish: Callable[..., Awaitable[object]]  # (services, audience[, due])
    owner: str = "A001"  # gets a task
    stranger: str = "A002"  # gets one too, and taps the owner's
    complete: Callable[[Services, Person, int], Awaitable[None]] | None = None
    content: str | None = None  # folder under content/ whose version a test can bump

    def __repr__(self) -> str:
        return self.name


PLEDGE = Kind("pledge", _publish_pledge, complete=_sign, content="pledges")
TRAINING = Kind("training", _publish_training, complete=_pass, content="training")
CHECKIN = Kind("checkin", _open_checkin)
REGISTER = Kind("register", _open_register, owner="L001")  # a unit's leader files it
NOTICE = Kind("notice", _send_notice)

EVERY = [PLEDGE, TRAINING, NOTICE, CHECKIN, REGISTER]
VERSIONED = [PLEDGE, TRAINING]  # content frozen as versions: publish and republish
REOPENED = [PLEDGE, TRAINING, CHECKIN, REGISTER]  # can be handed out again


def ids(kinds: list[Kind]) -> list[str]:
    return [k.name for k in kinds]


async def _setup(app: App) -> dict[str, ChatUser]:
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        users = {}
        for emp in ("A001", "A002", "A003", "L001", "M001", "O001"):
            await bind_account(svc.session, app.clock, force[emp], user_id=emp)
            users[emp] = ChatUser(app.conversation(), emp)
    return users


async def _publish(app: App, kind: Kind, audience: str = "all", due: object = DUE) -> object:
    async with app.unit_of_work() as svc:
        return await kind.publish(svc, audience, due)


async def _open_of(app: App, kind: Kind, emp: str) -> list[Assignment]:
    async with app.sessionmaker() as s:
        return list(
            (
                await s.execute(
                    select(Assignment)
                    .join(Campaign, Campaign.id == Assignment.campaign_id)
                    .join(Person, Person.id == Assignment.person_id)
                    .where(
                        Campaign.kind == kind.name,
                        Person.employee_no == emp,
                        Assignment.status == AssignmentStatus.OPEN,
                    )
                )
            )
            .scalars()
            .all()
        )


async def _aid(app: App, kind: Kind, emp: str) -> int:
    [a] = await _open_of(app, kind, emp)
    return a.id


def test_every_kind_is_registered_once() -> None:
    import bot.services  # noqa: F401, PLC0415 - registers the kinds

    assert sorted(KINDS) == sorted(ids(EVERY))
    routes = [k.open_route for k in KINDS.values()]
    assert len(set(routes)) == len(routes)


def test_every_kind_is_named_and_its_button_labelled_in_every_language() -> None:
    import bot.services  # noqa: F401, PLC0415 - registers the kinds

    catalog = Catalog(Path(__file__).resolve().parents[1] / "locales")
    for locale in LOCALES:
        t = catalog.translator(locale, ZoneInfo("UTC"))
        for kind in KINDS.values():
            for key in (kind.name_key, kind.open_label_key):
                assert catalog.bundles[locale].has_message(key), (locale, key)
                assert t(key).strip() not in {"", key}


@pytest.mark.parametrize("kind", EVERY, ids=ids(EVERY))
async def test_a_stranger_cannot_open_someone_elses_task(app: App, kind: Kind) -> None:
    users = await _setup(app)
    await _publish(app, kind)
    aid = await _aid(app, kind, kind.owner)
    info = KINDS[kind.name]
    stranger = users[kind.stranger]
    await stranger.tap(f"{info.open_route}:{aid}")
    refusal = app.translator()(info.not_yours.key)
    assert refusal in stranger.text
    async with app.unit_of_work() as svc:
        person = await svc.people.get(Actor.cli(), kind.stranger)
        with pytest.raises(info.not_yours):
            await getattr(svc, _attr(kind)).mine(person, aid)
        owner = await svc.people.get(Actor.cli(), kind.owner)
        assignment, campaign = await getattr(svc, _attr(kind)).mine(owner, aid)
        assert assignment.id == aid and campaign.kind == kind.name


def _attr(kind: Kind) -> str:
    return {"pledge": "pledges", "notice": "notices", "checkin": "checkins"}.get(
        kind.name, kind.name
    )


@pytest.mark.parametrize("kind", REOPENED, ids=ids(REOPENED))
async def test_an_excused_person_gets_no_new_task(app: App, kind: Kind) -> None:
    await _setup(app)
    await _publish(app, kind, audience="unit:城关派出所")
    [task] = await _open_of(app, kind, kind.owner)
    async with app.unit_of_work() as svc:
        await svc.session.execute(
            update(Assignment).where(Assignment.id == task.id).values(level=1)
        )
        owner = await svc.people.get(Actor.cli(), kind.owner)
        await svc.escalations.excuse(Actor.cli(), owner.id, "病假", assignments=[task.id])
    # handed out again: a wider audience (a second campaign of the same content), a new
    # deadline, and the 10-minute audience sync
    await _publish(app, kind, audience="all")
    await _publish(app, kind, audience="all", due=LATER)
    async with app.unit_of_work() as svc:
        await svc.tasks.sync_audiences()
    assert await _open_of(app, kind, kind.owner) == []
    async with app.sessionmaker() as s:
        status = await s.scalar(select(Assignment.status).where(Assignment.id == task.id))
        assert status == AssignmentStatus.EXCUSED


@pytest.mark.parametrize("kind", VERSIONED, ids=ids(VERSIONED))
async def test_republish_with_a_new_deadline_moves_it(app: App, kind: Kind) -> None:
    await _setup(app)
    await _publish(app, kind)
    result = await _publish(app, kind, due=LATER)
    assert result.assigned == 0 and result.rescheduled == 4  # type: ignore[attr-defined]
    async with app.sessionmaker() as s:
        campaigns = (await s.scalars(select(Campaign).where(Campaign.kind == kind.name))).all()
        assert len(campaigns) == 1 and campaigns[0].due_at == LATER
        dues = (
            await s.scalars(
                select(Assignment.due_at).where(Assignment.status == AssignmentStatus.OPEN)
            )
        ).all()
        assert len(dues) == 4 and set(dues) == {LATER}
    assert len(await outbox_for(app, "A001")) == 1  # no second "new task" message


@pytest.mark.parametrize("kind", VERSIONED, ids=ids(VERSIONED))
async def test_the_audience_sync_gives_newcomers_the_task_once(app: App, kind: Kind) -> None:
    await _setup(app)
    await _publish(app, kind)
    async with app.unit_of_work() as svc:
        station = await repo.unit_by_name(svc.session, "城关派出所")
        assert station is not None
        await add_person(svc.session, app.clock, employee_no="A009", name="新人", unit=station)
        assert await svc.tasks.sync_audiences() == 1
        assert await svc.tasks.sync_audiences() == 0
    assert len(await _open_of(app, kind, "A009")) == 1


@pytest.mark.parametrize("kind", VERSIONED, ids=ids(VERSIONED))
async def test_done_counts_per_unit_and_is_never_tasked_again(app: App, kind: Kind) -> None:
    assert kind.complete is not None
    await _setup(app)
    await _publish(app, kind, audience="unit:城关派出所")
    aid = await _aid(app, kind, "A001")
    async with app.unit_of_work() as svc:
        await kind.complete(svc, await svc.people.get(Actor.cli(), "A001"), aid)
    again = await _publish(app, kind, audience="all")  # a second campaign, same version
    assert again.assigned == 1  # type: ignore[attr-defined] # A004; A001 is done
    async with app.unit_of_work() as svc:
        service = getattr(svc, _attr(kind))
        status = await service.status(Actor.cli(), _key(kind))
        by_unit = {u.unit: u for u in status.units}
        station = by_unit["城关派出所"]
        assert (station.assigned, station.done, station.pending) == (3, 1, 2)
        assert by_unit["交警大队"].pending == 1
        assert {p.employee_no for p in status.pending} == {"A002", "A003", "A004"}
        rows = await service.export_rows(Actor.cli(), _key(kind))
        assert sorted(r["employee_no"] for r in rows) == ["A001", "A002", "A003", "A004"]
        assert {r["employee_no"]: r["status"] for r in rows}["A001"] == AssignmentStatus.DONE
        assert {r["mentor"] for r in rows} == {"王民警", "赵民警"}


def _key(kind: Kind) -> str:
    return "online-conduct" if kind.name == "pledge" else "duties-limits"


@pytest.mark.parametrize("kind", VERSIONED, ids=ids(VERSIONED))
async def test_a_new_version_replaces_the_open_tasks(app: App, kind: Kind, tmp_path: Path) -> None:
    assert kind.content is not None
    await _setup(app)
    await _publish(app, kind)
    content = tmp_path / "content"
    shutil.copytree(app.settings.content_dir / kind.content, content / kind.content)
    for path in (content / kind.content).rglob("*"):
        if path.suffix in (".md", ".yaml") and _key(kind) in str(path):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("version: 1", "version: 2", 1), encoding="utf-8")
    app.settings.content_dir = content
    result = await _publish(app, kind)
    assert (result.version, result.replaced, result.assigned) == (2, 4, 4)  # type: ignore[attr-defined]
    async with app.sessionmaker() as s:
        active = (
            await s.scalars(
                select(Campaign.ref_id).where(Campaign.kind == kind.name, Campaign.active)
            )
        ).all()
        assert active == [2]
        cancelled = await s.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.status == AssignmentStatus.CANCELLED)
        )
        assert cancelled == 4
    [task] = await _open_of(app, kind, "A001")
    async with app.sessionmaker() as s:
        campaign = await s.get(Campaign, task.campaign_id)
        assert campaign is not None and campaign.ref_id == 2
