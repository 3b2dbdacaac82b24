"""The Ray engine: the ingest's read and enrich stages as Ray Data stages, on a local Ray instance or a cluster.

Files are read, cleaned and split (`read_stage`, the single-process path's read stage; Ray Data runs it in
the actors' operator), then embedded and tagged by a pool of actors that each load the models once
(`Enricher.process`, the same enrich stage), and written as Parquet shards in the ingest's staging folder.
The ingest then merges the shards into its staged store and swaps it in as it always does, so a failed or
killed Ray job leaves the index whole.

A shard row is one document: its file (order, source, error) and the ingest's counts, then the document as
typed columns (kb.shards: its text and metadata, cases, passages, tags, facets and vectors in each space), so
any Parquet reader reads the shards, and the merge step reads them back without pickle.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from kb.config import Settings
from kb.corpus import is_uri
from kb.enrich import Enricher, Failed, Processed, Tell, read_stage
from kb.errors import ConfigError, KBError
from kb.shards import record_from, record_row, record_schema
from kb.store import Store

SHARDS_DIR = "shards"
# Documents per actor call: enough passages for full model batches, few enough that a slow file holds up little.
DOCS_PER_BATCH = 8
# Files per Ray block (so per shard) in a large corpus: a block's rows are held in memory until written, and
# the shards written are what the progress counts.
FILES_PER_BLOCK = 32
# The field of a processed document stored as rows of float32 (its passages' vectors in the main space).
MATRIX = "vectors"
# Seconds between progress reports while the Ray job runs.
POLL_SECONDS = 2.0


def read_row(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The read stage on one file: its prepared document, or the reason it could not be read."""
    source = row["source"]
    seg = read_stage(row["path"], source, row["digest"], settings)
    if isinstance(seg, Failed):
        return {"order": row["order"], "source": source, "error": seg.reason, "drop": seg.drop, "seg": b""}
    return {"order": row["order"], "source": source, "error": "", "drop": True, "seg": pickle.dumps(seg, protocol=5)}


class EnrichActor:
    """One worker's enrich stage: the models loaded once, then batches of documents embedded and tagged."""

    def __init__(self, settings: Settings, vectors_from: str) -> None:
        import ray

        self.enricher = Enricher(settings)
        self.store = Store(Path(vectors_from), readonly=True) if vectors_from else None
        # Called outside Ray (a test of one batch) it has no node.
        self.node = ray.get_runtime_context().get_node_id() if ray.is_initialized() else ""

    def __call__(self, batch: dict[str, Any]) -> pa.Table:
        """The shard rows of the batch's documents; failed reads pass through with their reason."""
        rows = [dict(zip(batch, values)) for values in zip(*batch.values())]
        good = [(r["source"], pickle.loads(r["seg"])) for r in rows if not r["error"]]
        before = (self.enricher.embedded, self.enricher.multilingual_seconds, dict(self.enricher.embedded_spaces))
        done = iter(self.enricher.process(good, self.store.cached_vectors if self.store is not None else None))
        out = []
        for i, row in enumerate(rows):
            processed = None if row["error"] else next(done)
            out.append({
                **record_row(processed, Processed, MATRIX), "order": int(row["order"]), "source": str(row["source"]),
                "error": str(row["error"]), "drop": bool(row["drop"]), "node": self.node,
                # The batch's counts ride on its first row.
                "embedded": self.enricher.embedded - before[0] if i == 0 else 0,
                "ml_seconds": self.enricher.multilingual_seconds - before[1] if i == 0 else 0.0,
                "embedded_spaces": json.dumps({name: n - before[2][name] for name, n in
                                               self.enricher.embedded_spaces.items()} if i == 0 else {})})
        return pa.Table.from_pylist(out, schema=shard_schema())


def shard_schema() -> pa.Schema:
    """A shard's columns: the file and the ingest's counts, then the processed document's (kb.shards)."""
    head = pa.schema([("order", pa.int64()), ("source", pa.string()), ("error", pa.string()), ("drop", pa.bool_()),
                      ("node", pa.string()), ("embedded", pa.int64()), ("ml_seconds", pa.float64()),
                      ("embedded_spaces", pa.string())])
    return pa.schema([*head, *(f for f in record_schema(Processed, MATRIX) if f.name != "source")])


@dataclass
class RayEngine:
    """Runs the stages on Ray: a local instance of `workers` CPUs, or the cluster at `address`."""

    address: str | None = None
    workers: int = 2
    embedded: int = field(default=0, init=False)
    multilingual_seconds: float = field(default=0.0, init=False)
    embedded_spaces: dict[str, int] = field(default_factory=dict, init=False)
    # Wall seconds of the Ray job (read, embed, tag, write shards), apart from the merge that follows.
    run_seconds: float = field(default=0.0, init=False)
    # The Ray nodes whose workers enriched documents: a user who names a cluster sees it was used.
    nodes: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError(f"workers = {self.workers}: a Ray ingest needs at least one worker")
        try:
            import ray  # noqa: F401
        except ImportError as exc:
            raise ConfigError("the Ray engine needs the ray package: pip install 'ray[data]'") from exc

    def process(self, todo: list[tuple[str, str, str]], settings: Settings, vectors_from: Path | None,
                workdir: Path, tell: Tell) -> Iterator[Processed | Failed]:
        """Run the stages over the files on Ray into Parquet shards under workdir, then yield each outcome."""
        shards = workdir / SHARDS_DIR
        if todo:
            tell(0, "", "on ray")
            started = time.monotonic()
            self._run(todo, settings, vectors_from, shards, tell)
            self.run_seconds += time.monotonic() - started
        yield from self._merge(shards, len(todo), tell)

    def _run(self, todo: list[tuple[str, str, str]], settings: Settings, vectors_from: Path | None,
             shards: Path, tell: Tell) -> None:
        import ray
        import ray.data

        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=self.address, num_cpus=None if self.address else self.workers,
                     include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                     configure_logging=False)
        try:
            ray.data.DataContext.get_current().enable_progress_bars = False
            # Workers read a local file at the same absolute path (a shared file system), a URI themselves.
            items = [{"order": i, "path": path if is_uri(path) else str(Path(path).resolve()), "source": source,
                      "digest": digest} for i, (path, source, digest) in enumerate(todo)]
            # Any: the stubs type map() without its fn_kwargs.
            # At least two blocks per worker, so that a small corpus still spreads over every worker.
            blocks = min(len(items), max(2 * self.workers, -(-len(items) // FILES_PER_BLOCK)))
            ds: Any = ray.data.from_items(items, override_num_blocks=blocks)
            ds = ds.map(read_row, fn_kwargs={"settings": settings})
            # A batch no larger than a block: batches of 8 would gather a small corpus's blocks back into one,
            # and one worker would do all of it (seen on a cluster of two nodes: 5 files, 1 node).
            per_block = -(-len(items) // blocks)
            ds = ds.map_batches(EnrichActor, fn_constructor_kwargs={"settings": settings,
                                                                     "vectors_from": str(vectors_from or "")},
                                batch_size=min(DOCS_PER_BATCH, per_block), concurrency=self.workers, num_cpus=1,
                                batch_format="numpy")
            _while_telling(lambda: ds.write_parquet(str(shards)), lambda: tell(_rows_in(shards), "", "on ray"))
        finally:
            if started_here:
                ray.shutdown()

    def _merge(self, shards: Path, total: int, tell: Tell) -> Iterator[Processed | Failed]:
        """Each shard's rows in file order, so that a merge holds one shard in memory at a time."""
        import pyarrow.parquet as pq

        done = 0
        for path in sorted(shards.glob("*.parquet")):
            table = pq.read_table(path)
            for row in sorted(table.to_pylist(), key=lambda r: r["order"]):
                done += 1
                tell(done, row["source"], "merging")
                self.embedded += row["embedded"]
                self.nodes.add(row["node"])
                self.multilingual_seconds += row["ml_seconds"]
                for name, n in json.loads(row["embedded_spaces"]).items():
                    self.embedded_spaces[name] = self.embedded_spaces.get(name, 0) + n
                if row["error"]:
                    yield Failed(row["source"], row["error"], row["drop"])
                else:
                    yield record_from(row, Processed, MATRIX)
        if done != total:
            raise KBError(f"{shards}: the Ray job wrote {done} of {total} documents; nothing was stored")


def _while_telling(job: Callable[[], None], tell: Callable[[], None]) -> None:
    """Run a blocking job in a thread and tell its progress every POLL_SECONDS; its error is raised here."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            job()
        except BaseException as exc:  # handed to the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="kb-ray-job", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(POLL_SECONDS)
        tell()
    if failed:
        raise failed[0]


def _rows_in(shards: Path) -> int:
    """Documents in the shards written so far (a shard still being written is not counted yet)."""
    import pyarrow.parquet as pq

    rows = 0
    for path in shards.glob("*.parquet"):
        try:
            rows += pq.read_metadata(path).num_rows
        except (OSError, ValueError):
            continue
    return rows
