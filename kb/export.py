"""Exports: course packs (Markdown, DOCX) with a citation for every excerpt, and tables as CSV or Markdown."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date

from kb.collections import Collection, Excerpt
from kb.gazetteer import country_name
from kb.models import Hit
from kb.store import Store

EXCERPT_CHARS = 1500
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# A spreadsheet runs a cell starting with these as a formula (=HYPERLINK(...), +cmd|...).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md_escape(text: str) -> str:
    """Document text shown as text in Markdown: every Markdown and HTML character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def safe_cell(value: object) -> str:
    """A table cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def table_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A table as CSV, every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def table_markdown(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A table as a Markdown pipe table, cells escaped and kept on one line."""
    def cell(value: object) -> str:
        return md_escape(" ".join(str(value or "").split()))
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


HIT_COLUMNS = ("rank", "score", "title", "document_title", "source", "page", "published", "doc_type", "language",
               "countries", "approaches", "case_id", "text")


def hits_table(hits: Sequence[Hit]) -> tuple[list[str], list[list[object]]]:
    """Search hits as rows, one per case, with the columns analysts filter and count by."""
    rows = []
    for h in hits:
        row = {f: getattr(h, f) for f in HIT_COLUMNS}
        row["countries"] = "; ".join(f"{c} {country_name(c)}" for c in h.countries)
        row["approaches"] = "; ".join(h.approaches)
        rows.append([row[c] for c in HIT_COLUMNS])
    return list(HIT_COLUMNS), rows


def excerpt_of(store: Store, case_id: str, passage_id: int | None = None, limit: int = EXCERPT_CHARS) -> Excerpt:
    """What a collection keeps of a case: the chosen passage, or the case's opening passages up to limit."""
    case = store.case(case_id)
    doc = store.document(case.doc_id)
    chunks = store.chunks(case_id=case_id)
    chosen = [c for pid, c in chunks if pid == passage_id] or [c for _, c in chunks]
    text, page = "", chosen[0].page if chosen else case.page
    for chunk in chosen:
        if text and len(text) + len(chunk.text) > limit:
            break
        text = f"{text}\n\n{chunk.text}" if text else chunk.text
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return Excerpt(case_id, case.title, case.heading_path, doc.title, doc.publisher, doc.published,
                   page, doc.source, text)


def citation(e: Excerpt) -> str:
    """Title, publisher, date, section or page, and source path of an excerpt."""
    parts = [e.document_title if e.document_title == e.title else f"{e.title}. In: {e.document_title}"]
    parts.append(", ".join(p for p in (e.publisher, e.published) if p) or "no publisher or date given")
    where = []
    if len(e.heading_path) > 1:
        where.append("section " + " › ".join(e.heading_path))
    if e.page:
        where.append(f"page {e.page}")
    if where:
        parts.append(", ".join(where))
    parts.append(f"source: {e.source}")
    return ". ".join(parts) + "."


def course_pack_markdown(collection: Collection, today: date | None = None) -> str:
    """A collection as a Markdown course pack: each case's note, excerpt and citation, in order."""
    lines = [f"# {md_escape(collection.name)}", "",
             f"Course pack of {len(collection.items)} cases, exported {(today or date.today()).isoformat()}.", ""]
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        lines += [f"## {n}. {md_escape(e.title)}", ""]
        if item.note.strip():
            lines += [f"*Note:* {md_escape(item.note.strip())}", ""]
        lines += ["> " + md_escape(para) if para.strip() else ">" for para in e.excerpt.split("\n")]
        lines += ["", f"Source: {md_escape(citation(e))}", ""]
    return "\n".join(lines)


def course_pack_docx(collection: Collection, today: date | None = None) -> bytes:
    """A collection as a DOCX course pack: each case's note, excerpt and citation, in order."""
    from docx import Document as Docx
    from docx.shared import Pt

    doc = Docx()
    doc.add_heading(collection.name, level=0)
    doc.add_paragraph(f"Course pack of {len(collection.items)} cases, exported "
                      f"{(today or date.today()).isoformat()}.")
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        doc.add_heading(f"{n}. {e.title}", level=1)
        if item.note.strip():
            note = doc.add_paragraph()
            note.add_run("Note: ").bold = True
            note.add_run(item.note.strip()).italic = True
        for para in e.excerpt.split("\n\n"):
            doc.add_paragraph(_xml_safe(para), style="Quote")
        cite = doc.add_paragraph()
        run = cite.add_run("Source: " + _xml_safe(citation(e)))
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _xml_safe(text: str) -> str:
    """Text without the control characters XML cannot hold (they would make python-docx fail)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
