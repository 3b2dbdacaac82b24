"""A new query on a real index: hybrid search latency with every cache cleared, beside its floor, in one run.

    .venv/bin/python scripts/bench_query.py [--index results/eval-index] [--repeats 3] [--out results/bench_query.json]

The floor is the main model's encode of the query plus an exact search over the same vectors (the index's own,
and for reference FAISS's flat search). Caches of
query vectors and of matching cases are cleared before each search, as for a query nobody asked before; the
"new words" column clears the words' postings too (kb.keywords keeps them as the index's, like its statistics).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from kb.search import Searcher  # noqa: E402

DEV_QUERIES = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"


def _summary(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_query.json"))
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in DEV_QUERIES.read_text(encoding="utf-8").splitlines() if line]
    searcher = Searcher(args.index, load_settings())
    for q in queries[:5]:
        searcher.search(q, 10)  # load the models and the index
    hybrid, new_words, floor, faiss_floor = [], [], [], []
    for _ in range(args.repeats):
        for q in queries:
            searcher.forget(words=True)  # as if no query before had used its words (kb.keywords)
            started = time.perf_counter()
            searcher.search(q, 10)
            new_words.append((time.perf_counter() - started) * 1000)
    for q in queries * 2:  # a word's postings are kept from its second use on (kb.keywords)
        searcher.forget()
        searcher.search(q, 10)
    searcher.read_words()
    for _ in range(args.repeats):
        for q in queries:
            searcher.forget()
            started = time.perf_counter()
            searcher.search(q, 10)
            hybrid.append((time.perf_counter() - started) * 1000)
            searcher.vectors.forget()  # the floor scores the vectors itself, as a new query does
            started = time.perf_counter()
            vector = np.asarray(searcher.embedder.encode_queries([q]), dtype=np.float32)
            searcher.vectors.search(vector, 10, None)
            floor.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()  # the same floor with FAISS's own flat search, for reference
            vector = np.asarray(searcher.embedder.encode_queries([q]), dtype=np.float32)
            searcher.vectors.index.search(vector, 10)
            faiss_floor.append((time.perf_counter() - started) * 1000)
    passages = searcher.vectors.index.ntotal
    searcher.close()
    row = {"passages": passages, "queries": len(queries) * args.repeats, "hybrid": _summary(hybrid),
           "hybrid_new_words": _summary(new_words), "floor": _summary(floor), "floor_faiss_flat": _summary(faiss_floor)}
    row["p95_over_floor"] = round(row["hybrid"]["p95_ms"] / row["floor"]["p95_ms"], 2)
    row["new_words_p95_over_floor"] = round(row["hybrid_new_words"]["p95_ms"] / row["floor"]["p95_ms"], 2)
    print(f"{'passages':>9} {'queries':>8} {'hybrid p50/p95':>16} {'new words p50/p95':>18} {'floor p50/p95':>15} "
          f"{'p95/floor':>10} {'FAISS-flat floor':>17}")
    print(f"{passages:>9,} {row['queries']:>8} {row['hybrid']['p50_ms']:>7}/{row['hybrid']['p95_ms']:<8} "
          f"{row['hybrid_new_words']['p50_ms']:>9}/{row['hybrid_new_words']['p95_ms']:<8} "
          f"{row['floor']['p50_ms']:>6}/{row['floor']['p95_ms']:<8} "
          f"{row['p95_over_floor']:>4} ({row['new_words_p95_over_floor']}) "
          f"{row['floor_faiss_flat']['p50_ms']:>8}/{row['floor_faiss_flat']['p95_ms']:<8}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(row, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
