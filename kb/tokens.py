"""Keyword tokens shared by the keyword index and queries: words, and CJK text as character bigrams."""

from __future__ import annotations

import re

from kb.language import CJK_RUN as _CJK_RUN

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.U)
STOPWORDS = frozenset("""
a an and are as at be by for from has have how in is it its of on or that the their them they this to was
were what when where which who whom why will with would can could do does did into about over under than
then there these those such other any all some our your his her we you i me my not no but so if also
may might should been being who's whose while during via per e.g i.e etc what's
de del la las los el en y o para por con un una da das dos um uma des du le les et pour avec sur au aux
""".split())


# A web address: its parts name files and servers, not what a passage is about ("https://www.unescap.org/sites/
# default/files/..." held "default" for "microfinance default rates").
# ASCII only: a Chinese sentence may follow an address with no space ("见https://www.gov.cn/。这是...").
WEB_ADDRESS = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.I)


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def fts_text(text: str) -> str:
    """Text as the keyword index stores it: CJK runs become space-separated bigrams; words stay; web addresses go."""
    return _CJK_RUN.sub(lambda m: " " + " ".join(_bigrams(m.group())) + " ", WEB_ADDRESS.sub(" ", text))


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in order: words without stopwords, and CJK bigrams."""
    terms: list[str] = []
    for run in _CJK_RUN.findall(query):
        terms.extend(_bigrams(run))
    for word in _WORD.findall(_CJK_RUN.sub(" ", query)):
        word = word.lower()
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            terms.append(word)
    return list(dict.fromkeys(terms))


def fts_query(terms: list[str]) -> str:
    """An FTS5 query matching any of the terms (each quoted, so no term is read as an operator)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def fts_phrases(names: tuple[str, ...] | list[str]) -> str:
    """An FTS5 query matching any of the names as a phrase (CJK names as their bigrams in order)."""
    phrases = []
    for name in names:
        words = fts_text(name).split()
        tokens = [t for w in words for t in _WORD.findall(w)] if not _CJK_RUN.search(name) else words
        if tokens:
            phrases.append('"' + " ".join(t.replace('"', '""') for t in tokens) + '"')
    return " OR ".join(phrases) or '""'
