"""PDF through pypdf: text per page, with repeated page headers and footers removed."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from kb.errors import IngestError
from kb.models import RawDocument

# pypdf logs every odd font; those are not the user's problem.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_EDGE_LINES = 3


def _shape(line: str) -> str:
    """A line's shape for header/footer matching: digits and roman page numbers folded."""
    line = re.sub(r"\d+", "#", line.strip().lower())
    return re.sub(r"\b[ivxlc]+\b$", "#", line)


def strip_headers_footers(pages: list[str]) -> tuple[list[str], list[str]]:
    """Remove lines that repeat at the top or bottom of many pages, and bare page numbers."""
    split = [[ln for ln in p.splitlines()] for p in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        body = [ln for ln in lines if ln.strip()]
        edges = set(body[:_EDGE_LINES] + body[-_EDGE_LINES:])
        counts.update({_shape(ln) for ln in edges})
    # A running header with a page number repeats within a chapter; one without needs more pages.
    plain = max(3, min(int(0.3 * len(pages)), 6))
    repeated = {shape for shape, n in counts.items() if shape and n >= (3 if "#" in shape else plain)}
    removed: list[str] = []
    out: list[str] = []
    for lines in split:
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        edge_idx = set(nonblank[:_EDGE_LINES] + nonblank[-_EDGE_LINES:])
        kept = []
        for i, ln in enumerate(lines):
            if i in edge_idx and (_shape(ln) in repeated
                                  or re.fullmatch(r"\s*(page\s*)?[-–]?\s*\d{1,4}\s*[-–]?\s*", ln, re.I)):
                removed.append(ln.strip())
                continue
            kept.append(ln)
        out.append("\n".join(kept))
    return out, removed


# A cover's title is set clearly larger than the type below it. Measured on the 10 PDFs of the corpus: the
# smallest step under a title is 14 pt over 12 (1.17, the cross-border traders' baseline report); "The Experiment
# Journey" set one table cell in 11 pt over its 10 pt text (1.10), which had titled it. Against the body's size
# instead, a cover whose title is its most common type (the Argentine guidelines deck) lost its title.
_TITLE_STEP = 1.15


def largest_text(page: object, text: str) -> str | None:
    """The words set in the largest type on a page (a cover's title), as they read in the page's text.

    Runs of one or two words (a logo, a drop cap) are skipped for the next size down; type barely larger than the
    next size down is a cell's or a line's emphasis, not a title.
    """
    sized: list[tuple[float, str]] = []

    def visit(piece: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if piece.strip():
            scale = abs(tm[3] * cm[3]) if tm and cm and tm[3] and cm[3] else 1.0
            sized.append((round(size * scale, 1), piece))

    try:
        page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    except Exception:  # pypdf fails in many ways on odd pages; the title is optional
        return None
    sizes = sorted({s for s, _ in sized}, reverse=True)
    for at, size in enumerate(sizes[:3]):
        if at + 1 < len(sizes) and size < _TITLE_STEP * sizes[at + 1]:
            return None
        letters = re.sub(r"\W+", "", "".join(p for s, p in sized if s == size)).lower()
        if len(re.findall(r"\w+", " ".join(p for s, p in sized if s == size))) < 3 or len(letters) < 8:
            continue
        # Find the run in the page text whose letters are these letters: pypdf's pieces split words.
        index = [(i, c.lower()) for i, c in enumerate(text) if re.match(r"\w", c)]
        flat = "".join(c for _, c in index)
        at = flat.find(letters)
        if at < 0:
            return None
        return " ".join(text[index[at][0]:index[at + len(letters) - 1][0] + 1].split())
    return None


def read_pdf(data: bytes, source: str) -> RawDocument:
    """Read a PDF's text layer page by page; encrypted, truncated or textless files are errors."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError(source, "not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(source, "encrypted PDF (needs a password)")
            except (NotImplementedError, PyPdfError) as exc:
                raise IngestError(source, f"encrypted PDF: {exc}") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info: Mapping[str, Any] = reader.metadata or {}
        title = str(info.get("/Title") or "").strip() or None
        author = str(info.get("/Author") or "").strip()
        created = str(info.get("/CreationDate") or "")
    except IngestError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, OSError, AssertionError, ZeroDivisionError) as exc:
        raise IngestError(source, f"unreadable or truncated PDF: {type(exc).__name__}: {exc}") from exc
    if not pages:
        raise IngestError(source, "PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 20:
        raise IngestError(source, f"PDF has no text layer ({len(pages)} pages, scanned images?)")
    pages, removed = strip_headers_footers(pages)
    meta: list[tuple[str, str]] = [("pages", str(len(pages)))]
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", created)
    if match:  # when the file was made: the weakest evidence of the document's date
        meta.append(("file_date", "-".join(g for g in match.groups() if g)))
    font_title = largest_text(reader.pages[0], pages[0]) if reader.pages else None
    if font_title:
        meta.append(("font_title", font_title))
    if author:
        meta.append(("author", author))
    if removed:
        meta.append(("headers_footers_removed", str(len(removed))))
    # Titles like "Microsoft Word - report.docx" are file names, not titles.
    if title and (re.search(r"\.(docx?|pdf|indd)$", title, re.I) or title.lower().startswith("microsoft")):
        title = None
    return RawDocument(source=source, format="pdf", pages=tuple(pages), paged=True, title=title, meta=tuple(meta))
