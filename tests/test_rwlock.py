"""The Searcher's lock: searches share it, a swap to a new index holds it alone, and nobody deadlocks."""

from __future__ import annotations

import threading

from kb.rwlock import ReadWriteLock


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
