"""Training modules: a folder per module under <content_dir>/training/<key>/.

    module.yaml            key, version, title per locale, audience, pass_mark, attempts
    lessons/01.zh_CN.md    one message-sized lesson page per file, "# Title" first
    lessons/01.en.md       ... the same lessons in other locales (optional)
    quiz.zh_CN.yaml        the questions, the correct answers and an explanation each
    quiz.en.yaml           the same questions in another locale (optional)

A pure loader: it reads and validates files and knows nothing about the database. The
frozen form of a version is `Module.to_json()`; its SHA-256 is stored with every attempt.
Scoring and the per-attempt option order are pure functions here too, so they are the
same wherever they run.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from markupsafe import Markup
from pydantic import TypeAdapter

from bot.content import (
    ContentError,
    audience_of,
    canonical_body,
    check_key,
    check_version,
    known_fields,
    locale_texts,
    one_line,
    positive_int,
)
from bot.i18n import LOCALES

BASE_LOCALE = "zh_CN"
PAGE_LIMIT = 3500  # one Telegram message with room for the header
DEFAULT_PASS_MARK = 80
DEFAULT_ATTEMPTS = 3
SINGLE, MULTIPLE, TRUEFALSE = "single", "multiple", "truefalse"
TYPES = (SINGLE, MULTIPLE, TRUEFALSE)
LETTERS = "ABCDEFGH"
MAX_QUESTIONS = 50
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MODULE_FIELDS = ("key", "version", "title", "audience", "pass_mark", "attempts")
QUESTION_FIELDS = ("id", "type", "topic", "text", "options", "correct", "explanation")

# Keys travel inside campaign.ref_key (String(64)) and CLI arguments: keep them short.
_QID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_LESSON_FILE = re.compile(r"(\d{2})\.([A-Za-z_]+)\.md")
_QUIZ_FILE = re.compile(r"quiz\.([A-Za-z_]+)\.yaml")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)\s*$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TITLE_MAX = 200
_TEXT_MAX = 1000
_OPTION_MAX = 300
_EXPLANATION_MAX = 1500
_TOPIC_MAX = 60


@dataclass(frozen=True)
class Image:
    file: str  # path relative to the module folder, e.g. "images/sign.png"
    sha256: str


@dataclass(frozen=True)
class Lesson:
    title: str
    body: str  # Markdown without the title line and without image lines
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # single | multiple | truefalse
    topic: str
    text: str
    options: tuple[str, ...]  # empty for truefalse: option 0 is "true", 1 is "false"
    correct: tuple[int, ...]  # original option indices, sorted
    explanation: str

    @property
    def option_count(self) -> int:
        return 2 if self.type == TRUEFALSE else len(self.options)

    def is_correct(self, selected: set[int] | frozenset[int] | list[int]) -> bool:
        """Exactly the correct options: a partial multiple-choice answer is wrong."""
        return set(selected) == set(self.correct)

    def shape(self) -> tuple[str, str, int, tuple[int, ...]]:
        """What must agree between locales: id, type, number of options, the answer."""
        return (self.id, self.type, self.option_count, self.correct)


@dataclass(frozen=True)
class Content:
    """The lessons and the quiz of a module in one locale."""

    lessons: tuple[Lesson, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Module:
    key: str
    version: int
    titles: dict[str, str]  # locale -> title; zh_CN always present
    audience: tuple[str, ...]  # role values in Role order
    pass_mark: int  # percent of questions answered correctly
    attempts: int  # quiz attempts allowed per assignment
    locales: dict[str, Content]  # zh_CN always present
    path: Path | None = None

    def title(self, locale: str | None) -> str:
        return self.titles.get(locale or "") or self.titles[BASE_LOCALE]

    def content(self, locale: str | None) -> Content:
        """The lessons and quiz in the person's locale, else the zh_CN ones."""
        return self.locales.get(locale or "") or self.locales[BASE_LOCALE]

    def to_json(self) -> dict[str, Any]:
        """The canonical content of the version: stored frozen, hashed, shown from."""
        frozen: dict[str, Any] = _FROZEN.dump_python(self, mode="json", exclude={"path"})
        return frozen

    @property
    def sha256(self) -> str:
        """Hex SHA-256 over the canonical JSON of every lesson and question of the version."""
        return content_sha256(self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Module:
        """Rebuild a module from its frozen form (a training_version row)."""
        return _FROZEN.validate_python(data)


# The frozen form is the dataclasses' own fields, lists for tuples (`path` is not part of it).
_FROZEN = TypeAdapter(Module)


def content_sha256(data: dict[str, Any]) -> str:
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# --- pure helpers the service and the handlers share ---------------------------------


def option_order(question: Question, seed: str) -> list[int]:
    """Original option indices in the order shown for one attempt.

    Deterministic for a seed (the service uses "<assignment>:<attempt>"), so a person who
    comes back the next day sees the same order. True/false keeps its natural order.
    """
    order = list(range(question.option_count))
    if question.type != TRUEFALSE:
        random.Random(f"{seed}:{question.id}").shuffle(order)
    return order


def score(questions: tuple[Question, ...], answers: dict[str, list[int]]) -> int:
    """How many questions were answered exactly right (unanswered ones are wrong)."""
    return sum(1 for q in questions if q.id in answers and q.is_correct(answers[q.id]))


def passed(correct: int, total: int, pass_mark: int) -> bool:
    """correct/total >= pass_mark %, in integers so 8/10 at 80 % passes exactly."""
    return total > 0 and correct * 100 >= pass_mark * total


def percent(correct: int, total: int) -> int:
    return (correct * 100) // total if total else 0


def to_html(markdown: str) -> Markup:
    """The little Markdown lessons use, as Telegram HTML: headings and **bold** become bold,
    "- " list items become bullets. Everything else is escaped text."""
    out = []
    for line in markdown.split("\n"):
        text = html.escape(line, quote=False)
        stripped = text.lstrip()
        if stripped.startswith("#"):
            text = f"<b>{stripped.lstrip('#').strip()}</b>"
        elif stripped.startswith(("- ", "* ")):
            text = "• " + stripped[2:]
        out.append(_BOLD.sub(r"<b>\1</b>", text))
    return Markup("\n".join(out))  # built from escaped lines above


# --- loading -------------------------------------------------------------------------


def load_modules(content_dir: Path) -> dict[str, Module]:
    """Read and validate every training module: key -> module."""
    folder = content_dir / "training"
    if not folder.is_dir():
        raise ContentError(folder, "training folder not found")
    modules: dict[str, Module] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        module = load_module(sub)
        modules[module.key] = module
    return modules


def load_module(folder: Path) -> Module:
    """Read and validate one module folder."""
    meta_path = folder / "module.yaml"
    meta = _yaml(meta_path)
    if not isinstance(meta, dict):
        raise ContentError(meta_path, "expected 'field: value' lines")
    fields = _check_module(meta_path, meta)
    if fields["key"] != folder.name:
        raise ContentError(
            meta_path, f"key {fields['key']!r} differs from the folder name {folder.name!r}"
        )
    lessons = _load_lessons(folder)
    quizzes = _load_quizzes(folder)
    no_quiz = sorted(lessons.keys() - quizzes.keys())
    if no_quiz:
        raise ContentError(folder / f"quiz.{no_quiz[0]}.yaml", "lessons but no quiz file")
    no_lessons = sorted(quizzes.keys() - lessons.keys())
    if no_lessons:
        raise ContentError(folder / "lessons", f"a quiz in {no_lessons[0]} but no lessons")
    if BASE_LOCALE not in quizzes:
        raise ContentError(folder / f"quiz.{BASE_LOCALE}.yaml", "missing: zh_CN is required")
    base_lessons = lessons[BASE_LOCALE]
    base_quiz = [q.shape() for q in quizzes[BASE_LOCALE]]
    for loc in sorted(quizzes):
        if len(lessons[loc]) != len(base_lessons):
            raise ContentError(
                folder / "lessons",
                f"{len(lessons[loc])} lessons in {loc} but {len(base_lessons)} in {BASE_LOCALE}",
            )
        shape = [q.shape() for q in quizzes[loc]]
        if shape != base_quiz:
            raise ContentError(
                folder / f"quiz.{loc}.yaml",
                f"questions differ from quiz.{BASE_LOCALE}.yaml in ids, order, types, "
                "number of options or correct answers",
            )
    return Module(
        key=fields["key"],
        version=fields["version"],
        titles=fields["title"],
        audience=fields["audience"],
        pass_mark=fields["pass_mark"],
        attempts=fields["attempts"],
        locales={
            loc: Content(lessons=tuple(lessons[loc]), questions=tuple(quizzes[loc]))
            for loc in sorted(quizzes)
        },
        path=folder,
    )


def _yaml(path: Path) -> Any:
    if not path.is_file():
        raise ContentError(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not valid UTF-8 ({exc.reason})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentError(path, f"invalid YAML: {one_line(exc)}") from exc


def _bad_title(path: Path, problem: str, loc: str) -> NoReturn:
    if problem == "base":
        raise ContentError(path, f"title must be a mapping of locale to text with {BASE_LOCALE}")
    if problem == "unknown":
        raise ContentError(path, f"unknown locale {loc!r} in title; known: {', '.join(LOCALES)}")
    raise ContentError(path, f"invalid {loc} title: text of at most {_TITLE_MAX} characters")


def _check_module(path: Path, meta: dict[Any, Any]) -> dict[str, Any]:
    missing = [n for n in ("key", "version", "title", "audience") if meta.get(n) in (None, "")]
    if missing:
        raise ContentError(path, f"missing field(s): {', '.join(missing)}")
    unknown = sorted(str(n) for n in meta if n not in MODULE_FIELDS)
    if unknown:
        raise ContentError(path, f"unknown field(s): {', '.join(unknown)}")
    key, version, title = meta["key"], meta["version"], meta["title"]
    check_key(path, key)
    check_version(path, version)
    titles = locale_texts(title, _TITLE_MAX, lambda problem, loc: _bad_title(path, problem, loc))
    roles = audience_of(path, meta["audience"])
    pass_mark = meta.get("pass_mark", DEFAULT_PASS_MARK)
    if not positive_int(pass_mark) or pass_mark > 100:
        raise ContentError(path, f"pass_mark must be a percentage 1-100, got {pass_mark!r}")
    attempts = meta.get("attempts", DEFAULT_ATTEMPTS)
    if not positive_int(attempts) or attempts > 10:
        raise ContentError(path, f"attempts must be an integer 1-10, got {attempts!r}")
    return {
        "key": key,
        "version": version,
        "title": titles,
        "audience": roles,
        "pass_mark": pass_mark,
        "attempts": attempts,
    }


def _load_lessons(folder: Path) -> dict[str, list[Lesson]]:
    lesson_dir = folder / "lessons"
    if not lesson_dir.is_dir():
        raise ContentError(lesson_dir, "lesson folder not found")
    numbered: dict[str, dict[int, Path]] = {}
    for path in sorted(lesson_dir.iterdir()):
        if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
            continue
        match = _LESSON_FILE.fullmatch(path.name)
        if match is None:
            raise ContentError(path, "lesson files are named NN.<locale>.md, e.g. 01.zh_CN.md")
        loc = match.group(2)
        if loc not in LOCALES:
            raise ContentError(path, f"unknown locale {loc!r}; known: {', '.join(LOCALES)}")
        numbered.setdefault(loc, {})[int(match.group(1))] = path
    if BASE_LOCALE not in numbered:
        raise ContentError(lesson_dir, f"no {BASE_LOCALE} lessons (01.{BASE_LOCALE}.md, ...)")
    out: dict[str, list[Lesson]] = {}
    for loc, by_number in numbered.items():
        expected = list(range(1, len(by_number) + 1))
        if sorted(by_number) != expected:
            raise ContentError(
                lesson_dir,
                f"{loc} lessons must be numbered 01, 02, ... without gaps; "
                f"found {', '.join(f'{n:02d}' for n in sorted(by_number))}",
            )
        out[loc] = [_load_lesson(by_number[n], folder) for n in expected]
    return out


def _load_lesson(path: Path, folder: Path) -> Lesson:
    try:
        raw = canonical_body(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not valid UTF-8 ({exc.reason})") from exc
    first, _, rest = raw.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise ContentError(path, "a lesson starts with its title: '# Title' on the first line")
    title = first[2:].strip()
    if len(title) > _TITLE_MAX:
        raise ContentError(path, f"title longer than {_TITLE_MAX} characters")
    images = tuple(_image(path, folder, m.group(2)) for m in _IMAGE.finditer(rest))
    if len(images) > MAX_IMAGES:
        raise ContentError(path, f"at most {MAX_IMAGES} images per lesson")
    body = canonical_body(_IMAGE.sub("", rest))
    if not body:
        raise ContentError(path, "empty lesson: no text after the title")
    if len(title) + len(body) > PAGE_LIMIT:
        raise ContentError(
            path,
            f"lesson is {len(title) + len(body)} characters; one page holds {PAGE_LIMIT}: "
            "split it into two lessons",
        )
    return Lesson(title=title, body=body, images=images)


def _image(path: Path, folder: Path, ref: str) -> Image:
    target = (path.parent / ref).resolve()
    root = folder.resolve()
    if root not in target.parents:
        raise ContentError(path, f"image {ref!r} is outside the module folder")
    if target.suffix.lower() not in IMAGE_SUFFIXES:
        raise ContentError(path, f"image {ref!r}: use {', '.join(IMAGE_SUFFIXES)}")
    if not target.is_file():
        raise ContentError(path, f"image {ref!r} not found")
    data = target.read_bytes()
    if len(data) > MAX_IMAGE_BYTES:
        raise ContentError(path, f"image {ref!r} is larger than {MAX_IMAGE_BYTES} bytes")
    return Image(target.relative_to(root).as_posix(), hashlib.sha256(data).hexdigest())


def image_bytes(folder: Path, image: Image) -> bytes | None:
    """The image of a frozen lesson, if the file on disk is still the one hashed then."""
    target = (folder / image.file).resolve()
    if folder.resolve() not in target.parents or not target.is_file():
        return None
    data = target.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == image.sha256 else None


def _load_quizzes(folder: Path) -> dict[str, list[Question]]:
    out: dict[str, list[Question]] = {}
    for path in sorted(folder.glob("quiz.*.yaml")):
        match = _QUIZ_FILE.fullmatch(path.name)
        if match is None or match.group(1) not in LOCALES:
            raise ContentError(path, f"quiz files are named quiz.<locale>.yaml ({LOCALES})")
        out[match.group(1)] = _load_quiz(path)
    return out


def _load_quiz(path: Path) -> list[Question]:
    data = _yaml(path)
    if not isinstance(data, dict) or set(data) != {"questions"}:
        raise ContentError(path, "expected one field, 'questions:', with a list of questions")
    items = data["questions"]
    if not isinstance(items, list) or not items:
        raise ContentError(path, "'questions' must be a non-empty list")
    if len(items) > MAX_QUESTIONS:
        raise ContentError(path, f"at most {MAX_QUESTIONS} questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        question = _question(path, number, item)
        if question.id in seen:
            raise ContentError(path, f"question {number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def _question(path: Path, number: int, item: Any) -> Question:
    where = f"question {number}"
    item = known_fields(path, where, item, QUESTION_FIELDS, ContentError)
    qid = item.get("id")
    if not isinstance(qid, str) or not _QID.fullmatch(qid):
        raise ContentError(path, f"{where}: id must be 1-16 letters, digits, '-' or '_'")
    where = f"question {number} ({qid})"
    qtype = item.get("type")
    if qtype not in TYPES:
        raise ContentError(path, f"{where}: type must be one of {', '.join(TYPES)}")
    text = _text(path, where, item, "text", _TEXT_MAX)
    topic = _text(path, where, item, "topic", _TOPIC_MAX)
    explanation = _text(path, where, item, "explanation", _EXPLANATION_MAX)
    correct_raw = item.get("correct")
    if qtype == TRUEFALSE:
        if "options" in item:
            raise ContentError(path, f"{where}: a true/false question has no options")
        if not isinstance(correct_raw, bool):
            raise ContentError(path, f"{where}: correct must be true or false")
        options: tuple[str, ...] = ()
        correct: tuple[int, ...] = (0,) if correct_raw else (1,)
    else:
        raw_options = item.get("options")
        if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= len(LETTERS):
            raise ContentError(path, f"{where}: options must be a list of 2-{len(LETTERS)}")
        options = tuple(_option(path, where, o) for o in raw_options)
        if len(set(options)) != len(options):
            raise ContentError(path, f"{where}: two options have the same text")
        correct = _letters(path, where, correct_raw, len(options))
        if qtype == SINGLE and len(correct) != 1:
            raise ContentError(path, f"{where}: a single-choice question has one correct letter")
    length = len(text) + sum(len(o) + 4 for o in options)
    if length > PAGE_LIMIT:
        raise ContentError(path, f"{where}: question and options exceed {PAGE_LIMIT} characters")
    return Question(qid, qtype, topic, text, options, correct, explanation)


def _text(path: Path, where: str, item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, f"{where}: missing {name}")
    value = canonical_body(value)
    if len(value) > limit:
        raise ContentError(path, f"{where}: {name} longer than {limit} characters")
    return value


def _option(path: Path, where: str, value: Any) -> str:
    # YAML reads "yes", 12 or 3.5 as non-strings: accept them as the text the author wrote
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ContentError(path, f"{where}: every option must be text")
    text = " ".join(str(value).split())
    if not text or len(text) > _OPTION_MAX:
        raise ContentError(path, f"{where}: options are text of 1-{_OPTION_MAX} characters")
    return text


def _letters(path: Path, where: str, value: Any, count: int) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    allowed = LETTERS[:count]
    out: set[int] = set()
    for item in items:
        letter = str(item).strip().upper() if isinstance(item, str) else ""
        if len(letter) != 1 or letter not in allowed:
            raise ContentError(
                path, f"{where}: correct must be letters among {', '.join(allowed)}, got {item!r}"
            )
        out.add(allowed.index(letter))
    if not out:
        raise ContentError(path, f"{where}: no correct answer given")
    return tuple(sorted(out))
