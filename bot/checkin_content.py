"""The weekly check-in questionnaire and the register categories: YAML under
<content_dir>/checkin/. A pure loader: it reads and validates, and knows no database.

default.yaml holds the questions (see the comment at its top for the fields);
register.yaml the categories of the unit risk register.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bot.content import known_fields, locale_texts
from bot.i18n import LOCALES

BASE_LOCALE = "zh_CN"
FORM_FILE = "default.yaml"
CATEGORIES_FILE = "register.yaml"
TYPES = ("yesno", "choice", "text")
VISIBILITIES = ("mentor", "office")
YES, NO = "yes", "no"
MAX_QUESTIONS = 20
MAX_OPTIONS = 8  # buttons on one phone screen

# Ids travel inside button tokens ("ci:a:<assignment>:<index>:<option>", 64 bytes at most).
_QUESTION_ID = re.compile(r"[a-z][a-z0-9_]{0,23}")
_OPTION_ID = re.compile(r"[a-z][a-z0-9_]{0,15}")
_CATEGORY_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_QUESTION_FIELDS = {
    "id",
    "type",
    "visibility",
    "text",
    "options",
    "hazard",
    "care",
    "optional",
    "when",
}
_TEXT_MAX = 300


class CheckinContentError(Exception):
    """A check-in content file is malformed; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True, slots=True)
class Labelled:
    """An id with its text in each language: an option of a choice question, a register
    category."""

    id: str
    text: Mapping[str, str]

    def label(self, locale: str | None) -> str:
        return _pick(self.text, locale)


Option = Labelled
Category = Labelled


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: str  # yesno | choice | text
    visibility: str  # mentor | office
    text: Mapping[str, str]
    options: tuple[Option, ...] = ()
    hazard: frozenset[str] = frozenset()  # answers that count as a reported hazard
    care: bool = False  # a non-empty text answer opens a care item
    optional: bool = False
    when: tuple[str, frozenset[str]] | None = None  # (earlier question id, answers)

    def prompt(self, locale: str | None) -> str:
        return _pick(self.text, locale)

    def values(self) -> tuple[str, ...]:
        """The answers a button may give (empty for text questions)."""
        if self.type == "yesno":
            return (YES, NO)
        return tuple(o.id for o in self.options)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.id == value), None)

    def asked(self, answers: Mapping[str, str]) -> bool:
        """Whether this question applies, given the answers so far."""
        if self.when is None:
            return True
        other, wanted = self.when
        return answers.get(other) in wanted

    def is_hazard(self, value: str) -> bool:
        return value in self.hazard


@dataclass(frozen=True, slots=True)
class Form:
    version: int
    questions: tuple[Question, ...]
    path: Path

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def number(self, index: int, answers: Mapping[str, str]) -> int:
        """The number shown for question `index`: follow-ups that do not apply are not
        counted, so the numbers run 1, 2, 3... without a gap."""
        return 1 + sum(1 for q in self.questions[:index] if q.asked(answers))

    def next_index(self, start: int, answers: Mapping[str, str]) -> int | None:
        """The first question at or after `start` that applies, or None when done."""
        for i in range(max(start, 0), len(self.questions)):
            if self.questions[i].asked(answers):
                return i
        return None


def _pick(texts: Mapping[str, str], locale: str | None) -> str:
    return texts.get(locale or BASE_LOCALE) or texts[BASE_LOCALE]


def load_form(content_dir: Path) -> Form:
    """Read and validate the check-in questionnaire."""
    path = content_dir / "checkin" / FORM_FILE
    data = _read(path)
    if not isinstance(data, dict) or set(data) - {"version", "questions"}:
        raise CheckinContentError(path, "expected the fields 'version' and 'questions' only")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckinContentError(path, f"version must be a positive integer, got {version!r}")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise CheckinContentError(path, "questions must be a non-empty list")
    if len(raw) > MAX_QUESTIONS:
        raise CheckinContentError(path, f"at most {MAX_QUESTIONS} questions, got {len(raw)}")
    questions: list[Question] = []
    for number, item in enumerate(raw, start=1):
        questions.append(_question(path, number, item, questions))
    return Form(version=version, questions=tuple(questions), path=path)


_form_cache: dict[Path, tuple[int, Form]] = {}


def cached_form(content_dir: Path) -> Form:
    """The questionnaire, read again only when its file changed."""
    path = content_dir / "checkin" / FORM_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    hit = _form_cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    form = load_form(content_dir)
    _form_cache[path] = (stamp, form)
    return form


def load_categories(content_dir: Path) -> tuple[Category, ...]:
    """Read and validate the register categories."""
    path = content_dir / "checkin" / CATEGORIES_FILE
    data = _read(path)
    raw = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise CheckinContentError(path, "categories must be a non-empty list")
    out: list[Category] = []
    for number, item in enumerate(raw, start=1):
        where = f"category {number}"
        if not isinstance(item, dict) or set(item) != {"id", "text"}:
            raise CheckinContentError(path, f"{where}: expected the fields 'id' and 'text'")
        cid = item["id"]
        if not isinstance(cid, str) or not _CATEGORY_ID.fullmatch(cid):
            raise CheckinContentError(
                path, f"{where}: invalid id {cid!r}: use a-z, 0-9 and _, at most 32"
            )
        if any(c.id == cid for c in out):
            raise CheckinContentError(path, f"{where}: duplicate id {cid!r}")
        out.append(Category(cid, _texts(path, where, item["text"])))
    return tuple(out)


def _read(path: Path) -> Any:
    if not path.is_file():
        raise CheckinContentError(path, "file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CheckinContentError(path, f"not valid UTF-8 ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        raise CheckinContentError(path, f"invalid YAML: {' '.join(str(exc).split())}") from exc


def _texts(path: Path, where: str, value: Any) -> dict[str, str]:
    def fail(problem: str, locale: str) -> NoReturn:
        if problem == "base":
            raise CheckinContentError(path, f"{where}: text needs at least {BASE_LOCALE}")
        if problem == "unknown":
            known = ", ".join(LOCALES)
            raise CheckinContentError(path, f"{where}: unknown locale {locale!r}; known: {known}")
        raise CheckinContentError(
            path, f"{where}: text in {locale} must be 1-{_TEXT_MAX} characters"
        )

    return locale_texts(value, _TEXT_MAX, fail)


def _answer_words(value: Any) -> str:
    # YAML 1.1 reads an unquoted yes/no as a boolean
    if value is True:
        return YES
    if value is False:
        return NO
    return str(value)


def _question(path: Path, number: int, item: Any, before: Sequence[Question]) -> Question:
    where = f"question {number}"
    item = known_fields(path, where, item, _QUESTION_FIELDS, CheckinContentError)
    qid = item.get("id")
    if not isinstance(qid, str) or not _QUESTION_ID.fullmatch(qid):
        raise CheckinContentError(
            path, f"{where}: invalid id {qid!r}: use a-z, 0-9 and _, at most 24 characters"
        )
    where = f"question {qid!r}"
    if any(q.id == qid for q in before):
        raise CheckinContentError(path, f"{where}: duplicate id")
    kind = item.get("type")
    if kind not in TYPES:
        raise CheckinContentError(path, f"{where}: type must be one of {', '.join(TYPES)}")
    visibility = item.get("visibility")
    if visibility not in VISIBILITIES:
        raise CheckinContentError(
            path, f"{where}: visibility must be one of {', '.join(VISIBILITIES)}"
        )
    text = _texts(path, where, item.get("text"))
    options = _options(path, where, kind, item.get("options"))
    values = (YES, NO) if kind == "yesno" else tuple(o.id for o in options)
    hazard = item.get("hazard", [])
    if not isinstance(hazard, list) or (hazard and kind == "text"):
        raise CheckinContentError(
            path, f"{where}: hazard is a list of answers of a yesno or choice question"
        )
    hazard_set = frozenset(_answer_words(h) for h in hazard)
    if hazard_set - set(values):
        raise CheckinContentError(
            path,
            f"{where}: hazard answer(s) {sorted(hazard_set - set(values))} are not "
            f"among {list(values)}",
        )
    flags = {}
    for flag in ("care", "optional"):
        value = item.get(flag, False)
        if not isinstance(value, bool):
            raise CheckinContentError(path, f"{where}: {flag} must be true or false")
        if value and kind != "text":
            raise CheckinContentError(path, f"{where}: {flag} is for text questions only")
        flags[flag] = value
    return Question(
        id=qid,
        type=kind,
        visibility=visibility,
        text=text,
        options=options,
        hazard=hazard_set,
        care=flags["care"],
        optional=flags["optional"],
        when=_when(path, where, item.get("when"), before),
    )


def _options(path: Path, where: str, kind: str, raw: Any) -> tuple[Option, ...]:
    if kind != "choice":
        if raw is not None:
            raise CheckinContentError(path, f"{where}: options are for choice questions only")
        return ()
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        raise CheckinContentError(path, f"{where}: a choice needs 2-{MAX_OPTIONS} options")
    out: list[Option] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"id", "text"}:
            raise CheckinContentError(path, f"{where}: each option has 'id' and 'text'")
        oid = _answer_words(item["id"])
        if not _OPTION_ID.fullmatch(oid):
            raise CheckinContentError(
                path, f"{where}: invalid option id {oid!r}: use a-z, 0-9 and _, at most 16"
            )
        if any(o.id == oid for o in out):
            raise CheckinContentError(path, f"{where}: duplicate option id {oid!r}")
        out.append(Option(oid, _texts(path, f"{where} option {oid!r}", item["text"])))
    return tuple(out)


def _when(
    path: Path, where: str, raw: Any, before: Sequence[Question]
) -> tuple[str, frozenset[str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise CheckinContentError(path, f"{where}: when names one earlier question")
    [(other, answers)] = raw.items()
    earlier = next((q for q in before if q.id == other), None)
    if earlier is None or earlier.type == "text":
        raise CheckinContentError(
            path, f"{where}: when must name an earlier yesno or choice question, not {other!r}"
        )
    if not isinstance(answers, list) or not answers:
        raise CheckinContentError(path, f"{where}: when lists the answers that ask it")
    wanted = frozenset(_answer_words(a) for a in answers)
    if wanted - set(earlier.values()):
        raise CheckinContentError(
            path, f"{where}: {sorted(wanted - set(earlier.values()))} are not answers of {other!r}"
        )
    return other, wanted
