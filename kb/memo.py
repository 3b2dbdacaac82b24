"""A bounded memo of computed values that threads may share: the Searcher's caches of filters and matches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most `size` values by key, each computed on its first ask; the oldest is dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The key's value, computed now if it is not kept (outside the lock: searches compute side by side)."""
        with self._lock:
            if key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            while self._values and len(self._values) >= self.size:
                self._values.pop(next(iter(self._values)))
            self._values[key] = value
        return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()
