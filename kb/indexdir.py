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
from functools import partial
from pathlib import Path

import kb
from kb.config import Settings
from kb.embed import canonical_model
from kb.errors import IndexBusyError, IndexMissingError, IndexVersionError
from kb.index import VectorIndex
from kb.spaces import MAIN, SpaceSpec, default_spaces
from kb.store import Store

FORMAT_VERSION = 2
STORE_FILE = "kb.sqlite"
MANIFEST_FILE = "manifest.json"
VECTORS_PREFIX = "vectors-"


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
    """One embedding space of an index as its store records it: its spec, the model that embedded it (as the
    embedder names itself), its vectors' size."""

    spec: SpaceSpec
    model: str
    dim: int

    @property
    def name(self) -> str:
        """The space's name ("main" for the first)."""
        return self.spec.name

    @property
    def stored_as(self) -> str:
        """The model its vectors are kept under ("" means the main space's, kb.store)."""
        return "" if self.name == MAIN else self.model

    @property
    def file_key(self) -> str:
        """The meta key that names its FAISS file."""
        return f"vectors_file{_suffix(self.name)}"


def _suffix(name: str) -> str:
    return "" if name == MAIN else f":{name}"


def record_spaces(store: Store, built: list[tuple[SpaceSpec, str, int]]) -> None:
    """Write into the store's meta the spaces an ingest built: (spec, model as the embedder names itself, dim)."""
    for old in spaces(store):
        store.set_meta(f"embedder{_suffix(old.name)}", "")  # a space no longer built keeps no vectors (prune)
    for spec, model, dim in built:
        store.set_meta(f"embedder{_suffix(spec.name)}", model)
        store.set_meta(f"dim{_suffix(spec.name)}", str(dim))
    store.set_meta("spaces", json.dumps([spec.stored() for spec, _, _ in built]))


def spaces(store: Store) -> list[Space]:
    """The store's embedding spaces, main first, as its last ingest built them."""
    try:
        specs = [SpaceSpec(d["name"], d["model"], tuple(d["passages"]), float(d["weight"]), bool(d["renderings"]))
                 for d in json.loads(store.get_meta("spaces") or "[]")]
    except (ValueError, KeyError, TypeError):
        specs = []
    # A store written without the list (a benchmark's synthetic one) has its main space only.
    specs = specs or list(default_spaces(store.main_model, ""))
    return [Space(spec, store.get_meta(f"embedder{_suffix(spec.name)}") or "",
                  int(store.get_meta(f"dim{_suffix(spec.name)}") or 1)) for spec in specs]


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
        # One FAISS file per space: the main one (all passages), then those the settings' [[space]] add.
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
    # The spaces beyond the main one, each with its vectors and the passages that have one.
    others: tuple[OpenSpace, ...]
    languages: frozenset[str]
    stamp: tuple[int, int]


@dataclass(frozen=True)
class OpenSpace:
    """A space beyond the main one, opened: what the store records of it, its FAISS file, its passage ids."""

    space: Space
    vectors: VectorIndex
    ids: frozenset[int]


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
        vectors = VectorIndex.load(index_dir / name)
    else:
        ids, matrix = store.all_vectors(space.stored_as)
        vectors = VectorIndex.build(ids, matrix, settings.index_kind, dim=space.dim,
                                    compress_from=settings.compress_from)
    if vectors.kind == "ivf":  # its candidates re-scored by the stored float32 vectors, read from disk by id
        vectors.exact_rows = partial(store.passage_vectors, model=space.stored_as)
    return vectors


def open_generation(index_dir: Path, settings: Settings) -> Generation:
    """Open the index's current store and vector files; the model it was built with must be the one set."""
    stamp = _stamp(index_dir)  # taken before opening: a swap in between then shows at the next refresh
    store = open_store(index_dir)
    try:
        built_with = store.main_model
        if built_with != canonical_model(settings.main_model):
            raise IndexVersionError(
                f"{index_dir}: built with model {built_with!r} but kb is set to {settings.main_model!r}; "
                f"set the main space's model to {built_with!r} or rebuild with "
                f"`kb ingest CORPUS_DIR --index {index_dir}`")
        found = spaces(store)
        main = _load_space(index_dir, store, found[0], settings)
        others = []
        for space in found[1:]:
            vectors = _load_space(index_dir, store, space, settings)
            others.append(OpenSpace(space, vectors, frozenset(vectors.ids().tolist())))
    except BaseException:
        store.close()
        raise
    return Generation(store, main, tuple(others), frozenset(store.passage_languages()), stamp)


def changed_since(index_dir: Path, generation: Generation) -> bool:
    """True when an ingest has swapped in another store since the generation was opened."""
    return _stamp(index_dir) not in (generation.stamp, (0, 0))
