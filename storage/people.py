"""Repository functions for units, people, bindings and channel accounts. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, String, Table, and_, bindparam, column, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Binding, ChannelAccount, ConversationState, Person, PersonRole, Unit

# The current mentor and leader of the person in a query, for office views and exports.
MENTOR = Person.__table__.alias("mentor")
LEADER = Person.__table__.alias("leader")


def join_responsibles(query: Select[Any]) -> Select[Any]:
    """Outer-join the person's current binding and its mentor (MENTOR) and leader (LEADER)."""
    return (
        query.join(
            Binding,
            and_(Binding.auxiliary_id == Person.id, Binding.valid_to.is_(None)),
            isouter=True,
        )
        .join(MENTOR, MENTOR.c.id == Binding.mentor_id, isouter=True)
        .join(LEADER, LEADER.c.id == Binding.leader_id, isouter=True)
    )


async def person_by_employee_no(session: AsyncSession, employee_no: str) -> Person | None:
    return (
        await session.execute(select(Person).where(Person.employee_no == employee_no))
    ).scalar_one_or_none()


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def unit_by_name(session: AsyncSession, name: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.name == name))).scalar_one_or_none()


def _state_and_person_query(
    lock: bool, touch: bool, many: bool = False
) -> Select[ConversationState, ChannelAccount, Person]:
    """The turn's query. `many` (PostgreSQL): the users `b_users` of one channel at once,
    their state rows locked in id order (two processes locking overlapping sets cannot
    deadlock), each found through the index from the array's elements (an `= ANY(array)`
    filter was planned as a scan of all the channel's rows)."""
    users = (
        func.unnest(bindparam("b_users", type_=postgresql.ARRAY(String)))
        .table_valued(column("user", String))
        .render_derived("u")
    )

    def of_users(channel: Any, user: Any) -> Any:
        mine = user == users.c.user if many else user == bindparam("b_user")
        return and_(channel == bindparam("b_channel"), mine)

    states = of_users(ConversationState.channel, ConversationState.external_user_id)
    query = select(ConversationState, ChannelAccount, Person)
    if many:
        query = query.select_from(users).join(ConversationState, states)
    query = (
        query.outerjoin(
            ChannelAccount,
            and_(
                ChannelAccount.channel == ConversationState.channel,
                ChannelAccount.external_user_id == ConversationState.external_user_id,
                ChannelAccount.unbound_at.is_(None),
            ),
        )
        .outerjoin(Person, Person.id == ChannelAccount.person_id)
        # the roles in the same round trip (the unit is joined by the mapping already)
        .options(joinedload(Person.roles))
    )
    query = query.order_by(ConversationState.id) if many else query.where(states)
    if touch:  # PostgreSQL: the account's last use written in the same round trip
        accounts = cast(Table, ChannelAccount.__table__)
        touched = (
            update(accounts)
            .where(
                of_users(accounts.c.channel, accounts.c.external_user_id),
                accounts.c.unbound_at.is_(None),
            )
            .values(last_used_at=bindparam("b_used_at", type_=ChannelAccount.last_used_at.type))
            .cte("touched")
        )
        query = query.add_cte(touched)
    return query.with_for_update(of=ConversationState) if lock else query


# built once: every turn of every conversation runs one of them (building a statement
# costs more Python than running it)
_STATE_AND_PERSON = {
    (lock, touch): _state_and_person_query(lock, touch)
    for lock in (True, False)
    for touch in (True, False)
}
_STATES_AND_PEOPLE = _state_and_person_query(lock=True, touch=True, many=True)

Turn = tuple[ConversationState, ChannelAccount | None, Person | None]


async def state_and_person(
    session: AsyncSession,
    channel: str,
    external_user_id: str,
    *,
    lock: bool = True,
    used_at: datetime | None = None,
) -> tuple[ConversationState | None, ChannelAccount | None, Person | None]:
    """In one query: the conversation state of a channel user (locked until the commit,
    FOR UPDATE OF the state row only), the active account and its person with unit and
    roles. The state is None when the user never wrote; account and person None before
    binding. With `used_at`, on PostgreSQL, the same statement sets the account's
    `last_used_at` to it (the object shows it as stored)."""
    touch = used_at is not None and session.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {"b_channel": channel, "b_user": external_user_id}
    if touch:
        params["b_used_at"] = used_at
    result = await session.execute(_STATE_AND_PERSON[lock, touch], params)
    row = result.unique().first()
    if row is None:
        return None, None, None
    if touch and row[1] is not None:
        set_committed_value(row[1], "last_used_at", used_at)
    return row[0], row[1], row[2]


async def states_and_people(
    session: AsyncSession, channel: str, users: Sequence[str], *, used_at: datetime
) -> dict[str, Turn]:
    """PostgreSQL: `state_and_person` for many users of one channel in one query (their
    states locked until the commit, their accounts' last use set to `used_at`), by user.
    A user who never wrote is missing."""
    params = {"b_channel": channel, "b_users": list(users), "b_used_at": used_at}
    result = await session.execute(_STATES_AND_PEOPLE, params)
    turns: dict[str, Turn] = {}
    for state, account, person in result.unique():
        if account is not None:
            set_committed_value(account, "last_used_at", used_at)
        turns[state.external_user_id] = (state, account, person)
    return turns


async def active_account(
    session: AsyncSession, channel: str, external_user_id: str
) -> ChannelAccount | None:
    return (
        await session.execute(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel,
                ChannelAccount.external_user_id == external_user_id,
                ChannelAccount.unbound_at.is_(None),
            )
        )
    ).scalar_one_or_none()


async def active_accounts_of(session: AsyncSession, person_id: int) -> Sequence[ChannelAccount]:
    return (
        (
            await session.execute(
                select(ChannelAccount).where(
                    ChannelAccount.person_id == person_id, ChannelAccount.unbound_at.is_(None)
                )
            )
        )
        .scalars()
        .all()
    )


async def current_binding(session: AsyncSession, auxiliary_id: int) -> Binding | None:
    return (
        await session.execute(
            select(Binding).where(Binding.auxiliary_id == auxiliary_id, Binding.valid_to.is_(None))
        )
    ).scalar_one_or_none()


async def binding_history(session: AsyncSession, auxiliary_id: int) -> Sequence[Binding]:
    return (
        (
            await session.execute(
                select(Binding).where(Binding.auxiliary_id == auxiliary_id).order_by(Binding.id)
            )
        )
        .scalars()
        .all()
    )


async def rebind(
    session: AsyncSession,
    *,
    auxiliary_id: int,
    mentor_id: int | None,
    leader_id: int | None,
    at: datetime,
    changed_by: str,
    reason: str | None = None,
) -> Binding | None:
    """Close the current binding and open a new one, unless nothing changed.

    Returns the new row, or None when the binding was already so.
    """
    current = await current_binding(session, auxiliary_id)
    if current is not None:
        if current.mentor_id == mentor_id and current.leader_id == leader_id:
            return None
        current.valid_to = at
        await session.flush()
    row = Binding(
        auxiliary_id=auxiliary_id,
        mentor_id=mentor_id,
        leader_id=leader_id,
        valid_from=at,
        valid_to=None,
        changed_by=changed_by,
        reason=reason,
    )
    session.add(row)
    await session.flush()
    return row


async def auxiliaries_of_mentor(session: AsyncSession, mentor_id: int) -> Sequence[Person]:
    return (
        (
            await session.execute(
                select(Person)
                .join(Binding, Binding.auxiliary_id == Person.id)
                .where(Binding.mentor_id == mentor_id, Binding.valid_to.is_(None))
                .order_by(Person.name)
            )
        )
        .scalars()
        .all()
    )


async def people_with_role(session: AsyncSession, role: str) -> Sequence[Person]:
    return (
        (
            await session.execute(
                select(Person)
                .join(PersonRole, PersonRole.person_id == Person.id)
                .where(PersonRole.role == role, Person.status == "active")
                .order_by(Person.id)
            )
        )
        .scalars()
        .all()
    )
