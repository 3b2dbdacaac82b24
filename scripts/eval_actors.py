"""Score the compare page's actors: of the names it shows for a sample of cases, how many name a body.

A fixed sample of cases of an index (300 by default, drawn with a fixed seed from its sorted case ids) is profiled
as the compare page profiles them (kb.compare.profile); each actor shown is looked up in
scripts/eval/actor_labels.json, names judged by hand to be a body or programme ("actors") or not ("not_actors":
a thing's acronym, a document, a person run into a body, a table's lines run together, a name cut short).
Cases are split in halves by a hash of their id: the rules of kb/figures.py were read off the first half's
errors ("tune"), the second ("held") was only scored. A name no label covers is counted apart, as unlabelled:
label it before trusting a change that shows it.

    .venv/bin/python scripts/eval_actors.py [--index results/eval-index] [--cases 300] [--out FILE]
                                            [--same-cases EARLIER.json]

The sample is drawn again whenever the index's number of cases changes; --same-cases profiles the cases of an
earlier run instead (those still in the index), so that a change is scored on the names that were labelled.

The eval index is the one scripts/eval_search.py builds (the seeds plus the shared corpus).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.compare import profile  # noqa: E402
from kb.indexdir import open_store  # noqa: E402

LABELS = ROOT / "scripts" / "eval" / "actor_labels.json"


def half(case_id: str) -> str:
    """The half a case falls in, by a hash of its id."""
    return "tune" if int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 2 == 0 else "held"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_actors.json"))
    parser.add_argument("--same-cases", help="an earlier run's JSON: profile its cases, not a new sample")
    args = parser.parse_args()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    good, bad = set(labels["actors"]), set(labels["not_actors"])
    store = open_store(Path(args.index))
    started = time.perf_counter()
    try:
        ids = sorted(case.case_id for case in store.cases())
        if args.same_cases:
            earlier = json.loads(Path(args.same_cases).read_text(encoding="utf-8"))["shown"]
            present = set(ids)
            sample = [case_id for case_id in earlier if case_id in present]
        else:
            random.seed(args.seed)
            sample = random.sample(ids, min(args.cases, len(ids)))
        shown = {case_id: list(profile(store, case_id).actors) for case_id in sample}
    finally:
        store.close()
    report: dict[str, dict] = {}
    for part in ("tune", "held"):
        names = [name for case_id, found in shown.items() if half(case_id) == part for name in found]
        real = sum(name in good for name in names)
        junk = sum(name in bad for name in names)
        unlabelled = sorted({name for name in names if name not in good and name not in bad})
        report[part] = {"cases": sum(half(c) == part for c in shown), "shown": len(names), "actors": real,
                        "not_actors": junk, "precision": round(real / max(1, real + junk), 3),
                        "unlabelled": unlabelled}
    print(f"{'half':6s} {'cases':>5s} {'shown':>5s} {'actors':>6s} {'not':>4s} {'precision':>9s} {'unlabelled':>10s}")
    for part, row in report.items():
        print(f"{part:6s} {row['cases']:5d} {row['shown']:5d} {row['actors']:6d} {row['not_actors']:4d} "
              f"{row['precision']:9.3f} {len(row['unlabelled']):10d}")
        if row["unlabelled"]:
            print("       unlabelled:", "; ".join(row["unlabelled"]))
    seconds = round(time.perf_counter() - started, 1)
    out = {"index": args.index, "cases": len(shown), "seed": args.seed, "seconds": seconds, **report, "shown": shown}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
