"""Segmentation: a clean document into cases (titled parts) and passages sized for the model.

Every span is an offset into Document.text, so a passage can always be cut out of its document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.clean import Heading
from kb.models import Case, Chunk, Document

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[^\W_]+", re.U)
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])[\"”’)]*\s+|(?<=[。！？；])")
_NAMED = r"(?:preface|foreword|introduction|conclusions?|epilogue|summary|abstract|appendix\b.*|annex\b.*|references|bibliography)"
_LEVELS = (
    (1, re.compile(r"^(?:[一二三四五六七八九十]+、|(?:part|chapter)\s+[\w]+\b|" + _NAMED + r"$)", re.I)),
    (1, re.compile(r"^\d{1,2}\.\s+\S")),
    (2, re.compile(r"^(?:\(\d{1,2}\)\s*\S|（[一二三四五六七八九十]+）|\d{1,2}\.\d{1,2}\.?\s+[A-Z])")),
    (3, re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S")),
)
# "1. Fixed-point poverty alleviation. The central designated ..." : a numbered item with a short title.
_NUMBERED_ITEM = re.compile(r"^(\d{1,2})[.,、]\s*([^.。:：]{3,90}?)[.。:：](?:\s|$)")
# A short unterminated line before a longer paragraph: a news article's subheading.
_SUBHEAD_MAX = 120


@dataclass(frozen=True)
class _Mark:
    """A heading found in the text: where it starts and ends, its level and title."""

    start: int
    end: int
    level: int
    title: str


def estimate_tokens(text: str) -> int:
    """Word pieces the MiniLM tokenizer makes of a text, estimated (CJK characters count one each)."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return cjk + int(words * 1.35) + 1


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the paragraphs (blank-line separated) inside [start, end)."""
    spans = []
    pos = start
    for match in re.finditer(r"\n\n", text[start:end]):
        stop = start + match.start()
        if stop > pos:
            spans.append((pos, stop))
        pos = start + match.end()
    if pos < end:
        spans.append((pos, end))
    return spans


def find_headings(text: str, marked: tuple[Heading, ...], paged: bool = False) -> list[_Mark]:
    """Headings: those the format marked, then numbered and named heading lines of plain text."""
    marks = [_Mark(h.start, h.end, h.level, text[h.start:h.end]) for h in marked]
    if marked:
        return marks
    items: list[tuple[int, int, int, str]] = []
    for start, end in _paragraphs(text, 0, len(text)):
        para = text[start:end]
        if len(para) <= 220 and not re.search(r"[.。;；]$", para) and _wordy(para):
            level = next((lvl for lvl, rx in _LEVELS if rx.match(para)), 0)
            if level:
                marks.append(_Mark(start, end, level, para))
                continue
        item = _NUMBERED_ITEM.match(para)
        if item:
            items.append((start, int(item.group(1)), start + item.end(), item.group(2)))
    # Numbered items count as headings only when they run 1, 2, 3 ...: a lone "2." is a list line.
    numbers = [n for _, n, _, _ in items]
    if len(items) >= 2 and numbers[:2] == [1, 2]:
        marks += [_Mark(s, e, 4, f"{n}. {title}") for s, n, e, title in items]
    if not marks and not paged:
        marks = _subheadings(text)
    return sorted(marks, key=lambda m: m.start)


def _subheadings(text: str) -> list[_Mark]:
    """Unnumbered subheadings: short, unterminated, capitalised lines followed by a long paragraph."""
    paras = _paragraphs(text, 0, len(text))
    marks = []
    for (start, end), (n_start, n_end) in zip(paras[1:], paras[2:]):
        para = text[start:end]
        if (len(para) <= _SUBHEAD_MAX and len(para.split()) >= 3 and para[:1].isupper()
                and not re.search(r"[.。;；:：,，!?]$", para) and n_end - n_start > len(para)):
            marks.append(_Mark(start, end, 2, para))
    return marks if len(marks) >= 2 else []


def _wordy(para: str) -> bool:
    """Headings are mostly words; table rows ("5.4 birth rate 76.3 na") are mostly numbers."""
    if _CJK.search(para):
        return True
    tokens = [t.strip(".,;:()[]\"'“”‘’?!") for t in para.split()]
    words = sum(1 for t in tokens if t.isalpha())
    return words / max(len(tokens), 1) >= 0.6 and not para[-1].isdigit()


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
    """Passages for one case: paragraphs alone when long enough, short ones joined, long ones split."""
    passages: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tokens = 0
    for p_start, p_end in _paragraphs(text, start, end):
        tokens = estimate_tokens(text[p_start:p_end])
        if cur is not None and (cur_tokens + tokens > target or _words(text, cur) >= min_words):
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
    return passages


def _words(text: str, span: tuple[int, int]) -> int:
    chunk = text[span[0]:span[1]]
    return len(_WORD.findall(_CJK.sub(" ", chunk))) + len(_CJK.findall(chunk)) // 2


def _case_spans(doc: Document, marks: list[_Mark]) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, title, heading path) for each heading's own text, and the text before the first."""
    text = doc.text
    spans = []
    path: list[tuple[int, str]] = []
    bounds = [m.start for m in marks] + [len(text)]
    if not marks or marks[0].start > 0:
        first_end = marks[0].start if marks else len(text)
        if text[:first_end].strip():
            spans.append((0, first_end, doc.title, (doc.title,) if marks else ()))
    for i, mark in enumerate(marks):
        while path and path[-1][0] >= mark.level:
            path.pop()
        path.append((mark.level, mark.title))
        body_end = bounds[i + 1]
        if text[mark.end:body_end].strip():
            spans.append((mark.start, body_end, mark.title, tuple(t for _, t in path)))
    return spans


def _fallback_parts(doc: Document, size: int = 6000) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Parts of a long document with no headings: page groups for PDFs, else paragraph runs."""
    text = doc.text
    if doc.page_starts and len(doc.page_starts) > 1:
        parts = []
        group = 5
        for i in range(0, len(doc.page_starts), group):
            start = doc.page_starts[i]
            stop = doc.page_starts[i + group] if i + group < len(doc.page_starts) else len(text)
            last = min(i + group, len(doc.page_starts))
            if text[start:stop].strip():
                label = f"pages {i + 1}-{last}" if last > i + 1 else f"page {i + 1}"
                parts.append((start, stop, f"{doc.title} ({label})", ()))
        return parts
    parts = []
    start = 0
    for p_start, p_end in _paragraphs(text, 0, len(text)):
        if p_end - start >= size:
            parts.append((start, p_end))
            start = p_end
    if start < len(text) and text[start:].strip():
        parts.append((start, len(text)))
    return [(s, e, f"{doc.title} (part {n})", ()) for n, (s, e) in enumerate(parts, 1)]


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
    if record_spans is not None:
        spans = [(s, e, title, ()) for s, e, title, _ in record_spans]
        fields_by_case = [f for *_, f in record_spans]
    else:
        marks = find_headings(text, marked, paged=bool(doc.page_starts))
        spans = _case_spans(doc, marks)
        if len(spans) <= 1 and len(text) > 12000:
            spans = _fallback_parts(doc)
    cases: list[Case] = []
    chunks: list[Chunk] = []
    for ordinal, (start, end, title, path) in enumerate(spans, start=1):
        end = _rstrip(text, start, end)
        case_id = f"{doc.doc_id}-{ordinal}"
        fields = fields_by_case[ordinal - 1] if fields_by_case else ()
        cases.append(Case(case_id, doc.doc_id, ordinal, title, path, start, end, doc.page_at(start), fields))
        for c_start, c_end in chunk_span(text, start, end, target, limit, min_words):
            chunks.append(Chunk(case_id, doc.doc_id, len(chunks) + 1, c_start, c_end,
                                text[c_start:c_end], doc.page_at(c_start)))
    return tuple(cases), tuple(chunks)
