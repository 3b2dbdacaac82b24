"""The index folder: its files and their names, its format version, its lock, its manifest, its vector files
(one FAISS file per embedding space) and its store; and a reader that opens all of them and follows an ingest.

An ingest writes a new vector file per space, then swaps in the store that names it (the commit point), then
the manifest; a reader takes the store's stamp before opening it, so a swap in between shows at its next
refresh. Nothing here reads a corpus: kb.pipeline does that.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import kb
from kb.config import Settings
from kb.errors import IndexBusyError, IndexMissingError, IndexVersionError
from kb.index import VectorIndex
from kb.store import Store

FORMAT_VERSION = 2
STORE_FILE = "kb.sqlite"
MANIFEST_FILE = "manifest.json"
VECTORS_PREFIX = "vectors-"
# The second embedding space, for passages not in English (settings.multilingual_model).
MULTILINGUAL = "multilingual"


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
        vector_index = VectorIndex.build(ids, vectors, settings.index_kind, dim=space.dim,
                                         compress_from=settings.compress_from)
        tmp = index / (name + ".tmp")
        vector_index.save(tmp)
        os.replace(tmp, index / name)
        store.set_meta(space.file_key, name)
        if space.name == "main":
            store.set_meta("vectors_kind", vector_index.kind)
            store.set_meta("vectors_recall_at_10", "" if vector_index.recall is None else str(vector_index.recall))
    store.set_meta("index_kind_setting", vector_setting(settings))


def vector_setting(settings: Settings) -> str:
    """The settings that choose the kind of the FAISS files: a change rebuilds them, and nothing else."""
    return f"{settings.index_kind}/{settings.compress_from}"


def _vector_files(store: Store) -> list[str]:
    """The FAISS files a store names, one per space."""
    return [n for n in (store.get_meta(space.file_key) for space in spaces(store)) if n]


def ensure_vectors(index: Path, live: Path, settings: Settings) -> None:
    """Rebuild the FAISS files of an unchanged store when one is missing or another kind was asked for."""
    store = Store(live)
    try:
        names = _vector_files(store)
        if names and all((index / n).is_file() for n in names) and \
                store.get_meta("index_kind_setting") == vector_setting(settings):
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


def manifest_fields(store: Store) -> dict:
    """The part of the manifest that describes the store: counts, models and vector files of each space."""
    stats = store.stats()
    by_space = {space.name: space for space in spaces(store)}
    main = by_space["main"]
    return {
        "counts": {key: stats[key] for key in ("documents", "cases", "passages", "skipped")},
        "store": STORE_FILE,
        "embedder": {"name": main.model, "dim": int(store.get_meta("dim") or 0)},
        # recall_at_10: of an approximate kind, against exact search on query-like vectors, measured at its build.
        "vectors": {"file": store.get_meta(main.file_key), "kind": store.get_meta("vectors_kind"),
                    "recall_at_10": float(store.get_meta("vectors_recall_at_10") or 0) or None},
        # One FAISS space per model: the main one (all passages) and the multilingual one (passages not in English).
        "spaces": {name: {"model": space.model, "dim": space.dim, "file": store.get_meta(space.file_key),
                          "passages": store.vector_count(space.stored_as)} for name, space in by_space.items()},
    }


def write_manifest(index: Path, corpus: Path, print_: str, settings: Settings) -> None:
    store = Store(index / STORE_FILE, readonly=True)
    try:
        fields = manifest_fields(store)
    finally:
        store.close()
    data = {"format_version": FORMAT_VERSION, "kb_version": kb.__version__, "fingerprint": print_,
            "corpus": str(corpus.resolve()), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
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
        raise IndexMissingError(
            f"{index}: index folder not found; build it with `kb ingest CORPUS_DIR --index {index}`")
    store = Store(index / STORE_FILE, readonly=True)
    version = store.get_meta("format_version")
    if version != str(FORMAT_VERSION):
        store.close()
        raise IndexVersionError(
            f"{index}: built by index format {version}, this kb reads {FORMAT_VERSION}; re-run `kb ingest`")
    return store


@dataclass(frozen=True)
class Generation:
    """One opened generation of an index: its store, the vector file of each space, and what it holds."""

    store: Store
    vectors: VectorIndex
    ml_model: str
    ml_vectors: VectorIndex | None
    ml_ids: frozenset[int]
    languages: frozenset[str]
    stamp: tuple[int, int]


def _stamp(index_dir: Path) -> tuple[int, int]:
    try:
        st = os.stat(index_dir / STORE_FILE)
    except FileNotFoundError:
        return (0, 0)  # open_store then says what is missing
    return st.st_ino, st.st_mtime_ns


def _load_space(index_dir: Path, store: Store, space: Space, settings: Settings) -> VectorIndex:
    """A space's FAISS file; derived data, so rebuilt in memory from the stored vectors when it is missing."""
    name = store.get_meta(space.file_key) or ""
    if name and (index_dir / name).is_file():
        return VectorIndex.load(index_dir / name)
    ids, matrix = store.all_vectors(space.stored_as)
    return VectorIndex.build(ids, matrix, settings.index_kind, dim=space.dim, compress_from=settings.compress_from)


def open_generation(index_dir: Path, settings: Settings) -> Generation:
    """Open the index's current store and vector files; the model it was built with must be the one set."""
    stamp = _stamp(index_dir)  # taken before opening: a swap in between then shows at the next refresh
    store = open_store(index_dir)
    try:
        built_with = store.get_meta("embedder")
        if built_with != settings.model:
            raise IndexVersionError(
                f"{index_dir}: built with model {built_with!r} but kb is set to {settings.model!r}; "
                f"set model = {built_with!r} or rebuild with `kb ingest CORPUS_DIR --index {index_dir}`")
        loaded = {space.name: (space.model, _load_space(index_dir, store, space, settings))
                  for space in spaces(store)}
    except BaseException:
        store.close()
        raise
    ml_model, ml_vectors = loaded.get(MULTILINGUAL, ("", None))
    return Generation(store, loaded["main"][1], ml_model, ml_vectors,
                      frozenset(ml_vectors.ids().tolist()) if ml_vectors is not None else frozenset(),
                      frozenset(store.passage_languages()), stamp)


def changed_since(index_dir: Path, generation: Generation) -> bool:
    """True when an ingest has swapped in another store since the generation was opened."""
    return _stamp(index_dir) not in (generation.stamp, (0, 0))
