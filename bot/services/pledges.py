"""Pledges: publish a document version, read it page by page, sign it, report on it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from bot.actions import Btn
from bot.actor import Actor
from bot.content import ContentError, PledgeDoc, load_pledges, paginate
from bot.core import Account
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.kinds import TaskKind
from bot.policy import Policy
from bot.services import tasks as tasks_service
from bot.services.tasks import (
    Audience,
    KindService,
    PendingPerson,
    PublishResult,
    UnitCounts,
    unit_counts,
)
from storage import audit, numbers
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignKind,
    Person,
    PledgeVersion,
    Role,
    Signature,
)

MAX_NAME_TRIES = 3
SIGNATURE_SEQUENCE = "signature"  # storage.numbers: QS00000001, QS00000002, ...


class VersionTextChanged(DomainError, key="pledge-error-text-changed"): ...


class AlreadySigned(DomainError, key="pledge-already-signed"): ...


class Superseded(tasks_service.Superseded, key="pledge-superseded"): ...


class NotYours(DomainError, key="pledge-not-yours"): ...


class WrongName(DomainError, key="pledge-wrong-name"): ...


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


class UnitStatus(UnitCounts):
    __slots__ = ()

    @property
    def signed(self) -> int:
        return self.done


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


def _signed(campaign: Campaign) -> Select[Any]:
    """Pledge done = signed: the people with a signature of the campaign's version."""
    return select(Signature.person_id).where(
        Signature.pledge_key == campaign.ref_key, Signature.version == campaign.ref_id
    )


KIND = TaskKind(
    CampaignKind.PLEDGE.value,
    open_label_key="btn-pledge-read",
    open_route=Btn.PLEDGE_OPEN,
    name_key="kind-pledge",
    policy=Policy(),
    not_yours=NotYours,
    done_people=_signed,
    syncs_audience=True,
)


class PledgeService(KindService):
    kind = KIND

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
        self.check_publish(actor, due_at)
        docs = self.documents(key)
        version, new_version = await self._freeze(actor, key, docs, self.clock.now())
        sha256 = {loc: d.sha256 for loc, d in docs.items()}
        titles = {loc: d.title for loc, d in docs.items()}
        pub = await self.tasks.publish(
            KIND,
            actor,
            key=key,
            version=version,
            titles=titles,
            audience=Audience.parse(audience).narrowed_to_roles(docs["zh_CN"].audience),
            due_at=due_at,
            evidence={"sha256": sha256},
        )
        return PublishResult.of(
            pub, key=key, version=version, new_version=new_version, titles=titles, hashes=sha256
        )

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

    # --- reading and signing ------------------------------------------------------------

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
        assignment, campaign = await self.mine(person, assignment_id)
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
        current = await self.tasks.current_open(person.id, KIND.name, campaign.ref_key)
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
        assignment, campaign = await self.mine(person, assignment_id)
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
        number = await numbers.next_number(
            self.session, SIGNATURE_SEQUENCE, start_after=self._last_signature_number
        )
        signature.signature_no = f"QS{number:08d}"  # its own gapless counter (issue 19.9)
        signature.audit_hash = event.hash
        self.session.add(signature)
        assignment.status = AssignmentStatus.DONE
        assignment.done_at = now
        assignment.next_action_at = None
        await self.session.flush()
        return signature

    async def _last_signature_number(self) -> int:
        """The highest signature number given before the counter existed (they were
        audit sequence numbers then)."""
        last = await self.session.scalar(select(func.max(Signature.signature_no)))
        return int(last[2:]) if last else 0

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
        current = await self.tasks.current_open(person.id, KIND.name, key)
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
        rows = await self.tasks.status_rows(KIND, key, version, unit=unit)
        return PledgeStatus(
            key=key,
            version=version,
            units=unit_counts(rows, now, UnitStatus),
            pending=[
                PendingPerson(r.unit, r.name, r.employee_no, r.due_at, r.overdue(now))
                for r in rows
                if r.status == AssignmentStatus.OPEN
            ],
        )

    async def export_rows(self, actor: Actor, key: str) -> list[dict[str, object]]:
        """One row per person assigned the latest version of the pledge."""
        actor.require(Role.OFFICE)
        version = await self.latest_version(key)
        return await self.tasks.export_rows(
            KIND,
            key,
            version,
            columns=(
                Signature.signed_at,
                Signature.version,
                Signature.document_sha256,
                Signature.signature_no,
            ),
            outer=[(Signature.__table__, Signature.assignment_id == Assignment.id)],
        )

    async def receipt(
        self, actor: Actor, signature_no: str
    ) -> tuple[Signature, PledgeVersion, Person]:
        """One signature with its text and signer, for the receipt: office staff, and the
        signer (his own receipt, to keep and print); anyone else's does not exist."""
        sig = (
            await self.session.execute(
                select(Signature).where(Signature.signature_no == signature_no)
            )
        ).scalar_one_or_none()
        own = sig is not None and actor.person is not None and sig.person_id == actor.person.id
        if not own:
            actor.require(Role.OFFICE)
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


__all__ = ["MAX_NAME_TRIES", "NotAllowed", "PledgeService", "PublishResult"]
