"""The Streamlit app driven with AppTest on a real index of corpus/: what each kind of user sees."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from kb.analysis import count
from kb.collections import Collections
from kb.compare import compare
from kb.config import Settings
from kb.export import citation
from kb.gazetteer import country_name
from kb.indexdir import open_store
from kb.library import Library
from kb.models import TAG_SOURCES, Filters
from kb.pipeline import ingest
from kb.search import Searcher
from kb.taxonomy import goal_number
from tests.conftest import ROOT, index_of
from views.labels import approach_labels, more_from_document

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


def _app_over(tmp_path: Path, monkeypatch, files: dict[str, str], **params: str) -> AppTest:
    """The app over an index of the given files, opened with the given URL parameters."""
    monkeypatch.setenv("KB_INDEX_DIR", str(index_of(tmp_path, files)))
    return _app(**params)


def _plain(markdown: str) -> str:
    """Markdown with its backslash escapes taken out: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _shown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _case_of(at: AppTest, rank: int) -> str:
    return next(b.key for b in at.button if (b.key or "").startswith(f"openhit{rank}-")).split("-", 1)[1]


def test_missing_index_explains_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "none"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "index folder not found" in at.warning[0].value
    assert "kb ingest corpus --index index" in at.markdown[0].value


def _counts(at: AppTest, facet: str) -> dict[str, int]:
    return {o.rsplit(" · ", 1)[0]: int(o.rsplit(" · ", 1)[1]) for o in at.multiselect(key=f"w_{facet}").options}


def _matches(at: AppTest) -> int:
    found = [re.match(r"([\d,]+) cases? match", c.value) for c in at.caption]
    return int(next(m for m in found if m).group(1).replace(",", ""))


def test_search_from_a_url_shows_cards_with_highlights_reasons_and_facet_counts(index):
    at = _app(q="microcredit for women")
    assert not at.exception
    assert at.text_input(key="w_q").value == "microcredit for women"
    shown = _shown(at)
    assert "**women**" in shown and "**microcredit**" in shown
    whys = [_plain(c.value) for c in at.caption if c.value.startswith("Why: ")]
    assert whys and all("rural, tourisme" not in w for w in whys)
    assert any("holds your words:" in w and "microcredit" in w for w in whys)
    assert any("seeds/001_eefbb86231c6afad.txt" in _plain(c.value) for c in at.caption)
    assert "🇨🇳 CHN" in shown and ":blue-badge[Finance and microcredit]" in shown
    assert any(":green-badge[strong match]" in m.value or ":gray-badge[good match]" in m.value for m in at.markdown)
    counts = _counts(at, "approach")
    assert counts["Finance and microcredit"] > 0 and counts["Tourism"] >= 0
    # A few cases per document; the rest of a document's are a click away, and the filter says so.
    opened = [b.key for b in at.button if (b.key or "").startswith("openhit")]
    more = next(b for b in at.button if (b.key or "").startswith("morefrom-"))
    n_more = int(more.label.split()[0])
    more.click().run()
    hits = [b.key for b in at.button if (b.key or "").startswith("openhit")]
    doc = more.key.removeprefix("morefrom-").rsplit("-", 1)[0]
    assert len(hits) > sum(1 for k in opened if doc in k) and all(doc in k for k in hits)
    assert len(hits) <= n_more + 3 and at.query_params["source"]
    at.button(key="all-documents").click().run()
    assert len([b for b in at.button if (b.key or "").startswith("openhit")]) == len(opened)


def test_one_number_everywhere_the_facet_count_is_the_result_count(index):
    """Issue 15: a facet said 39, choosing it showed 72 and a second filter 46: one number, one meaning."""
    at = _app(q="poverty alleviation through tourism")
    total = _matches(at)
    counts = _counts(at, "country")
    country, n = next((c, n) for c, n in counts.items() if n)
    code = country.rsplit("(", 1)[1].rstrip(")")
    at.multiselect(key="w_country").select(code).run()
    assert _matches(at) == n <= total
    # A second filter: the count beside it is again what the results say.
    label, m = next((a, m) for a, m in _counts(at, "approach").items() if m)
    approach = next(k for k, lab in approach_labels().items() if lab == label)
    at.multiselect(key="w_approach").select(approach).run()
    assert _matches(at) == m


def test_nonsense_says_nothing_matches_well_and_plural_forms(index):
    at = _app(q="xyzzyq plugh")
    assert not at.exception
    assert at.warning[0].value.startswith("Nothing matches “xyzzyq plugh” well")
    assert all(":orange-badge[weak match]" in m.value for m in at.markdown if m.value.startswith("**1. "))
    assert not any(re.search(r"\b1 cases\b", c.value) for c in at.caption)


def test_a_place_none_of_whose_cases_matches_is_said(index):
    # The seeds are about China: the matches for Peru's relocation are China's, and the page says so.
    at = _app(q="relocation of poor households in Peru")
    assert not at.exception
    assert [i.value for i in at.info] == ["No case about Peru matches what you asked well: the cases below are "
                                          "about other places."]
    assert not _app(q="relocation of poor households in China").info


def test_a_filter_narrows_the_results_and_goes_into_the_url(index):
    at = _app(q="tourism villages")
    at.multiselect(key="w_approach").select("tourism").run()
    assert not at.exception
    chips = [m.value for m in at.markdown if ":blue-badge[" in m.value]
    assert chips and all(":blue-badge[Tourism]" in c for c in chips)
    assert at.query_params == {"q": "tourism villages", "approach": "tourism"}
    # The approach sidebar still counts every approach as without its filter: what choosing one would add.
    assert _counts(at, "approach") == _counts(_app(q="tourism villages"), "approach")
    # The same URL opened later shows the same filtered search.
    again = _app(q="tourism villages", approach="tourism")
    assert [m.value for m in again.markdown if m.value.startswith("**")] == \
        [m.value for m in at.markdown if m.value.startswith("**")]


def test_the_search_survives_a_visit_to_a_case_and_to_the_analyst(index):
    """Issue 15: search, open a case, choose Search again: the query and filters were gone."""
    at = _app(q="tourism villages", approach="tourism")
    first = [m.value for m in at.markdown if m.value.startswith("**1. ")]
    case_id = _case_of(at, 1)
    at.button(key=f"openhit1-{case_id}").click().run()
    assert at.radio(key="w_view").value == "case" and at.query_params["case"] == case_id
    assert at.query_params["q"] == "tourism villages" and at.query_params["approach"] == "tourism"
    at.radio(key="w_view").set_value("analyst").run()
    assert not at.exception
    at.radio(key="w_view").set_value("search").run()
    assert at.text_input(key="w_q").value == "tourism villages"
    assert at.multiselect(key="w_approach").value == ["tourism"]
    assert [m.value for m in at.markdown if m.value.startswith("**1. ")] == first


def test_no_results_says_which_filter_removed_them(index):
    at = _app(q="microcredit", mode="keyword", country="BRA")
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("No case matches this search with these filters.")
    assert re.search(r"without the country filter: \d+ cases? match", warning)
    assert not re.search(r"\b1 cases\b", warning)
    at.button(key="clear-empty").click().run()
    assert at.multiselect(key="w_country").value == []
    assert any((b.key or "").startswith("openhit1-") for b in at.button)


def test_open_a_case_with_its_own_tags_evidence_passages_neighbours_and_more_like_this(index):
    at = _app(q="relocate poor households from inhospitable areas")
    case_id = _case_of(at, 1)
    chips = next(m.value for m in at.markdown if ":blue-badge[" in m.value or "🇨🇳" in m.value)
    at.button(key=f"openhit1-{case_id}").click().run()
    assert not at.exception
    store = open_store(index)
    case = store.case(case_id)
    tags = [t for t in store.tags(case.doc_id, case_id) if t.kind != "region"]
    facets = store.facets_of([case_id])[case_id]
    siblings = [c.case_id for c in store.cases(doc_id=case.doc_id)]
    store.close()
    assert _plain(_shown(at)).startswith(f"## {case.title}")
    labels = [e.label for e in at.expander if "confidence" in e.label]
    assert len(labels) == len(tags) and any(t.kind == "approach" for t in tags)
    assert all(label.endswith(tuple(TAG_SOURCES.values())) for label in labels), labels
    # The card's chips are the case page's tags: its approaches and the countries it is about.
    for approach in facets.get("approach", ()):
        label = approach_labels()[approach]
        assert label in chips and any(lab.startswith(label) for lab in labels)
    assert any(label.startswith("China · confidence") for label in labels)
    assert any(m.value.startswith("> ") and "**" in m.value for m in at.markdown)  # evidence, highlighted
    assert [s.value for s in at.success]  # the passage that matched the search is marked
    keys = {b.key for b in at.button}
    position = siblings.index(case_id)
    assert ("prev" in keys) == (position > 0) and ("next" in keys) == (position + 1 < len(siblings))
    more = [b for b in at.button if (b.key or "").startswith("mlt-")]
    assert len(more) == 5 and all(b.key != f"mlt-{case_id}" for b in more)
    # A case titled as its document says its title once: "The Case for Sabah · The Case for Sabah" before.
    rows = [m.value for m in at.markdown if m.value.startswith("**")]
    assert not any(re.match(r"\*\*(.+)\*\* · \1(?: |$)", row) for row in rows), rows
    more[0].click().run()
    assert at.query_params["case"] == more[0].key.removeprefix("mlt-")


def test_compare_two_results_side_by_side_with_figures_and_a_table(index):
    at = _app(q="poverty alleviation funds invested in roads and drinking water")
    first, second = _case_of(at, 1), _case_of(at, 2)
    at.button(key=f"cmphit1-{first}").click().run()
    at.button(key=f"cmphit2-{second}").click().run()
    assert at.session_state["cmp"] == [first, second]
    at.radio(key="w_view").set_value("compare").run()
    assert not at.exception
    store = open_store(index)
    expected = compare(store, [first, second])
    store.close()
    shown = _plain(_shown(at))
    figures = [f for p in expected.profiles for f in p.figures]
    # Each figure stands with its sentence; the values one sentence holds share its line.
    assert figures and all(f"**{f.value}" in shown or f" · {f.value}" in shown for f in figures)
    assert all(f"**: {f.sentence}" in shown for f in figures)
    assert shown.count("Only this case has:") == 2
    assert any(c.value.startswith("similarity ") for c in at.caption)
    table = at.dataframe[0].value
    assert list(table.iloc[0])[1:] == [first, second]  # the "Case id" row
    assert {b.label for b in at.get("download_button")} >= {"Download the table (CSV)",
                                                             "Download the table (Markdown)"}
    assert at.query_params["cmp"] == [first, second]


def test_collect_into_the_chosen_collection_note_and_make_the_pack(index):
    coll = Collections(index)
    coll.create("Module 1")
    module2 = coll.create("Module 2")
    at = _app(q="women entrepreneurs e-commerce")
    first, second = _case_of(at, 1), _case_of(at, 2)
    # The picker on the results chooses the collection; it is remembered for the next additions.
    at.selectbox(key="pick-search").set_value(module2).run()
    at.button(key=f"colhit1-{first}").click().run()
    assert "Added to the collection “Module 2”." in [i.value for i in at.info]
    at.button(key=f"colhit2-{second}").click().run()
    assert [i.excerpt.case_id for i in coll.get(module2).items] == [first, second]
    assert not coll.get(module2 - 1).items
    at.radio(key="w_view").set_value("collections").run()
    assert not at.exception and at.selectbox(key="w_collection").value == module2
    at.button(key=f"down-{first}").click().run()
    assert [i.excerpt.case_id for i in coll.get(module2).items] == [second, first]
    at.selectbox(key=f"content-{module2}-{first}").set_value("case").run()
    # A note typed and the pack made at once: the pack holds the note (it was lost when built before saving).
    at.text_area(key=f"note-{module2}-{first}").set_value("Ask the group what made it last")
    at.button(key="make-pack").click().run()
    assert coll.get(module2).items[1].note == "Ask the group what made it last"
    assert coll.get(module2).items[1].content == "case"
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"Course pack (Markdown)", "Course pack (DOCX)", "Handout to print (HTML)"}
    shown = _plain(_shown(at))
    assert "*Note:* Ask the group what made it last" in shown
    assert coll.get(module2).items[1].excerpt.case_text.split("\n")[0][:100] in shown
    captions = [_plain(c.value) for c in at.caption]
    assert all("Source: " + citation(item.excerpt) in captions for item in coll.get(module2).items)
    # Kept across restarts: a new session of the app shows the same collection in the same order.
    again = _app(view="collections")
    assert not again.exception


def test_read_only_and_passphrase(index, monkeypatch):
    monkeypatch.setenv("KB_READ_ONLY", "1")
    at = _app(q="women entrepreneurs e-commerce")
    assert not any((b.key or "").startswith("colhit") for b in at.button)
    assert "upload" not in at.radio(key="w_view").options
    monkeypatch.delenv("KB_READ_ONLY")
    monkeypatch.setenv("KB_EDIT_PASSPHRASE", "open sesame")
    at = _app(q="women entrepreneurs e-commerce")
    assert not any((b.key or "").startswith("colhit") for b in at.button)
    at.text_input(key="w_passphrase").input("wrong").run()
    assert not any((b.key or "").startswith("colhit") for b in at.button)
    at.text_input(key="w_passphrase").input("open sesame").run()
    assert any((b.key or "").startswith("colhit") for b in at.button)


def test_analyst_view_counts_charts_and_downloads(index):
    at = _app(view="analyst")
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4  # heatmap, goals, years, world map
    world = next(json.loads(c.proto.spec) for c in charts if '"geoshape"' in c.proto.spec)
    assert world["transform"][0]["default"] == "0"  # every country drawn, the empty ones grey
    store = open_store(index)
    total = store.stats()["cases"]
    counts = count(store, store.case_ids(Filters()))
    store.close()
    labels = [b.label for b in at.get("download_button")]
    assert labels[-1] == f"Download these {total} cases (CSV)" and labels.count("PNG") == 4 and labels.count("SVG") == 4
    goals = pa.ipc.open_stream(next(c for c in charts if '"goal:N"' in c.proto.spec or '"goal"' in c.proto.spec)
                               .proto.data.data).read_all().to_pylist()
    assert goals and {r["goal"].split(" ")[1]: r["cases"] for r in goals} == {
        g[3:]: n for g, n in counts.by_sdg.items()}
    heatmap = next(json.loads(c.proto.spec) for c in charts if '"rect"' in c.proto.spec)
    rows = pa.ipc.open_stream(next(c for c in charts if '"rect"' in c.proto.spec).proto.data.data).read_all()
    cells = {(r["approach"], r["country"]): r["cases"] for r in rows.to_pylist()}
    assert cells and heatmap["encoding"]["x"]["axis"]["labelLimit"] == 0
    # Colours on a log scale: one large cell no longer washes out the cells of 1 to 10 (walk: China x agriculture).
    assert heatmap["encoding"]["color"]["scale"]["type"] == "symlog"
    for (a, c), n in counts.by_approach_country.items():
        key = (approach_labels()[a], f"{country_name(c)} ({c})")
        assert cells.get(key, n) == n
    assert any(c.value.startswith("By the year of the record") and f"{counts.undated} case" in c.value
               for c in at.caption)
    # Each year's bar stands over its own tick: a bar from 2021 to 2022 read as 2022, or as two years (walk).
    years = next(c for c in charts if '"year"' in c.proto.spec)
    bars = pa.ipc.open_stream(years.proto.data.data).read_all().to_pylist()
    x = json.loads(years.proto.spec)["encoding"]["x"]
    assert x["field"] == "from" and all(isinstance(tick, int) for tick in x["axis"]["values"])
    # One year alone had lost its own label in the browser, its ticks on the scale's ends (walk).
    assert x["scale"]["domain"][0] < x["axis"]["values"][0] and x["axis"]["values"][-1] < x["scale"]["domain"][1]
    assert bars and all(r["from"] == r["year"] - 0.5 and r["until"] == r["year"] + 0.5 for r in bars)
    at.multiselect(key="w_approach").select("tourism").run()
    label = at.get("download_button")[-1].label
    assert label != f"Download these {total} cases (CSV)" and label.startswith("Download these ")
    # The sidebar counts what the page counts: each country what the page would count were it chosen (it had
    # counted the whole library: "China · 244" beside a headline of 26), the chosen approach its own total.
    store = open_store(index)
    tourism = count(store, store.case_ids(Filters(approach=("tourism",))))
    store.close()
    assert label == f"Download these {tourism.total} cases (CSV)" and tourism.by_country
    countries = at.multiselect(key="w_country").options
    for code, n in tourism.by_country.items():
        assert f"{country_name(code)} ({code}) · {n}" in countries, (code, n, countries)
    assert f"{approach_labels()['tourism']} · {tourism.total}" in at.multiselect(key="w_approach").options
    at.radio(key="w_unit").set_value("document").run()
    store = open_store(index)
    docs = count(store, store.case_ids(Filters(approach=("tourism",))), "document")
    store.close()
    noun = "document" if docs.total == 1 else "documents"
    assert at.get("download_button")[-1].label == f"Download these {docs.total} {noun} (CSV)"


def test_the_analysts_sidebar_counts_each_value_as_choosing_it_would(index):
    # A filter on any facet but the first had left its other values counted within the chosen one's cases.
    store = open_store(index)
    top, other = list(count(store, store.case_ids(Filters())).by_approach)[:2]
    chosen = count(store, store.case_ids(Filters(approach=(top,))))
    alone = count(store, store.case_ids(Filters(approach=(other,))))
    store.close()
    options = Library(index).option_counts(Filters(approach=(top,)), ["country", "approach", "language"])
    assert options["approach"][top] == chosen.total and options["approach"][other] == alone.total > 0
    assert options["country"] == chosen.by_country and sum(options["language"].values()) == chosen.total
    with pytest.raises(ValueError, match="'year'"):
        Library(index).option_counts(Filters(), ["year"])


def test_the_analysts_search_scope_keeps_the_sidebar_when_a_filter_is_unknown_and_says_when_nothing_matches(index):
    at = _app(view="analyst", q="tourism", scope="1", country="ZZZ")
    assert at.error and "ZZZ" in at.error[0].value
    assert any(b.key == "clear-filters" for b in at.button)  # the way out, as on the search page
    at = _app(view="analyst", q="xyzzyq plugh", scope="1")
    assert not at.exception and "No case matches “xyzzyq plugh” well" in at.warning[0].value


def test_the_analysts_search_scope_counts_the_cases_that_match_well_and_stays_in_the_url(index):
    # A top 100 had been counted, weak cards among them: 72 "cases" where the search page said 53 matched well.
    searcher = Searcher(index, Settings())
    matching = searcher.search("tourism", 1).matching
    searcher.close()
    store = open_store(index)
    everything, scoped = count(store, store.case_ids(Filters())), count(store, sorted(matching))
    store.close()
    assert 0 < scoped.total < everything.total
    at = _app(view="analyst", q="tourism", scope="1")
    assert not at.exception
    assert at.get("download_button")[-1].label == f"Download these {scoped.total} cases (CSV)"
    headline = f"**{scoped.total} cases**: the cases that match “tourism” well"
    assert any(m.value.startswith(headline) for m in at.markdown)
    assert at.query_params.get("scope") in ("1", ["1"])
    approaches = at.multiselect(key="w_approach").options
    for approach, n in scoped.by_approach.items():
        assert f"{approach_labels()[approach]} · {n}" in approaches


def test_upload_adds_a_document_and_names_a_bad_one(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "seeds", corpus / "seeds")
    ingest(corpus, tmp_path / "index", Settings())
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    at = _app(view="upload")
    assert "at most 50 MB" in at.markdown[0].value
    # The page speaks of the library's folder, not of the server's disk (it showed the corpus's absolute path).
    assert "`uploads` folder" in at.markdown[0].value and str(tmp_path) not in at.markdown[0].value
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
    assert not at.exception
    shown = _shown(at)
    assert "\\<script\\>" in shown and "<script>" not in shown
    assert "\\[link\\]\\(javascript\\:alert\\(2\\)\\)" in shown
    # The library's table speaks the reader's words: named columns, type and language names, no "None".
    table = at.dataframe[0].value
    assert list(table.columns) == ["Title", "Type", "Language", "Published", "Publisher", "Cases", "Passages",
                                   "Source"]
    assert "None" not in table.astype(str).to_numpy() and table["Language"].tolist() == ["English"]


def test_touching_highlights_are_one_bold_run():
    from views.labels import highlight

    # The words 医疗 and 卫生 meet with no space between them: two bold runs showed "**医疗****卫生**" as asterisks.
    assert highlight("加快构建城市医疗卫生服务体系", [(8, 10), (6, 8)]) == "加快构建城市**医疗卫生**服务体系"
    assert highlight("cash and care", [(0, 4), (2, 6), (9, 13)]) == "**cash a**nd **care**"
    # Inline LaTeX of plain numbers reads as numbers, inside a highlight and out of it.
    assert highlight("share $2 8 . 4 8 \\%$ of", [(0, 5)]) == "**share** 28\\.48% of"


def test_a_case_over_several_pages_gives_their_range():
    from views.case import pages_label

    assert pages_label([335, 335, 400, None, 412]) == " · pages 335–412"
    assert pages_label([7, 7]) == " · page 7" and pages_label([None]) == ""


def test_a_records_large_number_reads_with_thousands_separators():
    from views.case import field_value

    assert field_value("375000000.0") == "375,000,000" and field_value("12500") == "12,500"
    assert field_value("2016") == "2016" and field_value("0.5") == "0.5" and field_value("P123456") == "P123456"
    assert field_value("00084932") == "00084932"  # an id, not an amount


def test_cases_with_the_same_passage_share_a_card_that_opens_each(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shared = ("The objective is to improve the resilience of pastoralists and agro-pastoralists in selected areas "
              "of the Sahel region through animal health services, water points and access to markets.")
    for name in ("parent", "niger", "burkina"):
        body = " ".join(f"In year {n} the {name} teams reported on clinics, corridors and feed {n}." for n in range(40))
        intro = (f"This page describes project {name} as its team wrote it up for the partners, with its clinics, "
                 "corridors and fodder banks, at the end of its second year of work in the field.")
        (corpus / f"{name}.md").write_text(f"# Project {name}\n\n{intro}\n\n{shared}\n\n{body}\n", encoding="utf-8")
    ingest(corpus, tmp_path / "index", Settings())
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    at = _app(q="resilience of pastoralists in the Sahel")
    assert not at.exception
    assert any("The same passage is in 2 more cases" in c.value for c in at.caption)
    opens = [b for b in at.button if (b.key or "").startswith("same-")]
    assert len(opens) == 2
    target = "-".join(opens[0].key.split("-")[-2:])
    opens[0].click().run()
    assert at.query_params["case"] == target


def test_a_documents_further_cases_say_how_many_match_well():
    assert more_from_document(4, 3) == "4 more cases from this document, 3 of them matching well"
    assert more_from_document(4, 4) == "4 more cases from this document, all matching well"
    assert more_from_document(2, 0) == "2 more cases from this document, none matching well"
    assert more_from_document(1, 0) == "1 more case from this document, a weak match"


def test_more_goals_than_a_card_names_share_one_chip_by_number():
    from views.labels import chips

    assert chips((), ("sdg16", "sdg2", "sdg11", "sdg3")) == ":green-badge[SDG 2 · 3 · 11 · 16]"


def test_a_case_page_lists_goals_surest_first_then_by_number(index):
    # Goals as sure as each other were listed as strings: "SDG 1, SDG 11, SDG 16, SDG 17, SDG 2, SDG 9".
    lib = Library(index, Settings())
    with lib.store() as store:
        cases = [c.case_id for c in store.cases()]
    tied = 0
    for case_id in cases:
        goals = [t for t in lib.case_page(case_id).tags if t.kind == "sdg"]
        assert goals == sorted(goals, key=lambda t: (-t.confidence, goal_number(t.value)))
        tied += any(a.confidence == b.confidence and len(a.value) != len(b.value) for a, b in zip(goals, goals[1:]))
    assert tied  # goals of one and two digits tie somewhere, so the order is put to the test


def test_a_long_case_opens_on_the_passage_that_matched(index):
    store = open_store(index)
    counts: dict[str, list[int]] = {}
    for pid, case_id in store.prose_passage_cases():
        counts.setdefault(case_id, []).append(pid)
    store.close()
    case_id, pids = max(counts.items(), key=lambda item: len(item[1]))
    assert len(pids) > 3
    at = _app(view="case", case=case_id, passage=str(pids[-1]))
    assert not at.exception
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings.index("#### The passage that matched your search") < headings.index("#### Tags")
    every = [pid for pid, _ in Library(index, Settings()).case_page(case_id).passages]
    assert f"Passage {every.index(pids[-1]) + 1} of {len(every)};" in [c.value.split(" the")[0] for c in at.caption]
    assert len(at.success) == 2  # at the top, and marked where it stands in the text


def test_a_regional_project_shows_its_region_where_a_card_has_no_country(tmp_path, monkeypatch):
    # "Regional Sahel Pastoralism Support Project II" names West and Central Africa, no country: its card showed
    # approach and goal chips and no place at all.
    at = _app_over(tmp_path, monkeypatch, {"sahel.md": (
        "# Regional pastoralism support\n\nThe regional project supports pastoralists across Western and Central "
        "Africa with animal health services, water points and access to livestock markets along the corridors.\n")},
        q="support for pastoralists")
    assert not at.exception
    assert any(":gray-badge[West and Central Africa]" in m.value for m in at.markdown), _shown(at)


def test_a_records_date_says_which_column_gave_it(tmp_path, monkeypatch):
    # A project's "date: 2018-07-09" stood beside its "Effective Date: February 26, 2019" on its case page.
    files = {"projects.csv": "Project Name,Abstract,Board Approval Date,Effective Date,Project URL\nSolar villages,"
             "Rural women trained as solar engineers light their villages and repair the lamps.,2018-07-09,2019-02-26,"
             "https://projects.example.org/P1\n"}
    case = _case_of(_app_over(tmp_path, monkeypatch, files, q="solar engineers"), 1)
    at = _app(case=case, view="case")
    assert not at.exception
    shown = _plain(_shown(at))
    assert "**date**: 2018-07-09 (Board Approval Date)" in shown and "date_from" not in shown
    # "record 204 of 438" beside "row: 352" read as a contradiction (walk): the row is said as its table's.
    assert any(c.value.endswith("record 1 of 1 (row 1 of its table)") for c in at.caption) and "**row**" not in shown
    # Its web page once, as its source (it was also listed as a field, "url: ...").
    assert any(_plain(c.value) == "Source on the web: https://projects.example.org/P1" for c in at.caption)
    assert "**url**" not in shown


def test_a_records_card_names_its_table_by_file_not_by_a_title_made_of_the_file_name(tmp_path, monkeypatch):
    # "Remaining projects to process with abstracts" (a collector's file name) stood on every World Bank card.
    files = {"remaining_projects_to_process.csv": "Project Name,Abstract\nSolar villages,Rural women trained as "
             "solar engineers light their villages and repair the lamps.\n"}
    at = _app_over(tmp_path, monkeypatch, files, q="solar engineers")
    assert not at.exception
    (caption,) = [_plain(c.value) for c in at.caption if "remaining_projects_to_process.csv" in _plain(c.value)]
    assert "Remaining projects to process" not in caption, caption


def test_weak_matches_stand_apart_under_the_cards_that_match(index):
    # "agritourism in Egypt" (walk): two matches stood over eight weak cards, 1960s government reports among them,
    # which read as answers. Where a card matches, the weak ones are listed apart, one click away.
    at = _app(q="tourism")
    assert not at.exception
    cards = [m.value for m in at.markdown if re.match(r"\*\*\d+\. ", m.value)]
    (loose,) = [e for e in at.expander if "loosely related" in e.label]
    apart = [m.value for m in loose.markdown if re.match(r"\*\*\d+\. ", m.value)]
    assert apart and loose.label.startswith(f"{len(apart)} loosely related case")
    assert all(":orange-badge[weak match]" in card or "not graded" in card for card in apart)
    assert {card for card in cards if ":orange-badge[weak match]" in card} <= set(apart)
    assert len(cards) > len(apart)
    # Numbered as they are listed, the weak ones after the rest (the ranks had skipped: 1, 4, 5 ... then 2, 3).
    assert [int(re.match(r"\*\*(\d+)\. ", card)[1]) for card in cards] == list(range(1, len(cards) + 1))
    # A page on which nothing matches keeps its weak cards in view, under its warning.
    at = _app(q="xyzzyq plugh")
    assert not [e for e in at.expander if "loosely related" in e.label]


def test_the_library_lists_the_documents_holding_a_case_the_filters_keep(tmp_path, monkeypatch):
    # Walk: "?view=library&country=CHN&approach=relocation" listed all 113 documents; the sidebar had no filters.
    files = {"mauritius.md": "# Risk communication in Mauritius\n\nMauritius closed its borders, and radio in "
                             "Mauritius carried the health messages to every village.\n",
             "kenya.md": "# Savings groups in Kenya\n\nWomen in Kenya saved together in groups, and Kenya's county "
                         "officers trained their treasurers to keep the books.\n"}
    at = _app_over(tmp_path, monkeypatch, files, view="library", country="KEN")
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Title"].tolist() == ["Savings groups in Kenya"] and table["Cases kept"].tolist() == [1]
    assert "1 of 2 documents hold a case these filters keep" in " ".join(c.value for c in at.caption)
    assert [m.label for m in at.sidebar.multiselect if m.label == "Country"]
    assert [b.label for b in at.selectbox if b.label.startswith("Case (")] == ["Case (1 kept)"]
    everything = _app(view="library")
    assert len(everything.dataframe[0].value) == 2 and "Cases kept" not in everything.dataframe[0].value.columns
