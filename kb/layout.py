"""Layout repair: Unicode normalised, full-width punctuation of machine translation fixed, Markdown inline
syntax reduced, hyphenation and hard wrapping undone. No rule ids here: these change form, never content."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from kb.headlines import titles_what_follows
from kb.kinds import CAPTION
from kb.language import CJK, HAN

_CJK_PUNCT = {"、": ", ", "，": ", ", "。": ". ", "；": "; ", "：": ": ", "（": " (", "）": ") ",
              "！": "! ", "？": "? ", "【": "[", "】": "]", "《": '"', "》": '"'}
_CN_NUMERALS = {c: str(i) for i, c in enumerate("一二三四五六七八九十", 1)}
BULLET = re.compile(r"^(?:[-*•·▪●◦–]|\d{1,3}[.)]|\(?[a-z]\))\s")
SENTENCE_END = re.compile(r"[.!?。！？:;：；\"”’)]$")
_CJK_SENTENCE = re.compile(r"[。！？]")
# What a Chinese sentence goes on with: a character, a bracket or a quote ("协定" | "（RCEP）生效实施"), not an
# item's number.
_CJK_GOES_ON = re.compile(r"(?![（(][一二三四五六七八九十\d]{1,3}[）)])[" + HAN + r"（“”《]")
_CJK_WORDS = re.compile(r"[" + HAN + r"]+")
_SUBSCRIPT = re.compile(r"\d{1,2}(?:\.\d)?")
_CJK_OPEN = "《（「『“"
_CJK_CLOSING = "》）」』”"  # brackets and quotes that close
_CJK_CLOSE = _CJK_CLOSING + "，。、；：！？"


_ROMAN = re.compile(r"[ivxl]{1,7}")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}


def roman_value(text: str) -> int | None:
    """The value of a lower-case roman numeral up to the front matter's ("iv" -> 4, "xii" -> 12), else None."""
    if not _ROMAN.fullmatch(text):
        return None
    values = [_ROMAN_VALUES[c] for c in text]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0]))


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
    # "poverty.The" -> "poverty. The", but not a web address's top-level domain ("LeanIn.Org", "Data.Gov").
    text = re.sub(r"(?<=[a-z])\.(?=[A-Z][a-z])(?!(?:Org|Com|Gov|Edu|Int)\b)", ". ", text)
    text = re.sub(r"[ \t]+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([(\[]) +", r"\1", text)
    text = re.sub(r"(?<!\.)\. \.(?!\.)", ".", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def table_rows(line: str) -> list[str]:
    """An HTML table written into Markdown, one row a line with its cells apart, as the DOCX reader writes a
    table; [line] when it holds none. Its tags alone removed ran the cells together ("Jiangsu provinceGlass
    lens", "区域指数U陇南0.2986")."""
    if not re.search(r"<t[dh]\b", line, re.I):
        return [line]
    rows = []
    for row in re.split(r"</tr\s*>|<tr\b[^>]*>", line, flags=re.I):
        cells = [" ".join(strip_markdown(cell).replace("&nbsp;", " ").split())
                 for cell in re.split(r"<t[dh]\b[^>]*>", row, flags=re.I)[1:]]
        rows.append(" | ".join(cell for cell in cells if cell) if cells else strip_markdown(row).strip())
    return [row for row in rows if row]


def strip_markdown(line: str) -> str:
    """Markdown and stray HTML inline syntax reduced to its text."""
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)", r"\1", line)
    line = re.sub(r"</?[a-zA-Z][^>]{0,200}>", "", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    # Backslash escapes ("\*\*" for "**"), except in math, whose backslashes are LaTeX's: inline ("$5 \%$"), or a
    # line of a formula set apart, which names LaTeX's commands ("C = { \sqrt { \frac { U _ { 1 } ...").
    if re.search(r"\\[A-Za-z]{2,}", re.sub(r"\$[^$\n]*\$", "", line)):
        return line
    return re.sub(r"(\$[^$\n]*\$)|\\([!-/:-@\[-`{-~])", lambda m: m.group(1) or m.group(2), line)


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())



def looks_like_heading(line: str) -> bool:
    s = line.strip()
    return bool(re.match(r"^(?:\d{1,2}\.|\(\d{1,2}\)|[一二三四五六七八九十]+、|appendix|annex|conclusion|preface)",
                         s, re.I))


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
        if buf and (BULLET.match(s) or s.startswith("#") or looks_like_heading(s) and len(s) < 0.8 * width):
            out.append(buf)
            buf = ""
        joiner = "" if (buf and CJK.search(buf[-1:]) and CJK.search(s[:1])) else " "
        heading = looks_like_heading(s) and len(s) < 0.6 * width and not SENTENCE_END.search(s)
        if heading and buf:
            out.append(buf)
            buf = ""
        buf = f"{buf}{joiner}{s}" if buf else s
        if heading or len(s) < 0.7 * width and SENTENCE_END.search(s):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


# The longest tail of a Chinese line cut off on a line of its own: a name ("李克强") or a paragraph has more.
_CJK_TAIL = 2
# A paragraph's number on a line of its own ("15."), as reports and agreements print it in the margin.
_MARGIN_NUMBER = re.compile(r"\d{1,3}\.")
# A list item's or a clause's number or letter on a line of its own ("2.", "(i)", "b)"), its text on the next: a
# loan agreement converted so held 687 of them, each a paragraph that said nothing ("Also in this case: 2.").
_ENUMERATOR = re.compile(r"\(?(?:\d{1,2}|[ivx]{1,4}|[a-z])\)|\d{1,2}\.|[ivxIVX]{1,4}\.|[a-zA-Z]\.")
# The longest tail of a heading cut across lines ("4.1. Coping strategies since the outbreak" | "of COVID-19").
_HEADING_TAIL_WORDS = 4
# Words no English sentence or heading ends on: a line ending on one goes on, whatever the next line opens with
# ("While 63 percent of urban residents and" | "64 percent of PoC site residents own a phone").
_GOES_ON_WORDS = frozenset("a an the and or nor of between to from with for by than at on in into as that whose"
                           .split())
# What follows a page's cut sentence without going on with it: a caption, a source note, a chapter's or an annex's
# title, a footnote ("1 World Bank (2019), ..."), a table's row of numbers.
_STANDS_APART = re.compile(r"(?i:figure|fig\.|table|chart|graph|map|box|sources?|notes?|chapter|annex|appendix)\b"
                           r"|\d{1,3}\s+[A-Z]|[\d\s.,%()+–-]+$")


def join_continued(lines: list[str]) -> list[str]:
    """Lines that continue the line before them (it ends on a word or a comma, they start in lower case) joined
    to it, across blank lines: a PDF converted with a paragraph break after every printed line."""
    out: list[str] = []
    last = -1  # index in out of the last line with text
    texts = [line.strip() for line in lines]
    following = [""] * len(lines)  # the next line with text after each
    for i in range(len(lines) - 2, -1, -1):
        following[i] = texts[i + 1] or following[i + 1]
    for line, s, nxt in zip(lines, texts, following):
        prev = out[last].strip() if last >= 0 else ""
        # A link's words on a line of their own, closed by the next line's punctuation ("締結了" | "友好同盟互助條約"
        # | "。蘇聯...").
        link = nxt[:1] in _CJK_CLOSE and _CJK_WORDS.fullmatch(s) is not None and CJK.match(prev[-1:]) is not None
        if prev and _MARGIN_NUMBER.fullmatch(s) and nxt[:1].islower() and re.search(r"[A-Za-z,]$", prev) \
                and len(prev.split()) > _HEADING_TAIL_WORDS and not set_in_capitals(prev) and not _titled(prev):
            # A paragraph's number printed beside its second line lands inside its sentence ("... the IFAD
            # contribution is" | "15." | "a loan of 90 million USD"): it goes before its paragraph.
            out[last:last] = [line, ""]
            last += 2
            continue
        # Only a line that is an item's text: it opens in lower case or closes a sentence or clause. A numbered
        # title stays a line of its own ("5." | "Savings from less work hours ..."), as does a title the converter
        # ran into its text ("2." | "National Shopping Except as provided ... less than"): kb.headings reads them.
        if s and _ENUMERATOR.fullmatch(prev) and not _ENUMERATOR.fullmatch(s) and re.match(r"[\w“\"'‘(]", s) \
                and (s[0].islower() or re.search(r"[.;:,)]$", s)) and not titles_what_follows(s):
            out[last] = f"{prev} {s}"  # the item's number before its text
            del out[last + 1:]
            continue
        if s and prev and (link or _continues(prev, s)):
            subscript = _SUBSCRIPT.fullmatch(s) is not None and prev[-1].isascii() and prev[-1].isalpha()  # M2, PM2.5
            chinese = (CJK.match(prev[-1]) or prev[-1] in _CJK_OPEN + _CJK_CLOSE) and _CJK_GOES_ON.match(s) \
                or s[0] in _CJK_CLOSE or prev[-1] in _CJK_OPEN
            joiner = "" if chinese or subscript else " "
            out[last] = prev[:-1] + s if prev.endswith("-") and prev[-2:-1].isalpha() else f"{prev}{joiner}{s}"
            del out[last + 1:]  # the blank lines between them
            continue
        out.append(line)
        if s:
            last = len(out) - 1
    return out


def _continues(prev: str, line: str) -> bool:
    """Whether a line goes on with the sentence of the line before it.

    The line before ends on a word, a comma or a hyphen (not a sentence's end, nor a number: "... in Mauritius 9"
    is a running header over its page number), is not a Markdown heading, and has two words or more; the line
    starts in lower case, is not a list item, and has two words or more unless it ends a sentence (a list's "a",
    a table's "female" stand alone). A line ending on a word no sentence ends on ("and", "of", "between") goes
    on with any line that opens on a letter or digit. A heading (numbered or in capitals) takes a short tail only,
    so a converter's lower-cased first word of the paragraph under it does not join it.
    """
    if len(line) <= _CJK_TAIL and all(CJK.match(c) for c in line) and CJK.match(prev[-1]):
        return True  # "政府工作报" | "告": a word's last characters on a line of their own
    if (line[0] in _CJK_CLOSE and re.search(r"[\w" + HAN + _CJK_CLOSING + "]$", prev)
            or prev[-1] in _CJK_OPEN and re.match(r"[\w" + HAN + "]", line)):
        # A link's words set on a line of their own: "实施新一轮《" | "教育振兴行动计划" | "》，重点加强...";
        # no Chinese paragraph opens on closing punctuation, none ends on an opening bracket.
        return True
    if _CJK_SENTENCE.search(prev[:-1]) and re.search(r"[\w" + HAN + r"]$", prev):
        # A Chinese paragraph (it holds a sentence's end) that stops short of one goes on: on a character ("...中的稳" |
        # "定地位。") or a subscript set on its own line ("广义货币M" | "2" | "和社会融资..."). A heading ends no
        # sentence inside it.
        # A figure's caption between a paragraph's two pages stands apart ("...反" | "图3滇西边境山区的地理区位"),
        # and so does an enumerated item ("（四）").
        return _CJK_GOES_ON.match(line) is not None and not CAPTION.match(line) \
            or (_SUBSCRIPT.fullmatch(line) is not None and prev[-1].isascii())
    if prev.count("(") > prev.count(")") and re.search(r"\w$", prev) and re.match(r"[^()]*\w\)", line):
        return True  # "... OF CHINA (the" | "Borrower) and ...": the line closes the bracket the line before opened
    last = prev.rsplit(None, 1)[-1]
    if last in _GOES_ON_WORDS and len(prev.split()) > 2 and not prev.startswith("#") and line[0].isalnum() \
            and (" " in line or line[-1] in ".!?") and not BULLET.match(line) and not looks_like_heading(line) \
            and not set_in_capitals(line) and not _STANDS_APART.match(line) and not _row_of_names(line):
        # A sentence a blank line cut: "... increased by 385 thousand (+17%) between" | "January 2020". Not a
        # heading after it: a loan agreement's page ends mid-sentence ("... exchange views with the") over
        # "ARTICLE IV". Nor one word alone: a chart's label and its value ("Delaying payments to suppliers or" |
        # "13"); nor a caption, a footnote or a table's row.
        return True
    return (line[0].islower() and line[0].isascii() and not BULLET.match(line) and (" " in line or line[-1] in ".!?")
            and re.search(r"[A-Za-z,-]$", prev) is not None and " " in prev and not prev.startswith("#")
            and (len(line.split()) <= _HEADING_TAIL_WORDS or not (looks_like_heading(prev) or set_in_capitals(prev))))


def _row_of_names(line: str) -> bool:
    """Every word capitalised and no sentence ended: a table's header row ("Region Urban Rural Total")."""
    words = re.findall(r"[^\W\d_]+", line)
    return bool(words) and all(w[0].isupper() for w in words) and line[-1] not in ".!?"


def set_in_capitals(line: str, least: int = 6) -> bool:
    """Set in capitals, most of its letters and `least` letters at least ("CHAPTER 4 FINDINGS FOR FARMERS", a
    converter's "CHAPteR 4 FInDInGS")."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= max(least, 1) and sum(c.isupper() for c in letters) > len(letters) / 2


def _titled(line: str) -> bool:
    """Every longer word capitalised, as in a heading ("Project Implementation, Management and Coordination")."""
    words = [w for w in re.findall(r"[A-Za-z]+", line) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words)


def is_hard_wrapped(lines: list[str]) -> bool:
    """True for text wrapped at a fixed width (most lines long, similar and unterminated)."""
    body = [ln.rstrip() for ln in lines if len(ln.strip()) > 30]
    if len(body) < 20:
        return False
    unterminated = sum(1 for ln in body if not SENTENCE_END.search(ln))
    # Nine lines in ten within a line's width: a URL, a table row or a heading run long in wrapped text too
    # (the longest line let eight PDF conversions of the shared corpus keep one paragraph per printed line).
    lengths = sorted(len(ln) for ln in body)
    return lengths[int(0.9 * (len(lengths) - 1))] <= 140 and unterminated / len(body) > 0.5
