"""The store's read queries for search and analysis: filters, keyword ranking and facet counts."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np

from kb.models import FACET_FILTERS, Filters

# The tokenizer of the passages' FTS5 table, as its schema declares it.
_TOKENIZE = re.compile(r"tokenize\s*=\s*'([^']*)'")
# Each thread's in-memory FTS5 tables that tokenize a word as the index does, by tokenizer.
_TOKENIZERS = threading.local()

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

    def keyword_search(
        self, match: str, limit: int, f: Filters, heading_weight: float = 0.3
    ) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher is better) for an FTS5 match expression, inside a filter."""
        rank = f"bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        sql = f"SELECT rowid, -{rank} FROM chunks_fts WHERE chunks_fts MATCH ?"
        args: list[Any] = [match]
        if not f.empty:
            cases, extra = self._case_filter(f)
            # The unary + keeps SQLite from handing the id list to FTS5 as one rowid lookup per allowed passage
            # (0.36 s at 10k passages); as a plain filter on the matches it costs about what the match does.
            sql += f" AND +rowid IN (SELECT chunk_id FROM chunks WHERE case_id IN ({cases}))"
            args += extra
        rows = self.db.execute(sql + f" ORDER BY {rank} LIMIT ?", [*args, limit]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def tokens(self, text: str) -> tuple[str, ...]:
        """The tokens the passages' FTS5 table reads a text as, in order ("developing" -> "develop"): texts of the
        same tokens match the same passages with the same BM25. 0.03 ms a word."""
        found = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'").fetchone()
        spec = _TOKENIZE.search(found[0]) if found else None
        tokenizers: dict[str, sqlite3.Connection] = _TOKENIZERS.__dict__.setdefault("by_spec", {})
        key = spec[1] if spec else ""
        db = tokenizers.get(key)
        if db is None:
            db = tokenizers[key] = sqlite3.connect(":memory:")
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x{', tokenize = ' + repr(key) if key else ''})")
            db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (text,))
        out = tuple(r[0] for r in db.execute("SELECT term FROM v ORDER BY offset"))
        db.execute("DELETE FROM t WHERE rowid = 1")
        return out

    def common_tokens(self, postings: int, skip: Collection[str] = ()) -> list[tuple[str, int]]:
        """(token, passages holding it) of the index's commonest tokens but those skipped, most passages first, as
        many as hold at most `postings` passages in all (FTS5 reads its whole vocabulary: 0.3 s at 100k)."""
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_vocab USING fts5vocab(main, chunks_fts, row)")
        out, total = [], 0
        for term, docs in self.db.execute("SELECT term, doc FROM temp.kb_vocab ORDER BY doc DESC"):
            if term in skip:
                continue
            if total + docs > postings:
                break
            out.append((str(term), int(docs)))
            total += docs
        return out

    def phrase_scores(self, match: str, heading_weight: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids in order, BM25) of every passage an FTS5 expression of one phrase matches, scored as FTS5
        scores that phrase alone (kb.keywords adds them up)."""
        rank = f"-bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        # One string for the ids and one for the scores, built in SQLite's C code (as passages_holding does);
        # printf's %!.17g writes each double so that it reads back the same. bm25() runs only where the match
        # is read, so that part is a subquery of its own (MATERIALIZED).
        ids, scores = self.db.execute(
            f"WITH m AS MATERIALIZED (SELECT rowid AS id, {rank} AS s FROM chunks_fts WHERE chunks_fts MATCH ?) "
            "SELECT group_concat(id), group_concat(printf('%!.17g', s)) FROM m", (match,)).fetchone()
        if ids is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        found, values = np.array(ids.split(","), dtype=np.int64), np.array(scores.split(","), dtype=np.float64)
        order = np.argsort(found, kind="stable")
        return found[order], values[order]

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

    def passages_holding(self, match: str) -> np.ndarray:
        """Ids of every passage an FTS5 match expression matches (no scoring)."""
        # One string built in SQLite's C code, split once: 2.5x faster than a Python row per passage.
        found = self.db.execute("SELECT group_concat(rowid) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                (match,)).fetchone()[0]
        return np.array(found.split(","), dtype=np.int64) if found else np.zeros(0, dtype=np.int64)

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

    def keyword_scores(self, match: str, ids: list[int], heading_weight: float = 0.3) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the given passages that an FTS5 match expression matches."""
        # One MATCH over the whole index, its matches kept to the given passages before BM25 is computed: the
        # unary + stops FTS5 from evaluating the match once per listed row (10 to 70 times slower), and scoring
        # only the kept rows is 9x faster than scoring every match (52 -> 6 ms at 100k passages); the scores are
        # the same, with the whole index's statistics.
        rank = f"-bm25(chunks_fts, {float(heading_weight)}, 1.0)"
        rows = self.db.execute(f"SELECT rowid, {rank} FROM chunks_fts WHERE chunks_fts MATCH ? "
                               "AND +rowid IN (SELECT value FROM json_each(?))", (match, json.dumps(list(ids))))
        return [(r[0], r[1]) for r in rows]

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
