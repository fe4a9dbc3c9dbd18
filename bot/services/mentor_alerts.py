"""Mentors told of hazards and requests for help in their auxiliaries' check-ins.

A check-in whose mentor-visible answers report a hazard, or write something for the mentor
(what the hazard is, what the auxiliary needs from him), leaves a `MentorAlert`. It goes out
in the mentor's next digest: the next escalation digest the deadline engine sends him, or
at the latest the daily round at MUSTER_MENTOR_DIGEST_AT (17:00 local). The auxiliary may
mark it urgent: then it goes to the mentor at once, quiet hours or not. The mentor is the
one bound when it goes out (as for escalations). A correction of the check-in replaces an
alert not yet sent, and tells the mentor again when the first one was.

Only mentor-visible answers are shown, and the query itself selects them: an office-only
answer is never loaded here, so it cannot reach a mentor by any path of this module.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from bot.actor import Actor
from bot.checkin_content import CheckinContentError, Form, cached_form
from bot.checkin_render import answer_line
from bot.config import Settings
from bot.errors import DomainError, NotFound
from bot.i18n import Translator
from bot.notify import PRIORITY_URGENT
from bot.services.base import NotifyingService
from bot.text import html_join
from storage import outbox
from storage import people as people_repo
from storage.models import Binding, Person
from storage.models_checkin import CheckinAnswer, CheckinResponse, MentorAlert, Visibility

MAX_PER_DIGEST = 30  # people's alerts written out in one digest; the rest are counted


class Outcome(enum.StrEnum):
    DIGEST = "digest"  # went out in a digest
    URGENT = "urgent"  # sent at once
    SUPERSEDED = "superseded"  # corrected before it went out
    NO_MENTOR = "no_mentor"  # nobody bound to tell


class AlreadyUrgent(DomainError, key="alert-already-urgent"): ...


class NoMentor(DomainError, key="alert-no-mentor"): ...


class AlertGone(DomainError, key="alert-gone"): ...


@dataclass(frozen=True, slots=True)
class AlertAnswer:
    question_id: str
    value: str
    hazard: bool


@dataclass(slots=True)
class AlertView:
    id: int
    person_id: int
    name: str
    week: str
    corrects: bool
    answers: list[AlertAnswer] = field(default_factory=list)


def tells_mentor(form: Form, answers: Mapping[str, str]) -> bool:
    """Whether a check-in's answers tell the mentor something: a hazard, or a written
    answer he may read (office-only answers never count)."""
    for qid, value in answers.items():
        q = form.question(qid)
        if q is None or q.visibility != Visibility.MENTOR:
            continue
        if q.is_hazard(value) or (q.type == "text" and value.strip()):
            return True
    return False


def next_digest_at(now: datetime, settings: Settings) -> datetime:
    """The next daily mentor digest after `now` (MUSTER_MENTOR_DIGEST_AT, local)."""
    hh, mm = settings.mentor_digest_at.split(":")
    local = now.astimezone(settings.tz)
    at = datetime.combine(local.date(), time(int(hh), int(mm)), tzinfo=settings.tz)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(now.tzinfo)


def _mentor_of(person: Any) -> Any:
    """The current binding of the alert's auxiliary (an outer join: none is possible)."""
    return and_(Binding.auxiliary_id == person, Binding.valid_to.is_(None))


class MentorAlerts(NotifyingService):
    def _form(self) -> Form | None:
        try:
            return cached_form(self.settings.content_dir)
        except CheckinContentError:
            return None  # the answers still show, by question id

    # --- recording (the check-in service, in the answer's transaction) -------------------

    async def record(
        self,
        person: Person,
        response: CheckinResponse,
        *,
        tells: bool,
        previous_id: int | None = None,
    ) -> MentorAlert | None:
        """Keep an alert for the response if it tells the mentor something. A correction
        settles the previous response's alert if it has not gone out, and is told itself
        when it has (the mentor knew the old answers)."""
        now = self.clock.now()
        corrects = False
        if previous_id is not None:
            old = await self._of_response(previous_id)
            if old is not None and old.queued_at is None:
                old.queued_at, old.outcome = now, Outcome.SUPERSEDED
            elif old is not None and old.outcome != Outcome.NO_MENTOR:
                corrects = True
        if not tells and not corrects:
            await self.session.flush()
            return None
        alert = MentorAlert(
            response_id=response.id,
            person_id=person.id,
            week=response.week,
            corrects=corrects,
            created_at=now,
            digest_at=next_digest_at(now, self.settings),
        )
        self.session.add(alert)
        await self.session.flush()
        return alert

    async def _of_response(self, response_id: int) -> MentorAlert | None:
        return (
            await self.session.execute(
                select(MentorAlert).where(MentorAlert.response_id == response_id)
            )
        ).scalar_one_or_none()

    # --- the auxiliary marks it urgent ----------------------------------------------------

    async def mark_urgent(self, actor: Actor, response_id: int) -> Person:
        """Send the alert of the actor's own check-in to the mentor now; the mentor told.
        A second press acts once (AlreadyUrgent)."""
        if actor.person is None:
            raise NotFound()
        me = actor.person
        alert = await self._of_response(response_id)
        if alert is None or alert.person_id != me.id:
            raise NotFound()
        if alert.outcome == Outcome.URGENT:
            assert alert.urgent_at is not None
            raise AlreadyUrgent(at=self.notifier.t(me.locale).time(alert.urgent_at))
        if alert.outcome == Outcome.SUPERSEDED:
            raise AlertGone()
        binding = await people_repo.current_binding(self.session, me.id)
        mentor = (
            await people_repo.person_by_id(self.session, binding.mentor_id)
            if binding is not None and binding.mentor_id is not None
            else None
        )
        if mentor is None:
            raise NoMentor()
        now = self.clock.now()
        [view] = (await self._views([alert], {alert.id: mentor.id}))[mentor.id]
        t = self.notifier.t(mentor.locale)
        key = f"alert-urgent:{alert.id}"
        await outbox.enqueue(
            self.session,
            [
                outbox.row_for(
                    outbox.Outgoing(
                        kind="checkin.alert",
                        ref=f"person:{me.id}",
                        text=html_join([t("alert-urgent-title"), *self._lines(t, [view])]),
                        buttons=[],
                        not_before=now,  # urgent: not held back by quiet hours
                        now=now,
                        priority=PRIORITY_URGENT,
                    ),
                    person_id=mentor.id,
                    account=await self.notifier.account_of(mentor.id),
                    dedupe_key=key,
                )
            ],
        )
        alert.urgent_at, alert.queued_at, alert.queued_key = now, now, key
        alert.sent_to_id, alert.outcome = mentor.id, Outcome.URGENT
        await self.session.flush()
        await self.audit_event(
            actor,
            "checkin.alert_urgent",
            f"checkin:{alert.week}",
            {"response": response_id, "mentor": mentor.employee_no},
            at=now,
        )
        return mentor

    # --- digests (the deadline engine) ------------------------------------------------------

    async def due_mentors(self, now: datetime) -> set[int]:
        """Mentors (bound now) of auxiliaries whose alert waited until its digest time.
        Alerts of people with no mentor are settled: nobody to tell."""
        rows = (
            await self.session.execute(
                select(MentorAlert.id, Binding.mentor_id)
                .outerjoin(Binding, _mentor_of(MentorAlert.person_id))
                .where(MentorAlert.queued_at.is_(None), MentorAlert.digest_at <= now)
            )
        ).all()
        orphans = [aid for aid, mentor in rows if mentor is None]
        for i in range(0, len(orphans), outbox.CHUNK):
            await self.session.execute(
                update(MentorAlert)
                .where(MentorAlert.id.in_(orphans[i : i + outbox.CHUNK]))
                .values(queued_at=now, outcome=Outcome.NO_MENTOR)
                .execution_options(synchronize_session=False)
            )
        return {mentor for _, mentor in rows if mentor is not None}

    async def for_digest(
        self, mentor_ids: Sequence[int], key: Callable[[int], str]
    ) -> dict[int, list[AlertView]]:
        """Each mentor's alerts that have not gone out yet, and those already in the
        message `key(mentor)` (a digest rebuilt in its round keeps them), oldest first."""
        if not mentor_ids:
            return {}
        rows = (
            await self.session.execute(
                select(MentorAlert, Binding.mentor_id)
                .join(Binding, _mentor_of(MentorAlert.person_id))
                .where(
                    Binding.mentor_id.in_(list(mentor_ids)),
                    or_(
                        MentorAlert.queued_at.is_(None),
                        MentorAlert.queued_key.in_([key(m) for m in mentor_ids]),
                    ),
                )
                .order_by(MentorAlert.created_at, MentorAlert.id)
            )
        ).all()
        mentor_of = {a.id: m for a, m in rows if m is not None}  # an inner join: never None
        return await self._views([a for a, _ in rows], mentor_of)

    async def _views(
        self, alerts: Sequence[MentorAlert], mentor_of: Mapping[int, int]
    ) -> dict[int, list[AlertView]]:
        if not alerts:
            return {}
        names = dict(
            (
                await self.session.execute(
                    select(Person.id, Person.name).where(
                        Person.id.in_({a.person_id for a in alerts})
                    )
                )
            ).all()
        )
        views = {
            a.response_id: AlertView(a.id, a.person_id, names[a.person_id], a.week, a.corrects)
            for a in alerts
        }
        form = self._form()
        ids = list(views)
        for i in range(0, len(ids), outbox.CHUNK):
            answers = await self.session.execute(
                select(CheckinAnswer)
                .where(
                    CheckinAnswer.response_id.in_(ids[i : i + outbox.CHUNK]),
                    # the visibility rule, in the query: office-only rows are never loaded
                    CheckinAnswer.visibility == Visibility.MENTOR.value,
                )
                .order_by(CheckinAnswer.id)
            )
            for a in answers.scalars():
                q = form.question(a.question_id) if form is not None else None
                if a.hazard or q is None or q.type == "text":  # not every "no"
                    views[a.response_id].answers.append(
                        AlertAnswer(a.question_id, a.value, a.hazard)
                    )
        out: dict[int, list[AlertView]] = defaultdict(list)
        for alert in alerts:
            out[mentor_of[alert.id]].append(views[alert.response_id])
        return dict(out)

    def _lines(self, t: Translator, views: Iterable[AlertView]) -> list[str]:
        form = self._form() or Form(version=0, questions=(), path=self.settings.content_dir)
        lines: list[str] = []
        for v in views:
            key = "alert-person-corrected" if v.corrects else "alert-person"
            lines.append(t(key, name=v.name, week=v.week))
            if not v.answers:
                lines.append(t("alert-nothing-now"))
            lines.extend(answer_line(t, form, a.question_id, a.value, a.hazard) for a in v.answers)
        return lines

    def digest_text(self, locale: str | None, views: Sequence[AlertView], before: str) -> str:
        """The digest `before` (may be empty) followed by the alerts' section."""
        t = self.notifier.t(locale)
        shown = views[:MAX_PER_DIGEST]
        parts = [t("alert-digest-title", count=len({v.person_id for v in views}))]
        parts.extend(self._lines(t, shown))
        if len(views) > MAX_PER_DIGEST:
            parts.append(t("alert-digest-more", count=len(views) - MAX_PER_DIGEST))
        section = html_join(parts)
        return html_join([before, "", section]) if before else section

    async def mark_queued(
        self, by_mentor: Mapping[int, Sequence[AlertView]], key: Callable[[int], str]
    ) -> None:
        now = self.clock.now()
        for mentor_id, views in by_mentor.items():
            ids = [v.id for v in views]
            await self.session.execute(
                update(MentorAlert)
                .where(MentorAlert.id.in_(ids))
                .values(
                    queued_at=now,
                    queued_key=key(mentor_id),
                    sent_to_id=mentor_id,
                    outcome=Outcome.DIGEST,
                )
                .execution_options(synchronize_session=False)
            )

    async def of_person(self, person_id: int, response_ids: Sequence[int]) -> dict[int, str]:
        """The auxiliary's own view: response id -> what became of its alert
        (pending | digest | urgent | ...), for "my records"."""
        if not response_ids:
            return {}
        rows = await self.session.execute(
            select(MentorAlert.response_id, MentorAlert.outcome).where(
                MentorAlert.person_id == person_id,
                MentorAlert.response_id.in_(list(response_ids)),
            )
        )
        return {rid: outcome or "pending" for rid, outcome in rows.all()}


__all__ = ["AlertView", "MentorAlerts", "Outcome", "next_digest_at", "tells_mentor"]
