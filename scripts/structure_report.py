"""Per document: title, publisher, year, type, cases, median case length and passages by kind; flags the
documents whose case count or title looks wrong. Prints a table and writes results/structure_report.json.

    .venv/bin/python scripts/structure_report.py [FOLDER ...]   (default: corpus/ and ../shared/corpus/)

Flags: many cases for a document that is not a table (> 40), tiny median cases (< 400 characters), a
title that is a file name or a boilerplate word, no year, more than half of the passages not prose.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from scripts.common import DEFAULT_ROOTS, prepared_documents  # noqa: E402

MAX_CASES = 40
MIN_MEDIAN = 400


def flags(doc: dict) -> list[str]:
    out = []
    if doc["doc_type"] != "record" and doc["cases"] > MAX_CASES:
        out.append(f"{doc['cases']} cases")
    if doc["doc_type"] != "record" and doc["cases"] > 1 and doc["median_case_chars"] < MIN_MEDIAN:
        out.append("tiny cases")
    if doc["title_from"] in ("file_name", "first_sentence"):
        out.append(f"title from {doc['title_from']}")
    if not doc["year"]:
        out.append("no year")
    if doc["passages"] and doc["kinds"].get("prose", 0) < doc["passages"] / 2:
        out.append("mostly not prose")
    return out


def main() -> None:
    settings = load_settings()
    roots = [Path(a) for a in sys.argv[1:]] or DEFAULT_ROOTS
    docs = []
    for source, seg, reason in prepared_documents(roots, settings):
        if seg is None:
            print(f"skipped {source}: {reason}")
            continue
        d = seg.document
        lengths = [c.end - c.start for c in seg.cases]
        row = {"source": source, "title": d.title, "publisher": d.publisher, "year": (d.published or "")[:4],
               "doc_type": d.doc_type, "language": d.language, "cases": len(seg.cases),
               "median_case_chars": int(statistics.median(lengths)) if lengths else 0,
               "passages": len(seg.chunks), "kinds": dict(Counter(c.kind for c in seg.chunks)),
               "title_from": dict(d.provenance).get("title", ""), "case_titles": [c.title for c in seg.cases[:60]]}
        row["flags"] = flags(row)
        docs.append(row)
    print(f"{'source':<58} {'type':<11} {'year':<5} {'cases':>5} {'median':>6} {'pass':>5} {'prose':>6}  title / flags")
    for doc in docs:
        prose = doc["kinds"].get("prose", 0) / max(doc["passages"], 1)
        print(f"{doc['source'][:58]:<58} {doc['doc_type']:<11} {doc['year'] or '-':<5} {doc['cases']:>5} "
              f"{doc['median_case_chars']:>6} {doc['passages']:>5} {prose:>6.0%}  {doc['title'][:50]}"
              + (f"  [{'; '.join(doc['flags'])}]" if doc["flags"] else ""))
    flagged = [d for d in docs if d["flags"]]
    print(f"{len(docs)} documents, {sum(d['cases'] for d in docs)} cases, {len(flagged)} flagged")
    out = ROOT / "results" / "structure_report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(docs, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
