"""How a section's title is written: its own number, a bare label ("Annex IV"), a line that reads as a title;
the one home of reading them, for the headings found and the titles shown."""

from __future__ import annotations

import re

from kb.language import HAN

# A line's own dotted number: "3 ", "3. ", "2.1 ", "2.1.3. ", "3.1研究区域" (a Chinese title follows it with no
# space); the one home of reading it (heading_number).
DOTTED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)\.?(?:\s|(?=[" + HAN + r"]))")


def heading_number(title: str) -> tuple[int, ...] | None:
    """The dotted number a heading opens with, as a sortable tuple ("2.1.3 Title" -> (2, 1, 3)), or None."""
    match = DOTTED.match(title)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


# A heading's own numbering: "(4) ", "2.20 ", "3. ", "IV. ", "B. ", "一、", "（三）", "5 结论", "6启示"; not the
# number a title opens with ("10 ways to ...", "0.37 MT").
_OWN_NUMBER = re.compile(r"^(?:\(\d{1,3}\)\s*|（[一二三四五六七八九十]+）\s*|[一二三四五六七八九十]+、\s*|"
                         r"[IVX]{1,5}\.\s+|[A-H]\.\s+|[1-9]\d?(?:\.\d{1,2})*\.\s+|[1-9]\d?(?:\.\d{1,2})+\s+|"
                         r"[1-9]\d?\s*(?=[" + HAN + r"]))")


def unnumbered(title: str) -> str:
    """A section title without its own numbering, for a list that numbers its entries ("3. (4) Gathering ...");
    a case over several sections ("11.8 … 11.9") keeps the numbers that say which."""
    if " … " in title and heading_number(title.split(" … ", 1)[1]):
        return title
    rest = _OWN_NUMBER.sub("", title, count=1)
    return rest if re.search(r"\w", rest) and not rest[:1].isdigit() else title


APPENDIX = re.compile(r"(?:appendix|annex)\b", re.I)
# A heading that is a label alone: an appendix's, an annex's or a chapter's number with no name.
BARE_LABEL = re.compile(r"(?:appendix|annex|annexe|anexo|chapter|schedule)\s+(?:[IVXL]{1,6}|\d{1,2}|[A-Z])", re.I)
NAME_WORDS = 14


def title_line(para: str) -> bool:
    """A short line that reads as a title: a capital first, a few words, mostly letters, no sentence end."""
    letters = sum(ch.isalpha() for ch in para)
    return (bool(para[:1].isupper()) and 2 <= len(para.split()) <= NAME_WORDS and "\n" not in para
            and letters >= 0.8 * len(para.replace(" ", "")) and not re.search(r"[.。:：;!?]$", para))
