"""From a reader's RawDocument to a Segmented document: clean, describe, segment."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from kb.clean import PAGE_BREAK, clean, head_text
from kb.config import Settings
from kb.errors import IngestError
from kb.gazetteer import default_gazetteer
from kb.language import passage_language
from kb.metadata import extract
from kb.models import Document, RawDocument, Removal, Segmented
from kb.segment import segment


def doc_id_for(source: str) -> str:
    """A document's stable id: derived from its path in the corpus, so re-ingests keep it."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def content_hash(data: bytes) -> str:
    """The content hash that decides whether a file changed."""
    return hashlib.sha256(data).hexdigest()


def _records_text(
    raw: RawDocument,
) -> tuple[str, tuple[tuple[int, int, str, tuple[tuple[str, str], ...]], ...], tuple[Removal, ...]]:
    """Join a table's records into one text, each record a titled block; returns the record spans."""
    assert raw.records is not None
    pieces: list[str] = []
    spans = []
    removals: list[Removal] = []
    offset = 0
    for record in raw.records:
        cleaned = clean(record.text, fmt="txt")
        removals.extend(cleaned.removals)
        block = f"{record.title}\n\n{cleaned.text}" if cleaned.text else record.title
        if pieces:
            pieces.append("\n\n")
            offset += 2
        spans.append((offset, offset + len(block), record.title, record.fields))
        pieces.append(block)
        offset += len(block)
    return "".join(pieces), tuple(spans), tuple(removals)


def _names_a_country(line: str) -> bool:
    """True when a whole line names a country ("People's Republic of Bangladesh", "INDIA")."""
    line = line.strip().replace("’", "'")
    place = default_gazetteer().lookup(line.title() if line.isupper() else line)
    return place is not None and place.kind not in ("region", "demonym")


def prepare(raw: RawDocument, digest: str, settings: Settings) -> Segmented:
    """Clean, describe and segment one document read from the corpus."""
    record_spans = None
    headings: tuple = ()
    head_removals: tuple[Removal, ...]
    web = False
    if raw.records is not None:
        text, record_spans, removals = _records_text(raw)
        page_starts: tuple[int, ...] = ()
        head, head_removals = "", ()
    else:
        joined = PAGE_BREAK.join(raw.pages)
        cleaned = clean(joined, fmt=raw.format, paged=raw.paged)
        text, page_starts, headings, removals = cleaned.text, cleaned.page_starts, cleaned.headings, cleaned.removals
        (head, head_removals), web = head_text(joined, raw.format, raw.paged), cleaned.web
    if not text.strip():
        raise IngestError(raw.source, "no text left after cleaning")
    # The head in place of the first page; the next pages as read (a report's title page names its publisher).
    meta = extract(replace(raw, pages=(head, *raw.pages[1:])) if head else raw, text, head_removals, web,
                   _names_a_country)
    doc = Document(
        doc_id=doc_id_for(raw.source),
        source=raw.source,
        title=meta.title,
        format=raw.format,
        doc_type=meta.doc_type,
        language=meta.language,
        published=meta.published,
        publisher=meta.publisher,
        content_hash=digest,
        text=text,
        page_starts=page_starts,
        meta=raw.meta,
        provenance=meta.provenance,
    )
    cases, chunks = segment(
        doc, headings, record_spans,
        target=settings.chunk_tokens, limit=settings.max_chunk_tokens, min_words=settings.min_passage_words,
    )
    chunks = tuple(replace(c, language=passage_language(c.text, doc.language)) for c in chunks)
    return Segmented(doc, cases, chunks, removals)
