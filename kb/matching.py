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

from kb.index import VectorIndex
from kb.relevance import Relevance
from kb.tokens import fts_phrases, fts_query

Concepts = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

# Facets whose counts the search reports (the others, such as collection, are for filtering only).
COUNTED = ("approach", "sdg", "country", "country_mention", "region", "doc_type", "language", "year")


class Matcher:
    """The cases matching a query well, and their facet counts inside a filter; caches what one index holds."""

    def __init__(self, store: Any, vectors: VectorIndex, cuts: Relevance) -> None:
        self.store, self.vectors, self.cuts = store, vectors, cuts
        self._case_of: dict[int, str] | None = None
        self._facets: dict[tuple[str, str], frozenset[str]] | None = None

    def _prose_cases(self) -> dict[int, str]:
        if self._case_of is None:
            # Another source's copy of a case (kb.duplicates) is not counted again: a group matches once.
            copies = self.store.republished()
            self._case_of = {pid: case for pid, case in self.store.prose_passage_cases() if case not in copies}
        return self._case_of

    def shares(self, terms: tuple[str, ...], concepts: Concepts, passages: list[int] | None = None) -> dict[int, float]:
        """The share of the query's words each passage holds, itself or through the glossary's names of them in
        its own language (a Spanish passage with "turismo" holds "tourism"); over the given passages or all.

        Each word weighs what it tells, its BM25 inverse document frequency: for "land titling for smallholder
        farmers" a passage holding "land", "smallholder" and "farmers" but not "titling" held three quarters of
        the words and was called a strong match; it holds half of what the query says.
        """
        if not terms:
            return {}
        column = {term: j for j, term in enumerate(terms)}
        lookups: list[tuple[tuple[str, ...], str]] = [((term,), fts_query([term])) for term in terms]
        lookups += [(covered, fts_phrases(names)) for covered, names in concepts]
        wanted = None if passages is None else np.asarray(passages, dtype=np.int64)
        total = self.vectors.index.ntotal
        weight = np.zeros(len(terms))
        # (passage, term) pairs as one number each, so a term held both as itself and through a glossary name
        # counts once; numpy instead of a set per passage: 150 -> 30 ms a query at 100k passages.
        held = []
        for n, (covered, match) in enumerate(lookups):
            found = self.store.passages_holding(match)
            if n < len(terms):
                weight[n] = math.log(1 + (total - len(found) + 0.5) / (len(found) + 0.5))
            if wanted is not None:
                found = found[np.isin(found, wanted)]
            held += [found * len(terms) + column[term] for term in covered if term in column]
        if not held:
            return {}
        pairs = np.unique(np.concatenate(held))
        pids, first = np.unique(pairs // len(terms), return_index=True)
        sums = np.add.reduceat(weight[pairs % len(terms)], first) / weight.sum()
        return {int(pid): float(share) for pid, share in zip(pids.tolist(), sums.tolist())}

    def cases(self, vector: np.ndarray | None, terms: tuple[str, ...], concepts: Concepts) -> frozenset[str]:
        """Cases with a prose passage whose cosine to `vector` passes the cut, or that holds enough of the
        query's terms (no vector: words only; no terms: meaning only)."""
        passages: set[int] = set()
        if vector is not None:
            passages.update(int(i) for i in self.vectors.above(vector, self.cuts.match_cosine))
        passages.update(pid for pid, share in self.shares(terms, concepts).items() if share > self.cuts.match_words)
        case_of = self._prose_cases()
        return frozenset(case_of[pid] for pid in passages if pid in case_of)

    def _facet_sets(self) -> dict[tuple[str, str], frozenset[str]]:
        if self._facets is None:
            sets: dict[tuple[str, str], set[str]] = {}
            for case_id, facet, value in self.store.case_facet_rows(COUNTED):
                sets.setdefault((facet, value), set()).add(case_id)
            self._facets = {key: frozenset(cases) for key, cases in sets.items()}
        return self._facets

    def facet_counts(self, cases: Iterable[str], mentions: bool = False) -> dict[str, dict[str, int]]:
        """facet -> value -> number of the cases with it, most first; with `mentions`, a country a case only
        mentions counts too (once)."""
        chosen = set(cases)
        sets = self._facet_sets()
        merged: dict[tuple[str, str], frozenset[str]] = {}
        for (facet, value), members in sets.items():
            if facet == "country_mention":
                if not mentions:
                    continue
                facet = "country"
            key = (facet, value)
            merged[key] = merged.get(key, frozenset()) | members
        counts: dict[str, dict[str, int]] = {}
        for (facet, value), members in merged.items():
            n = len(chosen & members)
            if n:
                counts.setdefault(facet, {})[value] = n
        return {facet: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for facet, values in counts.items()}


def within(cases: frozenset[str], allowed: Callable[[], frozenset[str] | None]) -> frozenset[str]:
    """The cases a filter allows (`allowed` gives None when nothing is filtered)."""
    keep = allowed()
    return cases if keep is None else cases & keep
