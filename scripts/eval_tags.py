"""Score the tagger against ../shared/eval/dev_tags.jsonl and the country columns of the record tables.

Prints a table and writes results/eval_tags.json. Approaches: precision, recall and F1 per tag, micro and
macro (a predicted tag listed as optional is neither right nor wrong). Countries: focus-country F1 on the
dev documents and on documents tagged blind that no rule was written from (scripts/eval/heldout_tags.jsonl;
heldout2_tags.jsonl, 24 more, and heldout3_tags.jsonl, 30 more, each first scored on the release that added
it), and on the records of the shared
record tables that name one country, each tagged from its text with the country column hidden. Approaches of
records: micro-F1 on 79 World Bank projects labelled blind from their name, objective and abstract
(scripts/eval/approach_wb_records.jsonl), odd projects tuning, even ones held out.

    .venv/bin/python scripts/eval_tags.py [--model all-MiniLM-L6-v2] [--set focus_ratio=0.4 ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder, model_languages  # noqa: E402
from kb.gazetteer import default_gazetteer  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.places import Places, country_rules  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402
from kb.tag import Tagger, TagRules, Themes, approach_prototypes, tag_rules  # noqa: E402
from kb.taxonomy import load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared"
RECORD_TABLES = {
    # file: (gold columns in order of preference: the first non-empty one is the focus)
    "undp-south-south-cases/south_south_projects.csv": ("Host/Recipient Country/ies", "Provider Country/ies"),
    "wb-project-abstracts/priority_projects_with_abstracts.csv": ("Country",),
    "wb-project-abstracts/remaining_projects_to_process_with_abstracts.csv": ("Country",),
}


def corpus_path(rel: str) -> Path:
    """Eval paths are relative to a root holding seeds/ and the shared corpus."""
    return ROOT / "corpus" / rel if rel.startswith("seeds/") else SHARED / "corpus" / rel


def prepared(rel: str, settings: Settings):
    raw, data = read_file(corpus_path(rel), rel, settings)
    return prepare(raw, content_hash(data), settings)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3),
            "tp": tp, "fp": fp, "fn": fn}


def outcome(tag: str, predicted: set[str], gold: set[str], optional: set[str]) -> str:
    """A tag's count: "tp", "fn", "fp", or "" for a predicted tag the gold lists as optional."""
    if tag in gold:
        return "tp" if tag in predicted else "fn"
    return "" if tag in optional else "fp"


def eval_documents(
    tagger: Tagger, embedder, settings: Settings, gold: Path = SHARED / "eval" / "dev_tags.jsonl"
) -> dict:
    rows = [json.loads(line) for line in gold.read_text().splitlines() if line.strip()]
    per_tag: dict[str, Counter] = {}
    country = Counter()
    docs = []
    for row in rows:
        seg = prepared(row["file"], settings)
        vectors = embedder.encode([c.text for c in seg.chunks]) if embedder else None
        tags = tagger.tag(seg, vectors).document
        predicted = {t.value for t in tags if t.kind == "approach"}
        gold, optional = set(row["approaches"]), set(row["approaches_optional"])
        for tag in predicted | gold:
            c = per_tag.setdefault(tag, Counter())
            if scored := outcome(tag, predicted, gold, optional):
                c[scored] += 1
        focus = {t.value for t in tags if t.kind == "country" and t.role == "focus"}
        gold_focus = set(row["focus_countries"])
        country.update(tp=len(focus & gold_focus), fp=len(focus - gold_focus), fn=len(gold_focus - focus))
        docs.append({"file": row["file"], "missed": sorted(gold - predicted),
                     "wrong": sorted(predicted - gold - optional), "focus": sorted(focus),
                     "gold_focus": sorted(gold_focus)})
    tags = {t: prf(c["tp"], c["fp"], c["fn"]) for t, c in sorted(per_tag.items())}
    total = Counter()
    for c in per_tag.values():
        total.update(c)
    gold_tags = [t for t, c in per_tag.items() if c["tp"] + c["fn"]]
    macro = sum(tags[t]["f1"] for t in gold_tags) / max(len(gold_tags), 1)
    return {"documents": len(rows), "approach_micro": prf(total["tp"], total["fp"], total["fn"]),
            "approach_macro_f1": round(macro, 3), "per_tag": tags,
            "focus_country": prf(country["tp"], country["fp"], country["fn"]), "per_document": docs}


# The roll-up thresholds a leave-one-folder-out run chooses among (passage scores do not depend on them).
GRID = {"passage_threshold": (0.5, 0.7, 0.9), "full_support": (4.0, 6.0, 8.0), "full_coverage": (0.1, 0.2, 0.3)}


def leave_one_folder_out(tagger: Tagger, embedder, settings: Settings) -> dict:
    """Choose the roll-up thresholds on the dev documents of every folder but one, score that folder; repeat.

    The pooled figure is what the tagger would score on a folder of documents nobody tuned it on.
    """
    import itertools

    rows = [json.loads(line) for line in (SHARED / "eval" / "dev_tags.jsonl").read_text().splitlines() if line.strip()]
    prepared_docs = []
    for row in rows:
        seg = prepared(row["file"], settings)
        vectors = embedder.encode([c.text for c in seg.chunks]) if embedder else None
        scores, hits = tagger.approaches.passage_scores(list(seg.chunks), vectors)
        prepared_docs.append((row, seg, scores, hits))
    combos = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]

    def counts(combo: dict, docs: list) -> Counter:
        themes = tagger.approaches
        rolled = Themes(themes.taxonomy, themes.prototypes, dataclasses.replace(themes.rules, **combo))
        total: Counter = Counter()
        for row, seg, scores, hits in docs:
            doc = seg.document
            rolled_up = rolled.roll_up(list(seg.chunks), scores, hits, doc.text, doc.title, doc.language)
            predicted = {t.value for t in rolled_up}
            gold, optional = set(row["approaches"]), set(row["approaches_optional"])
            total.update(tp=len(predicted & gold), fn=len(gold - predicted), fp=len(predicted - gold - optional))
        return total

    def f1(c: Counter) -> float:
        return 2 * c["tp"] / max(2 * c["tp"] + c["fp"] + c["fn"], 1)

    folder = lambda row: row["file"].split("/")[0]  # noqa: E731
    pooled: Counter = Counter()
    chosen = {}
    for name in sorted({folder(row) for row in rows}):
        train = [d for d in prepared_docs if folder(d[0]) != name]
        test = [d for d in prepared_docs if folder(d[0]) == name]
        best = max(combos, key=lambda combo: (f1(counts(combo, train)), combo == GRID_DEFAULT(tagger)))
        chosen[name] = best
        pooled.update(counts(best, test))
    in_sample = counts(GRID_DEFAULT(tagger), prepared_docs)
    return {"pooled": prf(pooled["tp"], pooled["fp"], pooled["fn"]), "chosen": chosen,
            "in_sample_default": prf(in_sample["tp"], in_sample["fp"], in_sample["fn"])}


def GRID_DEFAULT(tagger: Tagger) -> dict:  # noqa: N802
    """The shipped values of the grid's thresholds."""
    return {key: getattr(tagger.approaches.rules, key) for key in GRID}


def eval_records(tagger: Tagger, settings: Settings) -> dict:
    gazetteer = tagger.gazetteer
    results = {}
    for rel, columns in RECORD_TABLES.items():
        path = corpus_path(rel)
        if not path.is_file():
            continue
        seg = prepared(rel, settings)
        tagged = dict(tagger.tag(seg, None, use_columns=False).cases)
        counts = Counter()
        scored = multi = 0
        for case in seg.cases:
            fields = dict(case.fields)
            gold: set[str] = set()
            for column in columns:
                raw = fields.get(column) or (fields.get("country") if column == columns[0] else None) or ""
                cells = [c for c in raw.replace(";", ",").split(",") if c.strip()] if "Country/ies" in column else [raw]
                for cell in cells:
                    place = gazetteer.lookup(cell) if cell.strip() else None
                    if place and place.kind != "region":
                        gold.add(place.code)
                if gold:
                    break
            if not gold:
                continue  # a regional or world project: no country to score
            if len(gold) > 1:
                # A host list of many countries (up to 55 in South-South) is a programme's reach, not what its
                # text is about; such records are counted, not scored.
                multi += 1
                continue
            scored += 1
            focus = {t.value for t in tagged[case.case_id] if t.kind == "country" and t.role == "focus"}
            counts.update(tp=len(focus & gold), fp=len(focus - gold), fn=len(gold - focus))
        results[rel] = {"records": scored, "multi_country_not_scored": multi,
                        **prf(counts["tp"], counts["fp"], counts["fn"])}
    total = Counter()
    for r in results.values():
        total.update(tp=r["tp"], fp=r["fp"], fn=r["fn"])
    return {"tables": results, "focus_country": prf(total["tp"], total["fp"], total["fn"])}


def eval_project_approaches(tagger: Tagger, embedder, settings: Settings, gold: Path) -> dict:
    """Approach micro-F1 on World Bank project records labelled blind (scripts/eval/approach_wb_records.jsonl),
    each tagged as ingest tags its table's rows; odd projects tune, even ones hold out."""
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    predicted: dict[str, set[str]] = {}
    for rel in sorted({row["file"] for row in rows}):
        seg = prepared(rel, settings)
        vectors = embedder.encode([c.text for c in seg.chunks]) if embedder else None
        cases = dict(tagger.tag(seg, vectors).cases)
        for case in seg.cases:
            pid = dict(case.fields).get("Project Id")
            if pid:
                predicted[pid] = {t.value for t in cases[case.case_id] if t.kind == "approach"}
    halves: dict[str, Counter] = {"tune": Counter(), "heldout": Counter()}
    per_tag: dict[str, Counter] = {}
    untagged = {"tune": 0, "heldout": 0}
    missed = []
    for number, row in enumerate(rows, start=1):
        half = "tune" if number % 2 else "heldout"
        pred, gold_tags, optional = predicted.get(row["project_id"], set()), set(row["approaches"]), \
            set(row["approaches_optional"])
        untagged[half] += not pred
        for tag in pred | gold_tags:
            scored = outcome(tag, pred, gold_tags, optional)
            if scored:
                halves[half][scored] += 1
                per_tag.setdefault(tag, Counter())[scored] += 1
        if pred - optional != gold_tags:
            missed.append({"project": row["project_id"], "half": half, "missed": sorted(gold_tags - pred),
                           "wrong": sorted(pred - gold_tags - optional)})
    return {"projects": len(rows), "untagged": untagged,
            **{half: prf(c["tp"], c["fp"], c["fn"]) for half, c in halves.items()},
            "per_tag": {t: prf(c["tp"], c["fp"], c["fn"]) for t, c in sorted(per_tag.items())}, "per_project": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2",
                        help="embedder for the meaning signal ('none' for cues only)")
    parser.add_argument("--set", nargs="*", default=[], help="override a TagRules value, e.g. focus_ratio=0.4")
    parser.add_argument("--heldout", nargs="*", default=[str(ROOT / "scripts" / "eval" / name) for name in
                                                        ("heldout_tags.jsonl", "heldout2_tags.jsonl",
                                                                  "heldout3_tags.jsonl")],
                        help="documents tagged by hand that no rule was written from (each file scored apart)")
    parser.add_argument("--projects", default=str(ROOT / "scripts" / "eval" / "approach_wb_records.jsonl"),
                        help="World Bank project records labelled blind with their approaches")
    parser.add_argument("--lofo", action="store_true", help="also run the leave-one-folder-out evaluation")
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_tags.json"))
    args = parser.parse_args()
    overrides = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    rules = tag_rules(**{k: v for k, v in overrides.items() if k in TagRules.__dataclass_fields__})
    places = Places(default_gazetteer(), country_rules(**{k: v for k, v in overrides.items()
                                                          if k not in TagRules.__dataclass_fields__}))
    settings = Settings()
    taxonomy = load_taxonomy(settings.taxonomy or None)
    embedder = None if args.model == "none" else load_embedder(args.model)
    prototypes = approach_prototypes(taxonomy, embedder) if embedder else None
    every = embedder is not None and model_languages(args.model) is None  # the model reads every language
    tagger = Tagger(taxonomy, default_gazetteer(), prototypes, rules, places, every_language=every)
    started = time.monotonic()
    docs = eval_documents(tagger, embedder, settings)
    heldout = {Path(f).stem: eval_documents(tagger, embedder, settings, Path(f))
               for f in args.heldout if Path(f).is_file()}
    lofo = leave_one_folder_out(tagger, embedder, settings) if args.lofo else None
    records = eval_records(tagger, settings)
    projects = eval_project_approaches(tagger, embedder, settings, Path(args.projects)) \
        if Path(args.projects).is_file() else None
    report = {"model": args.model, "rules": {**dataclasses.asdict(rules), **dataclasses.asdict(places.rules)},
              "dev_documents": docs, "heldout_documents": heldout.get("heldout_tags"),
              "heldout_sets": heldout, "leave_one_folder_out": lofo,
              "record_tables": records,
              "project_approaches": projects, "seconds": round(time.monotonic() - started, 1)}
    print(f"{'tag':<26} {'P':>6} {'R':>6} {'F1':>6}   tp fp fn")
    for tag, m in docs["per_tag"].items():
        print(f"{tag:<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}  "
              f"{m['tp']:>3} {m['fp']:>2} {m['fn']:>2}")
    m = docs["approach_micro"]
    print(f"{'approach micro':<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}   "
          f"(macro F1 {docs['approach_macro_f1']:.3f})")
    m = docs["focus_country"]
    print(f"{'focus country, dev docs':<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}")
    if lofo:
        m = lofo["pooled"]
        print(f"{'leave-one-folder-out micro':<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}   "
              f"(thresholds chosen without each folder)")
    for set_name, scored in heldout.items():
        for name in ("approach_micro", "focus_country"):
            m = scored[name]
            label = ("held-out " if set_name == "heldout_tags" else set_name.replace("_tags", "") + " ") + \
                name.replace("_", " ")
            print(f"{label:<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
                  + (f"   (macro F1 {scored['approach_macro_f1']:.3f}, {scored['documents']} documents)"
                     if name == "approach_micro" else ""))
    for rel, m in records["tables"].items():
        label = "focus country, " + Path(rel).stem[:11]
        print(f"{label:<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}   ({m['records']} records)")
    m = records["focus_country"]
    print(f"{'focus country, records':<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}")
    if projects:
        for half in ("tune", "heldout"):
            m = projects[half]
            print(f"{'approach, WB records ' + half:<26} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}   "
                  f"({projects['untagged'][half]} of the half's projects untagged)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
