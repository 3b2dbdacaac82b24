"""Segmentation: a clean document into cases (titled parts) and passages sized for the model.

Every span is an offset into Document.text, so a passage can always be cut out of its document.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kb.clean import Heading
from kb.contents import Contents, contents_regions
from kb.headings import find_headings, named_labels, paragraphs
from kb.kinds import classify_case
from kb.language import CJK as _CJK
from kb.models import SPAN_JOIN, Case, Chunk, Document
from kb.numbering import Mark
from kb.sections import Labels, passage_sections, section_marks
from kb.titles import BARE_LABEL, FRONT_MATTER, clean_title, heading_number, recase_capitals, shorten

_WORD = re.compile(r"[^\W_]+", re.U)
_NUMBER_ALONE = re.compile(r"\s*\d{1,3}\.\s*")
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])[\"”’)]*\s+|(?<=[。！？；])")
# A case's span: (start, end, title, heading path), offsets into the document's clean text.
Span = tuple[int, int, str, tuple[str, ...]]

# Case sizes (characters): a section longer than SPLIT_AT is split at its subheadings; a part shorter than
# MIN_CASE joins the one before it; a document never has more than MAX_CASES cases (tables apart).
SPLIT_AT = 15_000
MIN_CASE = 800
MAX_CASES = 30


def estimate_tokens(text: str) -> int:
    """Word pieces the MiniLM tokenizer makes of a text, estimated (CJK characters count one each)."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return cjk + int(words * 1.35) + 1


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside [start, end)."""
    spans = []
    pos = start
    for match in _SENTENCE.finditer(text, start, end):
        if match.end() > pos:
            spans.append((pos, match.start() if match.start() > pos else match.end()))
            pos = match.end()
    if pos < end:
        spans.append((pos, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Break a span over the token limit at sentence, then word, boundaries."""
    pieces: list[tuple[int, int]] = []
    cur_start, cur_tokens = None, 0
    for s, e in split_sentences(text, start, end):
        tokens = estimate_tokens(text[s:e])
        if tokens > limit:
            if cur_start is not None:
                pieces.append((cur_start, s))
                cur_start, cur_tokens = None, 0
            pieces.extend(_split_words(text, s, e, limit))
            continue
        if cur_start is not None and cur_tokens + tokens > limit:
            pieces.append((cur_start, s))
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = s
        cur_tokens += tokens
    if cur_start is not None:
        pieces.append((cur_start, end))
    return [(s, _rstrip(text, s, e)) for s, e in pieces]


def _split_words(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Break a run-on sentence into pieces of at most `limit` estimated tokens."""
    pieces = []
    pos = start
    while pos < end:
        stop = pos
        for match in re.finditer(r"\S+", text[pos:end]):
            if estimate_tokens(text[pos:pos + match.end()]) > limit and stop > pos:
                break
            stop = pos + match.end()
            if _CJK.search(match.group(0)) and estimate_tokens(text[pos:stop]) > limit:
                stop = pos + match.start() + max(1, limit - estimate_tokens(text[pos:pos + match.start()]))
                break
        pieces.append((pos, stop))
        pos = stop
        while pos < end and text[pos].isspace():
            pos += 1
    return pieces


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def chunk_span(text: str, start: int, end: int, target: int, limit: int, min_words: int) -> list[tuple[int, int]]:
    """Passages for one case: paragraphs alone when long enough, short ones joined, long ones split.

    A short paragraph goes with the one after it while both fit the model's limit, not only the target: a heading
    ("1.2 贫困地区扶贫的内生动力不足", "1.9 Training of field staff") before a paragraph near the target stood as a
    passage of its own, 936 of them in the eval index, near any query on its topic and answering none.
    """
    passages: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tokens = 0
    for p_start, p_end in paragraphs(text, start, end):
        tokens = estimate_tokens(text[p_start:p_end])
        short = cur is not None and _words(text, cur) < min_words
        if cur is not None and (not short or cur_tokens + tokens > limit):
            if short:  # too long to join whole: the heading opens the first piece of the paragraph it heads
                pieces = _with_words(text, _split_long(text, p_start, p_end, target))
                if cur_tokens + estimate_tokens(text[pieces[0][0]:pieces[0][1]]) <= limit:
                    passages.extend([(cur[0], pieces[0][1]), *pieces[1:]])
                    cur, cur_tokens = None, 0
                    continue
            passages.append(cur)
            cur, cur_tokens = None, 0
        if tokens > limit:
            passages.extend(_split_long(text, p_start, p_end, target))
            continue
        cur = (cur[0] if cur else p_start, p_end)
        cur_tokens += tokens
    if cur is not None:
        # A short tail joins the passage before it when both fit.
        if passages and _words(text, cur) < min_words // 2 and \
                estimate_tokens(text[passages[-1][0]:cur[1]]) <= limit and passages[-1][1] <= cur[0]:
            passages[-1] = (passages[-1][0], cur[1])
        else:
            passages.append(cur)
    return _with_words(text, passages)


def _pieces(text: str, start: int, end: int, contents: list[Contents],
            sizes: tuple[int, int, int]) -> list[tuple[int, int]]:
    """A case's passages, each table of contents opening a passage of its own: a converter had run one into an
    executive summary's last bullet, and the passage, as prose, was a top hit for "village savings"."""
    cuts = [start, *sorted({c.start for c in contents if start < c.start < end}), end]
    return [piece for a, b in zip(cuts, cuts[1:]) for piece in chunk_span(text, a, b, *sizes)]


def _in_contents(piece: tuple[int, int], contents: list[Contents]) -> bool:
    """Whether two thirds of a passage at least lie inside a table of contents whose every paragraph ends on a
    page: its entries, which a passage's shape may not tell from prose ("1.2 Objective of the Study 2 To
    understand the effects ... Livingstone. 2"). Where a list's end is a guess it may have run on into the
    text (the IFAD Strategic Framework's foreword, set a printed line a paragraph), so the shape decides."""
    for c in contents:
        inside = max(0, min(piece[1], c.end) - max(piece[0], c.start))
        if c.run_in and 3 * inside >= 2 * (piece[1] - piece[0]):
            return True
    return False


def _with_words(text: str, passages: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The passages with every one that holds no word joined to the passage after it (the last to the one
    before): a PDF glyph read as "?" before a run-on sentence stood as a passage of its own, and the
    multilingual model put it first for 9 of 130 English questions (a text with no word sits near everything).
    A paragraph's number alone ("2.") goes with the paragraph after it too: it stood alone before its long one."""
    out: list[tuple[int, int]] = []
    for span in passages:
        if out and _wordless(text, out[-1]):
            out[-1] = (out[-1][0], span[1])
        else:
            out.append(span)
    if len(out) > 1 and _wordless(text, out[-1]):
        out[-2:] = [(out[-2][0], out[-1][1])]
    return out


def _wordless(text: str, span: tuple[int, int]) -> bool:
    """Whether a passage holds no word, or only a paragraph's number."""
    return not _WORD.search(text, *span) or _NUMBER_ALONE.fullmatch(text, *span) is not None


def _words(text: str, span: tuple[int, int]) -> int:
    chunk = text[span[0]:span[1]]
    return len(_WORD.findall(_CJK.sub(" ", chunk))) + len(_CJK.findall(chunk)) // 2


def _case_spans(doc: Document, marks: list[Mark], titles: list[str]) -> list[Span]:
    """(start, end, title, heading path) of each case: sections at the level the document's structure warrants;
    `titles` are the marks' clean titles.

    Cases start at the top level that has two headings or more; a case longer than SPLIT_AT is split at the
    next level down inside it; a case shorter than MIN_CASE joins the one before; the smallest neighbours
    merge until there are at most MAX_CASES.
    """
    text = doc.text
    paths: list[tuple[str, ...]] = []
    stack: list[int] = []
    for i, mark in enumerate(marks):
        # Front matter holds no numbered section: "Executive summary" stood over every section of a report whose
        # summary and numbered sections a converter had marked at two levels ("Executive summary › 2.13 ...").
        while stack and (marks[stack[-1]].level >= mark.level
                         or FRONT_MATTER.match(titles[stack[-1]]) and heading_number(titles[i])):
            stack.pop()
        stack.append(i)
        paths.append(tuple(titles[j] for j in stack))
    levels = sorted({m.level for m in marks})
    top = next((lvl for lvl in levels if sum(m.level == lvl for m in marks) >= 2), levels[0] if levels else 0)
    cuts = [i for i, m in enumerate(marks) if m.level <= top]
    bounds = lambda idx: [(marks[i].start, marks[j].start if j < len(marks) else len(text))  # noqa: E731
                          for i, j in zip(idx, [*[k for k in idx[1:]], len(marks)])]
    # The text before the first top-level heading splits like any section: a report whose only top-level headings
    # are its appendices has every chapter there (the Ghana DHS was one case up to "Appendix A").
    lead = lambda: [(-1, marks[cuts[0]].start if cuts else len(text))]  # noqa: E731
    changed = True
    while changed:  # split long sections at the headings one level down inside them
        changed = False
        for start, end in lead() + bounds(cuts):
            if end - start <= SPLIT_AT:
                continue
            inner = [k for k, m in enumerate(marks) if start < m.start < end]
            if not inner:
                continue
            level = min(marks[k].level for k in inner)
            cuts = sorted(set(cuts) | {k for k in inner if marks[k].level == level})
            changed = True
            break
    spans = [(s, e, titles[i], paths[i]) for (s, e), i in zip(bounds(cuts), cuts)]
    if not marks or (spans and spans[0][0] > 0 and text[:spans[0][0]].strip()):
        first_end = spans[0][0] if spans else len(text)
        spans.insert(0, (0, first_end, doc.title, (doc.title,) if marks else ()))
    return _merge_small(spans, doc.title)


def _merge_small(spans: list[Span], doc_title: str) -> list[Span]:
    """Join parts shorter than MIN_CASE to a neighbour, then the smallest pairs until MAX_CASES.

    A short part whose next part sits under it (a chapter heading before its first section) joins that
    part, which keeps its own title and path; short parts at the start join the next ones until they make a
    case (titled by the first that is not the document's title); any other short part joins the part before it.
    """
    # A part merged from several sections is titled by its first and last: titled by its first alone, a report's
    # "9.4 POSTNATAL CARE FOR THE MOTHER" held its chapter 10 on children's learning, and a hit from there said so;
    # titled by its last, three short opening sections were named after the third.
    out: list[Span] = []
    lasts: list[str] = []
    pending: Span | None = None
    named = ""  # the pending part's appendix or chapter name, which titles the part it joins alone
    for i, span in enumerate(spans):
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        last = span[2]
        if pending is not None:
            span = (pending[0], span[1], pending[2] or span[2], span[3])
            last = named or last
            pending, named = None, ""
        if span[1] - span[0] >= MIN_CASE:
            out.append(span)
            lasts.append(last)
        elif nxt is not None and (_is_parent(span, nxt) or not out):
            # Titled by the next part, unless it is itself a section that the next one does not sit under, or an
            # appendix or a chapter, whose name says what the part is ("Appendix II: Agreement at completion point
            # ...", not its first section's "A. Introduction").
            parent = _is_parent(span, nxt)
            named = span[2] if parent and BARE_LABEL.match(span[2]) else ""
            own = (not parent or bool(named)) and span[2] != doc_title
            pending = (span[0], span[1], span[2] if own else "", span[3])
        elif out:
            prev = out.pop()
            out.append((prev[0], span[1], prev[2], prev[3]))
        else:
            out.append(span)
            lasts.append(last)
    if pending is not None:
        if out:
            prev = out.pop()
            out.append((prev[0], pending[1], prev[2], prev[3]))
        else:
            out.append((*pending[:2], pending[2] or spans[-1][2], pending[3]))
            lasts.append(spans[-1][2])
    while len(out) > MAX_CASES:
        # Neighbours under one chapter merge first: a report's "3.3 SCHOOL ATTENDANCE … 4.3 AGE AT FIRST MARRIAGE"
        # held the ends of two chapters.
        kin = [k for k in range(len(out) - 1) if out[k][3][:1] and out[k][3][:1] == out[k + 1][3][:1]]
        i = min(kin or range(len(out) - 1), key=lambda k: out[k][1] - out[k][0] + out[k + 1][1] - out[k + 1][0])
        a, b = out[i], out[i + 1]
        out[i:i + 2] = [(a[0], b[1], a[2], a[3])]
        lasts[i:i + 2] = [lasts[i + 1]]
    # A part that holds a whole chapter is titled by it ("5 FERTILITY", not "5 FERTILITY … 5.9 TEENAGE PREGNANCY").
    heads = [span[3][:1] for span in out]
    whole = [bool(head) and head[0] != doc_title and head not in heads[max(k - 1, 0):k] + heads[k + 1:k + 2]
             for k, head in enumerate(heads)]
    return [(start, end, path[0] if alone else _span_title(title, last), path)
            for (start, end, title, path), last, alone in zip(out, lasts, whole)]


def _span_title(first: str, last: str) -> str:
    """The title of a part that runs from one section to another: both, each cut to fit 120 characters."""
    return first if first == last else f"{shorten(first, 58)}{SPAN_JOIN}{shorten(last, 58)}"


def _is_parent(span: Span, nxt: Span) -> bool:
    """True when the next part's heading path runs through this part's heading (or this part has none)."""
    return not span[3] or (len(nxt[3]) > len(span[3]) and nxt[3][:len(span[3])] == span[3])


def _record_sections(text: str, spans: list[Span]) -> Labels:
    """Section labels inside each record as long as a split document (a government work report); it stays one case."""
    labels: Labels = []
    for start, end in ((s, e) for s, e, _, _ in spans if e - s > SPLIT_AT):
        # Each record on its own: two years' reports share headings ("七、关于外交工作"), no running header.
        marks = [replace(m, start=m.start + start, end=m.end + start) for m in find_headings(text[start:end], ())]
        labels.extend(section_marks(marks, [clean_title(m.title) for m in marks], text[:end]))
    return labels


def _fallback_parts(doc: Document, size: int = 6000) -> list[Span]:
    """Parts of a long document with no headings: page groups for PDFs, else paragraph runs."""
    text = doc.text
    if doc.page_starts and len(doc.page_starts) > 1:
        parts: list[Span] = []
        group = 5
        for i in range(0, len(doc.page_starts), group):
            start = doc.page_starts[i]
            stop = doc.page_starts[i + group] if i + group < len(doc.page_starts) else len(text)
            last = min(i + group, len(doc.page_starts))
            if text[start:stop].strip():
                label = f"pages {i + 1}-{last}" if last > i + 1 else f"page {i + 1}"
                parts.append((start, stop, f"{doc.title} ({label})", ()))
        return parts
    runs: list[tuple[int, int]] = []
    start = 0
    for _, p_end in paragraphs(text, 0, len(text)):
        if p_end - start >= size:
            runs.append((start, p_end))
            start = p_end
    if start < len(text) and text[start:].strip():
        runs.append((start, len(text)))
    return [(s, e, f"{doc.title} (part {n})", ()) for n, (s, e) in enumerate(runs, 1)]


def segment(
    doc: Document,
    marked: tuple[Heading, ...] = (),
    record_spans: tuple[tuple[int, int, str, tuple[tuple[str, str], ...]], ...] | None = None,
    target: int = 180,
    limit: int = 240,
    min_words: int = 25,
) -> tuple[tuple[Case, ...], tuple[Chunk, ...]]:
    """Split a document into cases and passages; record tables give one case per row."""
    text = doc.text
    fields_by_case: list[tuple[tuple[str, str], ...]] = []
    spans: list[Span]
    marks: list[Mark] = []
    titles: list[str] = []
    labelled: Labels = []
    if record_spans is not None:
        spans = [(s, e, title, ()) for s, e, title, _ in record_spans]
        fields_by_case = [f for *_, f in record_spans]
        labelled = _record_sections(text, spans)
    elif doc.doc_type == "news" and len(text) <= SPLIT_AT * 3:
        spans = [(0, len(text), doc.title, ())]  # a post is read, cited and counted whole
    else:
        marks = find_headings(text, marked, paged=bool(doc.page_starts))
        titles = [clean_title(m.title) for m in marks]  # once: case titles, heading paths and section labels
        # A bare label's name, read from the text, is cleaned as a title too.
        titles = [t if t == old else clean_title(t) for t, old in zip(named_labels(titles, marks, text), titles)]
        titles = recase_capitals(titles, text)
        spans = _case_spans(doc, marks, titles)
        if len(spans) <= 1 and len(text) > SPLIT_AT:
            spans = _fallback_parts(doc)
        labelled = section_marks(marks, titles, text)
    cases: list[Case] = []
    chunks: list[Chunk] = []
    contents = [] if record_spans is not None else contents_regions(text, paragraphs(text, 0, len(text)))
    for ordinal, (start, end, title, path) in enumerate(spans, start=1):
        end = _rstrip(text, start, end)
        case_id = f"{doc.doc_id}-{ordinal}"
        fields = fields_by_case[ordinal - 1] if fields_by_case else ()
        cases.append(Case(case_id, doc.doc_id, ordinal, title, path, start, end, doc.page_at(start), fields))
        pieces = _pieces(text, start, end, contents, (target, limit, min_words))
        sections = passage_sections(labelled, (start, end, title), pieces, text)
        # Each passage in its own section, else its case's ("7. References"); a record's title names no section.
        kinds = classify_case([text[s:e] for s, e in pieces], [section or ("" if fields else title)
                                                              for section in sections])
        kinds = ["toc" if _in_contents(piece, contents) else kind for piece, kind in zip(pieces, kinds)]
        for (c_start, c_end), kind, section in zip(pieces, kinds, sections, strict=True):
            chunks.append(Chunk(case_id, doc.doc_id, len(chunks) + 1, c_start, c_end, text[c_start:c_end],
                                doc.page_at(c_start), kind=kind, section=section))
    return tuple(cases), tuple(chunks)
