"""`kb` commands beyond ingest and search: counts, compare cases, collections and exports, goals, models, check."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from kb.analysis import UNITS, count
from kb.check import check_index, repair_index
from kb.collections import Collections
from kb.compare import compare, comparison_table
from kb.config import load_settings
from kb.contract import (
    approaches_json,
    check_json,
    collections_json,
    comparison_json,
    counts_json,
    model_json,
    watch_json,
    watch_run_json,
)
from kb.doctypes import type_ids
from kb.e5convert import ensure_converted
from kb.embed import resolve_model_path
from kb.errors import KBError
from kb.export import course_pack_docx, course_pack_html, course_pack_markdown, table_csv, table_markdown
from kb.indexdir import open_store
from kb.library import Library
from kb.models import Filters
from kb.query import QueryError
from kb.stonnx import ensure_twin
from kb.taxonomy import goal_id, load_goals, load_taxonomy

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE, EXIT_SKIPPED = 0, 1, 2, 3


def print_json(data: Any) -> None:
    """One JSON document on one line of standard output."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None) + "\n")


def filters_of(args: argparse.Namespace) -> Filters:
    """The filters a command's arguments name."""
    if args.year and (args.year_from is not None or args.year_to is not None):
        raise QueryError("--year and --year-from/--year-to name the years twice: give one of them")
    return Filters(approach=tuple(args.approach or ()), sdg=tuple(goal_id(g) for g in args.sdg or ()),
                   country=tuple(c.upper() for c in args.country or ()),
                   region=tuple(args.region or ()), doc_type=tuple(args.type or ()),
                   language=tuple(args.language or ()), source=tuple(args.source or ()),
                   year_from=args.year[0] if args.year else args.year_from,
                   year_to=args.year[1] if args.year else args.year_to, mentions=bool(getattr(args, "mentions", False)))


def _years(text: str) -> tuple[int, int]:
    """A year ("2015") or a range of years ("2010-2020") as (from, to)."""
    parts = text.replace("–", "-").split("-")
    if not 1 <= len(parts) <= 2 or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r}: give a year (2015) or a range of years (2010-2020)")
    years = [int(p) for p in parts]
    return years[0], years[-1]


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """The filter options shared by search, similar and counts."""
    p.add_argument("--approach", action="append", metavar="ID", help="approach id (repeat for any of several)")
    p.add_argument("--sdg", action="append", metavar="GOAL", help="goal such as sdg5 or 5 (repeatable; `kb sdgs`)")
    p.add_argument("--country", action="append", metavar="ISO3", help="ISO 3166-1 alpha-3 code (repeatable)")
    p.add_argument("--region", action="append", metavar="ID", help="region id such as africa (repeatable)")
    p.add_argument("--type", action="append", metavar="TYPE", help="document type: " + ", ".join(type_ids()))
    p.add_argument("--language", action="append", metavar="CODE", help="ISO 639-1 language code (repeatable)")
    p.add_argument("--source", action="append", metavar="PATH", help="a collection folder or file of the corpus")
    p.add_argument("--year", type=_years, metavar="YEAR[-YEAR]", help="a year or a range, such as 2010-2020")
    p.add_argument("--year-from", type=int, metavar="YEAR")
    p.add_argument("--year-to", type=int, metavar="YEAR")
    p.add_argument("--mentions", action="store_true", help="a country filter also finds cases that only mention it")


def cmd_counts(args: argparse.Namespace) -> int:
    store = open_store(args.index)
    try:
        counts = count(store, store.case_ids(filters_of(args)), args.by, args.mentions, args.copies)
    finally:
        store.close()
    if args.csv:
        header = ["id", "title", "document", "source", "years", "countries", "approaches", "sdgs"]
        sys.stdout.write(table_csv(header, [[row[h] for h in header] for row in counts.rows]))
        return EXIT_OK
    data = counts_json(counts)
    if args.json:
        print_json(data)
        return EXIT_OK
    print(f"{counts.total} {counts.unit}s; {counts.undated} have no date, {counts.no_country} no focus country, "
          f"{counts.no_approach} no approach; {counts.copies} copies of cases published elsewhere not counted; "
          f"{counts.no_text} parts with no text to read (reference lists, tables) not counted")
    for key in ("by_approach", "by_sdg", "by_country", "by_year"):
        print(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in list(data[key].items())[:25]))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    store = open_store(args.index)
    try:
        comparison = compare(store, args.case_ids, load_settings(args.config).taxonomy or None)
    finally:
        store.close()
    header, rows = comparison_table(comparison)
    if args.json:
        print_json(comparison_json(comparison))
    else:
        sys.stdout.write(table_csv(header, rows) if args.csv else table_markdown(header, rows))
    return EXIT_OK


def cmd_collections(args: argparse.Namespace) -> int:
    coll = Collections(args.index)
    listed = collections_json(coll)
    if args.json:
        print_json(listed)
    for c in [] if args.json else listed:
        print(f"{c['id']:>4}  {c['items']:>3} cases  {c['name']}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    coll = Collections(args.index)
    collection = coll.get(coll.find(args.collection))
    if args.format == "docx":
        if not args.out:
            raise KBError("a DOCX course pack needs --out FILE")
        with open(args.out, "wb") as fh:
            fh.write(course_pack_docx(collection))
        return EXIT_OK
    text = course_pack_html(collection) if args.format == "html" else course_pack_markdown(collection)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_approaches(args: argparse.Namespace) -> int:
    taxonomy = load_goals() if args.kind == "sdg" else load_taxonomy(load_settings(args.config).taxonomy)
    approaches = taxonomy.approaches
    if args.json:
        print_json(approaches_json(taxonomy))
    else:
        width = max(len(a.id) for a in approaches)
        for a in approaches:
            print(f"{a.id:<{width}}  {a.label}")
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    folder, manifest = ensure_converted()
    entries = [model_json(folder.name, str(folder), manifest)]
    model = load_settings(args.config).main_model
    twin = ensure_twin(model, resolve_model_path(model))
    if twin is not None:
        entries.append(model_json(twin[0].name, str(twin[0]), twin[1]))
    if args.json:
        print_json({"models": entries})
    else:
        for entry in entries:
            print(f"{entry['name']}: {entry['path']} (checked)\n  {entry['licence']}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    repaired = repair_index(args.index, load_settings(args.config)) if args.repair else []
    found = check_index(args.index)
    if args.json:
        print_json(check_json(repaired, found))
    else:
        for action in repaired:
            print(f"repaired: {action}")
        for f in found:
            print(f"problem: {f.problem}" + (" (kb check --repair mends it)" if f.repairable else
                                              " (rebuild: delete the index folder and run kb ingest)"))
        if not found:
            print(f"{args.index}: store, vectors and manifest agree")
    return EXIT_PROBLEMS if found else EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    library = Library(args.index, load_settings(args.config))
    watches = library.watches()
    if args.action in ("add", "remove") and not (args.name and (args.query or args.action == "remove")):
        raise KBError("give a name and a query: kb watch add NAME QUERY [filters]" if args.action == "add"
                      else "give the name: kb watch remove NAME (kb watch list shows the names)")
    if args.action == "add":
        run = watches.add(library.searcher, args.name, args.query, args.mode, filters_of(args))
        if args.json:
            print_json(watch_json(run.watch))
        else:
            print(f"saved {run.watch.name!r}: {run.matches} cases match it now; `kb watch run` lists later ones")
    elif args.action == "remove":
        watches.remove(args.name)
        if not args.json:
            print(f"removed {args.name!r}")
    elif args.action == "list":
        listed = [watch_json(w) for w in watches.all()]
        if args.json:
            print_json(listed)
        for w in [] if args.json else listed:
            print(f"{w['name']}: {w['query']!r} {json.dumps(w['filters']) if w['filters'] else ''} "
                  f"(last seen {w['seen_at']}) app link {w['link']}")
    else:
        names = [args.name] if args.name else [w.name for w in watches.all()]
        runs = [watch_run_json(*library.watch_run(name, not args.peek)) for name in names]
        if args.json:
            print_json(runs)
        for r in [] if args.json else runs:
            print(f"{r['name']}: {len(r['new'])} new of {r['matches']} matching")
            for case in r["new"]:
                print(f"  {case['case_id']}  {case['title'][:90]}  ({case['document_title'][:60]})")
    return EXIT_OK


def _positive(value: str) -> int:
    """A count of one or more, read from the command line."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give a whole number of 1 or more")
    return int(value)


def cmd_serve(args: argparse.Namespace) -> int:
    # Imported here: the other commands start without loading the web framework.
    import uvicorn

    from kb.api import SERVE_CONFIG, SERVE_INDEX, create_app

    settings = load_settings(args.config)
    open_store(args.index).close()  # a missing or stale index is said before the server starts
    sys.stderr.write(f"kb: serving {args.index} on http://{args.host}:{args.port} (API page /docs); "
                     f"{'collections can be changed' if settings.serve_writes else 'read-only'}\n")
    limits = {"host": args.host, "port": args.port, "log_level": "warning", "limit_concurrency": args.max_requests,
              "timeout_keep_alive": 5}
    if args.workers == 1:
        uvicorn.run(create_app(args.index, settings), **limits)
        return EXIT_OK
    # A search's Python half holds the interpreter's lock, so threads of one process share one core's worth of it;
    # processes do not (scripts/bench_api.py). Each worker opens the index and loads the models itself.
    os.environ.update({SERVE_INDEX: str(args.index), SERVE_CONFIG: str(args.config or "")})
    uvicorn.run("kb.api:app_from_environment", factory=True, workers=args.workers, **limits)
    return EXIT_OK


def register(sub: Any, default_index: str) -> None:
    """Add these commands to the `kb` parser."""
    p = sub.add_parser("counts", help="cases (or documents) by approach, focus country and year, within filters")
    p.add_argument("--index", default=default_index)
    p.add_argument("--by", choices=UNITS, default="case", help="count cases, or documents (each once)")
    p.add_argument("--copies", action="store_true",
                   help="count a case published by several sources once per source (by default once)")
    add_filter_args(p)
    p.add_argument("--csv", action="store_true", help="one row per case or document, as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_counts)

    p = sub.add_parser("compare", help="2 to 4 cases side by side: places, approaches, actors, key figures")
    p.add_argument("case_ids", nargs="+", metavar="CASE_ID")
    p.add_argument("--index", default=default_index)
    p.add_argument("--csv", action="store_true", help="the table as CSV instead of Markdown")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("collections", help="list the trainers' collections kept beside an index")
    p.add_argument("--index", default=default_index)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_collections)

    p = sub.add_parser("export", help="a collection as a course pack (Markdown or DOCX) with citations")
    p.add_argument("collection", metavar="NAME_OR_ID")
    p.add_argument("--index", default=default_index)
    p.add_argument("--format", choices=("md", "docx", "html"), default="md",
                   help="Markdown, Word, or a printable HTML handout")
    p.add_argument("--out", metavar="FILE", help="write here (Markdown and HTML go to standard output without it)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("approaches", help="the approach ids that --approach takes, with their labels")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_approaches, kind="approach")

    p = sub.add_parser("sdgs", help="the Sustainable Development Goals that --sdg takes, with their names")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_approaches, kind="sdg")

    p = sub.add_parser("models", help="convert the packaged multilingual model to int8 ONNX and the main model's "
                                      "query encoder to ONNX (offline, once), and check both against their checksums")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("check", help="prove that the store, vector file and manifest agree (exit 1 if not)")
    p.add_argument("--index", default=default_index)
    p.add_argument("--repair", action="store_true", help="re-embed missing vectors, rebuild the vector file, "
                                                          "rewrite the manifest, clear interrupted ingests")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("watch", help="saved searches: add, list, remove, and run to see the cases new since last time")
    p.add_argument("action", choices=("add", "list", "remove", "run"))
    p.add_argument("name", nargs="?", help="the saved search (run without it runs every one)")
    p.add_argument("query", nargs="?", help="for add: the query to save")
    p.add_argument("--index", default=default_index)
    p.add_argument("--mode", choices=("hybrid", "semantic", "keyword"), default="hybrid")
    add_filter_args(p)
    p.add_argument("--peek", action="store_true", help="run: list what is new without marking it seen")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("serve", help="an HTTP API over an index: the JSON of these commands, models loaded once")
    p.add_argument("--index", default=default_index)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-requests", type=int, default=32, metavar="N",
                   help="requests served at once (per worker); more are answered 503 at once instead of queueing")
    p.add_argument("--workers", type=_positive, default=1, metavar="N",
                   help="processes answering requests, each holding the index's models (one per core)")
    p.set_defaults(func=cmd_serve)
