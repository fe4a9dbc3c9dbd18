"""The hand-written BM25 that bot/kb.py used before bm25s (issue 18), kept as the baseline
of bench/bench_hotline.py: an inverted index with precomputed posting weights, walked with
MaxScore over weight tiers (exact BM25 top k). Not used by Muster itself."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from bot.kb import ANSWER_WEIGHT, K1, B, Hit, tokenize


@dataclass
class HandIndex:
    """BM25 over an inverted index: term -> {doc number: precomputed weight}."""

    ids: list[str]
    postings: dict[str, dict[int, float]]
    idf: dict[str, float]
    oov_idf: float  # the idf of a term no document has: an unknown word is information too
    # A long posting list split by weight into tiers (largest weight, postings): a document
    # is in one tier of a term. Weights differ most between the question field and the
    # answer field, so a tier's upper bound is much tighter than the whole list's.
    tiers: dict[str, list[tuple[float, dict[int, float]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.tiers:
            self.tiers = {t: _split_tiers(post) for t, post in self.postings.items()}

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[str, Iterable[list[str]]]],
        weights: tuple[float, ...] = (1.0, ANSWER_WEIGHT),
    ) -> HandIndex:
        """`docs`: (id, token lists per field); field i is weighted `weights[i]`."""
        ids: list[str] = []
        per_field: list[list[Counter[str]]] = [[] for _ in weights]
        for doc_id, field_tokens in docs:
            ids.append(doc_id)
            fields = list(field_tokens)
            for i in range(len(weights)):
                per_field[i].append(Counter(fields[i] if i < len(fields) else ()))
        n = len(ids)
        idf: dict[str, float] = {}
        postings: dict[str, dict[int, float]] = {}
        # Each field has its own idf: "pay" is rare among questions but common in answers.
        # The coverage idf of a term is that of the first (most important) field it is in.
        for weight, counts_list in zip(weights, per_field, strict=True):
            df: Counter[str] = Counter()
            for counts in counts_list:
                df.update(counts.keys())
            field_idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
            for term, value in field_idf.items():
                idf.setdefault(term, value)
            lengths = [sum(c.values()) for c in counts_list]
            avg = (sum(lengths) / n) if n and sum(lengths) else 1.0
            for doc, counts in enumerate(counts_list):
                norm = K1 * (1 - B + B * lengths[doc] / avg)
                for term, tf in counts.items():
                    w = weight * field_idf[term] * tf * (K1 + 1) / (tf + norm)
                    post = postings.setdefault(term, {})
                    post[doc] = post.get(doc, 0.0) + w
        return cls(ids, postings, idf, math.log(1 + (n + 0.5) / 0.5))

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The `k` best documents for the query, best first (exact BM25 top k).

        MaxScore: terms are taken from the largest possible contribution down. Once the
        terms left could not lift an unseen document above the k-th score so far, they
        only add to the documents already found, and a candidate that cannot reach the
        k-th score any more is dropped. The long postings of common characters are then
        looked up for a few candidates instead of walked in full.
        """
        terms = set(tokenize(query))
        if not terms:
            return []
        total = 0.0
        present: list[str] = []
        for term in terms:
            if term in self.postings:
                total += self.idf[term]
                present.append(term)
            else:
                total += self.oov_idf
        if not present:
            return []
        units = sorted(
            (tier for term in present for tier in self.tiers[term]),
            key=lambda tier: tier[0],
            reverse=True,
        )
        left = [0.0] * (len(units) + 1)  # left[i]: the most units i.. can still add
        for i in range(len(units) - 1, -1, -1):
            left[i] = left[i + 1] + units[i][0]
        scores: dict[int, float] = {}
        get = scores.get
        i = 0
        while i < len(units):
            # The k-th score is at most what the units taken so far can add up to: look
            # at it (a sort) only once the units left could not beat that.
            if left[i] <= left[0] - left[i] and len(scores) >= k and left[i] <= _kth(scores, k):
                break  # no unseen document can enter the top k any more
            for doc, w in units[i][1].items():
                scores[doc] = get(doc, 0.0) + w
            i += 1
        # The units left only add to the candidates found so far; a candidate that cannot
        # reach the k-th score even with all of them is dropped (pruned again whenever
        # what is left has shrunk by a quarter: each pruning is a sort).
        pruned_at = math.inf
        for j in range(i, len(units)):
            if len(scores) > k and left[j] < 0.75 * pruned_at:
                kth = _kth(scores, k)
                scores = {d: v for d, v in scores.items() if v + left[j] >= kth}
                pruned_at = left[j]
            post = units[j][1]
            if len(post) < len(scores):
                for doc, w in post.items():
                    if doc in scores:
                        scores[doc] += w
            else:
                for doc in scores:
                    weight = post.get(doc)
                    if weight is not None:
                        scores[doc] += weight
        best = heapq.nlargest(k, scores.items(), key=itemgetter(1))
        hits = []
        for doc, score in best:
            matched = sum(self.idf[t] for t in present if doc in self.postings[t])
            hits.append(Hit(self.ids[doc], score, matched / total if total else 0.0))
        return hits


TIER_MIN = 64  # postings shorter than this stay in one tier
TIER_RATIO = 0.3  # a tier holds weights above this share of the tier before it


def _split_tiers(post: dict[int, float]) -> list[tuple[float, dict[int, float]]]:
    tiers: list[tuple[float, dict[int, float]]] = []
    rest = post
    while rest:
        top = max(rest.values())
        if len(rest) < TIER_MIN or len(tiers) == 3:
            tiers.append((top, rest))
            break
        cut = top * TIER_RATIO
        high = {d: w for d, w in rest.items() if w > cut}
        tiers.append((top, high))
        rest = {d: w for d, w in rest.items() if w <= cut}
    return tiers


def _kth(scores: dict[int, float], k: int) -> float:
    # sorted() runs in C: faster than heapq.nlargest's Python loop for a few thousand scores
    return sorted(scores.values())[-k] if len(scores) >= k else 0.0
