"""A document or case named by its title in the query: found and shown first (kb.named)."""

from __future__ import annotations

from pathlib import Path

from kb.models import Filters
from kb.named import TitleNames, named_first, title_words
from tests.conftest import HASH_ONLY, hits_of, index_of

ROWS = [("d1-1", "Loan Agreement (Western Poverty Reduction Project)", "d1", "Loan Agreement (Western Poverty "
         "Reduction Project)"), ("d1-2", "ARTICLE II", "d1", "Loan Agreement (Western Poverty Reduction Project)"),
        ("d2-1", "What we learned", "d2", "Notes from the field"),
        ("d3-4", "Appendix V: Country at a glance", "d3", "India COSOP")]


def test_a_query_names_the_longest_title_piece_it_holds_when_the_piece_is_most_of_what_it_asks():
    names = TitleNames(ROWS)
    named = names.named(title_words("Western Poverty Reduction Project"))
    assert named and named.piece == "western poverty reduction project" and named.documents == {"d1"}
    assert named.whole and not named.cases  # the first case is titled as its document: named with it
    asked = names.named(title_words("who funded the Western Poverty Reduction Project"))
    assert asked and asked.documents == {"d1"} and not asked.whole
    assert names.named(title_words("country at a glance")).cases == {"d3-4"}
    # Three words of a title are not a name when the query asks mostly about something else.
    assert names.named(title_words("what we learned about cash transfers in Kenya")) is None
    assert names.named(title_words("Loan Agreement")) is None  # two words name nothing


def test_named_cases_come_first_and_a_documents_own_cases_keep_their_order():
    order = ["x-1", "d1-5", "d1-2", "y-1", "d1-1"]
    document_of = {"x-1": "x", "d1-5": "d1", "d1-2": "d1", "y-1": "y", "d1-1": "d1"}
    names = TitleNames(ROWS)
    whole = names.named(title_words("Western Poverty Reduction Project"))
    asked = names.named(title_words("Western Poverty Reduction Project IDA credit amount"))
    assert whole and asked
    # The name alone asks for the document: its first case. A question about it: its best-ranked case.
    assert named_first(order, whole, document_of, {"d1": "d1-1"})[0] == ["d1-1", "x-1", "d1-5", "d1-2", "y-1"]
    assert named_first(order, asked, document_of, {})[0] == ["d1-5", "x-1", "d1-2", "y-1", "d1-1"]


def test_a_loan_agreement_named_by_its_project_is_found_though_only_its_cover_names_it(tmp_path: Path, shared):
    # Seen: "Western Poverty Reduction Project" put its loan agreement at rank 44 in hybrid search, below every
    # project whose abstract says "poverty reduction project": the agreement names its project on its cover
    # only, and a cover is not prose, so it does not compete.
    name = ("1999_december_30_225771468021605693_conformed-copy--c3255--western-poverty-reduction-project--"
            "loan-agreement.txt")
    index = index_of(tmp_path, {
        "guangxi.md": "# Guangxi Poverty Reduction Program for Results\n\nThe poverty reduction project in Guangxi "
                      "improves poverty reduction programs; the project reduces poverty.",
        "laos.md": "# Poverty Reduction Fund III\n\nThe third poverty reduction fund project in the western "
                   "provinces of Laos builds village infrastructure for poverty reduction.",
        name: (shared / "wb-loan-agreements" / name).read_text(encoding="utf-8")}, HASH_ONLY)
    hits = hits_of(index, "Western Poverty Reduction Project", k=5, settings=HASH_ONLY)
    assert hits[0].source == name and hits[0].title == "Loan Agreement (Western Poverty Reduction Project)"
    assert "its title names “Western Poverty Reduction Project”" in hits[0].why and hits[0].relevance != "weak"
    # A filter that leaves the document out leaves it out.
    filtered = hits_of(index, "Western Poverty Reduction Project", k=5, settings=HASH_ONLY,
                       filters=Filters(country=("LAO",)))
    assert filtered and all(h.source != name for h in filtered)
