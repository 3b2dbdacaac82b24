"""Search an index: semantic (FAISS), keyword (SQLite FTS5, BM25) and hybrid (the rankings fused).

A query is read once into a plan (kb.query); each ranking is searched with the filters applied inside it,
so the filtered top k is the true top k of the allowed passages; the rankings are fused (kb.rank); the page
is built from the fused ranking (kb.results: cases by their best passage, a few per document, each shown by
the passage that answers it). How many cases match, and the facet counts, are read over the whole index
(kb.matching), so they do not change with the pool a filter leaves. The Searcher opens, refreshes and shares
the index, checks the query, and runs the rankings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from kb.config import Settings, cores
from kb.dictionary import load_dictionary
from kb.doctypes import type_ids
from kb.embed import Embedder, load_embedder
from kb.errors import NotFoundError
from kb.explain import Highlighter
from kb.gazetteer import default_gazetteer
from kb.indexdir import Generation, changed_since, open_generation
from kb.keywords import Postings, kept_postings
from kb.matching import Matcher, within
from kb.memo import Memo
from kb.models import FACET_FILTERS, Filters
from kb.query import MAX_K, QueryError, QueryPlan, check_filters, clean_query
from kb.rank import fuse
from kb.rankings import QueryVectors, Rankings
from kb.results import Results, SearchResult
from kb.searchrules import SearchRules
from kb.sharing import ReadWriteLock, Slots, one_inner_thread
from kb.store import Store
from kb.taxonomy import load_goals, load_taxonomy
from kb.unitvec import unit_rows

__all__ = ["SearchResult", "SearchRules", "Searcher"]


class Searcher:
    """Searches one index folder; loads the model once and is safe to share between threads."""

    def __init__(
        self, index_dir: str | Path, settings: Settings | None = None, rules: SearchRules = SearchRules()
    ) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self.rules = rules
        # As many searches run at once as there are cores, the rest wait their turn (kb/sharing.py); they share
        # the lock, which a refresh to a new index generation holds alone.
        self._slots = Slots(cores())
        self._lock = ReadWriteLock()
        one_inner_thread()
        self._embedder: Embedder | None = None
        chosen = self.settings.dictionary
        # The dictionary is read on the first Chinese match a card shows (about 1 s), not before.
        self._highlighter = Highlighter(None if chosen == "off"
                                        else lambda run: load_dictionary(chosen or None).segment(run))
        self._queries = QueryVectors(rules.query_cache)
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="kb-search")
        self._closing = False
        self._open()

    def _open(self) -> None:
        self._adopt(open_generation(self.index_dir, self.settings))

    def _adopt(self, generation: Generation) -> None:
        """Search this generation from now on; what was cached about the previous one is dropped."""
        self.generation = generation
        self.store: Store = generation.store
        self.vectors = generation.vectors
        # The words' postings are this generation's, shared by its rankings and its count of matches.
        self._postings = postings = Postings(self.store, self.rules.heading_weight, self._beside,
                                             kept_postings(self.vectors.index.ntotal))
        self._rankings = Rankings(generation, self.settings, self.rules, self._queries, lambda: self.embedder,
                                  self._pool, postings)
        self._known: dict[str, set[str]] = {}
        self._allowed_cache: Memo[Filters, np.ndarray | None] = Memo(32)
        self._matcher = Matcher(self.store, self.vectors, self.rules.relevance, postings)
        self._matching: Memo[tuple[str, str], frozenset[str]] = Memo(64)
        self._allowed_cases: Memo[Filters, frozenset[str] | None] = Memo(32)
        self._results = Results(self.store, self.vectors, lambda: self.rules, self._rankings, self._matcher,
                                self._highlighter, self._cases_allowed, self._matches_within)

    def _beside(self, work: Callable[[], object]) -> Future:
        """Run work in the pool beside the searches, reading the index as a search does (a swap waits for it)."""
        def locked() -> None:
            with self._lock.reading():
                work()
        return self._pool.submit(locked)

    def warm(self) -> Future:
        """Run a first search, then read the Chinese dictionary and the commonest words' postings, in the pool."""
        # For a long-lived app; a one-shot search would only wait. On the eval index a first search had waited
        # 4.4 s for the models, gazetteer, glossary and grades' scale, and the first card showing Chinese 1.7 s
        # more; a query's new common words are what FTS5 ranks slowest (kb.keywords).
        def load() -> None:
            self.search("warm up", k=1)
            # Any index: a Chinese query is read through it, and English passages quote Chinese too.
            if self.settings.dictionary != "off" and not self._closing:
                load_dictionary(self.settings.dictionary or None)
            # Under the read lock, as a search: a new generation's swap closes the store these read.
            with self._lock.reading():
                postings = self._postings
                words = postings.common_words()
            for word in words:
                with self._lock.reading():  # a word at a time: a swap waits for one read only
                    if self._postings is not postings or self._closing:
                        return
                    postings.of(word)
        return self._pool.submit(load)

    def read_words(self) -> None:
        """Wait for the words' postings being read beside the searches (kb.keywords)."""
        self._postings.settle()

    def forget(self, words: bool = False) -> None:
        """Forget what was kept of earlier queries, not of the index or filters: the next one is new to it; with
        `words`, what is kept of the index's passages too: its words' postings (kb.keywords), where the
        passages sit and each case's passages (Results.places, Results.case_passages)."""
        if words:
            self._postings.forget()
            self._results.forget()
        self._queries.forget()
        self._matching.clear()
        self._matcher.forget()
        self._rankings.forget()

    def refresh(self) -> bool:
        """Reopen the index if an ingest has replaced it since; True when it did."""
        if not changed_since(self.index_dir, self.generation):
            return False
        with self._lock.writing():
            if not changed_since(self.index_dir, self.generation):
                return False
            old = self.store
            self._open()
            old.close()
            return True

    def close(self) -> None:
        """Close the store and the keyword worker."""
        self._closing = True  # a warm-up stops at its next word
        self._pool.shutdown(wait=True)
        self.store.close()

    @property
    def embedder(self) -> Embedder:
        """The index's main model, loaded on first use."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.main_model)
        return self._embedder

    # -- validation -------------------------------------------------------------------------------
    def validate(self, query: str, k: int, mode: str, filters: Filters) -> str:
        """The query, stripped; or a QueryError naming what is wrong."""
        text = clean_query(query, k, mode)
        self.check_filters(filters)
        return text

    def check_filters(self, filters: Filters) -> None:
        """Reject filter values that name nothing: an unknown approach, country code, type or language."""
        check_filters(filters, self._known_values)

    def _known_values(self, facet: str) -> set[str]:
        """Values a filter may name: the taxonomy's ids, ISO3 codes, region ids, types, and what the index has."""
        if facet not in self._known:
            gazetteer = default_gazetteer()
            known = {
                "approach": set(load_taxonomy(self.settings.taxonomy or None).ids),
                "sdg": set(load_goals().ids),
                "country": {p.code for p in gazetteer.names.values() if p.kind != "region"},
                "region": {p.code for p in gazetteer.names.values() if p.kind == "region"},
                "doc_type": set(type_ids()),
            }.get(facet, set())
            self._known[facet] = known | set(self.store.facet_values(facet))
        return self._known[facet]

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        """The passages a filter allows, kept for the next queries: users change queries more than filters."""
        return self._allowed_cache.get(filters, lambda: self.store.allowed_passages(filters))

    def plan(self, text: str) -> QueryPlan:
        """The query read once into a plan (kb.query), with this index's languages and glossary."""
        return self._rankings.plan(text)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters = Filters()) -> SearchResult:
        """The k best cases for a query, each shown by the passage that best answers it, with facet counts."""
        self.refresh()
        text = self.validate(query, k, mode, filters)
        with self._slots.held(), self._lock.reading():
            plan = self.plan(text)
            # The words' postings, read in the pool while the rankings run (SQLite lets go of the GIL): the
            # grades and the count of matches read them after, and the topic's grades of a query naming a place.
            plans = [plan, plan.topic()] if self._results.places_first(plan, filters) else [plan]
            words = [self._pool.submit(self._matcher.read, p.terms, p.concepts) for p in plans] \
                if mode != "semantic" else []
            lists = self._rankings.search(plan, mode, self._allowed(filters), filters, self.rules.pool)
            for job in words:
                job.result()
            weights = self._rankings.weights(mode)
            ranked = fuse([(weights[name], lists[name]) for name in weights], self.rules.fusion, self.rules.rrf_k)
            return self._results.page(plan, mode, ranked, k, lists, filters)

    def own_texts(self, case_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Each case's document and own text (Store.own_texts), by which saved searches know a case cut again."""
        with self._lock.reading():
            return self.store.own_texts(sorted(case_ids))

    def more_like_this(self, case_id: str, k: int = 10, filters: Filters = Filters()) -> SearchResult:
        """Cases of other documents (or other rows of its table) whose passages are closest in meaning to the case's."""
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k = {k!r}: ask for 1 to {MAX_K} results")
        self.refresh()
        self.check_filters(filters)
        with self._slots.held(), self._lock.reading():
            case = self.store.case(case_id)
            chunks = self.store.chunks(case_id=case_id)
            ids = [pid for pid, _ in chunks]
            # The case's meaning is its prose's: a survey chapter's tables had found other documents' tables.
            own = self.vectors.vectors([pid for pid, c in chunks if c.kind == "prose"] or ids)
            if not len(own):
                raise NotFoundError(f"case {case_id!r} has no passages to compare")
            centre = unit_rows(np.mean(own, axis=0))
            # A report's other chapters are its neighbours, on the case page already: here they took three of the
            # five places above any other source. A table's rows are cases of their own and stay. The pool reaches
            # past all of the document's passages: a chapter of the Ghana survey (1,900 passages) found only its
            # own report's within the pool and showed nothing.
            record = self.store.document(case.doc_id).doc_type == "record"
            skip = len(ids) if record else self.store.passage_count(case.doc_id)
            mine = set(ids)  # once, not for every passage of the pool
            ranked = [(pid, s) for pid, s in self._rankings.semantic(centre[None, :], self._allowed(filters),
                                                              self.rules.pool + skip) if pid not in mine]
            if not record:
                places = self._results.places([pid for pid, _ in ranked])
                ranked = [(pid, s) for pid, s in ranked if pid in places and places[pid]["doc_id"] != case.doc_id]
            plan = QueryPlan(case.title, (), case.title, (), (), True)
            return self._results.page(plan, "similar", ranked, k, {"semantic": ranked}, choose=False)

    def matching(self, plan: QueryPlan, mode: str) -> frozenset[str]:
        """Every case of the index that matches the query well (kb.matching), kept for the query's next pages."""

        def vector(plan: QueryPlan) -> np.ndarray | None:
            return self._rankings.query_vector(plan) if mode != "keyword" else None

        def compute() -> frozenset[str]:
            topic = None
            if plan.asks_about_a_place and mode != "semantic":
                # The place a query names does not make a match alone (kb.results grades its cases so too).
                place_free = plan.topic()
                topic = (vector(place_free), place_free.terms, place_free.concepts)
            terms = plan.terms if mode != "semantic" else ()
            return self._matcher.cases(vector(plan), terms, plan.concepts, topic)

        return self._matching.get((plan.text, mode), compute)

    def _cases_allowed(self, filters: Filters) -> frozenset[str] | None:
        """The cases a filter allows (None when nothing is filtered), kept like `_allowed`."""
        if filters.empty:
            return None
        return self._allowed_cases.get(filters, lambda: frozenset(self.store.case_ids(filters)))

    def _matches_within(self, plan: QueryPlan, mode: str, filters: Filters) -> frozenset[str]:
        return within(self.matching(plan, mode), lambda: self._cases_allowed(filters))

    def disjunctive_facets(
        self, query: str, mode: str, filters: Filters, result: SearchResult
    ) -> dict[str, dict[str, int]]:
        """The result's facet counts, but a filtered facet counts its values as if it were not filtered.

        A sidebar then shows what choosing another country adds; the value chosen counts what the results say.
        """
        counts = dict(result.facets)
        with self._slots.held(), self._lock.reading():
            plan = self.plan(self.validate(query, 1, mode, filters))
            for facet in FACET_FILTERS:
                if getattr(filters, facet):
                    looser = self._matches_within(plan, mode, filters.without(facet))
                    counts[facet] = self._matcher.facet_counts(looser, filters.mentions).get(facet, {})
        return counts

    def relaxations(self, query: str, mode: str, filters: Filters) -> list[tuple[str, int]]:
        """For a search that found nothing: each filter in use, and how many cases match well without it."""
        out = []
        with self._slots.held(), self._lock.reading():
            plan = self.plan(self.validate(query, 1, mode, filters))
            for facet in (*FACET_FILTERS, "source", "years"):
                if facet == "years":
                    if filters.year_from is None and filters.year_to is None:
                        continue
                    looser = replace(filters, year_from=None, year_to=None)
                elif getattr(filters, facet):
                    looser = filters.without(facet)
                else:
                    continue
                out.append((facet, len(self._matches_within(plan, mode, looser))))
        return out
