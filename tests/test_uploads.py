"""Uploads: names made safe, type and size refused on the server, files ingested into the index's corpus."""

from __future__ import annotations

import json
import shutil

import pytest

from kb.config import Settings
from kb.errors import IndexMissingError
from kb.indexdir import open_store
from kb.pipeline import ingest
from kb.uploads import add_files, corpus_of, safe_name, save_uploads


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("/abs/path/report.PDF", "report.pdf"),
    ("a b 'quoted' \"x\".txt", "a b _quoted_ _x_.txt"),
    ("informe de políticas.docx", "informe de políticas.docx"),
    ("..", "upload"),
    ("$(rm -rf ~).md", "_rm -rf _.md"),
])
def test_safe_name_keeps_files_inside_their_folder(name, safe):
    assert safe_name(name) == safe


def test_save_uploads_refuses_bad_types_sizes_and_writes_nothing_outside(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = save_uploads([("../../evil.txt", b"Title\n\nText."), ("tool.exe", b"MZ"), ("empty.txt", b""),
                           ("big.txt", b"x" * (2 * 1024 * 1024))], corpus, max_mb=1)
    assert result.saved == ("uploads/evil.txt",)
    assert dict(result.refused) == {
        "tool.exe": "type .exe is not read; use one of .csv, .docx, .htm, .html, .json, .jsonl, .markdown, "
                    ".md, .ndjson, .pdf, .text, .txt",
        "empty.txt": "the file is empty",
        "big.txt": "2.0 MB is over the 1 MB limit",
    }
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == \
        ["corpus/uploads/evil.txt"]


def test_add_files_ingests_into_the_manifest_corpus_and_names_unreadable_files(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree("corpus/seeds", corpus / "seeds")
    index = tmp_path / "index"
    ingest(corpus, index, Settings(model="hash-64"))
    good = b"Rural savings groups in Malawi\n\nVillage savings and loan associations let women save and borrow.\n"
    result, report = add_files(index, [("savings groups.md", good), ("broken.pdf", b"%PDF-1.4 not really")],
                               Settings(model="hash-64"))
    assert result.saved == ("uploads/savings groups.md", "uploads/broken.pdf")
    assert report is not None and report.added == ("uploads/savings groups.md",)
    assert [s for s, _ in report.skipped] == ["uploads/broken.pdf"]
    store = open_store(index)
    try:
        assert store.stats()["documents"] == 6  # the five seeds are all still there
        assert any(d["title"] == "Rural savings groups in Malawi" for d in store.documents())
    finally:
        store.close()


def test_corpus_of_says_when_the_corpus_is_unknown(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"corpus": str(tmp_path / "gone")}))
    with pytest.raises(IndexMissingError, match="corpus folder .*gone is gone"):
        corpus_of(tmp_path)
    with pytest.raises(IndexMissingError, match="manifest.json"):
        corpus_of(tmp_path / "nowhere")
