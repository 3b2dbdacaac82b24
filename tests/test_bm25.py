"""BM25 from a token's counts and the rows' sizes: FTS5's own doubles, on an FTS5 table of the index's shape."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from kb import bm25
from kb.storekeywords import KeywordQueries
from kb.tokens import fts_query

WORDS = "poor rural women cash transfer households identified savings group loan tourism 贫困 扶贫".split()


class _Table(KeywordQueries):
    """The keyword reads over an in-memory FTS5 table declared as the index's is."""

    def __init__(self) -> None:
        self.path = Path(":memory:")
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, body, "
                         "tokenize = 'porter unicode61 remove_diacritics 2')")

    @property
    def db(self) -> sqlite3.Connection:
        return self._db


def _varint(value: int) -> bytes:
    """SQLite's variable-length integer, written the plain way (big-endian groups of 7 bits)."""
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(groups))


def test_varints_read_what_sqlite_writes_and_refuse_a_cut_one():
    values = [0, 1, 127, 128, 300, 16_383, 16_384, 2_097_151, 2_097_152, 123_456_789]
    assert bm25.varints(b"".join(_varint(v) for v in values)).tolist() == values
    assert bm25.varints(b"").tolist() == []
    with pytest.raises(ValueError, match="cut short"):
        bm25.varints(_varint(300)[:1])


def test_a_weighted_frequency_adds_each_instance_as_fts5_does():
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 7, size=(200, 2))
    for weights in ((0.3, 1.0), (0.7, 1.0), (1.0, 1.0), (2.5, 0.4)):
        want = []
        for row in counts.tolist():
            freq = 0.0
            for column, count in enumerate(row):
                for _ in range(count):
                    freq += weights[column]
            want.append(freq)
        assert bm25.frequency(counts, weights).tolist() == want


def test_scores_from_counts_are_fts5s_bm25_doubles_for_every_token():
    # Rows of many sizes, headings that repeat a word, words in one row and in most, deleted rows: every token's
    # computed BM25 is the very double FTS5's bm25() gives, for the index's heading weight and others.
    rng = np.random.default_rng(6)
    table = _Table()
    for rowid in range(1, 301):
        # A word six times or more in a heading: where FTS5's sum of weights differs from count x weight.
        heading = " ".join(rng.choice(WORDS[:3] if rowid % 2 else WORDS, size=rng.integers(0, 16)))
        body = " ".join(rng.choice(WORDS[: rng.integers(2, len(WORDS))], size=rng.integers(1, 400)))
        table.db.execute("INSERT INTO chunks_fts(rowid, heading, body) VALUES (?, ?, ?)", (rowid * 3, heading, body))
    table.db.execute("DELETE FROM chunks_fts WHERE rowid % 7 = 0")
    sizes = table.row_sizes()
    assert sizes.rows == table.db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    table.db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, chunks_fts, row)")
    tokens = [row[0] for row in table.db.execute("SELECT term FROM temp.v")]
    assert len(tokens) == len(set(table.tokens(" ".join(WORDS))))
    for weight in (0.3, 1.0, 0.55, 0.7):
        for token in tokens:
            ids, counts = table.token_counts(token)
            want = table.phrase_scores(fts_query([token]), weight)
            assert np.array_equal(ids, want[0]), token
            assert bm25.scores(ids, counts, (weight, 1.0), sizes).tolist() == want[1].tolist(), (token, weight)
    assert table.token_counts("absent")[0].tolist() == []


def test_an_empty_table_has_no_rows_and_a_token_no_scores():
    table = _Table()
    for _ in range(2):  # never written, then emptied
        sizes = table.row_sizes()
        assert (sizes.rows, sizes.tokens) == (0, 0)
        ids, counts = table.token_counts("poor")
        assert ids.tolist() == [] and bm25.scores(ids, counts, (0.3, 1.0), sizes).tolist() == []
        table.db.execute("INSERT INTO chunks_fts(rowid, heading, body) VALUES (1, 'poor', 'poor women')")
        table.db.execute("DELETE FROM chunks_fts")
