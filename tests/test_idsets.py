"""Id sets by mask lookup answer as np.isin does."""

from __future__ import annotations

import numpy as np

from kb.idsets import id_mask, members, summed


def test_members_answer_as_isin_does_with_padding_and_empty_sets():
    rng = np.random.default_rng(3)
    for _ in range(50):
        values = rng.integers(-1, 300, size=rng.integers(0, 80))  # -1: FAISS's padding
        ids = np.unique(rng.integers(0, 200, size=rng.integers(0, 60)))
        assert np.array_equal(members(values, ids), np.isin(values, ids))
    assert id_mask(np.array([0, 3]), 5).tolist() == [True, False, False, True, False]


def test_summed_adds_each_part_in_order_as_a_loop_over_its_ids_does():
    rng = np.random.default_rng(4)
    parts = [(np.unique(rng.integers(0, 100, size=30)), rng.random(30)) for _ in range(4)]
    parts = [(ids, values[:len(ids)]) for ids, values in parts] + [(np.array([5, 7]), 0.25)]
    want: dict[int, float] = {}
    for ids, values in parts:
        for i, pid in enumerate(ids.tolist()):
            want[pid] = want.get(pid, 0.0) + (values if isinstance(values, float) else float(values[i]))
    found, totals = summed(parts, 100)
    assert found.tolist() == sorted(want) and totals.tolist() == [want[pid] for pid in sorted(want)]
