"""Readers: encodings, HTML, PDF, DOCX and record tables, and the errors for bad input."""

from __future__ import annotations

import io
import re

import pytest

from kb.config import RecordColumns, Settings
from kb.errors import IngestError
from kb.ingest import read_bytes, read_file
from kb.ingest.text import decode
from tests.conftest import prepare_path
from tests.hostile import pdf_of_content

SPANISH = ("La pobreza energética es mucho más que la falta de un servicio: "
           "afecta la salud, la educación y el empleo. ") * 5
CHINESE = "易地扶贫搬迁是精准扶贫的重要举措，搬迁群众的后续产业发展和稳定就业至关重要。" * 5


@pytest.mark.parametrize("data, expected", [
    (SPANISH.encode("utf-8"), SPANISH),
    (b"\xef\xbb\xbf" + SPANISH.encode("utf-8"), SPANISH),
    (SPANISH.encode("utf-16"), SPANISH),                  # with BOM
    (SPANISH.encode("utf-16-le"), SPANISH),               # without BOM
    (SPANISH.encode("utf-16-be"), SPANISH),
    (CHINESE.encode("gb18030"), CHINESE),
    (CHINESE.encode("gbk"), CHINESE),
    (SPANISH.encode("latin-1"), SPANISH),
    (CHINESE.encode("utf-16-le"), CHINESE),
])
def test_text_encodings_detected(data, expected):
    assert decode(data, "x.txt") == expected


def test_binary_and_empty_text_are_errors_naming_the_file():
    with pytest.raises(IngestError, match=r"^blob\.txt: binary data"):
        decode(bytes(range(256)) * 40, "blob.txt")
    # Seen: NUL and control bytes are valid UTF-8, so a binary file named .txt was stored as an Italian report.
    with pytest.raises(IngestError, match=r"^data\.txt: binary data"):
        decode(b"\x00\x01\x02\x03binary", "data.txt")
    assert decode(b"Tabs\tand form feeds\x0c are text.\r\n", "x.txt") == "Tabs\tand form feeds\x0c are text.\r\n"
    with pytest.raises(IngestError, match=r"^empty\.txt: empty file"):
        read_bytes(b"  \n ", "empty.txt", "txt", Settings())


def test_markdown_front_matter_hidden_in_a_comment_is_metadata_and_comments_are_not_text():
    # Seen: a toolkit page that hides its Jekyll front matter in an HTML comment showed "nav_order: 3" on its card.
    page = (b"<!---\n---\ntitle: ...with a course to build trust\nparent: Helps you understand\nnav_order: 3\n---\n"
            b"-->\n\n# A course to build trust in digital technology\n\nWhat it does. <!-- draft note -->It trains "
            b"market vendors.\n")
    raw = read_bytes(page, "understand_PER.md", "md", Settings())
    assert ("nav_order", "3") in raw.meta
    assert "nav_order" not in raw.pages[0] and "-->" not in raw.pages[0] and "draft note" not in raw.pages[0]
    assert raw.pages[0].startswith("\n# A course to build trust")


def test_html_keeps_main_text_without_navigation_scripts_styles():
    page = b"""<html><head><title>Village tourism in Yunnan</title><style>p{color:red}</style>
    <script>alert('x')</script></head><body><nav><a href='/'>Home</a> | <a>News</a></nav>
    <header>Site banner</header><main><h1>Village tourism</h1><p>Homestays in the village raised
    household income by a third in two years, according to the county tourism bureau.</p>
    <h2>Training</h2><p>Residents were trained as guides and cooks by the cooperative, which also
    manages bookings online for the whole village and shares the income.</p></main>
    <footer>Copyright 2024</footer></body></html>"""
    raw = read_bytes(page, "page.html", "html", Settings())
    assert raw.title == "Village tourism in Yunnan"
    text = raw.pages[0]
    assert "Homestays in the village" in text and "# Village tourism" in text and "## Training" in text
    for furniture in ("alert", "color:red", "Home |", "News", "Site banner", "Copyright"):
        assert furniture not in text


def test_pdf_pages_kept_for_every_passage(shared):
    seg = prepare_path(shared / "ubicenter-cash-transfers" / "pdf" / "NABIG_child_allowance_paper.pdf")
    pages = int(dict(seg.document.meta)["pages"])
    assert pages > 1 and len(seg.document.page_starts) == pages
    assert all(c.page is not None and 1 <= c.page <= pages for c in seg.chunks)
    starts = list(seg.document.page_starts) + [len(seg.document.text)]
    for number in range(1, pages + 1):
        lo, hi = starts[number - 1], starts[number]
        if seg.document.text[lo:hi].strip():
            # Every page with text is covered by a passage that starts on it or runs into it.
            assert any(c.start < hi and c.end > lo and c.page <= number for c in seg.chunks), number
    assert all(c.page == seg.document.page_at(c.start) for c in seg.chunks)


def test_long_pdf_headers_and_footers_removed_and_pages_numbered(dhs):
    seg = dhs
    assert len(seg.document.page_starts) == 530
    assert max(c.page for c in seg.chunks) >= 520
    assert int(dict(seg.document.meta)["headers_footers_removed"]) > 300
    # The running footer "Introduction and Survey Methodology • 3" no longer opens or closes passages.
    assert not any(c.text.rstrip().endswith("Introduction and Survey Methodology") for c in seg.chunks)
    # Its cover holds the title alone; its title page, after a blank page, names who publishes it (the case page
    # said "no publisher").
    assert seg.document.publisher == "Ghana Statistical Service"


def test_encrypted_truncated_and_fake_pdfs_are_errors_naming_the_file(shared, tmp_path):
    from pypdf import PdfReader, PdfWriter

    real = shared / "undp-fin-inclusion-toolkit" / "pdf" / "VillageSavers_app_Implementation_Summary.pdf"
    writer = PdfWriter()
    for page in PdfReader(real).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(IngestError, match=r"^locked\.pdf: encrypted PDF"):
        read_bytes(buffer.getvalue(), "locked.pdf", "pdf", Settings())
    data = real.read_bytes()
    with pytest.raises(IngestError, match=r"^cut\.pdf: "):
        read_bytes(data[: len(data) // 3], "cut.pdf", "pdf", Settings())
    with pytest.raises(IngestError, match=r"^fake\.pdf: not a PDF"):
        read_bytes(b"hello, I am text", "fake.pdf", "pdf", Settings())


def test_docx_paragraphs_headings_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Solar income for villages", level=0)
    document.add_heading("1. Background", level=1)
    for n in range(1, 9):  # sections long enough to stand as cases of their own
        document.add_paragraph(f"Village photovoltaic station number {n} pays its income to poor households through "
                               "the village collective.")
    document.add_heading("2. Results", level=1)
    for n in range(1, 9):
        document.add_paragraph(f"In quarter {n}, each registered household received its agreed share of the station's "
                               "income from the village collective.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Households", "Income (yuan)"
    table.cell(1, 0).text, table.cell(1, 1).text = "1,200", "3,000"
    path = tmp_path / "solar.docx"
    document.save(path)
    seg = prepare_path(path)
    assert seg.document.title == "Solar income for villages"
    assert "Households | Income (yuan)" in seg.document.text
    assert [c.title for c in seg.cases] == ["1. Background", "2. Results"]
    with pytest.raises(IngestError, match=r"^bad\.docx: unreadable DOCX"):
        read_bytes(b"PK\x03\x04 not really a zip", "bad.docx", "docx", Settings())


def test_record_tables_one_case_per_row_with_mapped_columns(shared):
    seg = prepare_path(shared / "undp-south-south-cases" / "south_south_projects.csv")
    assert len(seg.cases) == 177
    first = seg.cases[0]
    assert first.title == "Chile Fund against Hunger and Poverty"
    fields = dict(first.fields)
    assert fields["region"] == "Africa,LAC,Asia Pacific" and fields["date"] == "2011"
    # Which column dated it is kept: a project's "date" beside its "Effective Date" told no one which it was.
    assert fields["date_from"] == "Start year"
    assert "Agriculture and Food Security" in fields["theme"]
    first_text = seg.document.text[first.start:first.end]
    assert first_text.startswith("Chile Fund against Hunger and Poverty\n\nThe project aimed")
    wb = prepare_path(shared / "wb-project-abstracts" / "priority_projects_with_abstracts.csv")
    assert dict(wb.cases[0].fields)["country"] == "Republic of Cote d'Ivoire"
    assert all(c.fields for c in wb.cases)


def test_jsonl_records(shared):
    seg = prepare_path(shared / "cn-gov-work-reports" / "government_work_reports.jsonl")
    assert len(seg.cases) == 72
    assert seg.cases[0].title == "2025年中华人民共和国国务院政府工作报告"
    assert seg.document.language == "zh"


def test_a_chinese_paragraph_cut_by_a_line_break_is_whole(shared):
    # The reports set M2's subscript on a line of its own: "稳健的货币政策要松紧适度。广义货币M" alone was a passage
    # (sixth for "conditional cash transfers school attendance Latin America"); and "稳" | "定地位。" split a word.
    text = prepare_path(shared / "cn-gov-work-reports" / "government_work_reports.jsonl").document.text
    assert "广义货币M2 和社会融资规模增速要与国内生产总值名义增速相匹配" in text
    assert "保持人民币在全球货币体系中的稳定地位。" in text
    assert "\n\n2\n\n" not in text
    assert "推动区域全面经济伙伴关系协定（RCEP）生效实施" in text
    # A link's words on a line of their own: "实施新一轮《" | "教育振兴行动计划" | "》，重点...", whose title alone
    # ranked its report fourth for "lessons learned from relocation programmes"; "締結了" | "友好同盟互助條約" |
    # "。蘇聯...".
    assert "实施新一轮《教育振兴行动计划》，重点加强义务教育" in text
    assert "我國同偉大的和平堡壘蘇聯已經締結了友好同盟互助條約。蘇聯根據" in text
    assert "重点地区细颗粒物（PM2.5）浓度" in text
    # A heading, which ends no sentence inside it, does not run into the paragraph under it.
    assert "\n\n三、2019年政府工作任务\n\n" in text


def test_a_chinese_title_whose_last_character_sits_on_a_line_of_its_own_is_whole(shared):
    # The 2017 and 2021 reports print "政府工作报" and "告" on two lines; the card and "more like this" showed
    # "政府工作报".
    seg = prepare_path(shared / "cn-gov-work-reports" / "extracted" / "gov_work_report_2017.txt")
    assert seg.document.title == "政府工作报告" and seg.document.text.startswith("政府工作报告\n\n——2017年")
    # A name on a line of its own is no cut-off tail: it stays a line.
    assert "国务院总理\n\n李克强" in seg.document.text


def test_record_mapping_is_configurable_and_missing_text_column_is_an_error():
    data = b"name;story;nation\nBee keeping;Women in the cooperative sell honey online to cities.;Rwanda\n"
    with pytest.raises(IngestError, match=r"^t\.csv: no text column: looked for text, description"):
        read_bytes(data, "t.csv", "csv", Settings())
    settings = Settings(records=RecordColumns(text=("story",), country=("nation",)))
    raw = read_bytes(data, "t.csv", "csv", settings)
    (record,) = raw.records
    assert record.title == "Bee keeping" and dict(record.fields)["country"] == "Rwanda"


def test_a_row_repeated_in_every_column_is_one_record_that_names_its_repeats():
    """An export that repeats a row (145 of 593 rows of a World Bank abstracts table) showed the same project
    twice in a result list and counted it twice; a row that differs in any column is its own record."""
    data = (b"title,text,year\n"
            b"Rural roads,Feeder roads link villages to markets.,2014\n"
            b"Rural roads,Feeder roads link villages to markets.,2014\n"
            b"Rural roads,Feeder roads link villages to markets.,2019\n"
            b"Rural roads, Feeder roads  link villages to markets.,2014\n")
    records = read_bytes(data, "t.csv", "csv", Settings()).records
    assert [dict(r.fields)["row"] for r in records] == ["1", "3"]
    assert dict(records[0].fields)["repeated_in_rows"] == "2, 4" and "repeated_in_rows" not in dict(records[1].fields)


def test_ragged_csv_and_nested_json():
    ragged = b"title,text\nA,first text,extra cell\nB\nC,third text\n"
    raw = read_bytes(ragged, "r.csv", "csv", Settings())
    assert [r.title for r in raw.records] == ["A", "C"]
    nested = b'{"records": [{"title": "T", "text": "Body", "tags": ["x", {"y": ["z"]}]}]}'
    (record,) = read_bytes(nested, "n.json", "json", Settings()).records
    assert dict(record.fields)["tags"] == "x; y: z"
    # Seen: an API's export nests its text ("details": {"summary": ...}); the record was refused for having no
    # text column. A nested field fills a role by its own name or its parent's; a top-level column still wins.
    api = b'[{"title": "Cash for work", "country": "Nepal", "details": {"summary": "Households built roads."}}]'
    (record,) = read_bytes(api, "api.json", "json", Settings()).records
    assert record.text == "Households built roads." and record.title == "Cash for work"
    both = b'[{"title": "T", "summary": "Top.", "details": {"summary": "Nested."}}]'
    assert read_bytes(both, "b.json", "json", Settings()).records[0].text == "Top."
    deep = ("[" * 5000 + "]" * 5000).encode()
    with pytest.raises(IngestError, match=r"^d\.json: "):
        read_bytes(deep, "d.json", "json", Settings())


def test_unknown_format_named(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_text("hello")
    with pytest.raises(IngestError, match=r"^notes\.xyz: unknown format '\.xyz'"):
        read_file(path, "notes.xyz", Settings())


def test_a_paragraphs_number_printed_inside_its_sentence_goes_before_its_paragraph(shared):
    # The COSOP's concept note prints a paragraph's number beside its second line: "... the IFAD contribution is"
    # | "15." | "a loan of 90 million USD": the compare page's figure read "... the IFAD contribution is".
    seg = prepare_path(shared / "ifad-docs" / "cosop_india.md")
    text = seg.document.text
    assert "\n\n15.\n\nThe total project cost is estimated at 200 million USD and the IFAD contribution is a loan of " \
           "90 million USD" in text
    # A heading keeps its line ("N. Timing" stays apart), and no paragraph's number is a passage on its own.
    assert "\n\nN. Timing\n\n24.\n\nThe project is proposed for a period of 5 years." in text
    assert not [c.text for c in seg.chunks if re.fullmatch(r"\d{1,3}\.", c.text.strip())]
    loan = prepare_path(shared / "wb-loan-agreements" / "1997_april_17_811741468191678600_conformed-copy--l4143--"
                        "rural-employment-project--loan-agreement.txt").document.text
    assert "\n\nProject Implementation, Management and Coordination\n\n" in loan


def test_a_records_cell_written_in_html_reads_as_its_text(shared):
    # Seen: World Bank abstracts whose cells hold their web page's markup ("<p>The objective of the Project is
    # ...<br />", "...statistics.\n\n&nbsp;"); the cards showed the tags. A cell with no markup is left as it is,
    # "<5 years" and "R&D" with it.
    data = (b'title,text\nREDD+,"<p>The objective is to strengthen communities in the Targeted<br />\n'
            b'Regions of Burkina Faso.<br />\n&nbsp;</p><p>Phase &amp; scope: two.</p>"\n'
            b'Nutrition,Children <5 years in R&D pilots & schools.\n')
    first, second = read_bytes(data, "t.csv", "csv", Settings()).records
    assert first.text == ("The objective is to strengthen communities in the Targeted\nRegions of Burkina Faso."
                          "\n\nPhase & scope: two.")
    assert second.text == "Children <5 years in R&D pilots & schools."
    seg = prepare_path(shared / "wb-project-abstracts" / "remaining_projects_to_process_with_abstracts.csv")
    assert not [c.text for c in seg.chunks if re.search(r"</?(?:p|br|strong)\b|&nbsp;", c.text)]


def test_a_value_two_columns_of_one_role_share_is_said_once():
    # Seen on a World Bank project's case page: "organisation: Aga Khan Foundation; Aga Khan Foundation", its
    # implementing agency and its borrower.
    data = (b"Project Name,Abstract,Implementing Agency,Borrower\n"
            b"Women's enterprise,Savings groups run shops.,Aga Khan Foundation,Aga Khan Foundation\n"
            b"Roads,Feeder roads link villages.,Ministry of Works,Government of Nepal\n")
    first, second = read_bytes(data, "t.csv", "csv", Settings()).records
    assert dict(first.fields)["organisation"] == "Aga Khan Foundation"
    assert dict(second.fields)["organisation"] == "Ministry of Works; Government of Nepal"


def _pdf_with_sizes(runs: list[tuple[float, str]]) -> bytes:
    """A one-page PDF whose lines are set in the given type sizes, written by hand."""
    return pdf_of_content("".join(f"BT /F1 {size} Tf 72 {740 - 30 * i} Td ({text}) Tj ET "
                                  for i, (size, text) in enumerate(runs)))


def test_a_pdf_title_is_type_set_clearly_larger_than_the_type_below_it():
    body = [(10.0, "Savings groups met every week in the villages of the district and lent to members."),
            (10.0, "Members repaid their loans from the profits of small shops and of their harvests.")]
    title = "Village Savings Groups in the Borderlands"
    runs = [(14.0, title), (12.0, "A report of the field team"), *body]
    cover = read_bytes(_pdf_with_sizes(runs), "cover.pdf", "pdf", Settings())
    assert dict(cover.meta)["font_title"] == title
    # One table cell set a point larger than the text is emphasis: it titled "Explainer: The Experiment Journey".
    runs = [(10.0, "EXPLAINER: THE JOURNEY"), (11.0, "This stage relied more on knowledge"), *body]
    cell = read_bytes(_pdf_with_sizes(runs), "cell.pdf", "pdf", Settings())
    assert "font_title" not in dict(cell.meta)


def test_a_pdf_is_titled_by_its_heading_and_a_blank_line_ends_a_run_of_capitals(shared):
    # "EXPLAINER: THE EXPERIMENT JOURNEY", a blank line, then its first stage's heading "STAGE I: LOCAL SENSING".
    seg = prepare_path(shared / "undp-fin-inclusion-toolkit" / "pdf" / "The_Experiment_Journey.pdf")
    assert seg.document.title == "Explainer: The Experiment Journey"
