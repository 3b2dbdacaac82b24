"""How a section's title is written: its own number, a bare label ("Annex IV"), a line that reads as a title;
the one home of reading them, for the headings found and the titles shown; and a heading made a case's title."""

from __future__ import annotations

import re
from collections import Counter
from functools import partial

from kb.language import HAN
from kb.lexicon import known_words
from kb.models import SPAN_JOIN
from kb.repair import join_initials, join_pairs

# A line's own dotted number: "3 ", "3. ", "2.1 ", "2.1.3. ", "3.1研究区域" (a Chinese title follows it with no
# space); the one home of reading it (heading_number).
DOTTED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)\.?(?:\s|(?=[" + HAN + r"]))")


# Front matter: sections before a document's body, none of which holds its numbered sections.
FRONT_MATTER = re.compile(r"^(?:executive summary|summary|abstract|foreword|preface|acknowledg(?:e)?ments?|"
                          r"abbreviations(?: and acronyms)?|acronyms(?: and abbreviations)?|(?:table of )?contents|"
                          r"摘要|前言|目录)\s*:?$", re.I)


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
    if SPAN_JOIN in title and heading_number(title.split(SPAN_JOIN, 1)[1]):
        return title
    rest = _OWN_NUMBER.sub("", title, count=1)
    return rest if re.search(r"\w", rest) and not rest[:1].isdigit() else title


APPENDIX = re.compile(r"(?:appendix|annex)\b", re.I)
# A heading that is a label alone: an appendix's, an annex's or a chapter's number with no name.
BARE_LABEL = re.compile(r"(?:appendix|annex|annexe|anexo|chapter|schedule)\s+(?:[IVXL]{1,6}|\d{1,2}|[A-Z])", re.I)
NAME_WORDS = 14


def title_shaped(para: str) -> bool:
    """A line shaped as a title, however long: a capital first, mostly letters, no sentence end."""
    letters = sum(ch.isalpha() for ch in para)
    return (bool(para[:1].isupper()) and letters >= 0.8 * len(para.replace(" ", ""))
            and not re.search(r"[.。:：;!?]$", para))


def title_line(para: str) -> bool:
    """A short line that reads as a title: shaped as one (title_shaped), a few words on one line."""
    return title_shaped(para) and 2 <= len(para.split()) <= NAME_WORDS and "\n" not in para


# What marks a title stored cut short.
CUT = "…"


def shorten(title: str, limit: int) -> str:
    """The title whole when it fits the limit, else cut at a word and marked CUT."""
    return title if len(title) <= limit else title[:limit].rsplit(" ", 1)[0] + CUT


_LETTERS = re.compile(r"[A-Za-z]+")


def _acronyms(word: str) -> bool:
    """An acronym's plural ("SDGs", "MSMEs"): capitals, then an s."""
    return len(word) > 2 and word[:-1].isupper() and word[-1] == "s"


def _odd_case(word: str) -> bool:
    """Cases mixed as no word writes them: not lower, upper, Capitalised or an acronym's plural."""
    return (not word.islower() and not word.isupper() and not (word[0].isupper() and word[1:].islower())
            and not _acronyms(word))


def _garbled(word: str) -> bool:
    """Small capitals read as cases, not a name's own mix: three case changes and a lower-case start or upper-case
    end ("cHaptEr"), or capitals then lower case ("ANNex"); "EnABLE", "iPhone" and "McDonald" are names."""
    flips = sum(a.isupper() != b.isupper() for a, b in zip(word, word[1:]))
    return (flips >= 3 and (word[0].islower() or word[-1].isupper())) or bool(re.fullmatch(r"[A-Z]{2,}[a-z]{2,}", word))


# Capitals with one or two letters in lower case inside: not a name's own mix ("EnABLE" opens with one capital).
_SLIP = re.compile(r"[A-Z]{2,}[a-z]{1,2}[A-Z]+")


# Two words side by side, as a converter may cut one word set in small capitals ("objeC tIVeS").
_SPLIT_PAIR = re.compile(r"\b([A-Za-z]{2,}) ([A-Za-z]{2,})\b")


def _join_pieces(title: str, known: frozenset[str]) -> str:
    """Two pieces of mixed case that are no words and make a known one, joined in lower case ('objeC tIVeS' ->
    'objectives': small capitals a converter cut in two)."""
    def join(m: re.Match[str]) -> str | None:
        left, right = m.group(1), m.group(2)
        pieces = _odd_case(left) and _odd_case(right) and left.lower() not in known and right.lower() not in known
        return (left + right).lower() if pieces and (left + right).lower() in known else None
    return join_pairs(title, _SPLIT_PAIR, join)


def _undo_small_caps(title: str) -> str:
    """A heading set in small capitals, which a PDF converter reads as a mix of cases ("CHAPteR 6 FInDInGS FoR
    MSMes", "cHaptEr 7 conclusion") or splits ("H AND WASHING"), in plain case. Only known English words are
    recased, and only when two of them are mixed or the heading opens with a garbled one: a name such as
    "EnABLE" or "ACReSAL" stays as written."""
    known = known_words()
    title = _join_pieces(join_initials(title), known)
    words = _LETTERS.findall(title)
    odd = {w for w in words if _odd_case(w) and w.lower() in known}
    # One word of a heading in capitals read with a letter or two in lower case ("CHAPTER 4 FINDINgS FOR
    # FARMERS", beside "CHAPTER 5 FINDINgS FOR DAIly wAgE EARNERS"): small capitals too.
    slipped = len(odd) == 1 and all(_SLIP.fullmatch(w) for w in odd) \
        and all(w.isupper() or _acronyms(w) for w in words if w not in odd and len(w) > 1)
    first = _LETTERS.search(title)
    if first is None or not (len(odd) >= 2 or slipped or first.group() in odd and _garbled(first.group())):
        return title
    if len(odd) >= 2 or slipped:  # the whole heading was in small capitals: its known words in lower case
        title = _LETTERS.sub(lambda m: m.group().lower() if m.group().lower() in known else m.group(), title)
    word = title[first.start():first.end()]
    return title[:first.start()] + (word.capitalize() if word.lower() in known else word) + title[first.end():]


def clean_title(title: str) -> str:
    """A heading as a case title: one line, no Markdown marks, no doubled numbering, no small capitals read as mixed
    case, at most 120 characters."""
    title = _undo_small_caps(" ".join(title.replace("#", " ").split()).strip(" .:;-–—："))
    # Doubled numbering, "1. 17. Rural youth" -> "17. Rural youth"; a section number "1.2. Title" is one number.
    title = re.sub(r"^(\d{1,2}(?:[.,]\s+|、\s*))(?=\d{1,3}[.,、]\s)", "", title)
    # A section number a converter ran into its Chinese title ("3结果与分析"), not a count or a date ("12月"): apart.
    title = re.sub(rf"^(\d{{1,2}}(?:\.\d{{1,2}})*)(?=[{HAN}])(?![年月日号届次期个项条周岁])", r"\1 ", title)
    # A title set twice under its number, the second its translation, on one line: the first ("2.3. Futures
    # Literacy Labs for Disaster Risk Reduction 2.3. Futures Literacy Labs dalam ...", a bilingual report).
    number = re.match(r"(\d{1,2}(?:\.\d{1,2})*\.|\d{1,2}(?:\.\d{1,2})+)\s", title)
    if number:
        title = re.split(rf"\s{re.escape(number.group(1))}\s(?=[A-Z])", title[number.end():], maxsplit=1)[0]
        title = f"{number.group(1)} {title}"
    return shorten(title, 120)


# A word, its parts joined by a hyphen, slash or apostrophe one word ("HIV/AIDS-RELATED", "WOMEN’S", "DESCRIÇÃO").
# A letter with its accents, which a converter may leave apart from it ("EVALUACIÓN" as O and U+0301).
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f])"
_WORD = re.compile(rf"{_LETTER}+(?:[’'/-]{_LETTER}+)*")
_PART = re.compile(rf"{_LETTER}+")
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")


_LABEL_NUMBER = re.compile(r" (?:\d{1,2}|[IVX]{1,5})\b")


def _capital_runs(title: str) -> list[tuple[int, int]]:
    """Spans of the runs of words in capitals of a title ("2 HOUSING CHARACTERISTICS AND ..."): those of two words
    of three letters at least, or of any word of three when the title has no lower case ("1 INTRODUCTION"); an
    acronym inside a title in mixed case stays as set."""
    runs: list[list[re.Match[str]]] = []
    for m in _WORD.finditer(title):
        if not m.group().isupper():
            continue
        if runs and re.fullmatch(r"[ ,&()]+", title[runs[-1][-1].end():m.start()]):
            runs[-1].append(m)
        else:
            runs.append([m])
    least = 1 if not any(c.islower() for c in title) else 2
    # A label in capitals opening a title with its number ("SCHEDULE 2: Description of the Project") is a run too.
    return [(run[0].start(), run[-1].end()) for run in runs
            if sum(len(p) >= 3 for m in run for p in _PART.findall(m.group())) >= least
            or run[0].start() == 0 and len(run[0].group()) >= 3 and _LABEL_NUMBER.match(title, run[-1].end())]


def _forms(text: str, wanted: set[str]) -> dict[str, Counter[str]]:
    """How the text writes each wanted word (lower case) inside its sentences: not opening a sentence or line,
    where any word is capitalised, nor beside another word in capitals, where a heading runs into a line."""
    forms: dict[str, Counter[str]] = {}
    if not wanted:
        return forms
    # A line that holds none of the wanted words is not read word by word: the compare page asked this of the
    # whole Ghana DHS (1.3M characters) for each case's actors, 0.5 s a case.
    holds = re.compile("|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True)))
    for line in text.splitlines():
        if not holds.search(line.lower()):
            continue
        words = list(_WORD.finditer(line))
        for i, m in enumerate(words):
            parts = [part for part in _PART.findall(m.group()) if part.lower() in wanted]
            if not parts:
                continue
            gap = line[words[i - 1].end() if i else 0:m.start()]
            if not i and not gap.strip() or re.search(r"[.!?:;•]\s*$", gap):
                continue
            beside = [w.group() for w in words[max(i - 1, 0):i + 2] if w is not m and len(w.group()) > 1]
            if m.group().isupper() and any(w.isupper() for w in beside):
                continue
            for part in parts:
                forms.setdefault(part.lower(), Counter())[part] += 1
    return forms


def in_capitals(words: set[str], text: str) -> set[str]:
    """The words set in capitals that the text writes so inside its sentences at least as often as in lower
    case: acronyms ("CEDAW", "HIV"), not words a heading or a table sets in capitals ("WOMEN", "CONTROL")."""
    forms = _forms(text, {w.lower() for w in words})
    return {w for w in words if forms.get(w.lower(), Counter())[w] >= forms.get(w.lower(), Counter())[w.lower()]}


def _recased(words: dict[str, str | None], match: re.Match[str]) -> str:
    """A word of a run as recased (kept as set where it was not)."""
    return words[match.group()] or match.group()


def recase_capitals(titles: list[str], text: str) -> list[str]:
    """Titles set in capitals in the case their document's running text writes each word: "2 HOUSING
    CHARACTERISTICS AND HOUSEHOLD POPULATION" -> "2 Housing characteristics and household population", with a
    name kept a name ("Ghana") and an acronym an acronym ("HIV"), as the text writes them inside its sentences."""
    runs = [_capital_runs(t) for t in titles]
    wanted = {p.lower() for t, found in zip(titles, runs) for s, e in found for p in _PART.findall(t[s:e])}
    if not wanted:
        return titles
    forms = _forms(text, wanted)
    known = known_words()

    def written(word: str) -> str | None:
        """The word as the text writes it; None when neither the text nor the vocabulary says."""
        if len(word) == 1 or _ROMAN.fullmatch(word):
            return word  # a letter ("VITAMIN A") or a numeral ("ARTICLE IV")
        seen = forms.get(word.lower(), Counter())
        lower, upper = seen[word.lower()], seen[word]
        if upper > lower:  # an acronym ("HIV"), though the text may write it as a word too ("WHO", "AIDS")
            return word
        if lower:  # any word the text writes in lower case is a word, whatever names capitalise it
            return word.lower()
        capitalised = max((f for f in seen if f[0].isupper() and not f.isupper()), key=seen.__getitem__, default=None)
        if capitalised or upper:  # a name ("Ghana"), or an acronym
            return capitalised or word
        return word.lower() if word.lower() in known else None

    out = []
    for title, found in zip(titles, runs):
        for start, end in reversed(found):
            words = {w: written(w) for w in _PART.findall(title[start:end])}
            if None in words.values():  # a word neither the text nor the vocabulary knows: the run stays as set
                continue
            run = _PART.sub(partial(_recased, words), title[start:end])
            run = re.sub(r"(?<=\w[’'])S\b", "s", run)  # a possessive's s: "WOMEN’S" -> "women’s"
            title = title[:start] + run[:1].upper() + run[1:] + title[end:]
        out.append(title)
    return out
