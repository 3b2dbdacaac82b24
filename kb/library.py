"""What the app's pages read and do, over one index folder: the views' only way into the index.

Each call opens the store for as long as it needs it (an ingest may swap it in between calls); searches go
through one shared Searcher, which follows a re-built index by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.analysis import Counts, count
from kb.collections import Collections
from kb.compare import Comparison, compare
from kb.config import Settings
from kb.duplicates import other_sources
from kb.export import excerpt_of
from kb.indexdir import open_store
from kb.models import FACET_FILTERS, Case, Chunk, Document, Filters, Tag
from kb.search import Searcher
from kb.store import Store
from kb.taxonomy import goal_number
from kb.watch import Watches, WatchRun


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows: the case, its document, its own tags and its document's, its passages
    and its neighbours in the document."""

    case: Case
    document: Document
    tags: tuple[Tag, ...]
    document_tags: tuple[Tag, ...]
    passages: tuple[tuple[int, Chunk], ...]
    previous: Case | None
    next: Case | None
    cases_in_document: int
    # The same case published by other documents (kb.duplicates): case id, case title, document title, source,
    # publisher and date of each.
    also_published: tuple[Mapping[str, Any], ...] = ()


class Library:
    """The app's read and write layer over one index folder and the collections kept beside it."""

    def __init__(self, index_dir: str | Path, settings: Settings | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self._searcher: Searcher | None = None
        # The searcher's warm-up (kb.search), once it is opened with the `warm` setting on.
        self.warming: Future | None = None

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The index's store, opened for one read."""
        s = open_store(self.index_dir)
        try:
            yield s
        finally:
            s.close()

    def check(self) -> None:
        """Raise the error that says what is missing when there is no index to show."""
        with self.store():
            pass

    @property
    def searcher(self) -> Searcher:
        """The one Searcher of this library, opened on first use; it picks up a re-built index by itself."""
        if self._searcher is None:
            self._searcher = Searcher(self.index_dir, self.settings)
            if self.settings.warm:  # the models, dictionary and common words read while the user types
                self.warming = self._searcher.warm()
        self._searcher.refresh()
        return self._searcher

    def collections(self) -> Collections:
        """The trainers' collections kept beside the index."""
        return Collections(self.index_dir)

    def watches(self) -> Watches:
        """The saved searches kept beside the index."""
        return Watches(self.index_dir)

    def watch_run(self, name: str, mark_seen: bool) -> tuple[WatchRun, dict[str, tuple[str, str]]]:
        """What a saved search finds that it has not seen, with the new cases' titles."""
        run = self.watches().run(self.searcher, name, mark_seen)
        return run, self.case_titles(list(run.new))

    # -- reading ------------------------------------------------------------------------------------
    def case_page(self, case_id: str) -> CasePage:
        """One case with everything its page shows."""
        with self.store() as s:
            case = s.case(case_id)
            siblings = s.cases(doc_id=case.doc_id)
            i = next(n for n, c in enumerate(siblings) if c.case_id == case_id)
            doc = s.document(case.doc_id)
            group = s.groups_of([case_id]).get(case_id, ("", ""))[0]
            also = other_sources(s.group_members([group]).get(group, []), case_id) if group else []
            return CasePage(case, doc, _in_order(s.tags(case.doc_id, case_id)),
                            _in_order(s.tags(case.doc_id)), tuple(s.chunks(case_id=case_id)),
                            siblings[i - 1] if i > 0 else None, siblings[i + 1] if i + 1 < len(siblings) else None,
                            len(siblings), tuple(also))

    def passages(self, passage_ids: list[int]) -> list[tuple[int, str, int | None]]:
        """The given passages as (id, text, page), in the order given."""
        with self.store() as s:
            rows = s.passages(passage_ids)
        return [(pid, rows[pid]["text"], rows[pid]["page"]) for pid in passage_ids if pid in rows]

    def documents(self, filters: Filters = Filters()) -> list[dict[str, Any]]:
        """Every document with its counts; under filters, those holding a case the filters keep, with how many
        ("kept")."""
        with self.store() as s:
            docs = s.documents()
            if filters.empty:
                return docs
            kept = s.cases_per_document(filters)
        return [{**d, "kept": kept[d["doc_id"]]} for d in docs if d["doc_id"] in kept]

    def cases_of(self, doc_id: str, filters: Filters = Filters()) -> list[Case]:
        """A document's cases in order; under filters, those they keep."""
        with self.store() as s:
            cases = s.cases(doc_id=doc_id)
            kept = None if filters.empty else set(s.case_ids(filters))
        return cases if kept is None else [c for c in cases if c.case_id in kept]

    def stats(self) -> dict[str, Any]:
        """Counts of documents, cases and passages, and the files the last ingest skipped."""
        with self.store() as s:
            return {**s.stats(), "skipped_files": s.skipped()}

    def facet_values(self, facet: str, mentions: bool = False) -> dict[str, int]:
        """Every value of a facet with its number of cases."""
        with self.store() as s:
            return s.facet_values(facet, mentions)

    def case_titles(self, case_ids: list[str] | None = None) -> dict[str, tuple[str, str]]:
        """Case id -> (case title, document title), for pickers."""
        with self.store() as s:
            docs = {d["doc_id"]: d["title"] for d in s.documents()}
            cases = s.cases_by_id(case_ids) if case_ids is not None else s.cases()
            return {c.case_id: (c.title, docs.get(c.doc_id, "")) for c in cases}

    def counts(self, filters: Filters, case_ids: list[str] | None = None, unit: str = "case",
               copies: bool = False) -> Counts:
        """The filtered cases (or the given ones) counted by case or by document; copies: count every source."""
        with self.store() as s:
            ids = s.case_ids(filters) if case_ids is None else case_ids
            return count(s, ids, unit, filters.mentions, copies)

    def option_counts(self, filters: Filters, facets: Sequence[str], unit: str = "case", copies: bool = False,
                      cases: Callable[[Filters], list[str]] | None = None, counted: Counts | None = None
                      ) -> dict[str, dict[str, int]]:
        """Each facet's values with what `counts` gives were each chosen (a chosen facet's own filter left out)."""
        # `cases` gives the cases a filter keeps where the page counts a search's matches, not the library's;
        # `counted` is the page's own count under `filters`, which needs no second reading.
        unknown = [f for f in facets if f not in FACET_FILTERS]
        if unknown:
            raise ValueError(f"no filter {unknown[0]!r}: use one of {', '.join(FACET_FILTERS)}")
        done: dict[Filters, Counts] = {filters: counted} if counted is not None else {}
        out: dict[str, dict[str, int]] = {}
        with self.store() as s:
            for facet in facets:
                looser = filters.without(facet) if getattr(filters, facet) else filters
                if looser not in done:
                    ids = cases(looser) if cases is not None else s.case_ids(looser)
                    done[looser] = count(s, ids, unit, filters.mentions, copies)
                out[facet] = done[looser].by_facet.get(facet, {})
        return out

    def compare(self, case_ids: list[str]) -> Comparison:
        """2 to 4 cases side by side."""
        with self.store() as s:
            return compare(s, case_ids, self.settings.taxonomy or None)

    # -- writing --------------------------------------------------------------------------------------
    def collect(self, collection_id: int, case_id: str, passage_id: int | None = None) -> bool:
        """Add a case (with the passage that brought it) to a collection; False when it was there already."""
        with self.store() as s:
            excerpt = excerpt_of(s, case_id, passage_id)
        return self.collections().add(collection_id, excerpt)


def _in_order(tags: list[Tag]) -> tuple[Tag, ...]:
    """Tags as a page lists them: by kind, the surest first, then goals by number ("SDG 2" before "SDG 11")."""
    return tuple(sorted(tags, key=lambda t: (t.kind, -t.confidence, goal_number(t.value) if t.kind == "sdg" else 0,
                                             t.value)))
