"""Build or update an index folder so that it mirrors a corpus folder.

The store is copied into a staging folder, changed there, and swapped in with os.replace, so a
crash or Ctrl-C at any point leaves the previous index whole; unchanged files are never re-read
past their content hash.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from kb.config import Settings
from kb.corpus import corpus_files, hash_location, listing, size_of
from kb.duplicates import CaseText, duplicate_groups
from kb.enrich import Enricher, Failed, KnownVectors, Processed, Tell
from kb.errors import KBError
from kb.fingerprint import fingerprint
from kb.indexdir import (
    FORMAT_VERSION,
    STORE_FILE,
    drop_old_vectors,
    ensure_vectors,
    lock_index,
    record_spaces,
    write_manifest,
    write_vectors,
)
from kb.models import Segmented
from kb.readahead import READ_AHEAD_BYTES, ReadAhead, read_here
from kb.store import Store

# Passages embedded per model call across documents: small documents alone make small, padded batches.
EMBED_BATCH = 256

@dataclass(frozen=True)
class Step:
    """Where a running ingest stands: files read of those to read, passages made, and the time it expects."""

    done: int
    total: int
    source: str
    passages: int
    # Bytes of the files read and embedded (or skipped) so far, of all to read: the pace of the whole job, in
    # which a 300-page report weighs more than a blog post.
    done_bytes: int
    total_bytes: int
    seconds: float
    # "reading" a file, "embedding" the passages read so far, "grouping" cases published twice, or "done";
    # on Ray, "on ray" while the cluster reads, embeds and tags, then "merging" its shards into the store.
    stage: str = "reading"

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far (None until a first batch is embedded)."""
        if self.done_bytes <= 0 or self.seconds < 1:
            return None
        return self.seconds * max(self.total_bytes - self.done_bytes, 0) / self.done_bytes


Progress = Callable[[Step], None]


class EmbedCounts(Protocol):
    """How many passages a run embedded in the main space and in the others, and the seconds the others took."""

    embedded: int
    embedded_spaces: dict[str, int]
    multilingual_seconds: float


class Engine(EmbedCounts, Protocol):
    """Another way to run the read and enrich stages over the files to do (kb.distributed's Ray engine)."""

    nodes: set[str]  # the machines that enriched documents

    def process(self, todo: list[tuple[str, str, str]], settings: Settings, vectors_from: Path | None,
                workdir: Path, tell: Tell) -> Iterator[Processed | Failed]:
        """Each file's outcome, in any order; vectors_from is a store whose vectors may be reused."""
        ...


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
    # Passages embedded in each space beyond the main one, by the space's name (kb.spaces).
    embedded_spaces: dict[str, int] = field(default_factory=dict)
    # Ray nodes whose workers enriched the documents processed (0: this process did).
    nodes: int = 0

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.added or self.updated or self.removed)


def ingest(
    corpus_dir: str | Path, index_dir: str | Path, settings: Settings, progress: Progress | None = None,
    engine: Engine | None = None,
) -> IngestReport:
    """Make index_dir mirror corpus_dir: add new files, replace changed ones, drop removed ones; the stages run
    in this process, or on the engine given (both call the same stage functions)."""
    started = time.monotonic()
    corpus = Path(corpus_dir)
    index = Path(index_dir)
    if not corpus.exists():
        raise KBError(f"{corpus}: corpus folder or manifest file not found")
    with lock_index(index):
        for stale in index.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
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
        todo: list[tuple[str, str, str]] = []
        unchanged = 0
        with listing():  # a remote file is asked its size and time once to list, hash and size it
            files, skipped = corpus_files(corpus, settings)
            for path, source in files:
                try:
                    digest = hash_location(path)
                except (OSError, KBError) as exc:
                    skipped.append((source, f"unreadable file: {getattr(exc, 'strerror', None) or exc}"))
                    continue
                if not rebuild and source in stored and stored[source].content_hash == digest:
                    unchanged += 1
                else:
                    todo.append((path, source, digest))
            sizes = {source: size_of(path) for path, source, _ in todo}  # the job's bytes: what it will read
        present = {source for _, source in files}
        removed = tuple(sorted(s for s in stored if s not in present))
        failed = {s for s, _ in skipped}
        # A file that failed to read keeps nothing stale in the index.
        removed += tuple(sorted(s for s in stored if s in failed and s not in removed))
        added: list[str] = []
        updated: list[str] = []
        if not todo and not removed and not rebuild:
            ensure_vectors(index, live, settings)
            report = replace(_report(live, files, added, updated, removed, unchanged, skipped, started),
                             embedded_spaces={spec.name: 0 for spec in settings.spaces[1:]})
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
            if rebuild and live.is_file():
                _reuse_vectors(store, live)
            with store.transaction():
                store.set_meta("fingerprint", print_)
                store.set_meta("format_version", str(FORMAT_VERSION))
                record_spaces(store, [(spec, e.name, e.dim) for spec, e in
                                      ((settings.spaces[0], enrich.embedder), *enrich.others)])
                for source in removed:
                    store.remove(source)
                # Bytes of the files stored or skipped so far, and passages stored: the pace of the whole job.
                tally = {"done": 0, "passages": 0}

                def tell(n: int, source: str, stage: str) -> None:
                    if progress:
                        progress(Step(n, len(todo), source, tally["passages"], tally["done"], sum(sizes.values()),
                                      time.monotonic() - started, stage))

                if engine is None:
                    ahead = len(todo) > 1 and sum(sizes.values()) >= READ_AHEAD_BYTES
                    outcomes = process_here(todo, settings, enrich, store.cached_vectors, tell, ahead)
                else:
                    # Workers reuse the live store's vectors (read-only): the staged copy is being written.
                    reuse = live.is_file() and _readable(live)
                    outcomes = engine.process(todo, settings, live if reuse else None, staging, tell)
                for outcome in outcomes:
                    tally["done"] += sizes.get(outcome.source, 0)
                    if isinstance(outcome, Failed):
                        skipped.append((outcome.source, outcome.reason))
                        if outcome.drop and outcome.source in stored:
                            store.remove(outcome.source)
                            removed += (outcome.source,)
                        continue
                    (updated if outcome.source in stored else added).append(outcome.source)
                    store.put(outcome.seg, outcome.vectors, outcome.tagged, outcome.facets, outcome.spaces)
                    tally["passages"] += len(outcome.seg.chunks)
                tell(len(todo), "", "grouping")
                texts = [CaseText(*row) for row in store.case_texts()]
                store.set_groups(duplicate_groups(texts), {t.case_id: t.unit for t in texts})
                tell(len(todo), "", "done")
                store.set_skipped(sorted(skipped))
                store.prune_embeddings()
                write_vectors(index, store, settings)
        finally:
            store.close()
        # The store swap is the commit point: its meta names the vector file written just before.
        os.replace(staged, live)
        shutil.rmtree(staging, ignore_errors=True)
        drop_old_vectors(index, live)
        counts: EmbedCounts = enrich if engine is None else engine
        report = replace(_report(live, files, added, updated, removed, unchanged, skipped, started, counts.embedded),
                         embedded_multilingual=sum(counts.embedded_spaces.values()),
                         embedded_spaces=dict(counts.embedded_spaces),
                         multilingual_seconds=round(counts.multilingual_seconds, 1),
                         nodes=len(engine.nodes) if engine is not None else 0)
        write_manifest(index, corpus, print_, settings)
        return report


def process_here(todo: list[tuple[str, str, str]], settings: Settings, enrich: Enricher, known: KnownVectors,
                 tell: Tell, ahead: bool = False) -> Iterator[Processed | Failed]:
    """The single-process engine: read each file (`ahead`: in a child process, a few files ahead, kb.readahead),
    then embed and tag documents in batches of EMBED_BATCH passages."""
    batch: list[tuple[str, Segmented]] = []
    with ReadAhead(todo, settings) if ahead else nullcontext(read_here(todo, settings)) as reads:
        for n, (_, source, _) in enumerate(todo, start=1):
            tell(n - 1, source, "reading")
            seg = next(reads)
            if isinstance(seg, Failed):
                yield seg
                continue
            batch.append((source, seg))
            if sum(len(seg.chunks) for _, seg in batch) >= EMBED_BATCH:
                tell(n, source, "embedding")
                yield from enrich.process(batch, known)
                batch = []
    tell(len(todo), "", "embedding")
    yield from enrich.process(batch, known)


def _readable(live: Path) -> bool:
    """Whether this kb can read the live store (not one of an older schema or a foreign file)."""
    try:
        Store(live, readonly=True).close()
    except KBError:
        return False
    return True


def _reuse_vectors(store: Store, live: Path) -> None:
    """Copy the live store's vectors into a rebuild, of any schema it can read them from; none from a file that
    is not a store."""
    try:
        store.copy_embeddings_from(live)
    except sqlite3.DatabaseError:
        pass  # a foreign or damaged file: everything is embedded afresh


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
    write_manifest(index, corpus, print_, settings)


