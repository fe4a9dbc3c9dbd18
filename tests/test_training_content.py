"""Training modules on disk: the shipped samples, validation naming the file, hashing,
scoring and the per-attempt option order."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.content import ContentError
from bot.training_content import (
    MULTIPLE,
    SINGLE,
    TRUEFALSE,
    Content,
    Image,
    Lesson,
    Module,
    Question,
    content_sha256,
    image_bytes,
    load_module,
    load_modules,
    option_order,
    passed,
    percent,
    score,
    to_html,
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
SAMPLES = ROOT / "content" / "training"

MODULE = """key: demo
version: 1
title:
  zh_CN: 演示
  en: Demo
audience: [auxiliary]
"""
QUIZ_ZH = """questions:
  - id: q1
    type: single
    topic: 主题一
    text: 单选题？
    options: [甲, 乙, 丙]
    correct: B
    explanation: 因为乙。
  - id: q2
    type: multiple
    topic: 主题二
    text: 多选题？
    options: [甲, 乙, 丙, 丁]
    correct: [A, C]
    explanation: 甲和丙。
  - id: q3
    type: truefalse
    topic: 主题三
    text: 对吗？
    correct: false
    explanation: 不对。
"""


def _make(root: Path, **files: str) -> Path:
    """A module folder `demo` with the given files (name -> text; None-like "" removes)."""
    folder = root / "training" / "demo"
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    defaults = {
        "module.yaml": MODULE,
        "lessons/01.zh_CN.md": "# 第一课\n\n正文一。\n",
        "lessons/02.zh_CN.md": "# 第二课\n\n正文二。\n",
        "quiz.zh_CN.yaml": QUIZ_ZH,
    }
    for name, text in {**defaults, **{k.replace("__", "/"): v for k, v in files.items()}}.items():
        path = folder / name
        if text == "":
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _error(folder: Path) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_module(folder)
    return info.value


# --- the shipped samples ------------------------------------------------------------------


def test_shipped_modules_load_in_both_languages() -> None:
    modules = load_modules(ROOT / "content")
    assert set(modules) == {"duties-limits", "confidentiality-daily"}
    for key, module in modules.items():
        assert set(module.locales) == {"zh_CN", "en"}, key
        assert module.pass_mark == 80 and module.attempts == 3
        assert module.audience == ("auxiliary",)
        zh, en = module.locales["zh_CN"], module.locales["en"]
        assert len(zh.lessons) == 5 and len(zh.questions) == 10
        assert {q.type for q in zh.questions} == {SINGLE, MULTIPLE, TRUEFALSE}
        assert _HAN.search(module.title("zh_CN")) and not _HAN.search(module.title("en"))
        for lesson in en.lessons:
            assert not _HAN.search(lesson.title + lesson.body), (key, lesson.title)
        for q in en.questions:
            assert not _HAN.search(q.text + q.explanation + q.topic + "".join(q.options)), q.id
        assert all(_HAN.search(q.text) for q in zh.questions)
        # every topic is taught: each zh topic word appears in a lesson title or body
        assert len({q.topic for q in zh.questions}) >= 4


def test_the_duties_module_covers_what_is_never_done_alone() -> None:
    module = load_modules(ROOT / "content")["duties-limits"]
    text = "\n".join(les.body for les in module.locales["zh_CN"].lessons)
    for must in ("讯问", "搜查", "扣押", "枪支", "行政处罚", "交通", "巡逻", "民警在场"):
        assert must in text, must
    en = "\n".join(les.body for les in module.locales["en"].lessons).lower()
    for must in ("interrogat", "search", "firearm", "penalt", "patrol", "traffic"):
        assert must in en, must


def test_frozen_form_is_every_field_with_lists_and_no_path() -> None:
    """The frozen form is what attempts' SHA-256 is taken over: it must not drift."""
    question = Question("q1", SINGLE, "t", "问？", ("甲", "乙"), (1,), "因为")
    lesson = Lesson("第一课", "正文", (Image("images/a.png", "ab" * 32),))
    locales = {"zh_CN": Content((lesson,), (question,))}
    module = Module("demo", 2, {"zh_CN": "演示"}, ("auxiliary",), 80, 3, locales, Path("/x"))
    frozen = {
        "key": "demo",
        "version": 2,
        "titles": {"zh_CN": "演示"},
        "audience": ["auxiliary"],
        "pass_mark": 80,
        "attempts": 3,
        "locales": {
            "zh_CN": {
                "lessons": [
                    {
                        "title": "第一课",
                        "body": "正文",
                        "images": [{"file": "images/a.png", "sha256": "ab" * 32}],
                    }
                ],
                "questions": [
                    {
                        "id": "q1",
                        "type": SINGLE,
                        "topic": "t",
                        "text": "问？",
                        "options": ["甲", "乙"],
                        "correct": [1],
                        "explanation": "因为",
                    }
                ],
            }
        },
    }
    assert module.to_json() == frozen
    assert module.sha256 == content_sha256(frozen)
    assert Module.from_json(frozen) == Module(**{**module.__dict__, "path": None})


def test_hash_is_stable_and_covers_every_locale(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "training")
    before = load_modules(tmp_path)["confidentiality-daily"]
    assert before.sha256 == load_modules(ROOT / "content")["confidentiality-daily"].sha256
    assert Module.from_json(before.to_json()) == Module(**{**before.__dict__, "path": None})
    quiz = tmp_path / "training" / "confidentiality-daily" / "quiz.en.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("Shredded", "Burnt"), "utf-8")
    after = load_modules(tmp_path)["confidentiality-daily"]
    assert after.sha256 != before.sha256  # a word of the English quiz changes the hash
    lesson = tmp_path / "training" / "confidentiality-daily" / "lessons" / "01.zh_CN.md"
    lesson.write_bytes(lesson.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    assert load_modules(tmp_path)["confidentiality-daily"].sha256 == after.sha256  # CRLF


# --- validation names the file ------------------------------------------------------------


def test_minimal_module_loads_with_defaults(tmp_path: Path) -> None:
    module = load_module(_make(tmp_path))
    assert module.pass_mark == 80 and module.attempts == 3
    assert set(module.locales) == {"zh_CN"}
    q1, q2, q3 = module.content("en").questions  # no English: the Chinese content
    assert q1.correct == (1,) and q2.correct == (0, 2) and q3.correct == (1,)
    assert q3.option_count == 2 and module.content(None).lessons[1].title == "第二课"


@pytest.mark.parametrize(
    ("files", "file", "problem"),
    [
        (
            {"module.yaml": MODULE.replace("key: demo", "key: other")},
            "module.yaml",
            "differs from the folder name",
        ),
        ({"module.yaml": MODULE + "pass_mark: 120\n"}, "module.yaml", "pass_mark"),
        ({"module.yaml": MODULE + "attempts: yes\n"}, "module.yaml", "attempts"),
        ({"module.yaml": MODULE + "colour: red\n"}, "module.yaml", "unknown field(s): colour"),
        ({"module.yaml": MODULE.replace("[auxiliary]", "[chief]")}, "module.yaml", "chief"),
        ({"module.yaml": "key: [\n"}, "module.yaml", "invalid YAML"),
        ({"lessons__04.zh_CN.md": "# 第四课\n\n正文。"}, "lessons", "without gaps"),
        ({"lessons__01.zh_CN.md": "没有标题\n"}, "01.zh_CN.md", "'# Title'"),
        ({"lessons__01.zh_CN.md": "# 只有标题\n"}, "01.zh_CN.md", "empty lesson"),
        ({"lessons__01.zh_CN.md": "# 长\n\n" + "字" * 3600}, "01.zh_CN.md", "split it"),
        (
            {"lessons__01.zh_CN.md": "# 图\n\n![x](../../../secret.png)\n正文"},
            "01.zh_CN.md",
            "outside the module folder",
        ),
        ({"lessons__01.zh_CN.md": "# 图\n\n![x](nope.png)\n正文"}, "01.zh_CN.md", "not found"),
        ({"quiz.zh_CN.yaml": ""}, "quiz.zh_CN.yaml", "lessons but no quiz file"),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("correct: B", "correct: [A, B]")},
            "quiz.zh_CN.yaml",
            "question 1 (q1): a single-choice question has one correct",
        ),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("correct: B", "correct: E")},
            "quiz.zh_CN.yaml",
            "letters among A, B, C",
        ),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("id: q2", "id: q1")},
            "quiz.zh_CN.yaml",
            "duplicate id 'q1'",
        ),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("type: truefalse", "type: essay")},
            "quiz.zh_CN.yaml",
            "type must be one of",
        ),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("correct: false", "correct: B")},
            "quiz.zh_CN.yaml",
            "correct must be true or false",
        ),
        (
            {"quiz.zh_CN.yaml": QUIZ_ZH.replace("    explanation: 因为乙。\n", "")},
            "quiz.zh_CN.yaml",
            "question 1 (q1): missing explanation",
        ),
        (
            {
                "quiz.en.yaml": QUIZ_ZH,
                "lessons__01.en.md": "# One\n\nText.",
                "lessons__02.en.md": "# Two\n\nText.",
            },
            "",
            "",
        ),  # a complete second language loads
        (
            {
                "quiz.en.yaml": QUIZ_ZH.replace("correct: [A, C]", "correct: [A]"),
                "lessons__01.en.md": "# One\n\nText.",
                "lessons__02.en.md": "# Two\n\nText.",
            },
            "quiz.en.yaml",
            "differ from quiz.zh_CN.yaml",
        ),
        (
            {"quiz.en.yaml": QUIZ_ZH, "lessons__01.en.md": "# One\n\nText."},
            "lessons",
            "1 lessons in en but 2 in zh_CN",
        ),
        ({"quiz.en.yaml": QUIZ_ZH}, "lessons", "a quiz in en but no lessons"),
    ],
)
def test_bad_content_is_refused_naming_the_file(
    tmp_path: Path, files: dict[str, str], file: str, problem: str
) -> None:
    folder = _make(tmp_path, **files)
    if not problem:
        load_module(folder)  # valid variations load
        return
    error = _error(folder)
    assert error.path.name == file or error.path.name == Path(file).name, error
    assert problem in error.problem, error


def test_images_are_hashed_and_checked_when_shown(tmp_path: Path) -> None:
    folder = _make(tmp_path)
    (folder / "lessons" / "sign.png").write_bytes(b"\x89PNG fake")
    (folder / "lessons" / "01.zh_CN.md").write_text(
        "# 图示\n\n![标志](sign.png)\n\n看图。", encoding="utf-8"
    )
    module = load_module(folder)
    lesson = module.content(None).lessons[0]
    assert lesson.body == "看图。" and lesson.images[0].file == "lessons/sign.png"
    assert image_bytes(folder, lesson.images[0]) == b"\x89PNG fake"
    first = module.sha256
    (folder / "lessons" / "sign.png").write_bytes(b"\x89PNG other")
    assert image_bytes(folder, lesson.images[0]) is None  # changed after publishing: not shown
    assert load_module(folder).sha256 != first


# --- scoring and order --------------------------------------------------------------------


def test_scoring_is_exact_and_partial_multiple_choice_is_wrong(tmp_path: Path) -> None:
    q1, q2, q3 = load_module(_make(tmp_path)).content(None).questions
    assert q2.is_correct([2, 0]) and not q2.is_correct([0]) and not q2.is_correct([0, 1, 2])
    questions = (q1, q2, q3)
    assert score(questions, {"q1": [1], "q2": [0, 2], "q3": [1]}) == 3
    assert score(questions, {"q1": [1], "q2": [0], "q3": [1]}) == 2  # partial = wrong
    assert score(questions, {"q1": [1]}) == 1  # unanswered = wrong
    assert passed(8, 10, 80) and not passed(7, 10, 80) and passed(4, 5, 80)
    assert not passed(2, 3, 80) and passed(3, 3, 100) and not passed(0, 0, 80)
    assert percent(2, 3) == 66


def test_option_order_is_seeded_per_attempt(tmp_path: Path) -> None:
    module = load_modules(ROOT / "content")["duties-limits"]
    questions = module.content(None).questions
    first = [option_order(q, "7:1") for q in questions]
    assert first == [option_order(q, "7:1") for q in questions]  # same seed, same order
    assert first != [option_order(q, "7:2") for q in questions]  # next attempt differs
    for q, order in zip(questions, first, strict=True):
        assert sorted(order) == list(range(q.option_count))
        if q.type == TRUEFALSE:
            assert order == [0, 1]


def test_lesson_markdown_becomes_safe_html() -> None:
    html = to_html("## 要点\n- **不能** 单独搜查 <script>\n普通 & 文字")
    assert html == "<b>要点</b>\n• <b>不能</b> 单独搜查 &lt;script&gt;\n普通 &amp; 文字"
