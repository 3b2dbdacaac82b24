"""Lines that title: what a heading line looks like, and passages that only title what follows them.

kb.headings finds a document's headings with these shapes; kb.hits asks whether a passage only titles the text
under it (a subheading standing as a passage of its own).
"""

from __future__ import annotations

import re

from kb.language import CJK as _CJK
from kb.language import FUNCTION_WORDS

# A heading line is short; a numbered line ("3. ...") is also the shape of a numbered paragraph: it must be
# shorter still to be a heading.
HEADING_CHARS = 220
NUMBERED_WORDS = 20


# A heading titles what follows in a few words: "Do informal waste workers work together?" (6), "Annex 4:
# Bibliography" (3); the longest numbered heading the segmenter accepts is as long (NUMBERED_WORDS).
_HEAD_WORDS = NUMBERED_WORDS


def titles_what_follows(para: str) -> bool:
    """A paragraph that only titles the text under it: a few words, mostly words, not a sentence (a question
    or a lead-in ending in a colon is a heading too), and not a printed line of a paragraph that a PDF's text
    cut into lines: those start in lower case, end on a function word or hold a sentence's end."""
    para = para.strip()
    if not para or len(para) > HEADING_CHARS:
        return False
    words = len(_CJK.sub(" ", para).split()) + len(_CJK.findall(para)) // 2
    last = para.split()[-1].lower()
    return (words <= _HEAD_WORDS and wordy(para) and not para[0].islower()
            and last not in FUNCTION_WORDS and not re.search(r"[.。!！;；,，]$|\w[.!?。！？]\s+\S", para))


def only_headings(text: str) -> bool:
    """A passage of headings alone (a subheading standing as a passage of its own): it titles what follows."""
    if len(text) > (text.count("\n") + 1) * HEADING_CHARS:  # a line longer than any heading: read no further
        return False
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return bool(paras) and all(titles_what_follows(p) for p in paras)


# A number that ends a title rather than a contents line (whose last number is its page): a year or a span of
# years ("Childhood Mortality Trends 1988-2014"), a number joined to its word ("COVID-19"), or a count a word
# takes ("Children under Age 5", "Annex A to SCHEDULE 1"). On the shared corpus these headed 8 sections, and
# no contents line ends so ("Limitations and Assumptions 32", "CONCLUSION …………22" still do not head any).
_TITLE_NUMBER = re.compile(r"(?:\b(?:19|20)\d\d(?:\s?[-–]\s?(?:19|20)?\d\d)?|[^\W\d]-\d{1,2}"
                           r"|\b(?:age[ds]?|under|over|goal|sdg|schedule|annex|appendix|phase|round|wave|grade"
                           r"|level|tier|pillar|part)\s\d{1,2})$", re.I)


def wordy(para: str) -> bool:
    """Headings are mostly words; table rows ("5.4 birth rate 76.3 na") are mostly numbers."""
    if _CJK.search(para):
        return True
    body = re.sub(r"^(?:\(?\d{1,2}(?:\.\d{1,2})*[.)]?|[IVX]{1,5}\.|[A-H]\.)\s+", "", para)  # its numbering aside
    tokens = [t.strip(".,;:()[]\"'“”‘’?!") for t in body.split()]
    words = sum(1 for t in tokens if t.isalpha())
    # Two amounts are a table's row ("(1) Dbeing the 23,500,000 12% of amounts landless", a loan's schedule).
    amounts = sum(1 for t in body.split() if re.fullmatch(r"[$(]?\d[\d,.]*%?\)?[,;]?", t))
    # A word of three letters at least: a measure from a table ("2.5 kg") is no heading.
    return (words / max(len(tokens), 1) >= 0.6 and amounts < 2
            and (not para[-1].isdigit() or bool(_TITLE_NUMBER.search(para)))
            and any(len(t) >= 3 for t in tokens if t.isalpha()))
