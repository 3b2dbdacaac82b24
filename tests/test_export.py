"""Collections kept across restarts, course packs with citations, and spreadsheet-safe tables."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from docx import Document as Docx

from kb.collections import CollectionError, Collections, Excerpt
from kb.errors import NotFoundError
from kb.export import (
    citation,
    course_pack_docx,
    course_pack_html,
    course_pack_markdown,
    excerpt_of,
    md_escape,
    safe_cell,
    table_csv,
)
from kb.indexdir import open_store
from tests.conftest import HASH_ONLY


def _excerpt(case_id: str, text: str = "Women's groups ran the savings scheme.", **kw) -> Excerpt:
    fields = dict(title=f"Case {case_id}", heading_path=("Report", f"Case {case_id}"), document_title="Report",
                  publisher="IFAD", published="2019-05-01", page=12, source="ifad/report.pdf", excerpt=text)
    fields.update(kw)
    return Excerpt(case_id, **fields)


def test_collections_keep_order_notes_and_survive_reopening(tmp_path):
    coll = Collections(tmp_path)
    cid = coll.create("  Module 3:   finance ")
    assert coll.names() == {cid: "Module 3: finance"}
    with pytest.raises(CollectionError, match="exists already"):
        coll.create("Module 3: finance")
    with pytest.raises(CollectionError, match="1 to 120"):
        coll.create("   ")
    for case_id in ("a-1", "b-2", "c-3"):
        assert coll.add(cid, _excerpt(case_id))
    assert not coll.add(cid, _excerpt("b-2"))  # already there: not added twice
    coll.move(cid, "c-3", -2)
    coll.move(cid, "a-1", 5)  # past the end: stops at the end
    coll.set_note(cid, "b-2", "Use in the group exercise")
    with pytest.raises(NotFoundError, match="'z-9'"):
        coll.set_note(cid, "z-9", "x")

    again = Collections(tmp_path).get(cid)  # a new process sees the same
    assert [i.excerpt.case_id for i in again.items] == ["c-3", "b-2", "a-1"]
    assert again.items[1].note == "Use in the group exercise"
    assert again.items[0].excerpt.heading_path == ("Report", "Case c-3")
    coll.remove(cid, "b-2")
    assert [i.excerpt.case_id for i in coll.get(cid).items] == ["c-3", "a-1"]
    coll.delete(cid)
    assert coll.names() == {}


def test_citation_names_title_publisher_date_section_page_and_source():
    text = citation(_excerpt("a-1"))
    assert text == ("Case a-1. In: Report. IFAD, 2019. section Report › Case a-1, page 12. "
                    "file: ifad/report.pdf.")
    bare = citation(_excerpt("a-1", publisher=None, published=None, page=None, heading_path=("Report",),
                             title="Report"))
    assert bare == "Report. no publisher or date given. file: ifad/report.pdf."
    # A document that says where it lives on the web is cited by that address.
    assert citation(_excerpt("a-1", url="https://www.ifad.org/report")).endswith("page 12. https://www.ifad.org/report.")
    # A title that ends its own sentence takes no full stop after it ("... their business?. In:", walk).
    asked = citation(_excerpt("a-1", title="V. Are traders able to grow their business?", published=None))
    assert asked.startswith("V. Are traders able to grow their business? In: Report. IFAD. section"), asked


def test_a_course_pack_numbers_its_cases_without_their_own_section_numbers(tmp_path):
    # "1. V. Are cross-border traders ..." read as two numberings; the search card shows the title unnumbered.
    coll = Collections(tmp_path)
    cid = coll.create("Trade")
    coll.add(cid, _excerpt("a-1", title="V. Are traders able to grow their business?"))
    pack = coll.get(cid)
    assert "## 1. Are traders able to grow their business?" in course_pack_markdown(pack)
    assert "<h2>1. Are traders able to grow their business?</h2>" in course_pack_html(pack)
    assert "Source: V. Are traders" in course_pack_markdown(pack)  # the citation keeps the title as written


def test_course_pack_markdown_has_every_excerpt_note_and_citation_in_order(tmp_path):
    coll = Collections(tmp_path)
    cid = coll.create("Finance")
    coll.add(cid, _excerpt("a-1", "First text with [a link](javascript:alert(1)) and <b>bold</b>."))
    coll.add(cid, _excerpt("b-2", "Second text."), note="Discuss *why* it worked")
    pack = course_pack_markdown(coll.get(cid), today=date(2026, 11, 24))
    assert pack.startswith("# Finance\n\nCourse pack of 2 cases, exported 2026-11-24.")
    # Plain text reads plainly (no "Case a\\-1"); what Markdown would misread as a link or markup is escaped.
    assert pack.index("## 1. Case a-1") < pack.index("## 2. Case b-2")
    assert "> First text with \\[a link\\](javascript:alert(1)) and \\<b\\>bold\\</b\\>." in pack
    assert "*Note:* Discuss \\*why\\* it worked" in pack
    assert pack.count("Source: Case") == 2 and "file: ifad/report.pdf" in pack


def test_a_course_pack_shows_what_the_trainer_chose_of_each_case(tmp_path):
    coll = Collections(tmp_path)
    cid = coll.create("Finance")
    coll.add(cid, _excerpt("a-1", "The matched passage.", key_passages="Key one.\n\nKey two.",
                           case_text="The whole case, every word of it.", figures="US$1.2 million: The fund lent it."))
    assert "> The matched passage." in course_pack_markdown(coll.get(cid))
    coll.set_content(cid, "a-1", "key")
    pack = course_pack_markdown(coll.get(cid))
    assert "> Key one." in pack and "> Key two." in pack and "matched passage" not in pack
    assert "- US$1.2 million: The fund lent it." in pack
    coll.set_content(cid, "a-1", "case")
    handout = course_pack_html(coll.get(cid))
    assert "<blockquote>The whole case, every word of it.</blockquote>" in handout
    assert "<title>Finance</title>" in handout
    with pytest.raises(CollectionError, match="use one of passage, key, case"):
        coll.set_content(cid, "a-1", "everything")


def test_course_pack_docx_reads_back_with_citations(tmp_path):
    coll = Collections(tmp_path)
    cid = coll.create("Finance")
    coll.add(cid, _excerpt("a-1", "Para one.\n\nPara two with a \x0b control character."), note="Key case")
    doc = Docx(io.BytesIO(course_pack_docx(coll.get(cid))))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Finance"
    assert "1. Case a-1" in texts and "Note: Key case" in texts
    assert "Para one." in texts and "Para two with a  control character." in texts
    assert any(t.startswith("Source: Case a-1. In: Report. IFAD, 2019. section") for t in texts)


def test_tables_neutralise_spreadsheet_formulas():
    assert [safe_cell(v) for v in ("=1+1", "+SUM(A1)", "-2", "@cmd", "plain", None, 3)] == \
        ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "plain", "", "3"]
    rows = list(csv.reader(io.StringIO(table_csv(["=title"], [['=HYPERLINK("http://x")'], ["ok, with comma"]]))))
    assert rows == [["'=title"], ["'=HYPERLINK(\"http://x\")"], ["ok, with comma"]]


def test_md_escape_leaves_no_markup():
    assert md_escape("<script>**x**[l](u):red[y]") == "\\<script\\>\\*\\*x\\*\\*\\[l\\]\\(u\\)\\:red\\[y\\]"


def test_excerpt_of_a_seed_case_keeps_its_citation(seed_index):
    store = open_store(seed_index)
    try:
        case = next(c for c in store.cases() if c.title.startswith("(1) Accurate identification"))
        living = next(c for c in store.cases() if c.title.startswith("(1) The living standards of the poor"))
        figures = excerpt_of(store, living.case_id).figures
        whole = excerpt_of(store, case.case_id, limit=400)
        first = store.chunks(case_id=case.case_id)[0][1]
        pid, chunk = store.chunks(case_id=case.case_id)[1]
        one = excerpt_of(store, case.case_id, passage_id=pid)
    finally:
        store.close()
    assert whole.heading_path[-1] == case.title and whole.source.startswith("seeds/001_")
    assert whole.publisher == "Xinhua News Agency" and whole.published == "2021-04-06"
    assert len(whole.excerpt) <= 400 + len(" …")
    assert whole.excerpt[:60] == first.text[:60]
    assert one.excerpt == chunk.text
    assert whole.case_text.startswith(case.title) and whole.key_passages
    # Key figures with their sentence, those of one sentence together.
    assert "6,079 yuan · 12,588 yuan · 11.6% · 2.3 percentage points: Per capita disposable income" in figures


def test_a_record_is_cited_and_shown_with_its_own_date(tmp_path, capsys):
    """A table row is dated by its date column (the card already was); its citation and `kb show` said no year."""
    from kb.cli import main
    from kb.pipeline import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "projects.csv").write_text(
        "title,description,date,country,url\n"
        "Rural roads,Feeder roads link poor villages to markets so that farmers sell their produce.,2015-05-28,Kenya,\n"
        "Rural water,Boreholes and piped water reach the villages of two counties.,2016-01-10,Kenya,"
        "https://example.org/p2\n")
    ingest(corpus, tmp_path / "index", HASH_ONLY)
    store = open_store(tmp_path / "index")
    try:
        case, water = sorted(store.cases(), key=lambda c: c.title)
        excerpt = excerpt_of(store, case.case_id)
        own_page = excerpt_of(store, water.case_id)
    finally:
        store.close()
    assert excerpt.published == "2015-05-28" and citation(excerpt).startswith("Rural roads. In: projects.csv. 2015. ")
    # A row with its own web page is cited as itself, not "In:" the collector's table (a CSV's file name).
    assert citation(own_page) == "Rural water. 2016. https://example.org/p2."
    assert main(["show", case.case_id, "--index", str(tmp_path / "index")]) == 0
    assert "| 2015-05-28" in capsys.readouterr().out


def test_a_collected_passage_is_cited_with_its_own_section(tmp_path):
    """A trainer collects a passage of a case merged from several sections: the citation says which one."""
    from kb.pipeline import ingest

    body = "Households in the district {} and the committee kept a record of every visit for the next survey. "
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "notes.md").write_text("# Field notes from Kalomo\n\n" + "".join(
        f"## {n}. {name}\n\n{body.format(what) * 2}\n\n" for n, name, what in [
            (1, "Water points", "repaired boreholes"), (2, "School meals", "cooked lunch for pupils"),
            (3, "Feeder roads", "graded the road")]) + "## 4. Savings groups\n\n" + body.format("saved") * 12)
    ingest(tmp_path / "corpus", tmp_path / "index", HASH_ONLY)
    store = open_store(tmp_path / "index")
    try:
        pid, chunk = next((pid, c) for pid, c in store.chunks() if "pupils" in c.text)
        one, whole = excerpt_of(store, chunk.case_id, passage_id=pid), excerpt_of(store, chunk.case_id)
    finally:
        store.close()
    assert one.heading_path[-1] == "2. School meals" and "› 2. School meals" in citation(one)
    assert "School meals" not in citation(whole)  # the case's opening is cited as the case
