"""Pledge documents: Markdown files with a YAML header under <content_dir>/pledges/.

A pure loader: it reads and validates files and knows nothing about the database.
Publishing a loaded document (freezing it as a pledge version) is the pledge service's job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bot.i18n import LOCALES
from bot.text import split_plain
from storage.models import Role

BASE_LOCALE = "zh_CN"
PAGE_LIMIT = 3500
FIELDS = ("key", "title", "version", "audience", "locale")
OPTIONAL = ("training",)  # the key of a training module signers must have passed first

# Keys travel inside button tokens ("pl:s:<key>") and a String(64) column: keep them short.
_KEY = re.compile(r"[a-z][a-z0-9-]{0,31}")
_TITLE_MAX = 200  # pledge_version.title is String(200)
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_ROLE_ORDER = [role.value for role in Role]


class ContentError(Exception):
    """A content file is malformed; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class PledgeDoc:
    """One pledge text in one locale, as loaded from its file."""

    key: str
    title: str
    version: int
    audience: tuple[str, ...]  # role values in Role order, no duplicates
    locale: str
    body: str  # canonical form, see canonical_body()
    path: Path
    training: str | None = None  # a module key (content/training/<key>): passed before signing

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the body: the exact text shown to the signer and stored with it."""
        return body_sha256(self.body)


def canonical_body(text: str) -> str:
    """The form a body is shown, stored and hashed in.

    CRLF becomes LF, and leading blank lines and trailing whitespace of the whole text
    are dropped, so that the same document saved on Windows or Linux, with or without a
    final newline, has the same hash. Nothing inside the text is touched.
    """
    return text.replace("\r\n", "\n").rstrip().lstrip("\n")


def body_sha256(body: str) -> str:
    """Hex SHA-256 of a canonical body, encoded as UTF-8."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def load_pledges(content_dir: Path) -> dict[str, dict[str, PledgeDoc]]:
    """Read and validate every pledge document: key -> locale -> document."""
    folder = content_dir / "pledges"
    if not folder.is_dir():
        raise ContentError(folder, "pledge folder not found")
    docs: dict[str, dict[str, PledgeDoc]] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        doc = _load_one(path)
        by_locale = docs.setdefault(doc.key, {})
        if doc.locale in by_locale:
            raise ContentError(
                path,
                f"duplicate pledge {doc.key!r} in locale {doc.locale} "
                f"(also in {by_locale[doc.locale].path.name})",
            )
        for other in by_locale.values():
            if other.version != doc.version:
                raise ContentError(
                    path,
                    f"version {doc.version} differs from version {other.version} "
                    f"in {other.path.name}; all locales of a pledge share one version",
                )
            if other.audience != doc.audience:
                raise ContentError(
                    path,
                    f"audience {list(doc.audience)} differs from {list(other.audience)} "
                    f"in {other.path.name}; all locales of a pledge share one audience",
                )
            if other.training != doc.training:
                raise ContentError(
                    path,
                    f"training {doc.training!r} differs from {other.training!r} "
                    f"in {other.path.name}; all locales of a pledge require the same training",
                )
        by_locale[doc.locale] = doc
    for key, by_locale in docs.items():
        if BASE_LOCALE not in by_locale:
            some = next(iter(by_locale.values()))
            raise ContentError(some.path, f"pledge {key!r} has no {BASE_LOCALE} document")
    return docs


def pick(by_locale: dict[str, PledgeDoc], locale: str | None) -> PledgeDoc:
    """The document in the person's locale, else the zh_CN one (always present)."""
    if locale is not None and locale in by_locale:
        return by_locale[locale]
    return by_locale[BASE_LOCALE]


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs: text between blank lines (whitespace-only lines count)."""
    return [p for p in _BLANK_LINES.split(body.strip("\n")) if p.strip()]


def paginate(body: str, limit: int = PAGE_LIMIT) -> list[str]:
    """Split a body into pages of at most `limit` characters at paragraph boundaries.

    Paragraphs are packed greedily, joined by one blank line, so for a body whose
    paragraphs all fit, "\\n\\n".join(pages) == "\\n\\n".join(paragraphs(body)). A paragraph
    longer than a page is split between lines, and a line longer than a page is cut
    hard; no character other than the line break at such a cut is lost.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    paras = paragraphs(body)
    if not paras:
        return []
    # split_plain packs at "\n\n" first; with no empty paragraphs left, it keeps them all.
    return split_plain("\n\n".join(paras), limit)


def _load_one(path: Path) -> PledgeDoc:
    # utf-8-sig: a BOM left by a Windows editor must not hide the header
    try:
        raw = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not valid UTF-8 ({exc.reason})") from exc
    match = _FRONT_MATTER.match(raw)
    if match is None:
        raise ContentError(
            path, "missing header: start the file with '---', the YAML header, then '---'"
        )
    try:
        header = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ContentError(path, f"invalid YAML header: {one_line(exc)}") from exc
    if not isinstance(header, dict):
        raise ContentError(path, "invalid header: expected 'field: value' lines")
    fields = _check_header(path, header)
    body = canonical_body(raw[match.end() :])
    if not body:
        raise ContentError(path, "empty body: the pledge has no text after the header")
    return PledgeDoc(**fields, body=body, path=path)


def _check_header(path: Path, header: dict[Any, Any]) -> dict[str, Any]:
    missing = [name for name in FIELDS if header.get(name) in (None, "")]
    if missing:
        raise ContentError(path, f"missing header field(s): {', '.join(missing)}")
    unknown = sorted(str(name) for name in header if name not in FIELDS + OPTIONAL)
    if unknown:
        raise ContentError(path, f"unknown header field(s): {', '.join(unknown)}")

    key, title, version = header["key"], header["title"], header["version"]
    audience, locale = header["audience"], header["locale"]
    check_key(path, key)
    if not isinstance(title, str) or not title.strip() or len(title) > _TITLE_MAX:
        raise ContentError(path, f"invalid title: text of at most {_TITLE_MAX} characters")
    check_version(path, version)
    roles = audience_of(path, audience)
    if locale not in LOCALES:
        raise ContentError(path, f"unknown locale {locale!r}; known: {', '.join(LOCALES)}")
    training = header.get("training")
    if training is not None and (not isinstance(training, str) or not _KEY.fullmatch(training)):
        raise ContentError(
            path, f"invalid training {training!r}: the key of a module in content/training"
        )
    return {
        "training": training,
        "key": key,
        "title": title.strip(),
        "version": version,
        "audience": roles,
        "locale": locale,
    }


# --- checks shared by the content loaders (pledges here, training modules) ---------------


def positive_int(value: Any) -> bool:
    # bool is an int in Python; "version: yes" must not pass as 1
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def check_key(path: Path, key: Any) -> None:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ContentError(
            path, f"invalid key {key!r}: use 1-32 lower-case letters, digits and '-'"
        )


def check_version(path: Path, version: Any) -> None:
    if not positive_int(version):
        raise ContentError(path, f"version must be a positive integer, got {version!r}")


def audience_of(path: Path, audience: Any) -> tuple[str, ...]:
    """The audience's roles, checked, in the roles' own order."""
    if not isinstance(audience, list) or not audience:
        raise ContentError(path, "audience must be a list of roles, e.g. [auxiliary]")
    for role in audience:
        if role not in _ROLE_ORDER:
            raise ContentError(
                path, f"unknown role {role!r} in audience; known: {', '.join(_ROLE_ORDER)}"
            )
    return tuple(role for role in _ROLE_ORDER if role in audience)


def locale_texts(value: Any, max_len: int, fail: Callable[[str, str], NoReturn]) -> dict[str, str]:
    """A mapping of locale to text, each text stripped: BASE_LOCALE among the locales, every
    locale known, every text a string of 1 to `max_len` characters. What is wrong calls
    `fail(problem, locale)`, `problem` one of "base", "unknown" and "text"."""
    if not isinstance(value, dict) or BASE_LOCALE not in value:
        fail("base", BASE_LOCALE)
    out: dict[str, str] = {}
    for locale, text in value.items():
        if locale not in LOCALES:
            fail("unknown", locale)
        if not isinstance(text, str) or not text.strip() or len(text) > max_len:
            fail("text", locale)
        out[locale] = text.strip()
    return out


def known_fields(
    path: Path,
    where: str,
    item: Any,
    known: Collection[str],
    error: Callable[[Path, str], Exception],
) -> dict[Any, Any]:
    """`item` (the part of `path` named by `where`) as a mapping of fields, all `known`;
    else `error(path, problem)` is raised."""
    if not isinstance(item, dict):
        raise error(path, f"{where}: expected 'field: value' lines")
    unknown = sorted(str(n) for n in item if n not in known)
    if unknown:
        raise error(path, f"{where}: unknown field(s): {', '.join(unknown)}")
    return item


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
