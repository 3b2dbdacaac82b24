"""Texts encoded side by side: each index run once, on the threads asked for."""

from __future__ import annotations

import threading
import time

from kb.sidebyside import side_by_side


def test_every_text_runs_once_on_as_many_threads_as_asked():
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        time.sleep(0.002 * (i % 3))  # uneven texts: threads finish out of order
        with lock:
            seen.append((i, threading.current_thread().name))

    side_by_side(run, 30, 2)
    assert sorted(i for i, _ in seen) == list(range(30))
    assert len({name for _, name in seen}) == 2


def test_one_thread_or_one_text_runs_in_the_callers_thread():
    names: list[str] = []
    side_by_side(lambda i: names.append(threading.current_thread().name), 3, 1)
    side_by_side(lambda i: names.append(threading.current_thread().name), 1, 4)
    side_by_side(lambda i: names.append("never"), 0, 4)
    assert names == [threading.current_thread().name] * 4
