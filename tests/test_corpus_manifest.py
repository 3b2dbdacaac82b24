"""A corpus given as a manifest file: paths and URIs one per line, read where they live, kept incremental."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kb.errors import KBError
from kb.indexdir import open_store
from kb.pipeline import ingest
from kb.uploads import corpus_of
from tests.conftest import HASH_ONLY, SEEDS, WHITE_PAPER

POST = "undp-acclabs-blogs/accelerating_poverty_reduction.md"
PAPER = "chinaxiv-poverty-zh/ChinaXiv-201710.00032V1.md"


@pytest.fixture
def listed(tmp_path: Path, shared: Path) -> tuple[Path, Path, str]:
    """A manifest naming the seeds folder, one seed again, a post by absolute path, a paper by file:// URI,
    a missing file and a scheme pyarrow does not read."""
    shutil.copytree(SEEDS, tmp_path / "corpus" / "seeds")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    post, paper = elsewhere / "post.md", elsewhere / "paper.md"
    shutil.copy(shared / POST, post)
    shutil.copy(shared / PAPER, paper)
    uri = paper.as_uri()
    manifest = tmp_path / "corpus.list"
    manifest.write_text("\n".join([
        "# the seeds, a post kept elsewhere, a paper on 'remote' storage",
        "corpus/seeds",
        f"corpus/seeds/{WHITE_PAPER}",
        str(post),
        "",
        uri,
        "corpus/missing.txt",
        "nosuch://bucket/case.md",
    ]) + "\n", encoding="utf-8")
    return manifest, post, uri


def test_a_manifest_corpus_reads_paths_and_uris_and_names_what_it_cannot(listed, tmp_path):
    manifest, post, uri = listed
    index = tmp_path / "index"
    report = ingest(manifest, index, HASH_ONLY)
    seeds = [f"corpus/seeds/{p.name}" for p in SEEDS.glob("*.txt")]
    assert sorted(report.added) == sorted([*seeds, str(post), uri])  # the seed listed twice is read once
    reasons = dict(report.skipped)
    assert reasons["corpus/missing.txt"] == "corpus.list line 7: no such file or folder"
    assert "nosuch://bucket/case.md" in reasons and "pyarrow reads no such location" in reasons["nosuch://bucket/case.md"]
    store = open_store(index)
    try:
        paper = next(d for d in store.documents() if d["source"] == uri)
    finally:
        store.close()
    assert paper["language"] == "zh" and paper["title"]
    assert json.loads((index / "manifest.json").read_text())["corpus"] == str(manifest.resolve())
    with pytest.raises(KBError, match="add the file's path to the manifest"):
        corpus_of(index)  # an upload has no folder to go to


def test_a_manifest_corpus_updates_only_what_changed(listed, tmp_path):
    manifest, post, uri = listed
    index = tmp_path / "index"
    first = ingest(manifest, index, HASH_ONLY)
    again = ingest(manifest, index, HASH_ONLY)
    assert not (again.added or again.updated or again.removed)
    assert again.unchanged == len(first.added)
    paper = Path(uri.removeprefix("file://"))
    paper.write_text(paper.read_text(encoding="utf-8") + "\n\n结论：搬迁群众在家门口就业。\n", encoding="utf-8")
    os.utime(paper, (paper.stat().st_atime, paper.stat().st_mtime + 5))
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(str(post) + "\n", ""), encoding="utf-8")
    third = ingest(manifest, index, HASH_ONLY)
    assert list(third.updated) == [uri] and list(third.removed) == [str(post)] and not third.added


def test_a_remote_file_is_asked_its_size_and_time_once_to_list_and_once_to_read(listed, tmp_path, monkeypatch):
    # Listing, hashing and sizing each asked the store again: three round trips per file before reading it.
    import kb.corpus

    asked: list[str] = []
    filesystem = kb.corpus._filesystem

    class Counted:
        def __init__(self, fs: object) -> None:
            self.fs = fs

        def get_file_info(self, path: str) -> object:
            asked.append(Path(path).as_uri())
            return self.fs.get_file_info(path)  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self.fs, name)

    def counted(uri: str) -> tuple[object, str]:
        fs, path = filesystem(uri)
        return Counted(fs), path

    monkeypatch.setattr(kb.corpus, "_filesystem", counted)
    manifest, _, uri = listed
    ingest(manifest, tmp_path / "index", HASH_ONLY)
    assert asked.count(uri) == 2  # listed once; read once more, so a change made meanwhile is seen
    asked.clear()
    ingest(manifest, tmp_path / "index", HASH_ONLY)  # unchanged: listed, not read
    assert asked.count(uri) == 1
