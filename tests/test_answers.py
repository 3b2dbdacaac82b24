"""The passage shown is the one that answers, on real long documents (the seeds, the real model)."""

from __future__ import annotations

import pytest

from kb.config import Settings
from kb.search import Searcher


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
