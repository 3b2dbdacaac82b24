"""Cleaning rules: on the real seeds and web pages, what each rule removes, and that content stays."""

from __future__ import annotations

import re

import pytest

from kb.clean import clean
from kb.layout import dehyphenate, fix_cjk_punctuation, reflow
from tests.conftest import NEWS_2014, SEEDS, WHITE_PAPER, prepare_path

ENGLISH_WORD_CJK_PUNCT = re.compile(r"[A-Za-z][、。，]|[、。，][A-Za-z]")


def test_no_spam_or_cjk_punctuation_in_any_seed_passage(seeds):
    for name, seg in seeds.items():
        for chunk in seg.chunks:
            assert "sky bet" not in chunk.text.lower(), name
            assert "betting" not in chunk.text.lower(), name
            assert not ENGLISH_WORD_CJK_PUNCT.search(chunk.text), (name, chunk.text[:200])


def test_spam_removed_mid_sentence_and_sentence_rejoined(seeds):
    text = seeds[WHITE_PAPER].document.text
    spam = [r.text for r in seeds[WHITE_PAPER].removals if r.rule == "spam"]
    assert len(spam) == 7 and all("bet" in s.lower() for s in spam)
    # ",Make Sky bet online sports betting APP download it clear that ..." reads as a sentence again.
    assert "layout, make it clear that the rural poor will be lifted out of poverty" in text
    assert "created a large number of jobs for the rural labor force" in text


def test_machine_translation_punctuation_fixed_but_numbers_kept(seeds):
    text = seeds[WHITE_PAPER].document.text
    # Commas glued to capitals are spaced, and the capitals a translation engine put after them lowered.
    assert "Establishing New China, start the realization of national prosperity, A new journey" in text
    assert "more than 200,000 dropouts" in text
    # Numbers in units of 10,000 (万) read digit by digit, also before the sentence's comma (7.7万 -> 77,000).
    assert "pairing 77,000" in text and "commissioner 289,800" in text and "at all levels 37,600" in text
    assert not re.search(r"\d\.\d+0,000(?!,\d)", text)
    assert not re.search(r"[a-z],[A-Za-z]", text)


def test_each_web_furniture_rule_removes_exactly_the_furniture(seeds):
    removed = {}
    for seg in seeds.values():
        for r in seg.removals:
            removed.setdefault(r.rule, []).append(r.text)
    assert removed["nav_breadcrumb"] == ["Homepage >> Recommended news"]
    assert removed["editor"] == ["Editor: Wang Shiyang"]
    assert removed["full_text_follows"] == ["The full text is as follows:"]
    assert sorted(removed["breadcrumb"]) == [
        "Current location - Loan Platform Complete Network - Big data management - Try to describe China's "
        "13th Five-Year Poverty Alleviation facing the new situation of poverty alleviation and poverty "
        "alleviation challenges to take strategic measures",
        "Job Recruitment Website - Immigration policy - Five forms of poverty alleviation.",
    ]
    assert removed["masthead"] == ["MySheen"]
    assert removed["encyclopedia_ref"] == ["Refer to Baidu Encyclopedia-Poverty Alleviation"]
    assert all(re.fullmatch(r"[\W\d]+", t) for t in removed["stray_punctuation"] + removed["stray_number"])


@pytest.mark.parametrize(("name", "gone", "kept"), [
    ("7_things_we_learned_about_frugal_entrepreneurship.md",
     ("Reverse Shop: A 300 Day Upliftment Cycle", "READ MORE"), "frugal"),
    # The same cards in Spanish ("PUBLICACIONES / title / LEER MÁS") were a search hit for "clean cooking stoves".
    ("innovaci_n_p_blica_desde_adentro_el_nuevo_laboratorio_participativo_para_la_formalizac.md",
     ("LEER MÁS", "Hilando Cadenas y Tejiendo Clústeres"), "formalización"),
    ("de_los_ndices_internacionales_a_las_calles_de_tierra_cu_les_son_los_desaf_os_de_la_inc.md",
     ("LEER MÁS", "PUBLICACIONES", "El Mapa del Desarrollo Humano en Argentina"), "Argentina"),
])
def test_a_blogs_cards_for_its_other_posts_go_in_each_language(shared, name, gone, kept):
    text = prepare_path(shared / "undp-acclabs-blogs" / name, f"undp-acclabs-blogs/{name}").document.text
    assert not [g for g in gone if g in text] and kept.lower() in text.lower()


def test_duplicated_table_of_contents_removed_and_headings_kept(seeds):
    seg = seeds[WHITE_PAPER]
    (toc,) = [r.text for r in seg.removals if r.rule == "duplicate_toc"]
    lines = toc.splitlines()
    assert lines[0] == "Directory" and len(lines) == 31  # Preface, 5 sections, 22 subsections, Conclusion, Appendix
    # Every contents entry still opens a paragraph of the body (the body's wording may differ after four words).
    openings = {" ".join(p.lower().split()[:4]) for p in seg.document.text.split("\n\n")}
    for line in lines[1:]:
        assert " ".join(line.lower().split()[:4]) in openings, line
    assert seg.document.text.count("(1) Accurate identification") == 1


def test_byline_becomes_metadata(seeds):
    doc = seeds[WHITE_PAPER].document
    assert doc.published == "2021-04-06"
    assert doc.publisher == "Xinhua News Agency"
    assert doc.title == "China’s practice of human poverty reduction"
    assert doc.doc_type == "white_paper"
    news = seeds[NEWS_2014].document
    assert news.published == "2024-09-16" and news.doc_type == "news"


def test_cleaning_keeps_every_content_sentence_of_the_2014_article(seeds):
    raw = (seeds[NEWS_2014].document.text)
    for sentence in (
        "more than 5000 online stores have sprung up",
        "arranged for the relocation of 114300 households and 423500 people",
        "pilot project of cooperation in vocational education",
        "Liu Yongfu said",
    ):
        assert sentence in raw


def test_web_page_menus_and_related_cards_removed_content_kept(shared):
    seg = prepare_path(shared / "undp-acclabs-blogs" / "accelerating_poverty_reduction.md")
    text = seg.document.text
    for furniture in ("Skip to main content", "WHO WE ARE", "READ MORE", "Related Publications",
                      "[[country:Vietnam]]", "© 2024", "DOCUMENT TYPE"):
        assert furniture not in text, furniture
    assert "UNDP introduced 4M Accelerator Labs stages: Meet, Match, Mentor, and Move." in text
    assert text.startswith("Accelerating Poverty Reduction\n\nDespite Viet Nam’s remarkable achievements")
    assert seg.document.published == "2020-03-05"


def test_menu_rules_do_not_touch_documents_that_are_not_web_pages(shared):
    path = shared / "wb-loan-agreements"
    loan = next(p for p in path.iterdir() if "social-safety-net" in p.name)
    seg = prepare_path(loan)
    assert not [r for r in seg.removals if r.rule in ("nav_menu", "page_metadata")]
    assert "ARTICLE I" in seg.document.text and "General Conditions; Definitions" in seg.document.text
    # Hard-wrapped lines are joined back into paragraphs.
    assert ("AGREEMENT, dated May 3, 1996, between DEMOCRATIC AND POPULAR REPUBLIC OF ALGERIA "
            "(the Borrower) and INTERNATIONAL BANK FOR RECONSTRUCTION AND DEVELOPMENT (the Bank).") in seg.document.text


def test_chinese_punctuation_is_left_alone_in_chinese_text():
    text = "一、2015年工作回顾\n\n过去一年，我国发展面临多重困难和严峻挑战。经济运行保持在合理区间。"
    assert clean(text).text == ("一、2015年工作回顾\n\n"
                                "过去一年，我国发展面临多重困难和严峻挑战。经济运行保持在合理区间。")


def test_fix_cjk_punctuation_unit():
    assert fix_cjk_punctuation("poverty、hunger。The plan,Start now; 1,000 people") == \
        "poverty, hunger. The plan, Start now; 1,000 people"
    assert fix_cjk_punctuation(" 五、Work together").strip() == "5. Work together"
    # Two sentences glued by machine translation part; a web address is one name ("research by LeanIn.Org and
    # SurveyMonkey" was cut into two sentences, and a figure's sentence on the compare page began "Org and").
    assert fix_cjk_punctuation("poverty.The plan; research by LeanIn.Org and Change.Com, and Data.Gov.") == \
        "poverty. The plan; research by LeanIn.Org and Change.Com, and Data.Gov."


def test_dehyphenate_joins_breaks_keeps_compounds():
    text = "the poverty-stricken areas\nwhere devel-\nopment of poverty-\nstricken villages"
    assert dehyphenate(text) == "the poverty-stricken areas\nwhere development of poverty-stricken villages"


def test_reflow_joins_wrapped_lines_into_paragraphs():
    lines = ["This is a long line of a report that was wrapped at a fixed", "width by the typesetter and goes on",
             "to end here.", "", "1. A heading", "Next paragraph starts and goes on for a while longer than",
             "before."]
    assert reflow(lines) == [
        "This is a long line of a report that was wrapped at a fixed width by the typesetter and goes on to end here.",
        "", "1. A heading", "Next paragraph starts and goes on for a while longer than before."]


def test_unwrapped_text_keeps_one_paragraph_per_line(seeds):
    text = seeds["000_45fcad44f57e7d29.txt"].document.text
    assert "in May 201August.\n\nA total of 820 poverty alleviation cases were accepted" in text
    raw_lines = [ln for ln in (SEEDS / "000_45fcad44f57e7d29.txt").read_text().splitlines() if ln.strip()]
    assert len(text.split("\n\n")) == len(raw_lines)


def _page(number: int, body: list[str], notes: list[str], header: str = "EB 2022/136/R.22") -> list[str]:
    """One printed page as a PDF saved as text keeps it: its header and number, its body, its footnotes."""
    return [str(number), "", "Appendix IV", "", header, "", *body, "", *notes, ""]


def test_page_furniture_of_a_pdf_saved_as_text_goes_and_a_cut_paragraph_is_joined():
    wrapped = [f"Line {n} of a paragraph about women's savings groups that the page wrapped at a fixed width"
               for n in range(14)]
    pages = [
        *_page(13, [*wrapped, "Microfinance reaches women, though most pass it on to male family members70, and",
                    "about 20%"], ["70 Sector study carried out by IFAD (2022).",
                                   "71 CGAP (2021): Has Microcredit Empowered Women in Bangladesh? https://www.cgap.org/blog/has-",
                                   "microcredit-empowered-women-bangladesh-yes-not-itself"]),
        *_page(14, ["of all youth are interested in working overseas, and remittances rose.", *wrapped[:13],
                    "Almost 2 in", "", "3 businesses that reported involvement in the programme were paid."], []),
        *_page(15, [*wrapped, "A table follows.", "", "Year", "", "2019", "", "2020", "", "2021"], []),
    ]
    cleaned = clean("\n".join(pages), "md")
    rules = {r.rule for r in cleaned.removals}
    assert {"page_number", "running_header", "footnote"} <= rules
    text = cleaned.text
    for furniture in ("EB 2022/136/R.22", "Appendix IV", "Sector study carried out", "microcredit-empowered"):
        assert furniture not in text, furniture
    assert not re.search(r"(?m)^1[345]$", text)
    # The paragraph the page break cut reads on; a line that starts with a number and continues the text stays.
    assert "about 20% of all youth are interested in working overseas" in " ".join(text.split())
    assert "3 businesses that reported involvement" in text
    assert all(year in text for year in ("2019", "2020", "2021"))


def test_a_real_strategy_saved_as_markdown_loses_its_page_furniture(shared):
    seg = prepare_path(shared / "ifad-docs" / "cosop_bangladesh.md", "ifad-docs/cosop_bangladesh.md")
    texts = [c.text for c in seg.chunks]
    prose = [c.text for c in seg.chunks if c.kind == "prose"]
    # The running header goes wherever it stands alone; the cover's "Document: EB 2022/136/R.22" stays, as a
    # cover of short lines (a table, so it does not compete with prose in search).
    assert not [t for t in texts if re.search(r"(?m)^EB 2022/136/R\.22$", t) or "microcredit-empowered-women" in t]
    cover = [c for c in seg.chunks if "Document: EB 2022/136/R.22" in c.text]
    assert [c.kind for c in cover] == ["table"]
    joined = next(t for t in prose if "about 20%" in t)
    assert "about 20% of all youth are interested in working overseas" in " ".join(joined.split())


def test_a_running_footer_that_carries_its_page_number_on_some_pages_goes_everywhere(shared):
    # Seen: "UNDP Accelerator Lab" stood 98 times in a bilingual report's text, and three of its pages' copies
    # ("25 UNDP Accelerator Lab") titled cases.
    seg = prepare_path(shared / "undp-acclabs-blogs" / "grassroots_to_greatness.md")
    assert not re.search(r"(?m)^(?:\d+ )?UNDP Accelerator Lab$", seg.document.text)
    assert not [c.title for c in seg.cases if "UNDP Accelerator Lab" in c.title]
    assert "UNDP Accelerator Lab Indonesia" in seg.document.text
    # A table's cells beside row numbers, and numbered schedules, are not running lines.
    cleaned = clean("Area\n\n1 Area\n\n2 Area\n\n3 Area\n\nArea\n\nSCHEDULE 1\n\nSCHEDULE 2\n\nThe loan.", "md")
    assert "1 Area" in cleaned.text and "SCHEDULE 2" in cleaned.text


@pytest.mark.parametrize("name", [
    "mme_et_m_camara_ou_l_informalit_structurante_famille_genre_engagement_social_et_accumu.md",
    "a_focus_on_informal_solid_waste_collectors_in_haiti_key_players_but_neglected_actors.md"])
def test_a_web_pages_footer_goes_to_its_end_past_a_line_longer_than_a_menus(shared, name):
    # Seen: "Signaler une fraude, un abus, une inconduite / Déposer une réclamation ... / Conditions d'utilisation"
    # left after the menu above it, a passage of its own and a card for 5 of 130 questions.
    seg = prepare_path(shared / "undp-acclabs-blogs" / name)
    assert "Signaler une fraude" not in seg.document.text and "Conditions d'utilisation" not in seg.document.text
    assert "informal" in seg.document.text.lower()


def test_margin_text_set_vertically_goes_and_short_lists_stay():
    """An IFAD report's margin code ("Appendix I / EB 2018/124/R.19") arrives as one letter a line on every page
    and showed as a search hit; a list of three letters is content."""
    margin = "\n\n".join("ixIEB2181124R9")
    text = (f"Rural finance reached women's groups in Odisha.\n\n{margin}\n\nEB 2018/124/R.19\n\n"
            "Options:\n\na\n\nb\n\nc\n\nThe programme continues.")
    cleaned = clean(text, "md")
    assert "Odisha" in cleaned.text and "\ni\n" not in cleaned.text and "\nx\n" not in cleaned.text
    assert "\n\na\n\nb\n\nc\n\n" in cleaned.text
    assert [r.rule for r in cleaned.removals] == ["vertical_text"]


def test_a_journal_articles_identifier_lines_go_and_its_abstract_stays():
    text = ("ISSN 0305-750X,\n\nhttps://doi.org/10.1016/j.worlddev.2015.02.001.\n\n"
            "(http://www.sciencedirect.com/science/article/pii/S0305750X1500025X)\n\n"
            "Abstract: We use longitudinal household data to assess the impact of Bolsa Família on schooling. "
            "See https://doi.org/10.1016/j.worlddev.2015.02.001 for the data.")
    cleaned = clean(text).text
    assert cleaned.startswith("Abstract: We use longitudinal household data")
    assert "See https://doi.org/10.1016/j.worlddev.2015.02.001 for the data." in cleaned  # a cited DOI stays


def test_a_printed_line_that_continues_the_one_before_joins_its_paragraph(shared):
    # The Gandaki report was converted with a paragraph break after every printed line: its sentences were cut
    # across passages ("... did not receive any subsidies from any government or" | "state entity during ..."),
    # and its section headings across paragraphs ("4.1. ... since the outbreak" | "of COVID-19").
    name = "digital_socio_impact_assesment_of_covid19_in_gandaki_province.md"
    text = prepare_path(shared / "undp-acclabs-blogs" / name, f"undp-acclabs-blogs/{name}").document.text
    assert ("Approximately 93% of farmers did not receive any subsidies from any government or state entity "
            "during the previous agricultural year.") in text
    assert "reimbursed for half of their monthly rents by the provincial government." in text
    # Its running header (another study's title) stands beside 14 page numbers, on even pages right above the
    # chapter's own line: it goes there too, not only where it stands alone (it opened a search hit's passage).
    assert "POCKET PARK" not in text
    # This conversion also lower-cased some paragraphs' first letters; a one-word line stays a line.
    assert "\n\nAnnexes\n\nthe farmers' survey collected information" in text
    mauritius = "the_socio-economic_impact_assessment_of_covid-19_in_mauritius.md"
    text = prepare_path(shared / "undp-acclabs-blogs" / mauritius).document.text
    assert "4.1. Coping strategies since the outbreak of COVID-19" in text
    # Its running header stands over each page's number: neither is joined to the sentence under them.
    assert "Mauritius 9 than half" not in text and "than half of their usual incomes" in text
    # Joined to the first line of the next paragraph on every page ("... in Mauritius However, the real estate
    # activities ..."), the running header is taken off them: the report's title stands once, on its cover.
    assert text.count("The Socio-Economic Impact Assessment of COVID-19 in Mauritius") == 1
    assert "\n\nHowever, the real estate activities" in text



def test_a_word_cut_in_two_by_letter_spacing_is_joined_where_the_document_writes_it_whole():
    # Seen in the Ghana DHS report's passages: "Greater Accr a", "Thes e percentages", "basic p ublic schools".
    text = clean("These percentages are high in the public sector. Thes e percentages rose where p ublic clinics "
                 "opened. The public clinics and the women s and men's groups met. These figures are new. Accra "
                 "and Accra grew; Greater Accr a (19 percent) grew most, a city with a plan.").text
    assert "These percentages rose where public clinics" in text
    # "a" before no word is no article but the word's last letter; before a word it stays an article.
    assert "Greater Accra (19 percent)" in text and "a city with a plan" in text
    # 'sand' is no word this document writes twice, and 'and' is commoner than it: the pieces stay.
    assert "women s and men's" in text


def test_a_quote_lost_between_two_decodings_is_read_as_one():
    # A World Bank abstract: "strengthen Malawiâ??s social safety net", a curly apostrophe's bytes read as cp1252
    # and lost; "Malawiâ" was no country, and the record was about none.
    text = clean("The project will strengthen Malawiâ??s social safety net. Its objective will be: â??to increase "
                 "access to servicesâ?? for all.").text
    assert "Malawi’s social safety net" in text and "â" not in text and '"to increase access to services"' in text


def test_a_chapters_lost_large_initial_is_restored_from_the_words_the_document_capitalises():
    # Seen on 17 chapter openings of the Ghana DHS report: "he Republic of Ghana ...", "ertility is one of ...".
    body = ("The survey ran in 2014. The Fertility rates fell. The team counted births. Fertility fell in towns. "
            "Land and water mattered, and roads did too. This report says so.")
    text = clean(f"{body}\n\nFERTILITY 5\n\nertility is one of the three principal components of change.\n\n"
                 "1.1.1 Geography\n\nhe Republic of Ghana is centrally located on the coast.\n\n"
                 "ROADS 6\n\nand the markets were reached by road in every district.\n\n"
                 "3.2 Educational At\n\niv • Contents 7.12 Need and demand for family planning\n\n"
                 "Services offered\n\nf) water points were repaired in six villages of the district.").text
    assert "Fertility is one of the three" in text and "The Republic of Ghana" in text
    # 'Land' is capitalised here but 'and' is far commoner; a page number and a list letter stay as they are.
    assert "\n\nand the markets" in text and "\n\niv • Contents" in text and "f) water points" in text
    # Only after a heading line: the same opening after a sentence is a sentence's continuation.
    assert "The Republic" not in clean(f"{body}\n\nIt lies on the coast and\n\nhe Republic of Ghana.").text


def test_letter_spaced_pieces_are_left_alone_in_a_document_not_in_english():
    spanish = "Los programas de los gobiernos. Como se dice, com o antes. Los datos de los hogares, como siempre."
    assert "com o antes" in clean(spanish).text and "de los gobiernos" in clean(spanish).text


def test_a_charts_axis_ticks_go_and_numbers_that_say_something_stay():
    # Seen: a Mauritius report's passage opened "60 70 80 90 100 National households survey Poor households
    # survey 45 graphs show ...", the ticks of a chart's axis one a line (and a page number, below).
    ticks = "\n\n".join(["27%", "57%", *[str(n) for n in range(0, 101, 10)], "Poor households survey"])
    text = (f"Reasons for not complying\n\n{ticks}\n\n40 50 60 70 80 90\n\nYear\n\n2015\n\n2016\n\n2017\n\n2018\n\n"
            "Contents\n\n30\n\n31\n\n32\n\n33\n\n34\n\nRank\n\n1\n\n2\n\n3\n\nGrowth was 0 10 20 30 40 percent.")
    cleaned = clean(text, "md")
    assert sorted(r.text for r in cleaned.removals if r.rule == "chart_axis") == sorted(
        [str(n) for n in range(0, 101, 10)] + ["40 50 60 70 80 90"])
    paras = cleaned.text.split("\n\n")
    for kept in ("27%", "57%", "Poor households survey", "2015", "2018", "30", "34", "1", "3"):
        assert kept in paras, kept
    assert "Growth was 0 10 20 30 40 percent." in paras


def test_a_charts_data_labels_inside_a_pdf_pages_sentence_go_and_a_tables_cells_stay():
    # Seen: the Ghana DHS's passage first, graded strong, for "child malnutrition stunting rates" read "... within
    # one hour varies more 35 8 18 4 28 9 14 5 19 5 11 3 2003 2008 2014 Note: Stunting reflects ...": the data
    # labels of a chart beside the paragraph, one a line on the PDF's page.
    labels = ["35", "8", "18", "4", "28", "9", "14", "5", "19", "5", "11", "3"]
    page = "\n".join(["Initiation of breastfeeding within one hour varies more", *labels, "2003 2008 2014",
                      "Note: Stunting reflects chronic malnutrition."])
    cleaned = clean(page, "pdf", paged=True)
    assert [r.text for r in cleaned.removals if r.rule == "chart_axis"] == labels
    assert "varies more 2003 2008 2014" in cleaned.text
    # Under a table's label, or in a converted document (its tables read one cell a line), the numbers stay.
    table = "\n".join(["Number of respondents by district", *labels])
    assert not [r for r in clean(table, "pdf", paged=True).removals if r.rule == "chart_axis"]
    assert not [r for r in clean(page, "md").removals if r.rule == "chart_axis"]


def test_a_reports_page_numbers_under_its_running_header_and_its_symbol_on_every_page_go(shared):
    # Seen: "... Poor households survey 45 graphs show the association ..." (the page number stood right under
    # the report's running title), and "EB 2018/124/R.19 6. 7. important for ensuring ..." in 43 passages of
    # the India COSOP, whose pages carry the IFAD document symbol and no page number to find them by.
    mauritius = "the_socio-economic_impact_assessment_of_covid-19_in_mauritius.md"
    seg = prepare_path(shared / "undp-acclabs-blogs" / mauritius)
    paras = seg.document.text.split("\n\n")
    # With no page number between them, "Conclusions" stands over the next page's lower-case text (its opening
    # page lost in conversion): a named section alone on its line is still a heading.
    assert "Conclusions" in [c.title for c in seg.cases]
    at = next(i for i, p in enumerate(paras) if p.startswith("graphs show the association"))
    assert paras[at - 1] == "Poor households survey", paras[at - 3:at]
    assert not any(re.fullmatch(r"\d+", p) for p in paras[at - 12:at])
    india = prepare_path(shared / "ifad-docs" / "cosop_india.md", "ifad-docs/cosop_india.md")
    assert not [c.text for c in india.chunks if "EB 2018/124/R.19" in c.text]
    assert "economic empowerment of smallholder farmers" in india.document.text


def test_a_line_that_ends_on_and_of_or_between_goes_on_with_the_next(shared):
    # A course pack's key figures read "63 percent: While 63 percent of urban residents and" and "17%: ...
    # increased by 385 thousand (+17%) between": the South Sudan post's sentences were cut by blank lines.
    name = "digital_mobile_wallet_usage_as_an_enabler_for_financial_inclusion_undp_south_sudan_rep.md"
    text = prepare_path(shared / "undp-acclabs-blogs" / name).document.text
    assert "While 63 percent of urban residents and 64 percent of PoC site residents own a phone" in text
    assert "increased by 385 thousand (+17%) between January 2020 and January 2021." in text
    # Not a heading after it (a loan agreement's page ends mid-sentence over "ARTICLE IV"), nor a chart's value.
    cleaned = clean("Views are exchanged with the\n\nARTICLE IV\n\nDelaying payments to suppliers or\n\n13\n\n"
                    "Support was given to farmers and\n\n2. Results of the survey", "md").text
    assert "with the\n\nARTICLE IV" in cleaned and "suppliers or\n\n13" in cleaned and "and\n\n2. Results" in cleaned
    # Nor a caption, a source note, a footnote or a table's row after a page's cut sentence.
    for after in ("Figure 3: Poverty rates by region", "Source: National Statistics Office, 2019",
                  "1 World Bank (2019), Poverty and Shared Prosperity", "2015 2016 2017", "Region Urban Rural Total"):
        cut = f"Incomes fell sharply in the three provinces most hit by the drought of\n\n{after}"
        assert f"drought of {after}" not in clean(cut, "md").text, after


def test_a_line_that_closes_the_bracket_the_line_before_opened_continues_it(shared):
    # Seen on the card of the Western Poverty Reduction Project's agreement: "... PEOPLE'S REPUBLIC OF CHINA (the"
    # and "Borrower) and INTERNATIONAL BANK ..." as two paragraphs (40 such cuts over the shared corpus).
    name = ("1999_december_30_225771468021605693_conformed-copy--c3255--western-poverty-reduction-project--"
            "loan-agreement.txt")
    text = prepare_path(shared / "wb-loan-agreements" / name).document.text
    assert ("AGREEMENT, dated December 30, 1999, between PEOPLE’S REPUBLIC OF CHINA (the Borrower) and "
            "INTERNATIONAL BANK FOR RECONSTRUCTION AND DEVELOPMENT (the Bank).") in text
    cleaned = clean("Costs (in US\n\ndollars)\n\nTable 2 (rates\n\nFemale\n\n(2) Male", "md").text
    assert "Costs (in US dollars)" in cleaned and "Table 2 (rates\n\nFemale" in cleaned


def test_a_section_name_over_a_cut_sentence_is_no_page_metadata(shared):
    # Seen: the South Sudan wallet report's "EXECUTIVE SUMMARY" over its first printed line ("Digital Financial
    # inclusion is ... alleviating poverty") read as a web page's label and its value, and both were dropped: the
    # summary opened on "and supporting growth", run into the contents' last entry. A label's value goes on with
    # no line.
    name = "digital_mobile_wallet_usage_as_an_enabler_for_financial_inclusion_undp_south_sudan_rep.md"
    seg = prepare_path(shared / "undp-acclabs-blogs" / name, f"undp-acclabs-blogs/{name}")
    assert "Digital Financial inclusion is an important aspect of economic development, alleviating poverty and " \
           "supporting growth." in seg.document.text
    # Its contents, whose leaders are ellipsis characters under "TABLE OF CONTENT", are contents, whole.
    toc = [c.text for c in seg.chunks if c.kind == "toc"]
    assert any(t.startswith("TABLE OF CONTENT") for t in toc) and any("Recommendations…" in t for t in toc)


def test_a_markdown_quote_reads_without_its_markers(shared):
    # Seen: the IFAD Strategic Framework's endnotes, set as Markdown quotes, kept their markers in 25 passages
    # ("> 18 Reaching the Rural Poor: IFAD Policy on Targeting: > www.ifad.org/...", fifth for "indigenous
    # communities and poverty"). A quote's ">" is Markdown's syntax, as "**" is; a text file's is its text.
    assert clean("> 20 There are numerous definitions of empowerment in the\n> development literature.\n>\n"
                 "> > A quote in a quote.", "md").text == (
        "20 There are numerous definitions of empowerment in the development literature.\n\nA quote in a quote.")
    assert "> 120" in clean("Pressure\n\n> 120 mm Hg", "txt").text
    seg = prepare_path(shared / "ifad-docs" / "IFAD_Strategic_Framework_2016_to_2025.md",
                       "ifad-docs/IFAD_Strategic_Framework_2016_to_2025.md")
    assert "IFAD Policy on Targeting: www.ifad.org" in seg.document.text
    assert not [c.text for c in seg.chunks if re.search(r"(?:^|\s)>\s", c.text)]


def test_a_links_label_for_screen_readers_and_markdowns_escapes_are_not_text():
    # Seen on the cards (walk): "... Cooperative Market Development Programme (CMDP)(link is external), a joint
    # initiative", which UNDP's pages print after every outside link, and a Chinese paper's note "注：\*\*和\*\*\*
    # 分别表示 ..." with Markdown's backslashes shown. Inline math keeps its own backslashes ("$5 \%$").
    cleaned = clean("Accelerator Lab in Nepal together with the Programme (CMDP)(link is external), a joint "
                    "initiative of the Ministry.", "md")
    assert "(CMDP), a joint initiative of the Ministry." in cleaned.text
    assert [(r.rule, r.text) for r in cleaned.removals] == [("external_link_label", "(link is external)")]
    note = clean("注：\\*\\*和\\*\\*\\*分别表示在 $5 \\%$ 和 $1 \\%$ 的显著水平上显著", "md").text
    assert note == "注：**和***分别表示在 $5 \\%$ 和 $1 \\%$ 的显著水平上显著"
    assert clean("A path C:\\*.txt in a text file", "txt").text == "A path C:\\*.txt in a text file"
    formula = "C = { \\sqrt { \\frac { U _ { 1 } } { 2 } } } \\{ x \\}"
    assert clean(formula, "md").text == formula


def test_an_items_number_on_a_line_of_its_own_goes_before_its_text():
    # Walk: a loan agreement's card listed "Also in this case: 2." (687 such lines in the agreements), its text
    # a paragraph of its own after it. A numbered title stays apart, for the headings to read.
    item = ("The table below sets forth the Categories of items to be financed out of the proceeds of the Loan and the "
            "allocation of the amounts of the Loan to each Category:")
    text = (f"1.\n\n{item}\n\n(i)\n\nthis Agreement;\n\n"
            "a)\n\nb)\n\n5.\n\nSavings from less work hours spent preparing vaccine logistics reports\n\n"
            "2.\n\nNational Shopping Except as provided in Part B.4 thereof, goods estimated to cost less than\n")
    paras = clean(text, "txt").text.split("\n\n")
    assert paras[:4] == [f"1. {item}", "(i) this Agreement;", "a)", "b)"], paras
    assert paras[4:6] == ["5.", "Savings from less work hours spent preparing vaccine logistics reports"], paras
    assert "2." in paras, paras


def test_a_wikis_licence_template_closing_a_report_is_not_text(shared):
    # Seen on a walk: Wikisource's licence template ("本作品是中华人民共和国的法律法规 ... 属于公有领域 ... Public
    # domain Public domain false false") closed each government work report's case page; 127 passages held it.
    seg = prepare_path(shared / "cn-gov-work-reports" / "government_work_reports.jsonl")
    text = seg.document.text
    assert "本作品" not in text and "Public domain" not in text and "\n\nfalse" not in text
    assert "公有领域" not in text
    # The report's own last words stay.
    assert "民族复兴伟业不懈奋斗！" in text
    cleaned = clean("各位代表！努力奋斗！\n\n本作品来自中华人民共和国全国人民代表大会的决定。属于\n公有领域\n。\n\n"
                    "Public domain\nPublic domain\nfalse\nfalse")
    assert cleaned.text == "各位代表！努力奋斗！"
    assert [r.rule for r in cleaned.removals] == ["public_domain_notice"]
