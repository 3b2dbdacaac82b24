"""What each case is filtered and counted by: one row per case, facet and value (the case_facets table).

A case counts under the approaches and SDGs it carries itself (a one-case document carries its document's; a
record, the goals of its table's SDG column), under its
focus countries (its own, or its document's when it has too little evidence of its own; the tagger decides),
under the regions it names itself and those of its focus countries (kb/data/region_countries.tsv: a case about
Viet Nam counts under Asia and the Pacific), and never under a country it only mentions: mentions and South-South
providers are facets of their own, for the filters' "include mentions" switch. Year: a record's own date, else
its document's.
"""

from __future__ import annotations

from kb.gazetteer import region_countries
from kb.models import Segmented, Tagged

# Facets of countries by role: the focus counts by default; the others only when a user asks for them.
COUNTRY_FACETS = {"focus": "country", "mention": "country_mention", "provider": "country_mention"}


def case_facets(seg: Segmented, tagged: Tagged | None) -> list[tuple[str, str, str]]:
    """(case_id, facet, value) rows of a document's cases."""
    doc = seg.document
    by_case = dict(tagged.cases) if tagged else {}
    collection = doc.source.split("/", 1)[0] if "/" in doc.source else "."
    rows: set[tuple[str, str, str]] = set()
    languages: dict[str, set[str]] = {}
    for chunk in seg.chunks:  # a case is found by each language its passages are in
        if chunk.language:
            languages.setdefault(chunk.case_id, set()).add(chunk.language)
    for case in seg.cases:
        year = (dict(case.fields).get("date") or doc.published or "")[:4]
        values = [("doc_type", doc.doc_type), ("language", doc.language), ("collection", collection)]
        values += [("language", lang) for lang in languages.get(case.case_id, ())]
        if year.isdigit():
            values.append(("year", year))
        tags = by_case.get(case.case_id, ())
        values += [(t.kind, t.value) for t in tags if t.kind in ("approach", "sdg")]
        values += [(COUNTRY_FACETS.get(t.role or "", "country_mention"), t.value) for t in tags if t.kind == "country"]
        values += [("region", t.value) for t in tags if t.kind == "region"]
        rows.update((case.case_id, facet, value) for facet, value in values)
    # A country that is a case's focus is not also its mention.
    focus = {(c, v) for c, f, v in rows if f == "country"}
    members = region_countries()
    rows.update((case, "region", region) for case, country in focus
                for region, countries in members.items() if country in countries)
    return sorted(r for r in rows if not (r[1] == "country_mention" and (r[0], r[2]) in focus))
