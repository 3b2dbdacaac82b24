"""Score the grouping of cases published more than once on labelled pairs of real cases.

scripts/eval/duplicate_pairs.jsonl names pairs of cases by (source, case title): the same government work
report as a text file and as a row of the reports table (duplicates), and hard negatives: the same article of
two loan agreements written from one template, the same section of two years' reports, a project and its
additional financing or next phase (same country, near-identical text), two countries' strategies from one
template. Every file of the folders those pairs come from is read, so that runs shared across documents are
counted as they would be in an index. Precision and recall are over the labelled pairs (a pair is predicted a
duplicate when its two cases end in one group); the loan-agreement negatives chose the containment threshold,
so the other negatives are reported apart as held out.

    .venv/bin/python scripts/eval_dedup.py [--set containment=0.8 ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.corpus import walk_corpus  # noqa: E402
from kb.duplicates import CaseText, DuplicateRules, duplicate_groups  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
TUNED_ON = "template: the same article of two loan agreements"


def cases_of(folders: list[str], settings: Settings) -> tuple[list[CaseText], dict[tuple[str, str], list[str]]]:
    """Every case of every file in the folders, and (source, title) -> its case ids."""
    cases: list[CaseText] = []
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for folder in folders:
        files, _ = walk_corpus(SHARED / folder, settings)
        for path, rel in files:
            source = f"{folder}/{rel}"
            raw, data = read_file(path, source, settings)
            seg = prepare(raw, content_hash(data), settings)
            text = seg.document.text
            for case in seg.cases:
                cases.append(CaseText(case.case_id, case.doc_id, text[case.start:case.end],
                                      dict(case.fields).get("url", ""), case.title, bool(case.fields)))
                named[(source, case.title)].append(case.case_id)
    return cases, named


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(ROOT / "scripts" / "eval" / "duplicate_pairs.jsonl"))
    parser.add_argument("--set", nargs="*", default=[], help="override a DuplicateRules value, e.g. containment=0.8")
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_dedup.json"))
    args = parser.parse_args()
    rules = DuplicateRules()
    for item in args.set:
        key, value = item.split("=", 1)
        rules = dataclasses.replace(rules, **{key: type(getattr(rules, key))(float(value))})
    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    folders = sorted({g[side][0].split("/")[0] for g in gold for side in ("a", "b")})
    started = time.monotonic()
    cases, named = cases_of(folders, Settings())
    read = time.monotonic() - started
    started = time.monotonic()
    groups = duplicate_groups(cases, rules)
    grouped = time.monotonic() - started
    group_of = {case: group for case, (group, _) in groups.items()}
    by_kind: dict[str, Counter] = defaultdict(Counter)
    missing = []
    for g in gold:
        a, b = named.get(tuple(g["a"]), []), named.get(tuple(g["b"]), [])
        if not a or not b:
            missing.append(g)
            continue
        predicted = any(group_of.get(x) is not None and group_of.get(x) == group_of.get(y) for x in a for y in b)
        by_kind[g["kind"]][("tp" if predicted else "fn") if g["duplicate"] else ("fp" if predicted else "tn")] += 1
    total = sum(by_kind.values(), Counter())
    held = sum((c for kind, c in by_kind.items() if kind != TUNED_ON), Counter())

    def pr(c: Counter) -> dict[str, float | int]:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return {"precision": round(p, 3), "recall": round(r, 3), **{k: c[k] for k in ("tp", "fp", "fn", "tn")}}

    labelled = {(x, y) for g in gold for x in named.get(tuple(g["a"]), []) for y in named.get(tuple(g["b"]), [])}
    members: dict[str, list[str]] = defaultdict(list)
    for case, group in group_of.items():
        members[group].append(case)
    doc_of = {c.case_id: c.doc_id for c in cases}
    # Pairs of different documents only: a report's sections share a group through the report's other copy.
    unlabelled = sum(1 for m in members.values() for i, x in enumerate(m) for y in m[i + 1:]
                     if doc_of[x] != doc_of[y] and (x, y) not in labelled and (y, x) not in labelled)
    result = {"rules": dataclasses.asdict(rules), "cases": len(cases), "folders": folders,
              "groups": len(members), "grouped_cases": len(group_of), "pairs_in_groups_not_labelled": unlabelled,
              "all": pr(total), "without_the_tuning_negatives": pr(held),
              "by_kind": {kind: dict(c) for kind, c in by_kind.items()}, "missing_pairs": len(missing),
              "seconds_reading": round(read, 1), "seconds_grouping": round(grouped, 1)}
    print(f"{len(cases)} cases of {', '.join(folders)}; {len(members)} groups holding {len(group_of)} cases "
          f"({grouped:.1f} s)")
    print(f"{'kind':96} {'tp':>4} {'fn':>4} {'fp':>4} {'tn':>4}")
    for kind, c in by_kind.items():
        print(f"{kind[:96]:96} {c['tp']:4d} {c['fn']:4d} {c['fp']:4d} {c['tn']:4d}")
    for name, key in (("all labelled pairs", "all"), ("held out (not the loan-agreement negatives)",
                                                      "without_the_tuning_negatives")):
        r = result[key]
        print(f"{name:46} precision {r['precision']:.3f}  recall {r['recall']:.3f}")
    print(f"pairs inside groups that no label covers: {unlabelled}; labelled pairs not found: {len(missing)}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
