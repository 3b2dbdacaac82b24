"""Fusion and the choices on a fused ranking, as pure functions of hand-made lists: no index, no model."""

from __future__ import annotations

import numpy as np

from kb.rank import best_of, best_per_group, cap_per_document, fuse


def test_score_fusion_scales_each_list_and_weights_it():
    words = [(1, 12.0), (2, 6.0), (3, 0.0)]  # BM25-like scores: scaled to 1, 0.5, 0
    meaning = [(3, 0.9), (2, 0.8), (4, 0.4)]  # cosines: scaled to 1, 0.8, 0
    fused = dict(fuse([(1.0, words), (2.0, meaning)]))
    assert fused == {1: 1.0, 2: 0.5 + 2 * 0.8, 3: 0.0 + 2 * 1.0, 4: 0.0}
    assert [pid for pid, _ in fuse([(1.0, words), (2.0, meaning)])] == [2, 3, 1, 4]


def test_rank_fusion_reads_ranks_not_scores_and_ties_keep_the_ids_order():
    a = [(7, 100.0), (8, 1.0)]
    b = [(8, 0.99), (7, 0.98)]
    fused = fuse([(1.0, a), (1.0, b)], method="rrf", rrf_k=60.0)
    # Each id is first in one list and second in the other: equal totals, the smaller id first.
    assert [pid for pid, _ in fused] == [7, 8]
    assert fused[0][1] == fused[1][1] == 1 / 61 + 1 / 62


def test_an_empty_ranking_adds_nothing_and_one_flat_list_does_not_divide_by_zero():
    assert fuse([(1.0, []), (1.0, [(5, 0.3), (6, 0.3)])]) == [(5, 0.0), (6, 0.0)]
    assert fuse([]) == []


def test_several_query_vectors_keep_each_passages_best_score_and_skip_faiss_padding():
    scores = np.array([[0.9, 0.5, 0.1], [0.7, 0.6, 0.0]])
    ids = np.array([[10, 11, -1], [11, 12, -1]])
    assert best_of(scores, ids, pool=2) == [(10, 0.9), (11, 0.7)]


def test_each_group_is_ranked_by_its_best_passage():
    ranked = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)]
    assert best_per_group(ranked, {1: "a", 2: "b", 3: "a", 4: "c"}) == [("a", 1, 0.9), ("b", 2, 0.8), ("c", 4, 0.6)]


def test_a_document_shows_at_most_its_cap_and_says_how_many_more_it_has():
    cases = ["a1", "a2", "a3", "b1", "a4", "c1"]
    doc = {c: c[0] for c in cases}
    shown, more = cap_per_document(cases, doc, cap=2, k=10)
    assert shown == ["a1", "a2", "b1", "c1"] and more == {"a": 2}
    assert cap_per_document(cases, doc, cap=0, k=3) == (["a1", "a2", "a3"], {"a": 1})


def test_a_case_the_cap_holds_back_that_matches_well_comes_before_weak_ones():
    # Seen: a country filter's page showed three weak cards while a project that matched well waited behind
    # "6 more cases from this document", under "6 cases match well".
    cases = ["a1", "a2", "a3", "b1", "a4", "c1", "d1"]
    doc = {c: c[0] for c in cases}
    shown, more = cap_per_document(cases, doc, cap=2, k=10, weak={"a4", "c1", "d1"})
    assert shown == ["a1", "a2", "b1", "a3", "c1", "d1"] and more == {"a": 1}
    # Between cases that match, the cap keeps documents apart; a weak case above a held one keeps its place.
    assert cap_per_document(cases, doc, cap=2, k=10)[0] == ["a1", "a2", "b1", "c1", "d1"]
    cases = ["k1", "a1", "a2", "a3", "b1"]
    assert cap_per_document(cases, {c: c[0] for c in cases}, cap=2, k=10, weak={"k1"})[0] == ["k1", "a1", "a2", "b1"]
