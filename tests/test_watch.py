"""Saved searches: after a second ingest, `kb watch run` reports exactly the matching cases that ingest added."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from kb.cli import main
from kb.config import Settings
from kb.pipeline import ingest
from kb.search import Searcher
from kb.watch import Watches
from tests.conftest import NEWS_2014, SEEDS

QUERY = "e-commerce in rural villages"


def run_json(capsys, *args: str) -> object:
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus of four seeds ingested, with the fifth put beside them (not yet ingested)."""
    root = tmp_path_factory.mktemp("watch")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS, corpus)
    held = corpus / NEWS_2014
    shutil.move(held, root / NEWS_2014)
    ingest(corpus, index, Settings())
    return corpus, index


def test_a_saved_search_reports_exactly_the_cases_a_second_ingest_added(grown, capsys):
    corpus, index = grown
    at = ("--index", str(index))
    saved = run_json(capsys, "watch", "add", "rural e-commerce", QUERY, *at)
    filtered = run_json(capsys, "watch", "add", "in China", QUERY, "--country", "chn", "--type", "news", *at)
    assert filtered["filters"] == {"country": ["CHN"], "doc_type": ["news"]}
    assert [r["new"] for r in run_json(capsys, "watch", "run", *at)] == [[], []]  # nothing new yet

    shutil.move(corpus.parent / NEWS_2014, corpus / NEWS_2014)
    ingest(corpus, index, Settings())
    searcher = Searcher(index, Settings())
    try:
        added = {c for c in searcher.search(QUERY, 1).matching if c.startswith(_doc_id(index, NEWS_2014))}
        within = {c for c in searcher.search(QUERY, 1, filters=Watches(index).get("in China").filters).matching
                  if c in added}
    finally:
        searcher.close()
    assert added, "the added news item should match the query (else this test shows nothing)"

    peeked = run_json(capsys, "watch", "run", saved["name"], "--peek", *at)
    assert {c["case_id"] for c in peeked[0]["new"]} == added
    runs = {r["name"]: r for r in run_json(capsys, "watch", "run", *at)}
    assert {c["case_id"] for c in runs["rural e-commerce"]["new"]} == added  # --peek marked nothing seen
    assert {c["case_id"] for c in runs["in China"]["new"]} == within
    assert all(c["title"] and c["document_title"] for c in runs["rural e-commerce"]["new"])
    # Seen now: a third run, with no ingest between, has nothing new.
    assert [r["new"] for r in run_json(capsys, "watch", "run", *at)] == [[], []]


def test_a_saved_search_is_its_app_link_and_bad_input_saves_nothing(grown, capsys):
    _, index = grown
    at = ("--index", str(index))
    run_json(capsys, "watch", "add", "ranged", "microcredit", "--mode", "keyword", "--year-from", "2010",
             "--mentions", "--approach", "finance", *at)
    listed = {w["name"]: w for w in run_json(capsys, "watch", "list", *at)}
    assert parse_qs(listed["ranged"]["link"][1:]) == {
        "q": ["microcredit"], "mode": ["keyword"], "approach": ["finance"], "year_from": ["2010"],
        "mentions": ["1"]}
    before = run_json(capsys, "watch", "list", *at)
    for args, message in [(("add", "x", "cash", "--country", "ZZZ"), "unknown country 'ZZZ'"),
                          (("add", "ranged", "cash"), "a saved search named 'ranged' exists already"),
                          (("add", "only a name"), "give a name and a query"),
                          (("run", "missing"), "no saved search named 'missing'"),
                          (("remove", "missing"), "no saved search named 'missing'")]:
        assert main(["watch", *args, *at]) == 2
        assert message in capsys.readouterr().err
    assert run_json(capsys, "watch", "list", *at) == before
    assert main(["watch", "remove", "ranged", *at]) == 0 and "removed 'ranged'" in capsys.readouterr().out
    assert "ranged" not in {w["name"] for w in run_json(capsys, "watch", "list", *at)}


def _doc_id(index: Path, name: str) -> str:
    from kb.indexdir import open_store

    store = open_store(index)
    try:
        return next(d["doc_id"] for d in store.documents() if d["source"].endswith(name))
    finally:
        store.close()


def _saved_after_ingest(corpus: Path, index: Path) -> tuple[Watches, int]:
    """Ingest a corpus and save the search "shops" over it: the saved searches and how many cases it matched."""
    from tests.conftest import HASH_ONLY

    ingest(corpus, index, HASH_ONLY)
    watches = Watches(index)
    searcher = Searcher(index, HASH_ONLY)
    try:
        return watches, watches.add(searcher, "shops", QUERY).matches
    finally:
        searcher.close()


def _new_after_ingest(corpus: Path, index: Path, watches: Watches) -> tuple[int, list[str]]:
    """Ingest the corpus again and run "shops": how many cases match, and the titles of those that are new."""
    from tests.conftest import HASH_ONLY

    ingest(corpus, index, HASH_ONLY)
    searcher = Searcher(index, HASH_ONLY)
    try:
        run = watches.run(searcher, "shops")
        titles = {c.case_id: c.title for c in searcher.store.cases()}
    finally:
        searcher.close()
    return run.matches, [titles[c] for c in run.new]


def test_a_document_cut_again_reports_only_the_section_it_had_not_shown(tmp_path):
    # A case's id is its place in its document: a section added before another moved it one place down, and by
    # ids the moved one was "new" while the added one, which took its old id, was not.
    def section(place: str) -> str:
        body = (f"Farmers in {place} sell their produce through rural e-commerce shops run from the village. "
                "The cooperative trained young people to photograph goods and answer buyers online. ") * 6
        return f"## Rural e-commerce in {place}\n\n{body}\n\n"

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    report = corpus / "report.md"
    report.write_text("# Village online shops\n\n" + section("Longnan") + section("Shaanxi"), encoding="utf-8")
    watches, matches = _saved_after_ingest(corpus, index)
    assert matches == 2
    # Guizhou goes between them: Shaanxi moves from the second place to the third, Guizhou takes the second.
    report.write_text("# Village online shops\n\n" + section("Longnan") + section("Guizhou") + section("Shaanxi"),
                      encoding="utf-8")
    assert _new_after_ingest(corpus, index, watches) == (3, ["Rural e-commerce in Guizhou"])


def test_a_section_changed_a_little_is_not_new_and_one_with_new_text_is(tmp_path):
    # A cleaning rule that takes a page's footer line off a section changes its text, not what it says: the saved
    # search had reported it as new. Another document's section in much the same words is a new case.
    def section(place: str, crop: str, footer: str = "") -> str:
        body = " ".join(f"Farmers in {place} sell {crop} through rural e-commerce shops run from village {n}; the "
                        f"cooperative trained {n + 3} young people to photograph goods and answer buyers online."
                        for n in range(1, 7))
        return f"## Rural e-commerce in {place}\n\n{body}{footer}\n\n"

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    report = corpus / "report.md"
    report.write_text("# Village online shops\n\n" + section("Longnan", "walnuts", " Page 4 of 12, printed 2023.")
                      + section("Shaanxi", "apples"), encoding="utf-8")
    watches, matches = _saved_after_ingest(corpus, index)
    assert matches == 2
    report.write_text("# Village online shops\n\n" + section("Longnan", "walnuts") + section("Shaanxi", "apples"),
                      encoding="utf-8")
    (corpus / "other.md").write_text("# More shops\n\n" + section("Guizhou", "tea"), encoding="utf-8")
    assert _new_after_ingest(corpus, index, watches) == (3, ["More shops"])


def test_a_search_saved_before_texts_were_remembered_goes_by_ids_once_then_by_texts(grown):
    import sqlite3

    from kb.watch import WATCHES_FILE

    corpus, index = grown
    watches = Watches(index)
    searcher = Searcher(index, Settings())
    try:
        watches.add(searcher, "old kind", QUERY)
        with sqlite3.connect(index / WATCHES_FILE) as db:  # as a file written before seen_text existed
            db.execute("DELETE FROM seen_text WHERE name = 'old kind'")
        assert watches.run(searcher, "old kind").new == ()  # its seen ids still hold
        with sqlite3.connect(index / WATCHES_FILE) as db:
            remembered = db.execute("SELECT COUNT(*) FROM seen_text WHERE name = 'old kind'").fetchone()[0]
        assert remembered == watches.run(searcher, "old kind").matches > 0
        watches.remove("old kind")
    finally:
        searcher.close()
