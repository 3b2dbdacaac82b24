"""A cache for what is slow to load (models, dictionaries): each value loaded once, whoever asks meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def loaded_once(maxsize: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """lru_cache whose loads run one at a time: a warm-up loading beside the searches and a search asking for the
    same value meanwhile wait for one load, not run two (a model or the dictionary parsed twice)."""
    def wrap(load: Callable[P, R]) -> Callable[P, R]:
        cached = lru_cache(maxsize=maxsize)(load)
        # Reentrant: a load may ask for another value of the same cache.
        lock = threading.RLock()

        @wraps(load)
        def once(*args: P.args, **kwargs: P.kwargs) -> R:
            with lock:
                return cached(*args, **kwargs)  # type: ignore[arg-type]
        return once
    return wrap
