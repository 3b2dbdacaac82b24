"""How well "N cases match" counts and the grades tell: for each query, whether its relevant files' cases are
among the cases said to match well (recall), how many cases match, and how many match queries about nothing in
the corpus; of the top 10 hits, the share of those graded strong that come from a relevant file (a lower bound:
the gold names the files that answer, not every one that does) and the shares of a relevant file's hits graded
weak and strong. The dev queries are scored in their tuning two thirds and held-out third, as in scripts/eval_search.py.

    python scripts/eval_matching.py [--index results/eval-index] [--out results/eval_matching.json]

Query sets: the dev queries (../shared/eval/dev_queries.jsonl), the held-out queries (scripts/eval/
heldout_queries.jsonl) and nonsense queries written for the relevance calibration (kb/relevance.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"
SETS = {"dev-tune": DEV, "dev-heldout": DEV, "heldout": ROOT / "scripts" / "eval" / "heldout_queries.jsonl"}
NONSENSE = ("xyzzyq plugh", "football world cup final score", "how to cook pasta", "quantum chromodynamics lattice",
            "best smartphone camera 2024", "medieval castle architecture", "jazz saxophone solo technique",
            "volcanic eruption on mars", "knitting patterns for scarves", "formula one racing tyres")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_matching.json"))
    args = parser.parse_args()

    from kb.models import Filters
    from kb.search import Searcher

    searcher = Searcher(args.index)
    case_file = {c.case_id: d["source"]
                 for d in searcher.store.documents() for c in searcher.store.cases(doc_id=d["doc_id"])}
    report: dict[str, dict] = {}
    for name, path in SETS.items():
        recalls, sizes = [], []
        strong = {"relevant": 0, "all": 0}
        relevant_hits = {"weak": 0, "strong": 0, "all": 0}
        for n, line in enumerate(t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()):
            if name.startswith("dev") and (n % 3 == 2) != (name == "dev-heldout"):
                continue  # the held-out third is every third query (d03, d06, ...), as in eval_search.py
            q = json.loads(line)
            files = {r["file"] for r in q["relevant"]}
            result = searcher.search(q["query"], 10, "hybrid", Filters())
            matching = searcher.matching(searcher.plan(q["query"]), "hybrid")
            found = {case_file[c] for c in matching if c in case_file}
            recalls.append(len(files & found) / len(files))
            sizes.append(result.matches)
            for hit in result.hits:
                if hit.relevance == "strong":
                    strong["all"] += 1
                    strong["relevant"] += hit.source in files
                if hit.source in files:
                    relevant_hits["all"] += 1
                    relevant_hits["weak"] += hit.relevance == "weak"
                    relevant_hits["strong"] += hit.relevance == "strong"
        report[name] = {"queries": len(recalls), "file_recall": round(statistics.mean(recalls), 3),
                        "median_matches": statistics.median(sizes), "none_match": sum(1 for s in sizes if not s),
                        "strong_relevant": round(strong["relevant"] / max(strong["all"], 1), 3),
                        "strong_hits": strong["all"],
                        "relevant_weak": round(relevant_hits["weak"] / max(relevant_hits["all"], 1), 3),
                        "relevant_strong": round(relevant_hits["strong"] / max(relevant_hits["all"], 1), 3)}
    nonsense = [searcher.search(q, 10).matches for q in NONSENSE]
    report["nonsense"] = {"queries": len(NONSENSE), "median_matches": statistics.median(nonsense),
                          "none_match": sum(1 for n in nonsense if not n), "matches": nonsense}
    print(f"{'set':12} {'queries':>7} {'recall':>7} {'median N':>9} {'none':>5} {'strong: relevant':>17} "
          f"{'relevant: weak':>15} {'strong':>7}")
    for name, r in report.items():
        strong_share = f"{r['strong_relevant']} of {r['strong_hits']}" if "strong_hits" in r else ""
        print(f"{name:12} {r['queries']:7} {r.get('file_recall', ''):>7} {r['median_matches']:9} {r['none_match']:5} "
              f"{strong_share:>17} {r.get('relevant_weak', ''):>15} {r.get('relevant_strong', ''):>7}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
