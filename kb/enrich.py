"""Embedding and tagging of prepared documents, for the pipeline and for `kb tag` without an index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from kb.config import Settings
from kb.corpus import hash_file, walk_corpus
from kb.embed import Embedder, load_embedder
from kb.errors import IngestError, KBError
from kb.gazetteer import default_gazetteer
from kb.ingest import format_of, read_file
from kb.models import Segmented, Tagged
from kb.prepare import prepare
from kb.store import text_hash
from kb.tag import Tagger, approach_prototypes
from kb.taxonomy import load_taxonomy

# Given passage-text hashes, the vectors already known for some of them.
KnownVectors = Callable[[list[str]], dict[str, np.ndarray]]


class Enricher:
    """Embeds and tags prepared documents, reusing stored vectors of unchanged passages."""

    def __init__(self, settings: Settings) -> None:
        self.embedder: Embedder = load_embedder(settings.model)
        taxonomy = load_taxonomy(settings.taxonomy or None)
        self.tagger = Tagger(taxonomy, default_gazetteer(), approach_prototypes(taxonomy, self.embedder))
        self.embedded = 0

    def __call__(self, seg: Segmented, known_vectors: KnownVectors | None = None) -> tuple[np.ndarray, Tagged]:
        """Vectors of the document's passages (known ones reused) and its tags."""
        texts = seg.embedding_inputs()
        keys = [text_hash(t) for t in texts]
        known = known_vectors(keys) if known_vectors else {}
        missing = [i for i, key in enumerate(keys) if key not in known]
        fresh = self.embedder.encode([texts[i] for i in missing]) if missing else None
        self.embedded += len(missing)
        vectors = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            if key in known:
                vectors[i] = known[key]
        for row, i in enumerate(missing):
            vectors[i] = fresh[row]  # type: ignore[index]
        return vectors, self.tagger.tag(seg, vectors)


def tag_files(target: str | Path, settings: Settings) -> Iterator[tuple[str, Segmented | None, Tagged | None, str | None]]:
    """(source, document, tags, error) for a file, or for every file of a folder, without an index."""
    path = Path(target)
    if path.is_dir():
        files, skipped = walk_corpus(path, settings)
    elif path.is_file():
        files, skipped = ([(path, path.name)], []) if format_of(path) else ([], [(path.name, f"unknown format {path.suffix!r}")])
    else:
        raise KBError(f"{path}: no such file or folder")
    for source, reason in skipped:
        yield source, None, None, reason
    enrich = Enricher(settings) if files else None
    for file, source in files:
        try:
            raw, _ = read_file(file, source, settings)
            seg = prepare(raw, hash_file(file), settings)
        except IngestError as exc:
            yield source, None, None, exc.reason
            continue
        assert enrich is not None
        _, tagged = enrich(seg)
        yield source, seg, tagged, None
