"""Build or update an index folder so that it mirrors a corpus folder.

The store is copied into a staging folder, changed there, and swapped in with os.replace, so a
crash or Ctrl-C at any point leaves the previous index whole; unchanged files are never re-read
past their content hash.
"""

from __future__ import annotations

import fcntl
import fnmatch
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import kb
from kb.config import Settings
from kb.errors import IndexBusyError, IndexMissingError, IndexVersionError, IngestError, KBError
from kb.ingest import format_of, read_file
from kb.prepare import content_hash, prepare
from kb.store import Store

FORMAT_VERSION = 1
STORE_FILE = "kb.sqlite"
MANIFEST_FILE = "manifest.json"
# The code that shapes stored text; a change to any of it re-processes every file.
_SHAPING_MODULES = ("clean.py", "segment.py", "metadata.py", "prepare.py", "ingest")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    files: int
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    skipped: tuple[tuple[str, str], ...]
    documents: int
    cases: int
    passages: int
    seconds: float

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.added or self.updated or self.removed)


def fingerprint(settings: Settings) -> str:
    """A hash of the settings and code that shape stored data; a change re-processes everything."""
    h = hashlib.sha256(json.dumps(settings.fingerprint_fields(), sort_keys=True).encode())
    h.update(str(FORMAT_VERSION).encode())
    root = Path(kb.__file__).parent
    for name in _SHAPING_MODULES:
        path = root / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            h.update(file.read_bytes())
    return h.hexdigest()[:16]


def _ignored(rel: Path, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in patterns)


def walk_corpus(corpus: Path, settings: Settings) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Files to ingest as (path, source relative to the corpus), and files skipped up front with reasons."""
    files: list[tuple[Path, str]] = []
    skipped: list[tuple[str, str]] = []
    # Symlinked folders are followed once each, so a link loop ends instead of recursing.
    seen = {os.path.realpath(corpus)}
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=True):
        base = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            real = os.path.realpath(base / d)
            if _ignored(Path(d), settings.ignore):
                continue
            if real in seen:
                skipped.append(((base / d).relative_to(corpus).as_posix(), "folder already visited (symlink loop?)"))
                continue
            seen.add(real)
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = base / name
            rel = path.relative_to(corpus)
            if _ignored(rel, settings.ignore):
                continue
            source = rel.as_posix()
            if not path.is_file():
                skipped.append((source, "not a regular file (broken or looping symlink?)"))
            elif format_of(path) is None:
                skipped.append((source, f"unknown format {path.suffix or '(no suffix)'!r}"))
            else:
                files.append((path, source))
    return files, skipped


@contextmanager
def _lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's ingest lock; a second ingest fails instead of racing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(f"{index_dir}: another ingest is running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ingest(corpus_dir: str | Path, index_dir: str | Path, settings: Settings, progress: Progress | None = None) -> IngestReport:
    """Make index_dir mirror corpus_dir: add new files, replace changed ones, drop removed ones."""
    started = time.monotonic()
    corpus = Path(corpus_dir)
    index = Path(index_dir)
    if not corpus.is_dir():
        raise KBError(f"{corpus}: corpus folder not found")
    with _lock(index):
        for stale in index.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        files, skipped = walk_corpus(corpus, settings)
        live = index / STORE_FILE
        print_ = fingerprint(settings)
        stored: dict = {}
        rebuild = True
        if live.is_file():
            try:
                current = Store(live, readonly=True)
            except KBError:
                current = None  # an older or foreign store is rebuilt from scratch
            if current is not None:
                rebuild = current.get_meta("fingerprint") != print_
                stored = {} if rebuild else current.stored_docs()
                current.close()
        todo: list[tuple[Path, str, str]] = []
        unchanged = 0
        for path, source in files:
            try:
                digest = _hash_file(path)
            except OSError as exc:
                skipped.append((source, f"unreadable file: {exc.strerror or exc}"))
                continue
            if source in stored and stored[source].content_hash == digest:
                unchanged += 1
            else:
                todo.append((path, source, digest))
        present = {source for _, source in files}
        removed = tuple(sorted(s for s in stored if s not in present))
        failed = {s for s, _ in skipped}
        # A file that failed to read keeps nothing stale in the index.
        removed += tuple(sorted(s for s in stored if s in failed and s not in removed))
        added: list[str] = []
        updated: list[str] = []
        if not todo and not removed and not rebuild:
            report = _report(live, files, added, updated, removed, unchanged, skipped, started)
            _update_skipped(live, skipped, report, index, corpus, print_)
            return report
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=index))
        staged = staging / STORE_FILE
        if live.is_file() and not rebuild:
            src = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
            dst = sqlite3.connect(staged)
            src.backup(dst)
            src.close()
            dst.close()
        store = Store(staged)
        try:
            with store.transaction():
                store.set_meta("fingerprint", print_)
                store.set_meta("format_version", str(FORMAT_VERSION))
                for source in removed:
                    store.remove(source)
                for n, (path, source, digest) in enumerate(todo, start=1):
                    if progress:
                        progress(n, len(todo), source)
                    try:
                        raw, data = read_file(path, source, settings)
                        if content_hash(data) != digest:
                            raise IngestError(source, "file changed while it was being read")
                        seg = prepare(raw, digest, settings)
                    except IngestError as exc:
                        skipped.append((source, exc.reason))
                        if source in stored:
                            store.remove(source)
                            removed += (source,)
                        continue
                    except (MemoryError, RecursionError) as exc:
                        skipped.append((source, f"too large or too deeply nested to process ({type(exc).__name__})"))
                        continue
                    (updated if source in stored else added).append(source)
                    store.put(seg)
                store.set_skipped(sorted(skipped))
        finally:
            store.close()
        os.replace(staged, live)
        shutil.rmtree(staging, ignore_errors=True)
        report = _report(live, files, added, updated, removed, unchanged, skipped, started)
        _write_manifest(index, corpus, print_, report)
        return report


def _report(live: Path, files: list, added: list[str], updated: list[str], removed: tuple[str, ...],
            unchanged: int, skipped: list[tuple[str, str]], started: float) -> IngestReport:
    store = Store(live, readonly=True)
    stats = store.stats()
    store.close()
    return IngestReport(
        files=len({src for _, src in files} | {s for s, _ in skipped}),
        added=tuple(added), updated=tuple(updated), removed=tuple(removed), unchanged=unchanged,
        skipped=tuple(sorted(skipped)), documents=stats["documents"], cases=stats["cases"],
        passages=stats["passages"], seconds=time.monotonic() - started,
    )


def _update_skipped(live: Path, skipped: list[tuple[str, str]], report: IngestReport, index: Path,
                    corpus: Path, print_: str) -> None:
    """Record the skipped list when it is all that changed (a small write, still transactional)."""
    store = Store(live)
    try:
        if sorted(store.skipped()) != sorted(skipped):
            with store.transaction():
                store.set_skipped(sorted(skipped))
    finally:
        store.close()
    if not (index / MANIFEST_FILE).is_file():
        _write_manifest(index, corpus, print_, report)


def _write_manifest(index: Path, corpus: Path, print_: str, report: IngestReport) -> None:
    _write_json_atomic(index / MANIFEST_FILE, {
        "format_version": FORMAT_VERSION,
        "kb_version": kb.__version__,
        "fingerprint": print_,
        "corpus": str(corpus.resolve()),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {"documents": report.documents, "cases": report.cases, "passages": report.passages,
                   "skipped": len(report.skipped)},
        "store": STORE_FILE,
    })


def open_store(index_dir: str | Path) -> Store:
    """Open an index folder's store for reading, with a clear error when there is none."""
    index = Path(index_dir)
    if not index.is_dir():
        raise IndexMissingError(f"{index}: index folder not found; build it with `kb ingest CORPUS_DIR --index {index}`")
    store = Store(index / STORE_FILE, readonly=True)
    version = store.get_meta("format_version")
    if version != str(FORMAT_VERSION):
        store.close()
        raise IndexVersionError(f"{index}: built by index format {version}, this kb reads {FORMAT_VERSION}; re-run `kb ingest`")
    return store
