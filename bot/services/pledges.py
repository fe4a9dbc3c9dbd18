"""Pledges: publish a document version, read it page by page, sign it, report on it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.actor import Actor
from bot.content import ContentError, PledgeDoc, load_pledges, paginate
from bot.core import Account
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.notify import KindInfo, Notifier, register_kind
from bot.policy import policy_for
from bot.services import tasks as tasks_service
from bot.services.base import Service
from bot.services.tasks import Audience, TaskService
from storage import audit
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignKind,
    Person,
    PledgeVersion,
    Role,
    Signature,
    Unit,
)
from storage.people import LEADER, MENTOR, join_responsibles

KIND = CampaignKind.PLEDGE.value
MAX_NAME_TRIES = 3

register_kind(KIND, KindInfo("btn-pledge-read", "pl:o", "kind-pledge"))


class VersionTextChanged(DomainError):
    key = "pledge-error-text-changed"


class AlreadySigned(DomainError):
    key = "pledge-already-signed"


class Superseded(tasks_service.Superseded):
    key = "pledge-superseded"


class NotYours(DomainError):
    key = "pledge-not-yours"


class WrongName(DomainError):
    key = "pledge-wrong-name"


@dataclass(frozen=True, slots=True)
class PublishResult:
    key: str
    version: int
    new_version: bool
    campaign_id: int
    assigned: int
    replaced: int  # open assignments of older versions cancelled
    sha256: dict[str, str]
    rescheduled: int = 0  # open assignments whose deadline a re-publish moved


@dataclass(frozen=True, slots=True)
class Reading:
    assignment_id: int
    key: str
    title: str
    version: int
    sha256: str
    pages: list[str]
    due_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class UnitStatus:
    unit: str
    assigned: int
    signed: int
    pending: int
    overdue: int


@dataclass(frozen=True, slots=True)
class PendingPerson:
    unit: str
    name: str
    employee_no: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class PledgeStatus:
    key: str
    version: int
    units: list[UnitStatus]
    pending: list[PendingPerson]


@dataclass(frozen=True, slots=True)
class PublishedPledge:
    key: str
    version: int  # the latest published version
    titles: dict[str, str]  # locale -> title of that version

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("zh_CN") or self.key


def normalize_name(value: str) -> str:
    """Compare names ignoring spaces, full-width forms, dot variants and Latin case."""
    text = unicodedata.normalize("NFKC", value)
    text = re.sub(r"[\u00b7\u2022\u2027\u30fb\uff65•．.]", "·", text)
    return "".join(text.split()).casefold()


class PledgeService(Service):
    def __init__(self, *args: object, notifier: Notifier, tasks: TaskService, **kw: object):
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.notifier = notifier
        self.tasks = tasks

    # --- publishing -------------------------------------------------------------------

    def documents(self, key: str) -> dict[str, PledgeDoc]:
        try:
            docs = load_pledges(self.settings.content_dir)
        except ContentError as exc:
            raise InvalidInput("pledge-error-content", problem=str(exc)) from None
        if key not in docs:
            raise NotFound("pledge-error-no-such-key", key=key, known=", ".join(sorted(docs)))
        return docs[key]

    async def publish(
        self, actor: Actor, key: str, *, audience: str = "all", due_at: datetime | None = None
    ) -> PublishResult:
        """Freeze the current text as a version (if new) and assign it to the audience."""
        actor.require(Role.OFFICE)
        now = self.clock.now()
        if due_at is not None and due_at <= now:
            raise InvalidInput("pledge-error-due-past")
        docs = self.documents(key)
        base = docs["zh_CN"]
        version, new_version = await self._freeze(actor, key, docs, now)
        aud = Audience.parse(audience).narrowed_to_roles(base.audience)
        replaced = 0
        for old in await self._active_campaigns(key):
            if old.ref_id != version:
                replaced += await self.tasks.cancel_open(old, reason=f"replaced by v{version}")
        campaign = await self._campaign_for(key, version, aud)
        rescheduled = 0
        if campaign is None:
            campaign = await self.tasks.create_campaign(
                kind=KIND,
                ref_key=key,
                ref_id=version,
                titles={loc: d.title for loc, d in docs.items()},
                audience=aud,
                due_at=due_at,
                policy=policy_for(KIND, self.settings.policies),
                created_by=actor.label,
            )
        elif campaign.due_at != due_at:
            rescheduled = await self.tasks.reschedule(campaign, due_at)
        ids = await self.assign(campaign)
        await audit.append(
            self.session,
            at=now,
            actor=actor.label,
            kind="pledge.published",
            subject=f"pledge:{key}:v{version}",
            payload={
                "campaign": campaign.id,
                "audience": aud.describe(),
                "assigned": len(ids),
                "due_at": due_at.isoformat() if due_at else None,
                "replaced": replaced,
                "rescheduled": rescheduled,
                "sha256": {loc: d.sha256 for loc, d in docs.items()},
            },
        )
        return PublishResult(
            key=key,
            version=version,
            new_version=new_version,
            campaign_id=campaign.id,
            assigned=len(ids),
            replaced=replaced,
            sha256={loc: d.sha256 for loc, d in docs.items()},
            rescheduled=rescheduled,
        )

    async def assign(self, campaign: Campaign) -> list[int]:
        """Assign to everyone in the audience who has no task for this version yet (in any
        campaign) and has not signed it, and send them the new-task message."""
        signed = select(Signature.person_id).where(
            Signature.pledge_key == campaign.ref_key, Signature.version == campaign.ref_id
        )
        tasked = (
            select(Assignment.person_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(
                Campaign.kind == KIND,
                Campaign.ref_key == campaign.ref_key,
                Campaign.ref_id == campaign.ref_id,
                Campaign.id != campaign.id,
                Assignment.status.in_([AssignmentStatus.OPEN, AssignmentStatus.EXCUSED]),
            )
        )
        pairs = await self.tasks.assign_pairs(campaign, exclude_people=signed.union(tasked))
        await self.notifier.task_messages(
            campaign, pairs, template="task-published", dedupe="published"
        )
        return [a for a, _ in pairs]

    async def _freeze(
        self, actor: Actor, key: str, docs: dict[str, PledgeDoc], now: datetime
    ) -> tuple[int, bool]:
        version = docs["zh_CN"].version
        existing = (
            (await self.session.execute(select(PledgeVersion).where(PledgeVersion.key == key)))
            .scalars()
            .all()
        )
        latest = max((v.version for v in existing), default=0)
        same = {v.locale: v for v in existing if v.version == version}
        if same:
            for loc, doc in docs.items():
                if loc not in same or same[loc].sha256 != doc.sha256:
                    raise VersionTextChanged(key=key, version=version)
            return version, False
        if version < latest:
            raise InvalidInput("pledge-error-version-older", version=version, latest=latest)
        for loc, doc in docs.items():
            self.session.add(
                PledgeVersion(
                    key=key,
                    version=version,
                    locale=loc,
                    title=doc.title,
                    body=doc.body,
                    sha256=doc.sha256,
                    audience_roles=",".join(doc.audience),
                    published_at=now,
                    published_by=actor.label,
                )
            )
        await self.session.flush()
        return version, True

    async def _active_campaigns(self, key: str) -> list[Campaign]:
        return [c for c in await self.tasks.active_campaigns(KIND) if c.ref_key == key]

    async def _campaign_for(self, key: str, version: int, aud: Audience) -> Campaign | None:
        """The active campaign of this version for this audience (a re-publish with another
        deadline moves its deadline instead of assigning everyone twice)."""
        for c in await self._active_campaigns(key):
            if c.ref_id == version and c.audience == aud.to_json():
                return c
        return None

    async def sync_new_people(self) -> int:
        """Give active pledge campaigns to people who joined their audience since."""
        total = 0
        for campaign in await self.tasks.active_campaigns(KIND):
            total += len(await self.assign(campaign))
        return total

    # --- reading and signing ------------------------------------------------------------

    async def _mine(self, person: Person, assignment_id: int) -> tuple[Assignment, Campaign]:
        row = (
            await self.session.execute(
                select(Assignment, Campaign)
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .where(Assignment.id == assignment_id, Campaign.kind == KIND)
            )
        ).first()
        if row is None or row[0].person_id != person.id:
            raise NotYours()
        return row[0], row[1]

    async def _text(self, key: str, version: int, locale: str | None) -> PledgeVersion:
        rows = (
            (
                await self.session.execute(
                    select(PledgeVersion).where(
                        PledgeVersion.key == key, PledgeVersion.version == version
                    )
                )
            )
            .scalars()
            .all()
        )
        by_loc = {r.locale: r for r in rows}
        return by_loc.get(locale or "") or by_loc["zh_CN"]

    async def reading(self, person: Person, assignment_id: int) -> Reading:
        assignment, campaign = await self._mine(person, assignment_id)
        await self._ensure_current(person, assignment, campaign)
        text = await self._text(campaign.ref_key, campaign.ref_id or 0, person.locale)
        return Reading(
            assignment_id=assignment.id,
            key=campaign.ref_key,
            title=text.title,
            version=text.version,
            sha256=text.sha256,
            pages=paginate(text.body),
            due_at=assignment.due_at,
            status=assignment.status,
        )

    async def _ensure_current(
        self, person: Person, assignment: Assignment, campaign: Campaign
    ) -> None:
        if assignment.status == AssignmentStatus.DONE:
            raise AlreadySigned(title=(campaign.titles or {}).get("zh_CN", campaign.ref_key))
        if assignment.status == AssignmentStatus.OPEN:
            return
        current = await self.tasks.current_open(person.id, KIND, campaign.ref_key)
        if current is not None:
            raise Superseded(current[0], version=campaign.ref_id, current=current[1])
        raise Superseded(None, version=campaign.ref_id, current="-")

    async def sign(
        self,
        person: Person,
        assignment_id: int,
        typed_name: str,
        *,
        account: Account,
        message_id: str | None,
    ) -> Signature:
        """Record the signature if the typed name matches the roster name."""
        assignment, campaign = await self._mine(person, assignment_id)
        await self._ensure_current(person, assignment, campaign)
        if normalize_name(typed_name) != normalize_name(person.name):
            raise WrongName()
        now = self.clock.now()
        text = await self._text(campaign.ref_key, campaign.ref_id or 0, person.locale)
        signature = Signature(
            person_id=person.id,
            assignment_id=assignment.id,
            pledge_version_id=text.id,
            pledge_key=campaign.ref_key,
            version=text.version,
            locale=text.locale,
            document_sha256=text.sha256,
            typed_name=typed_name,
            signed_at=now,
            channel=account.channel,
            channel_user_id=account.external_user_id,
            message_id=message_id,
        )
        event = await audit.append(
            self.session,
            at=now,
            actor=f"person:{person.employee_no}",
            kind="pledge.signed",
            subject=f"pledge:{campaign.ref_key}:v{text.version}",
            payload={
                "employee_no": person.employee_no,
                "name": person.name,
                "typed_name": typed_name,
                "pledge_version_id": text.id,
                "locale": text.locale,
                "sha256": text.sha256,
                "assignment": assignment.id,
                "channel": account.channel,
                "channel_user_id": account.external_user_id,
                "message_id": message_id,
            },
            # the row takes its number and audit hash from the event, so it is found by hash
            evidence=[audit.Evidence.of(signature, linked_by_hash=True)],
        )
        signature.signature_no = f"QS{event.id:08d}"  # the event's id: unique, rising
        signature.audit_hash = event.hash
        self.session.add(signature)
        assignment.status = AssignmentStatus.DONE
        assignment.done_at = now
        assignment.next_action_at = None
        await self.session.flush()
        return signature

    async def record_refused_name(self, person: Person, assignment_id: int, tries: int) -> None:
        """After the last wrong name: record the attempt (the person may try again later)."""
        await audit.append(
            self.session,
            at=self.clock.now(),
            actor=f"person:{person.employee_no}",
            kind="pledge.name_refused",
            subject=f"assignment:{assignment_id}",
            payload={"tries": tries},
        )

    async def current_assignment_for(self, person: Person, key: str) -> int | None:
        current = await self.tasks.current_open(person.id, KIND, key)
        return current[0] if current else None

    # --- office views -----------------------------------------------------------------

    async def latest_version(self, key: str) -> int:
        version = (
            await self.session.execute(
                select(func.max(PledgeVersion.version)).where(PledgeVersion.key == key)
            )
        ).scalar_one()
        if version is None:
            raise NotFound("pledge-error-not-published", key=key)
        return int(version)

    async def status(self, actor: Actor, key: str, *, unit: str | None = None) -> PledgeStatus:
        """Counts per unit for the latest version, and who is pending (office staff)."""
        actor.require(Role.OFFICE)
        version = await self.latest_version(key)
        now = self.clock.now()
        query = (
            select(
                Assignment.status, Assignment.due_at, Person.name, Person.employee_no, Unit.name
            )
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .join(Person, Person.id == Assignment.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(
                Campaign.kind == KIND,
                Campaign.ref_key == key,
                Campaign.ref_id == version,
                Assignment.status.in_(
                    [AssignmentStatus.OPEN, AssignmentStatus.DONE, AssignmentStatus.EXCUSED]
                ),
            )
            .order_by(Unit.name, Person.name)
        )
        if unit is not None:
            unit_ids = await self.tasks.unit_ids([unit])
            query = query.where(Person.unit_id.in_(unit_ids))
        counts: dict[str, list[int]] = {}
        pending: list[PendingPerson] = []
        for status, due, name, emp, unit_name in (await self.session.execute(query)).all():
            c = counts.setdefault(unit_name, [0, 0, 0, 0])
            c[0] += 1
            if status == AssignmentStatus.DONE:
                c[1] += 1
            elif status == AssignmentStatus.OPEN:
                c[2] += 1
                overdue = due is not None and due < now
                c[3] += overdue
                pending.append(PendingPerson(unit_name, name, emp, due, overdue))
        units = [UnitStatus(u, *c) for u, c in counts.items()]
        return PledgeStatus(key=key, version=version, units=units, pending=pending)

    async def export_rows(self, actor: Actor, key: str) -> list[dict[str, object]]:
        """One row per person assigned any version of the pledge: latest state first."""
        actor.require(Role.OFFICE)
        version = await self.latest_version(key)
        query = (
            join_responsibles(
                select(
                    Unit.name.label("unit"),
                    Person.name,
                    Person.employee_no,
                    MENTOR.c.name.label("mentor"),
                    LEADER.c.name.label("leader"),
                    Assignment.status,
                    Assignment.due_at,
                    Signature.signed_at,
                    Signature.version,
                    Signature.document_sha256,
                    Signature.signature_no,
                    Assignment.note,
                )
                .join(Campaign, Campaign.id == Assignment.campaign_id)
                .join(Person, Person.id == Assignment.person_id)
                .join(Unit, Unit.id == Person.unit_id)
            )
            .join(Signature, Signature.assignment_id == Assignment.id, isouter=True)
            .where(
                Campaign.kind == KIND,
                Campaign.ref_key == key,
                Campaign.ref_id == version,
                Assignment.status != AssignmentStatus.CANCELLED,
            )
            .order_by(Unit.name, Person.name)
        )
        return [dict(r._mapping) for r in (await self.session.execute(query)).all()]

    async def receipt(
        self, actor: Actor, signature_no: str
    ) -> tuple[Signature, PledgeVersion, Person]:
        actor.require(Role.OFFICE)
        sig = (
            await self.session.execute(
                select(Signature).where(Signature.signature_no == signature_no)
            )
        ).scalar_one_or_none()
        if sig is None:
            raise NotFound("pledge-error-no-such-signature", number=signature_no)
        text = await self.session.get(PledgeVersion, sig.pledge_version_id)
        person = await self.session.get(Person, sig.person_id)
        assert text is not None and person is not None
        return sig, text, person

    async def published_keys(self, actor: Actor) -> list[PublishedPledge]:
        """Every pledge key with a published version, newest version's titles (office)."""
        actor.require(Role.OFFICE)
        rows = await self.session.execute(
            select(
                PledgeVersion.key, PledgeVersion.version, PledgeVersion.locale, PledgeVersion.title
            )
        )
        latest: dict[str, PublishedPledge] = {}
        for key, version, locale, title in rows.all():
            have = latest.get(key)
            if have is None or version > have.version:
                latest[key] = have = PublishedPledge(key, version, {})
            if version == have.version:
                have.titles[locale] = title
        return [latest[k] for k in sorted(latest)]


__all__ = ["MAX_NAME_TRIES", "NotAllowed", "PledgeService"]
