"""Score document metadata against a librarian's record: ../shared/eval/dev_documents.jsonl by default.

For each document: title (token F1 >= 0.8 with the title or an alternative), publisher (token F1 >= 0.6),
year (exact; a null gold year means the right answer is no year), doc_type (within the accepted types, the
product's richer types mapped onto the gold vocabulary), language, focus countries (set F1); for record
tables, each sampled row's year and countries. Prints a table per field and writes results/eval_documents.json.

    .venv/bin/python scripts/eval_documents.py [--gold scripts/eval/heldout_documents.jsonl] [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.doctypes import base_type  # noqa: E402
from kb.gazetteer import default_gazetteer  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402
from kb.tag import Tagger  # noqa: E402
from kb.taxonomy import load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared"
_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_]+", re.U)
FIELDS = ("title", "publisher", "year", "doc_type", "language", "focus_countries", "row_year", "row_countries")


def corpus_path(rel: str) -> Path:
    """Eval paths are relative to a root holding seeds/ and the shared corpus."""
    return ROOT / "corpus" / rel if rel.startswith("seeds/") else SHARED / "corpus" / rel


def token_f1(a: str, b: str) -> float:
    """Token F1 of two strings after lower-casing; CJK characters are tokens of their own."""
    ta, tb = _TOKEN.findall(a.lower()), _TOKEN.findall(b.lower())
    if not ta or not tb:
        return 0.0
    common = 0
    rest = list(tb)
    for t in ta:
        if t in rest:
            rest.remove(t)
            common += 1
    if not common:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def best_f1(value: str | None, gold: str | None, alternatives: list[str]) -> float:
    return max((token_f1(value or "", g) for g in [gold or "", *alternatives] if g), default=0.0)


def set_f1(pred: set[str], gold: set[str]) -> float:
    if not pred and not gold:
        return 1.0
    tp = len(pred & gold)
    return 2 * tp / (len(pred) + len(gold)) if tp else 0.0


def year_of(value: str | None) -> int | None:
    match = re.match(r"(\d{4})", value or "")
    return int(match.group(1)) if match else None


def score(row: dict, settings: Settings, tagger: Tagger) -> dict:
    raw, data = read_file(corpus_path(row["file"]), row["file"], settings)
    seg = prepare(raw, content_hash(data), settings)
    doc = seg.document
    tagged = tagger.tag(seg)
    focus = {t.value for t in tagged.document if t.kind == "country" and t.role == "focus"}
    out: dict = {"file": row["file"], "got": {"title": doc.title, "publisher": doc.publisher,
                                               "year": year_of(doc.published),
                                               "doc_type": doc.doc_type, "language": doc.language,
                                               "focus_countries": sorted(focus), "cases": len(seg.cases)}}
    checks: dict[str, float] = {}
    if row.get("title"):
        checks["title"] = float(best_f1(doc.title, row["title"], row.get("title_alternatives", [])) >= 0.8)
    if row.get("publisher"):
        publisher_f1 = best_f1(doc.publisher, row["publisher"], row.get("publisher_alternatives", []))
        checks["publisher"] = float(publisher_f1 >= 0.6)
    years = [row.get("year"), *row.get("year_alternatives", [])]
    checks["year"] = float(year_of(doc.published) in years)
    checks["doc_type"] = float(base_type(doc.doc_type) in [row["doc_type"], *row.get("doc_type_alternatives", [])])
    checks["language"] = float(doc.language == row["language"])
    checks["focus_countries"] = set_f1(focus, set(row["focus_countries"]))
    rows = row.get("record_rows") or []
    if rows:
        by_row = {dict(c.fields).get("row"): c for c in seg.cases}
        case_tags = dict(tagged.cases)
        row_year, row_countries, got_rows = [], [], []
        for gold in rows:
            case = by_row.get(str(gold["row"]))
            if case is None:
                row_year.append(0.0)
                row_countries.append(0.0)
                continue
            got_year = year_of(dict(case.fields).get("date"))
            countries = {t.value for t in case_tags.get(case.case_id, ()) if t.kind == "country" and t.role == "focus"}
            row_year.append(float(got_year == gold["year"]))
            row_countries.append(set_f1(countries, set(gold["countries"])))
            got_rows.append({"row": gold["row"], "title": case.title, "year": got_year, "countries": sorted(countries)})
        checks["row_year"] = sum(row_year) / len(row_year)
        checks["row_countries"] = sum(row_countries) / len(row_countries)
        out["got"]["rows"] = got_rows
    out["checks"] = checks
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(SHARED / "eval" / "dev_documents.jsonl"))
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_documents.json"))
    parser.add_argument("-v", "--verbose", action="store_true", help="print every document's misses")
    args = parser.parse_args()
    settings = Settings()
    tagger = Tagger(load_taxonomy(), default_gazetteer())
    rows = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [score(row, settings, tagger) for row in rows]
    totals: dict[str, list[float]] = defaultdict(list)
    for result, row in zip(results, rows):
        for field, value in result["checks"].items():
            totals[field].append(value)
        misses = [f for f, v in result["checks"].items() if v < 1]
        if args.verbose and misses:
            gold = {f: row.get(f) for f in ("title", "publisher", "year", "doc_type", "language", "focus_countries")}
            print(f"{row['file'][:70]}\n  misses {', '.join(misses)}"
                  f"\n  got  {json.dumps(result['got'], ensure_ascii=False)[:600]}"
                  f"\n  gold {json.dumps(gold, ensure_ascii=False)[:400]}")
    summary = {f: {"n": len(totals[f]), "score": round(sum(totals[f]) / len(totals[f]), 3)}
               for f in FIELDS if totals[f]}
    print(f"{'field':<18}{'n':>4}  score   (gold: {Path(args.gold).name}, {len(rows)} documents)")
    for field, s in summary.items():
        print(f"{field:<18}{s['n']:>4}  {s['score']:.3f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"gold": args.gold, "summary": summary, "documents": results},
                              indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
