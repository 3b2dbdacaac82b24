"""Headings of a clean document: those its format marked, else its numbered and named heading lines.

A heading's level comes from its numbering ("I." holds "A.", "2" holds "2.1"); numbered paragraphs
("17. Rural youth migrate to cities ...") are not headings, nor are a table of contents' entries or the
running headers a converter left on every page.
"""

from __future__ import annotations

import re
from collections import Counter

from kb.clean import Heading
from kb.contents import contents_spans, inside, listed_titles, title_key
from kb.headlines import HEADING_CHARS, NUMBERED_WORDS, wordy
from kb.kinds import CAPTION
from kb.language import HAN
from kb.layout import set_in_capitals
from kb.numbering import CHAPTER, Mark, chapters, in_order
from kb.titles import APPENDIX, BARE_LABEL, DOTTED, NAME_WORDS, heading_number, title_line, title_shaped

# Sections a document names rather than numbers; written alone on a line, each is a heading whatever follows.
_SECTION_NAMES = (r"preface|foreword|introduction|conclusions?|epilogue|executive summary|abstract|references|"
                  r"bibliography|acknowledg(?:e)?ments")
# "Key file 3: ..." heads an annex of every IFAD country strategy (COSOP), as "Schedule 2" does a loan agreement's.
_NAMED = (r"(?:" + _SECTION_NAMES + r"|summary|appendix\b.*|annex\b.*|appendices|article\s+[IVX\d]+|"
          r"schedule\s+\d+|key file\s+\d{1,2}\b.*|引言|前言|结论|结语|参考文献|摘要)")
_SECTION_WORD = re.compile(r"(?:" + _SECTION_NAMES + r")", re.I)
_LETTERED = 2  # the level of a lettered heading, "B. Main evaluation findings"
# Heading lines of unmarked text by their numbering, with the level each numbering usually stands for.
# "I." sections hold "A." subsections; "1." stands for a section where no roman numerals do, else a subsection.
_LEVELS = (
    # "Part I", "Chapter 2", "Part One"; not "Part time", a table's row label.
    (1, re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[章节部分篇]|(?:part|chapter)\s+"
                   r"(?:\d+|[IVXLC]+|[A-Z]|one|two|three|four|five|six|seven|eight|nine|ten)\b|"
                   + _NAMED + r"$)", re.I)),
    # An appendix set title first, in capitals ("ESTIMATES OF SAMPLING ERRORS Appendix B", as DHS reports are).
    (1, re.compile(r"^[A-Z][A-Z\d ,'’&()-]{2,100} (?:Appendix|APPENDIX|Annex|ANNEX) (?:[A-Z]|\d{1,2}|[IVX]{1,5})$")),
    (1, re.compile(r"^[IVX]{1,5}\.\s+\S")),
    (_LETTERED, re.compile(r"^[A-H]\.\s+[A-Z]")),
    (3, re.compile(r"^\d{1,2}\.?\s+[A-Z" + HAN + r"]")),
    (4, re.compile(r"^(?:\(\d{1,2}\)\s*\S|（[一二三四五六七八九十]+）|\d{1,2}\.\d{1,2}\.?\s+[A-Za-z" + HAN + r"])")),
    (5, re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S")),
)
_PAST_H = re.compile(r"^([I-Z])\.\s+[A-Z]")
# A chapter's label alone on its line ("CHAPTER 7"), its title set under it.
_BARE_CHAPTER = re.compile(r"(?:CHAPTER|Chapter|PART|Part)\s+(?:\d{1,2}|[IVX]{1,5})")
# The most lines a chapter's title set under its label runs over ("CONCLUSION AND" / "RECOMMENDATION").
_TITLE_LINES = 3
_TITLE_WORDS = 6
_SPLIT_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2}){1,3}\.?")
# A subsection's title in capitals that the PDF's text ran into its first paragraph ("12.5 USE OF INTERMITTENT
# PREVENTIVE TREATMENT OF MALARIA DURING PREGNANCY In areas of high malaria transmission, ..."): two capital words
# at least, then a sentence (six words of its first twelve in lower case). 22 sections of the Ghana DHS, whose
# 394 passages had been said to be their previous section's; no other document of the shared corpus changes.
_RUN_IN = re.compile(r"(\d{1,2}(?:\.\d{1,2}){1,2}\.?[ \t]+[A-Z][A-Z’'&/()-]*,?(?:[ \t]+[A-Z][A-Z’'&/()-]*,?)+)"
                     r"[ \t]+[A-Z][a-z]+\b")
# A heading line: short (HEADING_CHARS, kb.headlines), unterminated, mostly words; a numbered one shorter still.
_HEADING_WORDS = 40
# A short unterminated line before a longer paragraph: a news article's subheading.
_SUBHEAD_MAX = 120
# More numbered headings than this are the text's own paragraph numbering.
MAX_HEADINGS = 30


def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
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



# Words of a sentence, not of a heading: "33. The COSOP will contribute to ..." is a numbered paragraph.
_SENTENCE_VERB = re.compile(r"\b(?:will|is|are|was|were|has|have|had|shall|should|can|could|would|may|must)\b")
# A line that ends on a conjunction, article or preposition (or a comma) runs on: a list item a converter broke
# and marked as a heading ("4. Government forced closure, and"), never a section's title.
# ("Appendix A" ends on a label, not the article.)
_RUNS_ON = re.compile(r"(?:[,;，；]|\b(?:and|or|of|the|to|for|with|by|from|(?-i:a)|an))\s*$", re.I)


def _heading_line(para: str, following: str) -> bool:
    """A paragraph that can be a heading: short, unterminated, wordy, and not continued by the next one.

    A numbered line must also read as a title: no sentence verb, no full stop inside ("40. South-South
    Cooperation. South-..." is a paragraph with a lead-in).
    """
    dotted = DOTTED.match(para)
    number = dotted if dotted and "." not in dotted.group(1) else None
    if number and (_SENTENCE_VERB.search(para) or len(para.split()) > NUMBERED_WORDS
                   or re.search(r"\w\.\s+\S", para[4:])
                   # Sections are not numbered past 25; "48." numbers a paragraph, "4 Bangladesh Bank, ..." a footnote.
                   or int(number.group(1)) > 25 or "." not in number.group() and re.search(r"[,(]", para)):
        return False
    # Nor are their parts: "9.37 MT", "53.6 MT" and "0.37 MT" are a table's cells, one a line, not sections.
    decimal = dotted if dotted and "." in dotted.group(1) else None
    if decimal and any(int(part) > 25 or (n == 0 and int(part) == 0)
                       for n, part in enumerate(decimal.group(1).split("."))):
        return False
    # A named section alone on its line is a heading even where the next page's text opens in lower case (its
    # opening page lost in conversion: the Mauritius report's "Conclusions").
    runs_into = following[:1].islower() and not _SECTION_WORD.fullmatch(para)
    return (len(para) <= HEADING_CHARS and len(para.split()) <= _HEADING_WORDS and wordy(para)
            and not re.search(r"[.。:：]$", para) and not _RUNS_ON.search(para) and not runs_into
            # A full stop inside is a paragraph's lead-in ("（四）更大力度吸引和利用外资。扩大市场准入，...").
            and "。" not in para)



def _opens_text(text: str, following: list[tuple[int, int]]) -> bool:
    """Running text follows, after page numbers and at most one short line (the title's translation)."""
    short = 0
    for start, end in following[:4]:
        line = text[start:end]
        if line.strip().isdigit():
            continue
        words = len(line.split())
        if words > NUMBERED_WORDS:
            return True
        short += 1
        if short > 1 or words > NAME_WORDS:
            return False
    return False


def _over_text(text: str, following: list[tuple[int, int]]) -> bool:
    """Text follows within a few lines, past bare numbers: a long line, a bullet, or a line ending a sentence or
    a lead-in (a table's labels and cells end none)."""
    lines = [text[a:b].strip() for a, b in following[:6]]
    lines = [line for line in lines if not re.fullmatch(r"\d{1,3}\.?", line)][:4]
    return any(len(line.split()) > NUMBERED_WORDS or line[:1] in "•▪-*–" or re.search(r"[.:;!?。：；]$", line)
               for line in lines)


def names_a_section(line: str) -> bool:
    """A line that is a section's name alone ("Foreword", "SUMMARY", "Annex 2", "参考文献")."""
    return bool(re.fullmatch(_NAMED, line.strip(), re.I))


def _empty_label(title: str) -> bool:
    """A label ending in a colon with nothing after it ("文章编号：", "Keywords:"), unless a named section."""
    title = title.strip()
    return bool(re.search(r"[:：]$", title)) and not re.match(_NAMED, title, re.I)


def _levels_by_number(marks: list[Mark]) -> list[Mark]:
    """Headings a converter marked all at one level, levelled by their numbers ("3" over "3.1" over "3.1.2").
    An unnumbered one that is no named section sits at the level of the heading before it: a journal's name
    marked between "3.3" and "3.4" opened a case that held 3.4 and the conclusion."""
    base = level = marks[0].level
    out: list[Mark] = []
    for m in marks:
        depth = _numbered_depth(m.title)
        if depth or re.match(_NAMED, m.title, re.I) or not out:
            level = base + max(depth - 1, 0)
        out.append(Mark(m.start, m.end, level, m.title))
    return out


def _numbered_depth(title: str) -> int:
    """How deep a numbered heading sits: '2' is 1, '2.1' is 2, '2.1.3' is 3; unnumbered is 0."""
    return len(heading_number(title) or ())


def find_headings(text: str, marked: tuple[Heading, ...], paged: bool = False) -> list[Mark]:
    """Headings: those the format marked (levels refined by their numbering), else numbered and named lines.

    Numbered paragraphs ("17. Rural youth migrate to cities ...") are not headings: they continue as a
    sentence, or run so densely (a COSOP numbers every paragraph) that they are the text's own numbering.
    """
    if marked:
        # A converter's headings include page numbers ("316"), contents entries ("advantage 11") and
        # the tails of broken lines ("and financing landscape"): none of them opens a section.
        # Nor does a table's or figure's caption ("表2样本总体情况"), nor a label whose value is missing, which a
        # paper's front matter leaves ("文章编号：", article number: it titled the introduction of three ChinaXiv
        # papers); a named section keeps its colon ("参考文献（References）：").
        marks = [m for m in (Mark(h.start, h.end, h.level, text[h.start:h.end]) for h in marked)
                 if len(m.title) <= 2 * HEADING_CHARS and wordy(m.title) and not m.title[:1].islower()
                 and not _empty_label(m.title) and not _RUNS_ON.search(m.title) and not CAPTION.match(m.title)]
        if len({m.level for m in marks}) == 1 and any(_numbered_depth(m.title) for m in marks):
            marks = _levels_by_number(marks)
        marks = in_order(_without_running_heads(marks))
        if len(marks) >= 2:
            return marks
    # A page converted to Markdown with one heading (its title) has its structure in plain lines.
    paras = paragraphs(text, 0, len(text))
    spans = contents_spans(text, paras)
    listed_names = listed_titles(text, paras, spans)
    contents_end = spans[0][1] if spans else len(text)
    marks = []
    ends = [*paras[1:], (len(text), len(text)), (len(text), len(text))]
    taken = -1
    for i, ((start, end), before, nxt, after) in enumerate(zip(paras, [(0, 0), *paras], ends, ends[1:])):
        if start < taken:
            continue
        para = text[start:end]
        # A chapter's label set alone over its title in capitals ("CHAPTER 7" / "CONCLUSION AND" / "RECOMMENDATION",
        # the Gandaki survey's chapters): one heading. Alone, the label counts no chapter (kb.numbering.chapters
        # wants a title), and the chapter opened a page late, at its running header.
        titled = _title_under(text, paras[i + 1:i + 1 + _TITLE_LINES]) if _BARE_CHAPTER.fullmatch(para) else []
        if titled:
            # A heading whatever the converter's case makes of the line under it ("the present study ...").
            taken = titled[-1][1]
            if not inside(start, spans):
                marks.append(Mark(start, taken, 1, " ".join([para, *(text[a:b] for a, b in titled)])))
            continue
        # A subsection's number set apart from its title by the converter ("5.1" / "Impact on MSMEs’ Income", the
        # Timor-Leste survey's section 5): the two are its heading when running text follows (a table's cells, "4.5"
        # / "Electricity, gas ..." / "5.0", do not), and the line before does not run on into it ("See General
        # Conditions, Sections 3.04 and" / "4.03."). A number with no dot is a page's.
        if (_SPLIT_NUMBER.fullmatch(para) and title_line(text[nxt[0]:nxt[1]])
                and not _RUNS_ON.search(text[before[0]:before[1]])
                and len(text[after[0]:after[1]].split()) > NUMBERED_WORDS):
            end, nxt, para, taken = nxt[1], after, f"{para} {text[nxt[0]:nxt[1]]}", nxt[1]
        # A numbered title the converter broke after a word that runs on ("2.4. Digitalization of Local Fresh
        # Market to Increase Social and" / "Economic Impact in Yogyakarta"): one heading; a comma ends a list item.
        elif (DOTTED.match(para) and _RUNS_ON.search(para) and not re.search(r"[,;，；]\s*(?:\w+\s*)?$", para)
              and title_line(text[nxt[0]:nxt[1]])):
            end, nxt, para, taken = nxt[1], after, f"{para} {text[nxt[0]:nxt[1]]}", nxt[1]
        # An annex's label set alone with its colon ("ANNex IV:" / "Statistical tables (Enterprise Survey)") heads
        # it as "Annex IV" does; named_labels gives it the title line under it.
        if BARE_LABEL.fullmatch(para.rstrip(":： ")):
            para = para.rstrip(":： ")
            end = start + len(para)
        run_in = _RUN_IN.match(para)
        if CHAPTER.match(para) and not inside(start, spans):  # a chapter, if its number counts up (chapters)
            marks.append(Mark(start, end, 1, para))
        elif (run_in and not inside(start, spans) and wordy(run_in.group(1))
              and sum(w.isalpha() and w.islower() for w in para[run_in.end():].split()[:12]) >= 6):
            title = run_in.group(1)
            marks.append(Mark(start, start + len(title), next(lvl for lvl, rx in _LEVELS if rx.match(title)), title))
        elif _heading_line(para, text[nxt[0]:nxt[0] + 1]):
            level = (_LETTERED if _next_letter(para, marks)
                     else next((lvl for lvl, rx in _LEVELS if rx.match(para)), 0))
            # A lettered line over no running text is a table's label ("A. First Choice" / "Response" / "Cash for
            # work" ..., repeated in each table of a survey annex), not a subsection: it titled 165 passages.
            if level == _LETTERED and not _over_text(text, paras[i + 1:]):
                continue
            if level:
                marks.append(Mark(start, end, level, para))
            elif (start >= contents_end and para[:1].isupper() and title_key(para) in listed_names
                  and _opens_text(text, paras[i + 1:])
                  and title_key(text[before[0]:before[1]]) not in listed_names
                  and not inside(start, spans)):
                # A title the document's contents list names, over running text, is a heading however it is set
                # ("Climate Action and Environment" under a bare "Chapter" line); it sits beside named sections.
                # A name under another listed one is not: an item of a list of them (a preface's list of the
                # annex's initiatives), or the title's translation set under it ("Aksi Iklim dan Lingkungan").
                marks.append(Mark(start, end, 0, para))
    marks = chapters(marks)
    # Named sections (Preface, Conclusion) sit beside the top numbered ones when no part or roman numeral
    # heads the document.
    named = [bool(re.match(_NAMED, m.title, re.I)) or not m.level for m in marks]
    numbered_levels = [m.level for m, by_name in zip(marks, named) if not by_name]
    top = min(numbered_levels) if numbered_levels and 1 not in numbered_levels else 1
    marks = [Mark(m.start, m.end, top, m.title) if by_name else m for m, by_name in zip(marks, named)]
    numbered = [m for m in marks if len(heading_number(m.title) or ()) == 1]
    if numbered:
        gaps = [b.start - a.start for a, b in zip(numbered, numbered[1:])]
        if len(numbered) > MAX_HEADINGS or gaps and sorted(gaps)[len(gaps) // 2] < 1500:
            marks = [m for m in marks if m not in numbered]
    if not marks and not paged:
        marks = _subheadings(text)
    # A heading repeated word for word is a table of contents' entry or a running header of printed pages:
    # the occurrence outside a contents list, then the one with the longest text after it, is the section
    # itself. (A contents entry of the last annex can run over the whole front matter, longer than the annex.)
    marks = sorted(_without_running_heads(marks), key=lambda m: m.start)
    listed = {id(m) for m in marks if inside(m.start, spans)}
    keys = [_section_key(m.title) for m in marks]
    # A heading's text runs to the next heading as high that is not its own repeat: the running header over each
    # page of a chapter ("CHAPTER 7 CONCLUSION AND RECOMMENDATION") is inside the chapter its first line opens.
    body = {id(m): next((b.start for b, key in zip(marks[i + 1:], keys[i + 1:])
                         if key != keys[i] and b.level <= m.level), len(text)) - m.end for i, m in enumerate(marks)}
    best: dict[str, Mark] = {}
    for mark, key in zip(marks, keys):
        if key not in best or (id(best[key]) in listed, body[id(mark)]) > (id(mark) in listed, body[id(best[key])]):
            best[key] = mark
    # An entry of the contents list opens no section, whether or not its heading was found in the text.
    keep = {id(m) for m in best.values()} - listed
    return in_order([m for m in marks if id(m) in keep])


def _section_key(title: str) -> str:
    """What a heading names, for its repeats: an appendix is one section however its two lines word it (the
    contents' "APPENDIX D PARTICIPANTS IN THE 2014 GHANA DEMOGRAPHIC", broken off its page number, is
    "PARTICIPANTS IN ... Appendix D" itself)."""
    label = BARE_LABEL.search(title)
    appendix = label.group(0) if label and APPENDIX.match(label.group(0)) else None
    return (appendix or " ".join(title.split())).lower()


def _title_under(text: str, following: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The lines of a title set under a chapter's label: short lines in capitals (a converter may mix the case,
    "CONClUSION AND"), or else one title line ("Findings for Households")."""
    lines: list[tuple[int, int]] = []
    for start, end in following:
        line = text[start:end]
        if not title_shaped(line) or len(line.split()) > _TITLE_WORDS or not set_in_capitals(line, least=1):
            break
        lines.append((start, end))
    if not lines and following and title_line(text[following[0][0]:following[0][1]]):
        return following[:1]
    return lines


def _next_letter(para: str, marks: list[Mark]) -> bool:
    """A line lettered one past the last section heading when that one is lettered ("I. Preliminary Climate Risk"
    after "H. Preliminary Environmental ..."): the run goes on past H, where a letter alone reads as a roman one."""
    match = _PAST_H.match(para)
    last = next((m for m in reversed(marks) if 1 <= m.level <= _LETTERED), None)
    return bool(match and last and last.level == _LETTERED
                and last.title.startswith(chr(ord(match.group(1)) - 1) + "."))


def _without_running_heads(marks: list[Mark]) -> list[Mark]:
    """The marks less a page's running header: a heading found twice or more (a journal's name, "干旱区地理",
    over its pages titled cases), unless it is numbered or a named section ("Appendix II", "2.1 Data": a
    contents page repeats those, and the section is told from its entry later). A contents line the converter
    did not mark as a heading does not count: its section keeps its heading."""
    repeats = Counter(" ".join(m.title.split()) for m in marks)
    return [m for m in marks if repeats[" ".join(m.title.split())] < 2 or any(rx.match(m.title) for _, rx in _LEVELS)]


def _subheadings(text: str) -> list[Mark]:
    """Unnumbered subheadings: short, unterminated, capitalised lines followed by a long paragraph."""
    paras = paragraphs(text, 0, len(text))
    marks = []
    for (start, end), (n_start, n_end) in zip(paras[1:], paras[2:]):
        para = text[start:end]
        if (len(para) <= _SUBHEAD_MAX and len(para.split()) >= 3 and para[:1].isupper()
                and not re.search(r"[.。;；:：,，!?]$", para) and n_end - n_start > len(para)):
            marks.append(Mark(start, end, 2, para))
    return marks if len(marks) >= 2 else []


def named_labels(titles: list[str], marks: list[Mark], text: str) -> list[str]:
    """The titles, each bare label ("Appendix II", 7 of 1,555 case titles of the shared corpus) with the name
    the document gives it: its contents entry ("Appendix II: Agreement at completion point ..."), else the
    title line right under it ("Appendix V" / "COSOP preparation process")."""
    out = list(titles)
    for i, (title, mark) in enumerate(zip(titles, marks)):
        if not BARE_LABEL.fullmatch(title):
            continue
        kind = title.split()[0]
        entry = re.search(rf"(?<!\w){re.escape(title)}\s*[:：]\s*(.+?)(?=\s+{kind}\s+\S+\s*[:：]|\n|$)", text, re.I)
        under = next((text[a:b].strip() for a, b in paragraphs(text, mark.end, mark.end + 400)), "")
        name = entry.group(1).strip() if entry else under if title_line(under) else ""
        if name:
            out[i] = f"{title}: {name.rstrip(' .:;')}"
    return out
