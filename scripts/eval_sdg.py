"""Score the SDG tagger: per-goal precision, recall and F1, and their mean over the 17 goals.

Two sets, each split in halves so that a change tuned on one half is checked on the other:
- the South-South records of ../shared/corpus (their authors chose the goals: the "Primary" and "Secondary SDG
  Contribution" columns), each tagged from its text with the SDG columns hidden; odd rows tune, even rows hold out;
- short labelled snippets (scripts/eval/sdg_snippets.jsonl, two or three sentences, about half of them negatives
  near a goal's topic), each tagged as a one-page document; of each goal's four lines, the first two tune and the
  last two hold out;
- 51 World Bank projects (60 rows, some listed twice) labelled blind with the goals each sets out to change
  (scripts/eval/sdg_wb_records.jsonl), tagged as ingest tags them; odd projects tune, even ones hold out.

Prints a table and writes results/eval_sdg.json.

    .venv/bin/python scripts/eval_sdg.py [--set passage_threshold=0.9 ...] [--snippets FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.enrich import Enricher  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402
from kb.tag import Themes, sdg_column, tag_rules  # noqa: E402

SHARED = ROOT.parent / "shared"
RECORDS = "undp-south-south-cases/south_south_projects.csv"
GOALS = [f"sdg{n}" for n in range(1, 18)]


def prf(c: Counter) -> dict[str, float]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3),
            "tp": tp, "fp": fp, "fn": fn}


def score(pairs: list[tuple[set[str], set[str]]]) -> dict:
    """Per-goal counts over (predicted, gold) pairs; the mean F1 is over goals that occur in gold or predictions."""
    per = {g: Counter() for g in GOALS}
    for predicted, gold in pairs:
        for g in GOALS:
            per[g].update(tp=int(g in predicted and g in gold), fp=int(g in predicted and g not in gold),
                          fn=int(g not in predicted and g in gold))
    goals = {g: prf(c) for g, c in per.items() if c["tp"] + c["fp"] + c["fn"]}
    total = sum((per[g] for g in GOALS), Counter())
    mean = sum(r["f1"] for r in goals.values()) / max(len(goals), 1)
    return {"items": len(pairs), "mean_f1": round(mean, 3), "micro": prf(total), "goals": goals}


def table_goals(enricher: Enricher, settings: Settings, rel: str, use_columns: bool = True
                ) -> list[tuple[dict[str, str], set[str]]]:
    """Each row of a record table of the shared corpus: its fields and the goals the tagger gives it."""
    raw, data = read_file(SHARED / "corpus" / rel, rel, settings)
    seg = prepare(raw, content_hash(data), settings)
    tagged = dict(enricher.tagger.tag(seg, enricher.embed([seg])[0], use_columns=use_columns).cases)
    return [(dict(case.fields), {t.value for t in tagged[case.case_id] if t.kind == "sdg"}) for case in seg.cases]


def records(enricher: Enricher, settings: Settings) -> dict[str, list[tuple[set[str], set[str]]]]:
    """(predicted, gold) per South-South record, split into the tuning (odd) and held-out (even) rows."""
    halves: dict[str, list[tuple[set[str], set[str]]]] = {"tune": [], "heldout": []}
    for fields, predicted in table_goals(enricher, settings, RECORDS, use_columns=False):
        gold = set(sdg_column(fields.get("sdg", "")))
        if gold:
            halves["tune" if int(fields.get("row", "0")) % 2 else "heldout"].append((predicted, gold))
    return halves


def project_records(enricher: Enricher, settings: Settings, file: Path, show: bool = False
                    ) -> dict[str, list[tuple[set[str], set[str]]]]:
    """(predicted, gold) per World Bank project record labelled blind (scripts/eval/sdg_wb_records.jsonl: the goals
    each project sets out to change), tagged from its text as ingest does; odd projects tune, even ones hold out."""
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    # The tables list some projects more than once, word for word: each project is scored once.
    rows = list({row["project_id"]: row for row in rows}.values())
    predicted = {fields["Project Id"]: goals for rel in sorted({row["file"] for row in rows})
                 for fields, goals in table_goals(enricher, settings, rel) if fields.get("Project Id")}
    halves: dict[str, list[tuple[set[str], set[str]]]] = {"tune": [], "heldout": []}
    for number, row in enumerate(rows, start=1):
        pred, gold = predicted.get(row["project_id"], set()), set(row["goals"])
        halves["tune" if number % 2 else "heldout"].append((pred, gold))
        if show and pred != gold:
            print(f"{row['project_id']} pred={sorted(pred)} gold={sorted(gold)}  {row['title'][:70]}")
    return halves


def snippets(enricher: Enricher, settings: Settings, file: Path, show: bool = False
             ) -> dict[str, list[tuple[set[str], set[str]]]]:
    """(predicted, gold) per labelled snippet, split into a tuning and a held-out half."""
    halves: dict[str, list[tuple[set[str], set[str]]]] = {"tune": [], "heldout": []}
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, row in enumerate(rows, start=1):
        tags = enricher.tag_text(row["text"], settings, f"{row['id']}.txt")
        predicted = {t.value for t in tags if t.kind == "sdg"}
        # Lines come in goal blocks of positive, negative, positive, negative: the first pair of each block
        # tunes and the second holds out, so each half has a positive and a near negative of every goal.
        half = "tune" if (number - 1) // 2 % 2 == 0 else "heldout"
        halves[half].append((predicted, set(row["sdgs"])))
        if show and predicted != set(row["sdgs"]):
            print(f"{row['id']} {half:8} pred={sorted(predicted)} gold={sorted(row['sdgs'])}  {row['text'][:90]}")
    return halves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="*", default=[], help="override an SDG roll-up value, e.g. tag_threshold=0.6")
    parser.add_argument("--snippets", default=str(ROOT / "scripts" / "eval" / "sdg_snippets.jsonl"))
    parser.add_argument("--projects", default=str(ROOT / "scripts" / "eval" / "sdg_wb_records.jsonl"))
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_sdg.json"))
    parser.add_argument("--show", action="store_true", help="print each snippet's predicted and gold goals")
    args = parser.parse_args()
    settings = Settings()
    enricher = Enricher(settings)
    goals = enricher.tagger.goals
    assert goals is not None
    if args.set:
        overrides = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
        enricher.tagger.goals = Themes(goals.taxonomy, goals.prototypes, tag_rules("sdg", **overrides))
    results = {}
    sets = [("records", records(enricher, settings)),
            ("snippets", snippets(enricher, settings, Path(args.snippets), args.show))]
    if Path(args.projects).is_file():
        sets.append(("projects", project_records(enricher, settings, Path(args.projects), args.show)))
    for name, halves in sets:
        results[name] = {half: score(pairs) for half, pairs in halves.items()}
        results[name]["all"] = score(halves["tune"] + halves["heldout"])
    print(f"{'set':10} {'half':8} {'items':>5} {'mean F1':>8} {'micro P':>8} {'micro R':>8} {'micro F1':>8}")
    for name, halves in results.items():
        for half, r in halves.items():
            m = r["micro"]
            print(f"{name:10} {half:8} {r['items']:5d} {r['mean_f1']:8.3f} {m['precision']:8.3f} {m['recall']:8.3f} "
                  f"{m['f1']:8.3f}")
    print(f"\nper goal (all items): F1 {' / '.join(results)}")
    for g in GOALS:
        cells = [results[name]["all"]["goals"].get(g, {}).get("f1") for name in results]
        print(f"  {g:6} " + " ".join(f"{c if c is not None else '-':>6}" for c in cells))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
