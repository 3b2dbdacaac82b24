"""Saved searches kept beside an index: a query with its filters, and the cases new since it was last seen.

A saved search remembers which cases matched it well (kb.matching) when it was saved or last seen, by their text
(a key of its own words, from Store.own_texts); after an ingest, the cases that match now and whose text was not
among them are new. So an unchanged library has nothing new, a new file's matching cases are exactly what is
reported, and a document cut into cases again (a case's id is its place in its document) reports only the text it
had not shown: by id alone, a section moved one place down was new, and a new one taking an old id was not. A
case of the same document whose text is nearly all one seen before (kb.duplicates' containment, from a sketch of
each seen text) is not new either: a cleaning rule that took a footer line off a section had made it "new". A
saved search kept before texts were remembered goes by ids once, then by texts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import time
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kb.duplicates import DuplicateRules, contained, text_sketch
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
CREATE TABLE IF NOT EXISTS seen_sketch (
    name TEXT NOT NULL REFERENCES watches(name) ON DELETE CASCADE, text_key TEXT NOT NULL, source TEXT NOT NULL,
    sketch BLOB NOT NULL, PRIMARY KEY (name, text_key)
);
"""
# A case whose text is at least this share of one seen before, in the same document, is that case changed a little.
_SAME_TEXT = DuplicateRules().containment


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


@dataclass(frozen=True)
class _Text:
    """What a saved search knows a case by: a key of its own text, its document, and the text (for its sketch)."""

    key: str
    source: str
    text: str

    @cached_property
    def sketch(self) -> tuple[int, ...]:
        """The text's sketch (kb.duplicates.text_sketch), made once: it reads every run of the text."""
        return text_sketch(self.text)


def _texts(searcher: Searcher, cases: set[str] | frozenset[str]) -> dict[str, _Text]:
    """Each case's text as a saved search remembers it (its words, spaced and cased as may be: the same text under
    another id after a document is cut again has the same key; its title and how its passages are cut do not
    count)."""
    return {case: _Text(hashlib.sha1(" ".join(text.split()).casefold().encode()).hexdigest()[:20], source, text)
            for case, (source, text) in searcher.own_texts(cases).items()}


def _mark_seen(db: sqlite3.Connection, name: str, cases: list[str], texts: dict[str, _Text]) -> None:
    """Remember cases as seen by a saved search, by id and by text; a text's sketch is made once (it reads every
    run of the text: 1.0 s for the eval index's 539 report sections, 620,000 words)."""
    db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", [(name, c) for c in cases])
    known = [texts[c] for c in cases if c in texts]
    db.executemany("INSERT OR IGNORE INTO seen_text VALUES (?, ?)", [(name, t.key) for t in known])
    sketched = {r[0] for r in db.execute("SELECT text_key FROM seen_sketch WHERE name = ?", (name,))}
    rows = [(name, t.key, t.source, struct.pack(f">{len(t.sketch)}Q", *t.sketch))
            for t in {t.key: t for t in known if t.key not in sketched}.values()]
    db.executemany("INSERT OR IGNORE INTO seen_sketch VALUES (?, ?, ?, ?)", rows)


def _changed_a_little(db: sqlite3.Connection, name: str, texts: dict[str, _Text], cases: set[str]) -> set[str]:
    """The given cases whose text is nearly all a text seen before in the same document."""
    sources = sorted({texts[c].source for c in cases if c in texts})
    seen: dict[str, list[tuple[int, ...]]] = {}
    for source, blob in db.execute(f"SELECT source, sketch FROM seen_sketch WHERE name = ? AND source IN "
                                   f"({','.join('?' * len(sources))})", (name, *sources)):
        seen.setdefault(source, []).append(struct.unpack(f">{len(blob) // 8}Q", blob))
    return {c for c in cases if c in texts
            and any(contained(texts[c].sketch, old) >= _SAME_TEXT for old in seen.get(texts[c].source, ()))}


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
            _mark_seen(db, name, sorted(matching), _texts(searcher, matching))
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
        texts = _texts(searcher, matching)
        with self._db() as db:
            seen_texts = {r[0] for r in db.execute("SELECT text_key FROM seen_text WHERE name = ?", (name,))}
            if seen_texts:
                new = {case for case in matching if case not in texts or texts[case].key not in seen_texts}
                new -= _changed_a_little(db, name, texts, new)
            else:  # saved before texts were remembered: by ids, this once
                new = set(matching) - {r[0] for r in db.execute("SELECT case_id FROM seen WHERE name = ?", (name,))}
            if mark_seen:
                _mark_seen(db, name, sorted(matching), texts)
                db.execute("UPDATE watches SET seen_at = ? WHERE name = ?", (time.time(), name))
        ranked = [h.case_id for h in result.hits if h.case_id in new]
        return WatchRun(watch, len(matching), (*ranked, *sorted(new - set(ranked))))
