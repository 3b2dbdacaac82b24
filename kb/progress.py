"""The terminal's view of a running ingest: a bar on a terminal, a line every few seconds in a log."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace

from kb.pipeline import Step


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def describe(step: Step) -> str:
    """'12/113 files · 3,402 passages · 2:31 elapsed · about 6:05 left · reading x.pdf'."""
    eta = step.eta
    left = f" · about {_clock(eta)} left" if eta is not None and step.stage != "done" else ""
    doing = {"reading": f"reading {step.source}", "embedding": "embedding",
             "grouping": "finding cases published more than once", "done": "writing the index",
             "on ray": "reading, embedding and tagging on Ray", "merging": f"storing {step.source}"}[step.stage]
    return (f"{step.done}/{step.total} files · {step.passages:,} passages · {_clock(step.seconds)} elapsed"
            f"{left} · {doing}")


class IngestProgress:
    """A bar redrawn in place on a terminal; elsewhere (a log, `make run`) a line at least every 10 seconds."""

    EVERY = 10.0

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.last: Step | None = None
        self.printed = 0.0
        self.stepped = 0.0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        # A single long file (a 300-page PDF) makes no step for minutes: a ticker says it is still going.
        self.ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> IngestProgress:
        self.ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.ticker.join()
        if self.terminal and self.last is not None:
            sys.stderr.write("\n")

    def __call__(self, step: Step) -> None:
        with self.lock:
            self.last = step
            if self.terminal:
                width = 24
                filled = int(width * step.done_bytes / max(step.total_bytes, 1))
                line = f"[{'#' * filled}{'.' * (width - filled)}] {describe(step)}"
                sys.stderr.write("\r" + line[:160].ljust(160))
                sys.stderr.flush()
            elif time.monotonic() - self.printed >= self.EVERY or step.stage == "done":
                self._line(step)
            self.stepped = time.monotonic()

    def _line(self, step: Step, still: bool = False) -> None:
        sys.stderr.write(("still working: " if still else "ingest: ") + describe(step) + "\n")
        sys.stderr.flush()
        self.printed = time.monotonic()

    def _tick(self) -> None:
        while not self.stopped.wait(min(1.0, self.EVERY / 2)):
            with self.lock:
                if not self.terminal and self.last is not None and time.monotonic() - self.printed >= self.EVERY:
                    self._line(replace(self.last, seconds=self.last.seconds + time.monotonic() - self.stepped), True)
