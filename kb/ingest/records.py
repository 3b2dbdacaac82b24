"""Case-record tables (CSV, JSON, JSONL): each row is one case, columns mapped to roles by name."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import fields as dc_fields
from dataclasses import replace
from typing import Any

from kb.config import RecordColumns
from kb.dates import find_date, parse_date
from kb.errors import IngestError
from kb.ingest.html import fragment_text
from kb.ingest.text import decode
from kb.models import DATE_FROM, RawDocument, RawRecord
from kb.repair import repair_underscores

_LIST_KEYS = ("records", "data", "items", "cases", "rows", "results")
_MANGLED = re.compile(r"[^\W_]__(?=\s)")
_MAX_DEPTH = 64


def _norm(name: str) -> str:
    """Column name folded for matching: lower case, punctuation as single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def map_columns(columns: Iterable[str], mapping: RecordColumns) -> dict[str, list[str]]:
    """Role -> the table's columns that fill it, in the order the mapping prefers."""
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    # A nested object's field ("details.summary", lifted from JSON) fills a role by its own name or its parent's,
    # where no column of the table is named so.
    for col in columns:
        if "." in col:
            by_norm.setdefault(_norm(col.rsplit(".", 1)[1]), col)
            by_norm.setdefault(_norm(col.split(".", 1)[0]), col)
    roles: dict[str, list[str]] = {}
    for f in dc_fields(mapping):
        wanted = [_norm(name) for name in getattr(mapping, f.name)]
        roles[f.name] = [by_norm[w] for w in wanted if w in by_norm]
    return roles


def _flat(value: Any, depth: int = 0) -> str:
    """A cell value as text: lists joined with '; ', nested objects flattened, None empty."""
    if depth > _MAX_DEPTH:
        raise ValueError("nested deeper than 64 levels")
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(s for s in (_flat(v, depth + 1) for v in value) if s)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {s}" for k, v in value.items() if (s := _flat(v, depth + 1)))
    return fragment_text(str(value)).strip()


def rows_to_records(rows: list[dict[str, Any]], source: str, mapping: RecordColumns) -> tuple[RawRecord, ...]:
    """Turn table rows into records; a table without a text column is an error naming it."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key is not None and key not in columns:
                columns.append(str(key))
    roles = map_columns(columns, mapping)
    if not roles["text"]:
        raise IngestError(
            source,
            f"no text column: looked for {', '.join(mapping.text)}; found {', '.join(columns[:20]) or 'none'}",
        )
    used = {c for cols in roles.values() for c in cols}
    # An export that lost its non-ASCII characters writes "Women__ rights", "Sa_o Tome_": repaired table-wide.
    mangled = sum(len(_MANGLED.findall(" ".join(_flat(v) for v in row.values()))) for row in rows[:200]) >= 3
    fix = repair_underscores if mangled else (lambda value: value)
    records: list[RawRecord] = []
    # A row equal to an earlier one in every column is that record again (an export that repeated it): one
    # case, which names the rows that repeat it. A row that differs in any column stays its own record.
    first: dict[tuple[tuple[str, str], ...], int] = {}
    repeats: dict[int, list[int]] = {}
    for number, row in enumerate(rows, start=1):
        get = {str(k): fix(_flat(v)) for k, v in row.items() if k is not None}
        text = "\n\n".join(v for c in roles["text"] if (v := get.get(c, "")))
        if not text:
            continue
        whole = tuple(sorted((k, " ".join(v.split())) for k, v in get.items()))
        if whole in first:
            repeats.setdefault(first[whole], []).append(number)
            continue
        first[whole] = len(records)
        title = next((v for c in roles["title"] if (v := get.get(c, ""))), "") or f"Record {number}"
        fields: list[tuple[str, str]] = []
        for role, cols in roles.items():
            if role in ("title", "text"):
                continue
            if role == "date":
                # The first column that holds a readable date, as ISO; a row without one may date itself. Which
                # column it was is kept: a project's "date" beside its "Effective Date" told no one which it was.
                column, value = next(((c, d) for c in cols if (d := parse_date(get.get(c, "")))), ("", ""))
                value = value or find_date(f"{title}\n{text[:500]}") or ""
                if value:
                    fields += [("date", value), (DATE_FROM, column or "its text")]
                continue
            # Two columns of one role may say the same (a project's implementing agency and its borrower): once.
            value = "; ".join(dict.fromkeys(v for c in cols if (v := get.get(c, ""))))
            if value:
                fields.append((role, value))
        fields += [(c, v) for c, v in get.items() if c not in used and v]
        fields.append(("row", str(number)))
        records.append(RawRecord(title=" ".join(title.split()), text=text, fields=tuple(fields)))
    if not records:
        raise IngestError(source, f"no rows with text in columns {', '.join(roles['text'])}")
    for at, numbers in repeats.items():
        record = records[at]
        records[at] = replace(record, fields=(*record.fields, ("repeated_in_rows", ", ".join(map(str, numbers)))))
    return tuple(records)


def _sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The sample's delimiter; quoting stays standard (RFC 4180), whatever the sniffer guesses.

    The sniffer often decides that quotes are not doubled, which shifted columns in 20 of 177 rows of the
    South-South table where a description quotes a name.
    """
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return csv.excel

    class Sniffed(csv.excel):
        pass

    Sniffed.delimiter = delimiter
    return Sniffed


def read_csv(data: bytes, source: str, mapping: RecordColumns) -> RawDocument:
    """Read a CSV (delimiter sniffed) whose header names the columns."""
    text = decode(data, source)
    dialect = _sniff_dialect(text[:65536])
    csv.field_size_limit(50_000_000)
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect))
    except csv.Error as exc:
        raise IngestError(source, f"malformed CSV: {exc}") from exc
    if not rows:
        raise IngestError(source, "CSV has a header but no rows")
    records = rows_to_records(rows, source, mapping)
    return RawDocument(source=source, format="csv", pages=("",), records=records)


def _lifted(row: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """A JSON record with its nested objects' fields as columns of their own, named by their path ("details":
    {"summary": ...} is "details.summary"), so a text nested in an API's export is found."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 4:
            out.update(_lifted(value, f"{name}.", depth + 1))
        else:
            out[name] = value
    return out


def read_json(data: bytes, source: str, mapping: RecordColumns, lines: bool) -> RawDocument:
    """Read JSON (a list of objects, or an object holding one) or JSONL (one object per line)."""
    text = decode(data, source)
    try:
        if lines:
            rows = []
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise IngestError(source, f"line {number}: invalid JSON: {exc.msg}") from exc
        else:
            loaded = json.loads(text)
            if isinstance(loaded, dict):
                inner = next((loaded[k] for k in _LIST_KEYS if isinstance(loaded.get(k), list)), None)
                rows = inner if inner is not None else [loaded]
            else:
                rows = loaded
    except json.JSONDecodeError as exc:
        raise IngestError(source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise IngestError(source, "JSON nested too deeply to read") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise IngestError(source, "JSON must hold objects, one per case record")
    if not rows:
        raise IngestError(source, "JSON holds no records")
    try:
        records = rows_to_records([_lifted(row) for row in rows], source, mapping)
    except (ValueError, RecursionError) as exc:
        raise IngestError(source, f"unreadable record values: {exc}") from exc
    return RawDocument(source=source, format="jsonl" if lines else "json", pages=("",), records=records)
