"""From a fused ranking to a page of results: the cases in the order a reader sees them (one per group of
republished copies, those the query names by title first, then by grade, the cases of a place the query names
ahead), a few per document, each shown by the passage that answers (kb.hits), with the facet counts of every
case that matches well."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from kb.explain import Found, Highlighter
from kb.hits import Page, assemble, card_passages, choose_passages, named_places
from kb.index import VectorIndex
from kb.matching import Matcher
from kb.memo import Memo
from kb.models import Filters, Hit
from kb.named import Named, TitleNames, as_written, named_first
from kb.query import MAX_K, QueryPlan
from kb.rank import Ranking, best_per_group, cap_per_document, first_in, fold_republished, fold_same_text, repeated_text
from kb.rankings import Rankings
from kb.relevance import GRADES, grade_cases
from kb.searchrules import SearchRules
from kb.store import Store

# Passages' places kept (about 610 bytes each: 30 MB), by passage: the eval index's 22,742 all fit.
PLACES_KEPT = 50_000
# Cases' passages kept, in characters of text (each passage counted 256 more for its row): 12M, about 25 MB; the
# eval index's whole text is 6.8M characters.
CASE_TEXT_KEPT = 12_000_000


@dataclass(frozen=True)
class SearchResult:
    """Hits best first; how many cases match well within the filters, and their facet counts."""

    query: str
    mode: str
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    # Cases the ranking looked at (its pool): how far "Show more" can go.
    candidates: int
    # Cases of the whole index, within the filters, that match the query well (kb.matching): the number a
    # person is told, and the cases the facet counts count.
    matches: int = 0
    # Those cases' ids (what a saved search compares with the ones it has seen).
    matching: frozenset[str] = frozenset()
    # The places the query names (a country's name, or the region it named) none of whose cases matches its topic
    # well: the hits are about other places, and a person who asked about Rwanda is told so.
    unmatched_places: tuple[str, ...] = ()


class Results:
    """Builds result pages over one index generation; the searcher gives it what it keeps per query."""

    def __init__(self, store: Store, vectors: VectorIndex, rules: Callable[[], SearchRules], rankings: Rankings,
                 matcher: Matcher, highlighter: Highlighter,
                 cases_allowed: Callable[[Filters], frozenset[str] | None],
                 matches_within: Callable[[QueryPlan, str, Filters], frozenset[str]]) -> None:
        self.store = store
        self.vectors = vectors
        self._rules = rules
        self._rankings = rankings
        self._matcher = matcher
        self._highlighter = highlighter
        self._cases_allowed = cases_allowed
        self._matches_within = matches_within
        self._names: TitleNames | None = None
        self._places: Memo[int, Any] = Memo(PLACES_KEPT)
        self._case_rows: Memo[str, list[Any]] = Memo(CASE_TEXT_KEPT, lambda rows: sum(len(r["text"]) + 256
                                                                                     for r in rows) or 1)

    def places(self, ids: list[int]) -> dict[int, Any]:
        """Where passages sit (Store.passage_places), by id, kept for the index generation: a pool's passages
        recur from query to query, and reading the rows of one (about 400) cost 2.4 ms of a search's 38."""
        return self._places.get_many(ids, self.store.passage_places)

    def case_passages(self, cases: list[str]) -> list[Any]:
        """Every passage of the given cases in document order (Store.case_passages), each case's kept for the
        index generation: a passage choice reads all of a page's cases (about 300 passages, 1.5 ms a search)."""
        def read(missing: list[str]) -> dict[str, list[Any]]:
            by_case: dict[str, list[Any]] = {case: [] for case in missing}
            for row in self.store.case_passages(missing):
                by_case[row["case_id"]].append(row)
            return by_case
        return sorted((row for rows in self._case_rows.get_many(cases, read).values() for row in rows),
                      key=lambda row: row["chunk_id"])

    def forget(self) -> None:
        """Drop the passages' places and cases' passages kept."""
        self._places.clear()
        self._case_rows.clear()

    @property
    def rules(self) -> SearchRules:
        """The searcher's rules as they are now (a caller may swap them between searches)."""
        return self._rules()

    def page(self, plan: QueryPlan, mode: str, ranked: Ranking, k: int, lists: dict[str, Ranking],
             filters: Filters | None = None, choose: bool = True) -> SearchResult:
        """The k cases of a fused ranking a page shows, in order, each by the passage that answers, with counts."""
        r = self.rules
        rows = self.places([pid for pid, _ in ranked])
        # Passages that are not prose keep a share of their score (none by default): they do not compete.
        ranked = sorted(((pid, score * (1.0 if rows[pid]["kind"] == "prose" else r.non_prose))
                         for pid, score in ranked if pid in rows and (r.non_prose or rows[pid]["kind"] == "prose")),
                        key=lambda item: (-item[1], item[0]))
        best = best_per_group(ranked, {pid: row["case_id"] for pid, row in rows.items()})
        order = [case for case, _, _ in best]
        document_of, grouped = {row["case_id"]: row["doc_id"] for row in rows.values()}, self.store.groups_of(order)
        groups = {case: group for case, (group, _) in grouped.items()}
        # A case published by many (or listed twice in one table) shows once.
        order = fold_republished(order, {**document_of, **{case: unit for case, (_, unit) in grouped.items()}}, groups)
        case_of = {case: (pid, score) for case, pid, score in best}
        # A document or case the query names by its title (kb.named) is shown, though its passages rank low.
        named = self._title_names().named(plan.title_words) if mode != "similar" else None
        first_of = self._add_named(named, filters or Filters(), order, case_of, rows, document_of) if named else {}
        matching = self._matches_within(plan, mode, filters) if filters is not None else frozenset()
        relevance, on_topic = self._grades(plan, mode, ranked, rows, order, matching)
        if on_topic is not None and filters is not None and filters.country and self.rules.place_first != "off":
            # A country filter says where already (no place first): a case in the place the query names is graded
            # on the query's topic too, as on the page without the filter (the same card read "strong" there and
            # "good" here); with place-first off, neither page does.
            _graded_on_topic(relevance, on_topic, self._placed(plan))
        # "Similar" ranks by a whole case's meaning; its grades read only the case's title.
        judged = set(order)
        if mode != "similar":
            judged = self._judged(plan, mode, {case: rows[pid]["language"] for case, (pid, _) in case_of.items()})
            order = self._by_grade(order, relevance, judged)
        # A document or case the query names by its title comes first, graded at least good: it is what was asked;
        # the cases of a place the query names come before it ("savings groups and small loans for women in
        # Ghana" names a Tunisian post's title, and Ghana).
        moved: set[str] = set()
        if named:
            order, moved = named_first(order, named, document_of, first_of)
            relevance.update({case: "good" for case in moved if relevance.get(case, "weak") == "weak"})
        unmatched: tuple[str, ...] = ()
        if on_topic is not None and filters is not None and self.places_first(plan, filters):
            order, found = self._place_first(plan, order, rows, document_of, relevance, on_topic)
            unmatched = () if found else named_places(plan)
        candidates = len(order)
        # A case ranked by the very text of a case above it is listed on that card: one sentence showed on two or
        # three cards in 3 of 28 walk queries (a project and its additional financings; yearly reports' lines).
        order, same = fold_same_text(order, {case: rows[case_of[case][0]]["text_hash"] for case in order})
        # A search inside some documents (the "N more from this document" link) shows all of their cases.
        cap = 0 if filters is not None and filters.source else r.per_document
        chosen: dict[str, tuple[int, tuple[int, ...]]] = {}
        good: set[int] = set()
        facets_of: dict[str, dict[str, list[str]]] = {}
        members: dict[str, list[dict[str, Any]]] = {}
        read: dict[int, Found] = {}  # the shown passages' words of the query, read once over the rounds
        common = self._rankings.common(plan.terms)
        weak = {case for case in order if case in judged and relevance.get(case, "weak") == "weak"}
        want = k
        while True:
            shown, held = cap_per_document(order, document_of, cap, want, weak)
            new = [case for case in shown if case not in chosen]
            chosen.update({case: (case_of[case][0], ()) for case in new})
            if choose and r.choose_passage and new:
                chosen.update(choose_passages(self, new, lambda ids: self._rankings.within(plan, mode, ids),
                                              r.also_share, {case: chosen[case] for case in new}, r.rrf_k,
                                              plan.asks))
            # The cases folded under a shown one for their same text, by the passage that ranked each.
            folded = {case: [case_of[other][0] for other in same[case]] for case in shown if case in same}
            # The new cases' shown passages and first listed ones, in full; each round reads only its new cases.
            firsts = [chosen[case][1][0] for case in new if chosen[case][1]]
            rows.update(self.store.passages([chosen[case][0] for case in new] + firsts
                                            + [pid for case in new for pid in folded.get(case, ())]))
            # A case whose shown passage repeats most of an earlier card's of its document is listed on that card,
            # as the very same text is, and the round is read again without it.
            repeats = repeated_text(shown, {case: rows[chosen[case][0]]["text"] for case in shown}, document_of)
            if repeats:
                for case, under in repeats.items():
                    order.remove(case)
                    same[under] = [*same.get(under, []), case, *same.pop(case, [])]
                for case in new:  # the round's new cases are read again, with the cases that move up
                    chosen.pop(case)
                continue
            good |= self._good(plan, mode, firsts, rows)
            facets_of.update(self.store.facets_of(new))
            members.update(self.store.group_members(sorted({groups[c] for c in new if c in groups} - set(members))))
            on_shown = {case: chosen[case] for case in shown}
            page = Page(shown, on_shown, {case: case_of[case][1] for case in shown}, rows,
                        {case: facets_of[case] for case in shown}, held, document_of, relevance, judged, folded,
                        members, groups,
                        {case: as_written(named.piece, [rows[chosen[case][0]][key] for key in ("case_title",
                                                                                              "doc_title")])
                         for case in shown if named and case in moved}, card_passages(on_shown, rows, good),
                        Counter(document_of[case] for case in order
                                if case not in on_shown and relevance.get(case, "weak") != "weak"))
            hits = assemble(page, plan, mode, lists, self._highlighter, common, read)
            # A hit that cannot say why it is there is left off (kb.hits.assemble): the next cases take its place.
            if len(hits) >= k or len(shown) < want:
                break
            want += k - len(hits)
        facets = self._matcher.facet_counts(matching, filters.mentions) if filters is not None else {}
        return SearchResult(plan.text, mode if mode != "similar" else "semantic", hits[:k], facets,
                            candidates, len(matching), matching, unmatched)

    def _add_named(self, named: Named, filters: Filters, order: list[str], case_of: dict[str, tuple[int, float]],
                   rows: dict, document_of: dict[str, str]) -> dict[str, str]:
        """The cases the query names that the rankings left out (a page's worth at most), each with its first
        passage, added at the end of `order` (a loan agreement names its project on its cover only); and each
        named document's first case, added where the query is the name alone or none of its cases ranked."""
        allowed = self._cases_allowed(filters)
        have = {document_of[case] for case in order}
        first_of = {doc: case.case_id for doc in sorted(named.documents) if named.whole or doc not in have
                    for case in self.store.cases(doc, limit=1)}
        missing = [c for c in dict.fromkeys([*sorted(named.cases), *first_of.values()])
                   if c not in case_of and (allowed is None or c in allowed)]
        for case in missing[:MAX_K]:
            pids = [pid for pid, _ in self.store.chunks(case_id=case)]
            if pids:
                rows.update(self.places(pids[:1]))
                case_of[case] = (pids[0], 0.0)
                document_of[case] = rows[pids[0]]["doc_id"]
                order.append(case)
        return first_of

    def _title_names(self) -> TitleNames:
        """The pieces of this index's case and document titles (kb.named), read once."""
        if self._names is None:
            self._names = TitleNames(self.store.titles())
        return self._names

    @staticmethod
    def _by_grade(order: list[str], relevance: dict[str, str], judged: set[str]) -> list[str]:
        """The cases as their cards grade them, strong, good, then weak, each grade in ranked order; a case whose
        grade is not to be trusted (`judged` leaves it out) ranks as good.

        A weak match above a strong one told a reader the order was wrong, and it was: answer nDCG@10 on the
        fresh held-out queries 0.245 -> 0.280, our held-out 0.447 -> 0.480, the cross-lingual probe 0.334 ->
        0.354, the dev halves 0.754 / 0.901 -> 0.758 / 0.901 (scripts/eval_search.py). Cases in the place a
        query names still come first (_place_first, after this).
        """
        level = {"strong": 0, "good": 1, "weak": 2}
        return sorted(order, key=lambda case: level[relevance.get(case, "weak")] if case in judged else 1)

    def _judged(self, plan: QueryPlan, mode: str, language: dict[str, str]) -> set[str]:
        """The cases whose grade is trusted, not in keyword mode, which has no meaning to grade by. An English
        question's English cases (the main model) and its cases in other languages, graded in the language-agnostic
        space (Rankings.unread_cosines); a Chinese question's Chinese cases, graded in that space too.

        A Chinese question's English cases keep no grade: ordering them buried answers (Chinese answers to Chinese
        questions fell 0.500 -> 0.023 and English ones to Chinese questions 0.463 -> 0.436; as here, Chinese over
        Chinese 0.500 -> 0.659, Chinese over English 0.469 / 0.284 -> 0.492 / 0.286, tune / held out). An
        English question's other-language cards had ranked as good ones do: 4.5 of a page's 10 over the English
        eval queries, 0.2 of them from a relevant file. Graded, 1.85 are left, 0.19 relevant, and a page holds
        1.82 cards from a relevant file, not 1.57 (scripts/eval_search.py, results/s62d.json): answer nDCG@10
        of the 95 English held-out queries 0.510 -> 0.523, file 0.853 -> 0.866; the probe's English-to-other
        questions 0.368 -> 0.347 (their answers stay on the page, below graded English cards), dev-tune 0.784 ->
        0.755, pooled held-out 0.455 -> 0.458; distinct documents in a top 10 7.7 -> 7.5.
        """
        reads = self._rankings.main_languages
        if reads is None:
            return set(language)
        if plan.english:
            across = self._rankings.grades_across(plan) and mode != "keyword"
            return {case for case, lang in language.items() if lang in reads or across}
        own = self._rankings.own_language(plan) if mode != "keyword" else None
        return {case for case, lang in language.items() if lang == own} if own else set()

    def places_first(self, plan: QueryPlan, filters: Filters) -> bool:
        """Whether the cases in the place a query names come first: it names one and a topic, and no country
        filter says where already."""
        return plan.asks_about_a_place and self.rules.place_first != "off" and not filters.country

    def _placed(self, plan: QueryPlan) -> frozenset[str]:
        """The cases about the countries the query names."""
        return self._cases_allowed(Filters(country=plan.countries)) or frozenset()

    def _place_first(self, plan: QueryPlan, order: list[str], rows: dict, document_of: dict[str, str],
                     relevance: dict[str, str], on_topic: dict[str, str]) -> tuple[list[str], bool]:
        """The cases about the countries the query names moved ahead (SearchRules.place_first), each graded as
        well as it matches the query read without the place (`on_topic`): it is in the place the query names.
        Also whether any such case matches that well."""
        grades = GRADES[GRADES.index(self.rules.place_first):]
        placed = self._placed(plan)
        eligible = {c for c in placed if on_topic.get(c) in grades}
        _graded_on_topic(relevance, on_topic, eligible)
        # A report's sections share its place and keep their order; a table's records each have their own.
        sections = {row["case_id"] for row in rows.values() if row["doc_type"] != "record"}
        moved = first_in(order, eligible, document_of, {c for c in placed & sections if relevance.get(c) in grades})
        return moved, bool(eligible)

    def _good(self, plan: QueryPlan, mode: str, pids: list[int], rows: dict) -> frozenset[int]:
        """The given passages that match the query at least well, each graded alone as a case is (kb.relevance)."""
        grades = self._relevance(plan, mode, [(pid, 0.0) for pid in pids],
                                 {pid: {**rows[pid], "case_id": str(pid)} for pid in pids})
        return frozenset(pid for pid in pids if grades.get(str(pid), "weak") != "weak")

    def _grades(self, plan: QueryPlan, mode: str, ranked: Ranking, rows: dict, order: list[str],
                matching: frozenset[str]) -> tuple[dict[str, str], dict[str, str] | None]:
        """Each candidate case's grade, and where the query names a place its grade on the topic alone."""
        relevance = self._relevance(plan, mode, ranked, rows)
        # A case that matches well through a passage outside the pool is not shown as weak.
        relevance.update({case: "good" for case in order if case in matching and relevance.get(case) == "weak"})
        if not plan.asks_about_a_place:
            return relevance, None
        topic = plan.topic()
        on_topic = self._relevance(topic, mode, ranked, rows)
        # The place a query names does not make a match alone: a Rwandan climate-finance project, near "how did
        # Rwanda reduce child stunting" in meaning through the name, holds none of its other words.
        topical = self._holding(topic, mode, ranked, rows)
        return {case: grade if case in topical else on_topic.get(case, "weak")
                for case, grade in relevance.items()}, on_topic

    def _holding(self, plan: QueryPlan, mode: str, ranked: Ranking, rows: dict) -> set[str]:
        """The candidate cases with a passage that holds one of the query's words (all, in semantic mode)."""
        if mode == "semantic":
            return {rows[pid]["case_id"] for pid, _ in ranked}
        shares = self._matcher.shares(plan.terms, plan.concepts, [pid for pid, _ in ranked])
        return {rows[pid]["case_id"] for pid, share in shares.items() if share > 0}

    def _relevance(self, plan: QueryPlan, mode: str, ranked: Ranking, rows: dict) -> dict[str, str]:
        """Each candidate case's grade (kb.relevance) from its passages' cosines and the query words they hold."""
        pids = [pid for pid, _ in ranked]
        cosine: dict[int, float] = {}
        if mode != "keyword" and pids:
            query = self._rankings.query_vector(plan)
            cosine = dict(zip(pids, (self.vectors.vectors(pids) @ query).tolist()))
            cosine.update(self._rankings.unread_cosines(plan, pids, {pid: rows[pid]["language"] for pid in pids}))
        terms = plan.terms if mode != "semantic" else ()
        shares = self._matcher.shares(terms, plan.concepts, pids) if pids else {}
        return grade_cases([(pid, rows[pid]["case_id"]) for pid in pids], cosine, shares, len(terms),
                           self.rules.relevance)


def _graded_on_topic(relevance: dict[str, str], on_topic: dict[str, str], cases: Collection[str]) -> None:
    """The given cases graded as well as they match the query read without its place, where that is better."""
    relevance.update({c: on_topic[c] for c in cases
                      if c in on_topic and GRADES.index(on_topic[c]) > GRADES.index(relevance.get(c, "weak"))})
