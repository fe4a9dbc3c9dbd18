"""Pledges: publish a document version, read it page by page, sign it, report on it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select

from bot.actions import Btn
from bot.actor import Actor
from bot.content import ContentError, PledgeDoc, load_pledges, paginate
from bot.core import Account
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.kinds import TaskKind
from bot.services import tasks as tasks_service
from bot.services.base import project
from bot.services.tasks import (
    Audience,
    KindService,
    PendingPerson,
    PublishResult,
    Titled,
    UnitCounts,
    VersionStatus,
    unit_counts,
)
from bot.services.training import TrainingService
from bot.text import visible
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
from storage.models_training import TrainingAttempt, TrainingVersion

MAX_NAME_TRIES = 3
MAX_TYPED_NAME = 64  # characters of the typed signing name: a roster name's limit
SIGNATURE_SEQUENCE = "signature"  # storage.numbers: QS00000001, QS00000002, ...


class VersionTextChanged(DomainError, key="pledge-error-text-changed"): ...


class AlreadySigned(DomainError, key="pledge-already-signed"): ...


class Superseded(tasks_service.Superseded, key="pledge-superseded"): ...


class NotYours(DomainError, key="pledge-not-yours"): ...


class WrongName(DomainError, key="pledge-wrong-name"): ...


class TrainingChanged(DomainError, key="pledge-error-training-changed"): ...


class TrainingFirst(DomainError, key="pledge-training-first"):
    """The pledge version presupposes a training the person has not passed: signing waits.
    `training_assignment` is the person's open task of that training (None: none open)."""

    def __init__(self, training_assignment: int | None, /, **args: object) -> None:
        super().__init__(**args)
        self.training_assignment = training_assignment


@dataclass(frozen=True, slots=True)
class QualifyingAttempt(Titled):
    """The passed training attempt a signature rests on."""

    attempt_id: int
    version: int
    score: int
    finished_at: datetime
    sha256: str

    @classmethod
    def of(cls, attempt: TrainingAttempt, titles: dict[str, Any]) -> QualifyingAttempt:
        return cls(
            attempt.id,
            attempt.version,
            attempt.score,
            attempt.finished_at,
            attempt.sha256,
            key=attempt.key,
            titles={k: str(v) for k, v in titles.items()},  # the module's, by locale
        )


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
    training_key: str | None = None  # the module the version presupposes


class UnitStatus(UnitCounts):
    __slots__ = ()

    @property
    def signed(self) -> int:
        return self.done


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgeStatus(VersionStatus[UnitStatus, PendingPerson]):
    """A pledge's latest version: who signed it per unit, and who has not yet."""


@dataclass(frozen=True, slots=True)
class PublishedPledge(Titled):
    version: int  # the latest published version


def normalize_name(value: str) -> str:
    """Compare names ignoring spaces, full-width forms, dot variants and Latin case."""
    text = visible(unicodedata.normalize("NFKC", value))
    text = re.sub(r"[\u00b7\u2022\u2027\u30fb\uff65•．.]", "·", text)
    return "".join(text.split()).casefold()


def _signed(campaign: Campaign) -> Select[Any]:
    """Pledge done = signed: the people with a signature of the campaign's version."""
    return select(Signature.person_id).where(
        Signature.pledge_key == campaign.ref_key, Signature.version == campaign.ref_id
    )


def _passed(person_id: Any, training_key: Any) -> ColumnElement[bool]:
    """The person has passed some version of the training module."""
    return (
        exists()
        .where(
            TrainingAttempt.person_id == person_id,
            TrainingAttempt.key == training_key,
            TrainingAttempt.passed.is_(True),
        )
        .correlate_except(TrainingAttempt)  # the person's row is two queries out
    )


def _waiting_for_training() -> ColumnElement[bool]:
    """The campaign's pledge version presupposes a training the assignment's person has
    not passed (the status views' "waiting for training")."""
    return (
        exists()
        .where(
            PledgeVersion.key == Campaign.ref_key,
            PledgeVersion.version == Campaign.ref_id,
            PledgeVersion.training_key.is_not(None),
            ~_passed(Assignment.person_id, PledgeVersion.training_key),
        )
        .correlate_except(PledgeVersion)
    )


KIND = TaskKind(
    CampaignKind.PLEDGE.value,
    open_route=Btn.PLEDGE_OPEN,
    not_yours=NotYours,
    done_people=_signed,
    syncs_audience=True,
    waiting=_waiting_for_training,
)


@dataclass(frozen=True, slots=True)
class LetterState(Titled):
    """Where a person stands with the responsibility letter's newest published version."""

    version: int | None  # None: the letter was never published
    signed_at: datetime | None = None
    due_at: datetime | None = None  # of an open task for it
    assigned: bool = False  # holds an open task for it


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
        whom = Audience.parse(audience).narrowed_to_roles(docs["zh_CN"].audience)
        training = docs["zh_CN"].training
        evidence: dict[str, Any] = {"sha256": sha256}
        if training is not None:
            evidence["training"] = training
        pub = await self.tasks.publish(
            KIND,
            actor,
            key=key,
            version=version,
            titles=titles,
            audience=whom,
            due_at=due_at,
            evidence=evidence,
        )
        result = PublishResult.of(
            pub, key=key, version=version, new_version=new_version, titles=titles, hashes=sha256
        )
        if training is None:
            return result
        # signing presupposes the training: whoever of the audience has not passed it gets
        # it as a task of its own, with the pledge's deadline
        first = await self._training().publish(
            actor, training, audience=whom.describe(), due_at=due_at
        )
        return replace(result, prerequisite=first)

    def _training(self) -> TrainingService:
        return self.sibling(TrainingService, notifier=self.notifier, tasks=self.tasks)

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
                if same[loc].training_key != doc.training:  # part of what is signed
                    raise TrainingChanged(key=key, version=version)
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
                    training_key=doc.training,
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
        return project(
            Reading,
            text,
            assignment_id=assignment.id,
            pages=paginate(text.body),
            due_at=assignment.due_at,
            status=assignment.status,
        )

    async def may_sign(self, person: Person, assignment_id: int) -> Reading:
        """The pledge, if the person may sign it now; TrainingFirst while the training it
        presupposes is not passed (the sign button then leads to the training)."""
        assignment, campaign = await self.mine(person, assignment_id)
        await self._ensure_current(person, assignment, campaign)
        await self.qualifying_attempt(person, campaign.ref_key, campaign.ref_id or 0)
        return await self.reading(person, assignment_id)

    async def qualifying_attempt(
        self, person: Person, key: str, version: int
    ) -> QualifyingAttempt | None:
        """The person's passed attempt of the training the version presupposes (the latest),
        None when it presupposes none; TrainingFirst when there is no passed attempt."""
        text = await self._text(key, version, person.locale)
        if text.training_key is None:
            return None
        passed = (
            await self.session.execute(
                self._attempts()
                .where(
                    TrainingAttempt.person_id == person.id,
                    TrainingAttempt.key == text.training_key,
                    TrainingAttempt.passed.is_(True),
                )
                .order_by(TrainingAttempt.finished_at.desc(), TrainingAttempt.id.desc())
                .limit(1)
            )
        ).first()
        if passed is not None:
            return QualifyingAttempt.of(*passed)
        task = await self.tasks.current_open(person.id, CampaignKind.TRAINING, text.training_key)
        raise TrainingFirst(
            task[0] if task else None,
            title=text.title,
            training=await self._training_title(text.training_key, person.locale),
        )

    async def _training_title(self, key: str, locale: str | None) -> str:
        titles = (
            await self.session.execute(
                select(TrainingVersion.titles)
                .where(TrainingVersion.key == key)
                .order_by(TrainingVersion.version.desc())
                .limit(1)
            )
        ).scalar_one_or_none() or {}
        return str(titles.get(locale or "") or titles.get("zh_CN") or key)

    async def signable_now(self, person: Person) -> list[tuple[int, str]]:
        """(assignment id, title) of the person's open pledges that waited for a training
        the person has passed since: offered right after the passing result."""
        rows = await self.session.execute(
            select(Assignment.id, Campaign.titles)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(
                Assignment.person_id == person.id,
                Assignment.status == AssignmentStatus.OPEN,
                Campaign.kind == KIND.name,
                exists().where(
                    PledgeVersion.key == Campaign.ref_key,
                    PledgeVersion.version == Campaign.ref_id,
                    PledgeVersion.training_key.is_not(None),
                    _passed(person.id, PledgeVersion.training_key),
                ),
            )
            .order_by(Assignment.id)
        )
        loc = person.locale or "zh_CN"
        return [(aid, str(t.get(loc) or t.get("zh_CN") or "")) for aid, t in rows.all()]

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
        trained = await self.qualifying_attempt(person, campaign.ref_key, campaign.ref_id or 0)
        # as kept: no invisible characters, white space collapsed, at most a roster name long
        typed_name = " ".join(visible(typed_name).split())
        if len(typed_name) > MAX_TYPED_NAME:
            raise InvalidInput("pledge-name-too-long", limit=MAX_TYPED_NAME)
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
            training_attempt_id=trained.attempt_id if trained else None,
        )
        payload: dict[str, Any] = {}
        if trained is not None:  # the qualifying attempt: module version, score, time
            payload["training"] = {
                "attempt": trained.attempt_id,
                "module": trained.key,
                "version": trained.version,
                "score": trained.score,
                "passed_at": trained.finished_at.isoformat(),
                "sha256": trained.sha256,
            }
        event = await self.audit_event(
            Actor.of(person),
            "pledge.signed",
            f"pledge:{campaign.ref_key}:v{text.version}",
            {
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
                **payload,
            },
            at=now,
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

    async def attempt_of(self, signature: Signature) -> QualifyingAttempt | None:
        """The training attempt a signature rests on (None: its version presupposes none)."""
        if signature.training_attempt_id is None:
            return None
        row = (
            await self.session.execute(
                self._attempts().where(TrainingAttempt.id == signature.training_attempt_id)
            )
        ).one()
        return QualifyingAttempt.of(*row)

    def _attempts(self) -> Select[tuple[TrainingAttempt, dict[str, Any]]]:
        return select(TrainingAttempt, TrainingVersion.titles).join(
            TrainingVersion, TrainingVersion.id == TrainingAttempt.version_id
        )

    async def _last_signature_number(self) -> int:
        """The highest signature number given before the counter existed (they were
        audit sequence numbers then)."""
        last = await self.session.scalar(select(func.max(Signature.signature_no)))
        return int(last[2:]) if last else 0

    async def record_refused_name(self, person: Person, assignment_id: int, tries: int) -> None:
        """After the last wrong name: record the attempt (the person may try again later)."""
        await self.audit_event(
            Actor.of(person),
            "pledge.name_refused",
            f"assignment:{assignment_id}",
            {"tries": tries},
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
        titles = await self.session.execute(
            select(PledgeVersion.locale, PledgeVersion.title).where(
                PledgeVersion.key == key, PledgeVersion.version == version
            )
        )
        return PledgeStatus(
            key=key,
            version=version,
            titles={locale: title for locale, title in titles.all()},
            units=unit_counts(rows, now, UnitStatus),
            pending=[PendingPerson.of(r, now) for r in rows if r.status == AssignmentStatus.OPEN],
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

    # --- the responsibility letter and its successors (issue 21) -----------------------

    async def give_successors(self, actor: Actor, successors: Sequence[int]) -> list[int]:
        """若责任人工作调整，由继任人继续履行责任: a mentor officer or leader who takes over
        an auxiliary is given the responsibility letter's current version (the pledge
        MUSTER_RESPONSIBILITY_PLEDGE), unless he signed it or holds a task for it already.
        Returns the people given it now."""
        actor.require(Role.OFFICE)
        key = self.settings.responsibility_pledge
        if not key or not successors:
            return []
        campaign = (
            await self.session.execute(
                select(Campaign)
                .where(
                    Campaign.kind == KIND.name,
                    Campaign.ref_key == key,
                    Campaign.active.is_(True),
                )
                .order_by(Campaign.ref_id.desc(), Campaign.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if campaign is None:
            return []  # never published: nothing to sign yet
        pairs = await self.tasks.give(KIND, campaign, people=sorted(set(successors)))
        if pairs:
            numbers = await self.session.execute(
                select(Person.employee_no).where(Person.id.in_([p for _, p in pairs]))
            )
            await self.audit_event(
                actor,
                "pledge.successor_assigned",
                f"pledge:{key}:v{campaign.ref_id}",
                {"campaign": campaign.id, "people": sorted(numbers.scalars())},
            )
        return [p for _, p in pairs]

    async def letter_states(self, actor: Actor, people: Sequence[int]) -> dict[int, LetterState]:
        """Whether each person signed the responsibility letter's newest published version,
        or holds an open task for it (office staff)."""
        actor.require(Role.OFFICE)
        key = self.settings.responsibility_pledge
        rows = (
            await self.session.execute(
                select(PledgeVersion.version, PledgeVersion.locale, PledgeVersion.title).where(
                    PledgeVersion.key == key
                )
            )
        ).all()
        version = max((v for v, _, _ in rows), default=None)
        titles = {loc: title for v, loc, title in rows if v == version}
        ids = sorted(set(people))
        if version is None or not ids:
            return {pid: LetterState(version, key=key, titles=titles) for pid in ids}
        signed = dict(
            (
                await self.session.execute(
                    select(Signature.person_id, func.min(Signature.signed_at))
                    .where(
                        Signature.pledge_key == key,
                        Signature.version == version,
                        Signature.person_id.in_(ids),
                    )
                    .group_by(Signature.person_id)
                )
            ).all()
        )
        waiting = dict(
            (
                await self.session.execute(
                    select(Assignment.person_id, func.min(Assignment.due_at))
                    .join(Campaign, Campaign.id == Assignment.campaign_id)
                    .where(
                        Campaign.kind == KIND.name,
                        Campaign.ref_key == key,
                        Campaign.ref_id == version,
                        Assignment.status == AssignmentStatus.OPEN,
                        Assignment.person_id.in_(ids),
                    )
                    .group_by(Assignment.person_id)
                )
            ).all()
        )
        return {
            pid: LetterState(
                version,
                key=key,
                titles=titles,
                signed_at=signed.get(pid),
                due_at=waiting.get(pid),
                assigned=pid in waiting,
            )
            for pid in ids
        }

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
                latest[key] = have = PublishedPledge(version, key=key, titles={})
            if version == have.version:
                have.titles[locale] = title
        return [latest[k] for k in sorted(latest)]


__all__ = ["MAX_NAME_TRIES", "NotAllowed", "PledgeService", "PublishResult"]
