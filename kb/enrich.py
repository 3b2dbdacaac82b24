"""Embedding and tagging of prepared documents, for the pipeline and for `kb tag` without an index."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.config import Settings
from kb.corpus import hash_file, hash_location, is_uri, local_copy, walk_corpus
from kb.embed import Embedder, load_embedder, model_languages
from kb.errors import IngestError, KBError
from kb.facets import case_facets
from kb.gazetteer import default_gazetteer
from kb.ingest import format_of, read_file
from kb.models import RawDocument, Segmented, Tag, Tagged
from kb.prepare import content_hash, prepare
from kb.spaces import SpaceSpec
from kb.store import text_hash
from kb.tag import Tagger, Themes, approach_prototypes
from kb.taxonomy import load_goals, load_taxonomy

# Given passage-text hashes and a model's name, the vectors by that model already known for some of them.
KnownVectors = Callable[[list[str], str], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Processed:
    """One document ready to store: its prepared text, its passages' vectors in each space, its tags and facets."""

    source: str
    seg: Segmented
    vectors: np.ndarray
    tagged: Tagged
    facets: tuple[tuple[str, str, str], ...]
    # Vectors of the other spaces by model name, then passage-text hash (the passages each space reads).
    spaces: dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class Failed:
    """A file the read stage could not make into a document, and why; drop: its stored version goes too."""

    source: str
    reason: str
    drop: bool = True


# What the stages tell the ingest about their progress: files done, the file at hand, and the stage.
Tell = Callable[[int, str, str], None]


def read_prepared(path: Path, source: str, digest: str, settings: Settings, remote: str = "") -> Segmented:
    """The read stage: one file read, cleaned and split; IngestError when it cannot be, or changed meanwhile
    (a remote file's digest is of its URI, size and time: kb.corpus.hash_location)."""
    raw, data = read_file(path, source, settings)
    if (hash_location(remote) if remote else content_hash(data)) != digest:
        raise IngestError(source, "file changed while it was being read")
    return prepare(raw, digest, settings)


def read_stage(location: str, source: str, digest: str, settings: Settings) -> Segmented | Failed:
    """The read stage as both engines run it: the prepared document, or why the file could not be one."""
    try:
        with local_copy(location) as path:
            return read_prepared(path, source, digest, settings, location if is_uri(location) else "")
    except OSError as exc:  # a remote file that went away or could not be fetched
        return Failed(source, f"unreadable file: {exc}")
    except IngestError as exc:
        return Failed(source, exc.reason)
    except (MemoryError, RecursionError) as exc:
        return Failed(source, f"too large or too deeply nested to process ({type(exc).__name__})", drop=False)


class Enricher:
    """Embeds and tags prepared documents, reusing stored vectors of unchanged passages."""

    def __init__(self, settings: Settings) -> None:
        main, *others = settings.spaces
        self.embedder: Embedder = load_embedder(main.model)
        self.main_languages = model_languages(main.model)
        # The spaces beyond the main one (kb.spaces), each with its model.
        self.others: tuple[tuple[SpaceSpec, Embedder], ...] = tuple((s, load_embedder(s.model)) for s in others)
        taxonomy = load_taxonomy(settings.taxonomy or None)
        goals = load_goals()
        every = self.main_languages is None
        self.tagger = Tagger(taxonomy, default_gazetteer(), approach_prototypes(taxonomy, self.embedder),
                             goals=Themes(goals, approach_prototypes(goals, self.embedder), every_language=every),
                             every_language=every)
        self.embedded = 0
        # Passages embedded in each space beyond the main one, by the space's name, and the seconds they took
        # together (the report's name from when the only other space was the multilingual one).
        self.embedded_spaces: dict[str, int] = {spec.name: 0 for spec, _ in self.others}
        self.multilingual_seconds = 0.0

    @staticmethod
    def _vectors(wanted: dict[str, str], embedder: Embedder, known_vectors: KnownVectors | None
                 ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors of texts by hash: the known ones looked up, the rest encoded in one call; and how many were."""
        known = known_vectors(list(wanted), embedder.name) if known_vectors and wanted else {}
        missing = {key: text for key, text in wanted.items() if key not in known}
        if missing:
            known = {**known, **dict(zip(missing, embedder.encode(list(missing.values()))))}
        return known, len(missing)

    def embed(self, segs: list[Segmented], known_vectors: KnownVectors | None = None) -> list[np.ndarray]:
        """Vectors of each document's passages, known ones reused and the rest encoded in one call."""
        inputs = [seg.embedding_inputs() for seg in segs]
        keys = [[text_hash(t) for t in texts] for texts in inputs]
        wanted = {key: text for ks, texts in zip(keys, inputs) for key, text in zip(ks, texts)}
        known, encoded = self._vectors(wanted, self.embedder, known_vectors)
        self.embedded += encoded
        out = []
        for ks in keys:
            vectors = np.zeros((len(ks), self.embedder.dim), dtype=np.float32)
            for i, key in enumerate(ks):
                vectors[i] = known[key]
            out.append(vectors)
        return out

    def embed_others(self, segs: list[Segmented], known_vectors: KnownVectors | None = None
                     ) -> list[dict[str, dict[str, np.ndarray]]]:
        """Each document's vectors in the spaces beyond the main one: by model name, then passage-text hash, of
        the passages each space reads. Vectors are kept under their model's name: a model change mixes none."""
        out: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in segs]
        for spec, embedder in self.others:
            wanted = [{text_hash(t): t for c, t in zip(seg.chunks, seg.embedding_inputs())
                       if spec.reads(c.language, self.main_languages)} for seg in segs]
            started = time.monotonic()
            known, encoded = self._vectors({k: t for w in wanted for k, t in w.items()}, embedder, known_vectors)
            if encoded:
                self.multilingual_seconds += time.monotonic() - started
            self.embedded_spaces[spec.name] += encoded
            for by_model, w in zip(out, wanted):
                by_model[embedder.name] = {key: known[key] for key in w}
        return out

    def process(self, batch: list[tuple[str, Segmented]], known: KnownVectors | None = None) -> list[Processed]:
        """The embed and tag stage: documents embedded together (fuller model batches), then tagged one by one."""
        segs = [seg for _, seg in batch]
        out = []
        for (source, seg), vectors, others in zip(batch, self.embed(segs, known), self.embed_others(segs, known)):
            tagged = self.tagger.tag(seg, vectors)
            out.append(Processed(source, seg, vectors, tagged, tuple(case_facets(seg, tagged)), others))
        return out

    def __call__(self, seg: Segmented, known_vectors: KnownVectors | None = None) -> tuple[np.ndarray, Tagged]:
        """Vectors of the document's passages (known ones reused) and its tags."""
        vectors = self.embed([seg], known_vectors)[0]
        return vectors, self.tagger.tag(seg, vectors)

    def tag_text(self, text: str, settings: Settings, source: str = "text.txt") -> tuple[Tag, ...]:
        """The tags of a piece of text read as a one-page plain-text document (a snippet, a pasted paragraph)."""
        raw = RawDocument(source=source, format="txt", pages=(text,))
        seg = prepare(raw, text_hash(text), settings)
        return self(seg)[1].document


def tag_files(
    target: str | Path, settings: Settings
) -> Iterator[tuple[str, Segmented | None, Tagged | None, str | None]]:
    """(source, document, tags, error) for a file, or for every file of a folder, without an index."""
    path = Path(target)
    if path.is_dir():
        files, skipped = walk_corpus(path, settings)
    elif path.is_file():
        if format_of(path):
            files, skipped = [(path, path.name)], []
        else:
            files, skipped = [], [(path.name, f"unknown format {path.suffix!r}")]
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
