"""Which cases match a query well, over the whole index: the one number the result count, the facets and the
"without this filter" hints all show.

A ranked search looks at a pool of candidates; counting matches inside that pool made the count depend on the
filters (a filtered search digs deeper into its subset), so a facet said 5 and choosing it showed 28. Here a
case matches when any of its prose passages passes kb.relevance's "good" cut: close enough in meaning (every
passage above the cosine, not the best k), or holding enough of the query's words, or the glossary's names
of them in another language. Filters only intersect that set, so every count is of the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from kb.idsets import id_mask, members, summed
from kb.index import VectorIndex
from kb.keywords import Postings
from kb.memo import Memo
from kb.relevance import Relevance
from kb.tokens import fts_phrases

Concepts = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
# A query's topic without the place it names: its vector (none in keyword mode), terms and concepts.
Topic = tuple[np.ndarray | None, tuple[str, ...], Concepts]

# Facets whose counts the search reports (the others, such as collection, are for filtering only).
COUNTED = ("approach", "sdg", "country", "country_mention", "region", "doc_type", "language", "year")


class Matcher:
    """The cases matching a query well, and their facet counts inside a filter; caches what one index holds."""

    def __init__(self, store: Any, vectors: VectorIndex, cuts: Relevance, postings: Postings) -> None:
        self.store, self.vectors, self.cuts = store, vectors, cuts
        # The words' postings, shared with the keyword rankings (kb.keywords).
        self.postings = postings
        self._case_of: dict[int, str] | None = None
        self._facets: dict[bool, dict[tuple[str, str], frozenset[str]]] = {}
        # A search reads a query's words and its words without the place; two searches run at once. Few are
        # kept: at 1M passages a common word's entry holds megabytes.
        self._shares: Memo[tuple[tuple[str, ...], Concepts], tuple[np.ndarray, np.ndarray]] = Memo(8)

    def _prose_cases(self) -> dict[int, str]:
        if self._case_of is None:
            # Another source's copy of a case (kb.duplicates) is not counted again: a group matches once.
            copies = self.store.republished()
            self._case_of = {pid: case for pid, case in self.store.prose_passage_cases() if case not in copies}
        return self._case_of

    def shares(self, terms: tuple[str, ...], concepts: Concepts, passages: list[int] | None = None) -> dict[int, float]:
        """The share of the query's words each passage holds, itself or through the glossary's names of them in
        its own language (a Spanish passage with "turismo" holds "tourism"); over the given passages or all."""
        pids, sums = self._all_shares(terms, concepts)
        if passages is not None:
            keep = members(pids, np.asarray(passages, dtype=np.int64))
            pids, sums = pids[keep], sums[keep]
        return {int(pid): float(share) for pid, share in zip(pids.tolist(), sums.tolist())}

    def read(self, terms: tuple[str, ...], concepts: Concepts) -> None:
        """Read the postings of a query's words now, kept for its grades and its count of matches."""
        self._all_shares(terms, concepts)

    def _all_shares(self, terms: tuple[str, ...], concepts: Concepts) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, shares) of every passage holding a query word, computed once per query: a search asks
        for the count, the grades of its pool and the grades without the place, which read the same postings
        (at 100k passages 25 ms a query when each read them)."""
        return self._shares.get((terms, concepts), lambda: self._compute_shares(terms, concepts))

    def _compute_shares(self, terms: tuple[str, ...], concepts: Concepts) -> tuple[np.ndarray, np.ndarray]:
        """Each word weighs what it tells, its BM25 inverse document frequency: for "land titling for
        smallholder farmers" a passage holding "land", "smallholder" and "farmers" but not "titling" held three
        quarters of the words and was called a strong match; it holds half of what the query says."""
        none = np.zeros(0, dtype=np.int64), np.zeros(0)
        if not terms:
            return none
        own = [self.postings.ids(term) for term in terms]
        named = [(covered, self.postings.holding(fts_phrases(names))) for covered, names in concepts]
        total = self.vectors.index.ntotal
        weight = np.array([math.log(1 + (total - len(found) + 0.5) / (len(found) + 0.5)) for found in own])
        size = max((int(found.max()) + 1 for found in own + [found for _, found in named] if len(found)), default=0)
        if not size:
            return none
        # Summed a word at a time (kb.idsets.summed): sorting the (passage, word) pairs for their union had cost
        # 50 ms a query at 100k passages where a word is in every passage; this 1.5 ms.
        parts = []
        for j, term in enumerate(terms):
            names = [found for covered, found in named if term in covered and len(found)]
            # A word held both as itself and through a glossary name counts once.
            hit = np.flatnonzero(id_mask(np.concatenate([own[j], *names]), size)) if names else own[j]
            parts.append((hit, weight[j]))
        pids, sums = summed(parts, size)
        return pids, sums / weight.sum()

    def cases(self, vector: np.ndarray | None, terms: tuple[str, ...], concepts: Concepts,
              topic: Topic | None = None) -> frozenset[str]:
        """Cases with a prose passage whose cosine to `vector` passes the cut, or that holds enough of the
        query's terms (no vector: words only; no terms: meaning only); with a `topic` (a query's without the
        place it names), only passages that also pass its cut or hold one of its words."""
        passages: set[int] = set()
        if vector is not None:
            passages.update(self.vectors.above(vector, self.cuts.match_cosine).tolist())
        pids, sums = self._all_shares(terms, concepts)
        passages.update(pids[sums > self.cuts.match_words].tolist())
        if topic is not None and passages:
            passages = self._on_topic(np.fromiter(passages, dtype=np.int64), *topic)
        case_of = self._prose_cases()
        return frozenset(case_of[pid] for pid in passages if pid in case_of)

    def _on_topic(self, pids: np.ndarray, vector: np.ndarray | None, terms: tuple[str, ...],
                  concepts: Concepts) -> set[int]:
        """The passages close to the topic's vector or holding one of its words: the place a query names does
        not make a match alone. Read on the matches only, not the whole index (a second scan cost every search
        naming a place a few milliseconds at 25k passages)."""
        keep = members(pids, self._all_shares(terms, concepts)[0])
        if vector is not None:
            keep |= self.vectors.vectors(pids.tolist()) @ vector >= self.cuts.match_cosine
        return set(pids[keep].tolist())

    def forget(self) -> None:
        """Drop what was read for past queries (a benchmark's new query; the index's own caches stay)."""
        self._shares.clear()

    def _facet_sets(self, mentions: bool) -> dict[tuple[str, str], frozenset[str]]:
        """(facet, value) -> its cases, read once per index; with `mentions`, a country's cases include those
        that only mention it."""
        if mentions not in self._facets:
            sets: dict[tuple[str, str], set[str]] = {}
            for case_id, facet, value in self.store.case_facet_rows(COUNTED):
                if facet == "country_mention":
                    if not mentions:
                        continue
                    facet = "country"
                sets.setdefault((facet, value), set()).add(case_id)
            self._facets[mentions] = {key: frozenset(cases) for key, cases in sets.items()}
        return self._facets[mentions]

    def facet_counts(self, cases: Iterable[str], mentions: bool = False) -> dict[str, dict[str, int]]:
        """facet -> value -> number of the cases with it, most first; with `mentions`, a country a case only
        mentions counts too (once)."""
        chosen = set(cases)
        counts: dict[str, dict[str, int]] = {}
        for (facet, value), holding in self._facet_sets(mentions).items():
            n = len(chosen & holding)
            if n:
                counts.setdefault(facet, {})[value] = n
        return {facet: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for facet, values in counts.items()}


def within(cases: frozenset[str], allowed: Callable[[], frozenset[str] | None]) -> frozenset[str]:
    """The cases a filter allows (`allowed` gives None when nothing is filtered)."""
    keep = allowed()
    return cases if keep is None else cases & keep
