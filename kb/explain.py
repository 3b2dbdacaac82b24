"""How a hit is explained: the query's words highlighted in its passage, a one-line "why", header passages."""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"[^\W_]+", re.U)
_CJK = re.compile(r"[\u3400-\u9fff]")
# A line of at most this many words (two Chinese characters count as one) reads as a byline, date or
# breadcrumb, not as content.
HEADER_LINE_WORDS = 10


class Highlighter:
    """Finds the query's words in a passage, compared by English stem, and CJK terms as written."""

    def __init__(self) -> None:
        self._stemmer: Any = None

    def _stem(self, word: str) -> str:
        if self._stemmer is None:
            import snowballstemmer

            self._stemmer = snowballstemmer.stemmer("english")
        return self._stemmer.stemWord(word.lower())

    def matches(self, text: str, terms: list[str]) -> tuple[tuple[tuple[int, int], ...], list[str]]:
        """Spans in text of the query's words (compared by stem) and CJK bigrams, and which terms they were."""
        stems = {self._stem(t): t for t in terms if not _CJK.search(t)}
        spans: list[tuple[int, int]] = []
        shared: list[str] = []
        for m in _WORD.finditer(text):
            term = stems.get(self._stem(m.group()))
            if term:
                spans.append((m.start(), m.end()))
                if term not in shared:
                    shared.append(term)
        for term in (t for t in terms if _CJK.search(t)):
            for m in re.finditer(re.escape(term), text):
                spans.append((m.start(), m.end()))
                if term not in shared:
                    shared.append(term)
        return tuple(sorted(set(spans))), shared


def is_header(text: str, titles: tuple[str | None, ...]) -> bool:
    """A passage that is its title plus short lines (byline, date): it tells nothing the hit's title does not."""
    for title in titles:
        title = (title or "").strip()
        if title and title in text:
            rest = text.replace(title, "", 1)
            return all(len(line.split()) + len(_CJK.findall(line)) // 2 <= HEADER_LINE_WORDS
                       for line in rest.splitlines())
    return False


def why(shared: list[str], semantic_rank: int | None, mode: str, ml_rank: int | None = None,
        own: set[str] = frozenset()) -> str:
    """One line on why a passage matched: its place by meaning, and the query's words (or their translations) it holds."""
    translated = [t for t in shared if t not in own]
    if ml_rank and mode != "keyword":
        also = f"; shares: {', '.join(shared[:8])}" if shared else ""
        return f"close in meaning across languages (#{ml_rank} in the multilingual space){also}"
    if translated and not [t for t in shared if t in own]:
        return f"shares words the glossary relates to the query: {', '.join(translated[:8])}"
    words = ", ".join(shared[:8])
    if mode == "keyword":
        return f"shares the words: {words}"
    if semantic_rank and shared:
        return f"close in meaning (#{semantic_rank} by meaning) and shares: {words}"
    if semantic_rank:
        return f"close in meaning (#{semantic_rank} by meaning); shares none of the query's words"
    return f"shares the words: {words}" if shared else "ranked by the combined lists"
