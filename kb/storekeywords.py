"""The store's keyword reads: FTS5 rankings and scores, a word's tokens, and each token's counts per passage with
the passages' sizes, from which kb.bm25 computes FTS5's BM25 without running it."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from kb.bm25 import RowSizes, varints
from kb.models import Filters
from kb.storequery import SearchQueries

# The tokenizer of the passages' FTS5 table, as its schema declares it.
_TOKENIZE = re.compile(r"tokenize\s*=\s*'([^']*)'")
# Each thread's in-memory FTS5 tables that tokenize a word as the index does, by tokenizer.
_TOKENIZERS = threading.local()
# The passages' FTS5 columns, in the order bm25() takes their weights.
FTS_COLUMNS = ("heading", "body")


def _numbers(text: str | None, dtype: type) -> np.ndarray:
    """The numbers of a comma-separated list SQLite's group_concat wrote (None: none), parsed by numpy in C: at 1M
    passages a common token's 180k instances 21.5 -> 2.6 ms against a Python string each."""
    return np.fromstring(text, dtype=dtype, sep=",") if text else np.zeros(0, dtype=dtype)


class KeywordQueries(SearchQueries):
    """Reads of the passages' FTS5 table; Store inherits them."""

    path: Path

    def keyword_search(
        self, match: str, limit: int, f: Filters, heading_weight: float = 0.3
    ) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better) for an FTS5 match expression, inside a filter."""
        rank = f"bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        sql = f"SELECT rowid, -{rank} FROM chunks_fts WHERE chunks_fts MATCH ?"
        args: list[Any] = [match]
        if not f.empty:
            cases, extra = self._case_filter(f)
            # The unary + keeps SQLite from handing the id list to FTS5 as one rowid lookup per allowed passage
            # (0.36 s at 10k passages); as a plain filter on the matches it costs about what the match does.
            sql += f" AND +rowid IN (SELECT chunk_id FROM chunks WHERE case_id IN ({cases}))"
            args += extra
        rows = self.db.execute(sql + f" ORDER BY {rank} LIMIT ?", [*args, limit]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def tokens(self, text: str) -> tuple[str, ...]:
        """The tokens the passages' FTS5 table reads a text as, in order ("developing" -> "develop"): texts of the
        same tokens match the same passages with the same BM25. 0.03 ms a word."""
        found = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'").fetchone()
        spec = _TOKENIZE.search(found[0]) if found else None
        tokenizers: dict[str, sqlite3.Connection] = _TOKENIZERS.__dict__.setdefault("by_spec", {})
        key = spec[1] if spec else ""
        db = tokenizers.get(key)
        if db is None:
            db = tokenizers[key] = sqlite3.connect(":memory:")
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x{', tokenize = ' + repr(key) if key else ''})")
            db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (text,))
        out = tuple(r[0] for r in db.execute("SELECT term FROM v ORDER BY offset"))
        db.execute("DELETE FROM t WHERE rowid = 1")
        return out

    def common_tokens(self, postings: int, skip: Collection[str] = (), least: int = 1) -> list[tuple[str, int]]:
        """(token, passages holding it) of the index's commonest tokens but those skipped, most passages first, as
        many as hold at most `postings` passages in all, each held by at least `least` passages (FTS5 reads its
        whole vocabulary: 0.3 s at 100k)."""
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_vocab USING fts5vocab(main, chunks_fts, row)")
        out, total = [], 0
        for term, docs in self.db.execute("SELECT term, doc FROM temp.kb_vocab ORDER BY doc DESC"):
            if term in skip:
                continue
            if total + docs > postings or docs < least:
                break
            out.append((str(term), int(docs)))
            total += docs
        return out

    def phrase_scores(self, match: str, heading_weight: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids in order, BM25) of every passage an FTS5 expression of one phrase matches, scored as FTS5
        scores that phrase alone (kb.keywords adds them up)."""
        rank = f"-bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        # One string for the ids and one for the scores, built in SQLite's C code (as passages_holding does);
        # printf's %!.17g writes each double so that it reads back the same. bm25() runs only where the match
        # is read, so that part is a subquery of its own (MATERIALIZED).
        ids, scores = self.db.execute(
            f"WITH m AS MATERIALIZED (SELECT rowid AS id, {rank} AS s FROM chunks_fts WHERE chunks_fts MATCH ?) "
            "SELECT group_concat(id), group_concat(printf('%!.17g', s)) FROM m", (match,)).fetchone()
        if ids is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        found, values = _numbers(ids, np.int64), _numbers(scores, np.float64)
        order = np.argsort(found, kind="stable")
        return found[order], values[order]

    def passages_holding(self, match: str) -> np.ndarray:
        """Ids of every passage an FTS5 match expression matches (no scoring)."""
        # One string built in SQLite's C code, split once: 2.5x faster than a Python row per passage.
        found = self.db.execute("SELECT group_concat(rowid) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                (match,)).fetchone()[0]
        return _numbers(found, np.int64)

    def keyword_scores(self, match: str, ids: list[int], heading_weight: float = 0.3) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the given passages that an FTS5 match expression matches."""
        # One MATCH over the whole index, its matches kept to the given passages before BM25 is computed: the
        # unary + stops FTS5 from evaluating the match once per listed row (10 to 70 times slower), and scoring
        # only the kept rows is 9x faster than scoring every match (52 -> 6 ms at 100k passages); the scores are
        # the same, with the whole index's statistics.
        rank = f"-bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        rows = self.db.execute(f"SELECT rowid, {rank} FROM chunks_fts WHERE chunks_fts MATCH ? "
                               "AND +rowid IN (SELECT value FROM json_each(?))", (match, json.dumps(list(ids))))
        return [(r[0], r[1]) for r in rows]

    def token_counts(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids in order, instances per FTS5 column) of the passages holding one token of the keyword index, read
        from its positions (fts5vocab) without scoring: at 1M passages a fifth of what bm25() costs on them."""
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_instances "
                        "USING fts5vocab(main, chunks_fts, instance)")
        # Every instance's row, and the rows of those in each column but the last (a filter per instance costs
        # as much as the list: at 1M passages a common token 42 -> 37 ms with one filter instead of two).
        found = self.db.execute(
            "SELECT group_concat(doc)" + "".join(", group_concat(doc) FILTER (WHERE col = ?)" for _ in FTS_COLUMNS[:-1])
            + " FROM temp.kb_instances WHERE term = ?", (*FTS_COLUMNS[:-1], token)).fetchone()
        every, *columns = (_numbers(docs, np.int64) for docs in found)
        ids, total = np.unique(every, return_counts=True)
        counts = np.zeros((len(ids), len(FTS_COLUMNS)), dtype=np.int64)
        for column, docs in enumerate(columns):
            own, count = np.unique(docs, return_counts=True)
            counts[np.searchsorted(ids, own), column] = count
        counts[:, -1] = total - counts[:, :-1].sum(axis=1)
        return ids, counts

    def row_sizes(self) -> RowSizes:
        """Each passage's size in tokens and the table's totals, as FTS5 keeps them for bm25() (its docsize and
        averages records: SQLite varints, one per column)."""
        ids, sizes = self.db.execute("SELECT group_concat(id), group_concat(hex(sz), '') FROM chunks_fts_docsize"
                                     ).fetchone()
        block = self.db.execute("SELECT block FROM chunks_fts_data WHERE id = 1").fetchone()
        totals = varints(block[0] if block else b"")
        if ids is None:  # no passages (a table never written has no totals either)
            return RowSizes(np.zeros(1, dtype=np.int64), 0, 0)
        rows = _numbers(ids, np.int64)
        each = varints(bytes.fromhex(sizes))
        if len(each) != len(rows) * len(FTS_COLUMNS) or len(totals) != 1 + len(FTS_COLUMNS):
            raise ValueError(f"{self.path}: FTS5's row sizes are not one number per column")
        own = np.zeros(int(rows.max()) + 1, dtype=np.int64)
        own[rows] = each.reshape(len(rows), len(FTS_COLUMNS)).sum(axis=1)
        return RowSizes(own, int(totals[0]), int(totals[1:].sum()))
