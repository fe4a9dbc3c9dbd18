"""Training, the learner's side: lessons page by page, the quiz, the attempt's evidence.

A person's working state (lesson page, the attempt in progress, answers so far) lives in
`training_progress`, so leaving mid-quiz and coming back the next day continues where it
stopped. A finished attempt is evidence (`training_attempt` + `training_answer`), written in
the same transaction that closes the assignment when it passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import func, select

from bot.actor import Actor
from bot.errors import DomainError, InvalidInput, NotFound
from bot.policy import Policy
from bot.services import tasks as tasks_service
from bot.services.tasks import KindService
from bot.training_content import (
    MULTIPLE,
    Lesson,
    Module,
    Question,
    image_bytes,
    option_order,
    passed,
    percent,
    score,
)
from storage import audit
from storage.models import Assignment, AssignmentStatus, Campaign, Person
from storage.models_training import (
    TrainingAnswer,
    TrainingAttempt,
    TrainingProgress,
    TrainingVersion,
)


class NotYours(DomainError, key="training-not-yours"): ...


class AlreadyPassed(DomainError, key="training-already-passed"):
    def __init__(self, assignment_id: int, **args: object) -> None:
        super().__init__(**args)
        self.assignment_id = assignment_id


class Superseded(tasks_service.Superseded, key="training-superseded"): ...


class Closed(DomainError, key="training-closed"): ...


class AttemptsExhausted(DomainError, key="training-attempts-exhausted"): ...


class AlreadyAnswered(DomainError, key="training-already-answered"):
    def __init__(self, assignment_id: int, **args: object) -> None:
        super().__init__(**args)
        self.assignment_id = assignment_id


class AttemptOver(DomainError):
    """A button of an attempt that has ended, or of a question not reached yet."""

    key = "training-attempt-over"

    def __init__(self, assignment_id: int, **args: object) -> None:
        super().__init__(**args)
        self.assignment_id = assignment_id


class NothingSelected(DomainError, key="training-select-first"): ...


@dataclass(frozen=True, slots=True)
class LessonView:
    assignment_id: int
    title: str
    version: int
    index: int
    count: int
    lesson: Lesson
    images: tuple[tuple[str, bytes], ...]  # (file name, content) of images still intact
    due_at: datetime | None
    attempts_used: int
    attempts_allowed: int

    @property
    def exhausted(self) -> bool:
        """No quiz attempt left: the lessons stay open for review."""
        return self.attempts_used >= self.attempts_allowed


@dataclass(frozen=True, slots=True)
class QuestionView:
    assignment_id: int
    title: str
    attempt_no: int
    attempts_allowed: int
    index: int
    total: int
    question: Question
    order: tuple[int, ...]  # original option indices in the order shown
    selected: frozenset[int]  # toggled options of a multiple-choice question
    resumed: bool = False  # an attempt started earlier continues


@dataclass(frozen=True, slots=True)
class AttemptResult:
    assignment_id: int
    title: str
    attempt_no: int
    attempts_allowed: int
    correct: int
    total: int
    score: int
    pass_mark: int
    passed: bool
    wrong_topics: tuple[str, ...]
    can_retry: bool
    finished_at: datetime
    sha256: str

    @property
    def exhausted(self) -> bool:
        return not self.passed and self.attempt_no >= self.attempts_allowed


@dataclass(frozen=True, slots=True)
class AnswerResult:
    view: QuestionView  # the question just answered, in the order it was shown
    chosen: tuple[int, ...]
    correct: bool
    finished: AttemptResult | None  # set after the last question


class TrainingLearning(KindService):
    """Lessons and quiz of a published version (the office's side: `TrainingService`)."""

    @cached_property
    def _modules(self) -> dict[int, Module]:
        """Frozen modules by version id, parsed once per unit of work."""
        return {}

    # --- learning ---------------------------------------------------------------------

    async def resume(self, person: Person, assignment_id: int) -> QuestionView | LessonView:
        """Where the person stopped: the question of the attempt in progress, or the lesson."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        if progress.in_quiz:
            return self._view(a, version, module, progress, person.locale, resumed=True)
        return await self._lesson(a, version, module, progress, person, progress.lesson_index)

    async def lesson(self, person: Person, assignment_id: int, index: int) -> LessonView:
        """One lesson page; remembers it as where the person is."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        return await self._lesson(a, version, module, progress, person, index)

    async def _lesson(
        self,
        a: Assignment,
        version: TrainingVersion,
        module: Module,
        progress: TrainingProgress,
        person: Person,
        index: int,
    ) -> LessonView:
        lessons = module.content(person.locale).lessons
        index = max(0, min(index, len(lessons) - 1))
        progress.lesson_index = index
        progress.updated_at = self.clock.now()
        lesson = lessons[index]
        folder = self.settings.content_dir / "training" / module.key
        images = []
        for image in lesson.images:
            data = image_bytes(folder, image)
            if data is not None:  # a file changed on disk since publishing is not shown
                images.append((image.file.rsplit("/", 1)[-1], data))
        await self.session.flush()
        return LessonView(
            assignment_id=a.id,
            title=module.title(person.locale),
            version=version.version,
            index=index,
            count=len(lessons),
            lesson=lesson,
            images=tuple(images),
            due_at=a.due_at,
            attempts_used=await self._attempts_used(a.id),
            attempts_allowed=version.attempts,
        )

    async def start_quiz(self, person: Person, assignment_id: int) -> QuestionView:
        """Continue the attempt in progress, or start the next one if any is left."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        if progress.in_quiz:
            return self._view(a, version, module, progress, person.locale, resumed=True)
        used = await self._attempts_used(a.id)
        if used >= version.attempts:
            raise AttemptsExhausted(attempts=version.attempts)
        now = self.clock.now()
        attempt_no = used + 1
        seed = f"{a.id}:{attempt_no}"
        questions = module.content(None).questions
        progress.attempt_no = attempt_no
        progress.in_quiz = True
        progress.question_index = 0
        progress.answers = {}
        progress.selected = []
        progress.option_order = {q.id: option_order(q, seed) for q in questions}
        progress.attempt_started_at = now
        progress.updated_at = now
        await self.session.flush()
        return self._view(a, version, module, progress, person.locale)

    async def question(self, person: Person, assignment_id: int) -> QuestionView:
        """The question the person is at in the attempt in progress."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        if not progress.in_quiz:
            raise AttemptOver(a.id)
        return self._view(a, version, module, progress, person.locale)

    async def toggle(
        self, person: Person, assignment_id: int, attempt_no: int, index: int, option: int
    ) -> QuestionView:
        """Select or deselect one option of a multiple-choice question."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        question = self._turn(a, module, progress, attempt_no, index)
        if question.type != MULTIPLE or not 0 <= option < question.option_count:
            raise InvalidInput()
        selected = set(progress.selected)
        selected ^= {option}
        progress.selected = sorted(selected)
        progress.updated_at = self.clock.now()
        await self.session.flush()
        return self._view(a, version, module, progress, person.locale)

    async def answer(
        self,
        person: Person,
        assignment_id: int,
        attempt_no: int,
        index: int,
        option: int | None = None,
    ) -> AnswerResult:
        """Record the answer to the current question (`option`, or the toggled options of a
        multiple-choice question). After the last question the attempt is scored."""
        a, c, version, module = await self._open(person, assignment_id)
        progress = await self._progress(a, version)
        question = self._turn(a, module, progress, attempt_no, index)
        view = self._view(a, version, module, progress, person.locale)
        if question.type == MULTIPLE:
            chosen = tuple(sorted(progress.selected))
            if option is not None:
                raise InvalidInput()
            if not chosen:
                raise NothingSelected()
        else:
            if option is None or not 0 <= option < question.option_count:
                raise InvalidInput()
            chosen = (option,)
        progress.answers = {**progress.answers, question.id: list(chosen)}
        progress.selected = []
        progress.question_index = index + 1
        progress.updated_at = self.clock.now()
        finished = None
        if index + 1 == view.total:
            finished = await self._finish(person, a, c, version, module, progress)
        await self.session.flush()
        return AnswerResult(
            view=view,
            chosen=chosen,
            correct=question.is_correct(frozenset(chosen)),
            finished=finished,
        )

    async def result(self, person: Person, assignment_id: int) -> AttemptResult:
        """The latest finished attempt of the assignment."""
        a, c = await self.mine(person, assignment_id)
        version = await self._version(c)
        module = self._module(version)
        attempt = (
            await self.session.execute(
                select(TrainingAttempt)
                .where(TrainingAttempt.assignment_id == a.id)
                .order_by(TrainingAttempt.attempt_no.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if attempt is None:
            raise NotFound("training-no-result")
        return self._result(a, version, module, attempt, person.locale)

    # --- internals --------------------------------------------------------------------

    async def _open(
        self, person: Person, assignment_id: int
    ) -> tuple[Assignment, Campaign, TrainingVersion, Module]:
        """The person's assignment if it is open; otherwise say why not."""
        a, c = await self.mine(person, assignment_id)
        version = await self._version(c)
        module = self._module(version)
        if a.status == AssignmentStatus.OPEN:
            return a, c, version, module
        title = module.title(person.locale)
        if a.status == AssignmentStatus.DONE:
            raise AlreadyPassed(a.id, title=title)
        current = await self.tasks.current_open(person.id, self.kind.name, c.ref_key)
        if current is not None and current[0] != a.id:
            raise Superseded(current[0], title=title, version=c.ref_id, current=current[1])
        raise Closed(title=title)

    async def _version(self, campaign: Campaign) -> TrainingVersion:
        row = await self.session.scalar(
            select(TrainingVersion).where(
                TrainingVersion.key == campaign.ref_key,
                TrainingVersion.version == campaign.ref_id,
            )
        )
        if row is None:
            raise NotFound("training-error-not-published", module=campaign.ref_key)
        return row

    def _module(self, version: TrainingVersion) -> Module:
        if version.id not in self._modules:
            self._modules[version.id] = Module.from_json(version.content)
        return self._modules[version.id]

    async def _progress(self, a: Assignment, version: TrainingVersion) -> TrainingProgress:
        query = select(TrainingProgress).where(TrainingProgress.assignment_id == a.id)
        if self.session.get_bind().dialect.name == "postgresql":
            # two quick presses from one person: the second waits for the first
            query = query.with_for_update()
        progress = (await self.session.execute(query)).scalar_one_or_none()
        if progress is None:
            now = self.clock.now()
            progress = TrainingProgress(
                assignment_id=a.id,
                person_id=a.person_id,
                version_id=version.id,
                lesson_index=0,
                attempt_no=0,
                in_quiz=False,
                question_index=0,
                option_order={},
                answers={},
                selected=[],
                started_at=now,
                updated_at=now,
            )
            self.session.add(progress)
            await self.session.flush()
        return progress

    async def _attempts_used(self, assignment_id: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count())
                    .select_from(TrainingAttempt)
                    .where(TrainingAttempt.assignment_id == assignment_id)
                )
            ).scalar_one()
        )

    def _turn(
        self,
        a: Assignment,
        module: Module,
        progress: TrainingProgress,
        attempt_no: int,
        index: int,
    ) -> Question:
        """The question a button belongs to, if it is the one the person is at now."""
        if not progress.in_quiz or attempt_no != progress.attempt_no:
            raise AttemptOver(a.id)
        if index < progress.question_index:
            raise AlreadyAnswered(a.id, number=index + 1)
        if index > progress.question_index:
            raise AttemptOver(a.id)
        return module.content(None).questions[index]

    def _view(
        self,
        a: Assignment,
        version: TrainingVersion,
        module: Module,
        progress: TrainingProgress,
        locale: str | None,
        *,
        resumed: bool = False,
    ) -> QuestionView:
        questions = module.content(locale).questions
        index = min(progress.question_index, len(questions) - 1)
        question = questions[index]
        return QuestionView(
            assignment_id=a.id,
            title=module.title(locale),
            attempt_no=progress.attempt_no,
            attempts_allowed=version.attempts,
            index=index,
            total=len(questions),
            question=question,
            order=tuple(progress.option_order[question.id]),
            selected=frozenset(progress.selected),
            resumed=resumed,
        )

    async def _finish(
        self,
        person: Person,
        a: Assignment,
        c: Campaign,
        version: TrainingVersion,
        module: Module,
        progress: TrainingProgress,
    ) -> AttemptResult:
        """Score the attempt, write the evidence, and close or escalate the assignment."""
        now = self.clock.now()
        questions = module.content(None).questions
        answers: dict[str, list[int]] = dict(progress.answers)
        correct = score(questions, answers)
        total = len(questions)
        ok = passed(correct, total, version.pass_mark)
        exhausted = not ok and progress.attempt_no >= version.attempts
        locale = person.locale if person.locale in module.locales else "zh_CN"
        attempt = TrainingAttempt(
            assignment_id=a.id,
            person_id=person.id,
            version_id=version.id,
            key=module.key,
            version=version.version,
            sha256=version.sha256,
            attempt_no=progress.attempt_no,
            correct=correct,
            total=total,
            score=percent(correct, total),
            passed=ok,
            answers=answers,
            locale=locale,
            started_at=progress.attempt_started_at or now,
            finished_at=now,
        )
        event = await self.audit_event(
            Actor.of(person),
            "training.attempt",
            f"training:{module.key}:v{version.version}",
            {
                "employee_no": person.employee_no,
                "assignment": a.id,
                "attempt": progress.attempt_no,
                "correct": correct,
                "total": total,
                "passed": ok,
                "exhausted": exhausted,
                "sha256": version.sha256,
            },
            at=now,
            evidence=[audit.Evidence.of(attempt, linked_by_hash=True)],
        )
        attempt.audit_hash = event.hash
        self.session.add(attempt)
        await self.session.flush()
        self.session.add_all(
            TrainingAnswer(
                attempt_id=attempt.id,
                version_id=version.id,
                question_id=q.id,
                correct=q.id in answers and q.is_correct(answers[q.id]),
            )
            for q in questions
        )
        progress.in_quiz = False
        if ok:
            a.status = AssignmentStatus.DONE
            a.done_at = now
            a.next_action_at = None
        elif exhausted:
            self._escalate_now(a, c, now)
        await self.session.flush()
        return self._result(a, version, module, attempt, person.locale)

    def _escalate_now(self, a: Assignment, c: Campaign, now: datetime) -> None:
        """No attempts left: the assignment stays open and the deadline engine's next tick
        tells the mentor (its L1 step), then climbs the ladder as for any overdue task.

        The engine acts on `stage` (the next step of the policy) once `next_action_at` has
        come. Pointing `stage` at the L1 step and `next_action_at` at now makes that step
        act on the next tick, ahead of the deadline; the reminders before it are skipped
        (the person cannot finish alone any more). An item already escalated re-runs its
        current level. The engine only handles dated items, so an undated one is dated now.
        """
        steps = Policy.from_json(c.policy).steps()
        first = next((i for i, s in enumerate(steps) if s.level == 1), None)
        if first is None:
            return  # a policy without escalation: nobody to tell
        if a.due_at is None:
            a.due_at = now
        a.stage = max(first, a.stage - 1)
        a.next_action_at = now

    def _result(
        self,
        a: Assignment,
        version: TrainingVersion,
        module: Module,
        attempt: TrainingAttempt,
        locale: str | None,
    ) -> AttemptResult:
        topics: list[str] = []
        for q in module.content(locale).questions:
            given = attempt.answers.get(q.id)
            if (given is None or not q.is_correct(given)) and q.topic not in topics:
                topics.append(q.topic)
        can_retry = (
            not attempt.passed
            and attempt.attempt_no < version.attempts
            and a.status == AssignmentStatus.OPEN
        )
        return AttemptResult(
            assignment_id=a.id,
            title=module.title(locale),
            attempt_no=attempt.attempt_no,
            attempts_allowed=version.attempts,
            correct=attempt.correct,
            total=attempt.total,
            score=attempt.score,
            pass_mark=version.pass_mark,
            passed=attempt.passed,
            wrong_topics=tuple(topics),
            can_retry=can_retry,
            finished_at=attempt.finished_at,
            sha256=attempt.sha256,
        )
