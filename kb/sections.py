"""Which section a passage sits in, for a case whose title does not say: one merged from several sections
("1.6 QUESTIONNAIRES … 2.2 SOCIOECONOMIC STATUS INDEX"), or a long section holding subsections.
"""

from __future__ import annotations

import re
from collections import Counter

from kb.numbering import Mark
from kb.titles import heading_number

# A "heading" with a decimal figure past its number is a table row ("5.3 Contraceptive prevalence rate na 26.7").
_TABLE_ROW = re.compile(r"\S\s.*\d[.,]\d")
# Two more enumerators inside one heading line make it a contents line ("A. Context B. The sector C. Policy").
_CONTENTS = re.compile(r"\s(?:[A-Z]|[IVX]+)\.\s.*\s(?:[A-Z]|[IVX]+)\.\s")
_APPENDIX = re.compile(r"(?:appendix|annex)\s+([A-Z])\b", re.I)
_MIN_BODY = 80  # characters: less is a contents line's or a title's, not a section's text
# Labels: (start, end, label) of each heading in a document, "" for a heading that is no section's.
Labels = list[tuple[int, int, str]]


def section_marks(marks: list[Mark], titles: list[str], text: str) -> Labels:
    """(start, end, label) of each heading: its clean title (`titles`), or "" where it is no section's.

    A heading is no section's when it is a table row ("5.3 Contraceptive prevalence rate na 26.7"), a contents
    line ("A. Socio-economic context B. The agricultural sector C. ..."), a heading with next to no text before
    the next one (a contents page in order, a chapter's title over its first section), a running header (a
    title found more than once, which kb.headings keeps when numbered or named: "Appendix II" atop an
    appendix's pages), or numbered out of order, higher than one of the next three numbered: "APPENDIX D ..."
    before "1.1 GEOGRAPHY" is the contents page's (kb.headings has already dropped the numbered headings out of
    order between two unnumbered ones). Such a heading still ends the section before it.
    """
    seen = Counter(titles)
    listed = [bool(_TABLE_ROW.search(m.title) or _CONTENTS.search(m.title)) for m in marks]
    numbers = [None if rows else _number(m.title) for m, rows in zip(marks, listed, strict=True)]
    # The next three numbered after each heading, not all later ones: a report whose parts each restart at 1
    # loses only a part's last three. Gathered from the end, so a document of many headings stays linear.
    next_three: list[list[tuple[int, ...]]] = [[] for _ in marks]
    ahead: list[tuple[int, ...]] = []
    for i in range(len(marks) - 1, -1, -1):
        next_three[i] = ahead[:3]
        number = numbers[i]
        if number is not None:
            ahead = [number, *ahead[:2]]
    out = []
    for i, (mark, title) in enumerate(zip(marks, titles, strict=True)):
        later = next_three[i]
        number = numbers[i]
        body = text[mark.end:marks[i + 1].start if i + 1 < len(marks) else len(text)]
        junk = (listed[i] or (number is not None and bool(later) and min(later) < number)
                or len(body.strip()) < _MIN_BODY or seen[title] > 1)
        out.append((mark.start, mark.end, "" if junk else title))
    return out


def _number(title: str) -> tuple[int, ...] | None:
    """A heading's number as a sortable tuple ("1.1.2" -> (1, 1, 2)); appendices after every chapter."""
    m = _APPENDIX.match(title)
    return (10**6, ord(m.group(1).upper())) if m else heading_number(title)


def passage_sections(labels: Labels, case: tuple[int, int, str], pieces: list[tuple[int, int]],
                     text: str) -> list[str]:
    """The section of each passage (start, end) of a case (start, end, title): its nearest heading's label, or
    "" where that is the case's own title."""
    inside = [label for label in labels if case[0] <= label[0] < case[1]]
    out = []
    for start, _ in pieces:
        # A passage that opens with headings (a title, then its first section's) sits in the last one's section.
        reach = start
        for at, end, _ in inside:
            if at > reach and text[reach:at].strip():
                break
            reach = max(reach, end)
        label = next((label for at, _, label in reversed(inside) if at <= reach), "")
        out.append("" if label == case[2] else label)
    return out
