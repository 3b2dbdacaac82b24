"""How a hit is explained: the query's words highlighted in its passage, a one-line "why", header passages."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from kb.headlines import only_headings
from kb.language import CJK, LETTER, language_name
from kb.lexicon import fold, same_word
from kb.titles import CUT
from kb.tokens import WEB_ADDRESS

_WORD = re.compile(r"[^\W_]+", re.U)
# What Highlighter.matches finds in a passage: the spans of the query's words, its own words found, the others.
Found = tuple[tuple[tuple[int, int], ...], list[str], list[str]]
# Words of how a question is put, not of what it is about: never highlighted nor named as shared.
FILLER = frozenset("use used uses using way ways help helps helped make makes made work works get gets new good "
                   "best example examples case cases country countries people can".split())
# A line of at most this many words (two Chinese characters count as one) reads as a byline, date or
# breadcrumb, not as content.
HEADER_LINE_WORDS = 10


# One stemmer per thread: PyStemmer's keep state between calls, and searches run side by side.
_LOCAL = threading.local()


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A word's English stem, folded; kept, as the shown passages' words repeat from query to query."""
    stemmer: Any = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(fold(word)))


# An acronym: two to five capitals, a word of their own (not a heading's word: see _acronym).
_ACRONYM = re.compile(r"[A-Z]{2,5}")


def _acronym(text: str, start: int, end: int, lines: dict[int, bool]) -> bool:
    """Whether text[start:end], a word, is an acronym: in capitals in a line that is not ("AIDS" is not the
    plural of aid, but in a heading in capitals every word is). `lines` keeps each line's verdict by its start."""
    if not _ACRONYM.fullmatch(text, start, end):
        return False
    first = text.rfind("\n", 0, start) + 1
    if first not in lines:
        letters = LETTER.findall(text, first, (text.find("\n", end) + 1 or len(text) + 1) - 1)
        lines[first] = sum(c.isupper() for c in letters) <= len(letters) / 2
    return lines[first]


# How far a Chinese match is read on either side for the words it falls in (the dictionary's longest is shorter).
_CJK_CONTEXT = 12


@lru_cache(maxsize=64)
def _read_terms(terms: tuple[str, ...], own: frozenset[str]) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """A query's words as every passage of its page is read for them: the words (filler left out), each English
    stem's words (the query's own first) and each folded word's. Read once a query, not once a passage: with a
    query's glossary names a page's terms number 40 (4 ms a search)."""
    kept = [t for t in terms if t not in FILLER]
    stems: dict[str, list[str]] = {}
    for t in sorted((t for t in kept if not CJK.search(t)), key=lambda t: t not in own):
        stems.setdefault(_stem(t), []).append(t)  # the query's own words first
    folded: dict[str, str] = {}
    for t in kept:
        folded.setdefault(fold(t), t)
    return kept, stems, folded


class Highlighter:
    """Finds the query's words in a passage, compared by English stem and form (same_word), CJK terms as written."""

    def __init__(self, segment: Callable[[str], list[str]] | None = None) -> None:
        # Cuts a run of Chinese into words (kb.dictionary): a match of the query's two-character pieces is shown as
        # the words it falls in. The why-line had named "困地区" (of 特困地区, extremely poor areas) and "业保险"
        # (of 农业保险, farm insurance, for unemployment insurance).
        self._segment = segment

    def matches(self, text: str, terms: list[str], own: frozenset[str] | set[str] = frozenset()) -> Found:
        """Spans in text of the query's words (compared by stem) and CJK bigrams, and the words found: the
        query's own (`own`) and the others, each as the passage writes it (CJK bigrams joined into words)."""
        terms, stems, folded = _read_terms(tuple(terms), frozenset(own))
        lines: dict[int, bool] = {}
        found: list[tuple[int, int, bool]] = []
        addresses = [m.span() for m in WEB_ADDRESS.finditer(text)]
        # Each word's term, looked up once per passage: a passage repeats its words (7 -> 3 ms a search).
        term_of: dict[str, str | None] = {}
        for m in _WORD.finditer(text):
            start, end = m.span()
            if addresses and any(a <= start < b for a, b in addresses):
                continue  # the keyword index holds no web address's words (kb.tokens.fts_text)
            word = m.group()
            # An acronym matches letter for letter: "aid" marked the HIV/AIDS sections of a health survey. Its
            # letters are ASCII capitals, so lower case is its folded form.
            if len(word) <= 5 and word.isupper() and _acronym(text, start, end, lines):
                term = folded.get(word.lower())
            elif word in term_of:
                term = term_of[word]
            else:
                term = term_of[word] = next((t for t in stems.get(_stem(word), ()) if same_word(t, word)), None)
            if term:
                found.append((start, end, term in own))
        for term in (t for t in terms if CJK.search(t)):
            found.extend((m.start(), m.end(), term in own) for m in re.finditer(re.escape(term), text))
        merged: list[list] = []
        for start, end, is_own in sorted(found):
            if not merged or start >= merged[-1][1] or CJK.search(text[start]):  # overlapping bigrams: one word
                _add(merged, start, end, is_own)
        if self._segment is not None and any(CJK.match(text[start]) for start, _, _ in merged):
            merged = self._whole_words(text, merged)
        mine: dict[str, None] = {}
        other: dict[str, None] = {}
        for start, end, is_own in merged:
            (mine if is_own else other)[text[start:end].lower()] = None
        words = [*mine, *other]
        keep = lambda w: not any(w != x and w in x for x in words)  # noqa: E731  "家乐" inside "农家乐"
        return (tuple((a, b) for a, b, _ in merged), [w for w in mine if keep(w)],
                [w for w in other if w not in mine and keep(w)])

    def _whole_words(self, text: str, merged: list[list]) -> list[list]:
        """The Chinese matches widened to the dictionary words they fall in, those that then overlap joined."""
        assert self._segment is not None
        out: list[list] = []
        for start, end, is_own in merged:
            if CJK.match(text[start]):
                lo, hi = start, end
                while lo > 0 and start - lo < _CJK_CONTEXT and CJK.match(text[lo - 1]):
                    lo -= 1
                while hi < len(text) and hi - end < _CJK_CONTEXT and CJK.match(text[hi]):
                    hi += 1
                at = lo
                for word in self._segment(text[lo:hi]):
                    if at <= start < at + len(word):
                        start = at
                    if at < end <= at + len(word):
                        end = at + len(word)
                    at += len(word)
            _add(out, start, end, is_own)
        return out


def _add(merged: list[list], start: int, end: int, is_own: bool) -> None:
    """A match added after those before it: one that overlaps the last joins it, the query's own if either is."""
    if merged and start < merged[-1][1]:
        merged[-1][1], merged[-1][2] = max(end, merged[-1][1]), merged[-1][2] or is_own
    else:
        merged.append([start, end, is_own])


def spans_of(text: str, words: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Where the given words, as another passage wrote them, stand in a text (whole words, any case): the words a
    card's passage matched, shown in bold in the case's other passages listed under it."""
    forms = sorted({w.lower() for w in words if w.strip()}, key=len, reverse=True)
    # A Chinese word stands between other characters, not between spaces.
    parts = [re.escape(f) if CJK.search(f) else rf"(?<!\w){re.escape(f)}(?!\w)" for f in forms]
    return tuple(m.span() for m in re.finditer("|".join(parts), text, re.I)) if parts else ()


def one_run_each(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, those that touch or overlap joined: two bold runs side by side ("**医疗****卫生**")
    showed their Markdown asterisks."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _short(line: str) -> bool:
    """A line of at most HEADER_LINE_WORDS words (two Chinese characters count as one)."""
    return len(line.split()) + len(CJK.findall(line)) // 2 <= HEADER_LINE_WORDS


# Where authors work: a paper's byline names them with their affiliations, a line as long as a paragraph.
_AFFILIATION = re.compile(r"Universit|Institut|College|School|Academy|Department|Ministry|Cent(?:er|re)\b")


def _affiliations(line: str) -> bool:
    """A byline of names and affiliations: it names where its people work, and its longer words are names (four in
    five capitalised), with no sentence among them ("LIU Qian1,2, ZHANG Jian2 (1School of Geography ..., Chongqing
    Normal University, Chongqing 401331, China; ...)")."""
    words = re.findall(r"[A-Za-z]{4,}", line)
    return (_AFFILIATION.search(line) is not None and len(words) >= 4
            and sum(w[0].isupper() for w in words) >= 0.8 * len(words) and not re.search(r"[a-z]{2}\.\s+[A-Z]", line))


def is_header(text: str, titles: tuple[str | None, ...]) -> bool:
    """A passage that is its title plus short lines (byline, date) or a paper's byline of affiliations: it tells
    nothing the hit's title does not. A blog page may set its title twice, the second time over its byline ("From
    Kef to Kebili ... rights Chloé Guerrini, Project Coordinator and ..."): each time is the title."""
    for title in titles:
        title = (title or "").strip().removesuffix(CUT)  # a long title is stored cut short
        if title and title in text:
            return all(_short(line) or _affiliations(line) for line in text.replace(title, "").splitlines())
    return False


def leads(text: str) -> bool:
    """A passage that titles or leads into what follows it: headings alone, or one short line."""
    return only_headings(text) or is_lead(text)


def is_lead(text: str) -> bool:
    """A passage of one short line that leads into the paragraph under it, which a PDF or a report's layout left
    standing alone: a Chinese report's subheads ("坚持教育优先发展。"), lead-ins ("在教育工作方面，", "第一，"), a
    salutation ("各位代表！"), a stray "?". Alone it tells next to nothing; what it leads into does."""
    lines = text.strip().splitlines()
    return len(lines) <= 1 and _short(text)


# A kind of figure (kb.figures) as a why-line names it.
_FIGURE_WORDS = {"money": "an amount", "reach": "a number reached", "share": "a percentage"}
# The default spaces (kb.spaces) as a reader knows them: "#4 in the multilingual space" and "#1 in the
# crosslingual space" were jargon no page explained (walk). A space named in kb.toml keeps its name.
_SPACE_WORDS = {"multilingual": "by meaning among the passages not in English",
                "crosslingual": "by meaning in any language"}


def _ranked(rank: int, space: str) -> str:
    """A place in a space's ranking, in words."""
    return f"#{rank} {_SPACE_WORDS[space]}" if space in _SPACE_WORDS else f"#{rank} in the {space} space"


def why(own: list[str], translated: list[str], semantic_rank: int | None, mode: str,
        space_rank: tuple[int, str] | None = None,
        language: str = "", query_language: str = "en", weak: bool = False, places: Sequence[str] = (),
        main_reads_query: bool = True, named: str = "", figures: Sequence[str] = ()) -> str:
    """One line on why a passage matched, in the user's words: its place by meaning and the query's words it
    holds; the glossary's names in another language are named only with the language of the passage. A weak
    match (kb.relevance) is the nearest, not near: it is never called close. Places are the countries the
    query names that the case is about (such cases are shown first). A place by meaning is the main space's
    where its model reads the query, else that of the space that ranked the passage, named. A case the query
    names by its title (`named`, as the title writes it) says so first; a passage that names the kinds of figure
    the question asks for (`figures`, kb.figures' kinds) says so."""
    parts = [f"its title names “{named}”, as your query does"] if named else []
    near = "loosely related in meaning" if weak else "close in meaning"
    # Each place is named with its ranking: "#1 by meaning" from the main space on one card and from the
    # language-agnostic space on another read as a contradiction (2 of 20 plain queries).
    across = bool(language) and language != query_language
    if space_rank and across and mode != "keyword":
        parts.append(f"{near} across languages ({_ranked(*space_rank)})")
    elif semantic_rank and main_reads_query and mode != "keyword":
        parts.append(f"{near} (#{semantic_rank} by meaning)")
    elif space_rank and mode != "keyword":
        parts.append(f"{near} ({_ranked(*space_rank)})")
    if own:
        parts.append(f"holds your words: {', '.join(own[:8])}")
    if translated and language == query_language:  # the glossary's names in the user's own language
        parts.append(f"related words: {', '.join(translated[:8])}")
    elif translated:
        parts.append(f"in {language_name(language)}: {', '.join(translated[:8])}")
    if places:
        parts.append(f"about {', '.join(places)}, as your query asks")
    if figures:
        named_figures = [_FIGURE_WORDS[kind] for kind in figures if kind in _FIGURE_WORDS]
        parts.append(f"names {' and '.join(named_figures)}, as your question asks")
    if not parts:
        return "related to your query as a whole"
    return " and ".join(parts) if len(parts) == 2 and not translated else "; ".join(parts)
