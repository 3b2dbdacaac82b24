"""Comparison of cases: key figures with their sentences, actors, alike passages and differences."""

from __future__ import annotations

import pytest

from kb.compare import CompareError, _joined, compare, comparison_table
from kb.explain import leads
from kb.figures import actors, by_sentence, key_figures, record_figures, thing_acronyms
from kb.indexdir import open_store
from kb.models import Chunk
from kb.relevance import Relevance
from kb.taxonomy import load_taxonomy
from tests.conftest import NEWS_2014


def test_key_figures_finds_amounts_people_and_shares_with_their_sentence():
    text = ("The fund lent US$ 3.2 million to 12,500 rural households in 2019. "
            "Repayment stayed at 97% over five years. In 2015 households were first surveyed. "
            "The county spent 155 billion yuan on roads. 2.3 million poor people left poverty.")
    figures = key_figures(text)
    found = [(f.kind, f.value) for f in figures]
    assert found == [("money", "US$ 3.2 million"), ("reach", "12,500 rural households"), ("share", "97%"),
                     ("money", "155 billion yuan"), ("reach", "2.3 million poor people")]
    assert figures[0].sentence == "The fund lent US$ 3.2 million to 12,500 rural households in 2019."
    assert figures[2].sentence == "Repayment stayed at 97% over five years."


def test_lakhs_and_crores_are_part_of_the_amount():
    # The compare page showed "Rs. 8.9" for a Nepali report's "Rs. 8.9 lakh" (890,000 rupees).
    text = "Losses averaged Rs. 8.9 lakh a firm; 2 crore people were reached."
    found = [(f.kind, f.value) for f in key_figures(text)]
    assert found == [("money", "Rs. 8.9 lakh"), ("reach", "2 crore people")]


def test_a_share_of_people_is_a_share_not_people_reached():
    # The Ghana DHS's nutrition chapter listed "3 percent of children" under "People or households reached".
    figures = key_figures("About 3 percent of children were overweight.\n\n• Only 13 per cent of women voted.")
    assert [(f.kind, f.value, f.sentence) for f in figures] == [
        ("share", "3 percent", "About 3 percent of children were overweight."),
        ("share", "13 per cent", "Only 13 per cent of women voted.")]


def test_figures_of_one_sentence_are_listed_once_with_their_values():
    text = "A loan of 90 million USD and an in-loan grant of 1 million USD. The cost is 200 million USD."
    money = [f for f in key_figures(text) if f.kind == "money"]
    assert by_sentence(money) == [(("90 million USD", "1 million USD"),
                                   "A loan of 90 million USD and an in-loan grant of 1 million USD."),
                                  (("200 million USD",), "The cost is 200 million USD.")]


def test_key_figures_of_a_span_read_that_span_and_say_where_each_stands_in_the_text():
    # A case of a long report: only its span is read (1,543 eval-index cases: the same figures, 25x faster).
    text = "The fund lent US$ 1 million. " * 50 + "Repayment stayed at 97% over five years. Then 3% fell."
    start = text.index("Repayment")
    figures = key_figures(text, start, start + len("Repayment stayed at 97% over five years."))
    assert [(f.value, f.sentence) for f in figures] == [("97%", "Repayment stayed at 97% over five years.")]
    assert text[figures[0].start:].startswith("97%")


def test_key_figures_skip_years_glued_to_numbers():
    # Machine-translated text glues a year to a share ("reached 94 in 2020.8%"); neither is a count.
    assert key_figures("The rate reached 94 in 2020.8%. In 2015 households moved.") == ()


def test_key_figures_read_a_decimal_comma_whole():
    # A Paraguay programme document on the compare page: "13,3 %" was listed as "3 %", "46,8 %" as "8 %".
    text = "Base de referencia: 13,3 %. La pobreza multidimensional (46,8 %, 38,9 % y 14,3 %) y 2.500 hogares."
    assert [f.value for f in key_figures(text) if f.kind == "share"] == ["13,3 %", "46,8 %", "38,9 %", "14,3 %"]
    # Thousands keep their comma; a year glued to a share by one is still no share.
    assert [f.value for f in key_figures("It reached 1,000 households, 3.5 percent of them.")] == [
        "1,000 households", "3.5 percent"]
    assert not key_figures("Poverty fell in 2020,8% of it in towns.")


def test_key_figures_do_not_take_a_papers_inline_math_for_dollars_and_show_it_as_numbers():
    # Seen on the comparison page: "$9: 由于移民对土地较深的情怀 ... $9 0 \\%$ 以上的移民" (over 90% of migrants).
    figures = key_figures("由于移民对土地较深的情怀，$9 0 \\%$ 以上的移民迁出地耕地仍然都是自己在种植。"
                          "A grant of $5 to $10 each.")
    assert [(f.kind, f.value) for f in figures] == [("money", "$5 to $10")]
    figures = key_figures("参加技能培训的贫困户由搬迁前的 $1 5 \\%$ 提高到 $8 5 \\%$，共 3,000 户。")
    assert [(f.kind, f.value) for f in figures] == [("reach", "3,000 户")]
    assert "由搬迁前的 15% 提高到 85%" in figures[0].sentence
    # A sentence that would begin inside the math takes it whole, and reads it as numbers.
    long = "其中" + "移民" * 90 + "完成了$9 1 \\times 1 0 ^ { 4 }$ 人的搬迁任务，共 11485户。"
    assert "91 × 10⁴ 人的搬迁任务" in key_figures(long)[0].sentence


def test_key_figures_read_full_width_digits_and_no_count_across_and():
    # The 1956 report's "１，０００元" was "０００元", twice; a survey's "women age 15-49 and men" reached "49 and men".
    figures = key_figures("每户平均收入达到１，０００元。")
    assert [(f.kind, f.value) for f in figures] == [("money", "1,000元")]
    assert figures[0].sentence == "每户平均收入达到１，０００元。"
    assert key_figures("Women age 15-49 and men age 15-59 were interviewed.") == ()


def test_an_acronym_beside_the_name_it_stands_for_is_one_actor(dhs):
    # The Ghana DHS's nutrition chapter listed "PAHO; World Health Organization; WHO" on the compare page.
    text = dhs.document.text
    case = next(c for c in dhs.cases if c.title.startswith("11 Nutrition"))
    found = actors(text[case.start:case.end], "en", document=text)
    assert "World Health Organization" in found and "WHO" not in found


def test_actors_keeps_named_organisations_and_drops_fragments_and_countries():
    text = ("The Development and Reform Commission and the Ministry of Water Resources funded wells. "
            "The Development and Reform Commission also paid for roads with IFAD. China and Kenya took part.")
    found = actors(text, "en")
    assert found[0] == "Development and Reform Commission"
    assert "Ministry of Water Resources" in found
    assert "Reform Commission" not in found
    assert not {"China", "Kenya"} & set(found)
    # A section named in capitals on a contents page is no organisation (spaCy says it is: the Ghana DHS's
    # "FOREWORD" stood among its actors on the compare page); acronyms stay.
    contents = ("FOREWORD ........ xvii\n\nThe Ghana Statistical Service (GSS) ran the survey with the Ghana Health "
                "Service (GHS). GSS and GHS trained the teams, and UNICEF paid for the tests.")
    found = actors(contents, "en")
    assert "FOREWORD" not in found and {"GSS", "GHS", "UNICEF"} <= set(found)
    # An acronym its document spells out as a thing is no actor (spaCy calls ITN and IRS organisations: they led
    # the Ghana DHS's malaria chapter's actors); one spelled out as a body, or never spelled out, stays.
    document = ("ACRONYMS\n\nIRS indoor residual spraying\nITN insecticide-treated net\nNMCP National Malaria Control "
                "Programme\n\nHouseholds own insecticide-treated nets (ITNs).")
    malaria = ("The NMCP distributed ITN campaigns in every region, and IRS covered the north. NMCP staff checked "
               "each ITN and IRS round with UNICEF, and UNICEF paid for the nets.")
    found = actors(malaria, "en", document=document)
    assert not {"ITN", "IRS"} & set(found) and {"NMCP", "UNICEF"} <= set(found)
    # A body's word inside a thing's name does not make it a body: seen on the compare page, "USSD" among a
    # baseline report's actors; a body named "of" something stays one.
    phones = ("Traders asked for an Unstructured Supplementary Service Data (USSD) code. The Zimbabwe Revenue "
              "Authority (ZIMRA) and the Ministry of Finance (MOF) met them. USSD menus, ZIMRA and MOF staff, then "
              "USSD again; ZIMRA and MOF agreed.")
    found = actors(phones, "en")
    assert "USSD" not in found and "ZIMRA" in found and "Ministry of Finance" in found  # MOF is it, once
    # Social protection's own abbreviations name a field or an instrument: the compare page listed "SP" among the
    # actors of Tanzania's Productive Social Safety Net III, which writes "adaptive SP delivery systems".
    pssn = ("The project supports PSSN beneficiaries through TASAF, and TASAF runs the cash transfers. To enhance "
            "income-generating opportunities of PSSN beneficiaries and build adaptive SP delivery systems.")
    found = actors(pssn, "en")
    assert "SP" not in found and "TASAF" in found


def test_actors_seen_on_the_compare_page_that_named_no_one_are_gone():
    # Seen reading the actors of 300 cases of the eval index: a table's lines run into one name, "the" joining a
    # sentence's first word to a body, a person opening a list's body, documents and things spelled out or not.
    table = "Work Access Permit\n\nWage Assistance Scheme\n\nWorld Bank\n\nWorld Health Organisation\n\nUNDP"
    found = actors(table + "\n\nThe World Bank and the World Health Organisation met.", "en")
    assert {"World Bank", "World Health Organisation"} <= set(found)
    assert not any("Scheme" in name or "World Bank World" in name for name in found)
    assert "Technically the Bank" not in actors("Technically the Bank will finance the gauges. The Bank agreed.",
                                                "en")
    people = ("Participants: Emmanuel Larbi Ghana AIDS Commission and Eunice Mintah-Agyemang National Malaria "
              "Control Programme. The Ghana AIDS Commission led the testing.")
    found = actors(people, "en")
    assert "Ghana AIDS Commission" in found and not any(name.startswith("Emmanuel") for name in found)
    staff = ("MALARIA TESTING Noguchi Memorial Institute for Medical Research; GEF SGP Cuba. The Noguchi Memorial "
             "Institute for Medical Research tested the samples.")
    found = actors(staff, "en")
    assert "Noguchi Memorial Institute for Medical Research" in found and not any("TESTING" in n for n in found)
    nepal = ("Women found it hard to reach ANC and PNC services, so the Ministry of Health sent SMS reminders. ANC "
             "and PNC visits rose; SMS reached 4,000 women. The Project Agreement and the General Conditions apply.")
    found = actors(nepal, "en")
    assert not {"ANC", "PNC", "SMS", "Project Agreement", "General Conditions"} & set(found)
    assert "Ministry of Health" in found
    trade = ("The Africa Borderlands Centre (ABC) trained each CBT (Cross Border Traders) group; a recipient executed "
             "trust fund (TF) paid for it. ABC and CBT leaders, then TF staff; ABC again, and CBT and TF reports.")
    found = actors(trade + " Cross Border Traders use Village Banking. Cross Border Traders like Village Banking.",
                   "en")
    assert "Africa Borderlands Centre" in found
    assert not {"CBT", "TF", "Cross Border Traders", "Village Banking"} & set(found)
    survey = ("Mothers received antenatal care (ANC) from a Community-based Health Planning and Services (CHPS) "
              "nurse or the Ghana Health Service (GHS). ANC, CHPS and GHS staff; ANC again, and GHS.")
    found = actors(survey, "en")
    assert "GHS" in found and "ANC" not in found


def test_an_acronym_run_into_the_name_it_stands_for_is_that_name():
    # An endline report's acronyms list on the compare page: "UNCDF United Nations Capital Development Fund".
    text = ("CBT’s Cross Border Traders UNCDF United Nations Capital Development Fund UNDP United Nations Development "
            "Programme FDG Focus Group Discussion\n\nUNDP and UNCDF ran the study.")
    found = actors(text, "en")
    assert {"United Nations Capital Development Fund", "United Nations Development Programme"} <= set(found)
    assert not [name for name in found if name.startswith(("UNCDF ", "UNDP "))] and "UNDP" not in found


def test_two_bodies_joined_by_and_are_two_actors():
    # The Egyptian Food Bank post's compare column read "Desert Research Center and Agricultural Research Centre".
    found = actors("It worked with the Desert Research Center and Agricultural Research Centre, funded by the World "
                   "Bank and Asian Development Bank, and the Food and Agriculture Organization.", "en")
    assert {"Desert Research Center", "Agricultural Research Centre", "World Bank", "Asian Development Bank",
            "Food and Agriculture Organization"} <= set(found)
    assert not [a for a in found if " and " in a and a != "Food and Agriculture Organization"]


def test_a_name_the_model_alone_found_whose_head_is_a_common_word_is_no_actor():
    # Seen: a table's caption in prose ("Type of Provider of First Postnatal Checkup") and a product ("Google My
    # Business") among the actors; a body's word or a place at the end keeps a name ("UNDP India").
    text = ("Type of Provider of First Postnatal Checkup is shown by region. Type of Provider of First Postnatal "
            "Checkup varies. Shops listed on Google My Business sold more; Google My Business is free. UNDP India "
            "and the United Nations paid for it; UNDP India reported to the United Nations.")
    found = actors(text, "en")
    assert not {"Type of Provider of First Postnatal Checkup", "Google My Business"} & set(found)
    assert "UNDP India" in found


def test_a_prose_passage_cut_in_a_sentence_runs_on_into_the_next_for_the_actors():
    # Seen: a passage ended "... the Food and Agriculture" and the next began "Organization of the United Nations
    # (FAO)": the actor read "Organization of the United Nations". A table's lines stay apart.
    def chunk(n: int, text: str, kind: str = "prose") -> Chunk:
        return Chunk("c", "d", n, 0, 0, text, kind=kind)
    text = _joined([chunk(0, "It works with the Food and Agriculture"), chunk(1, "Organization of the United Nations."),
                    chunk(2, "Wage Assistance Scheme", "table"), chunk(3, "World Bank", "table")])
    assert "Food and Agriculture Organization of the United Nations" in actors(text, "en")
    assert "Scheme World Bank" not in text
    assert "Regional Programme" in actors("Kenya and Somalia The Regional Programme met twice. The Regional "
                                          "Programme paid.", "en")


def test_the_acronyms_that_name_things_are_data():
    assert {"SMS", "ICT", "GDP", "NGO"} <= thing_acronyms() and not {"UNDP", "FAO", "GHS"} & thing_acronyms()


def test_compare_refuses_too_few_too_many_and_repeated_cases(seed_index):
    store = open_store(seed_index)
    ids = [c.case_id for c in store.cases()][:5]
    try:
        with pytest.raises(CompareError, match="2 to 4"):
            compare(store, ids[:1])
        with pytest.raises(CompareError, match="2 to 4"):
            compare(store, ids)
        with pytest.raises(CompareError, match="twice"):
            compare(store, [ids[0], ids[0]])
    finally:
        store.close()


def test_compare_two_seed_cases(seed_index):
    store = open_store(seed_index)
    try:
        cases = {c.title: c.case_id for c in store.cases()}
        living = next(v for k, v in cases.items() if k.startswith("(1) The living standards of the poor"))
        # The 2014 news article is one case, its section on follow-up development among its passages.
        (areas,) = [c.case_id for c in store.cases(store.stored_docs()[f"seeds/{NEWS_2014}"].doc_id)]
        comparison = compare(store, [living, areas])
        prose_of = {c: list(store.chunks(case_id=c)) for c in (living, areas)}
    finally:
        store.close()
    first, second = comparison.profiles
    assert first.year == "2021" and first.countries[0] == "CHN"
    assert any(f.value == "6,079 yuan" for f in first.figures)
    assert any(f.value == "155 billion yuan" and "Ministry of Transport" in f.sentence for f in second.figures)
    assert "Ministry of Transport" in second.actors
    # Both speak of drinking water projects: that pair of passages is among the most alike.
    assert comparison.alike and all(p.case_a == living and p.case_b == areas for p in comparison.alike)
    assert any("drinking water" in p.text_a and "water" in p.text_b.lower() for p in comparison.alike)
    # "Alike" is said only of prose passages at least as close as a good match to a query.
    prose = {chunk.text for c in (living, areas) for _, chunk in prose_of[c] if chunk.kind == "prose"}
    assert all(p.score >= Relevance().match_cosine and {p.text_a, p.text_b} <= prose for p in comparison.alike)
    only = dict(comparison.only)
    assert "actor: Ministry of Transport" in only[areas]
    header, rows = comparison_table(comparison)
    assert header[1].startswith("(1) The living standards") and len(header) == 3
    table = {row[0]: row[1:] for row in rows}
    assert table["Case id"] == [living, areas]
    assert "155 billion yuan" in table["Money amounts"][1]
    # Approaches and goals by their names, as the cards show them, never by their ids.
    named = {a.id: a.label for a in load_taxonomy().approaches}
    assert first.approaches and table["Approaches"][0] == ", ".join(named[a] for a in first.approaches)
    assert all(g.startswith("SDG ") for g in table["SDGs"][0].split(", ") if g)
    assert not any(line.split(": ", 1)[1] in named for lines in only.values() for line in lines
                   if line.startswith("approach: "))


def test_a_comparison_lists_the_countries_a_case_is_about_not_those_it_names(tmp_path):
    from tests.conftest import HASH_ONLY, index_of

    index = index_of(tmp_path, {
        "mauritius.md": "# Risk communication in Mauritius\n\nThe virus first reported in Wuhan, China reached "
                        "Mauritius in March. Mauritius closed its borders, and radio in Mauritius carried the health "
                        "messages to every village.\n",
        "kenya.md": "# Savings groups in Kenya\n\nWomen in Kenya saved together in groups, and Kenya's county "
                    "officers trained their treasurers to keep the books.\n"}, HASH_ONLY)
    store = open_store(index)
    try:
        ids = [c.case_id for c in store.cases()]
        comparison = compare(store, ids)
    finally:
        store.close()
    assert sorted(p.countries for p in comparison.profiles) == [("KEN",), ("MUS",)]  # China only named


def test_actors_are_read_from_prose_and_neither_words_set_in_capitals_nor_places_are_actors(dhs):
    text = dhs.document.text
    women = next(c for c in dhs.cases if c.title.startswith("16 Women"))
    found = actors(text[women.start:women.end], "en", document=text)
    # "16.2 WOMEN'S CONTROL OVER THEIR OWN EARNINGS" gave the chapter's actors "WOMEN" and "CONTROL"; the text
    # writes both in lower case, and "CEDAW" in capitals.
    assert not {"WOMEN", "CONTROL"} & set(found) and "CEDAW" in found
    # A table's column heads ("Total Number") name no one: the named-entity model reads a case's prose, and a name
    # it alone found whose head is a common word ("Number") is none even where it reads the tables.
    assert "Total Number" not in found
    prose = "\n\n".join(c.text for c in dhs.chunks if c.case_id == women.case_id and c.kind == "prose")
    assert "Total Number" not in actors(text[women.start:women.end], "en", document=text, prose=prose)
    # Ghana's regions, which spaCy calls organisations, are places.
    malaria = next(c for c in dhs.cases if c.title.startswith("12 Malaria"))
    assert not {"Greater Accra", "Upper West"} & set(actors(text[malaria.start:malaria.end], "en", document=text))


def test_a_number_before_for_whom_it_holds_is_no_count_of_people():
    # "44 for women" was people reached on the compare page: it is a rate, its "percent" left unsaid.
    figures = key_figures("The employment rate for men was 69 percent and 44 for women. The median age at first "
                          "birth is 22.6 years for women, and 19 on farmers.")
    assert [(f.kind, f.value) for f in figures] == [("share", "69 percent")]
    assert [f.value for f in key_figures("The project reached 5.14 million students from poor families.")] == [
        "5.14 million students"]
    # Whom a count names in two words is counted whole: "60 men and women", not "60 men".
    assert [f.value for f in key_figures("We talked with over 60 men and women in both governorates.")] == [
        "60 men and women"]


def test_figures_of_one_long_sentence_share_it_whole():
    # Its second figure was shown with a window cut mid-sentence: "58 percent: of currently married employed ...".
    sentence = ("The percentage of currently married employed women who earn cash and make independent decisions "
                "about how to spend their earnings increased to 63 percent in 2014 from 58 percent in 2008.")
    figures = key_figures(f"Control over cash earnings is one dimension of empowerment. {sentence} It rose 5 percent.")
    assert by_sentence(figures) == [(("63 percent", "58 percent"), sentence), (("5 percent",), "It rose 5 percent.")]


def test_a_heading_alone_is_alike_to_nothing(seed_index):
    # Seen (walk): the most alike pair of a comparison set a Bangladesh paragraph on poverty beside a passage that
    # was only the heading "3. Implement targeted poverty alleviation strategy".
    store = open_store(seed_index)
    try:
        # The heading now opens the paragraph under it (kb.segment), no passage of its own.
        heading = next(pid for pid, chunk in store.chunks(case_id="78a35d0f4699-11")
                       if chunk.text.startswith("3. Implement targeted poverty alleviation strategy\n\n"))
        comparison = compare(store, ["78a35d0f4699-11", "b79428c920cc-1"])
    finally:
        store.close()
    assert heading and comparison.alike
    assert not [p for p in comparison.alike if leads(p.text_a) or leads(p.text_b)]


def test_a_records_own_amount_and_organisation_columns_are_its_figures_and_actors(tmp_path):
    # Walk: a comparison of World Bank project records showed no figures and "Actors: none named", though each
    # record's columns give its commitment, its grant and its implementing agency.
    from tests.conftest import HASH_ONLY, index_of

    table = ("Project Name,Project Development Objective,Country,Implementing Agency,IDA Commitment $US,"
             "Grant Amount $US\n"
             "Adaptive Safety Net,The objective is to strengthen the safety net for households hit by drought.,"
             "Ethiopia,\"Ministry of Agriculture,Third Party Implementer,Federal Democratic Republic of Ethiopia,"
             "and the latter is also the implementing partner\",512500000.0,0.0\n"
             "Rural Roads,The objective is to connect villages to markets with all-weather roads.,Kenya,"
             "\"Ministry of Agriculture, Livestock and Fisheries\",150000000,25000000\n")
    index = index_of(tmp_path, {"projects.csv": table}, HASH_ONLY)
    store = open_store(index)
    try:
        comparison = compare(store, [c.case_id for c in store.cases()])
    finally:
        store.close()
    net, roads = sorted(comparison.profiles, key=lambda p: p.case.title)
    # Not the borrower, a country, nor a sentence's tail the column holds.
    assert net.actors[:2] == ("Ministry of Agriculture", "Third Party Implementer")
    assert not {"Federal Democratic Republic of Ethiopia", "and the latter is also the implementing partner"} \
        & set(net.actors)
    assert roads.actors[:1] == ("Ministry of Agriculture, Livestock and Fisheries",)
    assert [(f.value, f.sentence) for f in net.figures] == [("US$512.5 million", "IDA Commitment $US")]
    assert [f.value for f in roads.figures] == ["US$150 million", "US$25 million"]
    # A column's amount as tables write it; what is no amount gives none.
    assert [(f.value, f.sentence) for f in record_figures([
        ("Cost USD", "$ 1,200,000"), ("Grant Amount $US", "n/a"), ("Loan $US", "1e309"), ("Amount €", "-5"),
        ("Total (EUR)", "75000"), ("Project Id", "P172479")])] == [
        ("US$1.2 million", "Cost USD"), ("€75,000", "Total (EUR)")]


def test_key_figures_read_a_range_as_one_amount_and_a_few_people_as_no_reach():
    # Walk: a course pack read "$3" for "$3 to $5", and listed "2 children" among the people reached.
    text = ("Fees ran from $3 to $5 a visit, $3-5 for the poorest. The fund lent US$ 3.2 million to 12,500 "
            "rural households. Each woman has 2 children; 5 people joined each group. It reached 5 million "
            "households in 8 villages. 5人参加, 5万人受益.")
    assert [(f.kind, f.value) for f in key_figures(text)] == [
        ("money", "$3 to $5"), ("money", "$3-5"), ("money", "US$ 3.2 million"), ("reach", "12,500 rural households"),
        ("reach", "5 million households"), ("reach", "8 villages"), ("reach", "5万人")]


def test_each_kind_of_figure_has_its_share_of_the_places():
    # Walk: a Cambodian case's twelve figures were all its opening's world shares; its US$75 a month transfer, later
    # in the text, was not among them.
    text = " ".join(f"In region {n}, {n + 10}% of workers were informal." for n in range(20))
    text += " The transfer paid US$ 75 a month to 1,200 households."
    found = [(f.kind, f.value) for f in key_figures(text)]
    assert found[-2:] == [("money", "US$ 75"), ("reach", "1,200 households")]
    assert [kind for kind, _ in found].count("share") == 4
    assert len(key_figures(text, limit=6)) == 4  # two places a kind: two shares, the amount, the households
