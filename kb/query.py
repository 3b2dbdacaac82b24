"""A query read once into a plan: its keyword terms, its glossary names and what each space reads."""

from __future__ import annotations

from dataclasses import dataclass

from kb.glossary import Glossary
from kb.tokens import query_terms


@dataclass(frozen=True)
class QueryPlan:
    """Everything the rankings need to know about one query, decided once."""

    text: str
    # Keyword terms of the query as typed (stopwords out, CJK as bigrams).
    terms: tuple[str, ...]
    # What the main (English) model reads: the query, or its glossary's English names when it is not English.
    main_text: str
    # Keyword terms of the query's glossary names in the other languages (and in English for a query that is
    # not English), none of them already in `terms`.
    translated: tuple[str, ...]
    # The query as written and its word-for-word renderings into the languages the index holds (multilingual space).
    multilingual_texts: tuple[str, ...]
    english: bool

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        """Terms to find in a passage: the query's own, then their glossary names."""
        return tuple(dict.fromkeys((*self.terms, *self.translated)))


def make_plan(text: str, glossary: Glossary, languages: set[str], renderings: bool = True) -> QueryPlan:
    """The plan of a query: read it, expand it through the glossary, render it into the index's languages."""
    expansion = glossary.expand(text)
    english = expansion.english_query
    main_text = text if english or not expansion.english else " ".join(expansion.english)
    names = (*expansion.others, *(() if english else expansion.english))
    terms = tuple(query_terms(text))
    translated = tuple(t for t in query_terms(" ".join(names)) if t not in terms)
    # Each rendering costs an encoding: only into languages the index holds.
    rendered = tuple(names for lang, names in expansion.renderings if lang in languages) if renderings else ()
    return QueryPlan(text, terms, main_text, translated, (text, *rendered), english)
