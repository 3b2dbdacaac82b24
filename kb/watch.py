"""Saved searches kept beside an index: a query with its filters, and the cases new since it was last seen.

A saved search remembers which cases matched it well (kb.matching) when it was saved or last seen, by their
text (Store.case_text_keys); after an ingest, the cases that match now and whose text was not among them are
new. So an unchanged library has nothing new, a new file's matching cases are exactly what is reported, and a
document cut into cases again (a case's id is its place in its document) reports only the text it had not
shown: by id alone, a section moved one place down was new, and a new one taking an old id was not. A saved
search kept before texts were remembered goes by ids once, then by texts.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kb.errors import KBError, NotFoundError
from kb.models import Filters
from kb.query import MAX_K
from kb.search import Searcher
from kb.store import UserFile

WATCHES_FILE = "watches.sqlite"
MAX_NAME = 120

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY, query TEXT NOT NULL, mode TEXT NOT NULL, filters TEXT NOT NULL,
    created REAL NOT NULL, seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    name TEXT NOT NULL REFERENCES watches(name) ON DELETE CASCADE, case_id TEXT NOT NULL,
    PRIMARY KEY (name, case_id)
);
CREATE TABLE IF NOT EXISTS seen_text (
    name TEXT NOT NULL REFERENCES watches(name) ON DELETE CASCADE, text_key TEXT NOT NULL,
    PRIMARY KEY (name, text_key)
);
"""


class WatchError(KBError):
    """A saved search's name cannot be used; the message names it."""


@dataclass(frozen=True)
class Watch:
    """A saved search: its name, query, mode and filters, and when its results were last seen."""

    name: str
    query: str
    mode: str
    filters: Filters
    created: float
    seen_at: float

    def app_link(self) -> str:
        """The app's address for this search (its query string), so a saved search can be shared."""
        params: dict[str, object] = {"q": self.query}
        if self.mode != "hybrid":
            params["mode"] = self.mode
        for f in fields(Filters):
            value = getattr(self.filters, f.name)
            if isinstance(value, tuple) and value:
                params[f.name] = list(value)
        for key in ("year_from", "year_to"):
            if getattr(self.filters, key) is not None:
                params[key] = getattr(self.filters, key)
        if self.filters.mentions:
            params["mentions"] = "1"
        return "?" + urlencode(params, doseq=True)


@dataclass(frozen=True)
class WatchRun:
    """What a saved search finds now: every case matching it well, and those not seen before, best first."""

    watch: Watch
    matches: int
    new: tuple[str, ...]


def _filters_json(filters: Filters) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in asdict(filters).items()})


def _filters_of(text: str) -> Filters:
    data: dict[str, Any] = json.loads(text)
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return Filters(**{f.name: values[f.name] for f in fields(Filters) if f.name in values})


def _mark_seen(db: sqlite3.Connection, name: str, cases: list[str], keys: dict[str, str]) -> None:
    """Remember cases as seen by a saved search, by id and by text."""
    db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", [(name, c) for c in cases])
    db.executemany("INSERT OR IGNORE INTO seen_text VALUES (?, ?)", [(name, keys[c]) for c in cases if c in keys])


class Watches:
    """The saved searches of one index folder; every call opens its own connection, so threads may share it."""

    def __init__(self, index_dir: str | Path) -> None:
        self._db = UserFile(index_dir, WATCHES_FILE, _SCHEMA, "saved searches").db

    def add(self, searcher: Searcher, name: str, query: str, mode: str = "hybrid",
            filters: Filters = Filters()) -> WatchRun:
        """Save a search; the cases it matches now count as seen, so only later ones are new."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise WatchError(f"saved search name {name!r}: use 1 to {MAX_NAME} characters")
        matching = searcher.search(query, 1, mode, filters).matching  # a bad query or filter is refused here
        now = time.time()
        with self._db() as db:
            try:
                db.execute("INSERT INTO watches VALUES (?, ?, ?, ?, ?, ?)",
                           (name, query, mode, _filters_json(filters), now, now))
            except sqlite3.IntegrityError:
                raise WatchError(f"a saved search named {name!r} exists already; remove it first") from None
            _mark_seen(db, name, sorted(matching), searcher.text_keys(matching))
        return WatchRun(self.get(name), len(matching), ())

    def all(self) -> list[Watch]:
        """Every saved search, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM watches ORDER BY created, name").fetchall()
        return [Watch(r[0], r[1], r[2], _filters_of(r[3]), r[4], r[5]) for r in rows]

    def get(self, name: str) -> Watch:
        """One saved search by name; the error lists the names there are."""
        for watch in self.all():
            if watch.name == name:
                return watch
        names = ", ".join(w.name for w in self.all()) or "none"
        raise NotFoundError(f"no saved search named {name!r}; there are: {names}")

    def remove(self, name: str) -> None:
        """Forget a saved search."""
        self.get(name)
        with self._db() as db:
            db.execute("DELETE FROM watches WHERE name = ?", (name,))

    def run(self, searcher: Searcher, name: str, mark_seen: bool = True) -> WatchRun:
        """The cases matching a saved search now that it had not seen, best first; then (unless told not to)
        they count as seen."""
        watch = self.get(name)
        result = searcher.search(watch.query, MAX_K, watch.mode, watch.filters)
        matching = result.matching
        keys = searcher.text_keys(matching)
        with self._db() as db:
            seen_texts = {r[0] for r in db.execute("SELECT text_key FROM seen_text WHERE name = ?", (name,))}
            if seen_texts:
                new = {case for case in matching if keys.get(case) not in seen_texts}
            else:  # saved before texts were remembered: by ids, this once
                new = set(matching) - {r[0] for r in db.execute("SELECT case_id FROM seen WHERE name = ?", (name,))}
            if mark_seen:
                _mark_seen(db, name, sorted(matching), keys)
                db.execute("UPDATE watches SET seen_at = ? WHERE name = ?", (time.time(), name))
        ranked = [h.case_id for h in result.hits if h.case_id in new]
        return WatchRun(watch, len(matching), (*ranked, *sorted(new - set(ranked))))
