"""A query read once into a plan: its keyword terms, its glossary names and what each space reads."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from kb.dictionary import Dictionary, Reading
from kb.errors import ConfigError, KBError
from kb.figures import FIGURE_KINDS
from kb.gazetteer import default_gazetteer, region_countries
from kb.glossary import Glossary
from kb.language import CJK, detect_language, language_code
from kb.models import FACET_FILTERS, Filters
from kb.named import title_words
from kb.ruledata import compile_pattern, read_toml, rule_entries, shipped
from kb.tokens import query_terms

MODES = ("hybrid", "semantic", "keyword")
MAX_QUERY_CHARS = 1000
MAX_K = 100
# A filter with at most this many known values names them all in its error; a longer list suggests the closest.
LIST_VALUES = 12


class QueryError(KBError):
    """A query, k, mode or filter value that cannot be searched; the message says which and why."""


def clean_query(query: str, k: int, mode: str) -> str:
    """The query with its whitespace tidied; or a QueryError naming what is wrong with it, k or the mode."""
    text = " ".join((query or "").split())
    if not text:
        raise QueryError("the query is empty: type what you are looking for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}: "
                         "keep the words that say what you need")
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise QueryError(f"k = {k!r}: ask for 1 to {MAX_K} results")
    if mode not in MODES:
        raise QueryError(f"mode {mode!r}: use one of {', '.join(MODES)}")
    return text


def check_filters(filters: Filters, known: Callable[[str], set[str]]) -> None:
    """Reject filter values that name nothing, saying which values exist (all of them, when there are few)."""
    for facet in FACET_FILTERS:
        allowed = None
        for value in getattr(filters, facet):
            allowed = allowed if allowed is not None else known(facet)
            if value in allowed:
                continue
            code = language_code(value) if facet == "language" else _place_code(value, facet)
            if code and code in allowed:
                hint = f"did you mean {code}?"
            elif len(allowed) <= LIST_VALUES:
                hint = f"use one of {', '.join(sorted(allowed))}"
            else:
                close = difflib.get_close_matches(value, sorted(allowed), n=3, cutoff=0.5)
                hint = (f"did you mean {', '.join(close)}?" if close
                        else f"{len(allowed)} values are known, such as {', '.join(sorted(allowed)[:5])}")
            if facet == "approach" and len(allowed) > LIST_VALUES:
                hint += " (`kb approaches` lists them all)"
            raise QueryError(f"unknown {facet} {value!r}: {hint}")
    if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
        raise QueryError(f"year range {filters.year_from}-{filters.year_to} is empty")


def _place_code(value: str, facet: str) -> str | None:
    """The code of a country or region a filter value names in words ("Kenya" is KEN, "South Asia" south_asia)."""
    if facet not in ("country", "region"):
        return None
    place = default_gazetteer().lookup(value)
    return place.code if place is not None and (place.kind == "region") == (facet == "region") else None


@dataclass(frozen=True)
class QueryPlan:
    """Everything the rankings need to know about one query, decided once."""

    text: str
    # Keyword terms of the query as typed (stopwords out, CJK as bigrams).
    terms: tuple[str, ...]
    # What the main (English) model reads: the query, or when it is not English its word-for-word English
    # rendering (kb.dictionary, Chinese only) and its glossary's English names.
    main_text: str
    # Keyword terms of the query's glossary names in the other languages (and in English for a query that is
    # not English, with its rendering's words), none of them already in `terms`.
    translated: tuple[str, ...]
    # The query as written and its word-for-word renderings into the languages the index holds (multilingual space).
    multilingual_texts: tuple[str, ...]
    english: bool
    # (the query's terms a glossary concept stands for, the concept's names in the other languages): a passage
    # holding one of the names holds those terms, in its own language (kb.matching).
    concepts: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    # Countries the query names by name, alias or people, or by a region (ISO3): their cases that match the topic
    # are shown first.
    countries: tuple[str, ...] = ()
    # The query without the places it names, as text and terms: what it asks about, wherever that is.
    topic_text: str = ""
    topic_terms: tuple[str, ...] = ()
    # (country, the region the query named it by) for countries named only through a region ("in Africa").
    via_region: tuple[tuple[str, str], ...] = ()
    # The language the query is written in (ISO 639-1), read once: the why-lines and the grades ask it per hit.
    language: str = "en"
    # The query's Chinese words as the dictionary cuts them: highlights and why-lines name them, not the bigrams
    # the keyword index reads ("帮助农民增收" marked "帮助农民增" where a passage read "帮助农民增加").
    words: tuple[str, ...] = ()
    # The query's words as document and case titles are matched (kb.named), read once.
    title_words: tuple[str, ...] = ()
    # The kinds of figure the question asks for (kb.figures: money, reach, share): "what did it cost" is answered
    # by a passage that names an amount.
    asks: tuple[str, ...] = ()

    def topic(self) -> QueryPlan:
        """This plan without the places the query names ("savings groups in Kenya" -> "savings groups"): a
        Kenyan fiscal reform is near the whole query in meaning and holds a third of its words, not of its topic."""
        return replace(self, main_text=self.topic_text if self.english else self.main_text, terms=self.topic_terms,
                       countries=())

    @property
    def asks_about_a_place(self) -> bool:
        """Whether the query names a place and something about it: its cases are matched on that topic too."""
        return bool(self.countries and self.topic_terms)

    @property
    def places(self) -> tuple[str, ...]:
        """The places the query names: each country's ISO3 code, or the region it named the country by, once."""
        via = dict(self.via_region)
        return tuple(dict.fromkeys(via.get(country, country) for country in self.countries))

    @property
    def own_terms(self) -> tuple[str, ...]:
        """The query's own words to find in a passage: its terms, its Chinese ones as words where cut into words."""
        if not self.words:
            return self.terms
        return tuple(dict.fromkeys((*(t for t in self.terms if not CJK.search(t)), *self.words)))

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        """Terms to find in a passage: the query's own, then their glossary names."""
        return tuple(dict.fromkeys((*self.own_terms, *self.translated)))


def make_plan(text: str, glossary: Glossary, languages: set[str], renderings: bool = True,
              dictionary: Dictionary | None = None) -> QueryPlan:
    """The plan of a query: read it, expand it through the glossary, render it into the index's languages;
    `dictionary` renders a query that is not English word for word into English (kb.dictionary)."""
    expansion = glossary.expand(text)
    english = expansion.english_query
    # The rendering reaches English passages through the English model and the English keywords, as a third
    # ranking of the Chinese words would not: that one, at the query's own keyword weight, pushed Chinese
    # answers to Chinese questions down (14 questions: answer nDCG@10 0.509 -> 0.418; as here 0.500).
    reading = dictionary.read(text) if dictionary and not english else Reading("", ())
    english_words = (reading.english, *expansion.english)
    main_text = text if english or not any(english_words) else " ".join(w for w in english_words if w)
    names = (*expansion.others, *(() if english else english_words))
    terms = tuple(query_terms(text))
    # A number split from a name ("COVID-19" -> "19") would match every passage with that number in it.
    translated = tuple(t for t in query_terms(" ".join(names)) if t not in terms and not t.isdigit())
    # Each rendering costs an encoding: only into languages the index holds.
    rendered = tuple(names for lang, names in expansion.renderings if lang in languages) if renderings else ()
    concepts = tuple((covered, names) for name, names in expansion.concepts
                     if names and (covered := tuple(t for t in query_terms(name) if t in terms)))
    # An English passage holding a meaning of a Chinese word of the query holds that word (kb.matching).
    concepts += tuple((covered, meanings) for word, meanings in reading.words
                      if (covered := tuple(t for t in query_terms(word) if t in terms)))
    # A country by its name, alias or people ("Kenya", "Kenyan"), or a region by its countries ("Africa"); a
    # province or city names a place smaller than its country ("Longnan in Gansu" asks for Longnan, not for any
    # of China's hundreds of cases).
    places = [m for m in default_gazetteer().find(text, confirm=False)
              if m.kind in ("name", "alias", "demonym", "region")]
    members = region_countries()
    countries = tuple(dict.fromkeys(code for m in places
                                    for code in (sorted(members.get(m.code, ())) if m.kind == "region" else [m.code])))
    topic = text
    for m in reversed(places):
        topic = topic[:m.start] + topic[m.end:]
    named = set(query_terms(" ".join(m.text for m in places)))
    direct = {m.code for m in places if m.kind != "region"}
    via = {code: m.text for m in places if m.kind == "region" for code in members.get(m.code, ()) if code not in direct}
    return QueryPlan(text, terms, main_text, translated, (text, *rendered), english, concepts, countries,
                     " ".join(topic.split()), tuple(t for t in terms if t not in named), tuple(sorted(via.items())),
                     "en" if english else detect_language(text), shown_words(text, [w for w, _ in reading.words]),
                     title_words(text), asked_figures(text))


@dataclass(frozen=True)
class AskRule:
    """Words that ask for a kind of figure (kb.figures' kinds), from kb/data/questions.toml."""

    id: str
    figure: str
    pattern: re.Pattern[str]


def parse_ask_rules(text: str, source: str) -> tuple[AskRule, ...]:
    """Question rules from TOML text; a missing id, a repeated one, an unknown figure or a bad pattern is an
    error naming the rule."""
    rules: list[AskRule] = []
    for entry in rule_entries(read_toml(text, source), "asks", source, {"figure", "pattern"}):
        rule_id = entry["id"]
        if entry.get("figure") not in FIGURE_KINDS:
            raise ConfigError(f"{source}: rule {rule_id!r}: figure must be one of {', '.join(FIGURE_KINDS)}, "
                              f"not {entry.get('figure')!r}")
        rules.append(AskRule(rule_id, entry["figure"], compile_pattern(source, rule_id, entry.get("pattern"))))
    return tuple(rules)


@cache
def ask_rules() -> tuple[AskRule, ...]:
    """The shipped question rules, read once."""
    return parse_ask_rules(*shipped("questions.toml"))


def asked_figures(text: str) -> tuple[str, ...]:
    """The kinds of figure a question asks for, in kb.figures' order; none for a question of another kind."""
    asked = {rule.figure for rule in ask_rules() if rule.pattern.search(text)}
    return tuple(kind for kind in FIGURE_KINDS if kind in asked)


def shown_words(text: str, words: list[str]) -> tuple[str, ...]:
    """The words a reader is shown the query by: the dictionary's words of two characters or more, and runs of
    single characters it cut apart joined back ("增收", cut "增 收"); a character alone ("的", "在") is no word
    to show."""
    out: list[str] = []
    run = ""
    for word in [*words, ""]:
        if len(word) == 1 and run + word in text:
            run += word
            continue
        if len(run) >= 2:
            out.append(run)
        run = word if len(word) == 1 else ""
        if len(word) >= 2:
            out.append(word)
    return tuple(dict.fromkeys(out))
