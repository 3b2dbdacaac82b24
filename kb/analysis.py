"""Counts an analyst can trust: cases (or documents) by approach, country and year, with what is left out.

A case counts under the approaches and focus countries it carries itself (kb.facets); countries it only
mentions count only when asked. Counted by document, a document counts once under each value any of its
chosen cases carries, so a long report and a one-page post weigh the same. Undated units are counted and
said, never dropped silently. A case published by several sources (kb.duplicates) counts once unless asked
otherwise, and the copies left out are said too. A part of a document with nothing to read (no prose passage: a
reference list, a statistical annex) is no case and is not counted; how many are left out is said.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kb.taxonomy import goal_number

UNITS = ("case", "document")


@dataclass(frozen=True)
class Counts:
    """What a set of cases amounts to, counted by case or by document."""

    unit: str
    total: int
    undated: int
    no_country: int
    no_approach: int
    by_approach: dict[str, int] = field(default_factory=dict)
    by_sdg: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, int] = field(default_factory=dict)
    by_approach_country: dict[tuple[str, str], int] = field(default_factory=dict)
    # Cases left out as another source's copy of a case that is counted.
    copies: int = 0
    # Parts of documents left out with nothing to read: no prose passage (a reference list, a statistical annex).
    no_text: int = 0
    # One row per unit: id, title, document, source, years, countries, approaches, sdgs (for CSV).
    rows: tuple[dict[str, Any], ...] = ()
    # Units by every facet's values (approach, sdg, country, region, doc_type, language, year): a filter's
    # options say how many units choosing each would count.
    by_facet: dict[str, dict[str, int]] = field(default_factory=dict)


def count(store: Any, case_ids: list[str], unit: str = "case", mentions: bool = False, copies: bool = False
          ) -> Counts:
    """Count the given cases (by case or by document), by approach, SDG, focus country (or also mentioned), year."""
    if unit not in UNITS:
        raise ValueError(f"count by {unit!r}: use one of {', '.join(UNITS)}")
    copied = set() if copies else store.republished() & set(case_ids)
    # A reference list or a statistical annex counted under its report's country made ten "cases" of one survey.
    unread = store.cases_without_prose(case_ids)
    case_ids = [c for c in case_ids if c not in copied and c not in unread]
    facets = store.facets_of(case_ids)
    cases = {c.case_id: c for c in store.cases_by_id(case_ids)}
    documents = {d["doc_id"]: d for d in store.documents()}
    country_facets = ("country", "country_mention") if mentions else ("country",)
    units: dict[str, dict[str, set[str]]] = {}
    titles: dict[str, tuple[str, str, str]] = {}
    for case_id in case_ids:
        case = cases.get(case_id)
        if case is None:
            continue
        doc = documents[case.doc_id]
        key = case_id if unit == "case" else case.doc_id
        values = units.setdefault(key, {"approach": set(), "sdg": set(), "country": set(), "year": set()})
        f = facets.get(case_id, {})
        for name, found in f.items():
            if name not in ("country", "country_mention"):
                values.setdefault(name, set()).update(found)
        values["country"].update(c for name in country_facets for c in f.get(name, ()))
        titles.setdefault(key, (case.title if unit == "case" else doc["title"], doc["title"], doc["source"]))
    by_year: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    rows = []
    by_facet: dict[str, Counter[str]] = {}
    for key, values in units.items():
        for name, found in values.items():
            by_facet.setdefault(name, Counter()).update(found)
        # A document with cases of several years counts once, under its earliest.
        if values["year"]:
            by_year[min(values["year"])] += 1
        pairs.update((a, c) for a in values["approach"] for c in values["country"])
        title, document, source = titles[key]
        rows.append({"id": key, "title": title, "document": document, "source": source,
                     "years": "; ".join(sorted(values["year"])), "countries": "; ".join(sorted(values["country"])),
                     "approaches": "; ".join(sorted(values["approach"])),
                     "sdgs": "; ".join(sorted(values["sdg"], key=goal_number))})
    facet_counts = {name: _most_first(c) for name, c in by_facet.items()}
    return Counts(
        unit=unit, total=len(units), undated=sum(1 for v in units.values() if not v["year"]),
        no_country=sum(1 for v in units.values() if not v["country"]),
        no_approach=sum(1 for v in units.values() if not v["approach"]),
        by_approach=facet_counts.get("approach", {}), by_sdg=facet_counts.get("sdg", {}),
        by_country=facet_counts.get("country", {}), by_year=dict(sorted(by_year.items())),
        by_approach_country=_most_first(pairs), copies=len(copied), no_text=len(unread), rows=tuple(rows),
        by_facet=facet_counts)


K = TypeVar("K", str, tuple[str, str])


def _most_first(counts: Counter[K]) -> dict[K, int]:
    # Ties by name: the values come from sets, whose order changes from one process to the next.
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
