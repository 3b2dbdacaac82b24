"""A query's named rankings over one index generation: "semantic" (the main space), one per space beyond it,
"keyword" and "translated" (FTS5 BM25 on the query's words and on their glossary renderings); over the whole
index, with the filters applied inside each, or over given passages only (the finer reading of a few cases).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kb.config import Settings
from kb.dictionary import load_dictionary
from kb.embed import Embedder, load_embedder, model_languages
from kb.glossary import load_glossary
from kb.indexdir import Generation, OpenSpace
from kb.keywords import Postings
from kb.language import CJK, ENGLISH_READABLE
from kb.models import Filters
from kb.query import QueryPlan, make_plan
from kb.rank import Ranking, best_of
from kb.relevance import CosineScale, calibration_sample, cosine_scale
from kb.searchrules import SearchRules
from kb.spaces import SpaceSpec

# Passages that calibrate a space's cosines on the main model's scale, one in eleven of them asking: with 2,200
# the Chinese-over-Chinese figure read 0.589, with 4,400 0.659 (few questions: one answer's rank), the rest alike.
_SCALE_PASSAGES = 4400
# Fewer passages read by both spaces than this tell no scale (a library of a few English pages): no grade.
_SCALE_LEAST = 20


class QueryVectors:
    """Query vectors by (model, text), shared by the threads of a searcher and kept across index generations.

    The app searches the same text again whenever a filter or page changes, and a multilingual rendering costs
    about 20 ms to encode.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def encode(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """The texts' query vectors, from those kept where they were encoded before."""
        with self._lock:
            cached = {text: self._kept.get((embedder.name, text)) for text in texts}
        known = {text: vector for text, vector in cached.items() if vector is not None}
        missing = [text for text in cached if text not in known]
        if missing:
            for text, vector in zip(missing, embedder.encode_queries(missing)):
                known[text] = vector
            with self._lock:
                while self._kept and len(self._kept) + len(missing) > self.limit:
                    self._kept.pop(next(iter(self._kept)))
                if self.limit:
                    self._kept.update({(embedder.name, text): known[text] for text in missing})
        return np.vstack([known[text] for text in texts]).astype(np.float32)

    def forget(self) -> None:
        """Drop every kept vector."""
        with self._lock:
            self._kept.clear()


class Rankings:
    """The rankings of one index generation; `embedder` gives the main model, loaded on first use."""

    def __init__(self, generation: Generation, settings: Settings, rules: SearchRules, queries: QueryVectors,
                 embedder: Callable[[], Embedder], pool: ThreadPoolExecutor, postings: Postings) -> None:
        self.store = generation.store
        self.postings = postings
        self.vectors = generation.vectors
        self.others = generation.others
        self.rules = rules
        self._settings = settings
        self._queries = queries
        self._embedder = embedder
        # Keyword searches and the other spaces' encodings run beside the main encoding (all release the GIL).
        self._pool = pool
        # A space's weight and renderings act at query time: the settings' say, else what the ingest recorded.
        mine = {spec.name: spec for spec in settings.spaces}
        self._specs: dict[str, SpaceSpec] = {o.space.name: mine.get(o.space.name, o.space.spec) for o in self.others}
        self._spaces = {"semantic": settings.spaces[0].weight, **{n: s.weight for n, s in self._specs.items()}}
        # The passage languages the main model reads (None: every one). One that reads every language reads a
        # query as written, not its glossary's English names; only where it reads is its match grade trusted.
        self.main_languages = model_languages(settings.main_model)
        self._languages = set(generation.languages)
        self._passages: int | None = None
        self._scales: dict[str, CosineScale | None] = {}
        # The space whose model reads every language, over the most passages (the language-agnostic one).
        self._agnostic = max((o for o in self.others if model_languages(o.space.model) is None
                              and o.vectors.index.ntotal), key=lambda o: len(o.ids), default=None)

    def plan(self, text: str) -> QueryPlan:
        """The query read once: its words, glossary names, places and the texts each space encodes."""
        chosen = self._settings.dictionary
        dictionary = None if chosen == "off" or not CJK.search(text) else load_dictionary(chosen or None)
        return make_plan(text, load_glossary(self._settings.glossary or None), self._languages,
                         any(spec.renderings for spec in self._specs.values()), dictionary)

    def weights(self, mode: str) -> dict[str, float]:
        """The rankings the mode fuses, by name, with their weights."""
        return self.rules.weights(mode, self._spaces)

    def query_vector(self, plan: QueryPlan) -> np.ndarray:
        """The query's vector in the main space."""
        text = plan.text if self.main_languages is None and not plan.english else plan.main_text
        return self._queries.encode(self._embedder(), [text])[0]

    def search(self, plan: QueryPlan, mode: str, allowed: np.ndarray | None, filters: Filters,
               pool: int) -> dict[str, Ranking]:
        """Each ranking the mode fuses, by name; all but the main encoding run in the pool (all release the GIL)."""
        names = self.weights(mode)
        jobs = {}
        if "keyword" in names:
            jobs["keyword"] = self._pool.submit(self.keyword, plan.terms, filters, allowed, pool)
        if "translated" in names and plan.translated:
            jobs["translated"] = self._pool.submit(self.keyword, plan.translated, filters, allowed, pool)
        for other in self.others:
            if other.space.name in names:
                jobs[other.space.name] = self._pool.submit(self._semantic_other, other, plan, allowed, pool)
        lists: dict[str, Ranking] = {name: [] for name in names}
        if "semantic" in names:
            lists["semantic"] = self.semantic(self.query_vector(plan)[None, :], allowed, pool)
        lists.update({name: job.result() for name, job in jobs.items()})
        return lists

    def semantic(self, vector: np.ndarray, allowed: np.ndarray | None, pool: int) -> Ranking:
        """The passages nearest a vector in the main space."""
        scores, ids = self.vectors.search(vector, pool, allowed)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def keyword(self, terms: tuple[str, ...] | list[str], filters: Filters, allowed: np.ndarray | None,
                pool: int) -> Ranking:
        """BM25 over the query's words (inside a filter, `allowed` its passages), the common ones left out while a
        rarer one is there."""
        if not terms:
            return []
        common = self.common(tuple(terms))
        terms = [t for t in terms if t not in common] or [min(terms, key=self._document_frequency)]
        return self.postings.ranking(terms, pool, filters, allowed)

    def common(self, terms: tuple[str, ...]) -> frozenset[str]:
        """The query's words found in more than the common share of passages (the keyword search drops them too)."""
        if len(terms) < 2 or self.rules.common_share >= 1.0:
            return frozenset()
        limit = max(self.rules.common_share * self._document_frequency(""), self.rules.common_floor)
        return frozenset(t for t in terms if self._document_frequency(t) > limit)

    def _document_frequency(self, term: str) -> int:
        """Passages holding a term ('' for all passages): the postings keep a word's, the count of all is kept."""
        if term:
            return self.postings.count(term)
        if self._passages is None:
            self._passages = int(self.store.stats()["passages"])
        return self._passages

    def _space_queries(self, other: OpenSpace, plan: QueryPlan) -> np.ndarray | None:
        """A space's query vectors: the query as written, and its glossary renderings when the space asks."""
        # Renderings: a small multilingual model places a Chinese passage on satellite factories nearer to
        # "工厂 安置点 就业" than to English.
        if other.vectors.index.ntotal == 0:
            return None
        texts = plan.multilingual_texts if self._specs[other.space.name].renderings else plan.multilingual_texts[:1]
        return self._queries.encode(load_embedder(other.space.model), list(texts))

    def _semantic_other(self, other: OpenSpace, plan: QueryPlan, allowed: np.ndarray | None, pool: int) -> Ranking:
        """The query's nearest passages in a space beyond the main one; with renderings, a passage's best cosine."""
        queries = self._space_queries(other, plan)
        return [] if queries is None else best_of(*other.vectors.search(queries, pool, allowed), pool)

    def within(self, plan: QueryPlan, mode: str, ids: list[int]) -> dict[str, Ranking]:
        """Every ranking of the mode over the given passages only: the second, finer reading of a few cases."""
        names = self.weights(mode)
        lists: dict[str, Ranking] = {name: [] for name in names}
        if "semantic" in names:
            lists["semantic"] = list(zip(ids, (self.vectors.vectors(ids) @ self.query_vector(plan)).tolist()))
        for other in self.others:
            own = [pid for pid in ids if pid in other.ids]
            queries = self._space_queries(other, plan) if other.space.name in names and own else None
            if queries is not None:
                lists[other.space.name] = list(zip(own, (queries @ other.vectors.vectors(own).T).max(axis=0).tolist()))
        if "keyword" in names and plan.terms:
            lists["keyword"] = self.postings.scores(plan.terms, ids)
        if "translated" in names and plan.translated:
            lists["translated"] = self.postings.scores(plan.translated, ids)
        return lists

    def _grader(self) -> OpenSpace | None:
        """The space that grades what the main model cannot read: the language-agnostic one, where it has a scale."""
        space = self._agnostic
        return space if self.main_languages is not None and space is not None and self._scale(space) is not None \
            else None

    def own_language(self, plan: QueryPlan) -> str | None:
        """The language of a question the main model does not read, when a space reads every language; its
        passages in that language are then graded in that space (unread_cosines), else None."""
        return None if plan.english or self._grader() is None else plan.language

    def grades_across(self, plan: QueryPlan) -> bool:
        """Whether an English question's passages in languages the main model does not read are graded, in the
        space that reads every language (unread_cosines)."""
        return plan.english and self._grader() is not None

    def unread_cosines(self, plan: QueryPlan, pids: list[int], languages: Mapping[int, str]) -> dict[int, float]:
        """The cosines of the passages the main model cannot read that a question is graded on, in the space that
        reads every language, on the main model's scale (kb.relevance.CosineScale): a question in another
        language, its passages in that language; an English question, its passages in the other languages."""
        space, own = self._grader(), self.own_language(plan)
        if space is None or (own is None and not plan.english):
            return {}
        reads = self.main_languages or frozenset()
        mine = [pid for pid in pids if pid in space.ids
                and (languages.get(pid) == own if own else languages.get(pid) not in reads)]
        scale = self._scale(space)
        queries = self._space_queries(space, plan) if mine and scale is not None else None
        if scale is None or queries is None:
            return {}
        return dict(zip(mine, scale.read(space.vectors.vectors(mine) @ queries[0]).tolist()))

    def _scale(self, space: OpenSpace) -> CosineScale | None:
        """The space's cosines on the main model's scale, from passages both read (once per index, about 0.2 s);
        None where too few passages are read by both to tell."""
        if space.space.name not in self._scales:
            readable = [(pid, h) for pid, h in self.store.passage_hashes_in(sorted(ENGLISH_READABLE))
                        if pid in space.ids]
            ids, asked = calibration_sample(readable, _SCALE_PASSAGES)
            self._scales[space.space.name] = None if len(ids) < _SCALE_LEAST else cosine_scale(
                self.vectors.vectors(ids), space.vectors.vectors(ids), asked=asked)
        return self._scales[space.space.name]

    def forget(self) -> None:
        """Drop what was kept of earlier queries in the vector files (the word counts stay: they are the index's)."""
        for vectors in (self.vectors, *(other.vectors for other in self.others)):
            vectors.forget()
