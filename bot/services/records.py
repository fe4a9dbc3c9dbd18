"""My records: what a person has done, read back to them.

Completed tasks with their dates, pledge signatures (and their receipts again), training
results, and, for auxiliaries, past check-ins (bot/services/checkins.py `history`) and their
hotline questions (bot/services/hotline.py `my_tickets`). Every method reads the actor's
own rows only: no argument names another person, and a receipt or an attempt of someone
else does not exist for the caller (NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.actor import Actor
from bot.errors import NotAllowed, NotFound
from bot.services.base import Service, project
from bot.services.tasks import CampaignTitled, Titled
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    Person,
    PledgeVersion,
    Signature,
)
from storage.models_training import TrainingAttempt, TrainingVersion

PAGE = 10  # completed tasks per page


@dataclass(frozen=True, slots=True)
class DoneTask(CampaignTitled):
    assignment_id: int
    status: str  # done | excused
    done_at: datetime | None
    due_at: datetime | None
    note: str | None  # the reason of an excuse

    @property
    def late(self) -> bool:
        return (
            self.status == AssignmentStatus.DONE
            and self.done_at is not None
            and self.due_at is not None
            and self.done_at > self.due_at
        )


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    id: int
    signature_no: str
    pledge_key: str
    version: int
    title: str
    signed_at: datetime
    document_sha256: str


@dataclass(frozen=True, slots=True)
class TrainingRecord(Titled):
    version: int
    attempt_no: int
    attempts: int  # allowed
    score: int
    pass_mark: int
    passed: bool
    finished_at: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class Counts:
    done: int
    signatures: int
    attempts: int


def _me(actor: Actor) -> Person:
    if actor.person is None:
        raise NotAllowed()
    return actor.person


class RecordsService(Service):
    async def counts(self, actor: Actor) -> Counts:
        """How many completed tasks, signatures and training attempts the actor has."""
        me = _me(actor)
        done = await self.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.person_id == me.id, Assignment.status.in_(_FINISHED))
        )
        signatures = await self.session.scalar(
            select(func.count()).select_from(Signature).where(Signature.person_id == me.id)
        )
        attempts = await self.session.scalar(
            select(func.count())
            .select_from(TrainingAttempt)
            .where(TrainingAttempt.person_id == me.id)
        )
        return Counts(int(done or 0), int(signatures or 0), int(attempts or 0))

    async def done_tasks(self, actor: Actor, *, page: int = 0) -> tuple[list[DoneTask], int]:
        """The actor's completed (and excused) tasks, latest first, one page; and how many
        there are in all."""
        me = _me(actor)
        where = (Assignment.person_id == me.id, Assignment.status.in_(_FINISHED))
        total = int(
            await self.session.scalar(select(func.count()).select_from(Assignment).where(*where))
            or 0
        )
        rows = await self.session.execute(
            select(Assignment, Campaign)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(*where)
            .order_by(Assignment.done_at.desc(), Assignment.id.desc())
            .offset(max(page, 0) * PAGE)
            .limit(PAGE)
        )
        return [
            DoneTask(
                a.id,
                a.status,
                a.done_at,
                a.due_at,
                a.note if a.status == AssignmentStatus.EXCUSED else None,
                kind=c.kind,
                ref_key=c.ref_key,
                titles=dict(c.titles or {}),
            )
            for a, c in rows.all()
        ], total

    async def signatures(self, actor: Actor) -> list[SignatureRecord]:
        """The actor's pledge signatures, latest first."""
        me = _me(actor)
        rows = await self.session.execute(
            select(Signature, PledgeVersion.title)
            .join(PledgeVersion, PledgeVersion.id == Signature.pledge_version_id)
            .where(Signature.person_id == me.id)
            .order_by(Signature.signed_at.desc(), Signature.id.desc())
        )
        return [project(SignatureRecord, s, title=title) for s, title in rows.all()]

    async def receipt(
        self, actor: Actor, signature_id: int
    ) -> tuple[Signature, PledgeVersion, Person]:
        """One of the actor's own signatures with the text signed: the receipt again."""
        me = _me(actor)
        sig = await self.session.get(Signature, signature_id)
        if sig is None or sig.person_id != me.id:
            raise NotFound("records-error-no-receipt")
        text = await self.session.get(PledgeVersion, sig.pledge_version_id)
        assert text is not None
        return sig, text, me

    async def training(self, actor: Actor) -> list[TrainingRecord]:
        """Every training attempt of the actor, latest first, with the module's pass mark."""
        me = _me(actor)
        rows = await self.session.execute(
            select(TrainingAttempt, TrainingVersion)
            .join(TrainingVersion, TrainingVersion.id == TrainingAttempt.version_id)
            .where(TrainingAttempt.person_id == me.id)
            .order_by(TrainingAttempt.finished_at.desc(), TrainingAttempt.id.desc())
        )
        return [
            project(
                TrainingRecord,
                a,
                attempts=v.attempts,
                pass_mark=v.pass_mark,
                titles=dict(v.titles or {}),
            )
            for a, v in rows.all()
        ]


_FINISHED = (AssignmentStatus.DONE, AssignmentStatus.EXCUSED)
