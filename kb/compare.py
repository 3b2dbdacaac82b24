"""Side-by-side comparison of cases: who, where, what, key figures, alike passages and differences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from kb.errors import KBError
from kb.explain import leads
from kb.figures import ACTORS, FIGURE_KINDS, Figure, actors, case_figures, record_actors
from kb.gazetteer import country_name
from kb.kinds import PROSE
from kb.layout import SENTENCE_END
from kb.models import Case, Chunk, Document
from kb.relevance import Relevance
from kb.store import Store
from kb.taxonomy import approach_labels, goal_labels

MIN_CASES, MAX_CASES = 2, 4
class CompareError(KBError):
    """A comparison that cannot be made: too few or too many cases, or the same case twice."""


@dataclass(frozen=True)
class CaseProfile:
    """What a comparison shows of one case."""

    case: Case
    document: Document
    year: str | None
    countries: tuple[str, ...]
    approaches: tuple[str, ...]
    actors: tuple[str, ...]
    figures: tuple[Figure, ...]
    sdgs: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlikePair:
    """Two passages of two different cases that say much the same, with their cosine similarity."""

    case_a: str
    case_b: str
    text_a: str
    text_b: str
    score: float


@dataclass(frozen=True)
class Comparison:
    """Profiles of the compared cases, their most alike passages, and what each has that the others lack."""

    profiles: tuple[CaseProfile, ...]
    alike: tuple[AlikePair, ...]
    only: tuple[tuple[str, tuple[str, ...]], ...]
    # Approach and goal id -> the name a reader sees ("finance" -> "Finance and microcredit").
    labels: tuple[tuple[str, str], ...] = ()

    def label(self, value: str) -> str:
        """The name of an approach or goal id (the id itself when it has none)."""
        return dict(self.labels).get(value, value)


def profile(store: Store, case_id: str) -> CaseProfile:
    """One case's profile for a comparison."""
    case = store.case(case_id)
    doc = store.document(case.doc_id)
    tags = store.case_tags(doc.doc_id, case_id)
    # The countries the case is about, as its card and the analysts' counts have them; one it names in passing
    # ("Wuhan, China" in a Mauritius report) is no row of a comparison.
    countries = [t.value for t in tags if t.kind == "country" and t.role == "focus"]
    year = (case.date(doc.published) or "")[:4]
    # Actors are read from its prose and tables, not its reference list (a journal's name is no actor); names
    # by a model from its prose only: a table's column heads ("Total Number", "Pill IUD Inject-") name no one.
    chunks = [chunk for _, chunk in store.chunks(case_id=case_id) if chunk.kind in (PROSE, "table")]
    prose = _joined([chunk for chunk in chunks if chunk.kind == PROSE])
    text = _joined(chunks)
    # A record's own organisation columns name its actors first (an Ethiopian safety net's "Ministry of
    # Agriculture" was in its columns only, and the page said "none named").
    named = record_actors(case.fields)
    folded = {name.casefold() for name in named}
    found = [a for a in actors(text, doc.language, document=doc.text, prose=prose) if a.casefold() not in folded]
    return CaseProfile(
        case=case, document=doc, year=year if year.isdigit() else None, countries=tuple(countries),
        approaches=tuple(t.value for t in tags if t.kind == "approach"),
        actors=(*named, *found)[:ACTORS],
        figures=case_figures(doc.text, case),
        sdgs=tuple(t.value for t in tags if t.kind == "sdg"))


def _joined(chunks: list[Chunk]) -> str:
    """Passages as one text: apart where one ends a sentence or either is a table, else run on, as a prose passage
    cut in a sentence is read on into the next ("... the Food and Agriculture" | "Organization of the United
    Nations (FAO) ...")."""
    out, last = "", None
    for chunk in chunks:
        runs_on = last is not None and last.kind == chunk.kind == PROSE and not SENTENCE_END.search(last.text.rstrip())
        out += ("" if last is None else " " if runs_on else "\n\n") + chunk.text
        last = chunk
    return out


def alike_passages(store: Store, case_ids: list[str], per_pair: int = 2) -> tuple[AlikePair, ...]:
    """For each pair of cases, the passage pairs closest in meaning, best first: prose passages only, none a
    heading or a lead-in alone (two title lines or two reference lists are not alike in any way a reader cares
    for: "3. Implement targeted poverty alleviation strategy" was "most alike"), and only pairs at least as close
    as a passage that matches a query well (kb.relevance): below it, "alike" would name passages that are not."""
    chunks = {pid: chunk for c in case_ids for pid, chunk in store.chunks(case_id=c)}
    vectors = {}
    for case in case_ids:
        ids, found = store.case_vectors(case)
        prose = [i for i, pid in enumerate(ids) if chunks[pid].kind == "prose" and not leads(chunks[pid].text)]
        vectors[case] = ([ids[i] for i in prose], found[prose])
    floor = Relevance().match_cosine
    pairs: list[AlikePair] = []
    for a, b in combinations(case_ids, 2):
        (ids_a, va), (ids_b, vb) = vectors[a], vectors[b]
        if not ids_a or not ids_b or va.shape[1] != vb.shape[1]:
            continue
        sims = va @ vb.T
        used_a: set[int] = set()
        used_b: set[int] = set()
        for flat in np.argsort(-sims, axis=None):
            i, j = divmod(int(flat), sims.shape[1])
            if sims[i, j] < floor:
                break
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            pairs.append(AlikePair(a, b, chunks[ids_a[i]].text, chunks[ids_b[j]].text, round(float(sims[i, j]), 4)))
            if len(used_a) >= per_pair:
                break
    return tuple(sorted(pairs, key=lambda p: -p.score))


def differences(profiles: list[CaseProfile], labels: Mapping[str, str] | None = None
                ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each case, the approaches, countries, actors and kinds of figure that no other compared case has."""
    name = labels or {}
    out = []
    for p in profiles:
        others = [o for o in profiles if o is not p]
        other_approaches = {a for o in others for a in o.approaches}
        other_countries = {c for o in others for c in o.countries}
        lines = [f"approach: {name.get(a, a)}" for a in p.approaches if a not in other_approaches]
        lines += [f"country: {country_name(c)}" for c in p.countries if c not in other_countries]
        other_actors = {a.casefold() for o in others for a in o.actors}
        lines += [f"actor: {a}" for a in p.actors if a.casefold() not in other_actors]
        kinds = {f.kind for f in p.figures}
        lines += [f"figures: {FIGURE_KINDS[k]}" for k in FIGURE_KINDS
                  if k in kinds and not any(f.kind == k for o in others for f in o.figures)]
        out.append((p.case.case_id, tuple(lines)))
    return tuple(out)


def compare(store: Store, case_ids: list[str], taxonomy: str | None = None) -> Comparison:
    """Compare 2 to 4 cases of an index (approaches named by the given taxonomy file, else the shipped one)."""
    if len(set(case_ids)) != len(case_ids):
        raise CompareError(f"the same case is named twice in {case_ids}")
    if not MIN_CASES <= len(case_ids) <= MAX_CASES:
        raise CompareError(f"pick {MIN_CASES} to {MAX_CASES} cases to compare, not {len(case_ids)}")
    profiles = [profile(store, c) for c in case_ids]
    labels = {**approach_labels(taxonomy), **goal_labels()}
    return Comparison(tuple(profiles), alike_passages(store, case_ids), differences(profiles, labels),
                      tuple(sorted(labels.items())))


def comparison_table(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    """The comparison as a table: a header of case titles, then one row per attribute."""
    ps = comparison.profiles
    only = dict(comparison.only)

    def figures(p: CaseProfile, kind: str) -> str:
        return "; ".join(f.value for f in p.figures if f.kind == kind)

    header = ["", *(p.case.title for p in ps)]
    rows = [
        ["Case id", *(p.case.case_id for p in ps)],
        ["Document", *(p.document.title for p in ps)],
        ["Publisher", *((p.document.publisher or "") for p in ps)],
        ["Source", *(p.document.source for p in ps)],
        ["Year", *((p.year or "") for p in ps)],
        ["Countries", *(", ".join(country_name(c) for c in p.countries) for p in ps)],
        ["Approaches", *(", ".join(map(comparison.label, p.approaches)) for p in ps)],
        ["SDGs", *(", ".join(map(comparison.label, p.sdgs)) for p in ps)],
        ["Actors", *("; ".join(p.actors) for p in ps)],
        *([label.capitalize(), *(figures(p, kind) for p in ps)] for kind, label in FIGURE_KINDS.items()),
        ["Only this case has", *("; ".join(only.get(p.case.case_id, ())) for p in ps)],
    ]
    return header, rows
