"""Many users at once: latency and throughput of one shared Searcher under 1, 5, 10 and 20 threads.

    python scripts/bench_concurrency.py --index results/eval-index [--out results/bench_concurrency.json] [--cached]

The 61 dev and held-out queries, each asked once per round; each round (1, 5, 10, 20 threads) gets a fresh
Searcher whose models are loaded and warm, so every query is new to it and encodes its texts once, as a new
query does in the app. `--cached` asks them all once before timing (what a filter or page change costs);
`--warm` warms each round's Searcher as the app and `kb serve` warm theirs (kb.search's warm) before timing.
Every threaded answer is compared with the serial answer of another Searcher; the table says whether all
matched. Streamlit runs each session's script in its own thread, and they all share the one Searcher.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from kb.search import Searcher  # noqa: E402

QUERY_FILES = [ROOT.parent / "shared" / "eval" / "dev_queries.jsonl",
               ROOT / "scripts" / "eval" / "heldout_queries.jsonl"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--threads", default="1,5,10,20")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_concurrency.json"))
    parser.add_argument("--cached", action="store_true",
                        help="ask every query once before timing (the app then keeps its vectors and matches)")
    parser.add_argument("--warm", action="store_true",
                        help="warm each round's searcher as the app does (a first search, the dictionary, the "
                        "commonest words' postings) before timing")
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for path in QUERY_FILES
               for line in path.read_text(encoding="utf-8").splitlines() if line]
    settings = load_settings()

    def answer(searcher: Searcher, q: str) -> list[tuple[str, float]]:
        return [(h.case_id, h.score) for h in searcher.search(q, 10).hits]

    reference = Searcher(args.index, settings)
    serial = {q: answer(reference, q) for q in queries}  # also loads the models, shared by later Searchers
    reference.close()
    rows = []
    for threads in (int(t) for t in args.threads.split(",")):
        searcher = Searcher(args.index, settings)
        answer(searcher, "warm up the index and the models")
        if args.warm:
            searcher.warm().result()
        if args.cached:
            for q in queries:
                answer(searcher, q)

        def one(q: str, searcher: Searcher = searcher) -> tuple[float, bool]:
            """One threaded search: its latency in ms and whether it answered as the serial search did."""
            started = time.perf_counter()
            got = answer(searcher, q)
            return (time.perf_counter() - started) * 1000, got == serial[q]

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            timed = list(pool.map(one, queries))
        wall = time.perf_counter() - started
        searcher.close()
        latencies = sorted(ms for ms, _ in timed)
        same = all(ok for _, ok in timed)
        rows.append({"threads": threads, "queries": len(queries), "qps": round(len(queries) / wall, 1),
                     "p50_ms": round(statistics.median(latencies), 1),
                     "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1), "same_as_serial": same})
    print(f"{'threads':>7} {'queries':>7} {'q/s':>6} {'p50 ms':>8} {'p95 ms':>8}  same as serial")
    for r in rows:
        print(f"{r['threads']:>7} {r['queries']:>7} {r['qps']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8}  "
              f"{r['same_as_serial']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"index": args.index, "cached": args.cached, "warm": args.warm,
                                          "rows": rows}, indent=1))
    return 0 if all(r["same_as_serial"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
