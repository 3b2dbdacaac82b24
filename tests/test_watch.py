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
