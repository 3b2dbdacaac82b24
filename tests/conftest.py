"""Shared fixtures: paths to the seed and shared corpora, and the seeds prepared once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import Settings
from kb.ingest import read_file
from kb.models import Segmented
from kb.prepare import content_hash, prepare

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "seeds"
SHARED = ROOT.parent / "shared" / "corpus"
WHITE_PAPER = "001_eefbb86231c6afad.txt"
NEWS_2014 = "004_673e62b93ed6cece.txt"
# One space on the deterministic test embedder through the real model lookup: no model is loaded.
HASH_ONLY = Settings(model="hash-64", multilingual_model="", crosslingual_model="")


def hits_of(index: Path, query: str, k: int = 5, settings: Settings | None = None, **options):
    """The hits of one search of an index (default settings: the real models), the searcher closed after."""
    from kb.search import Searcher

    s = Searcher(index, settings or Settings())
    try:
        return s.search(query, k=k, **options).hits
    finally:
        s.close()


def first_hit(index: Path, query: str, k: int = 5):
    """The best hit of a query on an index, with the default settings (real models)."""
    return hits_of(index, query, k)[0]


def index_of(tmp_path: Path, files: dict[str, str], settings: Settings | None = None) -> Path:
    """An index built by the real pipeline from a corpus of the given files (name -> text) under tmp_path."""
    from kb.pipeline import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    ingest(corpus, tmp_path / "index", settings or Settings())
    return tmp_path / "index"


def prepare_path(path: Path, source: str | None = None, settings: Settings | None = None) -> Segmented:
    """Read, clean and segment one file as the pipeline does."""
    settings = settings or Settings()
    raw, data = read_file(path, source or path.name, settings)
    return prepare(raw, content_hash(data), settings)


@pytest.fixture(scope="session")
def seeds() -> dict[str, Segmented]:
    """The five seed documents, prepared."""
    return {p.name: prepare_path(p, f"seeds/{p.name}") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared development corpus, which CI places beside the repository."""
    assert SHARED.is_dir(), f"{SHARED} is missing: the shared corpus must sit beside the repository"
    return SHARED


@pytest.fixture(scope="session")
def dhs(shared) -> Segmented:
    """The Ghana DHS report (530 pages), prepared once: several tests read it."""
    return prepare_path(shared / "dhs-ghana" / "Ghana_DHS_2014_FR307.pdf")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of corpus/ built once with the real model, for tests that need real meaning."""
    from kb.pipeline import ingest

    path = tmp_path_factory.mktemp("seeds") / "index"
    ingest(ROOT / "corpus", path, Settings())
    return path
