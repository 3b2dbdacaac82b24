"""The FAISS vector index: passage ids and unit vectors only; it knows nothing of cases or text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.config import check_choice
from kb.errors import IndexVersionError
from kb.idsets import id_mask, members
from kb.memo import Memo
from kb.unitvec import unit_rows

# Past this many vectors, "auto" builds HNSW: exact search at 1M passages takes longer than a user waits.
AUTO_HNSW_FROM = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# A filter that leaves at most this many passages is searched exactly, whatever the index kind.
EXACT_SUBSET_MAX = 50_000
# The compressed kind (ivf): vectors kept as 8-bit codes (a quarter of float32) in inverted lists, the lists
# found through an HNSW graph of their centroids. Its nprobe is not a tuned constant: each build tries these
# in turn on queries made from its own vectors and keeps the first whose top 10 matches exact search's top 10
# at TARGET_RECALL (the floor is 0.95), else the largest. Stopping instead once more lists gain less
# than 0.01 was measured and not taken: its query-like vectors stop early (nprobe 8-16) where real queries
# still gain (scripts/bench_vectors.py, recall@10 of 61 real queries at 1M / 5M: 0.956 / 0.936 -> 0.943 /
# 0.890, for 12 -> 1.5 ms a query, which is little beside the rest of a search).
NPROBES = (8, 16, 32, 64, 128, 256, 512)
TARGET_RECALL = 0.97
CALIBRATION_QUERIES = 200
# Fewer vectors than this are too few to train lists on, and exact search over them is instant.
IVF_MIN = 1000
# The codes reorder near-ties (at 5M grown vectors, recall@10 of 61 real queries 0.936 in one build and 0.961
# in another, with every list searched in vain), so a compressed index given the stored float32 vectors
# (`exact_rows`, read from the store by id) scores this many of its candidates exactly and keeps the best:
# 0.974 -> 0.982 at 1M, 0.961 -> 0.979 at 5M, and no slower (scripts/bench_vectors.py; reading 100 candidates'
# vectors from the store adds 3 / 8 ms at p50 / p95). Not tuned: the main ranking asks for 100 (its pool).
REFINE_CANDIDATES = 100


def _faiss() -> Any:
    """The faiss module, imported when first needed and typed Any: its bundled stubs (faiss/__init__.pyi) lack
    classes it has, such as SearchParametersHNSW, and the `sel` argument of SearchParameters."""
    import faiss

    return faiss


class VectorIndex:
    """Inner-product search over unit vectors, with ids shared with the store's passages."""

    # A faiss IndexIDMap2 around a flat or HNSW index: Any, as faiss's stubs type its indexes poorly.
    index: Any

    def __init__(self, index: Any, kind: str, recall: float | None = None) -> None:
        self.index = index
        self.kind = kind
        # Recall@10 against exact search measured when an approximate index was built (None: not measured).
        self.recall = recall
        self._flat: tuple[np.ndarray, np.ndarray] | None = None
        self._recent: Memo[bytes, np.ndarray] = Memo(4)
        # The exact float32 vectors of given ids, for a compressed index to re-score its candidates (None: not).
        self.exact_rows: Callable[[np.ndarray], np.ndarray] | None = None

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, kind: str = "auto", dim: int | None = None,
              compress_from: int = 2_000_000) -> VectorIndex:
        """An index of vectors under ids; kind is exact, hnsw, ivf, or auto (hnsw past AUTO_HNSW_FROM, ivf past
        compress_from)."""
        faiss = _faiss()
        check_choice("index_kind", kind)  # load_settings checks it too; Settings made in code are checked here
        d = vectors.shape[1] if len(vectors) else int(dim or 1)
        if kind == "auto":
            kind = "ivf" if len(ids) >= compress_from else "hnsw" if len(ids) >= AUTO_HNSW_FROM else "exact"
        if kind == "ivf" and len(ids) >= IVF_MIN:
            return _build_ivf(ids, np.ascontiguousarray(vectors, dtype=np.float32))
        if kind == "ivf":
            kind = "exact"
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            inner = faiss.IndexFlatIP(d)
        index = faiss.IndexIDMap2(inner)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                               np.ascontiguousarray(ids, dtype=np.int64))
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index file written by save(), memory-mapped: the OS pages in the parts searches touch, so an
        index larger than memory still serves (the compressed kind's codes at 5M passages: see
        scripts/bench_vectors.py), and a warm one searches as fast as one read into memory (25k exact: p50
        1.7 ms either way)."""
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        except RuntimeError as exc:
            raise IndexVersionError(f"{path}: not a readable FAISS index: {exc}") from exc
        inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
        name = type(inner).__name__
        if "IVF" in name:
            ivf = faiss.extract_index_ivf(inner)
            if ivf.direct_map.type == 0:  # written without one: reconstruct (small filtered searches) needs it
                ivf.make_direct_map()
            return cls(index, "ivf")
        return cls(index, "hnsw" if "HNSW" in name else "exact")

    def ids(self) -> np.ndarray:
        """The passage ids the index holds."""
        faiss = _faiss()
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The vectors of the given ids, in order (one call: a reconstruct per id cost 5x as much)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def save(self, path: Path) -> None:
        """Write the index to a file."""
        faiss = _faiss()
        faiss.write_index(self.index, str(path))

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """An exact index's vectors (a view of FAISS's own array, no copy) and their ids, row by row."""
        if self._flat is None:
            faiss = _faiss()
            flat = faiss.downcast_index(self.index.index)
            n, d = int(flat.ntotal), int(flat.d)
            matrix = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d) if n else np.zeros((0, d), np.float32)
            self._flat = matrix, self.ids()
        return self._flat

    def _scores(self, queries: np.ndarray) -> np.ndarray:
        """Every vector's inner product with each query, by row. numpy's own loop on the calling thread, not
        BLAS or FAISS: their worker threads spin after a search and slowed the next query encode on two cores
        (100k vectors, MiniLM then search, p50: FAISS 14 + 17 ms, BLAS 7 + 18 ms with encode p95 107 ms, this
        5.6 ms alone)."""
        # A search's top k and its match count read the same query's scores: computed once (at 100k vectors
        # 5 ms each time), kept for the last few queries only, for searches running side by side.
        return self._recent.get(queries.tobytes(), lambda: self._product(queries))

    def _product(self, queries: np.ndarray) -> np.ndarray:
        """The scores of `_scores`, computed (read-only: they are shared)."""
        matrix, _ = self._matrix()
        scores = np.einsum("qd,nd->qn", queries, matrix)
        scores.flags.writeable = False
        return scores

    def forget(self) -> None:
        """Drop the kept scores of recent queries (a benchmark's new query)."""
        self._recent.clear()

    def above(self, query: np.ndarray, threshold: float, limit: int = 10_000) -> np.ndarray:
        """Ids of every vector whose inner product with one query is above the threshold (HNSW, which has no
        range search: among its `limit` nearest)."""
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self.kind == "exact":
            return self._matrix()[1][self._scores(query)[0] > threshold]
        scores, ids = self.index.search(query, min(limit, max(self.index.ntotal, 1)))
        return ids[0][(scores[0] >= threshold) & (ids[0] >= 0)]

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k best passages per query; with `allowed`, only among those ids.

        A filter is applied inside the search, so the result is the top k of the allowed passages, not
        what survives of an unfiltered top k. A compressed index with `exact_rows` re-scores its candidates.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, int(self.index.ntotal) or 1))
        if self.kind != "ivf" or self.exact_rows is None:
            return self._search(queries, k, allowed)
        _, candidates = self._search(queries, max(k, REFINE_CANDIDATES), allowed)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (query, found) in enumerate(zip(queries, candidates)):
            found = found[found >= 0]
            if len(found):
                top, top_ids = _top((self.exact_rows(found) @ query)[None, :], found, k)
                scores[row, :top.shape[1]], ids[row, :top.shape[1]] = top[0], top_ids[0]
        return scores, ids

    def _search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """`search` by the index alone (a compressed one's scores are its codes')."""
        faiss = _faiss()
        if self.kind == "exact":
            return self._exact(queries, k, allowed)
        if allowed is None:
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
                return self.index.search(queries, k, params=params)
            return self.index.search(queries, k)
        allowed = np.ascontiguousarray(allowed, dtype=np.int64)
        if not len(allowed):
            n = len(queries)
            return np.full((n, k), -np.inf, dtype=np.float32), np.full((n, k), -1, dtype=np.int64)
        if self.kind != "exact" and len(allowed) <= EXACT_SUBSET_MAX:
            return self._exact_subset(queries, k, allowed)
        # A bitmap of the allowed ids, not IDSelectorBatch's hash set: at 1M passages building that set cost
        # 21 ms a filtered search, the bitmap 1 ms, and FAISS tests an id against it faster too.
        selector = faiss.IDSelectorBitmap(np.packbits(id_mask(allowed, int(allowed.max()) + 1), bitorder="little"))
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
        elif self.kind == "ivf":
            nprobe = faiss.extract_index_ivf(self.index.index).nprobe
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.index.search(queries, k, params=params)

    def _exact(self, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Exact search in numpy: the k best by score, ties by id; a filter keeps only the allowed rows."""
        scores = self._scores(queries)
        ids = self._matrix()[1]
        if allowed is not None:
            rows = np.flatnonzero(members(ids, allowed))
            scores, ids = scores[:, rows], ids[rows]
        found, found_ids = _top(scores, ids, k)
        if found.shape[1] < k:  # fewer allowed than asked: padded as FAISS pads, with id -1
            pad = k - found.shape[1]
            found = np.hstack([found, np.full((len(queries), pad), -np.inf, dtype=np.float32)])
            found_ids = np.hstack([found_ids, np.full((len(queries), pad), -1, dtype=np.int64)])
        return found.astype(np.float32), found_ids.astype(np.int64)

    def _exact_subset(self, queries: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Brute force over a small allowed set, reconstructing its vectors from the index."""
        return _top(queries @ self.vectors(allowed).T, allowed, k)


def _top(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the k best columns of each row of scores (fewer when there are fewer), ties by id."""
    n = len(ids)
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n), (len(scores), n))
    top = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((ids[part], -top), axis=1) if n else part
    return np.take_along_axis(top, order, axis=1), ids[np.take_along_axis(part, order, axis=1)]


def _build_ivf(ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
    """The compressed index: lists trained on a sample, 8-bit codes, nprobe calibrated against exact search."""
    faiss = _faiss()
    n, d = vectors.shape
    # About 4 * sqrt(n) lists (a power of two), each trained on up to 40 sample vectors: FAISS's own guidance.
    nlist = int(2 ** round(np.log2(max(4 * np.sqrt(n), 64))))
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
    inner = faiss.index_factory(d, f"IVF{nlist}_HNSW32,SQ8", faiss.METRIC_INNER_PRODUCT)
    inner.train(sample)
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
    ivf = faiss.extract_index_ivf(inner)
    ivf.make_direct_map()
    queries, truth = _calibration_set(vectors, ids, rng)
    recall = 0.0
    for nprobe in NPROBES:
        ivf.nprobe = nprobe
        _, found = index.search(queries, 10)
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), truth.tolist())]))
        if recall >= TARGET_RECALL:
            break
    return VectorIndex(index, "ivf", recall=round(recall, 4))


def _calibration_set(vectors: np.ndarray, ids: np.ndarray, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Query-like vectors (a stored vector blended with another and a little noise, as a query lies near but
    not on a passage) and the ids of their exact top 10."""
    faiss = _faiss()
    n = len(vectors)
    picks = rng.choice(n, size=(CALIBRATION_QUERIES, 2))
    queries = 0.7 * vectors[picks[:, 0]] + 0.3 * vectors[picks[:, 1]]
    queries += rng.normal(0, 0.02, queries.shape).astype(np.float32)
    queries = np.ascontiguousarray(unit_rows(queries))
    _, rows = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)  # no copy of the vectors
    return queries, ids[rows]
