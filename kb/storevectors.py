"""The store's cache of passage vectors, by model and passage-text hash: what an ingest reuses and the vector
files are built from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from kb.storequery import SearchQueries


class VectorQueries(SearchQueries):
    """Reads and writes of the vectors table; Store inherits them."""

    @property
    def main_model(self) -> str:
        """The main space's model: the vectors a model name of "" means below."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'embedder'").fetchone()
        return row[0] if row and row[0] else ""

    def _model(self, model: str) -> str:
        return model or self.main_model

    def prune_embeddings(self) -> None:
        """Drop vectors that no passage uses any more, and those of a model no space of the index uses."""
        self.db.execute("DELETE FROM vectors WHERE text_hash NOT IN (SELECT text_hash FROM chunks) OR model NOT IN "
                        "(SELECT value FROM meta WHERE key = 'embedder' OR key LIKE 'embedder:%')")

    def copy_embeddings_from(self, other: Path) -> None:
        """Reuse another store's vectors, so re-processing every file re-embeds nothing known.

        They are kept by model, so a changed model mixes nothing; `prune_embeddings` drops the unused ones at the
        ingest's end.
        """
        self.db.execute("ATTACH DATABASE ? AS old", (f"file:{other}?mode=ro",))
        try:
            tables = {r[0] for r in self.db.execute("SELECT name FROM old.sqlite_master WHERE type = 'table'")}
            if "vectors" in tables:
                self.db.execute("INSERT OR IGNORE INTO vectors SELECT model, text_hash, vector FROM old.vectors")
            if "space_vectors" in tables:  # a store from before schema 6 had a table per kind of space
                self.db.execute("INSERT OR IGNORE INTO vectors SELECT space, text_hash, vector FROM old.space_vectors")
            if "embeddings" in tables:
                self.db.execute("INSERT OR IGNORE INTO vectors SELECT m.value, e.text_hash, e.vector "
                                "FROM old.embeddings e JOIN old.meta m ON m.key = 'embedder' AND m.value != ''")
        finally:
            self.db.commit()
            self.db.execute("DETACH DATABASE old")

    def cached_vectors(self, hashes: list[str], model: str = "") -> dict[str, np.ndarray]:
        """Stored vectors of the given passage-text hashes by a model ("": the main space's)."""
        rows = self._where_in("SELECT text_hash, vector FROM vectors WHERE model = ? AND text_hash IN ({})",
                              hashes, [self._model(model)])
        return {key: np.frombuffer(blob, dtype=np.float32) for key, blob in rows}

    def passage_vectors(self, ids: np.ndarray, model: str = "") -> np.ndarray:
        """The stored vectors of the given passage ids, in order, by a model ("": the main space's)."""
        # CROSS JOIN keeps the passages as the outer loop: with a hundred ids SQLite's planner otherwise walks
        # every vector of the model (380 ms against 2 ms for 100 candidates at 25k passages).
        rows = {r[0]: r[1] for r in self._where_in(
            "SELECT k.chunk_id, e.vector FROM chunks k CROSS JOIN vectors e ON e.text_hash = k.text_hash "
            "AND e.model = ? WHERE k.chunk_id IN ({})", [int(i) for i in ids], [self._model(model)])}
        return np.vstack([np.frombuffer(rows[int(i)], dtype=np.float32) for i in ids])

    def vector_count(self, model: str = "") -> int:
        """How many passages have a vector by a model ("": the main space's)."""
        return int(self.db.execute("SELECT COUNT(*) FROM chunks k JOIN vectors e ON e.text_hash = k.text_hash "
                                   "AND e.model = ?", (self._model(model),)).fetchone()[0])

    def all_vectors(self, model: str = "") -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, vectors) in id order, by a model ("": the main space's); passages without one left out."""
        rows = self.db.execute("SELECT k.chunk_id, e.vector FROM chunks k JOIN vectors e ON e.text_hash = k.text_hash "
                               "AND e.model = ? ORDER BY k.chunk_id", (self._model(model),)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])

    def unembedded(self, model: str = "", reads: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
        """(text hash, passage text) of the passages, of the languages a space reads (None: all), that lack a
        vector by its model ("": the main space's)."""
        rows = self.db.execute("SELECT DISTINCT text_hash, text, language FROM chunks WHERE text_hash NOT IN "
                               "(SELECT text_hash FROM vectors WHERE model = ?)", (self._model(model),))
        return [(r[0], r[1]) for r in rows if reads is None or reads(r[2])]

    def add_vectors(self, hashes: list[str], vectors: np.ndarray, model: str = "") -> None:
        """Store vectors under passage-text hashes, by a model ("": the main space's)."""
        model = self._model(model)
        self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                            [(model, h, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                             for h, v in zip(hashes, vectors)])

    def case_vectors(self, case_id: str) -> tuple[list[int], np.ndarray]:
        """(passage ids, vectors) of one case's passages, in order."""
        rows = self.db.execute(
            "SELECT k.chunk_id, e.vector FROM chunks k JOIN vectors e ON e.text_hash = k.text_hash AND e.model = ? "
            "WHERE k.case_id = ? ORDER BY k.chunk_id", (self.main_model, case_id)).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [r[0] for r in rows], np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
