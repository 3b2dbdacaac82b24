"""Search quality on query sets with known answers, over an index of corpus/ plus ../shared/corpus/.

Query sets (one JSON query per line, the format of ../shared/eval/dev_queries.jsonl):
  dev-tune      two thirds of the dev queries: the only ones any weight or rule was chosen on
  dev-heldout   the other third (every third query: d03, d06, ... d30)
  heldout       scripts/eval/heldout_queries.jsonl: 31 queries written over documents no dev query uses (read
                query by query since, so a tuning set now)
  fresh         scripts/eval/fresh_queries.jsonl: 24 queries written by a session that never saw the product's
                code or output, over 19 documents no other set uses: the held-out set from this release on
  blind2        scripts/eval/blind2_queries.jsonl: 30 more written blind (18 plain questions, 6 keyword queries, 6
                broad topics with two files each; 4 ask in English what Chinese documents answer), over 21 files
                and parts of long files (DHS chapters, report years, loan agreements, table rows) no other set
                uses; first measured on the release that added it, never read to choose a rule
  zh_tune       scripts/eval/zh_tune.jsonl: 45 dev-tune and heldout queries with English answers, written in
                Chinese (a Chinese reader searching English cases); kb.dictionary's two senses were chosen on it
  zh_heldout    scripts/eval/zh_heldout.jsonl: the same for the 31 dev-heldout and fresh queries: held out
  zh_zh         scripts/eval/zh_zh.jsonl: 14 questions with Chinese answers, written in Chinese: what a Chinese
                question over Chinese passages must keep

For keyword, semantic and hybrid search it prints, per set and per query kind, the answer-level figures (a
hit counts when it comes from a relevant file and its passage holds an answer phrase: MRR@10, Recall@5,
Recall@10, nDCG@10), the same with the passages a hit lists as also matching ("open": what a reader sees
on opening "N passages match"; "card": with the first of them only where the card shows it under the hit's
passage: a good match in its language), the file-level figures (any passage of a relevant file counts) and the number of
distinct documents in the top 10 (all queries, and the broad ones: multi_doc or several relevant files).
Writes results/eval_search.json with every query's ranks.

    .venv/bin/python scripts/eval_search.py [--index results/eval-index] [--set keyword_weight=1.5 ...]
        [--queries FILE ...] [--modes hybrid]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings, load_settings  # noqa: E402
from kb.hits import listed_apart  # noqa: E402
from kb.models import Filters  # noqa: E402
from kb.pipeline import ingest  # noqa: E402
from kb.search import Searcher, SearchRules  # noqa: E402

SHARED = ROOT.parent / "shared"
K = 10


def eval_corpus(folder: Path) -> Path:
    """A folder of links: seeds/ and each shared collection, as the evaluation's relative paths expect."""
    folder.mkdir(parents=True, exist_ok=True)
    links = {"seeds": ROOT / "corpus" / "seeds"}
    links.update({p.name: p for p in (SHARED / "corpus").iterdir() if p.is_dir()})
    for name, target in links.items():
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(target.resolve(), target_is_directory=True)
    return folder


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _metrics(best: dict[str, int], files: list[str]) -> dict[str, float]:
    ranks = sorted(best.values())
    dcg = sum(1 / math.log2(r + 1) for r in ranks if r <= K)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(files), K)))
    return {"mrr": 1 / ranks[0] if ranks and ranks[0] <= K else 0.0,
            "recall5": sum(1 for r in ranks if r <= 5) / len(files),
            "recall10": sum(1 for r in ranks if r <= K) / len(files),
            "ndcg": dcg / ideal if ideal else 0.0}


def score_query(query: dict, hits: list, expanded: dict[int, str] | None = None) -> dict:
    """Best rank of each relevant file, answer-level and file-level, and the query's metrics; `expanded` holds
    the texts of each hit's other matching passages (what a reader sees on opening "N passages match")."""
    answer: dict[str, int] = {}
    carded: dict[str, int] = {}
    opened: dict[str, int] = {}
    file: dict[str, int] = {}
    for hit in hits:
        text = _norm(hit.text)
        more = [_norm((expanded or {}).get(pid, "")) for pid in getattr(hit, "matching_passages", ())]
        for rel in query["relevant"]:
            if hit.source == rel["file"]:
                file.setdefault(rel["file"], hit.rank)
                if any(_norm(a) in text for a in rel["answer"]):
                    answer.setdefault(rel["file"], hit.rank)
                if any(_norm(a) in t for a in rel["answer"] for t in [text, _norm(getattr(hit, "also_text", ""))]):
                    carded.setdefault(rel["file"], hit.rank)
                if any(_norm(a) in t for a in rel["answer"] for t in [text, *more]):
                    opened.setdefault(rel["file"], hit.rank)
    files = [r["file"] for r in query["relevant"]]
    out = _metrics(answer, files)
    out.update({f"file_{k}": v for k, v in _metrics(file, files).items()})
    out.update({f"card_{k}": v for k, v in _metrics(carded, files).items()})
    out.update({f"open_{k}": v for k, v in _metrics(opened, files).items()})
    out["documents"] = len({h.doc_id for h in hits[:K]})
    # The weak cards the app lists apart under the ones that match, and the answers among them.
    shown, apart = listed_apart(hits[:K])
    out["apart"] = len(apart)
    out["answers_apart"] = len(answer) - len(score_query(query, shown)["ranks"]) if apart else 0
    out["broad"] = query["kind"] == "multi_doc" or len(files) > 1
    out["ranks"] = answer
    return out


def load_sets(extra: list[str]) -> dict[str, list[dict]]:
    """The query sets: the dev queries split into a tuning two thirds and a held-out third, and held-out files."""
    def read(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = read(SHARED / "eval" / "dev_queries.jsonl")
    sets = {"dev-tune": [q for i, q in enumerate(dev) if i % 3 != 2],
            "dev-heldout": [q for i, q in enumerate(dev) if i % 3 == 2]}
    names = ("heldout_queries.jsonl", "fresh_queries.jsonl", "blind2_queries.jsonl", "zh_tune.jsonl",
             "zh_heldout.jsonl", "zh_zh.jsonl")
    for path in extra or [str(ROOT / "scripts" / "eval" / name) for name in names]:
        if Path(path).is_file():
            sets[Path(path).stem] = read(Path(path))
    return sets


def mean(rows: list[dict], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 3) if rows else 0.0


def summarise(rows: list[dict]) -> dict[str, float]:
    broad = [r for r in rows if r["broad"]]
    return {"n": len(rows), "ndcg10": mean(rows, "ndcg"), "recall10": mean(rows, "recall10"),
            "mrr10": mean(rows, "mrr"), "recall5": mean(rows, "recall5"), "file_ndcg10": mean(rows, "file_ndcg"),
            "card_ndcg10": mean(rows, "card_ndcg"), "open_ndcg10": mean(rows, "open_ndcg"),
            "open_recall10": mean(rows, "open_recall10"),
            "file_recall10": mean(rows, "file_recall10"), "documents": mean(rows, "documents"),
            "documents_broad": mean(broad, "documents"), "apart": mean(rows, "apart"),
            "answers_apart": sum(r["answers_apart"] for r in rows)}


def _of_kind(kind: str) -> Callable[[dict], bool]:
    """A filter keeping the result rows of one kind of query."""
    return lambda r: r["kind"] == kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "results" / "eval-index"))
    parser.add_argument("--corpus", default=str(ROOT / "results" / "eval-corpus"))
    parser.add_argument("--set", nargs="*", default=[], help="override a SearchRules value, e.g. keyword_weight=1.5")
    parser.add_argument("--queries", nargs="*", default=[],
                        help="held-out query files (default scripts/eval/heldout_queries.jsonl and "
                             "fresh_queries.jsonl)")
    parser.add_argument("--modes", nargs="*", default=["keyword", "semantic", "hybrid"])
    parser.add_argument("--reuse", action="store_true",
                        help="search the index as it is, even if an ingest would re-process it (changes of query-time "
                             "code need no re-ingest; say so beside the figures)")
    parser.add_argument("--config", help="a kb.toml to build and search with (e.g. other [[space]] tables)")
    parser.add_argument("--out", default=str(ROOT / "results" / "eval_search.json"))
    args = parser.parse_args()
    settings = load_settings(args.config, environ={}) if args.config else Settings()
    started = time.monotonic()
    report = None if args.reuse else ingest(eval_corpus(Path(args.corpus)), args.index, settings)
    build_seconds = time.monotonic() - started
    fields = {f.name: f for f in dataclasses.fields(SearchRules)}
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        kind = type(fields[key].default)
        overrides[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    rules = SearchRules(**overrides)
    searcher = Searcher(args.index, settings, rules)
    sets = load_sets(args.queries)
    results: dict[str, dict[str, list[dict]]] = {}
    for set_name, queries in sets.items():
        for mode in args.modes:
            rows = results.setdefault(set_name, {}).setdefault(mode, [])
            for query in queries:
                f = query.get("filters") or {}
                filters = Filters(approach=tuple(f.get("approach", ())), country=tuple(f.get("country", ())))
                hits = list(searcher.search(query["query"], k=K, mode=mode, filters=filters).hits)
                more = searcher.store.passages([pid for h in hits for pid in h.matching_passages])
                expanded = {pid: row["text"] for pid, row in more.items()}
                rows.append({"id": query["id"], "kind": query["kind"], **score_query(query, hits, expanded)})
    summary: dict = {}
    head = "nDCG  R@10  MRR   | file nDCG R@10 | card  open | docs broad"
    print(f"{'set / kind':<26}{'n':>3}  " + "".join(f"{m + ': ' + head:<58}" for m in args.modes))
    for set_name, by_mode in results.items():
        kinds = sorted({r["kind"] for r in by_mode[args.modes[0]]})
        groups = [("all", lambda r: True), ("all but cross_lingual", lambda r: r["kind"] != "cross_lingual")]
        groups += [(kind, _of_kind(kind)) for kind in kinds]
        for name, keep in groups:
            row = {mode: summarise([r for r in by_mode[mode] if keep(r)]) for mode in args.modes}
            summary.setdefault(set_name, {})[name] = row
            label = f"{set_name}" if name == "all" else f"  {name}"
            print(f"{label:<26}{row[args.modes[0]]['n']:>3}  " + "".join(
                f"{row[m]['ndcg10']:.3f} {row[m]['recall10']:.3f} {row[m]['mrr10']:.3f} | "
                f"{row[m]['file_ndcg10']:.3f} {row[m]['file_recall10']:.3f}    | {row[m]['card_ndcg10']:.3f} "
                f"{row[m]['open_ndcg10']:.3f} | "
                f"{row[m]['documents']:>4.1f} "
                f"{row[m]['documents_broad']:>4.1f}        " for m in args.modes))
        mode = "hybrid" if "hybrid" in args.modes else args.modes[0]
        missed = [r["id"] for r in by_mode[mode] if r["recall10"] < 1]
        print(f"{set_name}: {mode} misses an answer in the top 10 for: {', '.join(missed) or 'none'}")
        apart = summary[set_name]["all"][mode]
        print(f"{set_name}: weak cards listed apart {apart['apart']:.1f} a query, answers among them "
              f"{apart['answers_apart']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if report is None:
        from kb.indexdir import open_store

        store = open_store(args.index)
        stats = store.stats()
        store.close()
    else:
        stats = {"passages": report.passages, "documents": report.documents}
    index_info = {"passages": stats["passages"], "documents": stats["documents"], "reused": report is None,
                  "build_seconds": round(build_seconds, 1)}
    out.write_text(json.dumps({"rules": dataclasses.asdict(rules), "index": index_info,
                               "summary": summary, "queries": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
