"""Build or update an index folder so that it mirrors a corpus folder.

The store is copied into a staging folder, changed there, and swapped in with os.replace, so a
crash or Ctrl-C at any point leaves the previous index whole; unchanged files are never re-read
past their content hash.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import kb
from kb.config import Settings
from kb.corpus import hash_file, walk_corpus
from kb.errors import IndexBusyError, IndexMissingError, IndexVersionError, IngestError, KBError
from kb.enrich import Enricher
from kb.index import VectorIndex
from kb.ingest import read_file
from kb.models import Segmented
from kb.prepare import content_hash, prepare
from kb.store import Store
from kb.tag import case_facets
from kb.taxonomy import load_taxonomy

FORMAT_VERSION = 2
STORE_FILE = "kb.sqlite"
MANIFEST_FILE = "manifest.json"
VECTORS_PREFIX = "vectors-"
# The second embedding space, for passages not in English (settings.multilingual_model).
MULTILINGUAL = "multilingual"
# Passages embedded per model call across documents: small documents alone make small, padded batches.
EMBED_BATCH = 256
# The code and data that shape stored text, vectors and tags; a change to any of it re-processes every file.
_SHAPING_MODULES = ("clean.py", "segment.py", "metadata.py", "prepare.py", "ingest", "tag.py", "gazetteer.py",
                    "taxonomy.py", "tokens.py", "data", "models.py", "enrich.py", "store.py")

# Data files that shape no stored data: editing them needs no re-ingest.
_READ_AT_QUERY_TIME = frozenset({"glossary.toml", "world.geojson"})

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
    embedded: int = 0
    # Passages embedded in the multilingual space, and the seconds that took (part of `seconds`).
    embedded_multilingual: int = 0
    multilingual_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.added or self.updated or self.removed)


def fingerprint(settings: Settings) -> str:
    """A hash of the settings and code that shape stored data; a change re-processes everything."""
    h = hashlib.sha256(json.dumps(settings.fingerprint_fields(), sort_keys=True).encode())
    h.update(str(FORMAT_VERSION).encode())
    h.update(load_taxonomy(settings.taxonomy or None).digest.encode())
    root = Path(kb.__file__).parent
    for name in _SHAPING_MODULES:
        path = root / name
        files = sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts
                       and f.name not in _READ_AT_QUERY_TIME) if path.is_dir() else [path]
        for file in files:
            h.update(file.read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def lock_index(index_dir: Path) -> Iterator[None]:
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


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def ingest(corpus_dir: str | Path, index_dir: str | Path, settings: Settings, progress: Progress | None = None) -> IngestReport:
    """Make index_dir mirror corpus_dir: add new files, replace changed ones, drop removed ones."""
    started = time.monotonic()
    corpus = Path(corpus_dir)
    index = Path(index_dir)
    if not corpus.is_dir():
        raise KBError(f"{corpus}: corpus folder not found")
    with lock_index(index):
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
                # After a settings or code change every file is re-processed, but reported against what was there.
                stored = current.stored_docs()
                current.close()
        todo: list[tuple[Path, str, str]] = []
        unchanged = 0
        for path, source in files:
            try:
                digest = hash_file(path)
            except OSError as exc:
                skipped.append((source, f"unreadable file: {exc.strerror or exc}"))
                continue
            if not rebuild and source in stored and stored[source].content_hash == digest:
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
            _ensure_vectors(index, live, settings)
            report = _report(live, files, added, updated, removed, unchanged, skipped, started)
            _update_skipped(live, skipped, index, corpus, print_, settings)
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
        enrich = Enricher(settings)
        try:
            if rebuild and live.is_file() and _same_embedder(live, enrich.embedder.name):
                store.copy_embeddings_from(live)
            with store.transaction():
                store.set_meta("fingerprint", print_)
                store.set_meta("format_version", str(FORMAT_VERSION))
                store.set_meta("embedder", enrich.embedder.name)
                store.set_meta("dim", str(enrich.embedder.dim))
                ml = enrich.multilingual
                store.set_meta(f"embedder:{MULTILINGUAL}", ml.name if ml else "")
                store.set_meta(f"dim:{MULTILINGUAL}", str(ml.dim if ml else 0))
                for source in removed:
                    store.remove(source)
                batch: list[tuple[str, Segmented]] = []

                def flush() -> None:
                    """Embed the waiting documents in one call (fuller model batches), then tag and store each."""
                    segs = [seg for _, seg in batch]
                    # Vectors of another space are kept under its model's name: a model change never mixes them.
                    ml_name = enrich.multilingual.name if enrich.multilingual else ""
                    spaces = enrich.embed_multilingual(segs, lambda keys: store.cached_vectors(keys, ml_name))
                    for (source, seg), vectors, ml in zip(batch, enrich.embed(segs, store.cached_vectors), spaces):
                        tagged = enrich.tagger.tag(seg, vectors)
                        (updated if source in stored else added).append(source)
                        store.put(seg, vectors, tagged, case_facets(seg, tagged), {ml_name: ml} if ml_name else {})
                    batch.clear()

                for n, (path, source, digest) in enumerate(todo, start=1):
                    if progress:
                        progress(n, len(todo), source)
                    try:
                        batch.append((source, _read_and_prepare(path, source, digest, settings)))
                    except IngestError as exc:
                        skipped.append((source, exc.reason))
                        if source in stored:
                            store.remove(source)
                            removed += (source,)
                        continue
                    except (MemoryError, RecursionError) as exc:
                        skipped.append((source, f"too large or too deeply nested to process ({type(exc).__name__})"))
                        continue
                    if sum(len(seg.chunks) for _, seg in batch) >= EMBED_BATCH:
                        flush()
                flush()
                store.set_skipped(sorted(skipped))
                store.prune_embeddings()
                write_vectors(index, store, settings)
        finally:
            store.close()
        # The store swap is the commit point: its meta names the vector file written just before.
        os.replace(staged, live)
        shutil.rmtree(staging, ignore_errors=True)
        drop_old_vectors(index, live)
        report = replace(_report(live, files, added, updated, removed, unchanged, skipped, started, enrich.embedded),
                         embedded_multilingual=enrich.embedded_multilingual,
                         multilingual_seconds=round(enrich.multilingual_seconds, 1))
        _write_manifest(index, corpus, print_, settings)
        return report


def _read_and_prepare(path: Path, source: str, digest: str, settings: Settings) -> Segmented:
    raw, data = read_file(path, source, settings)
    if content_hash(data) != digest:
        raise IngestError(source, "file changed while it was being read")
    return prepare(raw, digest, settings)


def _same_embedder(live: Path, name: str) -> bool:
    try:
        old = Store(live, readonly=True)
    except KBError:
        return False
    try:
        return old.get_meta("embedder") == name
    finally:
        old.close()


@dataclass(frozen=True)
class Space:
    """One embedding space of an index: its model, where the store keeps its vectors, the meta naming its file."""

    name: str
    model: str
    stored_as: str  # "" for the main vectors table, else the model's name in space_vectors
    file_key: str
    dim: int


def spaces(store: Store) -> list[Space]:
    """The store's embedding spaces: the main one, and the multilingual one when it was built with it."""
    found = [Space("main", store.get_meta("embedder") or "", "", "vectors_file", int(store.get_meta("dim") or 1))]
    model = store.get_meta(f"embedder:{MULTILINGUAL}")
    if model:
        found.append(Space(MULTILINGUAL, model, model, f"vectors_file:{MULTILINGUAL}",
                           int(store.get_meta(f"dim:{MULTILINGUAL}") or 1)))
    return found


def write_vectors(index: Path, store: Store, settings: Settings) -> None:
    """Build a FAISS file per embedding space from the store's vectors and name each in the store's meta."""
    for space in spaces(store):
        ids, vectors = store.all_vectors(space.stored_as)
        name = f"{VECTORS_PREFIX}{os.urandom(6).hex()}.faiss"
        vector_index = VectorIndex.build(ids, vectors, settings.index_kind, dim=space.dim)
        tmp = index / (name + ".tmp")
        vector_index.save(tmp)
        os.replace(tmp, index / name)
        store.set_meta(space.file_key, name)
        if space.name == "main":
            store.set_meta("vectors_kind", vector_index.kind)
    store.set_meta("index_kind_setting", settings.index_kind)


def _vector_files(store: Store) -> list[str]:
    """The FAISS files a store names, one per space."""
    return [n for n in (store.get_meta(space.file_key) for space in spaces(store)) if n]


def _ensure_vectors(index: Path, live: Path, settings: Settings) -> None:
    """Rebuild the FAISS files of an unchanged store when one is missing or another kind was asked for."""
    store = Store(live)
    try:
        names = _vector_files(store)
        if names and all((index / n).is_file() for n in names) and \
                store.get_meta("index_kind_setting") == settings.index_kind:
            return
        with store.transaction():
            write_vectors(index, store, settings)
    finally:
        store.close()
    drop_old_vectors(index, live)


def drop_old_vectors(index: Path, live: Path) -> None:
    """Delete vector files that the live store no longer names (a reader mid-open may still hold the last ones)."""
    store = Store(live, readonly=True)
    current = set(_vector_files(store))
    store.close()
    files = sorted(index.glob(f"{VECTORS_PREFIX}*.faiss*"), key=lambda p: p.stat().st_mtime, reverse=True)
    previous = [p.name for p in files if p.suffix == ".faiss" and p.name not in current][:len(current)]
    for path in files:
        if path.name not in current and path.name not in previous:
            path.unlink(missing_ok=True)


def _report(live: Path, files: list, added: list[str], updated: list[str], removed: tuple[str, ...],
            unchanged: int, skipped: list[tuple[str, str]], started: float, embedded: int = 0) -> IngestReport:
    store = Store(live, readonly=True)
    stats = store.stats()
    store.close()
    return IngestReport(
        files=len({src for _, src in files} | {s for s, _ in skipped}),
        added=tuple(added), updated=tuple(updated), removed=tuple(removed), unchanged=unchanged,
        skipped=tuple(sorted(skipped)), documents=stats["documents"], cases=stats["cases"],
        passages=stats["passages"], embedded=embedded, seconds=time.monotonic() - started,
    )


def _update_skipped(live: Path, skipped: list[tuple[str, str]], index: Path, corpus: Path, print_: str,
                    settings: Settings) -> None:
    """Record the skipped list when it is all that changed (a small write, still transactional)."""
    store = Store(live)
    try:
        if sorted(store.skipped()) != sorted(skipped):
            with store.transaction():
                store.set_skipped(sorted(skipped))
    finally:
        store.close()
    # Rewritten when missing or stale (an ingest killed between the store swap and the manifest write).
    _write_manifest(index, corpus, print_, settings)


def manifest_fields(store: Store) -> dict:
    """The part of the manifest that describes the store: counts, models and vector files of each space."""
    stats = store.stats()
    by_space = {space.name: space for space in spaces(store)}
    main = by_space["main"]
    return {
        "counts": {key: stats[key] for key in ("documents", "cases", "passages", "skipped")},
        "store": STORE_FILE,
        "embedder": {"name": main.model, "dim": int(store.get_meta("dim") or 0)},
        "vectors": {"file": store.get_meta(main.file_key), "kind": store.get_meta("vectors_kind")},
        # One FAISS space per model: the main one (all passages) and the multilingual one (passages not in English).
        "spaces": {name: {"model": space.model, "dim": space.dim, "file": store.get_meta(space.file_key),
                          "passages": store.vector_count(space.stored_as)} for name, space in by_space.items()},
    }


def _write_manifest(index: Path, corpus: Path, print_: str, settings: Settings) -> None:
    store = Store(index / STORE_FILE, readonly=True)
    try:
        fields = manifest_fields(store)
    finally:
        store.close()
    data = {"format_version": FORMAT_VERSION, "kb_version": kb.__version__, "fingerprint": print_,
            "corpus": str(corpus.resolve()), "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **fields, "taxonomy": settings.taxonomy or "kb/data/taxonomy.toml"}
    try:
        old = json.loads((index / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    if {**old, "built_at": None} != {**data, "built_at": None}:
        write_json_atomic(index / MANIFEST_FILE, data)


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
