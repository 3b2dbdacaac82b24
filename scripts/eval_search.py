"""Run ../shared/eval/dev_queries.jsonl against an index of corpus/ plus ../shared/corpus/.

Prints MRR@10, Recall@5, Recall@10 and nDCG@10 for keyword, semantic and hybrid search side by side,
overall (without the cross_lingual kind, and with it) and per query kind, and writes
results/eval_search.json with every query's ranks. A hit is relevant when it comes from the listed file
and its passage contains one of the listed answer phrases (case-insensitive, whitespace-normalised);
a relevant file counts once, at its best rank.

    .venv/bin/python scripts/eval_search.py [--index results/eval-index] [--set keyword_weight=1.5 ...]

The index is built (or brought up to date, which is quick when nothing changed) from a folder of
symbolic links that puts seeds/ beside the shared collections, as the evaluation paths expect.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.models import Filters  # noqa: E402
from kb.pipeline import ingest  # noqa: E402
from kb.search import Searcher, SearchRules  # noqa: E402

SHARED = ROOT.parent / "shared"
K = 10


def eval_corpus(folder: Path) -> Path:
    """A folder of links: seeds/ and each shared collection, as the evaluation's relative paths expect."""
    folder.mkdir(parents=True, exist_ok=True)
    links = {"seeds": ROOT / "corpus" / "seeds"}
    links.update({p.name: p for p in (SHARED / "corpus").iterdir() if p.is_dir()})
    for name, target in links.items():
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(target.resolve(), target_is_directory=True)
    return folder


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def score_query(query: dict, hits: list) -> dict:
    """Best rank of each relevant file, and the query's metrics."""
    best: dict[str, int] = {}
    for hit in hits:
        text = _norm(hit.text)
        for rel in query["relevant"]:
            if hit.source == rel["file"] and any(_norm(a) in text for a in rel["answer"]):
                best.setdefault(rel["file"], hit.rank)
    files = [r["file"] for r in query["relevant"]]
    ranks = sorted(best.values())
    dcg = sum(1 / math.log2(r + 1) for r in ranks if r <= K)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(files), K)))
    return {
        "mrr": 1 / ranks[0] if ranks and ranks[0] <= K else 0.0,
        "recall5": sum(1 for r in ranks if r <= 5) / len(files),
        "recall10": sum(1 for r in ranks if r <= K) / len(files),
        "ndcg": dcg / ideal if ideal else 0.0,
        "ranks": best,
    }


def mean(rows: list[dict], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 3) if rows else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--corpus", default=str(ROOT / "results" / "eval-corpus"))
    parser.add_argument("--set", nargs="*", default=[], help="override a SearchRules value, e.g. rrf_k=30")
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_search.json"))
    args = parser.parse_args()
    settings = Settings()
    started = time.monotonic()
    report = ingest(eval_corpus(Path(args.corpus)), args.index, settings)
    build_seconds = time.monotonic() - started
    rules = SearchRules(**{k: v if k == "fusion" else float(v) if "." in v else int(v)
                           for k, v in (s.split("=", 1) for s in args.set)})
    # Each variant: (name, searcher, mode); hybrid-rrf shows the reciprocal rank fusion the default replaced.
    rrf = Searcher(args.index, settings, SearchRules(**{**rules.__dict__, "fusion": "rrf"}))
    searcher = Searcher(args.index, settings, rules)
    variants = [("keyword", searcher, "keyword"), ("semantic", searcher, "semantic"), ("hybrid", searcher, "hybrid"),
                ("hybrid-rrf", rrf, "hybrid")]
    MODES = [name for name, _, _ in variants]
    queries = [json.loads(line) for line in (SHARED / "eval" / "dev_queries.jsonl").read_text().splitlines() if line.strip()]
    results: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for query in queries:
        f = query.get("filters") or {}
        filters = Filters(approach=tuple(f.get("approach", ())), country=tuple(f.get("country", ())))
        for name, engine, mode in variants:
            hits = list(engine.search(query["query"], k=K, mode=mode, filters=filters).hits)
            results[name].append({"id": query["id"], "kind": query["kind"], **score_query(query, hits)})
    kinds = sorted({q["kind"] for q in queries})
    groups = {"all but cross_lingual": lambda r: r["kind"] != "cross_lingual", "all": lambda r: True}
    groups.update({kind: (lambda kind: lambda r: r["kind"] == kind)(kind) for kind in kinds})
    summary = {}
    print(f"{'':<29}" + "".join(f"{m:<29}" for m in MODES))
    print(f"{'queries':<24}{'n':>3}  " + "".join(f"{'nDCG  R@10  MRR   R@5':<29}" for _ in MODES))
    for name, keep in groups.items():
        row = {}
        for mode in MODES:
            chosen = [r for r in results[mode] if keep(r)]
            row[mode] = {"n": len(chosen), "ndcg10": mean(chosen, "ndcg"), "recall10": mean(chosen, "recall10"),
                         "mrr10": mean(chosen, "mrr"), "recall5": mean(chosen, "recall5")}
        summary[name] = row
        n = row["hybrid"]["n"]
        print(f"{name:<24}{n:>3}  " + "".join(
            f"{row[m]['ndcg10']:.3f} {row[m]['recall10']:.3f} {row[m]['mrr10']:.3f} {row[m]['recall5']:.3f}  "
            for m in MODES))
    missed = [r["id"] for r in results["hybrid"] if r["recall10"] < 1]
    print(f"hybrid misses a relevant file in the top 10 for: {', '.join(missed) or 'none'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rules": rules.__dict__, "index": {"passages": report.passages, "documents": report.documents,
                                                                  "build_seconds": round(build_seconds, 1)},
                               "summary": summary, "queries": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
