"""A bounded memo of computed values that threads may share: the Searcher's caches of filters and matches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most `size` values by key (or values weighing `size` in all, by `weigh`), each computed on its first
    ask; the one used longest ago is dropped first (a warm-up's common words, asked by most queries, stay)."""

    def __init__(self, size: int, weigh: Callable[[V], int] | None = None) -> None:
        self.size = size
        self._weigh = weigh or (lambda value: 1)
        self._weights: dict[K, int] = {}
        self._total = 0
        self._values: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The key's value, computed now if it is not kept (outside the lock: searches compute side by side)."""
        with self._lock:
            if key in self._values:
                return self._used(key)
        value = compute()
        with self._lock:
            if key in self._values:  # another thread computed it meanwhile
                return self._values[key]
            self._put(key, value)
        return value

    def get_many(self, keys: Sequence[K], compute: Callable[[list[K]], Mapping[K, V]]) -> dict[K, V]:
        """The keys' values, in the keys' order, those not kept computed together now (one query for all of
        them); a key `compute` leaves out has no value and is left out too."""
        with self._lock:
            found = {key: self._used(key) for key in keys if key in self._values}
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            computed = compute(missing)
            with self._lock:
                for key, value in computed.items():
                    self._put(key, value)
            found.update(computed)
        return {key: found[key] for key in keys if key in found}

    def _used(self, key: K) -> V:
        """A kept value, moved to the end of the order in which values are dropped (the lock held)."""
        value = self._values.pop(key)
        self._values[key] = value
        return value

    def _put(self, key: K, value: V) -> None:
        """Keep a value (the lock held), dropping those used longest ago it has no room for."""
        if key in self._values:
            return
        weight = self._weigh(value)
        while self._values and self._total + weight > self.size:
            oldest = next(iter(self._values))
            self._total -= self._weights.pop(oldest)
            del self._values[oldest]
        self._values[key] = value
        self._weights[key] = weight
        self._total += weight

    def peek(self, key: K) -> V | None:
        """The key's value if it is kept, else None (nothing computed)."""
        with self._lock:
            return self._values.get(key)

    def holds(self, key: K) -> bool:
        """Whether the key's value is kept."""
        with self._lock:
            return key in self._values

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
            self._weights.clear()
            self._total = 0
