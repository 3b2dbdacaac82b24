"""Many users of the HTTP API at once: `kb serve` with one worker process and with two, 1 and 20 clients.

    python scripts/bench_api.py --index results/eval-index [--workers 1,2] [--clients 1,20] [--out F]

Each round starts a fresh `kb serve` (so every query is new to it, as in scripts/bench_concurrency.py), waits
until every worker has loaded its models (8 warm-up searches per worker), then asks the 61 dev and held-out
queries once each from N client threads. The floor is one client against one worker in the same run:
throughput is given beside it as a ratio, as the machine is shared and noisy. Every answer (its case ids) is
compared with the floor's.
Memory is the resident size of the server's processes after the round. Prints a table, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY_FILES = [ROOT.parent / "shared" / "eval" / "dev_queries.jsonl",
               ROOT / "scripts" / "eval" / "heldout_queries.jsonl"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree(pid: int) -> list[int]:
    """pid and every process under it (read from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += [c for c, parent in parents.items() if parent == p]
    return out


def spawned(pid: int) -> list[int]:
    """The worker processes uvicorn spawned under pid."""
    out = []
    for p in tree(pid)[1:]:
        try:
            if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes():
                out.append(p)
        except OSError:
            continue
    return out


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the processes, in MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def ask(port: int, query: str) -> tuple[float, list[str]]:
    """Seconds one search took and the case ids it answered."""
    url = f"http://127.0.0.1:{port}/search?" + urllib.parse.urlencode({"q": query, "k": 10})
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:
        hits = json.loads(response.read())
    return time.perf_counter() - started, [h["case_id"] for h in hits]


def serve(index: str, workers: int) -> tuple[subprocess.Popen, int]:
    """A `kb serve` process whose every worker has loaded its models (each answered a warm-up search)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--index", index, "--port", str(port),
                                "--workers", str(workers), "--max-requests", "64"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            # Models load when a worker starts (the app's lifespan), so the port answers only once they are in.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=300):
                break
        except OSError:
            time.sleep(0.5)
    # Until each worker is up, the others take its requests: wait for as many as asked (uvicorn spawns them
    # through multiprocessing; one worker is the server process itself).
    while workers > 1 and len(spawned(process.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.5)
    # Each worker loads the other spaces' models on its first searches: warm them all with queries of their own.
    with ThreadPoolExecutor(8 * workers) as pool:
        list(pool.map(lambda n: ask(port, f"warm-up question {n} on rural livelihoods"), range(8 * workers)))
    time.sleep(2)
    return process, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--clients", default="1,20")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_api.json"))
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for path in QUERY_FILES
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows, floor_answers = [], {}
    for workers in [int(w) for w in args.workers.split(",")]:
        for clients in [int(c) for c in args.clients.split(",")]:
            process, port = serve(args.index, workers)
            try:
                started = time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    done = list(pool.map(ask, [port] * len(queries), queries))
                wall = time.perf_counter() - started
                memory = rss_mb(tree(process.pid))
            finally:
                process.terminate()
                process.wait(timeout=60)
            answers = dict(zip(queries, (ids for _, ids in done)))
            floor_answers = floor_answers or answers
            times = sorted(t for t, _ in done)
            rows.append({"workers": workers, "clients": clients, "queries": len(queries),
                         "throughput_qps": round(len(queries) / wall, 2),
                         "p50_ms": round(statistics.median(times) * 1000, 1),
                         "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 1),
                         "server_rss_mb": round(memory), "same_answers": answers == floor_answers})
    floor = rows[0]
    for row in rows:
        row["throughput_vs_floor"] = round(row["throughput_qps"] / floor["throughput_qps"], 2)
    print(f"{'workers':>7} {'clients':>7} {'q/s':>6} {'x floor':>7} {'p50 ms':>7} {'p95 ms':>7} {'RSS MB':>7}  same")
    for r in rows:
        print(f"{r['workers']:>7} {r['clients']:>7} {r['throughput_qps']:>6} {r['throughput_vs_floor']:>7} "
              f"{r['p50_ms']:>7} {r['p95_ms']:>7} {r['server_rss_mb']:>7}  {r['same_answers']}")
    report = {"index": args.index, "cpus": os.cpu_count(), "floor": "1 worker, 1 client, same run", "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
