"""Sets of passage ids (a filter's passages, the passages holding a word) tested by lookup in a boolean mask."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def id_mask(ids: np.ndarray, size: int) -> np.ndarray:
    """A boolean array of `size` entries, True at the given ids (non-negative, each below `size`)."""
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    return mask


def summed(parts: Iterable[tuple[np.ndarray, np.ndarray | float]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids in order, their totals) of (ids, values) parts, each part's ids listed once and below `size`, added
    part by part in order (the same doubles as adding them one at a time): in an array as long as the index,
    not by sorting the parts' joined lists (at 1M passages that had cost 9 ms a word)."""
    totals = np.zeros(size, dtype=np.float64)
    held = np.zeros(size, dtype=bool)
    for ids, values in parts:
        totals[ids] += values
        held[ids] = True
    found = np.flatnonzero(held).astype(np.int64)
    return found, totals[found]


def members(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which values are among the ids, as `np.isin(values, ids)` says, for non-negative ids: looked up in a mask
    rather than found by sorting both (at 1M passages, a filter's million ids: 1.3 ms against isin's 18)."""
    values = np.asarray(values, dtype=np.int64)
    ids = np.asarray(ids, dtype=np.int64)
    found = np.zeros(len(values), dtype=bool)
    if not len(values) or not len(ids):
        return found
    mask = id_mask(ids, max(int(values.max()), int(ids.max())) + 1)
    valid = values >= 0  # FAISS pads with -1, which no set holds
    found[valid] = mask[values[valid]]
    return found
