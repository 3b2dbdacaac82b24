"""The `kb` command: the only place that prints or draws progress bars."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from kb import commands
from kb.commands import EXIT_FAILURE, EXIT_OK, EXIT_SKIPPED
from kb.config import load_settings
from kb.contract import case_json, hit_json, ingest_json, result_json, stats_json, tags_json
from kb.duplicates import listed_again
from kb.enrich import tag_files
from kb.errors import ConfigError, KBError
from kb.hits import listed_apart
from kb.latex import plain_math
from kb.library import Library
from kb.models import FACET_FILTERS, Filters
from kb.pipeline import IngestReport, ingest
from kb.progress import IngestProgress
from kb.query import MODES, QueryError
from kb.relevance import GRADE_LABELS, UNGRADED_LABEL
from kb.search import Searcher, SearchResult


def _default_index() -> str:
    return os.environ.get("KB_INDEX_DIR", "index")


_print_json = commands.print_json


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    engine = None
    if args.engine == "ray":
        from kb.distributed import RayEngine  # imports ray, which only this engine needs

        engine = RayEngine(args.address, args.workers)
    elif args.address:
        raise ConfigError("--address names a Ray cluster: use it with --engine ray")
    with IngestProgress(sys.stderr.isatty()) as progress:
        report: IngestReport = ingest(args.corpus, args.index, settings, None if args.quiet else progress, engine)
    if args.json:
        _print_json(ingest_json(report))
    else:
        print(f"{report.files} files: {len(report.added)} added, {len(report.updated)} updated, "
              f"{len(report.removed)} removed, {report.unchanged} unchanged, {len(report.skipped)} skipped "
              f"({report.seconds:.1f} s" + (f", of which {report.multilingual_seconds:.1f} s embedding "
                                            + ", ".join(f"{n} passages in the {name} space"
                                                        for name, n in report.embedded_spaces.items() if n) + ")"
                                            if report.embedded_multilingual else ")"))
        print(f"index {args.index}: {report.documents} documents, {report.cases} cases, {report.passages} passages")
        if report.nodes:
            print(f"enriched on {report.nodes} Ray node{'s' if report.nodes > 1 else ''}")
        for source, reason in report.skipped:
            print(f"skipped {source}: {reason}")
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    data = case_json(Library(args.index).case_page(args.case_id))
    if args.json:
        _print_json(data)
    else:
        print(data["title"])
        if len(data["heading_path"]) > 1:
            print(" > ".join(data["heading_path"]))
        where = f", page {data['page']}" if data["page"] else ""
        print(f"{data['source']}{where} | {data['doc_type']} | {data['language']} | {data['date'] or 'no date'}")
        for key, value in data["fields"].items():
            print(f"{key}: {value}")
        tags = data["tags"]
        print("approaches: " + (", ".join(f"{a['id']} {a['confidence']:.2f}" for a in tags["approaches"]) or "none"))
        print("countries: " + (", ".join(f"{c['iso3']} ({c['role']})" for c in tags["countries"]) or "none"))
        print("sdgs: " + (", ".join(f"{g['id']} {g['confidence']:.2f}" for g in tags["sdgs"]) or "none"))
        for other in data["also_published"]:
            who = other["publisher"] or other["document"]
            if listed_again(other["source"], data.get("source") or ""):
                print(f"listed again in this table: {other['case_id']}")
            else:
                print(f"also published by: {who} ({other['source']}, {other['case_id']})")
        print()
        print(data["text"])
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with Library(args.index).store() as store:
        stats = stats_json(store)
    if args.json:
        _print_json(stats)
    else:
        print(f"{stats['documents']} documents, {stats['cases']} cases, {stats['passages']} passages, "
              f"{stats['skipped']} skipped files")
        for key in ("documents_by_type", "documents_by_language", "documents_by_format", "passages_by_type",
                    "cases_by_approach", "cases_by_country", "cases_by_region"):
            print(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in list(stats[key].items())[:25]))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    docs = Library(args.index).documents(commands.filters_of(args))
    if args.json:
        _print_json(docs)
    else:
        for d in docs:
            kept = f" ({d['kept']} kept)" if "kept" in d else ""
            print(f"{d['doc_id']}  {d['doc_type']:<11} {d['language']:<3} {d['cases']:>4} cases{kept}  {d['source']}")
    return EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    failed = 0
    for source, _seg, tagged, error in tag_files(args.target, settings):
        if error is not None:
            failed += 1
            sys.stderr.write(f"kb: skipped {source}: {error}\n")
            continue
        assert tagged is not None
        data = tags_json(source, tagged.document)
        if args.json:
            _print_json(data)
            continue
        print(source)
        for a in data["approaches"]:
            example = a["evidence"][0]["text"][:90] if a["evidence"] else ""
            print(f"  approach {a['id']:<26} {a['confidence']:.2f}  e.g. {example}")
        for c in data["countries"]:
            print(f"  country  {c['iso3']} {c['name']:<22} {c['role']:<8} {c['confidence']:.2f}")
        if data["regions"]:
            print("  regions  " + ", ".join(r["id"] for r in data["regions"]))
        for g in data["sdgs"]:
            example = g["evidence"][0]["text"][:90] if g["evidence"] else ""
            print(f"  sdg      {g['id']:<26} {g['confidence']:.2f}  e.g. {example}")
    return EXIT_SKIPPED if failed else EXIT_OK


def _print_result(result: SearchResult, as_json: bool, facets: bool) -> None:
    if as_json:
        _print_json(result_json(result, facets))
        return
    if not result.hits:
        print("no results")
    elif facets or not result.matches:
        # The same number the app shows: cases of the whole index that match well within the filters.
        print(f"{result.matches} case{'s' if result.matches != 1 else ''} match well" if result.matches
              else "nothing matches well; the closest cases follow")
    if result.hits and result.unmatched_places:
        print(f"no case about {' or '.join(result.unmatched_places)} matches well; these are about other places")
    close, loose = listed_apart(result.hits)
    # Numbered as listed, as the app numbers them: with weak cards apart the ranks skipped (1, 4, ... 2, 3).
    for number, h in enumerate((*close, *loose), 1):
        if loose and h is loose[0]:  # as the app lists them, apart under the cases that match
            print(f"-- {len(loose)} loosely related: neither close in meaning nor holding most of your words")
        page = f" p.{h.page}" if h.page else ""
        grade = GRADE_LABELS.get(h.relevance, h.relevance) if h.graded else UNGRADED_LABEL
        # No fused score: the cards are in grade order, so a good match's higher score below a strong one read as
        # the order being wrong (a walk saw it in 10 of 20 queries); --json keeps it.
        print(f"{number:>2}. {h.title[:100]}  ({grade})")
        if h.section:
            print(f"    section {h.section}")
        print(f"    {h.source}{page} | {', '.join(h.approaches) or '-'} | {', '.join(h.countries) or '-'}")
        print(f"    {h.why}")
        others = [f"{p or t} ({s})" for _, t, s, p in h.also_published if not listed_again(s, h.source)]
        if others:
            print("    also published by: " + "; ".join(others))
        if any(listed_again(s, h.source) for _, _, s, _ in h.also_published):
            print("    listed again in this table")
        if h.same_text:
            print("    the same passage is in: " + "; ".join(f"{t} ({s}, {c})" for c, t, s in h.same_text))
        # Inline LaTeX of plain numbers reads as the numbers, as the app shows them ("$1 3 . 5 \%$" as 13.5%).
        print("    " + " ".join(plain_math(h.text).split())[:300])
        if h.also_text:  # the first of the case's next best passages, as the card shows it
            print("    also in this case: " + " ".join(plain_math(h.also_text).split())[:300])
        if h.matching_passages:  # the case's next best passages: `kb show CASE --json` gives their text
            ids = ", ".join(map(str, h.matching_passages))
            print(f"    {len(h.matching_passages)} more of this case, best first: passages {ids} (kb show {h.case_id})")
    if facets:
        for facet, counts in result.facets.items():
            print(f"{facet}: " + ", ".join(f"{v} {n}" for v, n in list(counts.items())[:12]))


def cmd_search(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    searcher = Searcher(args.index, settings)
    try:
        if args.batch:
            return _search_batch(searcher, args.batch, args.k, args.mode)
        if args.query is None:
            raise QueryError("give a QUERY or --batch FILE")
        result = searcher.search(args.query, k=args.k, mode=args.mode, filters=commands.filters_of(args))
        _print_result(result, args.json, args.facets)
    finally:
        searcher.close()
    return EXIT_OK


def _search_batch(searcher: Searcher, path: str, k: int = 10, mode: str = "hybrid") -> int:
    """One JSON array of hits per input line, in order; a bad line prints [] and is named on stderr. `k` and `mode`
    (the command's -k and --mode) hold for the lines that do not set their own."""
    failed = 0
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                query, line_k, line_mode, filters = _batch_spec(json.loads(line), k, mode)
                result = searcher.search(query, k=line_k, mode=line_mode, filters=filters)
                _print_json([hit_json(h) for h in result.hits])
            except (KBError, ValueError, TypeError) as exc:
                failed += 1
                sys.stderr.write(f"kb: {path} line {number}: {exc}\n")
                _print_json([])
    return EXIT_SKIPPED if failed else EXIT_OK


# The filter keys of a --batch line are the fields of Filters: one list, so a new filter is read here too.
BATCH_FILTERS = tuple(f.name for f in fields(Filters))
_VALUE_FILTERS = (*FACET_FILTERS, "source")


def _batch_spec(spec: Any, k: int = 10, mode: str = "hybrid") -> tuple[str, int, str, Filters]:
    """One --batch line: a missing query or an unknown filter is named, not read as an empty query or no filter."""
    if not isinstance(spec, dict):
        raise QueryError(f"each line must be a JSON object such as {{\"query\": \"...\"}}, not {type(spec).__name__}")
    if "query" not in spec:
        others = f" (found {', '.join(map(repr, sorted(spec)))})" if spec else ""
        raise QueryError(f"no \"query\" key{others}: each line is {{\"query\", \"k\", \"mode\", \"filters\"}}")
    # Other keys at the top (an id a script keeps beside its query) are let be, but not a filter's name: a walk's
    # {"query": ..., "country": ["ETH"]} searched the whole library without a word.
    misplaced = sorted(set(spec) & set(BATCH_FILTERS))
    if misplaced:
        shown = json.dumps({name: spec[name] for name in misplaced})
        raise QueryError(f"{', '.join(map(repr, misplaced))} at the top of the line filters nothing: put it under "
                         f"\"filters\": {shown}")
    # An unknown filter would silently not filter, so it is named.
    f = spec.get("filters") or {}
    if not isinstance(f, dict):
        raise QueryError("\"filters\" must be a JSON object")
    unknown = sorted(set(f) - set(BATCH_FILTERS))
    if unknown:
        raise QueryError(f"unknown filter {', '.join(map(repr, unknown))}: use {', '.join(BATCH_FILTERS)}")

    def values(name: str) -> tuple[str, ...]:
        value = f.get(name) or ()
        return (value,) if isinstance(value, str) else tuple(value)

    filters = Filters(**{name: values(name) for name in _VALUE_FILTERS}, year_from=f.get("year_from"),
                      year_to=f.get("year_to"), mentions=bool(f.get("mentions", False)))
    return spec["query"], spec.get("k", k), spec.get("mode", mode), filters


def cmd_similar(args: argparse.Namespace) -> int:
    searcher = Searcher(args.index, load_settings(args.config))
    try:
        result = searcher.more_like_this(args.case_id, k=args.k, filters=commands.filters_of(args))
        _print_result(result, args.json, False)
    finally:
        searcher.close()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Poverty-reduction case knowledge base")
    parser.add_argument("--config", help="settings file (default: kb.toml if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or update an index so it mirrors a corpus folder")
    p.add_argument("corpus", help="a folder, or a manifest file: one path or URI (s3://, gs://, hdfs://, file://) "
                                  "per line, relative paths from the manifest's folder")
    p.add_argument("--index", default=_default_index())
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress on standard error")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="run the stages in this process (default) or on Ray")
    p.add_argument("--address", help="with --engine ray: join the Ray cluster at this address "
                                     "(default: start a local Ray instance)")
    p.add_argument("--workers", type=int, default=2,
                   help="with --engine ray: embedding workers, each holding the models (default 2)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("tag", help="approach and country tags of a file or of every file in a folder (no index needed)")
    p.add_argument("target", metavar="FILE_OR_DIR")
    p.add_argument("--json", action="store_true", help="one JSON object per document, one per line")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("search", help="find the passages that answer a query")
    p.add_argument("query", nargs="?")
    p.add_argument("--index", default=_default_index())
    p.add_argument("-k", "--k", type=int, default=10, help="number of cases to return (1-100)")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    commands.add_filter_args(p)
    p.add_argument("--batch", metavar="FILE",
                   help="one JSON object per line ('-' for stdin): {\"query\", \"k\", \"mode\", \"filters\": "
                        "{\"country\": [...], ...}}; -k and --mode hold where a line sets none")
    p.add_argument("--facets", action="store_true", help="also print facet counts (JSON: an object, not an array)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("similar", help="cases of other documents (or rows of its table) like a given case")
    p.add_argument("case_id")
    p.add_argument("--index", default=_default_index())
    p.add_argument("-k", "--k", type=int, default=10)
    commands.add_filter_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("show", help="show one case")
    p.add_argument("case_id")
    p.add_argument("--index", default=_default_index())
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("stats", help="counts of documents, cases and passages")
    p.add_argument("--index", default=_default_index())
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("docs", help="list the documents of an index (with filters: those holding a case they keep)")
    p.add_argument("--index", default=_default_index())
    commands.add_filter_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)
    commands.register(sub, _default_index())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kb` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KBError as exc:
        sys.stderr.write(f"kb: error: {exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write("kb: interrupted; the previous index is unchanged\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
