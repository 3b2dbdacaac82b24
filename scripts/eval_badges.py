"""Whether a card's badge tells the truth: of the top 10 cards of each query, labelled by hand from the passage
each card shows, how many of those said to match ("good" or "strong") are on the query's topic (precision), and
how many of the cards on topic say so (recall).

    python scripts/eval_badges.py [--index results/eval-index] [--gold scripts/eval/badge_gold.jsonl]
                                  [--set match_cosine=0.5 ...] [--out results/eval_badges.json]

The gold (scripts/eval/badge_gold.jsonl) holds plain-language queries written blind, and for each the cards a
search showed, labelled without their grades: 2 answers or presents a case on what is asked, 1 on the topic
without answering, 0 off the topic (shares only words like "poor" or "villages"), null unreadable. A card is
looked up by its source and the opening of its passage; a card the gold has no label for (the search now shows
another passage) is counted apart, as unlabelled. Odd queries (g01, g03, ...) are the half read to change a
rule; even ones are held out. The labels also score the page's order: graded nDCG@10 (gain = label), against
the best order of the cards the gold labelled.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOLD = ROOT / "scripts" / "eval" / "badge_gold.jsonl"
OPENING = 120


def _key(source: str, text: str) -> tuple[str, str]:
    """A card's key in the gold: its source and its passage's opening, spaces folded."""
    return source, " ".join(text[:OPENING * 2].split())[:80]


def _counts(cards: list[tuple[str, int | None]]) -> dict[str, Any]:
    """Precision and recall of "matches" (good or strong) as a verdict on topic; cards with no grade (another
    language) and no label are left out."""
    labelled = [(grade, label) for grade, label in cards if label is not None and grade != "ungraded"]
    said = [label for grade, label in labelled if grade in ("good", "strong")]
    strong = [label for grade, label in labelled if grade == "strong"]
    on_topic = [grade for grade, label in labelled if label >= 1]
    precision = sum(1 for label in said if label >= 1) / len(said) if said else 0.0
    recall = sum(1 for grade in on_topic if grade in ("good", "strong")) / len(on_topic) if on_topic else 0.0
    return {"cards": len(cards), "labelled": len(labelled), "said_match": len(said),
            "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
            "strong": len(strong),
            "strong_on_topic": round(sum(1 for label in strong if label >= 1) / len(strong), 3) if strong else None,
            "weak_on_topic": sum(1 for grade, label in labelled if grade == "weak" and label >= 1),
            "off_topic_said_match": sum(1 for label in said if label == 0)}


def _ndcg(gains: list[int], labelled: list[int]) -> float:
    """Graded nDCG@10 of a page's labels in its order (an unlabelled card gains 0) against the best order of the
    labels the gold holds for the query."""
    dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains[:10]))
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(sorted(labelled, reverse=True)[:10]))
    return dcg / ideal if ideal else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--gold", default=str(GOLD))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a cut-off of kb.relevance.Relevance, for measuring")
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_badges.json"))
    args = parser.parse_args()

    from kb.config import load_settings
    from kb.relevance import Relevance
    from kb.search import Searcher
    from kb.searchrules import SearchRules

    cuts = Relevance(**{name: float(value) for name, value in (s.split("=", 1) for s in args.set)})
    searcher = Searcher(args.index, load_settings(), dataclasses.replace(SearchRules(), relevance=cuts))
    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    halves: dict[str, list[tuple[str, int | None]]] = {"tune": [], "held-out": []}
    unlabelled: dict[str, int] = {"tune": 0, "held-out": 0}
    ndcg: dict[str, list[float]] = {"tune": [], "held-out": []}
    queries = []
    for n, q in enumerate(gold):
        half = "tune" if n % 2 == 0 else "held-out"
        labels = {_key(c["source"], c["text_start"]): c["label"] for c in q["labels"]}
        result = searcher.search(q["query"], 10)
        keys = [_key(hit.source, hit.text) for hit in result.hits]
        cards = [(hit.relevance if hit.graded else "ungraded", labels[key])
                 for hit, key in zip(result.hits, keys) if key in labels]
        unlabelled[half] += len(keys) - len(cards)
        halves[half] += cards
        gains = [labels.get(key) or 0 for key in keys]
        ndcg[half].append(_ndcg(gains, [c["label"] or 0 for c in q["labels"]]))
        queries.append({"id": q["id"], "half": half, "cards": [[g, lab] for g, lab in cards],
                        "ndcg10": round(ndcg[half][-1], 3)})
    summary: dict[str, dict[str, Any]] = {
        h: {**_counts(c), "unlabelled": unlabelled[h], "ndcg10": round(sum(ndcg[h]) / max(1, len(ndcg[h])), 3)}
        for h, c in halves.items()}
    report = {"cuts": dataclasses.asdict(cuts), "halves": summary, "queries": queries}
    print(f"{'half':9} {'cards':>5} {'labelled':>8} {'said':>5} {'precision':>9} {'recall':>6} {'f1':>6} "
          f"{'strong':>6} {'strong on topic':>15} {'off topic said':>14} {'unlabelled':>10} {'nDCG@10':>7}")
    for h, r in summary.items():
        print(f"{h:9} {r['cards']:5} {r['labelled']:8} {r['said_match']:5} {r['precision']:9} {r['recall']:6} "
              f"{r['f1']:6} {r['strong']:6} {str(r['strong_on_topic']):>15} {r['off_topic_said_match']:14} "
              f"{r['unlabelled']:10} {r['ndcg10']:7}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
