"""Pledge documents: the shipped texts, header validation, hashing and pagination."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.content import ContentError, load_pledges, paginate, paragraphs, pick

_HAN = re.compile(r"[\u4e00-\u9fff]")
HEADER = {
    "key": "confidentiality",
    "title": "保密承诺书",
    "version": "1",
    "audience": "[auxiliary]",
    "locale": "zh_CN",
}


def _doc(**fields: str | None) -> str:
    """A pledge file; a field set to None is left out of the header."""
    header = {**HEADER, **fields}
    lines = [f"{name}: {value}" for name, value in header.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n\n一、第一条。\n\n二、第二条。\n"


def _write(root: Path, files: dict[str, str], newline: str = "\n") -> Path:
    folder = root / "pledges"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.replace("\n", newline).encode("utf-8"))
    return root


def _no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


# --- the shipped documents ---------------------------------------------------------------


def test_shipped_pledges_load_in_both_languages() -> None:
    docs = load_pledges(ROOT / "content")
    assert set(docs) == {"confidentiality", "online-conduct", "responsibility"}
    for key, by_locale in docs.items():
        assert set(by_locale) == {"zh_CN", "en"}, key
        zh, en = by_locale["zh_CN"], by_locale["en"]
        assert zh.version == en.version == (2 if key == "responsibility" else 1)
        assert zh.sha256 != en.sha256
        assert _HAN.search(zh.title)
        assert _HAN.search(zh.body)
        assert en.body
        assert not _HAN.search(en.body + en.title), key
        # The bot records the signature: the text asks for the typed full name, no blank line.
        assert "输入本人全名" in zh.body.splitlines()[-1]
        assert "full name" in en.body.splitlines()[-1]
        assert not re.search("签名|示例", zh.body)
        assert "sample" not in en.body.lower()
    assert docs["confidentiality"]["zh_CN"].title == "保密承诺书"
    assert docs["online-conduct"]["zh_CN"].title == "网络社交行为承诺书"
    assert docs["responsibility"]["zh_CN"].title == "教育管理责任书"
    assert docs["confidentiality"]["en"].audience == ("auxiliary",)
    assert docs["online-conduct"]["zh_CN"].audience == ("auxiliary",)
    assert docs["responsibility"]["zh_CN"].audience == ("mentor", "leader")
    assert docs["responsibility"]["en"].audience == ("mentor", "leader")
    # the seed's words: the letter binds whoever takes the post over (issue 21)
    assert "若责任人工作调整，由继任人继续履行责任" in docs["responsibility"]["zh_CN"].body
    assert "带辅责任民警或分管责任领导" in docs["responsibility"]["zh_CN"].body


def test_shipped_chinese_texts_are_short_and_fit_one_page() -> None:
    for by_locale in load_pledges(ROOT / "content").values():
        zh = by_locale["zh_CN"]
        assert 400 <= len(_no_space(zh.body)) <= 900, zh.path.name
        assert paginate(zh.body) == [zh.body]


def test_pick_falls_back_to_chinese() -> None:
    by_locale = load_pledges(ROOT / "content")["confidentiality"]
    assert pick(by_locale, "en").locale == "en"
    assert pick(by_locale, "fr").locale == "zh_CN"
    assert pick(by_locale, None).locale == "zh_CN"


# --- validation ---------------------------------------------------------------------------


MALFORMED = [
    ("一、没有文件头。\n", "missing header"),
    ("---\nkey: confidentiality\n一、没有结束行。\n", "missing header"),
    ("---\nkey: [unclosed\n---\n\n正文。\n", "invalid YAML header"),
    ("---\n- key\n- title\n---\n\n正文。\n", "invalid header"),
    (_doc(title=None), "missing header field(s): title"),
    (_doc(version=None, locale=None), "missing header field(s): version, locale"),
    (_doc(audience="[]"), "audience must be a list"),
    (_doc(signer="张三"), "unknown header field(s): signer"),
    (_doc(key="Confidentiality Pledge"), "invalid key"),
    (_doc(audience="[auxiliary, chief]"), "unknown role 'chief'"),
    (_doc(audience="auxiliary"), "audience must be a list"),
    (_doc(locale="zh_TW"), "unknown locale 'zh_TW'"),
    (_doc(version="0"), "version must be a positive integer"),
    (_doc(version="-2"), "version must be a positive integer"),
    (_doc(version="'1'"), "version must be a positive integer"),
    (_doc(version="1.5"), "version must be a positive integer"),
    (_doc(version="yes"), "version must be a positive integer"),
    (
        "---\nkey: confidentiality\ntitle: 保密承诺书\nversion: 1\naudience: [auxiliary]\n"
        "locale: zh_CN\n---\n\n  \n\n",
        "empty body",
    ),
]


@pytest.mark.parametrize(("text", "problem"), MALFORMED, ids=[p for _, p in MALFORMED])
def test_malformed_file_is_refused_naming_it(tmp_path: Path, text: str, problem: str) -> None:
    _write(tmp_path, {"confidentiality.zh_CN.md": text})
    with pytest.raises(ContentError) as info:
        load_pledges(tmp_path)
    assert problem in str(info.value)
    assert "confidentiality.zh_CN.md" in str(info.value)


@pytest.mark.parametrize(
    ("files", "culprit", "problem"),
    [
        (
            {"a.zh_CN.md": _doc(), "b.en.md": _doc(locale="en", version="2")},
            "b.en.md",
            "version 2 differs from version 1 in a.zh_CN.md",
        ),
        (
            {"a.zh_CN.md": _doc(), "b.en.md": _doc(locale="en", audience="[auxiliary, mentor]")},
            "b.en.md",
            "audience ['auxiliary', 'mentor'] differs",
        ),
        (
            {"only.en.md": _doc(locale="en")},
            "only.en.md",
            "pledge 'confidentiality' has no zh_CN document",
        ),
        (
            {"a.zh_CN.md": _doc(), "copy.zh_CN.md": _doc()},
            "copy.zh_CN.md",
            "duplicate pledge 'confidentiality' in locale zh_CN",
        ),
    ],
)
def test_inconsistent_locales_are_refused(
    tmp_path: Path, files: dict[str, str], culprit: str, problem: str
) -> None:
    _write(tmp_path, files)
    with pytest.raises(ContentError) as info:
        load_pledges(tmp_path)
    assert problem in str(info.value)
    assert info.value.path.name == culprit


def test_missing_pledge_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="pledge folder not found"):
        load_pledges(tmp_path)


def test_readme_is_skipped_and_audience_order_is_canonical(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "README.md": "# Not a pledge\n",
            "r.zh_CN.md": _doc(key="responsibility", audience="[leader, mentor, leader]"),
            "r.en.md": _doc(key="responsibility", locale="en", audience="[mentor, leader]"),
        },
    )
    docs = load_pledges(tmp_path)
    assert list(docs) == ["responsibility"]
    assert docs["responsibility"]["zh_CN"].audience == ("mentor", "leader")


# --- hashing ------------------------------------------------------------------------------


def test_sha256_is_over_the_stored_body_and_ignores_line_endings(tmp_path: Path) -> None:
    text = _doc() + "\n\n"  # trailing blank lines are not part of the text
    lf = load_pledges(_write(tmp_path / "lf", {"c.zh_CN.md": text}))["confidentiality"]["zh_CN"]
    crlf = load_pledges(_write(tmp_path / "crlf", {"c.zh_CN.md": text}, newline="\r\n"))
    bom = tmp_path / "bom" / "pledges"
    bom.mkdir(parents=True)
    (bom / "c.zh_CN.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with_bom = load_pledges(tmp_path / "bom")["confidentiality"]["zh_CN"]

    assert lf.body == "一、第一条。\n\n二、第二条。"
    assert lf.sha256 == hashlib.sha256(lf.body.encode("utf-8")).hexdigest()
    assert crlf["confidentiality"]["zh_CN"].body == lf.body
    assert crlf["confidentiality"]["zh_CN"].sha256 == lf.sha256
    assert with_bom.sha256 == lf.sha256


def test_sha256_changes_with_any_edit(tmp_path: Path) -> None:
    one = load_pledges(_write(tmp_path / "a", {"c.zh_CN.md": _doc()}))
    edited = _write(tmp_path / "b", {"c.zh_CN.md": _doc().replace("第二条。", "第二条，")})
    assert (
        load_pledges(edited)["confidentiality"]["zh_CN"].sha256
        != one["confidentiality"]["zh_CN"].sha256
    )


# --- pagination ---------------------------------------------------------------------------


def _long_document() -> str:
    clauses = [f"{i}、" + "本人承诺遵守规定。" * (i * 7 % 40 + 1) for i in range(1, 80)]
    return "为做好工作，承诺如下：\n\n" + "\n\n".join(clauses) + "\n\n本人确认。"


def test_paginate_keeps_every_paragraph_within_the_limit() -> None:
    body = _long_document()
    pages = paginate(body, limit=500)
    assert len(pages) > 5
    assert all(0 < len(page) <= 500 for page in pages)
    assert "\n\n".join(pages) == body
    # Pages break between paragraphs, never inside one.
    assert [p for page in pages for p in paragraphs(page)] == paragraphs(body)


def test_paginate_collapses_extra_blank_lines_only() -> None:
    body = "第一段\n第一段续\n\n\n \n第二段\n\n\t\n第三段"
    assert paragraphs(body) == ["第一段\n第一段续", "第二段", "第三段"]
    assert paginate(body) == ["第一段\n第一段续\n\n第二段\n\n第三段"]
    assert paginate(body, limit=10) == ["第一段\n第一段续", "第二段\n\n第三段"]


def test_paginate_splits_an_overlong_paragraph_at_lines_then_hard() -> None:
    lines = [f"第{i}行" + "内容" * 20 for i in range(30)]  # about 45 characters each
    giant_line = "长" * 1234
    body = "开头。\n\n" + "\n".join(lines) + "\n\n" + giant_line + "\n\n结尾。"
    pages = paginate(body, limit=300)
    assert all(0 < len(page) <= 300 for page in pages)
    assert _no_space("".join(pages)) == _no_space(body)
    # Lines of the long paragraph survive whole and in order.
    found = [line for page in pages for line in page.split("\n") if line.startswith("第")]
    assert found == lines


def test_paginate_edge_cases() -> None:
    assert paginate("") == []
    assert paginate("\n\n  \n") == []
    assert paginate("一段。") == ["一段。"]
    with pytest.raises(ValueError, match="limit"):
        paginate("一段。", limit=0)
