"""Country and region tags: where a document or case happens (focus), what it names in passing (mention),
and, for South-South records, who gives the solution (provider).

The most-named countries are the focus; a document naming many countries with none standing out is global
and has none; a case's own countries are its focus only on enough evidence, otherwise it takes its
document's; a table's focus is what most of its rows are about. Thresholds and provider phrases are data
(kb/data/tagging.toml).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kb.gazetteer import WEIGHTS, Gazetteer, PlaceMention
from kb.models import Evidence, Tag
from kb.ruledata import compile_pattern, read_toml, shipped

_MAX_EVIDENCE = 5
# What joins the items of a list of countries: ", ", " and ", ", and ", " & ".
_LIST_JOIN = re.compile(r"\s*(?:,|,?\s+and|&)\s*")
FOCUS, MENTION, PROVIDER = "focus", "mention", "provider"


@dataclass(frozen=True)
class CountryRules:
    """The thresholds of country tagging (kb/data/tagging.toml [countries])."""

    focus_ratio: float = 0.5
    title_bonus: float = 3.0
    global_countries: int = 8
    global_share: float = 0.2
    case_evidence: float = 2.0
    table_rows: float = 0.5
    record_opening: bool = True


# The roles a country can take in a South-South exchange's text: "provider" gives the solution ("shares its
# experience", "with support from"), "recipient" takes it ("transferred its experience to"), "seat" is only where
# an agency's office sits.
ROLES = ("provider", "recipient", "seat")


@lru_cache(maxsize=len(ROLES))
def role_patterns(role: str) -> tuple[tuple[str, str], ...]:
    """(id, pattern with {c} for a country name) of the phrases that name a country in a role (ROLES), each a
    table of kb/data/tagging.toml."""
    data = read_toml(*shipped("tagging.toml"))
    out = []
    for entry in data.get(role, []):
        compile_pattern("kb/data/tagging.toml", entry["id"], entry.get("pattern", "").replace("{c}", "X"))
        out.append((entry["id"], entry["pattern"]))
    return tuple(out)


def country_rules(**overrides: float) -> CountryRules:
    """The shipped country rules, with values overridden (for evaluation)."""
    data = read_toml(*shipped("tagging.toml")).get("countries", {})
    values = {**data, **overrides}
    return CountryRules(**{k: type(getattr(CountryRules, k))(v) for k, v in values.items()})


def opening_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a record's first sentence after its title line."""
    body = text.find("\n\n", start, end)
    body = start if body < 0 else body + 2
    stop = re.search(r"[.!?。](?=\s|$)", text[body:end])
    return body, body + (stop.end() if stop else min(end - body, 300))


class Places:
    """Tags countries and regions from place mentions, fixed values (columns, metadata) and provider phrases."""

    def __init__(self, gazetteer: Gazetteer, rules: CountryRules | None = None) -> None:
        self.gazetteer = gazetteer
        self.rules = rules or country_rules()

    def fixed(self, values: Sequence[str]) -> tuple[str, ...]:
        """ISO3 codes named by a country column or metadata value ('ETH,DJI', 'Republic of Uganda')."""
        codes: list[str] = []
        for value in values:
            # A whole cell that names a place wins; otherwise it is a list ("ETH,DJI,NGA").
            cells = [value] if self.gazetteer.lookup(value) else re.split(r"[;,|/]", value)
            for cell in cells:
                place = self.gazetteer.lookup(cell) if cell.strip() else None
                if place and place.kind != "region" and place.code not in codes:
                    codes.append(place.code)
        return tuple(codes)

    def in_role(self, text: str, mentions: Sequence[PlaceMention], role: str) -> set[str]:
        """Countries the text names in a role of a South-South exchange (ROLES): giver, taker or only an office's
        seat."""
        found: set[str] = set()
        otherwise: set[str] = set()  # countries also named outside such a phrase
        for mention in mentions:
            if mention.kind == "region":
                continue
            window = text[max(0, mention.start - 80):mention.end + 80]
            name = re.escape(mention.text)
            if any(re.search(pattern.replace("{c}", name), window, re.I) for _, pattern in role_patterns(role)):
                found.add(mention.code)
            else:
                otherwise.add(mention.code)
        if role == "seat":
            return found - otherwise  # a seat only where the text names the country no other way
        # The countries listed with a provider (or taker) are ones too: "learned experience from Ghana, Rwanda,
        # South Africa" names three.
        ordered = [m for m in sorted(mentions, key=lambda m: m.start) if m.kind != "region"]
        for before, after in zip(ordered, ordered[1:]):
            if before.code in found and _LIST_JOIN.fullmatch(text[before.end:after.start]):
                found.add(after.code)
        return found

    def tags(self, text: str, title: str, mentions: Sequence[PlaceMention], fixed: tuple[str, ...] = (),
             fixed_source: str = "metadata", providers: tuple[str, ...] = (), scope: str = "document",
             inherited: tuple[str, ...] = (), span: tuple[int, int] | None = None, sections: bool = False
             ) -> list[Tag]:
        """Country and region tags of a span; scope is document, case or record (a table's row).

        Countries given by a column or metadata are the focus; the most-named others are too unless the span is
        global (a document naming many countries, none standing out) or has too little evidence (a case, or a
        document of several `sections`); a case then takes `inherited` (its document's focus). A record's
        providers are told apart: from a column, or from the phrases that name a giver of a solution.
        """
        rules = self.rules
        score: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[Evidence]] = defaultdict(list)
        regions: dict[str, list[Evidence]] = defaultdict(list)
        for m in mentions:
            ev = Evidence(m.start, m.end, text[m.start:m.end])
            if m.kind == "region":
                regions[m.code].append(ev)
                continue
            score[m.code] += WEIGHTS.get(m.kind, 1.0)
            evidence[m.code].append(ev)
        in_title = [m.code for m in (self.gazetteer.find(title) if title else ()) if m.kind != "region"]
        for code in in_title:
            score[code] += rules.title_bonus
        titled = set(in_title)
        named_providers = set(providers)
        seats: set[str] = set()
        takers: set[str] = set()
        if scope == "record" and not fixed:
            named_providers |= self.in_role(text, mentions, "provider")
            seats = self.in_role(text, mentions, "seat")
            takers = self.in_role(text, mentions, "recipient") - named_providers
        tags = [Tag("country", code, 1.0, tuple(evidence.get(code, ())[:_MAX_EVIDENCE]), FOCUS, fixed_source)
                for code in fixed]
        tags += [Tag("country", code, 1.0, tuple(evidence.get(code, ())[:_MAX_EVIDENCE]), PROVIDER, fixed_source)
                 for code in providers if code not in fixed]
        candidates = {code: value for code, value in score.items() if code not in fixed and code not in providers}
        # A provider found in the text is the focus only when nothing else is named (it shares with itself).
        # Nor is a country named only as an agency office's seat ("the UNDP Regional Office (Addis Ababa)").
        hosts = {code: value for code, value in candidates.items()
                 if code not in named_providers and code not in seats} or candidates
        top = max(hosts.values(), default=0.0)
        total = sum(score.values())
        focus: set[str] = set()
        if not fixed and top:
            focus = {code for code, value in hosts.items() if value / top >= rules.focus_ratio}
            if scope == "record" and rules.record_opening and span is not None:
                lo, hi = opening_sentence(text, *span)
                opening = {m.code for m in mentions if lo <= m.start < hi and m.code in hosts}
                focus = opening or focus
                # A record titled with one country is about that one: so are all 388 such rows of the three
                # record tables (their country columns); UNDP China, the partner, had joined Malawi's focus.
                named_in_title = titled & hosts.keys()
                if len(named_in_title) == 1:
                    focus = named_in_title
                # A record that names who takes the solution is about that country, whatever else it names.
                focus = (takers & hosts.keys()) or focus
            if scope == "document" and len(score) >= rules.global_countries and top / total <= rules.global_share:
                focus = set()  # many countries, none standing out: a global or multi-regional document
            # A document of several cases needs the evidence one of its cases would: the IFAD Strategic Framework
            # (14 cases, 108k characters) names Mozambique once and was about Mozambique.
            if (scope == "case" or scope == "document" and sections) and top < rules.case_evidence:
                focus = set()
            # A section of a document about a place is about another country only where it names that one more
            # than its document's own: a Mauritius report's section on risk communication naming "Wuhan, China"
            # twice beside Mauritius three times was a case about China, counted under China by the analysts.
            own = max((score.get(code, 0.0) for code in inherited), default=0.0)
            if scope == "case" and own:
                focus = {code for code in focus if code in inherited or score[code] > own}
        if scope == "case" and not fixed and not focus:
            tags += [Tag("country", code, 1.0, (), FOCUS, "document") for code in inherited if code not in candidates]
            focus = set(inherited)
        for code, value in sorted(candidates.items(), key=lambda kv: -kv[1]):
            if code in focus:
                tags.append(Tag("country", code, round(min(1.0, value / top), 3),
                                tuple(evidence[code][:_MAX_EVIDENCE]), FOCUS))
            else:
                role = PROVIDER if code in named_providers and code not in focus else MENTION
                tags.append(Tag("country", code, round(min(0.99, 1 - math.exp(-value / 3)), 3),
                                tuple(evidence[code][:_MAX_EVIDENCE]), role))
        tags += [Tag("region", code, 1.0, tuple(evs[:_MAX_EVIDENCE])) for code, evs in regions.items()]
        return tags

    def table_focus(self, case_tags: Sequence[Sequence[Tag]]) -> list[Tag]:
        """A table's own focus: the countries that are the focus of at least a share of its rows."""
        counts: dict[str, int] = defaultdict(int)
        for tags in case_tags:
            for code in {t.value for t in tags if t.kind == "country" and t.role == FOCUS}:
                counts[code] += 1
        rows = max(len(case_tags), 1)
        return [Tag("country", code, round(n / rows, 3), (), FOCUS, "rows")
                for code, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n / rows >= self.rules.table_rows]
