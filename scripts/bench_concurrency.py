"""Many users at once: latency and throughput of one shared Searcher under 1, 5, 10 and 20 threads.

    python scripts/bench_concurrency.py --index results/eval-index [--queries 60] [--out results/bench_concurrency.json]

Every threaded answer is compared with the serial answer to the same query; the table says whether all
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
from kb.search import Searcher, SearchRules  # noqa: E402

DEV_QUERIES = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--threads", default="1,5,10,20")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_concurrency.json"))
    parser.add_argument("--cached", action="store_true",
                        help="keep query vectors (as the app does); by default every search encodes its text anew")
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in DEV_QUERIES.read_text(encoding="utf-8").splitlines() if line]
    queries = (queries * (args.queries // len(queries) + 1))[:args.queries]
    searcher = Searcher(args.index, load_settings(), SearchRules() if args.cached else SearchRules(query_cache=0))
    answer = lambda q: [(h.case_id, h.score) for h in searcher.search(q, 10).hits]  # noqa: E731
    serial = {q: answer(q) for q in set(queries)}  # also warms the model and caches

    def one(q: str) -> tuple[float, bool]:
        """One threaded search: its latency in ms and whether it answered as the serial search did."""
        started = time.perf_counter()
        got = answer(q)
        return (time.perf_counter() - started) * 1000, got == serial[q]

    rows = []
    for threads in (int(t) for t in args.threads.split(",")):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            timed = list(pool.map(one, queries))
        wall = time.perf_counter() - started
        latencies = sorted(ms for ms, _ in timed)
        same = all(ok for _, ok in timed)
        rows.append({"threads": threads, "queries": len(queries), "qps": round(len(queries) / wall, 1),
                     "p50_ms": round(statistics.median(latencies), 1),
                     "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1), "same_as_serial": same})
    searcher.close()
    print(f"{'threads':>7} {'queries':>7} {'q/s':>6} {'p50 ms':>8} {'p95 ms':>8}  same as serial")
    for r in rows:
        print(f"{r['threads']:>7} {r['queries']:>7} {r['qps']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8}  "
              f"{r['same_as_serial']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"index": args.index, "cached": args.cached, "rows": rows}, indent=1))
    return 0 if all(r["same_as_serial"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
