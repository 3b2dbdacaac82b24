"""Cases a query names by title: a project's name typed whole ("Western Poverty Reduction Project") finds its
document, whose passages seldom repeat the name (a loan agreement names its project on the cover only).

A title is read in pieces (split at brackets, colons and dashes: "Loan Agreement (Western Poverty Reduction
Project)" holds "Loan Agreement" and "Western Poverty Reduction Project"). A query names a piece when it holds
the piece's words in order, three or more, and they are at least half of its own content words: "what we
learned about cash transfers in Kenya" does not name a post titled "What we learned". The longest piece named
wins. No weight: the cases named come first, as the cases of a place the query names do.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kb.language import FUNCTION_WORDS

_SPLIT = re.compile(r"\s*(?:[()\[\]:：;|›–—]|\s-\s)\s*")
_WORD = re.compile(r"\w+")
_MIN_WORDS = 3


def title_words(text: str) -> tuple[str, ...]:
    """A text's words as titles are matched: lower case, function words kept ("Country at a glance")."""
    return tuple(w.lower() for w in _WORD.findall(text))


def _pieces(title: str) -> set[tuple[str, ...]]:
    """The word sequences of a title's pieces long enough to name it."""
    return {words for piece in _SPLIT.split(title) if len(words := title_words(piece)) >= _MIN_WORDS}


@dataclass(frozen=True)
class Named:
    """What a query names: the piece of title it holds, and the cases and documents titled with it."""

    piece: str
    cases: frozenset[str]
    documents: frozenset[str]
    # The query is the name alone (no content word outside the piece): it asks for the document itself.
    whole: bool = False


class TitleNames:
    """The pieces of every case's and document's title, for finding those a query names."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """`rows`: (case id, case title, document id, document title) of every case."""
        self._cases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._documents: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for case_id, case_title, doc_id, doc_title in rows:
            # A case titled as its document (its first, most often) is named with the document.
            for words in _pieces(case_title) if case_title != doc_title else ():
                self._cases[words].add(case_id)
            for words in _pieces(doc_title):
                self._documents[words].add(doc_id)
        self._longest = max(map(len, [*self._cases, *self._documents]), default=0)

    def named(self, words: tuple[str, ...]) -> Named | None:
        """The longest title piece the query's words (title_words) name, with its cases and documents; None when
        they name none."""
        content = sum(1 for w in words if w not in FUNCTION_WORDS)
        for n in range(min(self._longest, len(words)), _MIN_WORDS - 1, -1):
            found = [words[i:i + n] for i in range(len(words) - n + 1)
                     if words[i:i + n] in self._cases or words[i:i + n] in self._documents]
            for piece in found:
                own = sum(1 for w in piece if w not in FUNCTION_WORDS)
                if 2 * own >= content:
                    return Named(" ".join(piece), frozenset(self._cases.get(piece, ())),
                                 frozenset(self._documents.get(piece, ())), own == content)
        return None


def as_written(piece: str, titles: Sequence[str]) -> str:
    """The piece as the first of the titles that holds it writes it ("Western Poverty Reduction Project")."""
    pattern = re.compile(r"\W+".join(map(re.escape, piece.split())), re.IGNORECASE)
    return next((m.group() for title in titles if (m := pattern.search(title))), piece)


def named_first(order: Sequence[str], named: Named, document_of: Mapping[str, str],
                first_of: Mapping[str, str]) -> tuple[list[str], set[str]]:
    """The cases in order with those the query names ahead, and those: each case titled with the piece, and for
    each document titled with it where no case of it is, its first case (`first_of`) when the query is the name
    alone, else its first ranked case (its cases keep their order: "Second Urban Poverty Project Indonesia loan
    amount" shows the article that lends first)."""
    by_case = [case for case in order if case in named.cases]
    documents = set(named.documents) - {document_of[case] for case in by_case}
    pick = {doc: first_of[doc] for doc in documents if named.whole and first_of.get(doc) in order}
    ahead: list[str] = []
    for case in order:
        doc = document_of[case]
        if case in named.cases or doc in documents and pick.get(doc, case) == case:
            documents.discard(doc)
            ahead.append(case)
    moved = set(ahead)
    return ahead + [case for case in order if case not in moved], moved
