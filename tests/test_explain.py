"""What a hit says about itself: the query's words marked in its passage, and only those."""

from __future__ import annotations

import pytest

from kb.explain import Highlighter

TEXT = ("Informal waste workers formed cooperatives. The government shared information on its experiences "
        "with governance, and farmers' farming plans were enrolled in the ecological programme of Bolsa Família "
        "for climate-resilient microﬁnance.")


def _marked(query_words: list[str]) -> list[str]:
    spans, own, _ = Highlighter().matches(TEXT, query_words, set(query_words))
    return [TEXT[a:b].lower() for a, b in spans]


@pytest.mark.parametrize("word, unlike", [
    ("informal", "information"),      # the stemmer makes both "inform"
    ("experiments", "experiences"),   # both "experi"
    ("government", "governance"),     # both "govern"
    ("cooperation", "cooperatives"),  # both "cooper"
])
def test_a_word_is_not_marked_for_a_word_that_only_shares_its_stem(word, unlike):
    assert unlike not in _marked([word])


@pytest.mark.parametrize("word, form", [
    ("informally", "informal"), ("worker", "workers"), ("farmer", "farmers"), ("farm", "farming"),
    ("enrolment", "enrolled"), ("ecology", "ecological"), ("cooperative", "cooperatives"), ("plan", "plans"),
    ("resilience", "resilient"), ("familia", "família"), ("microfinance", "microﬁnance"),
])
def test_a_word_is_marked_in_its_other_forms(word, form):
    assert form in _marked([word])
