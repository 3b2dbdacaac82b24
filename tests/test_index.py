"""The FAISS layer: exact search as FAISS's own flat search gives it; the compressed kind (8-bit codes in inverted
lists) with its recall measured at build time."""

from __future__ import annotations

import json
from dataclasses import replace

import faiss
import numpy as np
import pytest

import kb.index
from kb.check import check_index
from kb.index import TARGET_RECALL, VectorIndex
from kb.pipeline import ingest
from kb.search import Searcher
from tests.conftest import HASH_ONLY, ROOT


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray, np.ndarray]:
    """20,000 unit vectors around 200 topics, under ids that are not row numbers (as passage ids are not)."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(200, 48)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, 20_000)] + rng.normal(0, 0.6, (20_000, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.arange(20_000, dtype=np.int64) * 3 + 11, vectors


def _top10(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, among: np.ndarray | None = None) -> set[int]:
    rows = np.arange(len(ids)) if among is None else np.flatnonzero(np.isin(ids, among))
    return set(ids[rows[np.argsort(-(vectors[rows] @ query))[:10]]].tolist())


def test_the_exact_kind_finds_what_faiss_flat_search_finds(clustered, tmp_path):
    ids, vectors = clustered
    import faiss

    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    flat.add_with_ids(vectors, ids)
    index = VectorIndex.build(ids, vectors, "exact")
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")  # searched from the file's own memory, as an index folder is
    rng = np.random.default_rng(5)
    queries = vectors[rng.integers(0, len(ids), 8)] + rng.normal(0, 0.3, (8, vectors.shape[1])).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    allowed = rng.choice(ids, 300, replace=False)
    for k, among in ((10, None), (200, None), (10, allowed), (200, allowed)):
        scores, found = loaded.search(queries, k, among)
        params = None if among is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(among))
        want_scores, want = flat.search(queries, k, params=params)
        assert found.shape == want.shape == (8, k)
        assert (found == want).mean() > 0.99  # near-ties may swap within float rounding
        assert np.allclose(scores, want_scores, atol=1e-5)
    few = ids[:3]
    scores, found = loaded.search(queries[:1], 10, few)  # fewer allowed than asked: padded, as FAISS pads
    assert set(found[0][:3].tolist()) == set(few.tolist()) and (found[0][3:] == -1).all()
    assert loaded.search(queries[:1], 10, ids[:0])[1].tolist() == [[-1] * 10]
    lims, _, inside = flat.range_search(queries[:1], 0.5)
    assert set(loaded.above(queries[0], 0.5).tolist()) == set(inside[lims[0]:lims[1]].tolist())


def test_the_compressed_kind_keeps_the_exact_top_ten_and_says_how_well(clustered, tmp_path):
    ids, vectors = clustered
    index = VectorIndex.build(ids, vectors, "ivf")
    assert index.kind == "ivf" and index.recall is not None and index.recall >= TARGET_RECALL
    queries = vectors[::997] * 0.8 + vectors[5::997] * 0.2
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    _, found = index.search(queries, 10)
    recall = np.mean([len(set(f.tolist()) & _top10(vectors, ids, q)) / 10 for f, q in zip(found, queries)])
    assert recall >= 0.9  # measured on other queries than the build's own calibration
    index.save(tmp_path / "v.faiss")
    again = VectorIndex.load(tmp_path / "v.faiss")
    assert again.kind == "ivf" and (again.search(queries, 10)[1] == found).all()
    # Its lists are read from the file as searches touch them (memory-mapped), not copied into memory.
    lists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(again.index.index).invlists)
    assert type(lists).__name__ == "OnDiskInvertedLists"
    assert sorted(again.ids().tolist()) == sorted(ids.tolist())


def test_the_compressed_kind_given_the_float_vectors_rescores_its_candidates_exactly(clustered):
    ids, vectors = clustered
    index = VectorIndex.build(ids, vectors, "ivf")
    queries = vectors[3::997] * 0.8 + vectors[7::997] * 0.2
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    row_of = {int(i): n for n, i in enumerate(ids)}

    def exact(found):
        return np.array([[vectors[row_of[int(i)]] @ q for i in row] for q, row in zip(queries, found)])

    coded, coded_ids = index.search(queries, 10)
    index.exact_rows = lambda found: vectors[[row_of[int(i)] for i in found]]
    scores, found = index.search(queries, 10)
    # The codes' scores are approximations; the re-scored ones are the float32 inner products themselves.
    assert np.abs(coded - exact(coded_ids)).max() > 1e-4 and np.abs(scores - exact(found)).max() < 1e-5
    assert all(set(f.tolist()) == _top10(vectors, ids, q) for f, q in zip(found, queries))
    _, inside = index.search(queries[0], 10, allowed=ids[::2])
    assert set(inside[0].tolist()) == _top10(vectors, ids, queries[0], ids[::2])


def test_the_compressed_kind_filters_inside_the_search(clustered, monkeypatch):
    ids, vectors = clustered
    index = VectorIndex.build(ids, vectors, "ivf")
    query = vectors[42]
    allowed = ids[::2]
    for subset_max in (50_000, 100):  # a small filter searched exactly, a large one through the lists
        monkeypatch.setattr(kb.index, "EXACT_SUBSET_MAX", subset_max)
        _, found = index.search(query, 10, allowed=allowed)
        assert set(found[0].tolist()) <= set(allowed.tolist())
        assert len(set(found[0].tolist()) & _top10(vectors, ids, query, allowed)) >= 8


def test_auto_compresses_past_the_size_set_and_tiny_sets_stay_exact(clustered):
    ids, vectors = clustered
    assert VectorIndex.build(ids, vectors, "auto", compress_from=10_000).kind == "ivf"
    assert VectorIndex.build(ids, vectors, "auto").kind == "exact"
    assert VectorIndex.build(ids[:500], vectors[:500], "ivf").kind == "exact"


def test_an_index_folder_of_the_compressed_kind_records_its_recall_and_searches(tmp_path, monkeypatch):
    monkeypatch.setattr(kb.index, "IVF_MIN", 50)  # the seeds' few hundred passages stand in for millions
    settings = replace(HASH_ONLY, index_kind="ivf")
    ingest(ROOT / "corpus", tmp_path / "index", settings)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["vectors"]["kind"] == "ivf" and manifest["vectors"]["recall_at_10"] >= TARGET_RECALL
    searcher = Searcher(tmp_path / "index", settings)
    result = searcher.search("cash transfers to poor households", 5, "semantic")
    assert len(result.hits) == 5
    # Its candidates are re-scored with the store's float32 vectors: their scores are the exact inner products.
    query = searcher.embedder.encode_queries(["cash transfers to poor households"])
    scores, found = searcher.vectors.search(query, 10)
    assert np.allclose(scores[0], searcher.store.passage_vectors(found[0]) @ query[0], atol=1e-6)
    assert check_index(tmp_path / "index") == []


def test_a_large_filter_searches_hnsw_through_a_bitmap_as_through_the_set_of_ids(clustered, monkeypatch):
    import faiss

    ids, vectors = clustered
    index = VectorIndex.build(ids, vectors, "hnsw")
    monkeypatch.setattr(kb.index, "EXACT_SUBSET_MAX", 100)  # a filter too large to search exactly
    allowed = ids[::3]
    queries = vectors[5:9]
    scores, found = index.search(queries, 10, allowed)
    params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(allowed), efSearch=kb.index.HNSW_EF_SEARCH)
    want_scores, want = index.index.search(queries, 10, params=params)
    assert index.kind == "hnsw" and np.array_equal(found, want) and np.array_equal(scores, want_scores)
    assert set(found.ravel().tolist()) <= set(allowed.tolist())
