"""SQLite store: documents, cases, passages and their metadata, with schema migrations."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from kb.errors import IndexMissingError, IndexVersionError, NotFoundError
from kb.models import Case, Chunk, Document, Evidence, Segmented, Tag, Tagged
from kb.storekeywords import KeywordQueries
from kb.storevectors import VectorQueries
from kb.tokens import fts_text

# Each file upgrades the schema by one version; PRAGMA user_version records how many ran.
MIGRATIONS: tuple[str, ...] = tuple(
    resources.files("kb.data").joinpath(f"schema-{n}.sql").read_text(encoding="utf-8") for n in range(1, 9))
SCHEMA_VERSION = len(MIGRATIONS)


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at a path (None: none there)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


@dataclass(frozen=True)
class StoredDoc:
    """What the pipeline needs to know about a stored file to decide whether it changed."""

    doc_id: str
    source: str
    content_hash: str


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def text_hash(text: str) -> str:
    """The key of a passage's vector: a hash of what the model read for it."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class UserFile:
    """A SQLite file of the users' own work kept beside the index (collections, saved searches): an ingest
    replaces the store and never touches it. Every call opens its own connection, so threads may share it."""

    def __init__(self, index_dir: str | Path, name: str, schema: str, what: str) -> None:
        self.path = Path(index_dir) / name
        if not self.path.parent.is_dir():
            raise NotFoundError(f"{self.path.parent}: no index folder to keep {what} in")
        with self.db() as db:
            db.executescript(schema)

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and rolls back on error."""
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        try:
            with db:
                yield db
        finally:
            db.close()


class Store(KeywordQueries, VectorQueries):
    """One SQLite database file; with its queries (kb.storequery, kb.storekeywords), the only code that speaks SQL.

    A read-only store gives each thread its own connection: SQLite serialises the statements of one connection,
    so searches side by side, and one search's keyword rankings in its pool, had waited on each other (20 users
    on the eval index: 24 -> 27.5 queries/s, same answers; scripts/bench_concurrency.py)."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._opening = threading.Lock()
        if readonly and not self.path.is_file():
            raise IndexMissingError(
                f"{self.path}: no store here; build one with `kb ingest CORPUS_DIR --index {self.path.parent}`")
        # The file this store reads, and a connection to it kept open: an ingest swaps a new file in at the same
        # path, and a thread that connects after that reads the store through this one, not the new file.
        self._file = _identity(self.path)
        self._first = self._local.db = self._connection()  # the opening thread's own, not a second one
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.close()
            raise IndexVersionError(
                f"{self.path}: schema version {version} is newer than this kb ({SCHEMA_VERSION}); upgrade kb")
        if version < SCHEMA_VERSION:
            if readonly:
                self.close()
                raise IndexVersionError(
                    f"{self.path}: schema version {version} is older than {SCHEMA_VERSION}; run `kb ingest` to upgrade")
            self._migrate(version)

    def _connection(self) -> sqlite3.Connection:
        """A new connection to the file at the store's path (read-only for a read-only store)."""
        if self.readonly:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            db = sqlite3.connect(self.path, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _thread_connection(self) -> sqlite3.Connection:
        """A connection of the calling thread's own to this store's file; the first connection where the file at
        the path is another one now (an ingest swapped it in)."""
        if _identity(self.path) != self._file:
            return self._first
        db = self._connection()
        if _identity(self.path) != self._file:  # swapped while connecting: which file it reads is not known
            db.close()
            return self._first
        with self._opening:
            # A thread that ended leaves its connection here: the app runs each rerun of a page in a new thread.
            ended = [(t, old) for t, old in self._opened if not t.is_alive()]
            self._opened = [(t, old) for t, old in self._opened if t.is_alive()] + [(threading.current_thread(), db)]
        for _, old in ended:
            old.close()
        return db

    @property
    def db(self) -> sqlite3.Connection:
        """The connection of the calling thread (of every thread, for a store that writes)."""
        if not self.readonly:
            return self._first
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._thread_connection()
        return db

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            with self.db:
                self.db.executescript(MIGRATIONS[number])
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        """Close the database connections."""
        with self._opening:
            opened, self._opened = self._opened, []
        for _, db in opened:
            db.close()
        self._first.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        with self.db:
            yield

    # -- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the meta table."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a value in the meta table."""
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- writes ---------------------------------------------------------------------------------
    def put(self, seg: Segmented, vectors: np.ndarray | None = None, tagged: Tagged | None = None,
            facets: Sequence[tuple[str, str, str]] = (), spaces: Mapping[str, Mapping[str, np.ndarray]] = {}) -> None:
        """Insert or replace one document: cases, passages, vectors (main space's, then other spaces' by model
        name and passage-text hash), tags, case facets."""
        d = seg.document
        main = self.main_model
        self.db.execute("DELETE FROM documents WHERE source = ? OR doc_id = ?", (d.source, d.doc_id))
        self.db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (d.doc_id, d.source, d.title, d.format, d.doc_type, d.language, d.published, d.publisher,
             d.content_hash, d.text, _json(list(d.page_starts)), _json(dict(d.meta)), _json(dict(d.provenance))),
        )
        self.db.executemany(
            "INSERT INTO cases VALUES (?,?,?,?,?,?,?,?,?)",
            [(c.case_id, c.doc_id, c.ordinal, c.title, _json(list(c.heading_path)), c.start, c.end, c.page,
              _json([list(f) for f in c.fields])) for c in seg.cases],
        )
        headings = seg.headings()
        for i, (c, model_input) in enumerate(zip(seg.chunks, seg.embedding_inputs())):
            key = text_hash(model_input)
            cur = self.db.execute(
                "INSERT INTO chunks(case_id, doc_id, ordinal, start, end, page, text, text_hash, language, kind, "
                "section) VALUES (?,?,?,?,?,?,?,?,?,?,?)", (c.case_id, c.doc_id, c.ordinal, c.start, c.end, c.page,
                                                            c.text, key, c.language or d.language, c.kind, c.section))
            self.db.execute("INSERT INTO chunks_fts(rowid, heading, body) VALUES (?, ?, ?)",
                            (cur.lastrowid, fts_text(headings[i]), fts_text(c.text)))
            if vectors is not None:
                self.db.execute("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                                (main, key, np.ascontiguousarray(vectors[i], dtype=np.float32).tobytes()))
        if tagged is not None:
            rows = [(None, t) for t in tagged.document] + [(cid, t) for cid, tags in tagged.cases for t in tags]
            self.db.executemany(
                "INSERT INTO tags(doc_id, case_id, kind, value, role, confidence, source, evidence) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [(d.doc_id, cid, t.kind, t.value, t.role, t.confidence, t.source,
                  _json([[e.start, e.end] for e in t.evidence])) for cid, t in rows])
        self.db.executemany("INSERT INTO case_facets VALUES (?,?,?)", facets)
        self.db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", [
            (model, key, np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for model, by_hash in spaces.items() for key, v in by_hash.items()])

    def remove(self, source: str) -> None:
        """Drop a document and everything under it."""
        self.db.execute("DELETE FROM documents WHERE source = ?", (source,))

    def set_groups(self, groups: Mapping[str, tuple[str, str]], units: Mapping[str, str]) -> None:
        """Replace the duplicate groups: case id -> (group id, why it is in it), with each grouped case's unit (where
        it was published on its own, kb.duplicates.CaseText.unit)."""
        self.db.execute("DELETE FROM case_groups")
        self.db.executemany("INSERT INTO case_groups(case_id, group_id, reason, unit) VALUES (?, ?, ?, ?)",
                            [(case, group, reason, units[case]) for case, (group, reason) in groups.items()])

    def set_skipped(self, skipped: list[tuple[str, str]]) -> None:
        """Replace the list of files the last ingest skipped, with reasons."""
        self.db.execute("DELETE FROM skipped")
        self.db.executemany("INSERT OR REPLACE INTO skipped VALUES (?, ?)", skipped)

    # -- reads ----------------------------------------------------------------------------------
    def stored_docs(self) -> dict[str, StoredDoc]:
        """Source path -> what is stored for it."""
        rows = self.db.execute("SELECT doc_id, source, content_hash FROM documents")
        return {r["source"]: StoredDoc(r["doc_id"], r["source"], r["content_hash"]) for r in rows}

    def tags(self, doc_id: str, case_id: str | None = None) -> list[Tag]:
        """Tags of a document (case_id None) or of one of its cases, with evidence text cut from the document."""
        text = self.db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if text is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        sql = "SELECT * FROM tags WHERE doc_id = ? AND case_id IS ? ORDER BY kind, confidence DESC, value"
        return [Tag(r["kind"], r["value"], r["confidence"],
                    tuple(Evidence(s, e, text[0][s:e]) for s, e in json.loads(r["evidence"])), r["role"], r["source"])
                for r in self.db.execute(sql, (doc_id, case_id))]

    def passage_languages(self) -> set[str]:
        """The languages of the stored passages."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT language FROM chunks")}

    def case_tags(self, doc_id: str, case_id: str) -> list[Tag]:
        """A case's tags, or its document's when the case has none of its own (a one-case document)."""
        return self.tags(doc_id, case_id) or self.tags(doc_id)

    def skipped(self) -> list[tuple[str, str]]:
        """Files the last ingest skipped, with reasons."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT source, reason FROM skipped ORDER BY source")]

    def _document(self, row: sqlite3.Row) -> Document:
        return Document(
            doc_id=row["doc_id"], source=row["source"], title=row["title"], format=row["format"],
            doc_type=row["doc_type"], language=row["language"], published=row["published"],
            publisher=row["publisher"], content_hash=row["content_hash"], text=row["text"],
            page_starts=tuple(json.loads(row["page_starts"])),
            meta=tuple(sorted(json.loads(row["meta"]).items())),
            provenance=tuple(json.loads(row["provenance"]).items()),
        )

    @staticmethod
    def _case(row: sqlite3.Row) -> Case:
        return Case(
            case_id=row["case_id"], doc_id=row["doc_id"], ordinal=row["ordinal"], title=row["title"],
            heading_path=tuple(json.loads(row["heading_path"])), start=row["start"], end=row["end"],
            page=row["page"], fields=tuple(tuple(f) for f in json.loads(row["fields"])),
        )

    @staticmethod
    def _chunk(row: sqlite3.Row) -> Chunk:
        return Chunk(row["case_id"], row["doc_id"], row["ordinal"], row["start"], row["end"], row["text"], row["page"],
                     row["language"], row["kind"], row["section"])

    def document(self, doc_id: str) -> Document:
        """One document by id."""
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        return self._document(row)

    def documents(self) -> list[dict[str, Any]]:
        """Every document's metadata (without its text), with case and passage counts."""
        rows = self.db.execute(
            """SELECT d.doc_id, d.source, d.title, d.format, d.doc_type, d.language, d.published, d.publisher,
                      (SELECT COUNT(*) FROM cases c WHERE c.doc_id = d.doc_id) AS cases,
                      (SELECT COUNT(*) FROM chunks k WHERE k.doc_id = d.doc_id) AS passages
               FROM documents d ORDER BY d.source""")
        return [dict(r) for r in rows]

    def cases(self, doc_id: str | None = None, limit: int | None = None) -> list[Case]:
        """Cases of one document, or of all, in document order."""
        sql = "SELECT * FROM cases"
        args: list[Any] = []
        if doc_id:
            sql += " WHERE doc_id = ?"
            args.append(doc_id)
        sql += " ORDER BY doc_id, ordinal"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [self._case(r) for r in self.db.execute(sql, args)]

    def cases_by_id(self, case_ids: list[str]) -> list[Case]:
        """The given cases (those that exist), in no particular order."""
        return [self._case(r) for r in self._where_in("SELECT * FROM cases WHERE case_id IN ({})", case_ids)]

    def case(self, case_id: str) -> Case:
        """One case by id."""
        row = self.db.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no case with id {case_id!r}")
        return self._case(row)

    def chunks(self, case_id: str | None = None, doc_id: str | None = None) -> list[tuple[int, Chunk]]:
        """(chunk id, passage) pairs of a case, of a document, or of the whole store."""
        sql, args = "SELECT * FROM chunks", []
        if case_id:
            sql, args = sql + " WHERE case_id = ?", [case_id]
        elif doc_id:
            sql, args = sql + " WHERE doc_id = ?", [doc_id]
        return [(r["chunk_id"], self._chunk(r)) for r in self.db.execute(sql + " ORDER BY chunk_id", args)]

    def stats(self) -> dict[str, Any]:
        """Counts of documents, cases and passages, overall and by type, language and format."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        by = lambda col: {r[0]: r[1] for r in self.db.execute(  # noqa: E731
            f"SELECT {col}, COUNT(*) FROM documents GROUP BY {col} ORDER BY COUNT(*) DESC")}
        passages_by = lambda col: {r[0]: r[1] for r in self.db.execute(  # noqa: E731
            f"SELECT d.{col}, COUNT(*) FROM chunks k JOIN documents d USING (doc_id) "
            f"GROUP BY d.{col} ORDER BY COUNT(*) DESC")}
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "cases": one("SELECT COUNT(*) FROM cases"),
            "passages": one("SELECT COUNT(*) FROM chunks"),
            "skipped": one("SELECT COUNT(*) FROM skipped"),
            "documents_by_type": by("doc_type"),
            "documents_by_language": by("language"),
            "documents_by_format": by("format"),
            "passages_by_type": passages_by("doc_type"),
            "passages_by_language": passages_by("language"),
        }

    # -- consistency ----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """SQLite's own check, and the counts that must agree: passages, passages with a vector, keyword rows."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {"quick_check": one("PRAGMA quick_check"), "passages": one("SELECT COUNT(*) FROM chunks"),
                "embedded": self.vector_count(),
                "keyword_rows": one("SELECT COUNT(*) FROM chunks_fts")}
