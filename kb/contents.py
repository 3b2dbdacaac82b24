"""A document's table of contents: where it stands, and the section titles it lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What announces a table of contents ("Contents", "List of content", 目录); alone on its line, it heads one.
CONTENTS_WORDS = r"(?:table of contents?|list of contents?|contents|目\s*录|índice|sommaire|table des matières)"
CONTENTS_LINE = re.compile(rf"^\s*{CONTENTS_WORDS}\s*$", re.I)
# Entries are short and unterminated, even when a converter ran two into one line.
_ENTRY_CHARS = 220
# What an entry carries beside its title: a page number before or after it ("24 2. Poverty Reduction ...",
# "Milestones 9"), its own number ("2.", "1.1.", "II."), dot leaders.
_PAGE_BEFORE = re.compile(r"^\d{1,4}\s+(?=\S)")
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+")
# The leaders between an entry and its page: two dots or more, spaced or not, or ellipsis characters
# ("Conclusion………22", the South Sudan wallet report's contents; "Conclusion…22").
LEADERS = r"(?:\s?[.…]){2,}|\s?…"
_PAGE_AFTER = re.compile(rf"(?:{LEADERS})\s*\d{{0,4}}$|\s+\d{{1,4}}$")
# A title names something: three letters in a row at least ("Bab" does, "15" and "A." do not).
_WORD = re.compile(r"[^\W\d_]{3,}")
_TITLE_WORDS = 14
# A heading run into its entries: the words, then three entries at least, each a word and its page, arabic or roman
# ("Information ii", "Motivation 3"); its further paragraphs each end on a page ("... sourced? 13"), in runs
# of entries that stay well short of a page of prose.
_RUN_IN = re.compile(rf"^\s*{CONTENTS_WORDS}\s+(?=\S)", re.I)
_RUN_IN_ENTRY = re.compile(r"[^\W\d_]{3,}\s+(?:\d{1,4}|[ivxl]{1,6})(?=\s|$)", re.I)
_RUN_IN_ENTRIES = 3
_ENDS_ON_PAGE = re.compile(r"\s(?:\d{1,4}|[ivxl]{1,6})$", re.I)
_RUN_IN_CHARS = 1000


@dataclass(frozen=True)
class Contents:
    """Where one table of contents stands: its heading's start, its entries' start, its end; run_in when its
    heading ran into its entries' line, where every paragraph ends on a page number (else the end is a guess:
    the first long or finished line, which a document that sets every printed line apart reaches late)."""

    start: int
    entries: int
    end: int
    run_in: bool


def contents_regions(text: str, paras: list[tuple[int, int]]) -> list[Contents]:
    """Where each table of contents stands.

    A heading alone on its line ("Contents", 目录, Índice, Sommaire) heads the run of short, unterminated lines
    (entries, page numbers) after it, up to the text's first line. A heading a converter ran into its entries'
    line ("Table of Contents Contents Basic Report Information ii Acknowledgements iii ...") heads that
    paragraph and the paragraphs after it that end on a page number ("... 2.12 How goods are sourced? 13").
    """
    regions: list[Contents] = []
    for i, (start, end) in enumerate(paras):
        para = text[start:end]
        run_in = _RUN_IN.match(para)
        if CONTENTS_LINE.match(para):
            regions.append(Contents(start, end, _entries_end(text, paras[i + 1:], end), run_in=False))
        elif run_in and len(_RUN_IN_ENTRY.findall(para, run_in.end())) >= _RUN_IN_ENTRIES:
            stop = end
            for p_start, p_end in paras[i + 1:]:
                if p_end - p_start > _RUN_IN_CHARS or not _ENDS_ON_PAGE.search(text[p_start:p_end]):
                    break
                stop = p_end
            regions.append(Contents(start, start + run_in.end(), stop, run_in=True))
    return regions


def contents_spans(text: str, paras: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where each table of contents' entries stand (contents_regions, without the heading)."""
    return [(region.entries, region.end) for region in contents_regions(text, paras)]


def _entries_end(text: str, paras: list[tuple[int, int]], stop: int) -> int:
    """Where the entries under a contents line end: the text opens at a long or finished line, or at a title
    the list has already named."""
    seen = set()
    for p_start, p_end in paras:
        line = text[p_start:p_end]
        key = title_key(line)
        if p_end - p_start > _ENTRY_CHARS or re.search(r"[.。;；:：,，]$", line) or key and key in seen:
            break
        seen.add(key)
        stop = p_end
    return stop


def title_key(line: str) -> str:
    """A title as a contents entry and its heading in the text both read: without page numbers, numbering,
    dot leaders or case ("24 2. Poverty Reduction and Community Resilience" -> "poverty reduction and ...")."""
    line = " ".join(line.split())
    line = _PAGE_AFTER.sub("", _NUMBERING.sub("", _PAGE_BEFORE.sub("", line)))
    return line.lower() if _WORD.search(line) and len(line.split()) <= _TITLE_WORDS else ""


def listed_titles(text: str, paras: list[tuple[int, int]], spans: list[tuple[int, int]]) -> set[str]:
    """The titles (as title_key reads them) of every entry of the tables of contents."""
    return {key for a, b in spans for start, end in paras if a <= start < b and (key := title_key(text[start:end]))}


def inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """Whether a position of the text falls inside one of the contents lists' spans."""
    return any(a <= position < b for a, b in spans)
