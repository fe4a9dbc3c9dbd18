"""Training, the office's side: the kind, publishing a module version, status, export and
question statistics. The learner's side (lessons, quiz, attempts) is `training_learning`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from bot.actions import Btn
from bot.actor import Actor
from bot.content import ContentError
from bot.errors import DomainError, InvalidInput, NotFound
from bot.kinds import TaskKind
from bot.services import tasks as tasks_service
from bot.services.tasks import Audience, PublishResult, Titled, UnitCounts, unit_counts
from bot.services.training_learning import NotYours, TrainingLearning
from bot.training_content import (
    Module,
    load_modules,
)
from storage.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignKind,
    Role,
)
from storage.models_training import (
    TrainingAnswer,
    TrainingAttempt,
    TrainingProgress,
    TrainingVersion,
)


class ContentChanged(DomainError, key="training-error-content-changed"): ...


@dataclass(frozen=True, slots=True)
class UnitStatus(UnitCounts):
    exhausted: int = 0  # open, no attempt left

    @property
    def passed(self) -> int:
        return self.done


@dataclass(frozen=True, slots=True)
class PendingPerson(tasks_service.PendingPerson):
    attempts: int
    best_score: int | None
    exhausted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingStatus(tasks_service.VersionStatus[UnitStatus, PendingPerson]):
    attempts_allowed: int


@dataclass(frozen=True, slots=True)
class QuestionStat:
    number: int  # position in the quiz, from 1
    question_id: str
    topic: str
    text: str
    answered: int
    wrong: int

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class TrainingStats(Titled):
    version: int
    attempts: int
    people: int
    questions: list[QuestionStat]


def _passed(campaign: Campaign) -> Select[Any]:
    """Training done = passed: the people with a passed attempt of the campaign's version."""
    return select(TrainingAttempt.person_id).where(
        TrainingAttempt.key == campaign.ref_key,
        TrainingAttempt.version == campaign.ref_id,
        TrainingAttempt.passed.is_(True),
    )


def _started(campaign: Campaign) -> Select[Any]:
    """People with an open assignment of the campaign who had begun it."""
    return (
        select(Assignment.person_id)
        .join(TrainingProgress, TrainingProgress.assignment_id == Assignment.id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status == AssignmentStatus.OPEN,
        )
    )


KIND = TaskKind(
    CampaignKind.TRAINING.value,
    open_route=Btn.TRAINING_OPEN,
    not_yours=NotYours,
    done_people=_passed,
    started_people=_started,
    restart_template="training-restart-published",
    syncs_audience=True,
)


class TrainingService(TrainingLearning):
    kind = KIND

    # --- publishing -------------------------------------------------------------------

    def module_on_disk(self, key: str) -> Module:
        """The module as its files are now (not yet published)."""
        try:
            modules = load_modules(self.settings.content_dir)
        except ContentError as exc:
            raise InvalidInput("training-error-content", problem=str(exc)) from None
        if key not in modules:
            raise NotFound(
                "training-error-no-such-key", module=key, known=", ".join(sorted(modules)) or "-"
            )
        return modules[key]

    async def publish(
        self, actor: Actor, key: str, *, audience: str = "all", due_at: datetime | None = None
    ) -> PublishResult:
        """Freeze the module as a version (if new) and assign it to the audience. People
        who were midway through an older version hear that it was replaced and that they
        start the new one."""
        self.check_publish(actor, due_at)
        module = self.module_on_disk(key)
        row, new_version = await self._freeze(actor, module, self.clock.now())
        pub = await self.tasks.publish(
            KIND,
            actor,
            key=key,
            version=module.version,
            titles=dict(module.titles),
            audience=Audience.parse(audience).narrowed_to_roles(module.audience),
            due_at=due_at,
            evidence={"sha256": row.sha256},
        )
        return PublishResult.of(
            pub,
            key=key,
            version=module.version,
            new_version=new_version,
            titles=dict(module.titles),
            hashes={"": row.sha256},
        )

    async def _freeze(
        self, actor: Actor, module: Module, now: datetime
    ) -> tuple[TrainingVersion, bool]:
        existing = (
            (
                await self.session.execute(
                    select(TrainingVersion).where(TrainingVersion.key == module.key)
                )
            )
            .scalars()
            .all()
        )
        latest = max((v.version for v in existing), default=0)
        if module.version < latest:
            # going back would cancel the newer version's open tasks: publish a new number
            raise InvalidInput(
                "training-error-version-older", version=module.version, latest=latest
            )
        sha = module.sha256
        for row in existing:
            if row.version == module.version:
                if row.sha256 != sha:
                    raise ContentChanged(module=module.key, version=module.version)
                return row, False
        row = TrainingVersion(
            key=module.key,
            version=module.version,
            titles=dict(module.titles),
            content=module.to_json(),
            sha256=sha,
            pass_mark=module.pass_mark,
            attempts=module.attempts,
            question_count=len(module.content(None).questions),
            audience_roles=",".join(module.audience),
            published_at=now,
            published_by=actor.label,
        )
        self.session.add(row)
        await self.session.flush()
        return row, True

    # --- office views -----------------------------------------------------------------

    async def latest_version(self, key: str, version: int | None = None) -> TrainingVersion:
        query = select(TrainingVersion).where(TrainingVersion.key == key)
        if version is not None:
            query = query.where(TrainingVersion.version == version)
        row = (
            await self.session.execute(query.order_by(TrainingVersion.version.desc()).limit(1))
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("training-error-not-published", module=key)
        return row

    def _attempt_totals(self) -> Any:
        """Per assignment: attempts, best score, when it was passed."""
        return (
            select(
                TrainingAttempt.assignment_id.label("assignment_id"),
                func.count().label("attempts"),
                func.max(TrainingAttempt.score).label("best_score"),
                func.min(
                    case((TrainingAttempt.passed.is_(True), TrainingAttempt.finished_at))
                ).label("completed_at"),
            )
            .group_by(TrainingAttempt.assignment_id)
            .subquery()
        )

    async def status(self, actor: Actor, key: str, *, unit: str | None = None) -> TrainingStatus:
        """Counts per unit for the latest version, and who has not passed (office staff)."""
        actor.require(Role.OFFICE)
        version = await self.latest_version(key)
        now = self.clock.now()
        totals = self._attempt_totals()
        rows = await self.tasks.status_rows(
            KIND,
            key,
            version.version,
            unit=unit,
            extra=(totals.c.attempts, totals.c.best_score),
            outer=[(totals, totals.c.assignment_id == Assignment.id)],
        )
        pending = [
            PendingPerson(
                r.unit,
                r.name,
                r.employee_no,
                r.due_at,
                r.overdue(now),
                r.leave_until,
                r.waiting,
                r.extra[0] or 0,
                r.extra[1],
                (r.extra[0] or 0) >= version.attempts,
            )
            for r in rows
            if r.status == AssignmentStatus.OPEN
        ]
        exhausted: dict[str, int] = {}
        for p in pending:
            exhausted[p.unit] = exhausted.get(p.unit, 0) + p.exhausted
        return TrainingStatus(
            key=key,
            version=version.version,
            titles=dict(version.titles),
            attempts_allowed=version.attempts,
            units=[
                replace(u, exhausted=exhausted.get(u.unit, 0))
                for u in unit_counts(rows, now, UnitStatus)
            ],
            pending=pending,
        )

    async def export_rows(self, actor: Actor, key: str) -> list[dict[str, Any]]:
        """One row per person assigned the latest version: attempts, best score, passed at."""
        actor.require(Role.OFFICE)
        version = await self.latest_version(key)
        totals = self._attempt_totals()
        rows = await self.tasks.export_rows(
            KIND,
            key,
            version.version,
            columns=(totals.c.attempts, totals.c.best_score, totals.c.completed_at),
            outer=[(totals, totals.c.assignment_id == Assignment.id)],
        )
        for row in rows:
            row["attempts"] = row["attempts"] or 0
            row["attempts_allowed"] = version.attempts
            row["version"] = version.version
            row["sha256"] = version.sha256
        return rows

    async def stats(
        self, actor: Actor, key: str, *, version: int | None = None, locale: str | None = None
    ) -> TrainingStats:
        """For each question of a version, how many finished attempts got it wrong."""
        actor.require(Role.OFFICE)
        row = await self.latest_version(key, version)
        module = self._module(row)
        wrong = func.sum(case((TrainingAnswer.correct.is_(False), 1), else_=0))
        counts = {
            qid: (int(answered), int(missed or 0))
            for qid, answered, missed in (
                await self.session.execute(
                    select(TrainingAnswer.question_id, func.count(), wrong)
                    .where(TrainingAnswer.version_id == row.id)
                    .group_by(TrainingAnswer.question_id)
                )
            ).all()
        }
        attempts, people = (
            await self.session.execute(
                select(func.count(), func.count(func.distinct(TrainingAttempt.person_id))).where(
                    TrainingAttempt.version_id == row.id
                )
            )
        ).one()
        questions = [
            QuestionStat(i, q.id, q.topic, q.text, *counts.get(q.id, (0, 0)))
            for i, q in enumerate(module.content(locale).questions, start=1)
        ]
        return TrainingStats(
            key=key,
            version=row.version,
            titles=dict(row.titles),
            attempts=int(attempts),
            people=int(people),
            questions=questions,
        )

    def module_of(self, version: TrainingVersion) -> Module:
        """The frozen module of a published version."""
        return self._module(version)


__all__ = ["PublishResult", "TrainingService", "TrainingStats", "TrainingStatus"]
