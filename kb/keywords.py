"""The keyword rankings of one index generation: FTS5's BM25, read one word at a time and kept.

FTS5 scores a passage for `"a" OR "b"` with the sum, phrase by phrase in the query's order, of what each phrase
scores alone: one IDF per phrase from the whole index, the passage's own length (bm25 in SQLite's fts5_aux.c).
So a word's postings (its passages and their BM25 for it alone), once read, are kept for the index generation,
and a query's ranking is their sum: the same doubles, the same order. Measured on both keyword rankings of every
eval query (447): identical ids and scores, in FTS5's order; 7.1 -> 1.1 ms a ranking once its words are kept.
A word's postings are the index's, like its statistics: most of a new query's words were asked before. A word
FTS5 reads as one token is read from that token's counts and computed (kb.bm25), not by FTS5's bm25().
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np

from kb import bm25
from kb.idsets import members, summed
from kb.memo import Memo
from kb.models import Filters
from kb.rank import Ranking
from kb.tokens import STOPWORDS, fts_query

# Postings kept, in passages (16 bytes each; a word's ids alone, for counts, 8): at least 4M (64 MB), and 12 a
# passage of the index. At 1M passages a common word holds a few hundred thousand, and the 30 dev queries' words
# held 5.8M postings and 8.2M ids: with 4M kept they were read again and again (a third pass of the queries
# p50/p95 418 / 1,183 ms), with 12M not (94 / 284 ms; 16M the same). At 1M: up to 192 and 96 MB.
KEPT_POSTINGS = 4_000_000
KEPT_PER_PASSAGE = 12
# What reading a word's postings costs against FTS5's ranking on it, a passage for a passage. Through bm25():
# 1.3x on the eval index, 1.5x at 100k passages, 2.0x at 1M (the 267 words of the dev queries). Computed from
# its token's counts (kb.bm25): 0.58x, 0.44x and 0.43x, so a word of one token is read on its first ranking
# (reading every word of a dev query against FTS5's ranking of the query: 0.87x, 0.62x, 0.53x).
READ_COST = 1.5
COUNT_COST = 0.6
# The warm-up reads words held by at least this many passages: a rarer one costs a search that asks for it well
# under a millisecond to read (1,000 postings about 0.3 ms), and in a small index the postings kept hold every
# word, so a warm-up reading them all spent 25 s of a core at 10k passages (128k words, a few held once each).
WARM_LEAST = 1000
_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def kept_postings(passages: int) -> int:
    """How many postings an index of this many passages keeps (see KEPT_PER_PASSAGE)."""
    return max(KEPT_POSTINGS, KEPT_PER_PASSAGE * passages)


class Postings:
    """Each word's passages and BM25 (heading weighted), and the passages of any match expression, kept."""

    def __init__(self, store: Any, heading_weight: float, beside: Callable[[Callable[[], object]], Future],
                 kept: int = KEPT_POSTINGS) -> None:
        self.store = store
        self.kept = kept
        self.heading_weight = heading_weight
        # Runs a read beside the searches (the searcher's pool), off the ranking that asks for it: a phrase's, and
        # a word's scored within pages a second time.
        self._beside = beside
        self._reading: dict[str, Future] = {}
        # Each word's key: the tokens FTS5 reads it as ("developing" and "development" are one word to it).
        self._keys: Memo[str, str] = Memo(kept // 16)
        self._reading_lock = threading.RLock()
        self._words: Memo[str, tuple[np.ndarray, np.ndarray]] = Memo(kept, lambda found: len(found[0]) or 1)
        self._matches: Memo[str, np.ndarray] = Memo(kept, lambda found: len(found) or 1)
        # The words ranked once, and scored once within a page (kept whatever they hold: a word is a few bytes).
        self._asked: Memo[str, bool] = Memo(kept // 16)
        self._scored: Memo[str, bool] = Memo(kept // 16)
        # The passages' sizes, for BM25 computed from a token's counts, and whether that equals FTS5's own here
        # (None: not checked yet): a newer SQLite could change bm25(), and FTS5 then ranks every word itself.
        self._sizes: bm25.RowSizes | None = None
        self._sizes_lock = threading.Lock()
        self._exact: bool | None = None

    def of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids in order, BM25) of the passages holding a word (or a quoted phrase), as FTS5 scores it
        alone."""
        key = self.key(term)
        return self._words.get(key, lambda: self._read(term, key) if key else _NONE)

    def _read(self, term: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """A word's postings: computed from its token's counts (kb.bm25) where FTS5's own were checked to be the
        same doubles on this index, else FTS5's bm25() (a word FTS5 reads as several tokens is a phrase)."""
        sizes = self._row_sizes() if " " not in key and self._exact is not False else None
        if sizes is None:
            return self.store.phrase_scores(fts_query([term]), self.heading_weight)
        ids, counts = self.store.token_counts(key)
        found = ids, bm25.scores(ids, counts, (self.heading_weight, 1.0), sizes)
        if self._exact is None and len(ids):
            fts = self.store.phrase_scores(fts_query([term]), self.heading_weight)
            self._exact = bool(np.array_equal(fts[0], found[0]) and np.array_equal(fts[1], found[1]))
            return fts
        return found

    def _row_sizes(self) -> bm25.RowSizes | None:
        """The passages' sizes, read once; None where FTS5 keeps them otherwise than kb.bm25 reads them (then
        bm25() scores every word)."""
        with self._sizes_lock:
            if self._sizes is None and self._exact is not False:
                try:
                    self._sizes = self.store.row_sizes()
                except ValueError:
                    self._exact = False
            return self._sizes

    def computed(self, term: str) -> bool:
        """Whether a word's postings are computed from its token's counts, not read from FTS5's bm25()."""
        return " " not in self.key(term) and self._exact is not False

    def common_words(self) -> list[str]:
        """The index's commonest words (as their tokens), holding half the postings kept in all and each at least
        WARM_LEAST, without the stopwords no query asks for: those slowest to read, and most queries hold some
        (kb.search warms them). A token is one only where FTS5 reads it as itself, so its postings are its own."""
        stop = {self.key(word) for word in STOPWORDS}
        return [token for token, _ in self.store.common_tokens(self.kept // 2, stop, WARM_LEAST)
                if self.key(token) == token]

    def key(self, term: str) -> str:
        """The tokens FTS5 reads a word as, which its postings are kept by: two words of one stem match the same
        passages with the same BM25."""
        return self._keys.get(term, lambda: " ".join(self.store.tokens(term)))

    def held(self, term: str) -> bool:
        """Whether a word's postings are kept."""
        return self._words.holds(self.key(term))

    def ids(self, term: str) -> np.ndarray:
        """Ids of the passages holding a word: its postings' where they are kept, else read alone."""
        key = self.key(term)
        kept = self._words.peek(key)
        if kept is not None:
            return kept[0]
        return self._matches.get("\0" + key, lambda: self.store.passages_holding(fts_query([term])))

    def holding(self, match: str) -> np.ndarray:
        """Ids of every passage an FTS5 match expression matches (a word's are `ids`): a glossary name's
        (fts_phrases), for the share of a query's words a passage holds. Ids alone: BM25 costs FTS5 about 1 us a
        passage, eight times what reading the ids does."""
        return self._matches.get(match, lambda: self.store.passages_holding(match))

    def ranking(self, terms: Sequence[str], limit: int, filters: Filters, allowed: np.ndarray | None) -> Ranking:
        """The `limit` passages of a filter (`allowed`: its passages, None: all) with the highest BM25 for any of
        the terms, best first, ties by id: FTS5's `MATCH "a" OR "b" ORDER BY bm25 LIMIT n`.

        A new word's postings are read on the ranking's path where that costs less than FTS5's ranking
        (_cheaper_to_read), as a word of one token always does. A phrase's, through bm25(), cost about 1.3 times
        FTS5's ranking on it, so they are read on its second ranking, beside the searches, and the ranking is
        FTS5's until they are kept: read on the ranking's path they had made its p95 (123 -> 131 ms at 100k)."""
        cold = [term for term in terms if not self.held(term)]
        if cold and self._cheaper_to_read(terms, cold):
            for term in cold:
                self.of(term)
        elif cold:
            for term in cold:
                self._ask(term, self._asked)
            return self.store.keyword_search(fts_query(list(terms)), limit, filters, self.heading_weight)
        ids, totals = self._sums(terms)
        if allowed is not None and len(ids):
            keep = members(ids, allowed)
            ids, totals = ids[keep], totals[keep]
        if len(ids) > limit > 0:
            # Every passage scoring at least the limit-th best, so a tie at the edge is broken by id as FTS5 does.
            cut = np.partition(totals, len(totals) - limit)[len(totals) - limit]
            keep = totals >= cut
            ids, totals = ids[keep], totals[keep]
        order = np.lexsort((ids, -totals))[:max(limit, 0)]
        return list(zip(ids[order].tolist(), totals[order].tolist()))

    def _cheaper_to_read(self, terms: Sequence[str], cold: Sequence[str]) -> bool:
        """Whether reading the new words' postings now costs less than FTS5's ranking of the whole query: FTS5
        scores every passage holding any word, reading reads those holding a new one (COUNT_COST or READ_COST a
        passage against FTS5's 1). "microcredit" new beside "rural" and "women" kept reads a few thousand
        postings, not FTS5's hundred thousand. The words' counts are the ones the ranking read to leave the
        common words out (Rankings.common)."""
        reading = sum(self.count(term) * (COUNT_COST if self.computed(term) else READ_COST) for term in cold)
        return reading < sum(self.count(term) for term in terms)

    def scores(self, terms: Sequence[str], passages: Sequence[int]) -> Ranking:
        """(passage id, BM25 for any of the terms) of the given passages that hold one, in id order: a kept
        word's score of each looked up in its postings (a few hundred passages against a common word's hundreds
        of thousands at 1M), the others' from FTS5 over just those passages, added in the terms' order as FTS5
        adds them: the same doubles. A word scored so a second time is read beside the searches, as a ranked one
        is: the common words a ranking leaves out are scored here on every search, and at 1M passages FTS5
        scoring a page's passages for a word in all of them cost 72 ms each time."""
        kept = [self.held(term) for term in terms]
        for term, held_now in zip(terms, kept):
            if not held_now:
                self._ask(term, self._scored)
        if not any(kept):
            return sorted(self.store.keyword_scores(fts_query(list(terms)), list(passages), self.heading_weight))
        asked = np.unique(np.asarray(passages, dtype=np.int64))
        totals = np.zeros(len(asked), dtype=np.float64)
        held = np.zeros(len(asked), dtype=bool)
        for term, held_now in zip(terms, kept):
            if held_now:
                own, values = self.of(term)
            else:
                found = sorted(self.store.keyword_scores(fts_query([term]), asked.tolist(), self.heading_weight))
                own = np.array([pid for pid, _ in found], dtype=np.int64)
                values = np.array([score for _, score in found], dtype=np.float64)
            if not len(own):
                continue
            at = np.minimum(np.searchsorted(own, asked), len(own) - 1)
            hit = own[at] == asked
            totals[hit] += values[at[hit]]
            held |= hit
        return list(zip(asked[held].tolist(), totals[held].tolist()))

    def _sums(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids in order, summed BM25) of the passages holding any of the terms, summed in the terms' order, one
        phrase at a time as FTS5 adds them: the same doubles."""
        found = [(ids, values) for ids, values in (self.of(term) for term in terms) if len(ids)]
        if not found:
            return _NONE
        return summed(found, max(int(ids[-1]) for ids, _ in found) + 1)

    def _ask(self, term: str, asked: Memo[str, bool]) -> None:
        """Note that a word not kept was asked for (by a ranking, or by the scores of a page): on its second time,
        read its postings beside the searches. Each counts apart, so a search asking both counts once."""
        key = self.key(term)
        if asked.holds(key):
            self._read_beside(term)
        else:
            asked.get(key, lambda: True)

    def _read_beside(self, term: str) -> None:
        """Read a word's postings beside the searches, once however often it is asked meanwhile."""
        key = self.key(term)
        with self._reading_lock:
            if key in self._reading:
                return

            def read() -> None:
                try:
                    self.of(term)
                except Exception:  # noqa: BLE001 - a store closed by a newer generation: FTS5 ranks the word
                    pass
                finally:
                    with self._reading_lock:
                        self._reading.pop(key, None)

            job = self._beside(read)
            if not job.done():
                self._reading[key] = job

    def settle(self) -> None:
        """Wait for the words being read beside the searches."""
        with self._reading_lock:
            reading = list(self._reading.values())
        for job in reading:
            job.result()

    def forget(self) -> None:
        """Drop every kept posting."""
        self.settle()
        self._words.clear()
        self._matches.clear()
        self._asked.clear()
        self._scored.clear()
        self._keys.clear()

    def count(self, term: str) -> int:
        """How many passages hold a word."""
        return len(self.ids(term))
