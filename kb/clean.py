"""Cleaning: pure text in, clean text out, with a record of what each rule removed.

Rules have stable ids so tests and the cleaning report can say which rule took out what.
Pages of a PDF arrive joined by form feeds; the clean text joins them with blank lines and
reports where each page starts.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from kb.models import Removal

PAGE_BREAK = "\f"

# Injected gambling spam seen mid-sentence in scraped pages ("Sky bet online sports betting APP download").
SPAM_PATTERNS: dict[str, str] = {
    "sky_bet": r"\bsky\s?bet\b(?:\s+(?:online|sports?|betting|football|app|download|casino|official|website))*",
    "sports_betting_app": r"\bonline\s+sports\s+betting(?:\s+(?:app|download|platform|website))*",
    "casino": r"\b(?:online\s+casino|bet365|baccarat\s+online)\b(?:\s+(?:app|download))*",
}
_SPAM = re.compile("|".join(f"(?:{p})" for p in SPAM_PATTERNS.values()), re.I)

# Whole lines of web furniture: navigation, bylines, sharing widgets, copyright.
BOILERPLATE_LINES: dict[str, str] = {
    "nav_breadcrumb": r"^(?:home\s?page|home)\s*(?:>>|>|»|/|\|)",
    "current_location": r"^(?:current location|you are here|location)\s*[-:：>]",
    "editor": r"^(?:editor|responsible editor|edited by|editor in charge|责任编辑|编辑)\s*[:：]",
    "byline": r"^(?:release time|release date|published|publish time|publication date|source|author|posted on|date)\s*[:：]",
    "full_text_follows": r"^(?:the )?full text (?:is )?as follows\s*[:：]?$",
    "skip_link": r"^skip to (?:main )?content$",
    "widget": r"^(?:read more|view more|learn more|download|share|print|back to top|subscribe|"
              r"tweet|follow us|related (?:publications|posts|stories|news|articles|content|blogs?))\W*$",
    "copyright": r"^(?:©|\(c\)\s|copyright\b|all rights reserved)",
    "encyclopedia_ref": r"^refer to .*(?:encyclop|baidu)",
    "original_link": r"^\[?original article published here\]?",
    "teaser": r"^.{20,200}[\w,;](?:\.\.\.|…)$",
    "photo_credit": r"^(?:photos?|image|credits?|photo credit)\s*[:：]",
    "file_link": r"^(?:pdf|docx?|xlsx?)\s*\(\d+(?:\.\d+)?\s*[kmg]b\)$",
    "section_label": r"^(?:NEWS|PUBLICATIONS|BLOGS?|STORIES|PRESS RELEASES?|EVENTS|RELATED)$",
    "toc_leader": r"^.{2,150}?(?:\s?\.){4,}\s*\d{1,4}$",
}
_CASE_SENSITIVE = {"section_label"}
_BOILERPLATE = [(rule, re.compile(p, 0 if rule in _CASE_SENSITIVE else re.I)) for rule, p in BOILERPLATE_LINES.items()]
# Removals that mark a document as a scraped web page.
_WEB_SIGNALS = {"md_tag", "skip_link", "nav_breadcrumb", "current_location", "breadcrumb", "masthead",
                "widget", "original_link", "related_item", "section_label"}
_LAST_UPDATED = re.compile(r"^last updated\s*[:：]\s*[\d/.\-]+\s*,?\s*", re.I)
_TOC_HEADER = re.compile(r"^(?:directory|contents|table of contents|目\s*录)$", re.I)
_NOT_MASTHEAD = re.compile(r"^(?:preface|foreword|introduction|abstract|summary|contents|directory|"
                           r"conclusion|background|overview)$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_PUNCT = {"、": ", ", "，": ", ", "。": ". ", "；": "; ", "：": ": ", "（": " (", "）": ") ",
              "！": "! ", "？": "? ", "【": "[", "】": "]", "《": '"', "》": '"'}
_CN_NUMERALS = {c: str(i) for i, c in enumerate("一二三四五六七八九十", 1)}
_HEADING_MARK = re.compile(r"^(#{1,6})\s+(.*\S)\s*#*$")
_BULLET = re.compile(r"^(?:[-*•·▪●◦–]|\d{1,3}[.)]|\(?[a-z]\))\s")
_SENTENCE_END = re.compile(r"[.!?。！？:;：；\"”’)]$")


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


def is_cjk(text: str) -> bool:
    """True when CJK ideographs make up a tenth or more of the letters (a Chinese document)."""
    sample = text[:50000]
    letters = sum(1 for c in sample if c.isalpha())
    return letters > 0 and len(_CJK.findall(sample)) / letters > 0.1


def normalise_unicode(text: str) -> str:
    """NFC, Unix newlines, no control or zero-width characters, plain spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u3000", " ").replace("\u00ad", "")
    text = re.sub(r"[\u200b-\u200f\u2028\u2029\u2060\ufeff]", "", text)
    return re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", "", text)


def fix_cjk_punctuation(text: str) -> str:
    """Turn full-width punctuation left by machine translation into English punctuation and spacing."""
    # "五、Work together" is section 5 in a translated outline.
    text = re.sub(r"(?m)^\s*([一二三四五六七八九十]{1,3})、\s*",
                  lambda m: f"{_CN_NUMERALS.get(m.group(1), m.group(1))}. ", text)
    for cjk, ascii_ in _CJK_PUNCT.items():
        text = text.replace(cjk, ascii_)
    # "revolution,Establishing" -> "revolution, Establishing"; "1,000" stays.
    text = re.sub(r"([,;])(?=[^\W\d_]|[“\"‘])", r"\1 ", text)
    text = re.sub(r"(?<=[a-z])\.(?=[A-Z][a-z])", ". ", text)
    text = re.sub(r"[ \t]+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([(\[]) +", r"\1", text)
    text = re.sub(r"(?<!\.)\. \.(?!\.)", ".", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def strip_markdown(line: str) -> str:
    """Markdown and stray HTML inline syntax reduced to its text."""
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)", r"\1", line)
    line = re.sub(r"</?[a-zA-Z][^>]{0,200}>", "", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    return line


class _Cleaner:
    """Applies the rules to one document, recording removals."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.removed: list[Removal] = []

    def drop(self, rule: str, text: str) -> None:
        if text.strip():
            self.removed.append(Removal(rule, text.strip()))

    def spam(self, text: str) -> str:
        def cut(match: re.Match[str]) -> str:
            self.drop("spam", match.group(0))
            return ""
        return _SPAM.sub(cut, text)

    def is_web_page(self) -> bool:
        """True once a rule has seen web furniture; menu-shaped runs are only dropped from web pages."""
        return self.fmt == "html" or any(r.rule in _WEB_SIGNALS for r in self.removed)

    def related_items(self, lines: list[str]) -> list[str]:
        """Drop 'related content' cards: a section label, a title line and a truncated teaser."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        label = re.compile(BOILERPLATE_LINES["section_label"])
        teaser = re.compile(BOILERPLATE_LINES["teaser"])
        for a, b, c in zip(idx, idx[1:], idx[2:]):
            if label.match(lines[a].strip()) and teaser.match(lines[c].strip()):
                drop.update((a, b, c))
                self.drop("related_item", "\n".join(lines[i].strip() for i in (a, b, c)))
        return [ln for i, ln in enumerate(lines) if i not in drop]

    def line_rules(self, lines: list[str]) -> list[str]:
        lines = self.related_items(lines)
        out: list[str] = []
        for line in lines:
            stripped = line.strip()
            if self.fmt == "md":
                if re.fullmatch(r"\[\[\w+:.*\]\]", stripped):
                    self.drop("md_tag", stripped)
                    continue
                stripped = strip_markdown(stripped)
                if re.fullmatch(r"\|?[\s|:\-]+\|?", stripped) and "-" in stripped:
                    continue  # table rule line
            # A line may start with punctuation orphaned by the fixes above (". The full text ...").
            stripped = re.sub(r"^[.,;:]\s+(?=\w)", "", stripped)
            updated = _LAST_UPDATED.sub("", stripped)
            if updated != stripped:
                self.drop("byline", stripped[: len(stripped) - len(updated)])
                stripped = updated
            rule = next((r for r, rx in _BOILERPLATE if rx.search(stripped)), None)
            if rule:
                self.drop(rule, stripped)
                continue
            # Lines of nothing but punctuation ("……", ".", stray quotes) carry no content.
            if stripped and not re.search(r"[^\W_]", stripped):
                self.drop("stray_punctuation", stripped)
                continue
            out.append(stripped if stripped != line.strip() else line.rstrip())
        return out

    def leading_furniture(self, lines: list[str]) -> list[str]:
        """A masthead word or a ' - ' breadcrumb ending in the title, at the top of a page."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()][:3]
        if len(idx) < 2:
            return lines
        first, second = lines[idx[0]].strip(), lines[idx[1]].strip()
        parts = [p.strip() for p in first.split(" - ")]
        if len(parts) >= 3 and _fold(parts[-1]).rstrip(".") == _fold(second).rstrip("."):
            self.drop("breadcrumb", first)
            lines[idx[0]] = ""
        elif (re.fullmatch(r"[A-Za-z][\w'&]{1,24}", first) and not _NOT_MASTHEAD.match(first)
              and len(second.split()) >= 3 and not first.isupper()):
            self.drop("masthead", first)
            lines[idx[0]] = ""
        return lines

    def nav_runs(self, lines: list[str]) -> list[str]:
        """Drop runs of four or more short, sentence-less lines: menus, footers, tag lists."""
        def navlike(line: str) -> bool:
            s = line.strip()
            return (bool(s) and len(s.split()) <= 6 and len(s) <= 60 and not _SENTENCE_END.search(s)
                    and not _BULLET.match(s) and not s.startswith("#") and not _CJK.search(s))
        lines = self.caps_labels(lines)
        out: list[str] = []
        i = 0
        while i < len(lines):
            j = i
            while j < len(lines) and navlike(lines[j]):
                j += 1
            if j - i >= 4:
                self.drop("nav_menu", "\n".join(lines[i:j]))
                i = j
            else:
                out.extend(lines[i:max(j, i + 1)])
                i = max(j, i + 1)
        return out

    def caps_labels(self, lines: list[str]) -> list[str]:
        """Drop page-metadata pairs: an ALL-CAPS label line ("DOCUMENT TYPE") and its short value line."""
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: set[int] = set()
        for a, b in zip(idx, idx[1:]):
            label, value = lines[a].strip(), lines[b].strip()
            if (re.fullmatch(r"[A-Z][A-Z &/,-]+", label) and 2 <= len(label.split()) <= 4
                    and not value.isupper() and len(value.split()) <= 14 and not _SENTENCE_END.search(value)
                    and a not in drop and not value.startswith("#")):
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
        if end_n < len(zone) and len(lines[zone[end_n][1]]) < 200 and _looks_like_heading(lines[zone[end_n][1]]):
            last = zone[end_n][1]
        if start_n > 0 and _TOC_HEADER.match(lines[zone[start_n - 1][1]].strip()):
            first = zone[start_n - 1][1]
        self.drop("duplicate_toc", "\n".join(ln for ln in lines[first:last + 1] if ln.strip()))
        return lines[:first] + lines[last + 1:]


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _toc_key(line: str) -> str:
    """A heading's identity for matching a contents entry to it: its first five words."""
    return " ".join(_fold(re.sub(r"\s*(?:\.\s?){3,}\s*\d+$", "", line)).split()[:5])


def _looks_like_heading(line: str) -> bool:
    s = line.strip()
    return bool(re.match(r"^(?:\d{1,2}\.|\(\d{1,2}\)|[一二三四五六七八九十]+、|appendix|annex|conclusion|preface)", s, re.I))


def dehyphenate(text: str) -> str:
    """Join words split by a hyphen at a line end, keeping hyphens of real compounds."""
    words = Counter(re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text.lower()))

    def join(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        joined = (left + right).lower()
        compound = f"{left}-{right}".lower()
        if words.get(compound, 0) > 0 and words.get(joined, 0) == 0:
            return f"{left}-{right}"
        return left + right
    return re.sub(r"([A-Za-z]{2,})-\n[ \t]*([a-z]{2,})", join, text)


def reflow(lines: list[str]) -> list[str]:
    """Join lines wrapped at a fixed width back into paragraphs."""
    lengths = sorted(len(ln) for ln in lines if ln.strip())
    if not lengths:
        return lines
    width = lengths[int(len(lengths) * 0.8)]
    out: list[str] = []
    buf = ""
    for line in lines:
        s = line.strip()
        if not s:
            if buf:
                out.append(buf)
                buf = ""
            out.append("")
            continue
        if buf and (_BULLET.match(s) or s.startswith("#") or _looks_like_heading(s) and len(s) < 0.8 * width):
            out.append(buf)
            buf = ""
        joiner = "" if (buf and _CJK.search(buf[-1:]) and _CJK.search(s[:1])) else " "
        heading = _looks_like_heading(s) and len(s) < 0.6 * width and not _SENTENCE_END.search(s)
        if heading and buf:
            out.append(buf)
            buf = ""
        buf = f"{buf}{joiner}{s}" if buf else s
        if heading or len(s) < 0.7 * width and _SENTENCE_END.search(s):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def is_hard_wrapped(lines: list[str]) -> bool:
    """True for text wrapped at a fixed width (most lines long, similar and unterminated)."""
    body = [ln.rstrip() for ln in lines if len(ln.strip()) > 30]
    if len(body) < 20:
        return False
    unterminated = sum(1 for ln in body if not _SENTENCE_END.search(ln))
    longest = max(len(ln) for ln in body)
    return longest <= 140 and unterminated / len(body) > 0.5


def dedupe_paragraphs(paras: list[str], drop: "_Cleaner") -> list[str]:
    """Drop repeated paragraphs and a lede that merely repeats the paragraph after it."""
    seen: set[str] = set()
    out: list[str] = []
    for i, para in enumerate(paras):
        key = _fold(para)
        # Long paragraphs count anywhere; short ones only near the top (a title repeated by the page).
        tracked = len(key) >= 60 or i < 12 and len(key) >= 12
        if tracked and key in seen:
            drop.drop("duplicate_paragraph", para)
            continue
        nxt = _fold(paras[i + 1]) if i + 1 < len(paras) else ""
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
        text = fix_cjk_punctuation(text)
    text = cleaner.spam(text)
    pages = text.split(PAGE_BREAK) if paged else [text]
    out_pages: list[list[str]] = []
    for n, page in enumerate(pages):
        if paged:
            page = dehyphenate(page)
        lines = page.split("\n")
        if n == 0:
            lines = cleaner.leading_furniture(lines)
        lines = cleaner.line_rules(lines)
        if not paged:
            if cleaner.is_web_page():
                lines = cleaner.nav_runs(lines)
            if is_hard_wrapped(lines):
                lines = reflow(dehyphenate("\n".join(lines)).split("\n"))
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
    return CleanText(
        text="".join(pieces),
        page_starts=tuple(page_starts) if paged else (),
        headings=tuple(headings),
        removals=tuple(cleaner.removed),
    )
