"""`kb check`: prove that an index folder's store, FAISS file and manifest agree, and repair what can be.

The store is the source of truth: passages and their vectors live in SQLite; the FAISS file is derived from
it and the manifest describes it. A repair re-embeds passages that lost their vector, rebuilds the FAISS file
from the store, rewrites the manifest and clears what killed ingests left behind. SQLite damage and keyword
rows out of step are reported, not repaired: rebuild the index from its corpus then.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from kb.config import Settings
from kb.embed import load_embedder, model_languages
from kb.errors import KBError
from kb.index import VectorIndex
from kb.indexdir import (
    MANIFEST_FILE,
    STORE_FILE,
    VECTORS_PREFIX,
    Space,
    drop_old_vectors,
    lock_index,
    manifest_fields,
    open_store,
    spaces,
    write_json_atomic,
    write_vectors,
)
from kb.store import Store

SAMPLE = 200  # passages whose FAISS vector is compared with the stored one


@dataclass(frozen=True)
class Finding:
    """One thing a check found: what, and whether `kb check --repair` mends it."""

    problem: str
    repairable: bool


def check_index(index_dir: str | Path) -> list[Finding]:
    """Everything that disagrees in an index folder; an empty list means store, vectors and manifest agree."""
    index = Path(index_dir)
    store = open_store(index)  # a missing folder or an unreadable store raises, naming it
    try:
        found = _check_store(store, index)
    finally:
        store.close()
    found += [Finding(f"{p.name}: left by an interrupted ingest", True) for p in index.glob(".staging-*")]
    found += [Finding(f"{p.name}: half-written vector file", True) for p in index.glob(f"{VECTORS_PREFIX}*.tmp")]
    return found


def _check_store(store: Store, index: Path) -> list[Finding]:
    found: list[Finding] = []
    health = store.health()
    if health["quick_check"] != "ok":
        found.append(Finding(f"{STORE_FILE}: SQLite reports damage: {health['quick_check']}", False))
    if health["keyword_rows"] != health["passages"]:
        found.append(Finding(f"{STORE_FILE}: {health['keyword_rows']} keyword rows for {health['passages']} "
                             "passages", False))
    missing = health["passages"] - health["embedded"]
    if missing:
        found.append(Finding(f"{STORE_FILE}: {missing} passages have no vector", True))
    for space, reads in _readers(store)[1:]:
        lacking = len(store.unembedded(space.stored_as, reads))
        if lacking:
            found.append(Finding(f"{STORE_FILE}: {lacking} passages have no vector in the {space.name} space", True))
    found += _check_vectors(store, index)
    found += _check_manifest(store, index)
    return found


def _check_vectors(store: Store, index: Path) -> list[Finding]:
    return [finding for space in spaces(store) for finding in _check_space(store, index, space)]


def _check_space(store: Store, index: Path, space: Space) -> list[Finding]:
    name = store.get_meta(space.file_key) or ""
    if not name or not (index / name).is_file():
        return [Finding(f"vector file {name or '(none named)'} of the {space.name} space is missing", True)]
    try:
        vectors = VectorIndex.load(index / name)
    except KBError as exc:
        return [Finding(str(exc), True)]
    stored_ids, matrix = store.all_vectors(space.stored_as)
    held = np.sort(vectors.ids())
    if not np.array_equal(held, stored_ids):
        extra, lacking = np.setdiff1d(held, stored_ids).size, np.setdiff1d(stored_ids, held).size
        return [Finding(f"{name}: {lacking} stored passages are not in it and {extra} it holds are not stored", True)]
    if len(stored_ids):
        picks = np.linspace(0, len(stored_ids) - 1, min(SAMPLE, len(stored_ids))).astype(int)
        rebuilt = vectors.vectors(stored_ids[picks])
        # The compressed kind holds 8-bit codes: its vectors are the stored ones to within their rounding.
        same = (np.einsum("ij,ij->i", rebuilt, matrix[picks]).min() > 0.99 if vectors.kind == "ivf"
                else np.allclose(rebuilt, matrix[picks], atol=1e-5))
        if not same:
            return [Finding(f"{name}: its vectors differ from the stored ones", True)]
    return []


def _check_manifest(store: Store, index: Path) -> list[Finding]:
    try:
        manifest = json.loads((index / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [Finding(f"{MANIFEST_FILE}: unreadable ({exc})", True)]
    return [Finding(f"{MANIFEST_FILE}: {key} is {manifest.get(key)!r}, the store says {value!r}", True)
            for key, value in manifest_fields(store).items() if manifest.get(key) != value]


def _readers(store: Store) -> list[tuple[Space, Callable[[str], bool] | None]]:
    """The store's spaces, each with which passage languages it reads (None: all)."""
    found = spaces(store)
    main_languages = model_languages(found[0].model)
    return [(space, None if i == 0 else partial(space.spec.reads, main_languages=main_languages))
            for i, space in enumerate(found)]


def repair_index(index_dir: str | Path, settings: Settings) -> list[str]:
    """Mend what check_index() calls repairable; the actions taken. Holds the ingest lock meanwhile."""
    index = Path(index_dir)
    open_store(index).close()
    done: list[str] = []
    with lock_index(index):
        for stale in [*index.glob(".staging-*"), *index.glob(f"{VECTORS_PREFIX}*.tmp")]:
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
            done.append(f"removed {stale.name}")
        store = Store(index / STORE_FILE)
        try:
            with store.transaction():
                embedded = False
                for space, reads in _readers(store):
                    missing = store.unembedded(space.stored_as, reads)
                    if missing:
                        name = space.model or settings.main_model
                        vectors = load_embedder(name).encode([text for _, text in missing])
                        store.add_vectors([key for key, _ in missing], vectors, space.stored_as)
                        done.append(f"embedded {len(missing)} passages with {name}")
                        embedded = True
                if embedded or _check_vectors(store, index):
                    write_vectors(index, store, settings)
                    done.append(f"rebuilt the vector file as {store.get_meta('vectors_file')}")
        finally:
            store.close()
        drop_old_vectors(index, index / STORE_FILE)
        if _rewrite_manifest(index):
            done.append(f"rewrote {MANIFEST_FILE}")
    return done


def _rewrite_manifest(index: Path) -> bool:
    """Bring the manifest's store-derived fields in line with the store, keeping the rest; True if it changed."""
    try:
        manifest = json.loads((index / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    store = open_store(index)
    try:
        fields = manifest_fields(store)
        manifest.setdefault("fingerprint", store.get_meta("fingerprint"))
    finally:
        store.close()
    if all(manifest.get(key) == value for key, value in fields.items()):
        return False
    write_json_atomic(index / MANIFEST_FILE, {**manifest, **fields})
    return True
