"""Reading ahead: a large job's files read, cleaned and split in a child process while this one embeds and tags.

The models hold both cores while they embed; reading a file is Python that holds the GIL and one core. In a
thread beside the models it cost them what it gained (docs/history.md, stop 68); in a process of its own it takes
the core that the single-threaded stages had left idle, and the models keep theirs.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain
from types import TracebackType

from kb.config import Settings
from kb.enrich import Failed, read_stage
from kb.models import Segmented

# A job of fewer bytes is read here: the reader's start (a new interpreter, its imports and its own gazetteer,
# about 2 s of a core) would cost more than reading beside the models saves (about 1.4 s a MB of PDF here).
READ_AHEAD_BYTES = 2_000_000
# Files handed to the reader beyond the one awaited: enough to keep it busy while a batch embeds, few enough that
# what waits in memory stays a few documents.
IN_FLIGHT = 4

# (location, source, digest, settings) -> the prepared document or why not: kb.enrich.read_stage, or a stand-in
# that tests hand the reader; it must be importable by name in the child process.
ReadStage = Callable[[str, str, str, Settings], "Segmented | Failed"]


def reader_died(source: str) -> Failed:
    """The outcome of a file whose reader process stopped while reading it; its stored version is kept."""
    return Failed(source, "the reader process stopped while reading this file (killed, out of memory or crashed); "
                          "the index keeps what it had of it", drop=False)


class ReadAhead:
    """The read stage of a job's files, in their order, a few files ahead in one child process; when the reader
    dies, the file it was reading fails and the rest are read in this process."""

    def __init__(self, todo: Iterable[tuple[str, str, str]], settings: Settings,
                 stage: ReadStage = read_stage) -> None:
        self._todo = iter(todo)
        self._settings = settings
        self._stage = stage
        # spawn, not fork: this process already runs model and library threads, whose locks a fork could copy held.
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"))
        self._pending: deque[tuple[tuple[str, str, str], Future]] = deque()
        self._fill()

    def _fill(self) -> None:
        while self._pool is not None and len(self._pending) <= IN_FLIGHT:
            job = next(self._todo, None)
            if job is None:
                return
            self._pending.append((job, self._pool.submit(self._stage, *job, self._settings)))

    def __iter__(self) -> Iterator[Segmented | Failed]:
        while self._pending:
            job, future = self._pending.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                # The one worker reads in order, so the first file without an outcome is the one it died on.
                self._stop()
                yield reader_died(job[1])
                rest = [later for later, _ in self._pending]
                self._pending.clear()
                for later in chain(rest, self._todo):
                    yield self._stage(*later, self._settings)
                return
            self._fill()
            yield outcome

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Iterator[Segmented | Failed]:
        return iter(self)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop()


def read_here(todo: Iterable[tuple[str, str, str]], settings: Settings) -> Iterator[Segmented | Failed]:
    """The read stage of a job's files, in their order, in this process."""
    for job in todo:
        yield read_stage(*job, settings)
