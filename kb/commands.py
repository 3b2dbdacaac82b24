"""`kb` commands beyond ingest and search: compare cases, list and export collections, check an index."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from kb.check import check_index, repair_index
from kb.collections import Collections
from kb.compare import compare, comparison_table
from kb.config import load_settings
from kb.errors import KBError, NotFoundError
from kb.export import course_pack_docx, course_pack_markdown, table_csv, table_markdown
from kb.pipeline import open_store

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE, EXIT_SKIPPED = 0, 1, 2, 3


def print_json(data: Any) -> None:
    """One JSON document on one line of standard output."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None) + "\n")


def cmd_compare(args: argparse.Namespace) -> int:
    store = open_store(args.index)
    try:
        comparison = compare(store, args.case_ids)
    finally:
        store.close()
    header, rows = comparison_table(comparison)
    if args.json:
        print_json({
            "cases": [{"case_id": p.case.case_id, "title": p.case.title, "document_title": p.document.title,
                       "source": p.document.source, "publisher": p.document.publisher, "year": p.year,
                       "countries": list(p.countries), "approaches": list(p.approaches), "actors": list(p.actors),
                       "figures": [{"kind": f.kind, "value": f.value, "sentence": f.sentence} for f in p.figures]}
                      for p in comparison.profiles],
            "alike": [asdict(a) for a in comparison.alike],
            "only": {case_id: list(lines) for case_id, lines in comparison.only}})
    else:
        sys.stdout.write(table_csv(header, rows) if args.csv else table_markdown(header, rows))
    return EXIT_OK


def _collection_id(coll: Collections, name: str) -> int:
    names = coll.names()
    for cid, cname in names.items():
        if name in (cname, str(cid)):
            return cid
    raise NotFoundError(f"no collection named {name!r}; there are: {', '.join(names.values()) or 'none'}")


def cmd_collections(args: argparse.Namespace) -> int:
    coll = Collections(args.index)
    listed = [{"id": cid, "name": name, "items": len(coll.get(cid).items)} for cid, name in coll.names().items()]
    if args.json:
        print_json(listed)
    for c in [] if args.json else listed:
        print(f"{c['id']:>4}  {c['items']:>3} cases  {c['name']}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    coll = Collections(args.index)
    collection = coll.get(_collection_id(coll, args.collection))
    if args.format == "docx":
        if not args.out:
            raise KBError("a DOCX course pack needs --out FILE")
        with open(args.out, "wb") as fh:
            fh.write(course_pack_docx(collection))
    elif args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(course_pack_markdown(collection))
    else:
        sys.stdout.write(course_pack_markdown(collection))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    repaired = repair_index(args.index, load_settings(args.config)) if args.repair else []
    found = check_index(args.index)
    if args.json:
        print_json({"ok": not found, "repaired": repaired,
                    "problems": [{"problem": f.problem, "repairable": f.repairable} for f in found]})
    else:
        for action in repaired:
            print(f"repaired: {action}")
        for f in found:
            print(f"problem: {f.problem}" + (" (kb check --repair mends it)" if f.repairable else
                                              " (rebuild: delete the index folder and run kb ingest)"))
        if not found:
            print(f"{args.index}: store, vectors and manifest agree")
    return EXIT_PROBLEMS if found else EXIT_OK


def register(sub: Any, default_index: str) -> None:
    """Add these commands to the `kb` parser."""
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
    p.add_argument("--format", choices=("md", "docx"), default="md")
    p.add_argument("--out", metavar="FILE", help="write here (Markdown goes to standard output without it)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("check", help="prove that the store, vector file and manifest agree (exit 1 if not)")
    p.add_argument("--index", default=default_index)
    p.add_argument("--repair", action="store_true", help="re-embed missing vectors, rebuild the vector file, "
                                                          "rewrite the manifest, clear interrupted ingests")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)
