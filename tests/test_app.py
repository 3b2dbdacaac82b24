"""The Streamlit app driven with AppTest on a real index of corpus/: what each kind of user sees."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.collections import Collections
from kb.compare import compare
from kb.config import Settings
from kb.export import citation
from kb.indexdir import open_store
from kb.pipeline import ingest
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture()
def index(seed_index, tmp_path, monkeypatch) -> Path:
    """A private copy of the seed index (collections are written beside it), served by the app."""
    path = tmp_path / "index"
    shutil.copytree(seed_index, path)
    monkeypatch.setenv("KB_INDEX_DIR", str(path))
    return path


def _app(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def _plain(markdown: str) -> str:
    """Markdown with its backslash escapes taken out: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _shown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _case_of(at: AppTest, rank: int) -> str:
    return next(b.key for b in at.button if b.key.startswith(f"openhit{rank}-")).split("-", 1)[1]


def test_missing_index_explains_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "none"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "index folder not found" in at.warning[0].value
    assert "kb ingest corpus --index index" in at.markdown[0].value


def test_search_from_a_url_shows_cards_with_highlights_reasons_and_facet_counts(index):
    at = _app(q="microcredit for women")
    assert not at.exception
    assert at.text_input(key="q").value == "microcredit for women"
    shown = _shown(at)
    assert "**women**" in shown and "**microcredit**" in shown
    assert any(_plain(c.value).startswith("Why: close in meaning (#1 by meaning) and shares:") for c in at.caption)
    assert any("seeds/001_eefbb86231c6afad.txt" in _plain(c.value) for c in at.caption)
    assert "🇨🇳 CHN" in shown and ":blue-badge[Finance and microcredit]" in shown
    approach = at.multiselect(key="approach")
    counts = {o.rsplit(" · ", 1)[0]: int(o.rsplit(" · ", 1)[1]) for o in approach.options}
    assert counts["Finance and microcredit"] > 0 and counts["Tourism"] >= 0
    assert len([b for b in at.button if b.key.startswith("openhit")]) == 10
    at.button(key="more").click().run()
    assert len([b for b in at.button if b.key.startswith("openhit")]) == 20


def test_a_filter_narrows_the_results_and_goes_into_the_url(index):
    at = _app(q="tourism villages")
    at.multiselect(key="approach").select("tourism").run()
    assert not at.exception
    chips = [m.value for m in at.markdown if ":blue-badge[" in m.value]
    assert chips and all(":blue-badge[Tourism]" in c for c in chips)
    assert at.query_params == {"view": "search", "q": "tourism villages", "approach": "tourism"}
    # The approach sidebar still counts every approach as without its filter: what choosing one would add.
    counts = lambda app: {o.rsplit(" · ", 1)[0]: int(o.rsplit(" · ", 1)[1])  # noqa: E731
                          for o in app.multiselect(key="approach").options}
    assert counts(at) == counts(_app(q="tourism villages")) and counts(at)["Tourism"] > 0
    # The same URL opened later shows the same filtered search.
    again = _app(q="tourism villages", approach="tourism")
    assert [m.value for m in again.markdown if m.value.startswith("**")] == \
        [m.value for m in at.markdown if m.value.startswith("**")]


def test_no_results_says_which_filter_removed_them(index):
    at = _app(q="microcredit", mode="keyword", country="BRA")
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("No case matches this search with these filters.")
    assert "without the country filter:" in warning
    at.button(key="clear-empty").click().run()
    assert at.multiselect(key="country").value == []
    assert any(b.key.startswith("openhit1-") for b in at.button)


def test_open_a_case_with_tags_evidence_passages_neighbours_and_more_like_this(index):
    at = _app(q="relocate poor households from inhospitable areas")
    case_id = _case_of(at, 1)
    at.button(key=f"openhit1-{case_id}").click().run()
    assert not at.exception
    assert at.radio(key="view").value == "case" and at.query_params["case"] == case_id
    store = open_store(index)
    case = store.case(case_id)
    tags = [t for t in (store.tags(case.doc_id, case_id) or store.tags(case.doc_id)) if t.kind != "region"]
    siblings = [c.case_id for c in store.cases(doc_id=case.doc_id)]
    store.close()
    assert _plain(_shown(at)).startswith(f"## {case.title}")
    labels = [e.label for e in at.expander]
    assert len(labels) == len(tags) and any(t.kind == "approach" for t in tags)
    for tag, label in zip(tags, labels):
        assert label.startswith(f"{tag.kind}: ") and f"· confidence {tag.confidence:.2f}" in label
    assert any(label.startswith("country: China · confidence") and "· focus ·" in label for label in labels)
    assert any(m.value.startswith("> ") and "**" in m.value for m in at.markdown)  # evidence, highlighted
    assert [s.value for s in at.success]  # the passage that matched the search is marked
    keys = {b.key for b in at.button}
    position = siblings.index(case_id)
    assert ("prev" in keys) == (position > 0) and ("next" in keys) == (position + 1 < len(siblings))
    more = [b for b in at.button if b.key.startswith("mlt-")]
    assert len(more) == 5 and all(b.key != f"mlt-{case_id}" for b in more)
    more[0].click().run()
    assert at.query_params["case"] == more[0].key.removeprefix("mlt-")


def test_compare_two_results_side_by_side_with_figures_and_a_table(index):
    at = _app(q="poverty alleviation funds invested in roads and drinking water")
    first, second = _case_of(at, 1), _case_of(at, 2)
    at.button(key=f"cmphit1-{first}").click().run()
    at.button(key=f"cmphit2-{second}").click().run()
    assert at.session_state["cmp"] == [first, second]
    at.radio(key="view").set_value("compare").run()
    assert not at.exception
    store = open_store(index)
    expected = compare(store, [first, second])
    store.close()
    shown = _plain(_shown(at))
    figures = [f for p in expected.profiles for f in p.figures]
    assert figures and all(f"- **{f.value}**: {f.sentence}" in shown for f in figures)
    assert shown.count("Only this case has:") == 2
    assert any(c.value.startswith("similarity ") for c in at.caption)
    table = at.dataframe[0].value
    assert list(table.iloc[0])[1:] == [first, second]  # the "Case id" row
    assert {b.label for b in at.get("download_button")} >= {"Download the table (CSV)",
                                                             "Download the table (Markdown)"}
    assert at.query_params["cmp"] == [first, second]


def test_collect_cases_reorder_note_and_export(index):
    at = _app(q="women entrepreneurs e-commerce")
    first, second = _case_of(at, 1), _case_of(at, 2)
    at.button(key=f"colhit1-{first}").click().run()
    assert "Added to the collection “My collection”." in [i.value for i in at.info]
    at.button(key=f"colhit2-{second}").click().run()
    at.radio(key="view").set_value("collections").run()
    assert not at.exception
    at.button(key=f"down-{first}").click().run()
    coll = Collections(index)
    cid = next(iter(coll.names()))
    assert [i.excerpt.case_id for i in coll.get(cid).items] == [second, first]
    at.text_area(key=f"note-{cid}-{first}").input("Ask the group what made it last").run()
    assert coll.get(cid).items[1].note == "Ask the group what made it last"
    captions = [_plain(c.value) for c in at.caption]
    assert all(citation(item.excerpt) in captions for item in coll.get(cid).items)
    assert {b.label for b in at.get("download_button")} == {"Course pack (Markdown)", "Course pack (DOCX)"}
    # Kept across restarts: a new session of the app shows the same collection in the same order.
    again = _app(view="collections")
    titles = [m.value for m in again.markdown if m.value.startswith("**1. ") or m.value.startswith("**2. ")]
    assert len(titles) == 2 and titles[0].startswith("**1. ")


def test_analyst_view_counts_charts_and_downloads(index):
    at = _app(view="analyst")
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # heatmap, years, world map
    assert any('"geoshape"' in c.proto.spec for c in charts)
    store = open_store(index)
    total = store.stats()["cases"]
    store.close()
    assert [b.label for b in at.get("download_button")] == [f"Download these {total} cases (CSV)"]
    at.multiselect(key="approach").select("tourism").run()
    label = at.get("download_button")[0].label
    assert label != f"Download these {total} cases (CSV)" and label.startswith("Download these ")


def test_upload_adds_a_document_and_names_a_bad_one(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "seeds", corpus / "seeds")
    ingest(corpus, tmp_path / "index", Settings())
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    at = _app(view="upload")
    assert "at most 50 MB" in at.markdown[0].value
    at.file_uploader(key="uploads").set_value([
        ("Tea tourism in Rwanda.md", b"# Tea tourism in Rwanda\n\nHomestays on tea estates bring visitors and "
                                     b"income to farming households near Nyungwe forest.\n", "text/markdown"),
        ("scan.pdf", b"%PDF-1.4 broken", "application/pdf"),
    ]).run()
    at.button(key="ingest").click().run()
    assert not at.exception
    assert "Added 1 file(s): uploads/Tea tourism in Rwanda\\.md" in at.success[0].value
    assert at.error[0].value.startswith("uploads/scan\\.pdf could not be read:")
    store = open_store(tmp_path / "index")
    assert store.stats()["documents"] == 6
    store.close()


def test_document_text_is_escaped_not_rendered(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Title\n\nA passage with <script>alert(1)</script> and **bold** and "
                                 "[link](javascript:alert(2)) inside it, long enough to stand.\n")
    ingest(corpus, tmp_path / "index", Settings())
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    at = _app(view="library")
    shown = _shown(at)
    assert "\\<script\\>" in shown and "<script>" not in shown
    assert "\\[link\\]\\(javascript\\:alert\\(2\\)\\)" in shown
