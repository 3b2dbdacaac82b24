"""One case from many partners: republished text grouped, shown once with its other sources, counted once."""

from __future__ import annotations

import json
import shutil

import pytest

from kb.cli import main
from kb.config import Settings
from kb.duplicates import CaseText, duplicate_groups, duplicate_pairs
from kb.library import Library
from kb.models import Filters
from kb.pipeline import ingest
from tests.conftest import NEWS_2014, SEEDS, WHITE_PAPER

STORY = (SEEDS / NEWS_2014).read_text(encoding="utf-8")
OTHER = (SEEDS / WHITE_PAPER).read_text(encoding="utf-8")[:6000]


def test_republished_text_pairs_and_templates_and_other_records_do_not():
    template = "The Borrower shall carry out the Project with due diligence and efficiency and in conformity " * 8
    cases = [CaseText("a1", "A", STORY), CaseText("b1", "B", "Reposted from a partner.\n\n" + STORY),
             CaseText("c1", "C", OTHER)]
    # A template's paragraph in six agreements proves no shared story, however long.
    cases += [CaseText(f"t{n}", f"T{n}", f"Loan {n} of {n * 7} million. " + template) for n in range(6)]
    # Two records that name different addresses are two projects, even word for word (a parent and its
    # additional financing); the same address in two tables is one.
    cases += [CaseText("r1", "R", STORY[:3000], "https://x.org/P1"), CaseText("r2", "S", STORY[:3000], "https://x.org/P2"),
              CaseText("r3", "U", "Short row.", "https://x.org/P1")]
    pairs = {(p.a, p.b): p for p in duplicate_pairs(cases)}
    assert pairs[("a1", "b1")].reason == "text" and pairs[("a1", "b1")].containment >= 0.9
    assert not any(a.startswith("t") for a, _ in pairs), pairs
    assert ("r1", "r2") not in pairs and pairs[("r1", "r3")].reason == "address"
    groups = duplicate_groups(cases)
    assert groups["a1"][0] == groups["b1"][0] and "c1" not in groups
    # The story's first record copy is in the story's group too (same text, no conflicting address).
    assert groups["r1"][0] == groups["r3"][0]


@pytest.fixture(scope="module")
def republished(tmp_path_factory):
    root = tmp_path_factory.mktemp("dup")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    (corpus / "partner").mkdir()
    (corpus / "partner" / "reposted-news.txt").write_text(
        "Reposted by a partner network, with thanks to the original publisher.\n\n" + STORY, encoding="utf-8")
    ingest(corpus, root / "index", Settings())
    return root / "index"


def test_a_republished_case_is_shown_once_with_its_other_source_and_counted_once(republished, capsys):
    lib = Library(republished)
    result = lib.searcher.search("tackling key poverty-stricken areas", k=10)
    hits = result.hits
    # "N cases match well" and the facets count the group once: its cases that match are of one document.
    with lib.store() as store:
        cases = store.cases()
        groups = store.groups_of([c.case_id for c in cases])
    doc_of = {c.case_id: c.doc_id for c in cases}
    assert groups and len({doc_of[c] for c in result.matching if c in groups}) == 1
    sources = [h.source for h in hits]
    news = [h for h in hits if h.source in (f"seeds/{NEWS_2014}", "partner/reposted-news.txt")]
    assert len(news) == 1, sources
    other = {"seeds/" + NEWS_2014, "partner/reposted-news.txt"} - {news[0].source}
    assert [s for _, _, s, _ in news[0].also_published] == sorted(other)
    # The case page names the other source too.
    assert [m["source"] for m in lib.case_page(news[0].case_id).also_published] == sorted(other)
    once, every = lib.counts(Filters()), lib.counts(Filters(), copies=True)
    assert once.copies >= 1 and every.total == once.total + once.copies and every.copies == 0
    # The command line and its JSON say the same.
    assert main(["search", "tackling key poverty-stricken areas", "--json", "--index", str(republished)]) == 0
    out = json.loads(capsys.readouterr().out)
    shown = [h for h in out if h["source"] in (f"seeds/{NEWS_2014}", "partner/reposted-news.txt")]
    assert len(shown) == 1 and shown[0]["also_published"][0]["source"] in other
    assert main(["show", news[0].case_id, "--json", "--index", str(republished)]) == 0
    assert [m["source"] for m in json.loads(capsys.readouterr().out)["also_published"]] == sorted(other)
    assert main(["counts", "--json", "--index", str(republished)]) == 0
    assert json.loads(capsys.readouterr().out)["copies"] == once.copies
    assert main(["counts", "--json", "--copies", "--index", str(republished)]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == every.total
