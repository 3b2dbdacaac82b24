"""How searches share a Searcher: a lock they share and a swap holds alone; places given first come, first served."""

from __future__ import annotations

import threading
import time

from kb.sharing import ReadWriteLock, Slots, one_inner_thread


def test_readers_share_the_lock_and_a_writer_waits_for_them():
    lock = ReadWriteLock()
    inside, release = threading.Barrier(3), threading.Event()
    order: list[str] = []

    def reader() -> None:
        with lock.reading():
            inside.wait(timeout=10)  # both readers are in at once, or this times out and breaks
            release.wait(timeout=10)
            order.append("read")

    def writer() -> None:
        with lock.writing():
            order.append("write")

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    inside.wait(timeout=10)
    w = threading.Thread(target=writer)
    w.start()
    w.join(timeout=0.2)
    assert w.is_alive() and order == []  # the writer waits while readers are inside
    release.set()
    for t in [*readers, w]:
        t.join(timeout=10)
    assert order == ["read", "read", "write"]


def test_a_reader_may_read_again_while_a_writer_waits():
    lock = ReadWriteLock()
    writer_waiting, done = threading.Event(), threading.Event()

    def writer() -> None:
        writer_waiting.set()
        with lock.writing():
            pass

    with lock.reading():
        w = threading.Thread(target=writer)
        w.start()
        writer_waiting.wait(timeout=10)
        w.join(timeout=0.2)  # the writer is now queued behind this reader
        with lock.reading():  # re-entrant: does not queue behind the writer
            done.set()
    w.join(timeout=10)
    assert done.is_set() and not w.is_alive()


def test_slots_admit_as_many_as_they_have_and_the_rest_in_arrival_order():
    slots = Slots(2)
    inside, release = threading.Barrier(3), threading.Event()
    admitted: list[int] = []

    def holder() -> None:
        with slots.held():
            inside.wait(timeout=10)  # two are in at once
            release.wait(timeout=10)

    def waiter(n: int) -> None:
        with slots.held():
            admitted.append(n)

    holders = [threading.Thread(target=holder) for _ in range(2)]
    for t in holders:
        t.start()
    inside.wait(timeout=10)
    waiters = []
    for n in range(5):  # each comes only after the one before has taken its ticket (the holders took two)
        waiters.append(threading.Thread(target=waiter, args=(n,)))
        waiters[-1].start()
        deadline = time.monotonic() + 10
        while slots._next_ticket < 3 + n and time.monotonic() < deadline:
            time.sleep(0.001)
    assert admitted == []  # both places are held
    release.set()
    for t in [*holders, *waiters]:
        t.join(timeout=10)
    assert admitted == [0, 1, 2, 3, 4]


def test_a_slot_holder_may_ask_again_without_waiting_for_its_own_place():
    slots = Slots(1)
    with slots.held():
        with slots.held():
            pass
    with slots.held():  # and the place was given back
        pass


def test_the_numeric_libraries_run_one_thread_each_once_searches_share_the_cores():
    # Their own two threads each spun against the query's rankings running side by side: 42.6 s of CPU for
    # the concurrency benchmark's 24.6 s, against 24.8 s for 21.2 s with one.
    import faiss  # noqa: F401  (its OpenMP and OpenBLAS are loaded with it)
    import numpy as np
    from threadpoolctl import threadpool_info

    np.ones((2, 2)) @ np.ones((2, 2))
    one_inner_thread()
    pools = [p for p in threadpool_info() if p["internal_api"] in ("openblas", "openmp")]
    assert pools and all(p["num_threads"] == 1 for p in pools)


def test_a_read_only_store_gives_each_thread_its_own_connection_and_closes_those_of_ended_threads(tmp_path):
    import os
    import sqlite3

    import pytest

    from kb.store import Store

    Store(tmp_path / "kb.sqlite").close()  # creates the schema
    store = Store(tmp_path / "kb.sqlite", readonly=True)
    mine = store.db
    assert store.db is mine  # one connection a thread, kept
    theirs: list[sqlite3.Connection] = []
    worker = threading.Thread(target=lambda: theirs.append(store.db))
    worker.start()
    worker.join(timeout=10)
    assert theirs and theirs[0] is not mine  # SQLite runs one statement of a connection at a time
    later = threading.Thread(target=lambda: store.db)
    later.start()
    later.join(timeout=10)  # a thread opening its connection after the worker ended
    with pytest.raises(sqlite3.ProgrammingError):
        theirs[0].execute("SELECT 1")  # the ended worker's connection was closed, not left open
    assert mine.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    # An ingest swaps a new file in at the path: a thread that connects after that still reads this store's.
    swapped = Store(tmp_path / "new.sqlite")
    with swapped.transaction():
        swapped.set_meta("mark", "the new file")
    swapped.close()
    os.replace(tmp_path / "new.sqlite", tmp_path / "kb.sqlite")
    marks: list[str | None] = []
    after = threading.Thread(target=lambda: marks.append(store.get_meta("mark")))
    after.start()
    after.join(timeout=10)
    assert marks == [None]
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")
    writer = Store(tmp_path / "kb.sqlite")
    shared: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: shared.append(writer.db))
    t.start()
    t.join(timeout=10)
    assert shared[0] is writer.db  # a store that writes keeps one connection: its transactions are one
    writer.close()
