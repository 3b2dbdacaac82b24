"""Reading ahead in a child process: the same documents as reading here, and a reader that dies fails its file
alone."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import kb.pipeline
from kb.config import Settings
from kb.corpus import hash_location
from kb.enrich import Failed, read_stage
from kb.models import Segmented
from kb.pipeline import ingest
from kb.readahead import ReadAhead, read_here
from tests.conftest import HASH_ONLY, SEEDS

DIES_ON = "003"


def dying_stage(location: str, source: str, digest: str, settings: Settings) -> Segmented | Failed:
    """The read stage, except that the process reading the file named DIES_ON ends at once, as a crash would."""
    if source.startswith(DIES_ON):
        os._exit(3)
    return read_stage(location, source, digest, settings)


def _todo() -> list[tuple[str, str, str]]:
    return [(str(p), p.name, hash_location(str(p))) for p in sorted(SEEDS.iterdir()) if p.suffix != ".md"]


def test_reading_ahead_in_a_child_process_reads_what_reading_here_does():
    todo = _todo()
    with ReadAhead(todo, HASH_ONLY) as reads:
        ahead = list(reads)
    assert ahead == list(read_here(todo, HASH_ONLY))
    assert all(isinstance(seg, Segmented) for seg in ahead) and len(ahead) == len(todo)


def test_a_reader_that_dies_fails_the_file_it_was_reading_and_the_rest_are_read_here():
    todo = _todo()
    assert any(source.startswith(DIES_ON) for _, source, _ in todo)
    with ReadAhead(todo, HASH_ONLY, stage=dying_stage) as reads:
        outcomes = list(reads)
    assert len(outcomes) == len(todo)
    for (_, source, _), outcome in zip(todo, outcomes):
        if source.startswith(DIES_ON):
            assert isinstance(outcome, Failed) and outcome.source == source and not outcome.drop
            assert "reader process stopped" in outcome.reason
        else:
            assert isinstance(outcome, Segmented) and outcome.document.source == source


def _rows(index: Path) -> list[tuple]:
    db = sqlite3.connect(f"file:{index / 'kb.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT doc_id, ordinal, text, kind, section FROM chunks ORDER BY doc_id, ordinal").fetchall()
    finally:
        db.close()


def test_an_ingest_that_reads_ahead_stores_what_one_that_reads_here_does(tmp_path, monkeypatch):
    here = ingest(SEEDS, tmp_path / "here", HASH_ONLY)
    monkeypatch.setattr(kb.pipeline, "READ_AHEAD_BYTES", 0)  # the seeds are smaller than a job read ahead
    ahead = ingest(SEEDS, tmp_path / "ahead", HASH_ONLY)
    assert (ahead.documents, ahead.passages, ahead.skipped) == (here.documents, here.passages, here.skipped)
    assert _rows(tmp_path / "ahead") == _rows(tmp_path / "here") != []


@pytest.mark.parametrize("files", [0, 1])
def test_a_job_of_no_or_one_file_is_read_here(files, tmp_path, monkeypatch):
    monkeypatch.setattr(kb.pipeline, "READ_AHEAD_BYTES", 0)
    monkeypatch.setattr(kb.pipeline, "ReadAhead", None)  # calling it would fail the test
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in sorted(SEEDS.iterdir())[:files]:
        (corpus / p.name).write_bytes(p.read_bytes())
    assert ingest(corpus, tmp_path / "index", HASH_ONLY).documents == files
