"""Search an index: semantic (FAISS), keyword (SQLite FTS5, BM25) and hybrid (rank fusion of both).

Filters are resolved in SQLite to the passages they allow and applied inside each ranking, so the
filtered top k is the true top k of the allowed passages. Results group to the best passage per case.
Facet counts are taken over the cases of the same filtered candidate list the results come from.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kb.config import Settings
from kb.embed import Embedder, load_embedder
from kb.errors import IndexVersionError, KBError, NotFoundError
from kb.explain import Highlighter, is_header, why
from kb.gazetteer import default_gazetteer
from kb.index import VectorIndex
from kb.doctypes import type_ids
from kb.models import FACET_FILTERS, Filters, Hit
from kb.glossary import Expansion, load_glossary
from kb.pipeline import MULTILINGUAL, STORE_FILE, Space, open_store, spaces
from kb.store import Store
from kb.taxonomy import load_taxonomy
from kb.tokens import fts_query, query_terms

MODES = ("hybrid", "semantic", "keyword")
MAX_QUERY_CHARS = 1000
MAX_K = 100


class QueryError(KBError):
    """A query, k, mode or filter value that cannot be searched; the message says which and why."""


@dataclass(frozen=True)
class SearchRules:
    """How rankings are fused: candidates taken from each, the fusion constant and each ranking's weight."""

    # Values chosen on ../shared/eval/dev_queries.jsonl (scripts/eval_search.py), from a plateau: keyword
    # weight 1.2-1.4 and pools of 100-200 all score nDCG@10 0.87-0.89. Reciprocal rank fusion scored 0.78:
    # it ranks a passage that is middling in both lists above one that is first in one list.
    pool: int = 100
    # "score": each list's scores scaled to [0, 1] between its first and last, then added with the weights;
    # "rrf": reciprocal rank fusion with constant rrf_k.
    fusion: str = "score"
    rrf_k: float = 60.0
    semantic_weight: float = 1.0
    keyword_weight: float = 1.3
    # Weight of a passage's document and case titles in BM25, beside 1.0 for its own text.
    heading_weight: float = 0.3
    # Query words found in more than this share of passages are left out of the keyword search when rarer
    # words remain: BM25 gives them almost no weight, yet scoring every passage they match is most of its cost.
    common_share: float = 0.2
    facet_cases: int = 200
    # The multilingual space (passages not in English) and the keyword search for the query's glossary names
    # in the other languages. Chosen on the dev queries: 0.3-0.5 each lifts nDCG@10 of the other kinds from
    # 0.891 to 0.905-0.907 (their Chinese and Spanish relevant files are reached); 0.7 and up pushes Chinese
    # passages over English answers. Cosines of e5 were tried on a fixed scale: every query's top hits sit
    # at 0.80-0.88, relevant or not, so the list is scaled like the others.
    multilingual_weight: float = 0.5
    translated_weight: float = 0.5
    # The multilingual space is also searched with the glossary's names of the query's concepts in each other
    # language. On the dev queries: cross_lingual Recall@10 0.5 -> 1.0, the other kinds' nDCG@10 0.907 -> 0.898.
    renderings: bool = True
    # Query texts whose vectors are kept (0: none).
    query_cache: int = 512


@dataclass(frozen=True)
class SearchResult:
    """Hits best first, facet counts over the filtered candidates, and how many cases those were."""

    query: str
    mode: str
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    candidates: int


class Searcher:
    """Searches one index folder; loads the model once and is safe to share between threads."""

    def __init__(self, index_dir: str | Path, settings: Settings | None = None, rules: SearchRules = SearchRules()) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self.rules = rules
        self._lock = threading.RLock()
        self._embedder: Embedder | None = None
        self._highlighter = Highlighter()
        # Query vectors by (model, text): the app searches the same text again whenever a filter or page
        # changes, and the multilingual renderings cost about 20 ms each to encode.
        self._encoded: dict[tuple[str, str], np.ndarray] = {}
        self._encoded_lock = threading.Lock()
        # Keyword searches and the multilingual encoding run beside the main encoding (all release the GIL).
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="kb-search")
        self._open()

    def _open(self) -> None:
        # The stamp is taken before opening: a swap in between then shows at the next refresh.
        stamp = self._store_stamp()
        store = open_store(self.index_dir)
        try:
            built_with = store.get_meta("embedder")
            if built_with != self.settings.model:
                raise IndexVersionError(
                    f"{self.index_dir}: built with model {built_with!r} but kb is set to {self.settings.model!r}; "
                    f"set model = {built_with!r} or rebuild with `kb ingest CORPUS_DIR --index {self.index_dir}`")
            loaded = {space.name: (space.model, self._load_space(store, space)) for space in spaces(store)}
        except BaseException:
            store.close()
            raise
        self.store: Store = store
        self.vectors = loaded["main"][1]
        self.ml_model, self.ml_vectors = loaded.get(MULTILINGUAL, ("", None))
        self._known: dict[str, set[str]] = {}
        self._allowed_cache: dict[Filters, np.ndarray | None] = {}
        self._df: dict[str, int] = {}
        self._languages = store.passage_languages()
        self._stamp = stamp

    def _load_space(self, store: Store, space: Space) -> VectorIndex:
        """A space's FAISS file; derived data, so rebuilt in memory from the stored vectors when it is missing."""
        name = store.get_meta(space.file_key) or ""
        if name and (self.index_dir / name).is_file():
            return VectorIndex.load(self.index_dir / name)
        ids, matrix = store.all_vectors(space.stored_as)
        return VectorIndex.build(ids, matrix, self.settings.index_kind, dim=space.dim)

    def _store_stamp(self) -> tuple[int, int]:
        try:
            st = os.stat(self.index_dir / STORE_FILE)
        except FileNotFoundError:
            return (0, 0)  # open_store then says what is missing
        return st.st_ino, st.st_mtime_ns

    def refresh(self) -> bool:
        """Reopen the index if an ingest has replaced it since; True when it did."""
        with self._lock:
            if self._store_stamp() in (self._stamp, (0, 0)):
                return False
            old = self.store
            self._open()
            old.close()
            return True

    def close(self) -> None:
        """Close the store and the keyword worker."""
        self._pool.shutdown(wait=True)
        self.store.close()

    @property
    def embedder(self) -> Embedder:
        """The index's model, loaded on first use."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.model)
        return self._embedder

    # -- validation -------------------------------------------------------------------------------
    def validate(self, query: str, k: int, mode: str, filters: Filters) -> str:
        """The query, stripped; or a QueryError naming what is wrong."""
        text = " ".join((query or "").split())
        if not text:
            raise QueryError("the query is empty: type what you are looking for")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}: "
                             "keep the words that say what you need")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k = {k!r}: ask for 1 to {MAX_K} results")
        if mode not in MODES:
            raise QueryError(f"mode {mode!r}: use one of {', '.join(MODES)}")
        self.check_filters(filters)
        return text

    def check_filters(self, filters: Filters) -> None:
        """Reject filter values that name nothing: an unknown approach, country code, type or language."""
        for facet in FACET_FILTERS:
            values = getattr(filters, facet)
            if not values:
                continue
            allowed = self._known_values(facet)
            for value in values:
                if value not in allowed:
                    close = difflib.get_close_matches(value, sorted(allowed), n=3, cutoff=0.5)
                    hint = f"did you mean {', '.join(close)}?" if close else f"{len(allowed)} values are known"
                    raise QueryError(f"unknown {facet} {value!r}: {hint}")
        if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
            raise QueryError(f"year range {filters.year_from}-{filters.year_to} is empty")

    def _known_values(self, facet: str) -> set[str]:
        """Values a filter may name: the taxonomy's ids, ISO3 codes, region ids, types, and what the index has."""
        if facet not in self._known:
            gazetteer = default_gazetteer()
            known = {
                "approach": set(load_taxonomy(self.settings.taxonomy or None).ids),
                "country": {p.code for p in gazetteer.names.values() if p.kind != "region"},
                "region": {p.code for p in gazetteer.names.values() if p.kind == "region"},
                "doc_type": set(type_ids()),
            }.get(facet, set())
            self._known[facet] = known | set(self.store.facet_values(facet))
        return self._known[facet]

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        """The passages a filter allows, kept for the next queries: users change queries more than filters."""
        if filters not in self._allowed_cache:
            if len(self._allowed_cache) >= 32:
                self._allowed_cache.pop(next(iter(self._allowed_cache)))
            self._allowed_cache[filters] = self.store.allowed_passages(filters)
        return self._allowed_cache[filters]

    # -- rankings ---------------------------------------------------------------------------------
    def _encode(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """Query vectors of texts, from the cache where they were encoded before."""
        with self._encoded_lock:
            known = {text: self._encoded.get((embedder.name, text)) for text in texts}
        missing = [text for text, vector in known.items() if vector is None]
        if missing:
            for text, vector in zip(missing, embedder.encode_queries(missing)):
                known[text] = vector
            with self._encoded_lock:
                while self._encoded and len(self._encoded) + len(missing) > self.rules.query_cache:
                    self._encoded.pop(next(iter(self._encoded)))
                if self.rules.query_cache:
                    self._encoded.update({(embedder.name, text): known[text] for text in missing})
        return np.vstack([known[text] for text in texts]).astype(np.float32)

    def _semantic(self, vector: np.ndarray, allowed: np.ndarray | None, pool: int,
                  space: VectorIndex | None = None) -> list[tuple[int, float]]:
        scores, ids = (space or self.vectors).search(vector, pool, allowed)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def _keyword(self, text: str, filters: Filters, pool: int) -> list[tuple[int, float]]:
        terms = query_terms(text)
        if not terms:
            return []
        if self.rules.common_share < 1.0 and len(terms) > 1:
            df = {t: self._document_frequency(t) for t in terms}
            limit = self.rules.common_share * max(self._document_frequency(""), 1)
            terms = [t for t in terms if df[t] <= limit] or [min(terms, key=df.__getitem__)]
        return self.store.keyword_search(fts_query(terms), pool, filters, self.rules.heading_weight)

    def _document_frequency(self, term: str) -> int:
        """Passages holding a term ('' for all passages), counted once per index generation."""
        if term not in self._df:
            self._df[term] = self.store.keyword_count(fts_query([term])) if term else self.store.stats()["passages"]
        return self._df[term]

    def _fuse(self, rankings: list[tuple[float, list[tuple[int, float]]]]) -> list[tuple[int, float]]:
        fused: Counter[int] = Counter()
        for weight, ranking in rankings:
            if not ranking:
                continue
            top, bottom = ranking[0][1], ranking[-1][1]
            span = (top - bottom) or 1.0
            for rank, (pid, score) in enumerate(ranking, start=1):
                if self.rules.fusion == "score":
                    fused[pid] += weight * (score - bottom) / span
                else:
                    fused[pid] += weight / (self.rules.rrf_k + rank)
        return fused.most_common()

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters = Filters()) -> SearchResult:
        """The k best cases for a query, each shown by its best passage, with facet counts."""
        self.refresh()
        text = self.validate(query, k, mode, filters)
        with self._lock:
            allowed = self._allowed(filters)
            pool = self.rules.pool
            expansion = load_glossary(self.settings.glossary or None).expand(text)
            # The main model reads English: a query in another language reaches it through its glossary names.
            main_text = text if expansion.english_query or not expansion.english else " ".join(expansion.english)
            # The glossary's names in the other languages (and, for a query not in English, the English ones).
            names = (*expansion.others, *(() if expansion.english_query else expansion.english))
            own = set(query_terms(text))
            translated = [t for t in query_terms(" ".join(names)) if t not in own]
            semantic: list[tuple[int, float]] = []
            keyword: list[tuple[int, float]] = []
            # The keyword searches run beside the query's encoding: SQLite and torch both release the GIL.
            pending = self._pool.submit(self._keyword, text, filters, pool) if mode != "semantic" else None
            also = (self._pool.submit(self._keyword, " ".join(translated), filters, pool)
                    if mode != "semantic" and translated else None)
            ml = (self._pool.submit(self._semantic_multilingual, text, allowed, pool, expansion)
                  if mode != "keyword" else None)
            if mode != "keyword":
                semantic = self._semantic(self._encode(self.embedder, [main_text]), allowed, pool)
            multilingual = ml.result() if ml is not None else []
            if pending is not None:
                keyword = pending.result()
            keyword_translated = also.result() if also is not None else []
            r = self.rules
            rankings = [(r.semantic_weight, semantic), (r.keyword_weight, keyword),
                        (r.translated_weight, keyword_translated), (r.multilingual_weight, multilingual)]
            if mode == "keyword":
                rankings = rankings[1:3]
            elif mode == "semantic":
                rankings = [rankings[0], rankings[3]]
            ranked = self._fuse(rankings)
            ml_rank = {pid: n for n, (pid, _) in enumerate(multilingual, start=1)}
            return self._result(text, mode, ranked, k, semantic, keyword + keyword_translated, expansion, ml_rank)

    def _semantic_multilingual(self, text: str, allowed: np.ndarray | None, pool: int,
                               expansion: Expansion | None = None) -> list[tuple[int, float]]:
        """The query's nearest passages in the multilingual space (the passages not in English).

        The query is searched as written and as its glossary renderings (the small model places a Chinese
        passage on satellite factories nearer to "工厂 安置点 就业" than to English); a passage keeps its best cosine.
        """
        if self.ml_vectors is None or self.ml_vectors.index.ntotal == 0:
            return []
        # Renderings only into the languages the index holds: each costs an encoding.
        queries = [text, *(names for lang, names in (expansion.renderings if expansion else ()) if lang in self._languages)]
        if not self.rules.renderings:
            queries = queries[:1]
        scores, ids = self.ml_vectors.search(self._encode(load_embedder(self.ml_model), queries), pool, allowed)
        best: dict[int, float] = {}
        for row_scores, row_ids in zip(scores, ids):
            for pid, score in zip(row_ids.tolist(), row_scores.tolist()):
                if pid >= 0 and score > best.get(pid, -2.0):
                    best[pid] = score
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:pool]

    def more_like_this(self, case_id: str, k: int = 10, filters: Filters = Filters()) -> SearchResult:
        """Cases whose passages are closest in meaning to the given case's."""
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k = {k!r}: ask for 1 to {MAX_K} results")
        self.refresh()
        self.check_filters(filters)
        with self._lock:
            case = self.store.case(case_id)
            ids = [pid for pid, _ in self.store.chunks(case_id=case_id)]
            own = [self.vectors.index.reconstruct(pid) for pid in ids]
            if not own:
                raise NotFoundError(f"case {case_id!r} has no passages to compare")
            centre = np.mean(own, axis=0)
            centre = (centre / max(float(np.linalg.norm(centre)), 1e-12)).astype(np.float32)
            ranked = [(pid, s) for pid, s in self._semantic(centre[None, :], self._allowed(filters),
                                                              self.rules.pool + len(ids)) if pid not in set(ids)]
            return self._result(case.title, "semantic", ranked, k, ranked, [])

    def disjunctive_facets(self, query: str, mode: str, filters: Filters, result: SearchResult) -> dict[str, dict[str, int]]:
        """The result's facet counts, but a filtered facet counts its values as if it were not filtered.

        A sidebar then shows what choosing another country adds; each filtered facet costs one more search.
        """
        counts = dict(result.facets)
        for facet in FACET_FILTERS:
            if getattr(filters, facet):
                counts[facet] = self.search(query, 1, mode, replace(filters, **{facet: ()})).facets.get(facet, {})
        return counts

    def relaxations(self, query: str, mode: str, filters: Filters) -> list[tuple[str, int]]:
        """For a search that found nothing: each filter in use, and how many cases it finds without that filter."""
        out = []
        for facet in (*FACET_FILTERS, "source", "years"):
            if facet == "years":
                if filters.year_from is None and filters.year_to is None:
                    continue
                looser = replace(filters, year_from=None, year_to=None)
            elif getattr(filters, facet):
                looser = replace(filters, **{facet: ()})
            else:
                continue
            out.append((facet, self.search(query, 1, mode, looser).candidates))
        return out

    # -- results ----------------------------------------------------------------------------------
    def _result(self, text: str, mode: str, ranked: list[tuple[int, float]], k: int,
                semantic: list[tuple[int, float]], keyword: list[tuple[int, float]],
                expansion: Expansion | None = None, ml_rank: dict[int, int] | None = None) -> SearchResult:
        rows = self.store.passages([pid for pid, _ in ranked])
        best: dict[str, tuple[int, float]] = {}
        shown: dict[str, int] = {}
        for pid, score in ranked:
            row = rows.get(pid)
            if row is None:
                continue
            if row["case_id"] not in best:
                best[row["case_id"]] = (pid, score)
            # A case ranks by its best passage, but a header (title, byline, date) repeats the hit's title:
            # the case is shown by its best passage with content, when the lists found one.
            if row["case_id"] not in shown and not is_header(row["text"], (row["case_title"], row["doc_title"])):
                shown[row["case_id"]] = pid
        best = {case: (shown.get(case, pid), score) for case, (pid, score) in best.items()}
        # Equal scores (a document copied twice) are ordered by case id, so that the same index content gives
        # the same ranking whatever order its passages were stored in.
        cases = sorted(best, key=lambda c: (-best[c][1], c))
        facets_of = self.store.facets_of(cases[:k])
        facets = self.store.facet_counts(cases[:self.rules.facet_cases])
        sem_rank = {pid: r for r, (pid, _) in enumerate(semantic, start=1)}
        key_rank = {pid: r for r, (pid, _) in enumerate(keyword, start=1)}
        terms = query_terms(text)
        translated = query_terms(" ".join((*expansion.others, *expansion.english))) if expansion else []
        hits = []
        for rank, case_id in enumerate(cases[:k], start=1):
            pid, score = best[case_id]
            row, tags = rows[pid], facets_of[case_id]
            matched, shared = self._highlighter.matches(row["text"], list(dict.fromkeys([*terms, *translated])))
            own = [t for t in shared if t in terms]
            shared = own + [t for t in shared if t not in own]
            hits.append(Hit(
                rank=rank, score=round(score, 6), case_id=case_id, doc_id=row["doc_id"], passage_id=pid,
                title=row["case_title"], document_title=row["doc_title"], source=row["source"], text=row["text"],
                start=row["start"], end=row["end"], page=row["page"], approaches=tuple(sorted(tags.get("approach", ()))),
                countries=tuple(sorted(tags.get("country", ()))), regions=tuple(sorted(tags.get("region", ()))),
                published=row["published"], doc_type=row["doc_type"], language=row["language"], matched=matched,
                why=why(shared, sem_rank.get(pid), mode, (ml_rank or {}).get(pid), set(terms)),
                semantic_rank=sem_rank.get(pid),
                keyword_rank=key_rank.get(pid)))
        return SearchResult(text, mode, tuple(hits), facets, min(len(cases), self.rules.facet_cases))

