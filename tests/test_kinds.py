"""Passage kinds from their shape: tables, references and lists do not compete with prose in search."""

from __future__ import annotations

import pytest

from kb.kinds import classify, classify_case
from tests.conftest import prepare_path

PROSE = ("With no public waste collection in Mukuru, the traders give farmers their waste produce for free or "
         "at little cost as feed for their livestock. Whereas this appears effective, there was room for more.")


# A report's front matter that ends no sentence, told from prose.
_FRONT_MATTER = [
    # The Ghana DHS's front matter, seen as prose: its MDG table first for "cash transfers to reduce child mortality".
    ("3.1c Ratio of girls to boys in tertiary education na na 1.0\n\n4. Reduce child mortality\n\n"
     "4.1 Under-5 mortality rate4 78 62 60", "table"),
    ("ACT artemisinin-based combination therapy AIDS acquired immunodeficiency syndrome ANC antenatal care ARI acute "
     "respiratory infection BCG Bacille Calmette-Guerin BMI body mass index GSS Ghana Statistical Service", "list"),
    ("x • Tables and Figures Table 5.7 Median duration of amenorrhoea, postpartum abstinence, and postpartum\n\n"
     "Table 7.1\n\nFigure 7.2 Trends in unmet need and percentage of demand satisfied with modern methods, Ghana "
     "1988-2014 Figure 7.3 Trends in unmet need for family planning among currently married women", "toc"),
    # Not: a loan's schedule of dates, an outcome in capitals, prose that names one acronym often.
    ("Evaluation of the Management Information System (Part B.(2) (a) of Project): To be completed by June 30, 1994\n\n"
     "Implementation of the Geographical Information System (Part B.(2) (b)): To be completed by June 30, 1995",
     "prose"),
    ("Resultado 1: Acceso a servicios de calidad\n\nPARA 2024, LAS PERSONAS QUE VIVAN EN EL PARAGUAY ACCEDEN A "
     "SERVICIOS DE SALUD, EDUCACION Y PROTECCION SOCIAL DE CALIDAD", "prose"),
    ("Less than half of HIV-positive respondents have been tested for HIV and know that HIV care and HIV treatment "
     "exist; HIV testing among HIV-negative men is lower than among HIV-negative women in every HIV survey", "prose"),
]


@pytest.mark.parametrize("text, kind", [
    (PROSE, "prose"),
    # A survey table laid out one cell a line, as it reached the index from a PDF (a top hit before).
    ("Response\n\nNo\n\nyes\n\ntotal\n\nNumber\n\nPercentage\n\n480\n\n204\n\n684\n\n70.2\n\n29.8\n\n100.0", "table"),
    ("technical assistance\n\nbring\n\nin\n\nin\n\nWorld Food Programme (WFP)\n\n4 0\n\n"
     "UN agencies members of Result Group on nutrition and food security", "table"),
    # Short lines that are sentences stay prose.
    ("Lessons learned:\n\nWomen save together.\n\nLoans follow savings.\n\nGroups meet weekly.\n\n"
     "Leaders are elected.\n\nRecords are kept.", "prose"),
    ("Smith, J. (2019). Cash transfers. Journal of Development 12(3): 45-60.\n"
     "Lee, K. et al. (2020). Savings groups. World Development, vol. 4, pp. 1-20.\n"
     "Wang, L. (2018). Relocation. doi:10.1000/xyz\n"
     "Kim, S. (2017). Microcredit. Oxford University Press.", "references"),
    # One numbered entry of a Chinese paper's reference list, split off alone (a top hit for "relocating
    # households out of remote mountain villages" before); an endnote that cites less stays prose.
    ("[17] 刘伟,黎洁,徐洁.连片特困地区易地扶贫移民生计恢复力评估 [J].干旱区地理,2019,42(3): 673-680.[Liu Wei,"
     "Li Jie,Xu Jie. Evaluation of rural household's livelihood resilience of the Relocation and Setlement Project "
     "in contiguous poor areas[J].Arid Land Geography,2019,42(3): 673-680.]", "references"),
    # A table whose caption stands alone on its first line, its cells below (a top hit before).
    ("TABLE 3.2.\n\nSources of income (December 2019-August 2020)\n\nSources of Income\n\nDec-19\n\nAug-20\n\n"
     "t-statistics for mean difference\n\n1\n\nIncome from household farming or fishing", "table"),
    # A chart's legend, one label a line (the Mauritius COVID-19 assessment's, shown first, graded strong, for
    # "community health workers"); a written list of points stays prose.
    ("Internet sites\n\nNewspapers\n\nSMS / Messaging application\n\nCommunity centre / community leaders\n\n"
     "Health worker at health facility\n\nInformation campaign in public place\n\nPlace worship / religious "
     "leaders\n\nDoor-to-door campaign", "table"),
    # A chart's answer options, three or four labels with no sentence in them, shown first for "income of
    # resettled households after relocation".
    ("Rely on the help of [extended] family members to cover living\n\nexpenses\n\nFind another job/earning "
     "occupation\n\nPermanently migrating back to my original home place", "table"),
    # A heading over one written sentence stays prose, full stop or not.
    ("Key finding\n\nWomen who saved in groups borrowed less from moneylenders\n\nThe groups met every week and "
     "kept their own records of every loan they made to members", "prose"),
    ("Key activities\n- Training farmers in new seeds\n- Building feeder roads\n- Credit for women\n"
     "- Linking groups to buyers\n- Monitoring results", "prose"),
    # A Chinese paper's table under its caption (in the top 10 for an English question); a caption that prose
    # follows stays prose.
    ("表1数据描述性统计\n\nTab.1 Data descriptive statistics\n\n/元\n\n区域时期人均可支配收入家庭农业收入家庭非农收入"
     "青海省扶贫前15797.5736346.6713568.51", "table"),
    ("图1研究区域与调研点\n\nFig.1Sketch map of the study area\n\n本文对所回收问卷进行信度与效度检验。", "prose"),
    # A table's caption and its cells run together on one line, a report's chart caption with the heading after
    # it (first, graded strong, for "nutrition for children under five"); a caption leading into a sentence
    # stays prose.
    ("Table 2.1 Household drinking water Percent distribution of households and de jure population by source of "
     "drinking water, according to residence, Ghana 2014 Characteristic Households Urban Rural Total", "table"),
    ("Figure 11.2 Trends in nutritional status of children under age 5, Ghana 2003-2014\n\n"
     "11.2 BREASTFEEDING AND COMPLEMENTARY FEEDING", "table"),
    # A contents page's lines broken off their page, one with its dot leaders and page number (second, graded
    # strong, for "use of mosquito bed nets by children").
    ("11.8 Micronutrient\n\n12.3.5 Trends in Use of Mosquito Nets by Children under Age 5 and Pregnant Women.. 191"
     "\n\nvi • Contents 16.2 Women’s Control over Their Own Earnings and Relative Magnitude of Women’s", "toc"),
    # Leaders of ellipsis characters (the South Sudan wallet report's contents page read as prose).
    ("EXECUTIVE SUMMARY…………………………………………3\n\nCHAPTER 2. DESK REVIEW FINDINGS………………7\n\n"
     "Conclusion……………………………………22\n\nRecommendations……………………………24", "toc"),
    ("Figure 2 shows that stunting fell by a third in the districts where mothers joined the groups. The fall "
     "was largest among the poorest.", "prose"),
    ("[7] The Household Budget Survey (2017) shows that food and beverages, housing, water and electricity take "
     "most of what a poor household spends in the month.", "prose"),
    # A DHS reference list's entries, the year alone between authors and title: they were prose, in the last
    # chapter's section (no "References" heading survived the PDF).
    ("USAID. 2014. End Line Survey for Continuous Distribution of LLINs in the Eastern Region, Ghana- E- Coupon "
     "Pilot Study Presentation. Accra, Ghana: USAID.\n\nWilliams, B. G., J. O. Lloyd-Smith, E. Gouws, C. Hankins, "
     "W. M. Getz, J. Hargrove, I. de Zoysa, C. Dye, and B. Auvert. 2006. “The Potential Impact of Male Circumcision "
     "on HIV in Sub-Saharan Africa.” PLoS Med 3(7):e262. doi:10.1371/journal.pmed.0030262.", "references"),
    ("The survey was carried out in 2014. It covered 11,835 households in all ten regions, and 9,396 women were "
     "interviewed. Response rates were high: 97 percent of households took part.", "prose"),
    *_FRONT_MATTER,
])
def test_each_kind_is_told_by_its_shape(text, kind):
    assert classify(text) == kind


def test_a_passage_of_a_references_section_is_references_even_alone():
    """One citation alone reads like a sentence; under a "参考文献(References)" heading it is a reference (a
    Chinese paper's references section made its case about Kenya and Britain)."""
    one = ("Duflo, E., Kremer, M., & Robinson, J. (2008). How high are rates of return to fertilizer? Evidence "
           "from field experiments in Kenya. American Economic Review, 2, 482-488.")
    assert classify(one) == "prose"
    for heading in ("参考文献(References)", "参考文献（References）：", "7. References", "Bibliografía"):
        assert classify(one, heading) == "references", heading
    for heading in ("Notes on the pilot", "Annex 4: Bibliography", "Sources of finance"):
        assert classify(PROSE, heading) == "prose", heading


def test_a_reference_list_stays_references_to_its_end_on_a_real_paper(shared):
    """A Chinese paper's list of works, cut into passages of one or two entries, some cut mid-entry
    ("2010,69(3) :592 -602. [22］TIAN Q, ..."): every passage after the "参考文献（References）" heading is
    references; before, nine of them were prose and one was a top-10 hit for an English query."""
    name = "ChinaXiv-202001.00051V1.md"
    segmented = prepare_path(shared / "chinaxiv-poverty-zh" / name, name)
    chunks = list(segmented.chunks)
    start = next(i for i, c in enumerate(chunks) if c.text.lstrip().startswith("参考文献"))
    tail = [c for c in chunks[start:] if c.case_id == chunks[start].case_id]
    assert len(tail) >= 15
    assert [c.ordinal for c in tail if c.kind != "references"] == []
    # The paper's findings before it stay prose.
    assert all(c.kind == "prose" for c in chunks[start - 4:start])
    assert classify_case(["参考文献", "[19］吴孔森.生计选择[J].经济地理,2016,36(9）:141-149.", "2010,69(3):592-602.",
                          "The survey shows that households save.", "[7] The survey (2019) shows that they save."]) == [
        "references", "references", "references", "prose", "prose"]


def test_a_list_of_works_by_author_and_year_with_no_heading_is_references(shared):
    # Seen: a psychology paper's works ("[管健，孙琪.(2018)．亲子关系对贫困儿童问题行为的影响．心理科学,41(5)..."
    # with "Guo, X. C., Guo, Y. Y. (2012). Perceived control ...") stood as prose, 15 passages; one was a card for
    # "贫困儿童怎样才能留在学校？" (how can poor children stay in school?).
    segmented = prepare_path(shared / "chinaxiv-poverty-zh" / "ChinaXiv-201910.00041V1.md")
    entries = [c for c in segmented.chunks if c.text.lstrip().startswith(("[管健", "[郭永玉", "Huang, X. T. (2014)"))]
    assert len(entries) == 3 and {c.kind for c in entries} == {"references"}
    # Sentences that name an author and year at their start are prose.
    assert classify("Haushofer, J. (2014) found that cash transfers raised consumption and reduced stress.\n"
                    "Fehr, E. (2015) reports that the effects lasted a year in rural Kenya.") == "prose"


@pytest.mark.parametrize("text", [
    # A DHS questionnaire's prompts, first for "community health workers" with a strong grade before.
    "On the television?\n\nOn the radio?\n\nFrom a poster?\n\nFrom leaflets or brochures?\n\nFrom a health worker?\n\n"
    "Anyone/anywhere else? Where/Whom? From a Community volunteer/CHW/CBA? In a newspaper or magazine?",
    # Its answer codes behind dot leaders.
    "Any other place?\n\n98\n\n633 PUBLIC SECTOR GOVT. HOSPITAL/POLYCLINIC... A GOVT. HEALTH CENTER/CLINIC... B GOVT. "
    "HEALTH POST/CHPS..... C PROBE TO IDENTIFY EACH TYPE OF SOURCE. FAMILY PLANNING CLINIC....... D",
    # Questions run into one line, no sentence that tells: third, graded strong, for "what share of children
    # sleep under a mosquito net in Ghana".
    "When you got the net, was it already treated with an insecticide to kill or repel mosquitoes? Did anyone "
    "sleep under this mosquito net last night?",
    "同时，本研究尝试回答如下两个问题：（1）世代贫困家庭的个体经由什么样的心理历程发展到当下的贫困状态？（2）匮乏的内生动力"
    "是如何相互作用，形成稳定的致贫心理机制的？",
])
def test_a_survey_form_asks_and_does_not_answer(text):
    assert classify(text) == "form"


def test_prose_that_asks_now_and_then_stays_prose():
    faq = ("Who can apply?\n\nAny registered cooperative with at least ten members can apply for the grant.\n\n"
           "What does it cost?\n\nNothing: the fund pays the fees, and members repay the loan over two years.")
    assert classify(faq) == "prose"
    assert classify("Why does this matter? Because households that save weather shocks better. " * 3) == "prose"
    assert classify("How were households chosen? Who decided? The commune council ranked them by the IDPoor list.") \
        == "prose"


@pytest.mark.parametrize("text", [
    # Seen in the top 6 for "cash transfer targeting errors": a DHS table row whose suppressed cells are stars.
    "Type of earnings Cash only 1.5 16.0 407 Cash and in-kind 3.8 16.1 82 In-kind only * * 9 Not paid * * 12",
    "Total 15-59 na na na na na 68.3 56.5 14.9 25.4 4,388\n\nna = Not applicable",
    # And a survey annex's table, one cell a line, under its numbered caption (which ends in a full stop).
    "100.0\n\n41. Status of caSH tranSfErS USED for agricUltUral actiVitiES received by the households.\n\nStatus\n\n"
    "No\n\nyes\n\ntotal\n\nNumber\n\nPercentage\n\n373\n\n8\n\n381\n\n97.9",
])
def test_cells_that_are_stars_or_na_and_a_numbered_caption_over_cells_are_a_table(text):
    assert classify(text) == "table"


@pytest.mark.parametrize("text", [
    # Seen first for "poverty graduation in Bangladesh": a figure's caption and source, without the figure.
    "Figure 1: Estimates of poverty at national upper poverty limits per Upazila, in 2016. Source: Bangladesh "
    "Bureau of Statistics (2020)",
    "figure 20: total net income of establishments between two periods (Rs. Lakh)\n\nfigure 21: Actions to be "
    "taken in the next two weeks because of CoVID-19 (%)",
    "Fig 1: Number of Respondents that consented to participating in the survey, baseline and endline.",
    # A table's cells cut off from it hold no letter.
    "0.6 17.1 3.0 0.",
])
def test_a_caption_alone_or_cells_without_a_letter_are_a_table(text):
    assert classify(text) == "table"


@pytest.mark.parametrize("text", [
    "Table 6.3 shows that only 2 percent of women and 1 percent of men were not able to provide a numeric response "
    "to the question asked to assess ideal family size.",
    # A caption that runs on into the paragraph that reads it.
    "Figure 6: Change in Gini coefficient by scenario relative to baseline In the expense replacement scenario, "
    "provision of childcare only reduces the Gini coefficient by 0.04%, whereas the child allowance reduces it by "
    "0.85% or roughly twenty times more.",
    "Note: The body mass index (BMI) is expressed as the ratio of weight in kilograms to the square of height in "
    "meters (kg/m2).",
])
def test_a_sentence_about_a_figure_and_a_note_stay_prose(text):
    assert classify(text) == "prose"


def test_a_clause_under_its_number_and_subheadings_stays_prose():
    # A number alone on its line still reads as an end: the loan agreement's procurement clause is prose.
    clause = ("Part C:\n\nOther Procurement Procedures\n\n1.\n\nNational Competitive Bidding\n\n(a)\n\nGoods "
              "estimated to "
              "cost less than $350,000 equivalent per contract may be procured under contracts awarded in accordance "
              "with the provisions of paragraphs 3 and 4 of Section I of the Guidelines.")
    assert classify(clause) == "prose"
    assert classify("Poverty fell by half - from 40 to 20 percent - in ten years, and na fell too.") == "prose"


def test_statements_between_their_counts_with_no_sentence_end_are_a_table():
    # Seen third for "tourism as a way out of poverty": a survey table's statements cut between their counts.
    cells = ("20\n\npromote and organise destinations the public sector is often out of touch with the\n\n7\n\n"
             "way the industry actually works tourism development, management, marketing")
    assert classify(cells) == "table"
    # One page number under a recital that ends on a colon is not a table.
    recital = ("WHEREAS the Bank has agreed to extend the Loan to the Borrower upon the terms and conditions set "
               "forth in this Agreement;\n\nNOW THEREFORE the parties hereto hereby agree as follows:\n\n-2-")
    assert classify(recital) == "prose"


@pytest.mark.parametrize("section", ["Annex I: Statistical tables (Household Survey)", "DATA QUALITY TABLES Appendix C",
                                     "Appendix tables"])
def test_a_passage_of_a_section_of_tables_is_a_table_whatever_its_shape(section):
    # Seen: the Gandaki survey's statistical annexes read as prose where a table's labels run into a line ("Delaying
    # payments to banks or 21 other financial service providers Delaying payments to suppliers or 28 workers ..."),
    # second for "small firms wait months for customers to pay their invoices".
    soup = ("Delaying payments to banks or 21 other financial service providers Delaying payments to suppliers or 28 "
            "workers Don't know Drawing on personal savings or contributions from family equity finance")
    assert classify(soup) == "prose"
    assert classify(soup, section) == "table"
    assert classify(soup, "Turning the tables on rural poverty") == "prose"


def test_a_case_reads_each_passage_in_its_own_section(shared):
    # Seen: a Chinese paper's references, under "参考文献" inside a case titled by its last chapter, read as prose
    # (3 entries); the SMILE analysis's "Annex – Basic Calculation", inside a case titled "References", read as
    # references (its cost tables and findings).
    seg = prepare_path(shared / "undp-acclabs-blogs" / "the_economic_analysis_of_smile_for_immunization_program.md")
    annex = [c for c in seg.chunks if c.section.startswith("Annex – Basic Calculation")]
    assert annex and not any(c.kind == "references" for c in annex)
    assert classify_case(["1. Wang K. Ecology of karst. 2015.", "The survey shows that households save."],
                         ["参考文献", "3 Findings"]) == ["references", "prose"]


def test_an_html_table_in_markdown_is_read_row_by_row_and_is_a_table(shared):
    # Its tags alone removed, a table's cells ran together ("Jiangsu provinceGlass lens", "区域指数U陇南0.2986")
    # into prose: "Tables 区域脆弱生态 环境指数U ..." was sixth for "paired assistance between eastern and western
    # provinces".
    blog = prepare_path(shared / "cbec-rural-ecommerce" / ("2023-07-23-ecommerce-from-basic-principles-to-chinas-"
                                                         "success-and-its-global-impact.md"))
    assert "Danyang County, Jiangsu province | Glass lens and frame | 50% of world glass lens" in blog.document.text
    paper = prepare_path(shared / "chinaxiv-poverty-zh" / "ChinaXiv-201711.00108V1.md")
    rows = [c for c in paper.chunks if "陇南 | " in c.text or "Tables 区域 | " in c.text]
    assert rows and all(c.kind == "table" for c in rows)
    # A DOCX table's rows, as its reader writes them, too; one line of cells alone needs three.
    assert classify("项目 | 纯务工 | 兼业型\n\n样本量 | 217 | 81\n\n贫困户 | 89 | 25") == "table"
    assert classify("Location | Product | Production quantity") == "table"
    assert classify("The rate rose | fell, as the table shows.") == "prose"


@pytest.mark.parametrize(("section", "kind"), [
    ("QUESTIONNAIRES Appendix E", "form"), ("Annex 2: Household questionnaire", "form"),
    # A report's own section about its questionnaires describes them in sentences.
    ("1.6 Questionnaires", "prose"), ("Appendix B: Sampling errors", "prose")])
def test_a_passage_of_an_appendix_of_questionnaires_is_a_form_whatever_its_shape(section, kind):
    # Seen: the Ghana DHS questionnaire's codes read as prose ("PETROL STATION/ PETROL STATION/ ... STREET VENDOR
    # MOBILE MART STREET VENDOR ...") and stood second for "helping street vendors during covid lockdown".
    soup = ("PETROL STATION/ PETROL STATION/ 34 34 PRIMARY SCHOOL. 35 OTHER 36 (SPECIFY) SHOP/MARKET STREET VENDOR "
            "MOBILE MART STREET VENDOR How many months ago did your household get the mosquito net? MONTHS AGO")
    assert classify(soup) == "prose"
    assert classify(soup, section) == kind


def test_a_passage_that_ends_no_sentence_between_two_tables_is_the_tables():
    rows = ["1.8 Prevalence of underweight children under age 5 10.6 11.6 11.0\n\n2. Achieve universal primary "
            "education\n\n2.1 Net attendance ratio in primary education1 70.8 70.5 70.6",
            "2.3 Literacy rate of 15 to 24-year-olds2 89.3a 80.9 85.1 b\n\n3. Promote gender equality and empower "
            "women\n\n3.1 Ratio of girls to boys in primary, secondary, and tertiary education",
            "3.1a Ratio of girls to boys in primary education na na 1.0\n\n3.1b Ratio of girls to boys in secondary "
            "education na na 1.0"]
    # The Ghana DHS's goal table: its middle rows read as a list's items, and it stood first, as prose, for "how
    # to get girls to stay in secondary school".
    assert classify(rows[1]) == "prose"
    assert classify_case(rows) == ["table", "table", "table"]
    # A sentence between two tables is the report's own text, in any script.
    said = "Girls stay in school longer where the school is near, as the next two tables show."
    assert classify_case([rows[0], said, rows[2]]) == ["table", "prose", "table"]
    assert classify_case([rows[0], "女孩在学校附近时上学时间更长。", rows[2]])[1] == "prose"


def test_contents_regions_a_heading_run_into_its_entries_and_one_alone_on_its_line():
    from kb.contents import contents_regions
    from kb.headings import paragraphs
    text = ("Findings end here.\n\nTable of Contents Basic Report Information ii Acknowledgements iii Executive "
            "summary iv\n\n1.0 Introduction 1\n\n1.2 Objective of the Study 2 To understand the effects. 2\n\n"
            "Acronyms and Abbreviations\n\nThe study ran in 2021.")
    (region,) = contents_regions(text, paragraphs(text, 0, len(text)))
    assert region.run_in and text[region.start:].startswith("Table of Contents")
    assert text[region.entries:].startswith("Basic Report") and text[:region.end].endswith("effects. 2")
    # Prose that opens on the word names no list; a heading alone on its line heads one, not run in.
    prose = "Contents of the kit were shared with 3 groups in 2020 and more.\n\nThey met twice."
    assert contents_regions(prose, paragraphs(prose, 0, len(prose))) == []
    alone = "Contents\n\nForeword 3\n\nAnnex 9\n\nThe survey began in May."
    (listed,) = contents_regions(alone, paragraphs(alone, 0, len(alone)))
    assert not listed.run_in and alone[listed.entries:listed.end].strip() == "Foreword 3\n\nAnnex 9"


def test_a_list_of_tables_set_in_lower_case_is_toc():
    # The Gandaki assessment sets its list of tables in odd capitals ("liSt of taBlES table 1: ..."): it read as prose.
    text = ("liSt of taBlES table 1:\n\nSample Allocation by type of study population table 2: Main Intended "
            "destination of agriculture production table 3:\n\nAverage wage rate of respondents by different basis")
    assert classify(text) == "toc"


@pytest.mark.parametrize("text", [
    # A page's footnotes a converter ran into one paragraph (Bangladesh COSOP): shown as a card's second passage.
    "20 IFAD Bangladesh Social Sector Study (2021).\n\n21 The Bangladeshi microfinance sector has historically been "
    "focused on women, but loans are sometimes used by other family members. 22 Microfinance Statistics, 2012 and "
    "2020, and reports of the Credit and Development Forum, Bangladesh. 23 Notre Dame Global Adaptation Initiative.",
    # A table's notes (the Ghana DHS).
    "1 Includes female sterilisation, male sterilisation, IUD and LAM. 2 Includes infrequent sex/husband away. 3 "
    "Includes lack of access/too far.",
])
def test_notes_numbered_in_a_row_are_notes(text):
    assert classify(text) == "references"


@pytest.mark.parametrize("text", [
    "12 Ways to reach the poor: cash transfers reached 3 million households in 2020, and 4 provinces added their own.",
    "The survey teams met the heads of households in their homes across 3 regions of the country in the dry season of "
    "2021, and asked them about their income and savings. 4 Enumerators visited each household twice, 5 Days apart.",
])
def test_numbers_that_count_are_no_notes(text):
    assert classify(text) == "prose"
