"""The ingest pipeline: mirroring a folder, incremental updates, bad files, crash safety."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kb
import kb.enrich as enrich
from kb.config import Settings
from kb.errors import IndexBusyError, IndexMissingError
from kb.fingerprint import code_digest, data_digest, fingerprint, shaping_sources
from kb.indexdir import open_store
from kb.pipeline import ingest
from tests.conftest import NEWS_2014, SEEDS, WHITE_PAPER


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "seeds").mkdir(parents=True)
    for name in (WHITE_PAPER, NEWS_2014, "003_8a17e8b8a99fa2f2.txt"):
        shutil.copy(SEEDS / name, root / "seeds" / name)
    (root / "notes.md").write_text(
        "# Savings groups in Zambia\n\nVillage savings groups let members borrow small sums at low interest, "
        "and the mobile app keeps the ledger that the group secretary used to keep on paper.\n", encoding="utf-8")
    (root / "README.md").write_text("not a document", encoding="utf-8")
    return root


def _snapshot(index: Path) -> dict:
    store = open_store(index)
    try:
        return {"stats": store.stats(), "docs": store.documents(),
                "chunks": [(c.case_id, c.text) for _, c in store.chunks()]}
    finally:
        store.close()


def test_first_ingest_then_unchanged_rerun_writes_nothing(corpus, tmp_path):
    index = tmp_path / "index"
    report = ingest(corpus, index, Settings())
    assert sorted(report.added) == sorted(
        ["notes.md", f"seeds/{NEWS_2014}", "seeds/003_8a17e8b8a99fa2f2.txt", f"seeds/{WHITE_PAPER}"])
    assert report.skipped == () and report.documents == 4 and report.cases > 25
    assert (index / "manifest.json").is_file()
    before = (index / "kb.sqlite").stat()
    again = ingest(corpus, index, Settings())
    assert not again.changed and again.unchanged == 4
    after = (index / "kb.sqlite").stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_changed_removed_and_new_files_mirrored(corpus, tmp_path):
    index = tmp_path / "index"
    ingest(corpus, index, Settings())
    (corpus / "notes.md").write_text("# Savings groups\n\nNow about insurance for smallholder farmers "
                                     "against drought, sold through the savings groups.\n", encoding="utf-8")
    (corpus / "seeds" / NEWS_2014).unlink()
    (corpus / "new.txt").write_text("Rural roads connected 200 villages to the county market in 2019.\n")
    report = ingest(corpus, index, Settings())
    assert report.updated == ("notes.md",) and report.removed == (f"seeds/{NEWS_2014}",)
    assert report.added == ("new.txt",)
    snap = _snapshot(index)
    sources = {d["source"] for d in snap["docs"]}
    assert sources == {"notes.md", "new.txt", f"seeds/{WHITE_PAPER}", "seeds/003_8a17e8b8a99fa2f2.txt"}
    assert any("insurance for smallholder" in text for _, text in snap["chunks"])
    assert not any("village savings groups let members" in text.lower() for _, text in snap["chunks"])


def test_bad_files_skipped_with_reasons_rest_ingested(corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 50)
    (corpus / "fake.pdf").write_bytes(b"just text pretending")
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n")
    (corpus / "table.csv").write_text("id,amount\n1,20\n")
    index = tmp_path / "index"
    report = ingest(corpus, index, Settings())
    reasons = dict(report.skipped)
    assert reasons == {
        "binary.txt": "binary data, not text",
        "empty.txt": "empty file",
        "fake.pdf": "not a PDF file (no %PDF header)",
        "image.png": "unknown format '.png'",
        "table.csv": "no text column: looked for text, description, summary, abstract, content, body, "
                     "project development objective, development objective, objective; found id, amount",
    }
    assert report.documents == 4
    store = open_store(index)
    assert sorted(store.skipped()) == sorted(report.skipped)
    store.close()


def test_crash_during_update_leaves_previous_index_whole(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    ingest(corpus, index, Settings())
    before = _snapshot(index)
    (corpus / "notes.md").write_text("# Changed\n\nA new text about cash transfers to mothers.\n")
    (corpus / "other.md").write_text("# Other\n\nWomen's cooperatives process shea butter for export.\n")
    calls = {"n": 0}
    real_prepare = enrich.prepare  # the read stage's, which both engines call

    def crash(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as Ctrl-C in the middle of the update
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(enrich, "prepare", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(corpus, index, Settings())
    assert _snapshot(index) == before
    monkeypatch.setattr(enrich, "prepare", real_prepare)
    report = ingest(corpus, index, Settings())
    assert report.updated == ("notes.md",) and report.added == ("other.md",)
    assert not list(index.glob(".staging-*"))


def test_settings_change_reprocesses_everything(corpus, tmp_path):
    index = tmp_path / "index"
    first = ingest(corpus, index, Settings())
    second = ingest(corpus, index, Settings(chunk_tokens=90, max_chunk_tokens=120))
    assert len(second.updated) == 4 and not second.added and second.passages > first.passages


def test_second_ingest_on_a_locked_index_fails_clearly(corpus, tmp_path):
    import fcntl

    index = tmp_path / "index"
    index.mkdir()
    with open(index / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(IndexBusyError, match="another ingest is running"):
            ingest(corpus, index, Settings())


def test_symlink_loop_and_missing_index(corpus, tmp_path):
    os.symlink(corpus, corpus / "loop")
    report = ingest(corpus, tmp_path / "index", Settings())
    assert ("loop", "folder already visited (symlink loop?)") in report.skipped
    assert report.documents == 4
    with pytest.raises(IndexMissingError, match="nowhere"):
        open_store(tmp_path / "nowhere")


def test_a_comment_docstring_or_layout_change_in_shaping_code_or_rules_needs_no_reprocessing(tmp_path):
    # The fingerprint reads the code and rules that shape stored data by what they do: upgrading across a
    # release that only re-words a comment or a measured reason must not cost every user a full re-process.
    code = 'def cut(text):\n    """Split."""\n    # why: measured\n    return text.split(".")\n'
    reworded = 'def cut(text):\n    """Split at full stops (measured)."""\n\n    return text.split(".")  # new note\n'
    changed = 'def cut(text):\n    """Split."""\n    return text.split(";")\n'
    assert code_digest(code) == code_digest(reworded) != code_digest(changed)
    rules = tmp_path / "rules.toml", tmp_path / "reworded.toml", tmp_path / "changed.toml"
    rules[0].write_text('# the weight, measured\n[tag]\nweight = 0.5\n', encoding="utf-8")
    rules[1].write_text('[tag]\nweight = 0.5  # measured on both halves\n', encoding="utf-8")
    rules[2].write_text('[tag]\nweight = 0.6\n', encoding="utf-8")
    assert data_digest(rules[0]) == data_digest(rules[1]) != data_digest(rules[2])
    # Every shaping module and rule file is read, so a real change anywhere still re-processes.
    sources = {path.name for path in shaping_sources(Path(kb.__file__).parent)}
    assert {"enrich.py", "segment.py", "tag.py", "clean.py", "store.py"} <= sources
    assert fingerprint(Settings()) == fingerprint(Settings()) != fingerprint(Settings(chunk_tokens=120))
