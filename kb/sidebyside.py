"""Texts encoded side by side: each alone, one core a text, on as many threads as asked."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def one_core_session(model: Path) -> Any:
    """An ONNX Runtime session of the model file whose runs each use one core; threads share it."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def side_by_side(run: Callable[[int], None], count: int, threads: int) -> None:
    """Call run(i) for i in range(count) on up to `threads` threads, each taking the next i as it comes free.

    An ONNX Runtime session on one intra-op thread runs from several threads at once, and a text alone on one
    core beats a text on every core in turn for models this small (kb.stonnx, kb.e5onnx give the figures).
    """
    if threads <= 1 or count < 2:
        for i in range(count):
            run(i)
        return
    # Taken one at a time as threads come free, so a run of long texts does not hold one thread back.
    with ThreadPoolExecutor(min(threads, count)) as pool:
        list(pool.map(run, range(count)))
