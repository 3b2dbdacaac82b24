"""What a hit says about itself: the query's words marked in its passage, and only those."""

from __future__ import annotations

import pytest

from kb.explain import Highlighter, why

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


def test_a_place_by_meaning_names_its_ranking():
    # An English passage for an English query is placed by the main space; one the main space did not rank by
    # the space that did, named, so that two cards never both say "#1 by meaning" from different rankings.
    assert why([], [], 12, "hybrid", (3, "crosslingual"), "en", "en") == "close in meaning (#12 by meaning)"
    assert why([], [], None, "hybrid", (7, "crosslingual"), "en", "en") == \
        "close in meaning (#7 in the crosslingual space)"
    assert why([], [], 2, "hybrid", (9, "crosslingual"), "en", "en") == "close in meaning (#2 by meaning)"
    # A Chinese question's Chinese passage: the main model read only a word-for-word rendering.
    assert why([], [], 1, "hybrid", (3, "crosslingual"), "zh", "zh", main_reads_query=False) == \
        "close in meaning (#3 in the crosslingual space)"
    assert why([], [], None, "hybrid", (4, "multilingual"), "zh", "en") == \
        "close in meaning across languages (#4 in the multilingual space)"
    assert why(["loans"], [], 5, "keyword", (1, "crosslingual"), "en", "en") == "holds your words: loans"
