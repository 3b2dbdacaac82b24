"""What a hit says about itself: the query's words marked in its passage, and only those."""

from __future__ import annotations

import pytest

from kb.explain import Highlighter, is_header, spans_of, why
from kb.latex import plain_math
from kb.tokens import fts_text

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


@pytest.mark.parametrize("word, unlike", [
    # A process or a doctrine made of a word by -ize or -ism is another thing, though the stemmer joins them:
    # "mobile money for rural women" marked the "mobilization" of savings.
    ("mobile", "mobilization"), ("urban", "urbanization"), ("global", "globalization"), ("capital", "capitalism"),
])
def test_a_word_made_a_process_doctrine_or_person_is_not_marked(word, unlike):
    text = f"The {unlike} grew."
    spans, _, _ = Highlighter().matches(text, [word], {word})
    assert not spans


def test_an_acronym_is_marked_for_its_letters_only():
    # "corruption in distributing aid" showed a health survey's HIV/AIDS section saying it held "aids".
    text = "Food aid and the HIV/AIDS programme\n\nKNOWLEDGE OF AIDS AND FOOD AIDS"
    spans, own, _ = Highlighter().matches(text, ["aid"], {"aid"})
    assert [text[a:b] for a, b in spans] == ["aid", "AIDS", "AIDS"]
    assert Highlighter().matches(text.split("\n")[0], ["aid"], {"aid"})[1] == ["aid"]
    # In a line in capitals (a heading) a word in capitals is a word, as the index cannot tell.
    spans, own, _ = Highlighter().matches(text, ["aids"], {"aids"})
    assert [text[a:b] for a, b in spans] == ["aid", "AIDS", "AIDS", "AIDS"]


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
        "close in meaning (#7 by meaning in any language)"
    assert why([], [], 2, "hybrid", (9, "crosslingual"), "en", "en") == "close in meaning (#2 by meaning)"
    # A Chinese question's Chinese passage: the main model read only a word-for-word rendering.
    assert why([], [], 1, "hybrid", (3, "crosslingual"), "zh", "zh", main_reads_query=False) == \
        "close in meaning (#3 by meaning in any language)"
    assert why([], [], None, "hybrid", (4, "multilingual"), "zh", "en") == \
        "close in meaning across languages (#4 by meaning among the passages not in English)"
    assert why([], [], None, "hybrid", (5, "e5"), "zh", "en") == \
        "close in meaning across languages (#5 in the e5 space)"  # a space named in kb.toml
    assert why(["loans"], [], 5, "keyword", (1, "crosslingual"), "en", "en") == "holds your words: loans"


def test_a_passage_shown_for_the_figure_a_question_asks_says_so():
    assert why(["cost"], [], 3, "hybrid", figures=["money", "reach"]) == (
        "close in meaning (#3 by meaning); holds your words: cost; names an amount and a number reached, as your "
        "question asks")
    assert why(["cost"], [], 3, "hybrid") == "close in meaning (#3 by meaning) and holds your words: cost"


def test_inline_latex_of_plain_numbers_is_shown_as_numbers():
    """A PDF converter wrote a Chinese paper's shares as "$3 0 . 6 7 \\%$": a reader saw the markup on the card."""
    assert plain_math("占比最高，为 $4 4 . 8 3 \\%$ 。") == "占比最高，为 44.83% 。"
    assert plain_math("互联网 $^ +$ 行动") == "互联网+ 行动" and plain_math("10$^ { 8 }$ yuan") == "10⁸ yuan"
    assert plain_math("$0 \\leqslant D \\leqslant 0 . 4$") == "0 ≤ D ≤ 0.4"
    # Dollar amounts and math with words stay as written.
    for kept in ("costs $5 to $10 each", "US$5 = US$", "$D \\in ( 0 , 1 )$", "$100,000 or more, but less than $"):
        assert plain_math(kept) == kept


def test_the_results_csv_reads_latex_numbers_as_the_page_does():
    from kb.export import hits_table
    from kb.models import Hit

    hit = Hit(rank=1, score=1.0, case_id="d-1", doc_id="d", passage_id=1, title="T", document_title="D", source="s",
              text="The share was $2 8 . 4 8 \\%$ in 2020.", start=0, end=10, page=None, approaches=(),
              countries=(), regions=(), published=None, doc_type="report", language="en", matched=(), why="")
    columns, rows = hits_table([hit])
    assert rows[0][columns.index("text")] == "The share was 28.48% in 2020."


def test_the_words_a_card_matched_are_found_in_the_cases_other_passages_whole_and_in_any_case():
    text = "Mobile money lets farmers pay; mobile-money agents and 农村电商 help farmers, and a farmer's wife."
    assert [text[a:b] for a, b in spans_of(text, ["mobile", "Farmers", "电商"])] == [
        "Mobile", "farmers", "mobile", "电商", "farmers"]
    assert spans_of(text, []) == () and spans_of(text, ["farm"]) == ()


def test_a_title_set_twice_over_its_byline_is_a_header():
    # Seen: "land rights for women farmers" showed a Tunisian post by its title and its title again run into its
    # byline, under a "strong match" badge: the second title made the byline line long.
    title = "From Kef to Kebili, a deep dive into women realizing their socioeconomic rights"
    text = f"{title}\n\n{title} Chloé Guerrini, Project Coordinator and Sahar Ferchichi, Accelerator Lab Associate"
    assert is_header(text, (title,))
    assert not is_header(f"{title}\n\nThe project works with over fifteen associations and sixty women and men "
                         f"in El Kef and Kebili to understand what keeps women from work.", (title,))


def test_a_papers_title_over_its_authors_and_affiliations_is_a_header():
    # Seen (walk): "how did china move people out of poor mountain villages" showed a ChinaXiv paper by its English
    # title and its authors' addresses, graded good; a title over a sentence that names a university is content.
    title = "Livelihood capital and livelihood strategies of the farmer household in the Qinling-Daba area"
    byline = ("LIU Qian1,2 ，ZHANG Jian2，HE Yan-bing3， YANG Xin-jun2 (1School of Geography And Tourism,Chongqing "
              "Normal University,Chongqing 401331,China; 2College of Urban and Environmental Sciences,Northwest "
              "University,Xi'an 710127,Shaanxi,China)")
    assert is_header(f"{title}\n\n{byline}", (title,))
    # The case's title as stored, cut short.
    assert is_header(f"{title}: A case of Shangluo City\n\n{byline}", (title[:60].rsplit(" ", 1)[0] + "…",))
    assert not is_header(f"{title}\n\nFarmers who left the mountain villages were surveyed by Northwest University "
                         "in 2018, and most of them found work in the county town within a year.", (title,))


def test_a_web_address_holds_no_word_of_the_query():
    # Seen (walk): "microfinance default rates" showed a Spanish post's footnote, "Disponible en: https://www.unescap
    # .org/sites/default/files/...", as "holds your words: default". An address's parts name files, not things.
    text = "[2] Informe regional. Disponible en: https://www.unescap.org/sites/default/files/Energy.pdf. Default rates."
    spans, own, _ = Highlighter().matches(text, ["default", "rates"], {"default", "rates"})
    assert [text[a:b] for a, b in spans] == ["Default", "rates"] and own == ["default", "rates"]
    assert "default" not in fts_text("Disponible en: https://www.unescap.org/sites/default/files/Energy.pdf")
    assert "unescap" not in fts_text("see www.unescap.org/sites for more") and "more" in fts_text("for more")
    assert "这是" in fts_text("见https://www.gov.cn/。这是一个例子")
