"""The store's read queries for search and analysis: filters, passages and facet counts (keyword reads:
kb.storekeywords)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from kb.models import FACET_FILTERS, Filters

# A passage with its case (c) and its document (d).
_PASSAGE_JOIN = " FROM chunks k JOIN cases c ON c.case_id = k.case_id JOIN documents d ON d.doc_id = k.doc_id "
# A record's own date (its "date" field) comes with its document's: a table row is dated by its row.
_PASSAGE_ROWS = """SELECT k.chunk_id, k.case_id, k.doc_id, k.start, k.end, k.page, k.text, k.kind, k.language,
       k.section,
       c.title AS case_title, d.title AS doc_title, d.source, d.published, d.doc_type,
       (SELECT json_extract(f.value, '$[1]') FROM json_each(c.fields) f
        WHERE json_extract(f.value, '$[0]') = 'date') AS case_date""" + _PASSAGE_JOIN


class SearchQueries:
    """Filter, keyword and facet queries over the store's tables; Store inherits them."""

    @property
    def db(self) -> sqlite3.Connection:
        """The connection to read with (Store gives each thread its own)."""
        raise NotImplementedError

    def _where_in(self, sql: str, values: Sequence[Any], before: Sequence[Any] = ()) -> Iterator[sqlite3.Row]:
        """Rows of a query whose `IN ({})` takes many values, run in slices under SQLite's variable limit."""
        for i in range(0, len(values), 500):
            part = list(values[i:i + 500])
            yield from self.db.execute(sql.format(",".join("?" * len(part))), [*before, *part])

    # -- search -----------------------------------------------------------------------------------
    def _case_filter(self, f: Filters) -> tuple[str, list[Any]]:
        """SQL selecting the case ids a filter allows (facets combine with AND, values with OR)."""
        parts, args = [], []
        for facet in FACET_FILTERS:
            values = getattr(f, facet)
            if values:
                stored = f.facets(facet)
                parts.append("case_id IN (SELECT case_id FROM case_facets "
                             f"WHERE facet IN ({','.join('?' * len(stored))}) "
                             f"AND value IN ({','.join('?' * len(values))}))")
                args += [*stored, *values]
        if f.year_from is not None or f.year_to is not None:
            parts.append("case_id IN (SELECT case_id FROM case_facets WHERE facet = 'year' "
                         "AND CAST(value AS INTEGER) BETWEEN ? AND ?)")
            args += [f.year_from if f.year_from is not None else 0, f.year_to if f.year_to is not None else 9999]
        if f.source:
            like = " OR ".join("source = ? OR source LIKE ? ESCAPE '\\'" for _ in f.source)
            parts.append(f"doc_id IN (SELECT doc_id FROM documents WHERE {like})")
            for prefix in f.source:
                escaped = prefix.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                args += [prefix, escaped + "/%"]
        return "SELECT case_id FROM cases WHERE " + " AND ".join(parts or ["1"]), args

    def passage_count(self, doc_id: str) -> int:
        """How many passages a document holds."""
        return int(self.db.execute("SELECT COUNT(*) FROM chunks WHERE doc_id = ?", (doc_id,)).fetchone()[0])

    def allowed_passages(self, f: Filters) -> np.ndarray | None:
        """Ids of the passages a filter allows, or None when nothing is filtered."""
        if f.empty:
            return None
        sql, args = self._case_filter(f)
        rows = self.db.execute(f"SELECT chunk_id FROM chunks WHERE case_id IN ({sql})", args).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    # -- duplicate groups -----------------------------------------------------------------------------
    def case_texts(self) -> Iterator[tuple[str, str, str, str, str, bool]]:
        """(case id, document id, text, the record's own address or "", title, whether it is a table's row) of
        every case, document by document."""
        doc_id, text = None, ""
        for row in self.db.execute("SELECT c.case_id, c.doc_id, c.start, c.end, c.fields, c.title FROM cases c "
                                   "ORDER BY c.doc_id, c.ordinal"):
            if row["doc_id"] != doc_id:
                doc_id = row["doc_id"]
                text = self.db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            fields = dict(json.loads(row["fields"]))
            yield (row["case_id"], row["doc_id"], text[row["start"]:row["end"]], fields.get("url", ""), row["title"],
                   bool(fields))

    def own_texts(self, case_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Each case's document (its source) and own text, without its title: what saved searches know it by."""
        rows = self._where_in("SELECT c.case_id, d.source, substr(d.text, c.start + 1, c.end - c.start) AS text "
                              "FROM cases c JOIN documents d ON d.doc_id = c.doc_id WHERE c.case_id IN ({})",
                              list(case_ids))
        return {r["case_id"]: (r["source"], r["text"]) for r in rows}

    def titles(self) -> list[tuple[str, str, str, str]]:
        """(case id, case title, document id, document title) of every case."""
        return [(r[0], r[1], r[2], r[3]) for r in self.db.execute(
            "SELECT c.case_id, c.title, c.doc_id, d.title FROM cases c JOIN documents d USING (doc_id)")]

    def groups_of(self, case_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Case id -> (group id, where it was published on its own: kb.duplicates.CaseText.unit), for those of the
        given cases published more than once."""
        sql = "SELECT case_id, group_id, unit FROM case_groups WHERE case_id IN ({})"
        return {r[0]: (r[1], r[2]) for r in self._where_in(sql, list(case_ids))}

    def group_members(self, group_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Group id -> its cases with their documents' title, publisher and source, in source order."""
        sql = ("SELECT g.group_id, g.case_id, c.title AS case_title, d.title, d.publisher, d.source, d.published, "
               "g.unit FROM case_groups g JOIN cases c ON c.case_id = g.case_id "
               "JOIN documents d ON d.doc_id = c.doc_id WHERE g.group_id IN ({})")
        out: dict[str, list[dict[str, Any]]] = {}
        for r in sorted(self._where_in(sql, list(group_ids)), key=lambda r: (r["source"], r["case_id"])):
            out.setdefault(r["group_id"], []).append({k: r[k] for k in r.keys() if k != "group_id"})
        return out

    def republished(self) -> set[str]:
        """Cases that are another source's copy of a grouped case: in each group, those of every document (or a
        table's row) but the one holding most of the group's cases (the first by id on a tie), which is counted."""
        by_group: dict[str, dict[str, list[str]]] = {}
        for r in self.db.execute("SELECT group_id, case_id, unit FROM case_groups"):
            by_group.setdefault(r[0], {}).setdefault(r[2], []).append(r[1])
        out: set[str] = set()
        for docs in by_group.values():
            counted = min(docs, key=lambda d: (-len(docs[d]), d))
            out.update(case for doc, cases in docs.items() if doc != counted for case in cases)
        return out

    def prose_passage_cases(self) -> list[tuple[int, str]]:
        """(passage id, case id) of every prose passage: the passages a search may show."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT chunk_id, case_id FROM chunks WHERE kind = 'prose'")]

    def case_facet_rows(self, facets: Sequence[str]) -> list[tuple[str, str, str]]:
        """Every (case id, facet, value) row of the given facets."""
        return [(r[0], r[1], r[2]) for r in self.db.execute(
            f"SELECT case_id, facet, value FROM case_facets WHERE facet IN ({','.join('?' * len(facets))})",
            list(facets))]

    def passages(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Passage rows with their case's title and their document's metadata, by passage id."""
        return {r["chunk_id"]: r for r in self._where_in(
            _PASSAGE_ROWS + "WHERE k.chunk_id IN ({})", ids)}

    def passage_places(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Where passages sit (chunk_id, case_id, doc_id, kind, doc_type), by passage id: what ranking a pool of
        hundreds needs, without the texts and titles that only the few shown need (2.0 -> 0.6 ms for 400)."""
        return {r["chunk_id"]: r for r in self._where_in(
            "SELECT k.chunk_id, k.case_id, k.doc_id, k.kind, k.language, k.text_hash, d.doc_type FROM chunks k "
            "JOIN documents d ON d.doc_id = k.doc_id WHERE k.chunk_id IN ({})", ids)}

    def passage_hashes_in(self, languages: Sequence[str]) -> list[tuple[int, str]]:
        """(id, text hash) of the passages in the given languages, in order."""
        return [(r[0], r[1]) for r in self._where_in(
            "SELECT chunk_id, text_hash FROM chunks WHERE language IN ({}) ORDER BY chunk_id", list(languages))]

    def case_passages(self, case_ids: list[str]) -> list[sqlite3.Row]:
        """Every passage of the given cases in document order: its id, case, kind, text and titles only.

        A passage choice reads every passage of a page's cases, hundreds for a report's chapter: the full rows'
        date lookup and columns cost it 3.5 of a search's 55 ms (dev queries)."""
        return sorted(self._where_in("SELECT k.chunk_id, k.case_id, k.kind, k.text, c.title AS case_title, "
                                     "d.title AS doc_title" + _PASSAGE_JOIN + "WHERE k.case_id IN ({})", case_ids),
                      key=lambda r: r["chunk_id"])

    def facets_of(self, case_ids: list[str]) -> dict[str, dict[str, list[str]]]:
        """case id -> facet -> values, for the given cases."""
        out: dict[str, dict[str, list[str]]] = {c: {} for c in case_ids}
        for case_id, facet, value in self._where_in(
                "SELECT case_id, facet, value FROM case_facets WHERE case_id IN ({})", case_ids):
            out[case_id].setdefault(facet, []).append(value)
        return out

    def facet_counts(self, case_ids: list[str], mentions: bool = False) -> dict[str, dict[str, int]]:
        """facet -> value -> number of the given cases with it, most frequent first; with `mentions`, a case
        counts under a country it mentions as well as under its focus (once)."""
        counts: dict[str, dict[str, int]] = {}
        if not case_ids:
            return counts
        facet = "CASE WHEN facet = 'country_mention' THEN 'country' ELSE facet END" if mentions else "facet"
        rows = self.db.execute(
            f"SELECT {facet} AS f, value, COUNT(DISTINCT case_id) AS n FROM case_facets "
            f"WHERE case_id IN ({','.join('?' * len(case_ids))}) GROUP BY f, value ORDER BY f, n DESC, value", case_ids)
        for facet, value, n in rows:
            counts.setdefault(facet, {})[value] = n
        return counts

    def facet_values(self, facet: str, mentions: bool = False) -> dict[str, int]:
        """Every value of a facet in the index, with its number of cases (countries: focus, or also mentions)."""
        stored = Filters(mentions=mentions).facets(facet)
        return {r[0]: r[1] for r in self.db.execute(
            f"SELECT value, COUNT(DISTINCT case_id) FROM case_facets WHERE facet IN ({','.join('?' * len(stored))}) "
            "GROUP BY value ORDER BY COUNT(DISTINCT case_id) DESC", stored)}


    # -- analysis ---------------------------------------------------------------------------------
    def cases_without_prose(self, case_ids: Sequence[str]) -> set[str]:
        """The given cases that hold no prose passage (a reference list, a statistical annex): nothing to read."""
        return {r[0] for r in self._where_in(
            "SELECT case_id FROM cases c WHERE case_id IN ({}) AND NOT EXISTS "
            "(SELECT 1 FROM chunks k WHERE k.case_id = c.case_id AND k.kind = 'prose')", list(case_ids))}

    def cases_per_document(self, f: Filters) -> dict[str, int]:
        """Document id -> how many of its cases a filter allows, for the documents that hold one."""
        sql, args = self._case_filter(f)
        return {r[0]: r[1] for r in self.db.execute(
            f"SELECT doc_id, COUNT(*) FROM cases WHERE case_id IN ({sql}) GROUP BY doc_id", args)}

    def case_ids(self, f: Filters) -> list[str]:
        """Every case a filter allows, in document order."""
        sql, args = self._case_filter(f)
        return [r[0] for r in self.db.execute(sql + " ORDER BY doc_id, ordinal", args)]
