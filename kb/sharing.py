"""How threads share one Searcher: a lock searches share and a swap holds alone, and places at the gate.

Measured on two cores (scripts/bench_concurrency.py, 61 new queries): with every search let in at once, 20
users got 8.2 queries/s against 14.2 for one (threads contend for the GIL on every short call into SQLite,
FAISS and the models); with two places, 13.6 queries/s and p95 1.6 s instead of 3.7 s. A plain semaphore is
not fair: its p95 was 5-6 s while its p50 looked fine, so places are given first come, first served.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


def one_inner_thread() -> None:
    """FAISS's OpenMP and numpy's and FAISS's OpenBLAS on one thread each, for this process from now on.

    A query's rankings already run side by side on the cores (kb.rankings), and each one's inner threads only
    fought them for the same two cores: scripts/bench_query.py, two interleaved runs each, p50 / p95 70.2 /
    108.7 and 68.1 / 103.0 ms with the libraries' own 2 threads, 63.8 / 100.2 and 61.0 / 94.6 ms with one,
    each beside a floor of 10-11 ms. Torch and ONNX Runtime keep their own settings (kb.embed, kb.stonnx).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    threadpool_limits(limits=1, user_api="openmp")


class _Gate:
    """A condition entered once per thread: nested entries pass straight through, so nobody waits for itself."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._depth = threading.local()

    @contextmanager
    def _entered(self, enter: Callable[[], None], leave: Callable[[], None]) -> Iterator[None]:
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            with self._cond:
                enter()
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if depth == 0:
                with self._cond:
                    leave()


class ReadWriteLock(_Gate):
    """Readers share it; a writer waits for them to leave and keeps new ones out meanwhile (so it is not starved)."""

    def __init__(self) -> None:
        super().__init__()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def _enter_reading(self) -> None:
        while self._writing or self._writers_waiting:
            self._cond.wait()
        self._readers += 1

    def _leave_reading(self) -> None:
        self._readers -= 1
        if not self._readers:
            self._cond.notify_all()

    def reading(self) -> AbstractContextManager[None]:
        """Hold the lock shared for the block (re-entrant within a thread)."""
        return self._entered(self._enter_reading, self._leave_reading)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone for the block."""
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Slots(_Gate):
    """A first-come, first-served gate of `count` places (re-entrant within a thread)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = max(1, count)
        self._free = self.count
        self._next_ticket = 0
        self._serving = 0

    def _take(self) -> None:
        ticket = self._next_ticket
        self._next_ticket += 1
        while ticket != self._serving or not self._free:
            self._cond.wait()
        self._serving += 1
        self._free -= 1
        self._cond.notify_all()

    def _give(self) -> None:
        self._free += 1
        self._cond.notify_all()

    def held(self) -> AbstractContextManager[None]:
        """Hold a place for the block, after everyone who came before."""
        return self._entered(self._take, self._give)
