"""The Streamlit app's first page, driven with AppTest on a real index of corpus/."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.config import Settings
from kb.pipeline import ingest, open_store
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def index(seed_index) -> Path:
    return seed_index


def test_lists_documents_and_shows_a_case(index, monkeypatch):
    monkeypatch.setenv("KB_INDEX_DIR", str(index))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    store = open_store(index)
    stats = store.stats()
    store.close()
    assert [m.value for m in at.metric] == [str(stats["documents"]), str(stats["cases"]), str(stats["passages"])]
    assert stats["documents"] == 5
    doc_box = at.selectbox(key="doc")
    paper = next(o for o in doc_box.options if "China’s practice of human poverty reduction" in o)
    doc_box.select_index(doc_box.options.index(paper)).run()
    case_box = at.selectbox(key="case")
    option = next(o for o in case_box.options if "(1) Accurate identification" in o)
    case_box.select_index(case_box.options.index(option)).run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "Poverty alleviation must first recognize poverty" in shown
    assert any("3\\. Implement targeted poverty alleviation strategy" in c.value or
               "3. Implement targeted poverty alleviation strategy" in c.value for c in at.caption)


def test_missing_index_explains_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "none"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "index folder not found" in at.warning[0].value
    assert "kb ingest corpus --index index" in at.markdown[0].value


def test_document_text_is_escaped_not_rendered(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Title\n\nA passage with <script>alert(1)</script> and **bold** and "
                                 "[link](javascript:alert(2)) inside it, long enough to stand.\n")
    ingest(corpus, tmp_path / "index", Settings())
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "\\<script\\>" in shown and "<script>" not in shown
