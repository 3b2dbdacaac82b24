"""A document's table of contents: where it stands, and the section titles it lists."""

from __future__ import annotations

import re

# What announces a table of contents ("Contents", "List of content", 目录); alone on its line, it heads one.
CONTENTS_WORDS = r"(?:table of contents|list of contents?|contents|目\s*录|índice|sommaire|table des matières)"
CONTENTS_LINE = re.compile(rf"^\s*{CONTENTS_WORDS}\s*$", re.I)
# Entries are short and unterminated, even when a converter ran two into one line.
_ENTRY_CHARS = 220
# What an entry carries beside its title: a page number before or after it ("24 2. Poverty Reduction ...",
# "Milestones 9"), its own number ("2.", "1.1.", "II."), dot leaders.
_PAGE_BEFORE = re.compile(r"^\d{1,4}\s+(?=\S)")
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+")
_PAGE_AFTER = re.compile(r"(?:\s*\.){2,}\s*\d{0,4}$|\s+\d{1,4}$")
# A title names something: three letters in a row at least ("Bab" does, "15" and "A." do not).
_WORD = re.compile(r"[^\W\d_]{3,}")
_TITLE_WORDS = 14


def contents_spans(text: str, paras: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where each table of contents stands: the run of short, unterminated lines (entries, page numbers) that
    follows a line saying "Contents" (or 目录, Índice, Sommaire), up to the text's first line."""
    spans: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(paras):
        if not CONTENTS_LINE.match(text[start:end]):
            continue
        stop, seen = end, set()
        for p_start, p_end in paras[i + 1:]:
            line = text[p_start:p_end]
            key = title_key(line)
            # The text opens at a long or finished line, or at a title the list has already named.
            if p_end - p_start > _ENTRY_CHARS or re.search(r"[.。;；:：,，]$", line) or key and key in seen:
                break
            seen.add(key)
            stop = p_end
        spans.append((end, stop))
    return spans


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
