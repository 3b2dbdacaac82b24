"""Peak memory and time of `kb ingest` over the hostile corpus of tests/hostile.py, with the real model.

    python scripts/bench_hostile.py [--big-mb 50] [--out results/bench_hostile.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import make_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=50, help="size of the one-line HTML page")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_hostile.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        good, bad = make_corpus(Path(tmp) / "corpus", args.big_mb)
        size = sum(p.stat().st_size for p in (Path(tmp) / "corpus").rglob("*") if p.is_file() and not p.is_symlink())
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(Path(tmp) / "corpus"), "--index",
                              str(Path(tmp) / "index"), "--json"], capture_output=True, text=True, cwd=ROOT)
        seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(run.stdout)
    row = {"files": len(good) + len(bad), "good": len(good), "bad": len(bad), "corpus_mb": round(size / 2**20, 1),
           "exit": run.returncode, "indexed": len(report["added"]), "skipped": len(report["skipped"]),
           "peak_rss_mb": round(peak_mb), "seconds": round(seconds, 1),
           "all_good_indexed": set(report["added"]) == good,
           "all_bad_named": {s["source"] for s in report["skipped"]} == bad}
    print(" ".join(f"{k:>16}" for k in row))
    print(" ".join(f"{str(v):>16}" for v in row.values()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(row, indent=1))
    return 0 if row["all_good_indexed"] and row["all_bad_named"] and row["exit"] == 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
