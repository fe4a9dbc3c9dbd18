"""The hotline knowledge base: FAQ entries and policy documents; checked, indexed, searched.

Content lives under <content_dir>/kb/ (see content/kb/README.md):
- faq.<locale>.yaml: entries with an id, a question, alternative phrasings, the answer and
  the source it rests on (a policy document and article). zh_CN is required; other locales
  translate the same ids.
- docs/<key>.<locale>.md: policy documents with a YAML header (key, title, locale), split
  into articles by headings "## 第X条 标题" / "## Article N Title".

Retrieval is made for Chinese without a segmenter or a dictionary download: text is
NFKC-normalized and case-folded; Chinese runs become character unigrams and bigrams, Latin
text lower-case words with a light plural/suffix strip. BM25 (the `bm25s` library, fed these
tokens) scores two fields per FAQ entry: its questions and phrasings (all locales), and at a
lower weight its answers and the text of the article it cites (bench/bench_hotline.py
measures that both the library and the second field pay off).

Confidence (thresholds chosen on the tuning half of tests/data/hotline_questions.yaml, see
`decide`): the share of the query's information (idf) matched by the best entry, and the
score margin to the second. Noise (no two letters or Chinese characters) is never looked up.
A pure module: it reads files and knows nothing of the database.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import bm25s
import numpy as np
import yaml

from bot.i18n import LOCALES

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported, which floods the CLI's stderr
logging.getLogger("bm25s").setLevel(logging.WARNING)

BASE_LOCALE = "zh_CN"
CONTACT_TOPIC = "contact"  # an entry on reaching the hotline: shown with the asker's contacts
FAQ_FIELDS = ("id", "topic", "question", "phrasings", "answer", "source")
DOC_FIELDS = ("key", "title", "locale")

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # travels in button tokens "hl:f:<id>"
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_ARTICLE = re.compile(
    r"^#{1,4}[ \t]*(?:第[ \t]*([零〇一二两三四五六七八九十百\d]+)[ \t]*条|article[ \t]+(\d+))"
    r"[ \t:：.、]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


# --- content ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    doc: str
    article: int


@dataclass(frozen=True, slots=True)
class FaqText:
    """An entry in one locale."""

    question: str
    phrasings: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Faq:
    id: str
    topic: str | None
    source: Source
    texts: dict[str, FaqText]  # locale -> text; zh_CN always present

    def text(self, locale: str | None) -> FaqText:
        """The entry in `locale`, else in zh_CN."""
        return self.texts.get(locale or BASE_LOCALE) or self.texts[BASE_LOCALE]


@dataclass(frozen=True, slots=True)
class Article:
    number: int
    heading: str  # as written: "第三条 禁止事项", "Article 3 Prohibited acts"
    body: str


@dataclass(frozen=True)
class PolicyDoc:
    key: str
    title: str
    locale: str
    articles: dict[int, Article]
    path: Path


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an answer comes from, in one locale."""

    title: str
    heading: str


@dataclass(frozen=True)
class KnowledgeBase:
    faqs: dict[str, Faq]  # in file order
    docs: dict[str, dict[str, PolicyDoc]]  # key -> locale -> document
    sample: bool  # shipped example content: answers carry a "sample" footer
    fingerprint: str  # sha256 over every content file

    def cite(self, source: Source, locale: str | None) -> Citation:
        by_locale = self.docs[source.doc]
        doc = by_locale.get(locale or BASE_LOCALE) or by_locale[BASE_LOCALE]
        article = (
            doc.articles.get(source.article) or by_locale[BASE_LOCALE].articles[source.article]
        )
        return Citation(doc.title, article.heading)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `check`: an error stops loading, a warning does not."""

    path: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.path}: {self.message}"


class KbError(Exception):
    """The knowledge base has errors; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.error]
        super().__init__(f"{len(errors)} error(s) in the knowledge base; first: {errors[0]}")


def load(content_dir: Path) -> KnowledgeBase:
    """Read and validate the knowledge base, or raise KbError listing every problem."""
    kb, problems = check(content_dir)
    if kb is None:
        raise KbError(problems)
    return kb


def check(content_dir: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Validate everything; the knowledge base (None when there is any error) and findings."""
    folder = content_dir / "kb"
    checker = _Checker(folder)
    kb = checker.run()
    return (kb if not checker.errors else None), checker.problems


class _Checker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    def fail(self, path: Path | str, message: str, *, error: bool = True) -> None:
        name = path.relative_to(self.folder).as_posix() if isinstance(path, Path) else path
        self.problems.append(Problem(str(name), message, error))

    def read(self, path: Path) -> str | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.fail(path, f"cannot read ({exc.strerror})")
            return None
        self.digest.update(path.name.encode() + b"\0" + raw)
        try:
            # utf-8-sig: a BOM left by a Windows editor must not hide the header
            return raw.decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            self.fail(path, f"not valid UTF-8 ({exc.reason})")
            return None

    def run(self) -> KnowledgeBase | None:
        if not self.folder.is_dir():
            self.fail(str(self.folder), "knowledge base folder not found")
            return None
        docs = self.load_docs()
        texts: dict[str, dict[str, tuple[FaqText, Source, str | None]]] = {}
        sample = False
        for locale in LOCALES:
            path = self.folder / f"faq.{locale}.yaml"
            if not path.exists():
                if locale == BASE_LOCALE:
                    self.fail(path, "the zh_CN FAQ file is missing")
                continue
            loaded = self.load_faq_file(path, locale, docs)
            if loaded is not None:
                entries, is_sample = loaded
                texts[locale] = entries
                sample = sample or is_sample
        base = texts.get(BASE_LOCALE, {})
        faqs: dict[str, Faq] = {}
        for faq_id, (text, source, topic) in base.items():
            by_locale = {BASE_LOCALE: text}
            for locale, entries in texts.items():
                if locale == BASE_LOCALE:
                    continue
                other = entries.get(faq_id)
                if other is None:
                    self.fail(
                        f"faq.{locale}.yaml",
                        f"entry {faq_id!r} is not translated (the zh_CN text is shown)",
                        error=False,
                    )
                    continue
                if other[1] != source:
                    self.fail(
                        f"faq.{locale}.yaml",
                        f"entry {faq_id!r} cites {_src(other[1])} "
                        f"but the zh_CN entry cites {_src(source)}",
                    )
                by_locale[locale] = other[0]
            faqs[faq_id] = Faq(faq_id, topic, source, by_locale)
        for locale, entries in texts.items():
            for faq_id in entries.keys() - base.keys():
                self.fail(f"faq.{locale}.yaml", f"entry {faq_id!r} has no zh_CN entry")
        if self.errors:
            return None
        return KnowledgeBase(faqs, docs, sample, self.digest.hexdigest())

    # --- policy documents ----------------------------------------------------------------

    def load_docs(self) -> dict[str, dict[str, PolicyDoc]]:
        docs: dict[str, dict[str, PolicyDoc]] = {}
        folder = self.folder / "docs"
        if not folder.is_dir():
            self.fail(str(folder), "policy document folder docs/ not found")
            return docs
        for path in sorted(folder.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            doc = self.load_doc(path)
            if doc is None:
                continue
            by_locale = docs.setdefault(doc.key, {})
            if doc.locale in by_locale:
                self.fail(
                    path,
                    f"document {doc.key!r} in {doc.locale} twice "
                    f"(also {by_locale[doc.locale].path.name})",
                )
                continue
            by_locale[doc.locale] = doc
        for key, by_locale in docs.items():
            base = by_locale.get(BASE_LOCALE)
            if base is None:
                self.fail(
                    next(iter(by_locale.values())).path, f"document {key!r} has no zh_CN version"
                )
                continue
            for doc in by_locale.values():
                if doc is not base and set(doc.articles) != set(base.articles):
                    self.fail(
                        doc.path,
                        "its articles "
                        f"{sorted(doc.articles)} differ from the zh_CN version's "
                        f"{sorted(base.articles)}",
                    )
        return docs

    def load_doc(self, path: Path) -> PolicyDoc | None:
        raw = self.read(path)
        if raw is None:
            return None
        match = _FRONT_MATTER.match(raw)
        if match is None:
            self.fail(path, "missing header: start with '---', key/title/locale, then '---'")
            return None
        try:
            header = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            self.fail(path, f"invalid YAML header: {_one_line(exc)}")
            return None
        if not isinstance(header, dict):
            self.fail(path, "invalid header: expected 'field: value' lines")
            return None
        missing = [f for f in DOC_FIELDS if not isinstance(header.get(f), str) or not header[f]]
        if missing:
            self.fail(path, f"missing header field(s): {', '.join(missing)}")
            return None
        if not _ID.fullmatch(header["key"]):
            self.fail(path, f"invalid key {header['key']!r}: lower-case letters, digits, '-'")
            return None
        if header["locale"] not in LOCALES:
            self.fail(path, f"unknown locale {header['locale']!r}")
            return None
        body = raw[match.end() :]
        heads = list(_ARTICLE.finditer(body))
        if not heads:
            self.fail(
                path,
                "no articles: split the text with headings '## 第一条 ...' or '## Article 1 ...'",
            )
            return None
        articles: dict[int, Article] = {}
        for i, head in enumerate(heads):
            number = _article_number(head.group(1) or head.group(2))
            end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
            text = body[head.end() : end].strip()
            heading = " ".join(head.group(0).lstrip("#").split())
            if number is None or number < 1:
                self.fail(path, f"cannot read the article number of {heading!r}")
                continue
            if number in articles:
                self.fail(path, f"article {number} twice ({heading!r})")
                continue
            if not text:
                self.fail(path, f"article {number} has no text")
                continue
            articles[number] = Article(number, heading, text)
        return PolicyDoc(header["key"], header["title"].strip(), header["locale"], articles, path)

    # --- FAQ files -----------------------------------------------------------------------

    def load_faq_file(
        self, path: Path, locale: str, docs: dict[str, dict[str, PolicyDoc]]
    ) -> tuple[dict[str, tuple[FaqText, Source, str | None]], bool] | None:
        raw = self.read(path)
        if raw is None:
            return None
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            self.fail(path, f"invalid YAML: {_one_line(exc)}")
            return None
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            self.fail(path, "expected 'locale:', 'sample:' and a list under 'entries:'")
            return None
        if data.get("locale") != locale:
            self.fail(path, f"locale: should be {locale}, got {data.get('locale')!r}")
        sample = data.get("sample", False)
        if not isinstance(sample, bool):
            self.fail(path, "sample: must be true or false")
            sample = True
        out: dict[str, tuple[FaqText, Source, str | None]] = {}
        seen: dict[str, str] = {}  # normalized phrasing -> entry id
        for n, item in enumerate(data["entries"], start=1):
            where = f"entry {n}"
            if not isinstance(item, dict):
                self.fail(path, f"{where}: expected 'field: value' lines")
                continue
            faq_id = item.get("id")
            if not isinstance(faq_id, str) or not _ID.fullmatch(faq_id):
                self.fail(
                    path,
                    f"{where}: invalid id {faq_id!r} (1-40 lower-case letters, digits and '-')",
                )
                continue
            where = f"entry {faq_id!r}"
            if faq_id in out:
                self.fail(path, f"{where}: id used twice")
                continue
            unknown = sorted(str(k) for k in item if k not in FAQ_FIELDS)
            if unknown:
                self.fail(path, f"{where}: unknown field(s) {', '.join(unknown)}")
            question = _text(item.get("question"))
            answer = _text(item.get("answer"))
            if not question:
                self.fail(path, f"{where}: missing question")
            if not answer:
                self.fail(path, f"{where}: missing answer")
            phrasings = item.get("phrasings") or []
            if not isinstance(phrasings, list) or not all(
                isinstance(p, str) and p.strip() for p in phrasings
            ):
                self.fail(path, f"{where}: phrasings must be a list of texts")
                phrasings = []
            if not phrasings:
                self.fail(path, f"{where}: no alternative phrasings (give at least one)")
            elif len(phrasings) < 3:
                self.fail(
                    path,
                    f"{where}: only {len(phrasings)} phrasing(s); 3 or more help retrieval",
                    error=False,
                )
            for phrase in [question, *phrasings]:
                key = _phrase_key(phrase)
                if not key:
                    continue
                if key in seen:
                    other = seen[key]
                    self.fail(
                        path,
                        f"{where}: duplicate phrasing {phrase.strip()!r}"
                        + (
                            " (twice in this entry)"
                            if other == faq_id
                            else f" (also in entry {other!r})"
                        ),
                    )
                else:
                    seen[key] = faq_id
            source = self.check_source(path, where, item.get("source"), docs, locale)
            topic = item.get("topic")
            if question and answer and source is not None:
                out[faq_id] = (
                    FaqText(question, tuple(p.strip() for p in phrasings), answer),
                    source,
                    str(topic) if topic else None,
                )
        return out, sample

    def check_source(
        self,
        path: Path,
        where: str,
        raw: Any,
        docs: dict[str, dict[str, PolicyDoc]],
        locale: str,
    ) -> Source | None:
        if not isinstance(raw, dict) or "doc" not in raw or "article" not in raw:
            self.fail(path, f"{where}: missing source (source: {{doc: KEY, article: N}})")
            return None
        doc, article = raw["doc"], raw["article"]
        if not isinstance(article, int) or isinstance(article, bool):
            self.fail(path, f"{where}: source article must be a number, got {article!r}")
            return None
        source = Source(str(doc), article)
        by_locale = docs.get(source.doc)
        if by_locale is None:
            self.fail(
                path,
                f"{where}: broken source: no document {source.doc!r} "
                f"(known: {', '.join(sorted(docs)) or 'none'})",
            )
            return None
        target = by_locale.get(locale) or by_locale.get(BASE_LOCALE)
        if target is None or article not in target.articles:
            self.fail(
                path, f"{where}: broken source: document {source.doc!r} has no article {article}"
            )
            return None
        return source


_CJK_TEXT = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK_TEXT}])\s+(?=[{_CJK_TEXT}])")


def _text(value: Any) -> str:
    """One line; a line break folded between Chinese characters leaves no space."""
    if not isinstance(value, str):
        return ""
    return _CJK_GAP.sub("", " ".join(value.split()))


def _src(source: Source) -> str:
    return f"{source.doc} #{source.article}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _phrase_key(text: str) -> str:
    """Two phrasings that differ only in case, width, spaces or punctuation are the same."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in norm if ch.isalnum())


def _article_number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    total, current = 0, 0
    for ch in raw:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


# --- tokenizing --------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
# Function characters: dropped as unigrams, and a bigram made of two of them is dropped.
_STOP_CHARS = frozenset(
    "的了吗呢吧啊呀嘛么吶哦哈是我你您他她它们在和与及或就都也还这那个些一该请问下"
)
_ENGLISH_STOP = """
    a an the is are am was were be been being do does did doing i me my mine we our you
    your he she it its they them their this that these those of to in on at by for from
    with about as into and or but if then so than what which who whom whose when where why
    how can could should would will shall may might must have has had having get got not no
    any some there here just also too very please hi hello thanks thank yes ok
"""
_STOP_WORDS = frozenset(_ENGLISH_STOP.split())


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


_IRREGULAR = {
    "paid": "pay",
    "got": "get",
    "hurt": "injur",
    "ill": "sick",
    "wife": "spouse",
    "husband": "spouse",
    "quit": "resign",
    "fired": "dismiss",
    "fire": "dismiss",
}


def _stem(word: str) -> str:
    """A light English suffix strip: "contracts"/"contract", "promoted"/"promote"."""
    word = _IRREGULAR.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2] if word.endswith("eed") else word[:-1]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # "promote"/"promoted" -> "promot"
    return word


def tokenize(text: str) -> list[str]:
    """Character unigrams and bigrams for Chinese, stemmed words for Latin text."""
    out: list[str] = []
    for run in _RUNS.findall(normalize(text)):
        if run[0].isascii():
            if run not in _STOP_WORDS:
                out.append(_stem(run))
            continue
        for i, ch in enumerate(run):
            if ch not in _STOP_CHARS:
                out.append(ch)
            if i + 1 < len(run):
                pair = run[i : i + 2]
                if not (ch in _STOP_CHARS and pair[1] in _STOP_CHARS):
                    out.append(pair)
    return out


# --- the index ---------------------------------------------------------------------------

K1 = 1.2
B = 0.75
ANSWER_WEIGHT = 0.3  # answers and cited articles count less than questions and phrasings

Confidence = Literal["answer", "suggest", "none"]

# Chosen on the tuning half of tests/data/hotline_questions.yaml only (`tune` in
# tests/test_hotline_retrieval.py picks them and the test checks these are its choice;
# `pytest -s -k tune tests/test_hotline_retrieval.py` prints the grid). An answer is given
# at once only when the best entry explains enough of the query's information (idf) and
# beats the runner-up by a margin of its score; below MIN_COVERAGE nothing is close enough
# to suggest: "Ask a person" only.
ANSWER_COVERAGE = 0.6
ANSWER_MARGIN = 0.15
MIN_COVERAGE = 0.25


@dataclass(frozen=True, slots=True)
class Hit:
    doc_id: str
    score: float
    coverage: float  # share of the query's idf matched by this entry, 0..1


@dataclass(frozen=True, slots=True)
class Result:
    confidence: Confidence
    hits: list[Hit]  # best first, at most `k`


def _idf(n: int, df: int) -> float:
    # the same idf bm25s computes with method="lucene"
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass
class Index:
    """BM25 (bm25s, Lucene variant) over Muster's own tokens, one bm25s index per field.

    A document's score is the weighted sum of its fields' BM25 scores (questions and
    phrasings 1.0, answers and the cited article ANSWER_WEIGHT; bench/bench_hotline.py
    measures that the answer field helps). bm25s precomputes every (term, document) weight
    in a sparse matrix, so a query is a few slices of it added up.
    """

    ids: list[str]
    fields: list[tuple[float, bm25s.BM25]]  # (weight, index) per field
    idf: dict[str, float]  # coverage idf: that of the first field a term is in
    terms: list[frozenset[str]]  # every term of each document, for coverage
    oov_idf: float  # the idf of a term no document has: an unknown word is information too

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[str, Iterable[list[str]]]],
        weights: tuple[float, ...] = (1.0, ANSWER_WEIGHT),
    ) -> Index:
        """`docs`: (id, token lists per field); field i is weighted `weights[i]`."""
        ids: list[str] = []
        per_field: list[list[list[str]]] = [[] for _ in weights]
        for doc_id, field_tokens in docs:
            ids.append(doc_id)
            fields = list(field_tokens)
            for i in range(len(weights)):
                per_field[i].append(list(fields[i]) if i < len(fields) else [])
        n = len(ids)
        idf: dict[str, float] = {}
        models: list[tuple[float, bm25s.BM25]] = []
        for weight, corpus in zip(weights, per_field, strict=True):
            df: Counter[str] = Counter()
            for tokens in corpus:
                df.update(set(tokens))
            for term, d in df.items():
                idf.setdefault(term, _idf(n, d))
            if weight <= 0 or not df:
                continue
            model = bm25s.BM25(k1=K1, b=B, method="lucene")
            model.index(corpus, show_progress=False)
            models.append((weight, model))
        terms = [frozenset(t for corpus in per_field for t in corpus[doc]) for doc in range(n)]
        return cls(ids, models, idf, terms, math.log(1 + (n + 0.5) / 0.5))

    def scores(self, present: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Every document's score for these (known, distinct) terms."""
        total = np.zeros(len(self.ids), dtype=np.float32)
        for weight, model in self.fields:
            token_ids = model.get_tokens_ids(present)
            if token_ids:
                total += weight * model.get_scores_from_ids(token_ids)
        return total

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The `k` best documents for the query, best first."""
        terms = list(dict.fromkeys(tokenize(query)))
        present = [t for t in terms if t in self.idf]
        if not present or not self.ids:
            return []
        total = sum(self.idf.get(t, self.oov_idf) for t in terms)
        scores = self.scores(present)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(self.ids) else np.arange(k)
        hits = []
        for doc in sorted(top.tolist(), key=lambda d: (-scores[d], d)):
            score = float(scores[doc])
            if score <= 0:
                continue
            matched = sum(self.idf[t] for t in present if t in self.terms[doc])
            hits.append(Hit(self.ids[doc], score, matched / total if total else 0.0))
        return hits


def decide(hits: list[Hit]) -> Confidence:
    """Answer at once, suggest the closest questions, or find nothing (see the constants)."""
    if not hits or hits[0].coverage < MIN_COVERAGE:
        return "none"
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    margin = (top.score - second) / top.score if top.score > 0 else 0.0
    if top.coverage >= ANSWER_COVERAGE and margin >= ANSWER_MARGIN:
        return "answer"
    return "suggest"


# --- noise -------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+\-]?\d+")


def is_noise(text: str) -> bool:
    """Nothing to look up: fewer than two letters or Chinese characters (digits alone,
    punctuation, emoji, a single character)."""
    return sum(1 for ch in normalize(text) if ch.isalpha()) < 2


def is_number(text: str) -> bool:
    """A bare number such as "7" or "-1" (full-width digits too): a mistyped button."""
    return _NUMBER.fullmatch(normalize(text).strip()) is not None


def faq_fields(kb: KnowledgeBase, faq: Faq) -> list[list[str]]:
    """The two fields an entry is indexed under: its questions, and its answers + article."""
    questions: list[str] = []
    answers: list[str] = []
    for locale, text in faq.texts.items():
        questions.extend(tokenize(text.question))
        for phrase in text.phrasings:
            questions.extend(tokenize(phrase))
        answers.extend(tokenize(text.answer))
        doc = kb.docs[faq.source.doc].get(locale)
        if doc is not None and faq.source.article in doc.articles:
            article = doc.articles[faq.source.article]
            answers.extend(tokenize(f"{article.heading} {article.body}"))
    return [questions, answers]


def build_index(kb: KnowledgeBase) -> Index:
    return Index.build((faq.id, faq_fields(kb, faq)) for faq in kb.faqs.values())


@dataclass(frozen=True)
class Loaded:
    kb: KnowledgeBase
    index: Index
    generation: int

    def search(self, query: str, k: int = 3) -> Result:
        if is_noise(query):
            return Result("none", [])
        hits = self.index.search(query, k)
        return Result(decide(hits), hits)


class KbCache:
    """The loaded knowledge base of this process, per content folder.

    Rebuilt when the database's kb generation changes (`muster kb reload` bumps it), so every
    process of a deployment picks up new content on its next question without a restart.
    A reload that finds errors keeps the previous content and logs them.
    """

    def __init__(self) -> None:
        self._loaded: dict[Path, Loaded] = {}
        self._lock = threading.Lock()

    def get(self, content_dir: Path, generation: int) -> Loaded:
        current = self._loaded.get(content_dir)
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            current = self._loaded.get(content_dir)
            if current is not None and current.generation == generation:
                return current
            try:
                kb = load(content_dir)
            except KbError as exc:
                if current is None:
                    raise
                for problem in exc.problems:
                    log.error("knowledge base reload refused: %s", problem)
                self._loaded[content_dir] = Loaded(current.kb, current.index, generation)
                return self._loaded[content_dir]
            loaded = Loaded(kb, build_index(kb), generation)
            self._loaded[content_dir] = loaded
            log.info("knowledge base loaded: %d entries (generation %d)", len(kb.faqs), generation)
            return loaded

    def clear(self) -> None:
        self._loaded.clear()


CACHE = KbCache()


def iter_questions(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """(entry id, question or phrasing) over every locale: for checks and the benchmark."""
    for faq in kb.faqs.values():
        for text in faq.texts.values():
            yield faq.id, text.question
            for phrase in text.phrasings:
                yield faq.id, phrase


# --- grouping questions nobody answered ---------------------------------------------------

GROUP_SIMILARITY = 0.3  # cosine of idf-weighted token vectors to join a group


def group_similar(
    texts: list[str], index: Index, threshold: float = GROUP_SIMILARITY
) -> list[list[int]]:
    """Group texts that ask much the same (positions into `texts`, first-seen order).

    Greedy, one pass: each text joins the group whose centroid it is most similar to
    (cosine over tokens weighted by the knowledge base's idf, so "辅警" or "what" count
    little and a word no entry has counts much), or starts a new group. Noise is skipped.
    """
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []  # sums of unit vectors
    norms: list[float] = []
    holders: dict[str, list[int]] = {}  # term -> groups whose centroid has it
    for i, text in enumerate(texts):
        if is_noise(text):
            continue
        vec: dict[str, float] = {}
        for term in tokenize(text):
            vec[term] = vec.get(term, 0.0) + index.idf.get(term, index.oov_idf)
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if not norm:
            continue
        dots: dict[int, float] = {}  # only groups sharing a term can be similar
        for term, w in vec.items():
            for g in holders.get(term, ()):
                dots[g] = dots.get(g, 0.0) + w * centroids[g][term]
        best, best_sim = -1, threshold
        for g, dot in dots.items():
            sim = dot / (norm * norms[g])
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            best = len(groups)
            groups.append([])
            centroids.append({})
            norms.append(0.0)
        groups[best].append(i)
        centroid = centroids[best]
        for term, w in vec.items():
            if term not in centroid:
                holders.setdefault(term, []).append(best)
            centroid[term] = centroid.get(term, 0.0) + w / norm
        norms[best] = math.sqrt(sum(v * v for v in centroid.values()))
    return groups
