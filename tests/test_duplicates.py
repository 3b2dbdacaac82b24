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
from tests.conftest import HASH_ONLY, NEWS_2014, SEEDS, WHITE_PAPER

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
    # Each grouped case keeps where it was published on its own: here its document.
    assert {unit for _, unit in groups.values()} <= set(doc_of.values())
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


def test_one_tables_rows_pair_by_text_or_name_but_not_by_a_shared_listing_page():
    page = "https://oecd.org/triangular-co-operation-repository.htm"
    rows = [
        # The same project described twice in other words, one row with the repository page as its link.
        CaseText("s1", "T", "Provided technical support for cooking with solar devices in Chile.", page,
                 "Family savings with solar devices", record=True),
        CaseText("s2", "T", "To provide technical support and socially appropriate transfer for cooking.", "",
                 "Family  savings with SOLAR devices", record=True),
        # The same text twice in one table.
        CaseText("s3", "T", STORY[:3000], "", "Tackling poverty", record=True),
        CaseText("s4", "T", STORY[:3000], "", "Tackling key poverty-stricken areas", record=True),
        # Two projects that share only the repository page, and two of one name with their own addresses.
        CaseText("s5", "T", OTHER[:2000], page, "Clean energy access", record=True),
        CaseText("s6", "T", "Forest land titles for 400 villages.", "https://x.org/P7", "Forestry project",
                 record=True),
        CaseText("s7", "T", "Nurseries and firebreaks in two provinces.", "https://x.org/P8", "Forestry project",
                 record=True),
        # Two sections of one report are never one case by their text alone.
        CaseText("d1", "D", OTHER[2000:5000], "", "Summary"), CaseText("d2", "D", OTHER[2000:5000], "", "Annex"),
    ]
    pairs = {(p.a, p.b): p.reason for p in duplicate_pairs(rows)}
    assert pairs == {("s1", "s2"): "listing", ("s3", "s4"): "text"}, pairs


def test_a_project_listed_twice_in_a_real_table_is_shown_and_counted_once(shared, tmp_path, capsys):
    import csv
    with (shared / "undp-south-south-cases" / "south_south_projects.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header, rows = next(reader), list(reader)
    name = header.index("Project Name")
    twice = [r for r in rows if r[name].startswith("Family savings and improving poor diet")]
    assert len(twice) == 2 and twice[0][header.index("Description")] != twice[1][header.index("Description")]
    (tmp_path / "corpus").mkdir()
    with (tmp_path / "corpus" / "projects.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows[:6], *twice])
    ingest(tmp_path / "corpus", tmp_path / "index", HASH_ONLY)
    lib = Library(tmp_path / "index", HASH_ONLY)
    hits = [h for h in lib.searcher.search("family savings poor diet solar energy cooking", k=10).hits
            if h.title.startswith("Family savings")]
    assert len(hits) == 1 and [s for _, _, s, _ in hits[0].also_published] == ["projects.csv"]
    once, every = lib.counts(Filters()), lib.counts(Filters(), copies=True)
    assert (once.total, once.copies, every.total) == (6 + 1, 1, 6 + 2)
    assert main(["show", hits[0].case_id, "--index", str(tmp_path / "index")]) == 0
    assert "listed again in this table" in capsys.readouterr().out
