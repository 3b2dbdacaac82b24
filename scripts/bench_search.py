"""Query latency and memory of search at 10k, 100k and 1M passages, beside the floor measured in the same run.

The floor is what no search can beat: the model's encode time for the query plus an exact FAISS search
over the same vectors. Passages beyond the real corpus are synthetic: a real passage's text, with a vector
that blends its vector with another real passage's and a little noise, renormalised. The vectors keep the
corpus's structure without near-duplicate copies (ten copies of one passage would make any approximate
top 10 disagree with the exact one by ties alone), and the keyword index keeps the corpus's vocabulary. At 1M
the approximate index (HNSW) is also compared with exact search: recall@10 of its top 10.

Prints a table and writes results/bench_search.json.

    .venv/bin/python scripts/bench_search.py [--sizes 10000 100000 1000000] [--source-index results/eval-index]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.index import VectorIndex  # noqa: E402
from kb.indexdir import FORMAT_VERSION, STORE_FILE  # noqa: E402
from kb.models import Case, Chunk, Document, Filters, Segmented  # noqa: E402
from kb.search import Searcher  # noqa: E402
from kb.store import Store  # noqa: E402

SHARED = ROOT.parent / "shared"
PER_DOC = 100


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def source_passages(index: Path) -> tuple[list[str], np.ndarray]:
    store = Store(index / STORE_FILE, readonly=True)
    ids, vectors = store.all_vectors()
    texts = {pid: c.text for pid, c in store.chunks()}
    store.close()
    return [texts[int(i)] for i in ids], vectors


def synthetic_index(folder: Path, n: int, texts: list[str], vectors: np.ndarray, seed: int = 7) -> float:
    """An index folder of n passages: real ones first, then perturbed copies, 100 per document; the seconds its
    FAISS index took to build."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    store = Store(folder / STORE_FILE)
    dim = vectors.shape[1]
    with store.transaction():
        for key, value in (("format_version", str(FORMAT_VERSION)), ("embedder", "all-MiniLM-L6-v2"),
                           ("dim", str(dim)), ("fingerprint", "synthetic")):
            store.set_meta(key, value)
        for d in range(0, n, PER_DOC):
            rows = list(range(d, min(n, d + PER_DOC)))
            base = [r % len(texts) for r in rows]
            vecs = vectors[base].copy()
            if d >= len(texts):
                partners = vectors[rng.integers(0, len(texts), len(base))]
                vecs = vecs + 0.7 * partners + rng.normal(0, 0.01, vecs.shape).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            doc_id = f"syn{d:08d}"
            parts, chunks, pos = [], [], 0
            for i, (row, b) in enumerate(zip(rows, base)):
                # Vectors are stored by a hash of the passage text: a copy needs its own text to keep its own
                # vector, so each synthetic passage ends with its row number.
                text = texts[b] if row < len(texts) else f"{texts[b]} [{row}]"
                chunks.append(Chunk(f"{doc_id}-{i // 10}", doc_id, i, pos, pos + len(text), text))
                parts.append(text)
                pos += len(text) + 2
            text = "\n\n".join(parts)
            cases = tuple(Case(f"{doc_id}-{c}", doc_id, c, f"Synthetic case {d + c}", ("s",),
                               chunks[c * 10].start, chunks[min(len(chunks), c * 10 + 10) - 1].end)
                          for c in range((len(chunks) + 9) // 10))
            doc = Document(doc_id, f"synthetic/{doc_id}.txt", f"Synthetic {d}", "txt", "report", "en", None, None,
                           doc_id, text)
            seg = Segmented(doc, cases, tuple(chunks))
            store.put(seg, vecs, None, [(c.case_id, "doc_type", "report") for c in cases])
    ids, matrix = store.all_vectors()
    store.close()
    kind = "hnsw" if n >= 1_000_000 else "exact"
    started = time.monotonic()
    VectorIndex.build(ids, matrix, kind).save(folder / "vectors.faiss")
    store = Store(folder / STORE_FILE)
    with store.transaction():
        store.set_meta("vectors_file", "vectors.faiss")
        store.set_meta("vectors_kind", kind)
    store.close()
    return time.monotonic() - started


def percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 95) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--source-index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--repeats", type=int, default=3, help="times each query is run")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_search.json"))
    parser.add_argument("--keep", default=None, help="folder where each size's synthetic index is kept and, when "
                        "there already, reused (a 1M index takes about 7 minutes to build); default: built anew")
    parser.add_argument("--warm", action="store_true", help="warm each searcher as the app and API do (kb.search's "
                        "warm: a first search, the dictionary, the commonest words' postings) before measuring")
    args = parser.parse_args()
    texts, vectors = source_passages(Path(args.source_index))
    query_lines = (SHARED / "eval" / "dev_queries.jsonl").read_text().splitlines()
    queries = [json.loads(line)["query"] for line in query_lines if line]
    embedder = load_embedder("all-MiniLM-L6-v2")
    embedder.encode(queries[:2])  # warm up the model
    rows = []
    for n in args.sizes:
        tmp = Path(args.keep) / str(n) if args.keep else Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
        try:
            t0 = time.monotonic()
            reused = (tmp / "index" / STORE_FILE).exists()
            index_seconds = 0.0 if reused else synthetic_index(tmp / "index", n, texts, vectors)
            build = None if reused else time.monotonic() - t0
            store = Store(tmp / "index" / STORE_FILE, readonly=True)
            ids, matrix = store.all_vectors()
            store.close()
            exact = VectorIndex.build(ids, matrix, "exact")
            before = rss_mb()
            searcher = Searcher(tmp / "index", Settings())
            t0 = time.monotonic()
            if args.warm:
                searcher.warm().result()
            else:
                searcher.search("warm up", k=10)
            warm_seconds = time.monotonic() - t0
            memory = rss_mb() - before
            floor, semantic, hybrid, filtered = [], [], [], []
            for _ in range(args.repeats):
                for q in queries:
                    t = time.perf_counter()
                    exact.search(embedder.encode([q]), 10)
                    floor.append(time.perf_counter() - t)
                    for mode, out in (("semantic", semantic), ("hybrid", hybrid)):
                        searcher.forget()
                        t = time.perf_counter()
                        searcher.search(q, k=10, mode=mode)
                        out.append(time.perf_counter() - t)
                    searcher.forget()
                    t = time.perf_counter()
                    searcher.search(q, k=10, filters=Filters(doc_type=("report",), year_from=None))
                    filtered.append(time.perf_counter() - t)
            # What the searches kept (words' postings, passages' places) counts too: memory after them all.
            searcher.read_words()
            memory_after = rss_mb() - before
            recall = None
            recall_by_ef: dict[int, float] = {}
            if searcher.vectors.kind == "hnsw":
                import faiss

                qv = embedder.encode(queries)
                _, exact_ids = exact.search(qv, 10)
                _, approx_ids = searcher.vectors.search(qv, 10)
                recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_ids, exact_ids)]))
                for ef in (32, 64, 128, 256):
                    _, ids_ef = searcher.vectors.index.search(qv, 10, params=faiss.SearchParametersHNSW(efSearch=ef))
                    recall_by_ef[ef] = round(float(np.mean([len(set(a) & set(e)) / 10
                                                            for a, e in zip(ids_ef, exact_ids)])), 3)
            searcher.close()
            row = {"passages": n, "index_kind": searcher.vectors.kind, "warmed": args.warm,
                   "warm_seconds": round(warm_seconds, 1),
                   "build_seconds": None if build is None else round(build, 1),
                   "faiss_build_seconds": round(index_seconds, 1), "memory_mb": round(memory, 1),
                   "memory_after_searches_mb": round(memory_after, 1),
                   "floor_p50_ms": round(percentiles(floor)[0], 2), "floor_p95_ms": round(percentiles(floor)[1], 2),
                   "semantic_p50_ms": round(percentiles(semantic)[0], 2),
                   "semantic_p95_ms": round(percentiles(semantic)[1], 2),
                   "hybrid_p50_ms": round(percentiles(hybrid)[0], 2), "hybrid_p95_ms": round(percentiles(hybrid)[1], 2),
                   "filtered_hybrid_p95_ms": round(percentiles(filtered)[1], 2), "hnsw_recall_at_10": recall,
                   "hnsw_recall_by_ef_search": recall_by_ef}
            row["hybrid_p95_over_floor_p95"] = round(row["hybrid_p95_ms"] / row["floor_p95_ms"], 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'passages':>9} {'kind':>6} {'warm s':>6} {'floor p50/p95':>14} {'semantic p50/p95':>17} "
          f"{'hybrid p50/p95':>15} "
          f"{'hyb/floor':>9} {'filtered p95':>12} {'memory MB':>9} {'after':>6} {'HNSW R@10':>9}")
    for r in rows:
        print(f"{r['passages']:>9,} {r['index_kind']:>6} "
              f"{format(r['warm_seconds'], '.1f') if r['warmed'] else '-':>6} "
              f"{r['floor_p50_ms']:>6.1f}/{r['floor_p95_ms']:<7.1f} "
              f"{r['semantic_p50_ms']:>8.1f}/{r['semantic_p95_ms']:<8.1f} "
              f"{r['hybrid_p50_ms']:>6.1f}/{r['hybrid_p95_ms']:<8.1f} "
              f"{r['hybrid_p95_over_floor_p95']:>9.2f} {r['filtered_hybrid_p95_ms']:>12.1f} {r['memory_mb']:>9.0f} "
              f"{r['memory_after_searches_mb']:>6.0f} "
              f"{'' if r['hnsw_recall_at_10'] is None else format(r['hnsw_recall_at_10'], '.3f'):>9}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"queries": len(queries), "repeats": args.repeats, "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
