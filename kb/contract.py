"""The JSON contract of DESIGN.md in one place: what `kb ... --json` prints and the HTTP API answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from kb.analysis import Counts
from kb.check import Finding
from kb.collections import Collection, Collections
from kb.compare import Comparison
from kb.gazetteer import country_name
from kb.library import CasePage
from kb.models import Filters, Hit, Tag
from kb.pipeline import IngestReport
from kb.search import SearchResult
from kb.store import Store
from kb.taxonomy import Taxonomy
from kb.watch import Watch, WatchRun


def tags_json(source: str, tags: Sequence[Tag]) -> dict[str, Any]:
    """One document's tags as `kb tag` prints them (regions, sdgs and `from` are extensions)."""
    def evidence(tag: Tag) -> list[dict[str, Any]]:
        return [{"text": e.text, "start": e.start, "end": e.end} for e in tag.evidence]

    return {
        "source": source,
        "approaches": [{"id": t.value, "confidence": t.confidence, "from": t.source, "evidence": evidence(t)}
                       for t in tags if t.kind == "approach"],
        "countries": [{"iso3": t.value, "name": country_name(t.value), "role": t.role, "confidence": t.confidence,
                       "from": t.source, "evidence": evidence(t)} for t in tags if t.kind == "country"],
        "regions": [{"id": t.value, "evidence": evidence(t)} for t in tags if t.kind == "region"],
        "sdgs": [{"id": t.value, "confidence": t.confidence, "from": t.source, "evidence": evidence(t)}
                 for t in tags if t.kind == "sdg"],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit of `kb search`."""
    data = {field: getattr(hit, field) for field in hit.__dataclass_fields__}
    for key in ("approaches", "countries", "regions", "sdgs"):
        data[key] = list(data[key])
    data["matched"] = [list(span) for span in hit.matched]
    data["also_published"] = [{"case_id": c, "document": t, "source": s, "publisher": p}
                              for c, t, s, p in hit.also_published]
    data["same_text"] = [{"case_id": c, "title": t, "source": s} for c, t, s in hit.same_text]
    return data


def result_json(result: SearchResult, facets: bool) -> Any:
    """`kb search --json`: an array of hits, or with facets an object that also counts the matches."""
    hits = [hit_json(h) for h in result.hits]
    if not facets:
        return hits
    return {"hits": hits, "facets": result.facets, "candidates": result.candidates, "matches": result.matches,
            "unmatched_places": list(result.unmatched_places)}


def case_json(page: CasePage) -> dict[str, Any]:
    """`kb show --json`: one case with its text, its own tags, its document's tags and its passages."""
    case, doc = page.case, page.document
    return {
        "case_id": case.case_id, "doc_id": doc.doc_id, "title": case.title,
        "heading_path": list(case.heading_path), "source": doc.source, "document_title": doc.title,
        "doc_type": doc.doc_type, "language": doc.language, "published": doc.published,
        "date": case.date(doc.published), "publisher": doc.publisher, "page": case.page, "start": case.start,
        "end": case.end,
        "fields": dict(case.fields), "text": doc.text[case.start:case.end],
        "tags": tags_json(doc.source, page.tags),
        "document_tags": tags_json(doc.source, page.document_tags),
        "passages": [{"passage_id": pid, "start": c.start, "end": c.end, "page": c.page, "text": c.text}
                     for pid, c in page.passages],
        "also_published": [{"case_id": m["case_id"], "document": m["title"], "source": m["source"],
                            "publisher": m["publisher"]} for m in page.also_published],
    }


def stats_json(store: Store) -> dict[str, Any]:
    """`kb stats --json`: counts of documents, cases and passages, cases by facet, and the skipped files."""
    stats = store.stats()
    for facet in ("approach", "sdg", "country", "region", "year"):
        stats[f"cases_by_{facet}"] = store.facet_values(facet)
    stats["skipped_files"] = [{"source": s, "reason": r} for s, r in store.skipped()]
    return stats


def counts_json(counts: Counts) -> dict[str, Any]:
    """`kb counts --json`: totals, what is left out, and counts by approach, country, year and both."""
    data = {k: v for k, v in asdict(counts).items() if k not in ("rows", "by_approach_country", "by_facet")}
    data["by_approach_country"] = [{"approach": a, "country": c, "count": n}
                                   for (a, c), n in counts.by_approach_country.items()]
    return data


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """`kb compare --json`: each case's profile, what they share and what only one has."""
    return {
        "cases": [{"case_id": p.case.case_id, "title": p.case.title, "document_title": p.document.title,
                   "source": p.document.source, "publisher": p.document.publisher, "year": p.year,
                   "countries": list(p.countries), "approaches": list(p.approaches), "sdgs": list(p.sdgs),
                   "actors": list(p.actors),
                   "figures": [{"kind": f.kind, "value": f.value, "sentence": f.sentence} for f in p.figures]}
                  for p in comparison.profiles],
        "alike": [asdict(a) for a in comparison.alike],
        "only": {case_id: list(lines) for case_id, lines in comparison.only}}


def collections_json(collections: Collections) -> list[dict[str, Any]]:
    """`kb collections --json`: each collection's id, name and number of cases."""
    return [{"id": cid, "name": name, "items": len(collections.get(cid).items)}
            for cid, name in collections.names().items()]


def collection_json(collection: Collection) -> dict[str, Any]:
    """One collection with its items in order: what each quotes, its citation fields and the trainer's note."""
    return {"id": collection.collection_id, "name": collection.name, "items": [
        {"position": i.position, "case_id": i.excerpt.case_id, "title": i.excerpt.title,
         "document_title": i.excerpt.document_title, "publisher": i.excerpt.publisher,
         "published": i.excerpt.published, "page": i.excerpt.page, "source": i.excerpt.source, "url": i.excerpt.url,
         "content": i.content, "note": i.note, "text": i.text} for i in collection.items]}


def approaches_json(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """`kb approaches --json`: the ids --approach takes, with label and definition."""
    return [{"id": a.id, "label": a.label, "definition": a.definition} for a in taxonomy.approaches]


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def watch_json(watch: Watch) -> dict[str, Any]:
    """`kb watch list --json`: a saved search with the filters it sets and its address in the app."""
    chosen = {f.name: getattr(watch.filters, f.name) for f in fields(Filters)
              if getattr(watch.filters, f.name) not in ((), None, False)}
    return {"name": watch.name, "query": watch.query, "mode": watch.mode,
            "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in chosen.items()},
            "created": _when(watch.created), "seen_at": _when(watch.seen_at), "link": watch.app_link()}


def watch_run_json(run: WatchRun, titles: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """`kb watch run --json`: a saved search, how many cases match it, and those new since it was last seen."""
    return {**watch_json(run.watch), "matches": run.matches,
            "new": [{"case_id": c, "title": titles.get(c, ("", ""))[0], "document_title": titles.get(c, ("", ""))[1]}
                    for c in run.new]}


def ingest_json(report: IngestReport) -> dict[str, Any]:
    """`kb ingest --json`: the report's fields, each skipped file as its source and the reason."""
    return {**asdict(report), "skipped": [{"source": s, "reason": r} for s, r in report.skipped]}


def check_json(repaired: Sequence[str], found: Sequence[Finding]) -> dict[str, Any]:
    """`kb check --json`: whether the index is whole, what --repair mended, and each problem left."""
    return {"ok": not found, "repaired": list(repaired),
            "problems": [{"problem": f.problem, "repairable": f.repairable} for f in found]}


def model_json(name: str, path: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """One entry of `kb models --json`: a converted model's folder, licence and checked source."""
    return {"name": name, "path": path, "licence": manifest["licence"], "source": manifest["source"],
            "source_sha256": manifest["source_sha256"], "files": manifest["files"]}
