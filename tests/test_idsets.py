"""Id sets by mask lookup answer as np.isin does."""

from __future__ import annotations

import numpy as np

from kb.idsets import id_mask, members


def test_members_answer_as_isin_does_with_padding_and_empty_sets():
    rng = np.random.default_rng(3)
    for _ in range(50):
        values = rng.integers(-1, 300, size=rng.integers(0, 80))  # -1: FAISS's padding
        ids = np.unique(rng.integers(0, 200, size=rng.integers(0, 60)))
        assert np.array_equal(members(values, ids), np.isin(values, ids))
    assert id_mask(np.array([0, 3]), 5).tolist() == [True, False, False, True, False]
