"""Trainers' collections: named, ordered lists of case excerpts with notes, in their own SQLite file.

Collections are the users' own work, not derived data, so they live in a file of their own beside the
index store (`collections.sqlite` in the index folder): an ingest replaces the store and never touches
them. Each item keeps a snapshot of its excerpt and citation, so a course pack still exports the text the
trainer chose after the source document changes or leaves the corpus.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError, NotFoundError
from kb.store import UserFile

COLLECTIONS_FILE = "collections.sqlite"
MAX_NAME = 120
MAX_NOTE = 10_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    collection_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS items (
    collection_id INTEGER NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,
    case_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    document_title TEXT NOT NULL,
    publisher TEXT,
    published TEXT,
    page INTEGER,
    source TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    PRIMARY KEY (collection_id, case_id)
);
"""
# Columns added since the first version: a file written before gets them on opening (its items keep their text).
_ADDED = (("url", "TEXT"), ("key_passages", "TEXT NOT NULL DEFAULT ''"), ("case_text", "TEXT NOT NULL DEFAULT ''"),
          ("figures", "TEXT NOT NULL DEFAULT ''"), ("content", "TEXT NOT NULL DEFAULT 'passage'"))
# What a course pack shows of an item: the passage that matched, the case's key passages, or the whole case.
CONTENTS = {"passage": "the matched passage", "key": "the case's key passages", "case": "the whole case"}


class CollectionError(KBError):
    """A collection name or item that cannot be used; the message names it."""


@dataclass(frozen=True)
class Excerpt:
    """What a collection keeps of a case: its text to quote and everything a citation needs."""

    case_id: str
    title: str
    heading_path: tuple[str, ...]
    document_title: str
    publisher: str | None
    published: str | None
    page: int | None
    source: str
    excerpt: str
    url: str | None = None
    key_passages: str = ""
    case_text: str = ""
    # Key figures of the case, one "value: sentence" per line.
    figures: str = ""


@dataclass(frozen=True)
class Item:
    """One case in a collection, at its position, with the trainer's note and what its course pack shows."""

    position: int
    note: str
    excerpt: Excerpt
    content: str = "passage"

    @property
    def text(self) -> str:
        """The text the course pack quotes for this item."""
        e = self.excerpt
        return {"key": e.key_passages, "case": e.case_text}.get(self.content, "") or e.excerpt


@dataclass(frozen=True)
class Collection:
    """A named collection and its items in order."""

    collection_id: int
    name: str
    items: tuple[Item, ...]


class Collections:
    """The collections of one index folder; every call opens its own connection, so threads may share it."""

    def __init__(self, index_dir: str | Path) -> None:
        self._file = UserFile(index_dir, COLLECTIONS_FILE, _SCHEMA, "collections")
        self.path = self._file.path
        self._db = self._file.db
        with self._db() as db:
            have = {r[1] for r in db.execute("PRAGMA table_info(items)")}
            for column, kind in _ADDED:
                if column not in have:
                    db.execute(f"ALTER TABLE items ADD COLUMN {column} {kind}")

    def create(self, name: str) -> int:
        """A new empty collection; its id."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise CollectionError(f"collection name {name!r}: use 1 to {MAX_NAME} characters")
        with self._db() as db:
            try:
                return int(db.execute("INSERT INTO collections (name) VALUES (?)", (name,)).lastrowid or 0)
            except sqlite3.IntegrityError:
                raise CollectionError(f"a collection named {name!r} exists already") from None

    def names(self) -> dict[int, str]:
        """Collection id -> name, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT collection_id, name FROM collections ORDER BY collection_id")
            return {r[0]: r[1] for r in rows}

    def find(self, name_or_id: str) -> int:
        """The id of the collection with this name (or id); the error lists the names there are."""
        names = self.names()
        for cid, name in names.items():
            if name_or_id in (name, str(cid)):
                return cid
        raise NotFoundError(f"no collection named {name_or_id!r}; there are: {', '.join(names.values()) or 'none'}")

    def get(self, collection_id: int) -> Collection:
        """One collection with its items in order."""
        with self._db() as db:
            row = db.execute("SELECT name FROM collections WHERE collection_id = ?", (collection_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no collection with id {collection_id}")
            items = db.execute(
                "SELECT position, note, content, case_id, title, heading_path, document_title, publisher, published, "
                "page, source, excerpt, url, key_passages, case_text, figures FROM items WHERE collection_id = ? "
                "ORDER BY position", (collection_id,)).fetchall()
        return Collection(collection_id, row[0], tuple(
            Item(r[0], r[1], Excerpt(r[3], r[4], tuple(r[5].split("\x1f")) if r[5] else (), *r[6:]), r[2])
            for r in items))

    def delete(self, collection_id: int) -> None:
        """Remove a collection and its items."""
        with self._db() as db:
            db.execute("DELETE FROM collections WHERE collection_id = ?", (collection_id,))

    def add(self, collection_id: int, excerpt: Excerpt, note: str = "") -> bool:
        """Append a case to a collection; False when it is there already."""
        self._check_note(note)
        with self._db() as db:
            if db.execute("SELECT 1 FROM collections WHERE collection_id = ?", (collection_id,)).fetchone() is None:
                raise NotFoundError(f"no collection with id {collection_id}")
            last = db.execute("SELECT COALESCE(MAX(position), 0) FROM items WHERE collection_id = ?",
                              (collection_id,)).fetchone()[0]
            e = excerpt
            cur = db.execute(
                "INSERT OR IGNORE INTO items (collection_id, case_id, position, note, title, heading_path, "
                "document_title, publisher, published, page, source, excerpt, url, key_passages, case_text, figures) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection_id, e.case_id, last + 1, note, e.title, "\x1f".join(e.heading_path), e.document_title,
                 e.publisher, e.published, e.page, e.source, e.excerpt, e.url, e.key_passages, e.case_text, e.figures))
            return cur.rowcount == 1

    def set_content(self, collection_id: int, case_id: str, content: str) -> None:
        """Choose what the course pack shows of an item: its passage, its case's key passages, or the whole case."""
        if content not in CONTENTS:
            raise CollectionError(f"content {content!r}: use one of {', '.join(CONTENTS)}")
        with self._db() as db:
            cur = db.execute("UPDATE items SET content = ? WHERE collection_id = ? AND case_id = ?",
                             (content, collection_id, case_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"case {case_id!r} is not in collection {collection_id}")

    def remove(self, collection_id: int, case_id: str) -> None:
        """Take a case out of a collection."""
        with self._db() as db:
            db.execute("DELETE FROM items WHERE collection_id = ? AND case_id = ?", (collection_id, case_id))

    def set_note(self, collection_id: int, case_id: str, note: str) -> None:
        """Replace the trainer's note on one item."""
        self._check_note(note)
        with self._db() as db:
            cur = db.execute("UPDATE items SET note = ? WHERE collection_id = ? AND case_id = ?",
                             (note, collection_id, case_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"case {case_id!r} is not in collection {collection_id}")

    def move(self, collection_id: int, case_id: str, offset: int) -> None:
        """Move an item up (negative offset) or down the collection's order."""
        with self._db() as db:
            order = [r[0] for r in db.execute(
                "SELECT case_id FROM items WHERE collection_id = ? ORDER BY position", (collection_id,))]
            if case_id not in order:
                raise NotFoundError(f"case {case_id!r} is not in collection {collection_id}")
            i = order.index(case_id)
            order.insert(max(0, min(len(order) - 1, i + offset)), order.pop(i))
            db.executemany("UPDATE items SET position = ? WHERE collection_id = ? AND case_id = ?",
                           [(n, collection_id, c) for n, c in enumerate(order, start=1)])

    @staticmethod
    def _check_note(note: str) -> None:
        if len(note) > MAX_NOTE:
            raise CollectionError(f"the note is {len(note):,} characters long; the limit is {MAX_NOTE:,}")
