"""Page furniture in text that lost its page breaks (a PDF saved as text or Markdown): page numbers, running
headers beside them, and the footnotes at a page's foot, which otherwise sit inside the paragraph that runs
across the page ("... about 20% / 71 CGAP (2021) ... / 14 / Appendix IV / EB 2022/136/R.22 / of all youth ...").

No list of headers and no thresholds tuned on a corpus: a page number is a lone number whose neighbour number
(one more or one less) stands alone a page's length away; a running header is a short line repeated at most of
those page numbers; footnotes are the numbered block just above one. The paragraph a page break cut in two is
joined again when its first half ends without a sentence end and the next half starts in lower case. Also
what a page's layout leaves in any text: a UN document symbol alone on every page, and a chart's axis ticks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from kb.layout import SENTENCE_END, roman_value

_PAGE_NUMBER = re.compile(r"(?:page\s+)?(\d{1,4})", re.IGNORECASE)
_FOOTNOTE = re.compile(r"(\d{1,3})\s+\S")
# A line with a page's number before or after it: "25 UNDP Accelerator Lab", "Annual report 12".
_NUMBERED_LINE = re.compile(r"(\d{1,3})\s+(.+)|(.+?)\s+(\d{1,3})")
# A page holds at least a few lines of text; numbers closer together are a table's cells or a list.
_MIN_PAGE_LINES = 12
# A UN-system document symbol ("EB 2018/124/R.19", "E/CN.5/2020/3"), printed on every page of the document.
_SYMBOL = re.compile(r"(?=.*\d)[A-Z][A-Z0-9 .()\-]*/[A-Z0-9 ./()\-]*")
_TICK = re.compile(r"(\d{1,6}(?:\.\d+)?)\s?%?")
_LABELS = 8  # lone numbers in a row that are a chart's data labels (after running text, see _labels)
_PROSE_WORDS = 8  # words of a line of running text
_RUNNING = 3  # copies of a line that make it a page's furniture rather than a heading used again
_NEAR = 4  # lines from a page number within which its running headers and footnotes stand


def _lone(lines: list[str], i: int) -> bool:
    """A line standing alone: blank (or the text's edge) above and below."""
    return (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())


def _beside_running(lines: list[str], i: int, counts: Counter[str]) -> bool:
    """A line set right against a line the document repeats page after page, blank on its other side: where a
    running header's page number stands ("The Socio-Economic Impact Assessment of COVID-19 in Mauritius / 45")."""
    above = lines[i - 1].strip() if i else ""
    below = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return bool(above and not below and counts[above] >= _RUNNING or below and not above and counts[below] >= _RUNNING)


def _value(line: str) -> int | None:
    """A page number's value: 12, "Page 12", or a front matter's roman "iv"."""
    text = line.strip()
    if m := _PAGE_NUMBER.fullmatch(text):
        return int(m.group(1))
    return roman_value(text)


def _longest_run(numbers: list[tuple[int, int]]) -> list[int]:
    """The longest run of (line, value) that counts up by one or two, each a page's length below the last."""
    best: dict[int, tuple[int, int | None]] = {}  # line -> (run length ending here, previous line)
    by_value: dict[int, list[int]] = defaultdict(list)
    for i, value in numbers:
        options = [(best[j][0], j) for step in (1, 2) for j in by_value.get(value - step, ())
                   if i - j >= _MIN_PAGE_LINES]
        length, previous = max(options, default=(0, None))
        best[i] = (length + 1, previous)
        by_value[value].append(i)
    end: int | None = max(best, key=lambda i: (best[i][0], -i)) if best else None
    run = []
    while end is not None:
        run.append(end)
        end = best[end][1]
    return run


def page_numbers(lines: list[str]) -> list[int]:
    """Indexes of the lines that are page numbers: runs of lone numbers that count up by one (or two, past a
    page without one) down the text, a page's length apart; front matter, text and each appendix may count
    from 1 again. A table's cells, one per line, count up now and then but not page after page."""
    counts = Counter(ln.strip() for ln in lines)
    numbers = [(i, v) for i, ln in enumerate(lines)
               if (_lone(lines, i) or _beside_running(lines, i, counts)) and (v := _value(ln)) is not None]
    found: list[int] = []
    spans: list[tuple[int, int]] = []
    while len(run := _longest_run(numbers)) >= 3:
        first, last = min(run), max(run)
        # Sections follow one another; a run inside another's pages is a table's numbers.
        if not any(first <= b and a <= last for a, b in spans):
            found += run
            spans.append((first, last))
        taken = set(run)
        numbers = [(i, v) for i, v in numbers if i not in taken]
    return sorted(found)


def _nonblank_near(lines: list[str], i: int, step: int) -> list[int]:
    out: list[int] = []
    j = i + step
    while 0 <= j < len(lines) and len(out) < _NEAR:
        if lines[j].strip():
            out.append(j)
        j += step
    return out


def running_headers(lines: list[str], numbers: list[int]) -> set[int]:
    """Indexes of the lines that stand at the same place beside page after page number (the document's code,
    a chapter's or an appendix's title), and seldom anywhere else: furniture, not a heading or a table cell."""
    placed: dict[tuple[str, int], list[int]] = defaultdict(list)
    for p in numbers:
        for step in (-1, 1):
            for distance, j in enumerate(_nonblank_near(lines, p, step), start=1):
                text = lines[j].strip()
                if 3 <= len(text) <= 80 and re.search(r"[^\W\d_]", text):
                    placed[(text, step * distance)].append(j)
    everywhere: dict[str, list[int]] = defaultdict(list)
    for i, ln in enumerate(lines):
        everywhere[ln.strip()].append(i)
    drop: set[int] = set()
    for (text, _), found in placed.items():
        if len(found) >= 3 and len(found) >= 0.6 * len(everywhere[text]):
            # Wherever it stands: beside a page number, alone or over a chapter's own running line, and where a
            # page's number was not read as one.
            drop.update(everywhere[text])
    return drop


def _footnotes_above(lines: list[str], p: int, page_start: int) -> list[int]:
    """The numbered block ending just above a page number (a page's footnotes), or none: its first note's
    number must mark a word of the page above it ("... empowered71."), so body text that starts with a number
    ("3 businesses that reported ...") stays."""
    end = p - 1
    while end >= 0 and not lines[end].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    first = _FOOTNOTE.match(lines[start].strip()) if start >= 0 else None
    if first is None or any(len(lines[i]) > 200 for i in range(start, end + 1)):
        return []
    marker = re.compile(rf"(?:[^\W\d_]|[)\].,;:’”\"]){first.group(1)}(?!\d)")
    if not any(marker.search(lines[i]) for i in range(page_start, start)):
        return []
    return list(range(start, end + 1))


def numbered_running_lines(lines: list[str]) -> set[int]:
    """Indexes of a running line and of its copies that carry their page's number ("UNDP Accelerator Lab" 98
    times, "25 UNDP Accelerator Lab" on 13 pages), where the page numbers never stand alone to be read as such:
    a short line that also stands with two different numbers or more beside it, and more often alone than with
    one (a table's "Area" or "YES NO DK" with row numbers stands alone less; "SCHEDULE 1" ... never alone)."""
    alone: dict[str, list[int]] = defaultdict(list)
    numbered: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, line in enumerate(lines):
        text = line.strip()
        if not 3 <= len(text) <= 80 or not re.search(r"[^\W\d_]", text):
            continue
        m = _NUMBERED_LINE.fullmatch(text)
        if m:
            numbered[m.group(2) or m.group(3)][m.group(1) or m.group(4)].append(i)
        alone[text].append(i)
    drop: set[int] = set()
    for text, by_number in numbered.items():
        copies = [i for found in by_number.values() for i in found]
        if len(by_number) >= 2 and len(alone.get(text, ())) > len(copies):
            drop.update(alone[text], copies)
    return drop


def _progression(values: list[float]) -> bool:
    """Values that step evenly up from zero, or five or more that step by two or more, each a multiple of the
    step: an axis's ticks (0 10 20 ... 100; 40 50 ... 90), not a table's years, a contents page's numbers
    (30 31 32 33 34) or a row of data labels."""
    if len(values) < 4 or all(1900 <= v <= 2100 for v in values):
        return False
    step = values[1] - values[0]
    if step <= 0 or any(abs(b - a - step) > 1e-9 for a, b in zip(values, values[1:])):
        return False
    if any(abs(v / step - round(v / step)) > 1e-9 for v in values):
        return False
    return values[0] == 0 or len(values) >= 5 and step >= 2


def _even_steps(run: list[tuple[int, float]]) -> list[int]:
    """Indexes of the lines of a run of numbers that lie in a stretch of even steps long enough for an axis."""
    out: list[int] = []
    start = 0
    for end in range(2, len(run) + 1):
        if end == len(run) or run[end][1] - run[end - 1][1] != run[start + 1][1] - run[start][1]:
            piece = run[start:end]
            if _progression([v for _, v in piece]):
                out += [i for i, _ in piece]
            start = end - 1
    return out


def chart_axes(lines: list[str], labels: bool = False) -> set[int]:
    """Indexes of the lines a chart's axis left, one tick a line ("0", "10", ... "100") or all on one: they opened
    a search hit's passage ("60 70 80 90 100 National households survey ... graphs show ..."); with `labels`,
    a chart's data labels too (_labels)."""
    drop: set[int] = set()
    run: list[tuple[int, float]] = []  # the lone numbers since the last line of anything else
    before = ""  # the line of anything else before them
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if m := _TICK.fullmatch(text):
            run.append((i, float(m.group(1))))
            continue
        drop.update(_ended(run, before, labels))
        run, before = [], text
        ticks = [_TICK.fullmatch(t) for t in text.split()]
        if len(ticks) >= 5 and all(ticks) and _progression([float(t.group(1)) for t in ticks if t]):
            drop.add(i)
    return drop | set(_ended(run, before, labels))


def _ended(run: list[tuple[int, float]], before: str, labels: bool) -> list[int]:
    """Indexes of a run of lone numbers that go: an axis's ticks, and with `labels` a chart's data labels."""
    return _even_steps(run) + (_labels(run, before) if labels else [])


def _labels(run: list[tuple[int, float]], before: str) -> list[int]:
    """Indexes of a chart's data labels, one a line: eight lone numbers or more in a row inside a sentence ("...
    within one hour varies more" / "35" / "8" / "18" / "4" / ...), which a PDF's reflow ran into the paragraph
    beside the chart. After a table's labels or a contents line the numbers are its cells or pages and stay."""
    # A sentence the chart cut off: running text that stops on a word, not a title (numbered, or a contents line).
    cut = len(before.split()) >= _PROSE_WORDS and not before[:1].isdigit() and re.search(r"[a-z,]$", before)
    return [i for i, _ in run] if len(run) >= _LABELS and cut else []


def document_symbols(lines: list[str]) -> set[int]:
    """Indexes of the lines that are only a document's symbol ("EB 2018/124/R.19"), standing alone three times or
    more: the code a UN body prints at every page's head, left in the text where no page number came with it."""
    found: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        text = line.strip()
        if len(text) <= 40 and _SYMBOL.fullmatch(text) and _lone(lines, i):
            found[text].append(i)
    return {i for copies in found.values() if len(copies) >= _RUNNING for i in copies}


def remove_page_furniture(lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The lines without page numbers, running headers and page-foot footnotes; and what went, by rule."""
    numbers = page_numbers(lines)
    running = numbered_running_lines(lines) | document_symbols(lines)
    if not numbers:
        kept = [ln for i, ln in enumerate(lines) if i not in running]
        return kept, [("running_header", lines[i].strip()) for i in sorted(running)]
    drop: dict[int, str] = {i: "page_number" for i in numbers}
    drop.update({i: "running_header" for i in running if i not in drop})
    drop.update({i: "running_header" for i in running_headers(lines, numbers) if i not in drop})
    for page_start, p in zip([0, *numbers], numbers):
        # Running headers can stand between the footnotes and the number (at a page's head in the text).
        above = p
        while (q := next(iter(_nonblank_near(lines, above, -1)), None)) is not None and drop.get(q) == "running_header":
            above = q
        drop.update({i: "footnote" for i in _footnotes_above(lines, above, page_start) if i not in drop})
    kept = [ln for i, ln in enumerate(lines) if i not in drop]
    removed = [(rule, lines[i].strip()) for i, rule in sorted(drop.items())]
    return _join_across_breaks(kept, {i - sum(1 for d in drop if d < i) for i in numbers}), removed


def _join_across_breaks(lines: list[str], breaks: set[int]) -> list[str]:
    """Join the two halves of a paragraph a page break cut: the text before it ends mid-sentence and the text
    after starts in lower case."""
    out = list(lines)
    for b in sorted(breaks, reverse=True):  # from the end, so the earlier indexes stay valid
        before = b - 1
        while before >= 0 and not out[before].strip():
            before -= 1
        after = b
        while after < len(out) and not out[after].strip():
            after += 1
        if before < 0 or after >= len(out):
            continue
        head, tail = out[before].strip(), out[after].strip()
        if head and tail[:1].islower() and not SENTENCE_END.search(head):
            out[before] = f"{out[before].rstrip()} {out[after].lstrip()}"
            del out[before + 1:after + 1]
    return out


# A running header is a title of a few words (the report's name), not a heading's one or two.
_HEAD_WORDS = (4, 15)
# Paragraphs it must open besides standing alone: a page's worth of repeats, not a section title reused.
_HEAD_REPEATS = 3


def strip_running_heads(paras: list[str]) -> tuple[list[str], list[str]]:
    """Paragraphs without the running header that a reflow joined to their first line ("The Socio-Economic
    Impact Assessment of COVID-19 in Mauritius However, the real estate ..."): a short unterminated paragraph
    that stands alone and also opens several others. Returns the paragraphs and the headers taken off."""
    alone = {p for p in paras if _HEAD_WORDS[0] <= len(p.split()) <= _HEAD_WORDS[1] and not SENTENCE_END.search(p)}
    by_start: dict[str, list[str]] = defaultdict(list)
    for head in alone:
        by_start[" ".join(head.split()[:_HEAD_WORDS[0]])].append(head)
    opens: dict[str, int] = defaultdict(int)
    found: list[tuple[int, str]] = []
    for i, para in enumerate(paras):
        for head in by_start.get(" ".join(para.split()[:_HEAD_WORDS[0]]), ()):
            if para.startswith(head + " "):
                opens[head] += 1
                found.append((i, head))
    heads = {head for head, n in opens.items() if n >= _HEAD_REPEATS}
    out, removed = list(paras), []
    for i, head in found:
        if head in heads and out[i].startswith(head + " "):
            out[i] = out[i][len(head) + 1:]
            removed.append(head)
    return out, removed
