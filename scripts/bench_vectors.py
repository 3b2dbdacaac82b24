"""Vector search at 1M and 5M passages: the compressed index (ivf) beside exact search in the same run.

The vectors are synthetic, grown from a real index's (default results/eval-index, ~25k passages of the shared
corpus): each is a real passage's vector blended with another's and a little noise, renormalised, so they
keep the corpus's structure without exact copies. The queries are the real evaluation queries (dev and
held-out), encoded with the main model. For each size: build time, the recall@10 the build measured on its own
query-like vectors, the recall@10 of the real queries against exact search, p50/p95 of one query beside the
exact floor (a brute-force scan of the same vectors), bytes per vector of the saved index against float32,
and from those the projection to 15 million passages on one serving machine. Prints a table, writes
results/bench_vectors.json.

    .venv/bin/python scripts/bench_vectors.py [--sizes 1000000 5000000] [--source-index results/eval-index]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.index import VectorIndex  # noqa: E402
from kb.indexdir import STORE_FILE  # noqa: E402
from kb.store import Store  # noqa: E402

QUERY_FILES = [ROOT.parent / "shared" / "eval" / "dev_queries.jsonl",
               ROOT / "scripts" / "eval" / "heldout_queries.jsonl"]


def grown(base: np.ndarray, n: int, seed: int = 7) -> np.ndarray:
    """n unit vectors: the real ones, then blends of two real ones with noise (float32, built in slices)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[:len(base)] = base[:n]
    for start in range(len(base), n, 500_000):
        stop = min(start + 500_000, n)
        a = base[rng.integers(0, len(base), stop - start)]
        b = base[rng.integers(0, len(base), stop - start)]
        block = 0.8 * a + 0.2 * b + rng.normal(0, 0.02, a.shape).astype(np.float32)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def anon_mb() -> float:
    """The process's private (anonymous) resident memory in MB: what the page cache cannot give back."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentiles(times: list[float]) -> tuple[float, float]:
    return round(float(np.percentile(times, 50)) * 1000, 1), round(float(np.percentile(times, 95)) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--source-index", type=Path, default=ROOT / "results" / "eval-index")
    parser.add_argument("--target", type=int, default=15_000_000)
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_vectors.json"))
    args = parser.parse_args()
    store = Store(args.source_index / STORE_FILE, readonly=True)
    stored_ids, base = store.all_vectors()
    # What re-scoring adds in the product: the candidates' float32 vectors read from the store by id.
    rng, reads = np.random.default_rng(3), []
    for _ in range(100):
        pick = rng.choice(stored_ids, size=100, replace=False)
        t = time.perf_counter()
        store.passage_vectors(pick)
        reads.append(time.perf_counter() - t)
    store_read = dict(zip(("p50_ms", "p95_ms"), percentiles(reads)), candidates=100, passages=len(stored_ids))
    store.close()
    texts = [json.loads(line)["query"] for f in QUERY_FILES if f.is_file() for line in f.open(encoding="utf-8")]
    queries = load_embedder(Settings().main_model).encode_queries(texts)
    rows = []
    for n in args.sizes:
        vectors = grown(base, n)
        ids = np.arange(n, dtype=np.int64)
        started = time.monotonic()
        index = VectorIndex.build(ids, vectors, "ivf")
        build_s = time.monotonic() - started
        with tempfile.TemporaryDirectory() as tmp:
            index.save(Path(tmp) / "v.faiss")
            size = (Path(tmp) / "v.faiss").stat().st_size
            # The process's own memory for the saved index as kb loads it (memory-mapped) and read whole, after
            # the same queries: what a serving machine must hold beside the page cache.
            held = {}
            for label, flags in (("mapped", faiss.IO_FLAG_MMAP), ("read", 0)):
                before = anon_mb()
                loaded = VectorIndex(faiss.read_index(str(Path(tmp) / "v.faiss"), flags), "ivf")
                for query in queries:
                    loaded.search(query, 10)
                held[label] = round(anon_mb() - before)
                del loaded
        exact_times, ivf_times, overlap, refined_times, refined_overlap = [], [], [], [], []
        for query in queries:
            q = np.ascontiguousarray(query.reshape(1, -1))
            t = time.perf_counter()
            _, truth = faiss.knn(q, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
            exact_times.append(time.perf_counter() - t)
            index.exact_rows = None
            t = time.perf_counter()
            _, found = index.search(q, 10)
            ivf_times.append(time.perf_counter() - t)
            overlap.append(len(set(found[0].tolist()) & set(truth[0].tolist())) / 10)
            # Re-scored with the float32 vectors (here in memory; the store's read by id is timed apart).
            index.exact_rows = lambda ids, v=vectors: v[ids]
            t = time.perf_counter()
            _, found = index.search(q, 10)
            refined_times.append(time.perf_counter() - t)
            refined_overlap.append(len(set(found[0].tolist()) & set(truth[0].tolist())) / 10)
        rows.append({"passages": n, "build_s": round(build_s, 1), "build_recall_at_10": index.recall,
                     "query_recall_at_10": round(float(np.mean(overlap)), 4),
                     "ivf_p50_ms": percentiles(ivf_times)[0], "ivf_p95_ms": percentiles(ivf_times)[1],
                     "refined_recall_at_10": round(float(np.mean(refined_overlap)), 4),
                     "refined_p50_ms": percentiles(refined_times)[0], "refined_p95_ms": percentiles(refined_times)[1],
                     "exact_p50_ms": percentiles(exact_times)[0], "exact_p95_ms": percentiles(exact_times)[1],
                     "bytes_per_vector": round(size / n, 1), "float32_bytes_per_vector": vectors.shape[1] * 4,
                     "private_mb_mapped": held["mapped"], "private_mb_read": held["read"],
                     "queries": len(queries)})
        del vectors, index
    print(f"{'passages':>9} {'build s':>8} {'recall(build)':>13} {'recall(queries)':>15} {'ivf p50/p95 ms':>15} "
          f"{'recall(re-scored)':>17} {'re-scored p50/p95':>17} "
          f"{'exact p50/p95 ms':>17} {'B/vector':>9} {'float32 B':>9}")
    for r in rows:
        print(f"{r['passages']:>9} {r['build_s']:>8} {r['build_recall_at_10']:>13} {r['query_recall_at_10']:>15} "
              f"{str(r['ivf_p50_ms']) + ' / ' + str(r['ivf_p95_ms']):>15} {r['refined_recall_at_10']:>17} "
              f"{str(r['refined_p50_ms']) + ' / ' + str(r['refined_p95_ms']):>17} "
              f"{str(r['exact_p50_ms']) + ' / ' + str(r['exact_p95_ms']):>17} {r['bytes_per_vector']:>9} "
              f"{r['float32_bytes_per_vector']:>9}")
        print(f"{'':>9} index file {r['bytes_per_vector'] * r['passages'] / 1e6:,.0f} MB; the process's own memory "
              f"after loading it and the queries: {r['private_mb_mapped']:,} MB memory-mapped (as kb loads it), "
              f"{r['private_mb_read']:,} MB read whole")
    last = rows[-1]
    projection = {
        "target_passages": args.target,
        "index_gb": round(args.target * last["bytes_per_vector"] / 1e9, 1),
        "float32_gb": round(args.target * last["float32_bytes_per_vector"] / 1e9, 1),
        "assumptions": [
            f"bytes per vector as measured at {last['passages']:,} (codes, ids, lists; the HNSW graph of centroids "
            "grows with sqrt(n) and is a small share)",
            "query time of the lists grows about with sqrt(n) at the nprobe each build calibrates; exact search "
            "grows with n",
            "the SQLite store (text, FTS5, stored vectors) stays on disk and is read through the page cache",
        ],
    }
    print(f"\n{args.target:,} passages on one machine: the compressed main space takes about "
          f"{projection['index_gb']} GB of memory against {projection['float32_gb']} GB as float32")
    for line in projection["assumptions"]:
        print(f"  - {line}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"reading 100 candidates' float32 vectors from the store ({store_read['passages']:,} passages): "
          f"p50 / p95 {store_read['p50_ms']} / {store_read['p95_ms']} ms")
    out.write_text(json.dumps({"source_index": str(args.source_index), "runs": rows, "projection": projection,
                               "store_read_100": store_read}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
