"""Cleaning: pure text in, clean text out, with a record of what each rule removed or repaired.

Rules are data (kb/data/cleaning.toml) with stable ids, so tests and the cleaning report can say which
rule took out what. Pages of a PDF arrive joined by form feeds; the clean text joins them with blank lines
and reports where each page starts. Layout (wrapping, hyphenation, punctuation) is repaired by kb.layout,
damaged words by kb.repair.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kb.cleanrules import rules
from kb.contents import CONTENTS_WORDS
from kb.dates import find_dates
from kb.furniture import chart_axes, remove_page_furniture, strip_running_heads
from kb.language import CJK, is_cjk
from kb.layout import (
    BULLET,
    SENTENCE_END,
    dehyphenate,
    fix_cjk_punctuation,
    fold,
    is_hard_wrapped,
    join_continued,
    looks_like_heading,
    normalise_unicode,
    reflow,
    strip_markdown,
    table_rows,
)
from kb.models import Removal
from kb.repair import Repairer, comma_capitals

PAGE_BREAK = "\f"
# A contents list's own heading; "Directory" is how translated Chinese pages render 目录.
_TOC_HEADER = re.compile(rf"^(?:directory|{CONTENTS_WORDS})$", re.I)
_HEADING_MARK = re.compile(r"^(#{1,6})\s+(.*\S)\s*#*$")
# Removals that mark a document as a scraped web page, beside the line rules marked `web`.
_WEB_REMOVALS = {"md_tag", "breadcrumb", "masthead", "related_item", "breadcrumb_run"}


@dataclass(frozen=True)
class Heading:
    """A heading line in the clean text: its span and level (1 is the top)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class CleanText:
    """The result of cleaning: text, where its pages start, its marked headings and what was removed."""

    text: str
    page_starts: tuple[int, ...]
    headings: tuple[Heading, ...]
    removals: tuple[Removal, ...]
    # True when rules saw web-page furniture (menus, breadcrumbs): the text was a scraped page.
    web: bool = False


class _Cleaner:
    """Applies the rules to one document, recording removals."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.removed: list[Removal] = []

    def drop(self, rule: str, text: str) -> str:
        """Record a removal; the empty text that replaces it."""
        if text.strip():
            self.removed.append(Removal(rule, text.strip()))
        return ""

    def inline(self, text: str) -> str:
        """The text without its spam and the furniture inside its sentences."""
        for rule in rules().inline:
            text = rule.pattern.sub(lambda m: self.drop(rule.id, m.group(0)), text)  # noqa: B023 (used at once)
        return text

    def is_web_page(self) -> bool:
        """True once a rule has seen web furniture; menu-shaped runs are only dropped from web pages."""
        web = {r.id for r in rules().lines if r.web} | _WEB_REMOVALS
        return self.fmt == "html" or any(r.rule in web for r in self.removed)

    def related_items(self, lines: list[str]) -> list[str]:
        """Drop 'related content' cards: a section label, a title line (and a summary), closed by a truncated
        teaser or a "read more" link. A blog's cards for its other posts stood as a passage of their own and came
        up as search hits ("PUBLICACIONES / El Mapa del Desarrollo Humano en Argentina / … / LEER MÁS")."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        label, teaser, link = rules().line("section_label"), rules().line("teaser"), rules().line("widget")
        for n, a in enumerate(idx):
            if not label.match(lines[a].strip()):
                continue
            card = next((idx[n:m + 1] for m in (n + 2, n + 3) if m < len(idx)
                         and (teaser.match(lines[idx[m]].strip()) or link.match(lines[idx[m]].strip()))), None)
            if card:
                drop.update(card)
                self.drop("related_item", "\n".join(lines[i].strip() for i in card))
        return [ln for i, ln in enumerate(lines) if i not in drop]

    def line_rules(self, lines: list[str]) -> list[str]:
        lines = self.related_items(lines)
        if self.fmt == "md":
            lines = [row for line in lines for row in table_rows(line)]
        out: list[str] = []
        for line in lines:
            stripped = line.strip()
            if self.fmt == "md":
                if re.fullmatch(r"\[\[\w+:.*\]\]", stripped):
                    self.drop("md_tag", stripped)
                    continue
                # A quote's markers are Markdown's syntax ("> > a quote in a quote"); a bare ">" parts its paragraphs.
                stripped = strip_markdown(re.sub(r"^>[>\s]*", "", stripped))
                if re.fullmatch(r"\|?[\s|:\-]+\|?", stripped) and "-" in stripped:
                    continue  # table rule line
            # A line may start with punctuation orphaned by the fixes above (". The full text ...").
            stripped = re.sub(r"^[.,;:]\s+(?=\w)", "", stripped)
            updated = rules().last_updated.sub("", stripped)
            if updated != stripped:
                self.drop("byline", stripped[: len(stripped) - len(updated)])
                stripped = updated
            rule = next((r.id for r in rules().lines if r.pattern.search(stripped)), None)
            if rule:
                self.drop(rule, stripped)
                continue
            # Lines of nothing but punctuation ("……", ".", stray quotes) carry no content.
            if stripped and not re.search(r"[^\W_]", stripped):
                self.drop("stray_punctuation", stripped)
                continue
            credit = rules().glued_credit.search(stripped)
            if credit and len(stripped[:credit.start()].split()) >= 3:
                self.drop("photo_credit", credit.group(0))
                stripped = stripped[:credit.start()].rstrip()
            out.append(stripped if stripped != line.strip() else line.rstrip())
        return out

    def leading_furniture(self, lines: list[str]) -> list[str]:
        """A masthead word or a ' - ' breadcrumb ending in the title, at the top of a page."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()][:3]
        if len(idx) < 2:
            return lines
        first, second = lines[idx[0]].strip(), lines[idx[1]].strip()
        parts = [p.strip() for p in first.split(" - ")]
        if len(parts) >= 3 and fold(parts[-1]).rstrip(".") == fold(second).rstrip("."):
            self.drop("breadcrumb", first)
            lines[idx[0]] = ""
        elif (self.fmt not in ("pdf", "docx") and re.fullmatch(r"[A-Za-z][\w'&]{1,24}", first)
              and not rules().masthead_exceptions.match(first)
              and len(second.split()) >= 3 and not first.isupper()):
            self.drop("masthead", first)
            lines[idx[0]] = ""
        return lines

    def page_head(self, lines: list[str]) -> list[str]:
        """The head of a web page: a breadcrumb run from "Home", author lines and a line that is only a date."""
        r = rules()
        idx = [i for i, ln in enumerate(lines) if ln.strip()][:r.head_lines]
        for n, i in enumerate(idx):
            if r.breadcrumb_start.match(lines[i].strip()):
                run = [j for j in idx[n:n + 6]
                       if len(lines[j].split()) <= 4 and not SENTENCE_END.search(lines[j].strip())]
                run = [j for k, j in enumerate(run) if j == idx[n + k]]  # consecutive lines only
                if len(run) >= 2:
                    self.drop("breadcrumb_run", "\n".join(lines[j].strip() for j in run))
                    for j in run:
                        lines[j] = ""
                break
        for i in idx:
            line = lines[i].strip()
            cue = r.byline_cue.search(line)
            if cue and (cue.start() == 0 and len(line.split()) <= r.byline_words
                        or len(line[:cue.start()].split()) >= 3):
                self.drop("byline", line[cue.start():])
                lines[i] = line[:cue.start()].rstrip(" -–|,")
                continue
            dates = find_dates(line)
            if dates and dates[0][0] <= 1 and len(line) <= len(dates[0][1]) + 20 and len(line.split()) <= 6:
                self.drop("dateline", line)
                lines[i] = ""
        return lines

    def nav_runs(self, lines: list[str]) -> list[str]:
        """Drop runs of four or more short, sentence-less lines: menus, footers, tag lists."""
        def navlike(line: str) -> bool:
            s = line.strip()
            return (bool(s) and len(s.split()) <= 6 and len(s) <= 60 and not SENTENCE_END.search(s)
                    and not BULLET.match(s) and not s.startswith("#") and not CJK.search(s))
        lines = self.caps_labels(lines)
        out: list[str] = []
        i = 0
        while i < len(lines):
            j = i
            while j < len(lines) and navlike(lines[j]):
                j += 1
            if j - i >= 4:
                # A menu's tail of sentence-less lines to the page's end is the footer's too, where one line of
                # it runs longer than a menu's ("Signaler une fraude, un abus, une inconduite": a French post's
                # footer stood as a passage and was a card for 5 of 130 questions).
                rest = [ln for ln in lines[j:] if ln.strip()]
                if rest and all(len(ln.split()) <= 10 and not SENTENCE_END.search(ln.strip()) for ln in rest):
                    j = len(lines)
                self.drop("nav_menu", "\n".join(lines[i:j]))
                i = j
            else:
                out.extend(lines[i:max(j, i + 1)])
                i = max(j, i + 1)
        return out

    def vertical_text(self, lines: list[str]) -> list[str]:
        """Drop runs of five or more lines of one letter or digit each: a margin's text set vertically (an IFAD
        report's "Appendix I / EB 2018/124/R.19" arrives as "i", "x", "I", "E", "B" ... on every page)."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        single = [len(ln := lines[i].strip()) == 1 and ln.isalnum() and not CJK.match(ln) for i in idx]
        drop: set[int] = set()
        start = 0
        for n in range(len(idx) + 1):
            if n < len(idx) and single[n]:
                continue
            if n - start >= 5:
                drop.update(idx[start:n])
                self.drop("vertical_text", " ".join(lines[i].strip() for i in idx[start:n]))
            start = n + 1
        return [ln for i, ln in enumerate(lines) if i not in drop]

    def chart_axes(self, lines: list[str], paged: bool) -> list[str]:
        """Drop the ticks a chart's axis left in the text (kb.furniture.chart_axes), run by run; on a PDF's page
        also a chart's data labels (a converted document's tables read one cell a line, as labels do)."""
        drop = chart_axes(lines, labels=paged)
        self.removed += [Removal("chart_axis", lines[i].strip()) for i in sorted(drop)]
        return [ln for i, ln in enumerate(lines) if i not in drop]

    def caps_labels(self, lines: list[str]) -> list[str]:
        """Drop page-metadata pairs: an ALL-CAPS label line ("DOCUMENT TYPE") and its short value line."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        for a, b, c in zip(idx, idx[1:], [*idx[2:], None]):
            label, value = lines[a].strip(), lines[b].strip()
            # A value the next line goes on with is a sentence a PDF cut: "EXECUTIVE SUMMARY" / "Digital Financial
            # inclusion is an important aspect of economic development, alleviating poverty" / "and supporting
            # growth. ..." had lost the South Sudan report's opening sentence.
            goes_on = c is not None and lines[c].strip()[:1].islower()
            if (re.fullmatch(r"[A-Z][A-Z &/,-]+", label) and 2 <= len(label.split()) <= 4
                    and not value.isupper() and len(value.split()) <= 14 and not SENTENCE_END.search(value)
                    and a not in drop and not value.startswith("#") and not goes_on):
                drop.update((a, b))
                self.drop("page_metadata", f"{label}\n{value}")
        return [ln for i, ln in enumerate(lines) if i not in drop]

    def duplicated_toc(self, lines: list[str]) -> list[str]:
        """Remove a table of contents whose entries reappear later as the document's headings."""
        keyed = [(_toc_key(ln), i) for i, ln in enumerate(lines) if ln.strip()]
        last_seen: dict[str, int] = {}
        for key, i in keyed:
            last_seen[key] = i
        zone = keyed[:400]
        best: tuple[int, int] = (0, 0)
        run_start = None
        run_len = 0
        for n, (key, i) in enumerate(zone):
            repeated = len(lines[i]) < 200 and last_seen.get(key, i) > i
            if repeated:
                if run_start is None:
                    run_start, run_len = n, 0
                run_len += 1
                if run_len > best[1] - best[0]:
                    best = (run_start, run_start + run_len)
            else:
                run_start, run_len = None, 0
        start_n, end_n = best
        if end_n - start_n < 3:
            return lines
        first, last = zone[start_n][1], zone[end_n - 1][1]
        # One trailing entry that differs a little from its heading ("to" vs "in") belongs to the block.
        if end_n < len(zone) and len(lines[zone[end_n][1]]) < 200 and looks_like_heading(lines[zone[end_n][1]]):
            last = zone[end_n][1]
        if start_n > 0 and _TOC_HEADER.match(lines[zone[start_n - 1][1]].strip()):
            first = zone[start_n - 1][1]
        self.drop("duplicate_toc", "\n".join(ln for ln in lines[first:last + 1] if ln.strip()))
        return lines[:first] + lines[last + 1:]


def _toc_key(line: str) -> str:
    """A heading's identity for matching a contents entry to it: its first five words."""
    return " ".join(fold(re.sub(r"\s*(?:\.\s?){3,}\s*\d+$", "", line)).split()[:5])



def dedupe_paragraphs(paras: list[str], drop: _Cleaner) -> list[str]:
    """Drop repeated paragraphs and a lede that merely repeats the paragraph after it."""
    seen: set[str] = set()
    out: list[str] = []
    for i, para in enumerate(paras):
        # A running header keeps its page number beside it ("... in Mauritius 9", "... in Mauritius 10").
        key = re.sub(r"\s\d{1,4}$", "", fold(para)) if len(para) < 120 else fold(para)
        # Long paragraphs count anywhere; short ones only near the top (a title repeated by the page).
        tracked = len(key) >= 60 or i < 12 and len(key) >= 12
        if tracked and key in seen:
            drop.drop("duplicate_paragraph", para)
            continue
        nxt = fold(paras[i + 1]) if i + 1 < len(paras) else ""
        if len(nxt) >= 60 and key != nxt and key.startswith(nxt) and len(key) - len(nxt) < 120:
            drop.drop("duplicate_lede", para)
            continue
        if tracked:
            seen.add(key)
        out.append(para)
    return out


def clean(text: str, fmt: str = "txt", paged: bool = False) -> CleanText:
    """Clean one document's text (pages separated by form feeds when paged)."""
    cleaner = _Cleaner(fmt)
    text = normalise_unicode(text)
    if not is_cjk(text):
        text = fix_cjk_punctuation(comma_capitals(text, cleaner.removed))
    text = cleaner.inline(text)
    pages = text.split(PAGE_BREAK) if paged else [text]
    out_pages: list[list[str]] = []
    for n, page in enumerate(pages):
        if paged:
            page = dehyphenate(page)
        lines = page.split("\n")
        if n == 0:
            lines = cleaner.leading_furniture(lines)
        lines = cleaner.chart_axes(cleaner.vertical_text(cleaner.line_rules(lines)), paged)
        if n == 0 and not paged:
            lines = cleaner.page_head(lines)
        if not paged:
            if cleaner.is_web_page():
                lines = cleaner.nav_runs(lines)
            lines, furniture = remove_page_furniture(lines)
            for rule, removed in furniture:
                cleaner.drop(rule, removed)
            if is_hard_wrapped(lines):
                lines = reflow(dehyphenate("\n".join(lines)).split("\n"))
            lines = join_continued(lines)
        else:
            lines = reflow(lines)
        out_pages.append(lines)
    if not paged:
        out_pages[0] = cleaner.duplicated_toc(out_pages[0])
    # Each non-blank line is a paragraph from here on.
    pages_paras = [[re.sub(r"[ \t]+", " ", ln).strip() for ln in lines if ln.strip()] for lines in out_pages]
    # A lone number closing a scraped page is a counter widget, not content.
    if not paged and pages_paras[-1] and re.fullmatch(r"\d{1,3}", pages_paras[-1][-1]):
        cleaner.drop("stray_number", pages_paras[-1].pop())
    if not paged:
        stripped, heads = strip_running_heads([p for paras in pages_paras for p in paras])
        pages_paras = [stripped]
        for head in heads:
            cleaner.drop("running_header", head)
    repairer = Repairer("\n".join(p for paras in pages_paras for p in paras))
    pages_paras = [[repairer(p) for p in paras] for paras in pages_paras]
    cleaner.removed.extend(repairer.log)
    flat = dedupe_paragraphs([p for paras in pages_paras for p in paras], cleaner)
    kept = Counter(flat)
    pieces: list[str] = []
    page_starts: list[int] = []
    headings: list[Heading] = []
    offset = 0
    for paras in pages_paras:
        page_starts.append(offset)
        for para in paras:
            if kept[para] <= 0:
                continue
            kept[para] -= 1
            level = 0
            mark = _HEADING_MARK.match(para)
            if mark:
                level, para = len(mark.group(1)), mark.group(2).strip()
            if pieces:
                pieces.append("\n\n")
                offset += 2
            if level:
                headings.append(Heading(offset, offset + len(para), level))
            pieces.append(para)
            offset += len(para)
    return CleanText(text="".join(pieces), page_starts=tuple(page_starts) if paged else (), headings=tuple(headings),
                     removals=tuple(cleaner.removed), web=not paged and cleaner.is_web_page())


def head_text(text: str, fmt: str = "txt", paged: bool = False) -> tuple[str, tuple[Removal, ...]]:
    """A document's first page without furniture, lines as laid out (where a cover is read), and what was removed."""
    cleaner = _Cleaner(fmt)
    page = cleaner.inline(normalise_unicode(text.split(PAGE_BREAK)[0][:8000]))
    lines = cleaner.line_rules(cleaner.leading_furniture(page.split("\n")))
    if not paged:
        lines = cleaner.page_head(lines)
        lines = cleaner.nav_runs(lines) if cleaner.is_web_page() else lines
    return "\n".join(lines), tuple(cleaner.removed)
