"""Exports: course packs (Markdown, DOCX) with a citation for every excerpt, and tables as CSV or Markdown."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Sequence
from datetime import date

from kb.collections import Collection, Excerpt
from kb.figures import by_sentence, case_figures
from kb.gazetteer import country_name
from kb.latex import plain_math
from kb.models import Hit
from kb.store import Store
from kb.titles import unnumbered

EXCERPT_CHARS = 1500
# The most of a case a course pack quotes when it shows the whole case.
CASE_CHARS = 20_000
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
               "countries", "approaches", "sdgs", "case_id", "text")


def hits_table(hits: Sequence[Hit]) -> tuple[list[str], list[list[object]]]:
    """Search hits as rows, one per case, with the columns analysts filter and count by."""
    rows = []
    for h in hits:
        row = {f: getattr(h, f) for f in HIT_COLUMNS}
        row["countries"] = "; ".join(f"{c} {country_name(c)}" for c in h.countries)
        row["approaches"] = "; ".join(h.approaches)
        row["sdgs"] = "; ".join(h.sdgs)
        row["text"] = plain_math(h.text)  # as the page shows it
        rows.append([row[c] for c in HIT_COLUMNS])
    return list(HIT_COLUMNS), rows


def url_of(meta: dict[str, str], fields: dict[str, str]) -> str | None:
    """Where a document (or a table's row) lives on the web, when it says."""
    for value in (fields.get("url"), meta.get("url"), meta.get("source"), meta.get("canonical")):
        match = re.search(r"https?://\S+", value or "")
        if match:
            return match.group().split(",")[0].rstrip(".,;)")
    return None


def excerpt_of(store: Store, case_id: str, passage_id: int | None = None, limit: int = EXCERPT_CHARS) -> Excerpt:
    """What a collection keeps of a case: the chosen passage (or the case's opening), its key passages, the whole
    case, its key figures and everything a citation needs."""
    case = store.case(case_id)
    doc = store.document(case.doc_id)
    chunks = store.chunks(case_id=case_id)
    prose = [(pid, c) for pid, c in chunks if c.kind == "prose"] or chunks
    chosen = [c for pid, c in prose if pid == passage_id] or [c for _, c in prose]
    text, page = "", chosen[0].page if chosen else case.page
    for chunk in chosen:
        if text and len(text) + len(chunk.text) > limit:
            break
        text = f"{text}\n\n{chunk.text}" if text else chunk.text
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    figures = "\n".join(f"{' · '.join(values)}: {sentence}"
                        for values, sentence in by_sentence(case_figures(doc.text, case, limit=6)))
    # The chosen passage's own section, when its case title does not say where it stands, is cited with it.
    section = chosen[0].section if passage_id is not None and len(chosen) == 1 else ""
    path = (*case.heading_path, section) if section else case.heading_path
    # A record with a web page of its own is a work of its own: cited as itself, not "In:" the collector's table
    # ("In: Remaining projects to process with abstracts", a CSV's file name).
    own_url = url_of({}, dict(case.fields))
    own_page = doc.doc_type == "record" and own_url is not None
    return Excerpt(case_id, case.title, path, case.title if own_page else doc.title, doc.publisher,
                   case.date(doc.published), page, doc.source, text, own_url or url_of(dict(doc.meta), {}),
                   "\n\n".join(c.text for c in key_passages(store, case_id, prose)),
                   doc.text[case.start:case.end][:CASE_CHARS], figures)


def key_passages(store: Store, case_id: str, prose: list, count: int = 3) -> list:
    """The passages that best stand for a case: closest in meaning to all of its passages, in reading order."""
    ids, vectors = store.case_vectors(case_id)
    by_id = dict(prose)
    if not len(ids):
        return [c for _, c in prose[:count]]
    centre = vectors.mean(axis=0)
    ranked = sorted((pid for pid in ids if pid in by_id), key=lambda pid: -float(vectors[ids.index(pid)] @ centre))
    return [by_id[pid] for pid in sorted(ranked[:count])]


def citation(e: Excerpt) -> str:
    """Title, publisher, year, section or page, and where the document lives (its web address, else its path)."""
    parts = [e.document_title] if e.document_title == e.title else [e.title, f"In: {e.document_title}"]
    year = (e.published or "")[:4]
    parts.append(", ".join(p for p in (e.publisher, year) if p) or "no publisher or date given")
    where = []
    if len(e.heading_path) > 1:
        where.append("section " + " › ".join(e.heading_path))
    if e.page:
        where.append(f"page {e.page}")
    if where:
        parts.append(", ".join(where))
    parts.append(e.url or f"file: {e.source}")
    # A part that ends its own sentence takes no full stop after it ("... their business?. In:", walk).
    out = parts[0]
    for part in parts[1:]:
        out += (" " if out.endswith((".", "?", "!")) else ". ") + part
    return out if out.endswith((".", "?", "!")) else out + "."


def md_text(text: str) -> str:
    """Text for a Markdown file that reads as plain text: only what Markdown would misread is escaped."""
    text = re.sub(r"([\\`*\[\]<>])", r"\\\1", text)
    # An underscore inside a word ("001_report") never starts emphasis, so it stays as written.
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
    text = re.sub(r"(?m)^(\s*)(\d+)\.(?=\s)", r"\1\2\\.", text)  # "1. first" would start a numbered list
    return re.sub(r"(?m)^(\s*)([#>+-])(?=\s)", r"\1\\\2", text)


def _pack_parts(collection: Collection, today: date | None) -> tuple[str, str]:
    count = len(collection.items)
    return collection.name, (f"Course pack of {count} case{'s' if count != 1 else ''}, exported "
                             f"{(today or date.today()).isoformat()}.")


def course_pack_markdown(collection: Collection, today: date | None = None) -> str:
    """A collection as a Markdown course pack: each case's note, text, key figures and citation, in order."""
    title, intro = _pack_parts(collection, today)
    lines = [f"# {md_text(title)}", "", intro, ""]
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        lines += [f"## {n}. {md_text(unnumbered(e.title))}", ""]
        if item.note.strip():
            lines += [f"*Note:* {md_text(item.note.strip())}", ""]
        lines += ["> " + md_text(para) if para.strip() else ">" for para in item.text.split("\n")]
        if e.figures:
            lines += ["", "Key figures:", ""] + [f"- {md_text(line)}" for line in e.figures.splitlines()]
        lines += ["", f"Source: {md_text(citation(e))}", ""]
    return "\n".join(lines)


def course_pack_html(collection: Collection, today: date | None = None) -> str:
    """A collection as one printable HTML handout (print it to PDF from any browser); every text escaped."""
    title, intro = _pack_parts(collection, today)
    body = [f"<h1>{html.escape(title)}</h1>", f"<p class=intro>{html.escape(intro)}</p>"]
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        body.append(f"<section><h2>{n}. {html.escape(unnumbered(e.title))}</h2>")
        if item.note.strip():
            body.append(f"<p class=note><b>Note:</b> {html.escape(item.note.strip())}</p>")
        body += [f"<blockquote>{html.escape(p)}</blockquote>" for p in item.text.split("\n\n") if p.strip()]
        if e.figures:
            body.append("<p><b>Key figures</b></p><ul>" + "".join(
                f"<li>{html.escape(line)}</li>" for line in e.figures.splitlines()) + "</ul>")
        body.append(f"<p class=source>Source: {html.escape(citation(e))}</p></section>")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title><style>{_CSS}"
            "</style></head><body>" + "\n".join(body) + "</body></html>")


_CSS = ("body{font-family:'Noto Sans','Noto Sans CJK SC',sans-serif;max-width:46em;margin:2em auto;line-height:1.5}"
        "blockquote{border-left:3px solid #999;margin:.6em 0;padding-left:1em}.source{font-size:.85em;color:#444}"
        ".note{background:#f4f4f4;padding:.4em}section{page-break-inside:avoid;margin-bottom:1.5em}"
        "@media print{body{margin:0}}")


def course_pack_docx(collection: Collection, today: date | None = None) -> bytes:
    """A collection as a DOCX course pack: each case's note, text, key figures and citation, in order."""
    from docx import Document as Docx
    from docx.shared import Pt

    title, intro = _pack_parts(collection, today)
    doc = Docx()
    doc.add_heading(_xml_safe(title), level=0)
    doc.add_paragraph(intro)
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        doc.add_heading(_xml_safe(f"{n}. {unnumbered(e.title)}"), level=1)
        if item.note.strip():
            note = doc.add_paragraph()
            note.add_run("Note: ").bold = True
            note.add_run(_xml_safe(item.note.strip())).italic = True
        for para in item.text.split("\n\n"):
            doc.add_paragraph(_xml_safe(para), style="Quote")
        if e.figures:
            doc.add_paragraph("Key figures").runs[0].bold = True
            for line in e.figures.splitlines():
                doc.add_paragraph(_xml_safe(line), style="List Bullet")
        cite = doc.add_paragraph()
        run = cite.add_run("Source: " + _xml_safe(citation(e)))
        run.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _xml_safe(text: str) -> str:
    """Text without the control characters XML cannot hold (they would make python-docx fail)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
