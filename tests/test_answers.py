"""The passage shown is the one that answers, on real long documents (the seeds, the real model)."""

from __future__ import annotations

import pytest

from kb.config import Settings
from kb.models import Filters
from kb.search import Searcher
from tests.conftest import HASH_ONLY


@pytest.fixture(scope="module")
def searcher(seed_index):
    s = Searcher(seed_index, Settings())
    yield s
    s.close()


@pytest.mark.parametrize("query,source,answer", [
    ("Longnan in Gansu: how online shops, e-commerce centres and livestreaming helped poor farmers",
     "seeds/004_673e62b93ed6cece.txt", "information superhighway"),
    ("central government units and institutions assigned to help designated poor counties",
     "seeds/003_8a17e8b8a99fa2f2.txt", "designated poverty alleviation areas"),
])
def test_the_passage_shown_holds_the_answer_from_the_middle_of_a_long_case(searcher, query, source, answer):
    hit = searcher.search(query, k=5).hits[0]
    assert hit.source == source
    passages = [row["chunk_id"] for row in searcher.store.case_passages([hit.case_id])]
    # The case is long and the answer is not its opening: the shown passage was chosen, not the first one.
    assert len(passages) >= 10 and passages.index(hit.passage_id) > 0
    assert answer in " ".join(hit.text.split())


def test_a_subheading_that_matched_shows_the_paragraph_it_titles(shared, tmp_path):
    # The blog's subheadings stand as passages of their own ("Do informal waste workers work together?", 6
    # words); one matched a query best and was shown as the answer, which tells a reader nothing.
    from kb.pipeline import ingest

    name = "a_peek_into_the_life_of_informal_waste_workers_in_viet_nam_during_covid-19.md"
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / name).write_text((shared / "undp-acclabs-blogs" / name).read_text(encoding="utf-8"),
                                            encoding="utf-8")
    ingest(tmp_path / "corpus", tmp_path / "index", HASH_ONLY)
    s = Searcher(tmp_path / "index", HASH_ONLY)
    try:
        rows = s.store.case_passages(s.store.case_ids(Filters()))
        # The subheading opens the passage of the paragraph it titles (kb.segment): it is no passage of its own.
        assert "Do informal waste workers work together?" not in [r["text"] for r in rows]
        hit = s.search("do informal waste workers work together", k=1, mode="keyword").hits[0]
    finally:
        s.close()
    assert hit.text.startswith("Do informal waste workers work together?\n\nAn established network is the main")
