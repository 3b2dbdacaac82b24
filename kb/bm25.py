"""FTS5's BM25 of one phrase, computed from a token's counts in each row and the rows' sizes, as fts5_aux.c does.

FTS5 reads a token's positions fast and runs its bm25() slowly: at 1M passages reading a common token's counts
per row costs a fifth of what bm25() over the same rows does. The arithmetic below is fts5Bm25Function's, step
for step in the same order, so the doubles are the same (kb.keywords checks one word against FTS5 before it
trusts them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# fts5_aux.c's constants.
K1 = 1.2
B = 0.75
# The lowest IDF FTS5 gives a phrase in more than half of the rows.
LEAST_IDF = 1e-6


@dataclass(frozen=True)
class RowSizes:
    """Each row's size in tokens, all columns together (by rowid), and the table's row and token totals."""

    sizes: np.ndarray
    rows: int
    tokens: int

    @property
    def average(self) -> float:
        """The average row size, FTS5's avgdl."""
        return self.tokens / self.rows


def varints(data: bytes) -> np.ndarray:
    """The values of SQLite's variable-length integers written one after another (big-endian, 7 bits a byte,
    the high bit set on every byte but the last), as FTS5 writes row sizes; up to 8 bytes each."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if not len(raw):
        return np.zeros(0, dtype=np.int64)
    last = np.flatnonzero(raw < 0x80)
    if not len(last) or last[-1] != len(raw) - 1:
        raise ValueError("a variable-length integer is cut short")
    first = np.concatenate(([0], last[:-1] + 1))
    if int((last - first).max()) >= 8:
        raise ValueError("a variable-length integer longer than 8 bytes")
    values = np.zeros(len(last), dtype=np.int64)
    for step in range(int((last - first).max()) + 1):
        at = first + step
        going = at <= last
        values[going] = (values[going] << 7) | (raw[at[going]] & 0x7F).astype(np.int64)
    return values


def frequency(counts: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Each row's weighted frequency of a phrase from its count in each column (rows x columns): FTS5 adds a
    column's weight once per instance, column by column, so a float weight is added as often, not multiplied."""
    out = np.zeros(len(counts), dtype=np.float64)
    for column, weight in enumerate(weights):
        count = counts[:, column]
        if weight == 1.0:
            # Whole numbers add exactly where nothing fractional was added before: all at once.
            plain = out == np.floor(out)
            out[plain] += count[plain]
            rest = ~plain
        else:
            rest = np.ones(len(out), dtype=bool)
        for step in range(int(count[rest].max()) if rest.any() else 0):
            out[rest & (count > step)] += weight
    return out


def scores(ids: np.ndarray, counts: np.ndarray, weights: tuple[float, ...], sizes: RowSizes) -> np.ndarray:
    """BM25 (higher is better) of each row holding a phrase, `counts` its instances per column in those rows."""
    found = len(ids)
    if not found:
        return np.zeros(0, dtype=np.float64)
    idf = math.log((sizes.rows - found + 0.5) / (found + 0.5))
    if idf <= 0.0:
        idf = LEAST_IDF
    freq = frequency(counts, weights)
    length = sizes.sizes[ids].astype(np.float64)
    return idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * length / sizes.average)))
