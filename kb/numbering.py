"""A document's own numbering: the headings that keep its order, and chapters set title first that count up."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from kb.titles import APPENDIX, heading_number

# A chapter's title in capitals set before its number ("NUTRITION OF CHILDREN AND WOMEN 11", as DHS reports are);
# only where such numbers count up through the document (chapters).
CHAPTER = re.compile(r"^(?!(?:TABLE|FIGURE|CHART|BOX|MAP|PAGE|ANNEX|APPENDIX)\b)[A-Z][A-Z ,'’&()/-]{2,100}[A-Z)] "
                     r"\d{1,2}$")
# A label that names a section by its number ("SCHEDULE 2", as kb.headings names sections): it heads its section,
# as an annex's does, and counts no chapter. Dropped with the chapters that did not count up, a loan agreement's
# five schedules (its project's description among them) had been no sections, all of them in its last article.
_SECTION_LABEL = re.compile(r"(?:SCHEDULE|ARTICLE|KEY FILE) \d{1,2}")


@dataclass(frozen=True)
class Mark:
    """A heading found in the text: where it starts and ends, its level and title."""

    start: int
    end: int
    level: int
    title: str


def chapters(marks: list[Mark]) -> list[Mark]:
    """The marks less chapter titles set before their number, but for the longest run that counts 1, 2, 3 ...
    through the document under titles of their own: a contents entry's page number ("FERTILITY 97"), a table row
    in capitals ("URBAN 45") or a label ("SCHEDULE 2") does not. Chapters so counted are read number first."""
    at = [i for i, m in enumerate(marks) if CHAPTER.match(m.title) and not _SECTION_LABEL.fullmatch(m.title)]
    titles = [marks[i].title.rsplit(" ", 1)[0] for i in at]
    numbers = [int(marks[i].title.rsplit(" ", 1)[1]) for i in at]
    # The run ending at each place: the latest before it of the number one lower that itself ends a whole run
    # (a contents page's "FERTILITY 5" comes before the chapter).
    before: dict[int, int | None] = {}
    for p, number in enumerate(numbers):
        lower = [q for q in before if numbers[q] == number - 1]
        if number == 1 or lower:
            before[p] = lower[-1] if lower else None
    run: list[int] = []
    at_end = max(before, key=lambda p: (numbers[p], p), default=None)
    while at_end is not None:
        run.insert(0, at_end)
        at_end = before[at_end]
    # Each chapter has a title of its own: "SCHEDULE 1", "SCHEDULE 2" or "RESULTADO 1" ... are labels.
    if len(run) < 2 or len({titles[p] for p in run}) < len(run):
        return [m for i, m in enumerate(marks) if i not in at]
    kept, first = {at[p] for p in run}, at[run[0]]
    # Read number first, as its sections are ("11" over "11.1 NUTRITIONAL STATUS"). A numbered line or an appendix
    # before chapter 1 is the front matter's, no section: a goal table's row ("1. Eradicate extreme poverty and
    # hunger"), the contents' "APPENDIX D PARTICIPANTS IN THE 2014 GHANA DEMOGRAPHIC".
    return [Mark(m.start, m.end, m.level, "{1} {0}".format(*m.title.rsplit(" ", 1))) if i in kept else m
            for i, m in enumerate(marks) if i not in at or i in kept
            if i >= first or heading_number(m.title) is None and not APPENDIX.match(m.title)]


def in_order(marks: list[Mark]) -> list[Mark]:
    """The marks less numbered ones that break the document's numbering: between two unnumbered headings (a
    part, an annex or a named section may restart it), the numbered headings kept are the longest run whose
    numbers rise ("2", "3.1", "3.2", "4"), the earliest where two runs tie (a section opens where its number first
    stands). A list item set as a line of its own ("5. Cafes, restaurants ..." inside section 5 of the Timor-Leste
    survey, 184 passages under its name) or a front-matter table row ("5.3 Contraceptive prevalence rate na 26.7
    na") falls outside the run."""
    drop: set[int] = set()
    run: list[tuple[int, tuple[int, ...]]] = []
    for i, mark in enumerate([*marks, None]):
        number = heading_number(mark.title) if mark is not None else None
        if number is not None:
            run.append((i, number))
            continue
        drop |= {run[k][0] for k in set(range(len(run))) - _longest_rising([n for _, n in run])}
        run = []
    return [m for i, m in enumerate(marks) if i not in drop]


def _longest_rising(numbers: list[tuple[int, ...]]) -> set[int]:
    """Positions of the longest strictly rising subsequence, the earliest positions where several tie; in
    n log n (an upload can hold thousands of numbered lines)."""
    rank = {n: r for r, n in enumerate(sorted(set(numbers)))}
    # How long a rising run can start at each position: a falling run ending there, read from the right.
    tails: list[int] = []
    starts = [0] * len(numbers)
    for i in range(len(numbers) - 1, -1, -1):
        value = -rank[numbers[i]]
        at = bisect_left(tails, value)
        tails[at:at + 1] = [value]
        starts[i] = at + 1
    kept: set[int] = set()
    need, last = len(tails), -1
    for i, number in enumerate(numbers):
        if need and starts[i] == need and rank[number] > last:
            kept.add(i)
            need, last = need - 1, rank[number]
    return kept
