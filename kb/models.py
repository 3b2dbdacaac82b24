"""Frozen dataclasses for the data that flows through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class RawRecord:
    """One row of a case-record table, with its columns already mapped to roles."""

    title: str
    text: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns: text per page (one page for unpaged formats) and metadata it found."""

    source: str
    format: str
    pages: tuple[str, ...]
    paged: bool = False
    title: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    records: tuple[RawRecord, ...] | None = None
    # Values a person wrote down for this document (a sidecar file): they win over anything extracted.
    overrides: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Removal:
    """A piece of text that a cleaning rule took out, for auditing the rules."""

    rule: str
    text: str


@dataclass(frozen=True)
class Document:
    """A cleaned document: the text every span points into, and its metadata."""

    doc_id: str
    source: str
    title: str
    format: str
    doc_type: str
    language: str
    published: str | None
    publisher: str | None
    content_hash: str
    text: str
    page_starts: tuple[int, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()
    # Which rule or source gave each metadata field: ("title", "cover_block"), ("published", "sidecar") ...
    provenance: tuple[tuple[str, str], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding a character offset, or None for unpaged documents."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
            else:
                break
        return page + 1


# The field that names where a record's "date" came from: its column ("Board Approval Date"), or "its text".
DATE_FROM = "date_from"


# Joins the first and last section titles of a case merged from several ("3.3 SCHOOL ATTENDANCE … 4.3 AGE AT
# FIRST MARRIAGE").
SPAN_JOIN = " … "


@dataclass(frozen=True)
class Case:
    """A titled part of a document: a white-paper section, a case record, a news item."""

    case_id: str
    doc_id: str
    ordinal: int
    title: str
    heading_path: tuple[str, ...]
    start: int
    end: int
    page: int | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def date(self, published: str | None) -> str | None:
        """The case's own date (a record's date column), else its document's publication date."""
        return dict(self.fields).get("date") or published

    def spans_sections(self) -> bool:
        """Whether the case was merged from several sections, and its title names the first and the last."""
        return SPAN_JOIN in self.title


@dataclass(frozen=True)
class Chunk:
    """A passage sized for the embedding model, with its span in the document's clean text."""

    case_id: str
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    page: int | None = None
    # ISO 639-1 code of the passage's own language: a Chinese paper may quote English, a blog switch to Spanish.
    language: str = ""
    # prose, or references, toc, table, list, furniture (kb.kinds): only prose competes in search.
    kind: str = "prose"
    # The section it sits in when the case title does not say (kb.sections.passage_sections), else "".
    section: str = ""


@dataclass(frozen=True)
class Segmented:
    """A document with its cases and passages, ready to store."""

    document: Document
    cases: tuple[Case, ...]
    chunks: tuple[Chunk, ...]
    removals: tuple[Removal, ...] = field(default=(), compare=False)

    def headings(self) -> list[str]:
        """Each passage's context line: its document's title, its case's title (when they differ) and its section.

        The section's words count as the heading's (a hit's section is its own place in a long case): on the
        rebuilt eval index two queries found their answer higher (dev-tune d14, held-out zh zd09), none lower.
        """
        cases = {c.case_id: c for c in self.cases}
        doc_title = self.document.title
        out = []
        for chunk in self.chunks:
            case = cases.get(chunk.case_id)
            case_title = case.title if case else ""
            if case and case.spans_sections():
                # A case merged from sections: the passage's own section, not the title naming the last one
                # (every passage of "10.3 Trends in vaccination coverage … 10.9.4 Travel to School" held "school",
                # and its infant feeding passages matched "school feeding programmes" strongly).
                case_title = "" if chunk.section else (case.heading_path[-1] if case.heading_path else "")
            line = doc_title if not case_title or case_title == doc_title else f"{doc_title} › {case_title}"
            out.append(f"{line} › {chunk.section}" if chunk.section else line)
        return out

    def embedding_inputs(self) -> list[str]:
        """What the model reads for each passage: its text alone.

        Prefixing the document and case titles was measured (scripts/eval_search.py) and made semantic
        search worse (nDCG@10 0.70 to 0.62): every passage of a document then looks alike. Titles go to the
        keyword index's heading column instead.
        """
        return [chunk.text for chunk in self.chunks]


@dataclass(frozen=True)
class Evidence:
    """A span of the document's clean text that supports a tag."""

    start: int
    end: int
    text: str


# Where a tag can come from (Tag.source), as a reader is told it.
TAG_SOURCES = {
    "text": "found in the text", "title": "named in its title", "document_title": "named in its document's title",
    "document": "from its document", "column": "from the record's column", "rows": "from the table's rows",
    "metadata": "from the document's metadata", "summary": "found in its summary",
}


@dataclass(frozen=True)
class Tag:
    """An approach, country or region tag with its confidence and the spans that justify it.

    source says where it came from, one of TAG_SOURCES. role is "focus" or "mention" for countries.
    """

    kind: str
    value: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    role: str | None = None
    source: str = "text"

    def __post_init__(self) -> None:
        # A source with no words for it reached the case page as its id ("South Africa · document").
        if self.source not in TAG_SOURCES:
            raise ValueError(f"tag source {self.source!r} is not one of {', '.join(TAG_SOURCES)}")


@dataclass(frozen=True)
class Tagged:
    """The tags of one document and of each of its cases."""

    document: tuple[Tag, ...]
    cases: tuple[tuple[str, tuple[Tag, ...]], ...]


# The filters whose values are case facets (stored in case_facets); source and years filter otherwise.
FACET_FILTERS = ("approach", "sdg", "country", "region", "doc_type", "language")


@dataclass(frozen=True)
class Filters:
    """What a search may return: values within one facet are alternatives, facets combine with AND."""

    approach: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    # Sustainable Development Goals by id (sdg1 ... sdg17).
    sdg: tuple[str, ...] = ()
    # Source path prefixes: a collection folder ("undp-acclabs-blogs") or one file.
    source: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    # Count a country a case only mentions (or, in a South-South record, provides) as well as its focus.
    mentions: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return replace(self, mentions=False) == Filters()

    def without(self, facet: str) -> Filters:
        """These filters with one facet's values cleared (a facet named at run time, hence the Any)."""
        return replace(self, **dict[str, Any]({facet: ()}))

    def facets(self, facet: str) -> tuple[str, ...]:
        """The stored facets a filter reads: the country filter reads mentions too when asked."""
        return ("country", "country_mention") if facet == "country" and self.mentions else (facet,)


@dataclass(frozen=True)
class Hit:
    """One search result: the best passage of a case, why it matched, and what it is tagged with."""

    rank: int
    score: float
    case_id: str
    doc_id: str
    passage_id: int
    title: str
    document_title: str
    source: str
    text: str
    start: int
    end: int
    page: int | None
    approaches: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    published: str | None
    doc_type: str
    language: str
    # Spans inside `text` of the words it shares with the query, for highlighting.
    matched: tuple[tuple[int, int], ...]
    why: str
    semantic_rank: int | None = None
    keyword_rank: int | None = None
    # Its best place in a ranking beyond the main model's (the multilingual or language-agnostic space).
    space_rank: int | None = None
    # Up to three more passages of the case for the query, best first: those close to the shown one by their
    # words, then the case's others by a second reading of words and meaning (kb.hits.choose_passages).
    matching_passages: tuple[int, ...] = ()
    # The first of them in full where it is a good match itself and in the passage's language: a card shows it
    # under the passage, where the answer to the aspect a question asks often is (a section's next paragraph).
    also_text: str = ""
    # Cases of the same document that ranked here too but are folded under this hit ("N more from this document").
    more_from_document: int = 0
    # Of those, how many match the query well (good or strong): "5 cases match well" above two cards and "4 more
    # cases from this document" did not add up, as one of the four was weak.
    more_matching_from_document: int = 0
    # How well the case matches the query: strong, good or weak (kb.search calibrates the cut-offs).
    relevance: str = "weak"
    # False where no model reads both the question's language and the passage's: `relevance` is then no verdict,
    # and the case keeps its place in the fused ranking (kb.results.Results._judged).
    graded: bool = True
    # The Sustainable Development Goals the case carries (sdg1 ... sdg17).
    sdgs: tuple[str, ...] = ()
    # The same case published by other documents (kb.duplicates), folded under this hit: each one's case id,
    # document title, source and publisher, for "also published by".
    also_published: tuple[tuple[str, str, str, str], ...] = ()
    # Other cases ranked by the very same passage text, folded under this hit: each one's case id, case title and
    # source (a project and its additional financing; a line repeated in yearly reports).
    same_text: tuple[tuple[str, str, str], ...] = ()
    # The section the passage sits in when the case title does not say ("2.1 ... › 2.1.1 Water and sanitation").
    section: str = ""
