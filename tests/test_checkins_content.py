"""The check-in questionnaire and register categories: the shipped files load, broken ones
are refused with the file and the problem named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.checkin_content import (
    NO,
    YES,
    CheckinContentError,
    load_categories,
    load_form,
)
from bot.config import ROOT


def test_shipped_questionnaire_has_both_languages_and_the_issue_topics() -> None:
    form = load_form(ROOT / "content")
    ids = [q.id for q in form.questions]
    assert {"hazard", "equipment", "difficulty", "mentor_need"} <= set(ids)
    for q in form.questions:
        assert q.prompt("zh_CN") and q.prompt("en"), q.id
        assert q.prompt("zh_CN") != q.prompt("en"), q.id
    hazard = form.question("hazard")
    assert hazard is not None and hazard.type == "yesno" and hazard.is_hazard(YES)
    assert not hazard.is_hazard(NO)
    difficulty = form.question("difficulty")
    assert difficulty is not None and difficulty.visibility == "office"
    detail = form.question("difficulty_detail")
    assert detail is not None and detail.care and detail.visibility == "office"
    assert detail.when == (
        "difficulty",
        frozenset({"pay", "insurance", "health", "family", "other"}),
    )
    assert "pay" in {o.id for o in difficulty.options}
    assert difficulty.option("pay") is not None
    assert difficulty.option("pay").label("en") == "Pay"  # type: ignore[union-attr]


def test_conditional_questions_are_skipped() -> None:
    form = load_form(ROOT / "content")
    first = form.next_index(0, {})
    assert first == 0
    answers = {"hazard": NO}
    after = form.next_index(1, answers)
    assert after is not None and form.questions[after].id == "equipment"
    answers["hazard"] = YES
    after = form.next_index(1, answers)
    assert after is not None and form.questions[after].id == "hazard_detail"


def test_shipped_categories_are_the_default_five() -> None:
    categories = load_categories(ROOT / "content")
    assert [c.label("zh_CN") for c in categories] == [
        "队伍管理",
        "执勤安全",
        "保密工作",
        "装备后勤",
        "其他",
    ]
    assert categories[0].label("en") == "Team management"


def _content(tmp_path: Path, form: str | None = None, categories: str | None = None) -> Path:
    folder = tmp_path / "content" / "checkin"
    folder.mkdir(parents=True)
    for name, text in (("default.yaml", form), ("register.yaml", categories)):
        if text is None:
            shutil.copy(ROOT / "content" / "checkin" / name, folder / name)
        else:
            (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "content"


def _q(extra: str, *, kind: str = "yesno", qid: str = "q1") -> str:
    return (
        "version: 1\nquestions:\n"
        f"  - id: {qid}\n    type: {kind}\n    visibility: mentor\n"
        "    text: {zh_CN: 问题}\n" + extra
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("questions: []\nversion: 1\n", "non-empty list"),
        ("version: 0\nquestions: [x]\n", "positive integer"),
        ("version: 1\nquestions:\n  - id: Bad-Id\n", "invalid id"),
        (_q("", kind="slider"), "type must be one of"),
        (_q("").replace("visibility: mentor", "visibility: leader"), "visibility"),
        (_q("").replace("{zh_CN: 问题}", "{en: Question}"), "needs at least zh_CN"),
        (_q("").replace("{zh_CN: 问题}", "{zh_CN: 问题, fr: Q}"), "unknown locale"),
        (_q("", kind="choice"), "2-8 options"),
        (_q("    hazard: [maybe]\n"), "not among"),
        (_q("    care: true\n"), "text questions only"),
        (_q("    when: {q0: [yes]}\n"), "earlier yesno or choice"),
        (_q("    colour: red\n"), "unknown field"),
        (
            _q("") + "  - id: q1\n    type: text\n    visibility: mentor\n"
            "    text: {zh_CN: 问题}\n",
            "duplicate id",
        ),
        ("version: 1\nquestions: [", "invalid YAML"),
    ],
)
def test_broken_questionnaire_is_refused_naming_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    content = _content(tmp_path, form=text)
    with pytest.raises(CheckinContentError) as err:
        load_form(content)
    assert problem in str(err.value)
    assert "default.yaml" in str(err.value)


def test_unquoted_yes_in_yaml_means_the_answer_yes(tmp_path: Path) -> None:
    text = _q("    hazard: [yes]\n") + (
        "  - id: q2\n    type: text\n    visibility: office\n    care: true\n"
        "    when: {q1: [yes]}\n    text: {zh_CN: 说明}\n"
    )
    form = load_form(_content(tmp_path, form=text))
    assert form.questions[0].hazard == frozenset({YES})
    assert form.questions[1].when == ("q1", frozenset({YES}))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("categories: []\n", "non-empty list"),
        (
            "categories:\n  - {id: a, text: {zh_CN: 甲}}\n  - {id: a, text: {zh_CN: 乙}}\n",
            "duplicate id",
        ),
        ("categories:\n  - {id: A, text: {zh_CN: 甲}}\n", "invalid id"),
        ("categories:\n  - {id: a}\n", "'id' and 'text'"),
    ],
)
def test_broken_categories_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(CheckinContentError) as err:
        load_categories(_content(tmp_path, categories=text))
    assert problem in str(err.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckinContentError) as err:
        load_form(tmp_path)
    assert "file not found" in str(err.value)
