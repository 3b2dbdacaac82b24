"""From ranked cases to hits: the passage each case is shown by, and what the hit says about itself.

A case ranks by its best passage in the fused rankings and is shown by that passage, unless it tells nothing
on its own: a header (the title and a byline) or a table, reference list or contents is replaced by the case's
prose passage that holds most of the query's words (meaning breaking ties), and a lone subheading by the
paragraph under it, which it titles (by itself when a table or other matter comes first). Up to three more
passages are listed as also matching, best first: those close to it by their words, then by a second reading.
Why the ranking passage and not a second reading within the case: README "Open", measured on both halves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

from kb.duplicates import other_sources
from kb.explain import Found, Highlighter, is_header, leads, why
from kb.figures import key_figures
from kb.gazetteer import country_name
from kb.lexicon import same_word
from kb.models import Hit
from kb.query import QueryPlan
from kb.rank import MAIN_RANKING, WORD_RANKINGS, Ranking, fuse
from kb.taxonomy import goal_number


def _goal_order(goals: Iterable[str]) -> tuple[str, ...]:
    """Goal ids in the goals' own order (sdg2 before sdg10)."""
    return tuple(sorted(goals, key=goal_number))


# How much of the case's best score by the query's words a passage shown for its figures must hold. Read on the 51
# passages the rule would change for 39 figure questions (eval sets, walks, eight new ones): of the 6 under a third,
# a passage of numbers on science and technology for "what did the relocation of herders cost per household" (it
# held "households" alone), a results framework's cells and three Chinese report lines; the answers it shows held
# 0.34-1.0 ("Cost. The total cost of relevant activities is about $240,000 ...").
FIGURE_WORD_SHARE = 1 / 3


def _figures_named(text: str, kinds: Sequence[str]) -> list[str]:
    """The given kinds of figure (kb.figures) that a passage names, in their order; none asked, none read."""
    named = _kinds_of_figures(text) if kinds else frozenset()
    return [kind for kind in kinds if kind in named]


@lru_cache(maxsize=256)
def _kinds_of_figures(text: str) -> frozenset[str]:
    """The kinds of figure a passage names; remembered, as the passage chosen for its figures is read again for
    its why-line."""
    return frozenset(f.kind for f in key_figures(text))


def _titled(heading: int, rows: Sequence[Any], tells: Callable[[int], bool]) -> int:
    """The paragraph a lone subheading titles: the first passage under it that tells, past further headings
    (a byline, then a subtitle); the subheading itself when a table or anything else comes first. A later
    paragraph is about something else: in an annex of survey tables, "reasons of not attending school" was
    shown by the reasons for skipping a clinic visit, eight tables further on."""
    for row in rows:
        if row["chunk_id"] <= heading:
            continue
        if tells(row["chunk_id"]):
            return int(row["chunk_id"])
        if row["kind"] != "prose" or not leads(row["text"]):
            break
    return heading


def _repeats(shown: str, other: str) -> bool:
    """Whether a passage holds the shown one's last paragraph, where that says something (40 characters or more).
    Asked of the few passages a card lists, not of all of a long case's."""
    last = shown.rsplit("\n\n", 1)[-1].strip()
    return len(last) >= 40 and last in other


def choose_passages(reader: Any, cases: Sequence[str], score: Callable[[list[int]], dict[str, Ranking]],
                    also_share: float, default: Mapping[str, tuple[int, tuple[int, ...]]], rrf_k: float = 60.0,
                    asks: Sequence[str] = ()) -> dict[str, tuple[int, tuple[int, ...]]]:
    """For each case, (the passage that best answers the query, up to three more of it that answer next best);
    `reader.case_passages` reads the cases' passages (Store's, or Results' that keeps them)."""
    by_case: dict[str, list[Any]] = defaultdict(list)
    for row in reader.case_passages(list(cases)):
        by_case[row["case_id"]].append(row)
    candidates = {case: [r["chunk_id"] for r in ([r for r in rows if r["kind"] == "prose"] or rows)]
                  for case, rows in by_case.items()}
    row_of = {row["chunk_id"]: row for rows in by_case.values() for row in rows}
    told: dict[int, bool] = {}

    def tells(pid: int) -> bool:
        """A prose passage that says something on its own: not a header, not a lone subheading. Asked only of
        the few passages a choice reads (a case can hold hundreds)."""
        if pid not in told:
            row = row_of[pid]
            told[pid] = row["kind"] == "prose" and not is_header(row["text"], (row["case_title"], row["doc_title"])) \
                and not leads(row["text"])
        return told[pid]

    ids = [pid for pids in candidates.values() for pid in pids]
    if not ids:
        return dict(default)
    lists = score(ids)
    words: dict[int, float] = {}
    for name in WORD_RANKINGS:
        for pid, value in lists.get(name, []):
            words[pid] = words.get(pid, 0.0) + value
    meaning: dict[int, float] = {}
    for name, ranking in lists.items():  # every embedding space's ranking: "semantic" and the others by name
        if name in WORD_RANKINGS:
            continue
        for pid, value in ranking:
            meaning[pid] = max(meaning.get(pid, -1.0), value)
    out = dict(default)
    for case, pids in candidates.items():
        ordered = sorted(((words.get(pid, 0.0), meaning.get(pid, -1.0), pid) for pid in pids),
                         key=lambda item: (-item[0], -item[1], item[2]))
        scored = list(islice((item for item in ordered if tells(item[2])), 4)) or ordered[:4]
        top = scored[0][0]
        # Shown: the passage that ranked the case (the best match of all rankings over the whole index), unless it
        # is a header or not prose (then the case's best passage by its words) or a lone subheading (then the
        # paragraph it titles: its words matched, and what they head is what they promise).
        ranked_by = default[case][0]
        row = row_of.get(ranked_by)
        if row is not None and tells(ranked_by):
            best = ranked_by
        elif row is not None and row["kind"] == "prose" and leads(row["text"]):
            best = _titled(ranked_by, by_case[case], tells)
        else:
            best = scored[0][2]
        # A question that asks for a figure ("what did it cost", "how many people") is answered by a passage that
        # names one: the case's best such passage by the second reading, where the one chosen names none, if it
        # holds a good share of the query's words (FIGURE_WORD_SHARE of the case's best by words).
        if asks and not _figures_named(row_of[best]["text"], asks):
            best = next((pid for w, _, pid in scored if top > 0 and w >= FIGURE_WORD_SHARE * top
                         and _figures_named(row_of[pid]["text"], asks)), best)
        # Also matching, best first: the passages close to the case's best by their words, then the case's other
        # passages that say something, in the order of a second reading by words and by meaning (the two ranks
        # fused, as the search fuses its rankings). The answer to an aspect a query asks ("what did it cost") is
        # often a later paragraph of the case shown: README "Search".
        # A passage that repeats what the card shows (a blog's teaser over its opening paragraph, a summary box)
        # is not listed under it: the Thai tourism card's "Also in this case" repeated the sentence shown.
        shown = row_of[best]["text"]
        close = [pid for w, _, pid in scored if top > 0 and w >= also_share * top and pid != best
                 and not _repeats(shown, row_of[pid]["text"])][:3]
        others: list[int] = []
        if len(close) < 3:  # the second reading only where the close ones leave room
            reading = fuse([(1.0, [(pid, words.get(pid, 0.0)) for pid in pids]),
                            (1.0, [(pid, meaning.get(pid, -1.0)) for pid in pids])], "rrf", rrf_k)
            # Lazily: `tells` is asked of the few passages read, not of all of a long case's.
            others = list(islice((pid for pid, _ in reading if pid != best and pid not in close
                                  and not _repeats(shown, row_of[pid]["text"]) and tells(pid)), 3 - len(close)))
        out[case] = (best, (*close, *others))
    return out


def card_passages(chosen: Mapping[str, tuple[int, tuple[int, ...]]], rows: Mapping[int, Any],
                  good: Collection[int]) -> frozenset[int]:
    """The listed passages that stand on their cards under the passage shown: the first of each case's, where it
    is a good match itself (in `good`) and in the shown passage's language. Without the grade, half of 28 such
    passages read under six walk queries said nothing of the query (a chart's legend, a list of donors,
    breastfeeding under "school feeding programme results in Africa"); a bilingual report's next passage is
    often its translation (an Indonesian one on food loss stood under "informal waste pickers social
    protection"). README "Search" has what each rule costs in answers."""
    return frozenset(also[0] for pid, also in chosen.values()
                     if also and also[0] in good and rows[also[0]]["language"] == rows[pid]["language"])


def named_places(plan: QueryPlan) -> tuple[str, ...]:
    """The places a query names, in words: each country's name, or the region it named countries by."""
    return tuple(country_name(place) if place in plan.countries else place for place in plan.places)


def _places(countries: list[str], via: dict[str, str]) -> list[str]:
    """The countries the query named that a case is about, in words: those named through a region as a few
    names and the region ("Cameroon, Ghana, Kenya and 7 more in Africa"), not each with "in Africa"."""
    by_region: dict[str, list[str]] = {}
    for code in countries:
        if code in via:
            by_region.setdefault(via[code], []).append(country_name(code))
    named = [country_name(code) for code in countries if code not in via]
    for region, names in by_region.items():
        if len(names) > 4:
            words = f"{', '.join(names[:3])} and {len(names) - 3} more"
        else:
            words = " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))
        named.append(f"{words} in {region}")
    return named


@dataclass(frozen=True)
class Page:
    """The cases a page of results shows, in order, and what is known of each: the passage chosen and those
    also matching, its fused score, grade and facets; `rows` holds the shown passages' rows by id, `held` how
    many more cases each document has beyond those shown, `document_of` each case's document."""

    cases: Sequence[str]
    chosen: Mapping[str, tuple[int, tuple[int, ...]]]
    scores: Mapping[str, float]
    rows: Mapping[int, Any]
    facets: Mapping[str, Mapping[str, list[str]]]
    held: Mapping[str, int]
    document_of: Mapping[str, str]
    relevance: Mapping[str, str] = field(default_factory=dict)
    # The cases whose grade is a verdict (None: every one); the others say "not graded".
    judged: Collection[str] | None = None
    # case -> the passages of the cases folded under it for their same text (their rows in `rows`).
    folded: Mapping[str, list[int]] = field(default_factory=dict)
    # group -> its cases, and case -> its group: the other documents that publish a case.
    members: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    # case -> the title piece the query names it by (kb.named): such cases come first.
    named: Mapping[str, str] = field(default_factory=dict)
    # The listed passages that stand on their card under the passage (their rows in `rows`).
    on_card: Collection[int] = frozenset()
    # document -> how many of its held cases (`held`) match the query well.
    held_matching: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Reason:
    """Why a case is on the page: the query's words its shown passage holds (its own and their names in other
    languages), its places in the rankings by meaning, the places and the name the query gives that it is about."""

    case_id: str
    matched: tuple[tuple[int, int], ...]
    mine: list[str]
    other: list[str]
    semantic_rank: int | None
    space_rank: tuple[int, str] | None
    places: list[str]
    named: str


def assemble(page: Page, plan: QueryPlan, mode: str, lists: Mapping[str, Ranking], highlighter: Highlighter,
             common: frozenset[str] = frozenset(), read_before: dict[int, Found] | None = None) -> tuple[Hit, ...]:
    """The hits of a page's cases, in order; a document's last shown case says how many more it holds, and a
    case published by other documents too names them.

    A card says "not graded" where its grade is no verdict (a case not in `page.judged`), so no weak badge sits
    above a good one; it names the cases folded under it for their same text.

    Words of the query in `common` (found in a large share of all passages) are not highlighted when rarer
    ones are there: "women **use**" marks nothing a reader needs.
    """
    chosen, rows, facets, document_of = page.chosen, page.rows, page.facets, page.document_of
    rank_in = {name: {pid: n for n, (pid, _) in enumerate(ranking, start=1)} for name, ranking in lists.items()}
    own = set(plan.own_terms)
    terms = [t for t in plan.highlight_terms if t not in common] or list(plan.highlight_terms)
    via = dict(plan.via_region)
    read = []
    for case_id in page.cases:
        pid = chosen[case_id][0]
        tags = facets.get(case_id, {})
        # A page that reads further cases assembles again: its earlier cards' words are read once (`read_before`).
        found = read_before.get(pid) if read_before is not None else None
        if found is None:
            found = highlighter.matches(rows[pid]["text"], terms, own)
            if read_before is not None:
                read_before[pid] = found
        matched, mine, other = found
        semantic_rank = rank_in.get("semantic", {}).get(pid)
        # Its best place in a space beyond the main one (one the main model cannot read it in, often).
        space_rank = min(((r[pid], name) for name, r in rank_in.items()
                          if name not in (*WORD_RANKINGS, MAIN_RANKING) and pid in r), default=None)
        places = _places([c for c in plan.countries if c in tags.get("country", ())], via)
        named = page.named.get(case_id, "")
        # A hit that can say nothing of why it is here (none of the query's words or their names in another
        # language, no place by meaning or in a named space, no place or title the query names) is not shown:
        # 120 of the 2,281 hits of every eval query were such, none of a relevant file (README "Search"). Nor is
        # one that says only the place of a query that asks something about it: the place does not make a match
        # alone ("mobile money and poverty in Kenya" opened on a Kenyan fiscal loan, "about Kenya" and no more).
        alone = places and not plan.asks_about_a_place
        if mode != "similar" and not (mine or other or semantic_rank or space_rank or alone or named):
            continue
        read.append(_Reason(case_id, matched, mine, other, semantic_rank, space_rank, places, named))
    last_of_document = {document_of[r.case_id]: r.case_id for r in read}
    hits = []
    for rank, reason in enumerate(read, start=1):
        case_id = reason.case_id
        pid, also = chosen[case_id]
        row, tags = rows[pid], facets.get(case_id, {})
        grade = page.relevance.get(case_id, "weak")
        hits.append(Hit(
            rank=rank, score=round(page.scores[case_id], 6), case_id=case_id, doc_id=row["doc_id"], passage_id=pid,
            title=row["case_title"], document_title=row["doc_title"], source=row["source"], text=row["text"],
            start=row["start"], end=row["end"], page=row["page"], approaches=tuple(sorted(tags.get("approach", ()))),
            countries=tuple(sorted(tags.get("country", ()))), regions=tuple(sorted(tags.get("region", ()))),
            published=row["case_date"] or row["published"], doc_type=row["doc_type"], language=row["language"],
            matched=reason.matched,
            why=why(reason.mine, reason.other, reason.semantic_rank, mode, reason.space_rank, row["language"],
                    plan.language, grade == "weak", reason.places, plan.english, reason.named,
                    _figures_named(row["text"], plan.asks)),
            semantic_rank=reason.semantic_rank, keyword_rank=rank_in.get("keyword", {}).get(pid),
            space_rank=reason.space_rank[0] if reason.space_rank else None,
            matching_passages=also, relevance=grade,
            also_text=rows[also[0]]["text"] if also and also[0] in page.on_card else "",
            sdgs=tuple(sorted(tags.get("sdg", ()), key=goal_number)),
            also_published=tuple((m["case_id"], m["title"], m["source"], m["publisher"] or "") for m in other_sources(
                page.members.get(page.groups.get(case_id, ""), []), case_id)),
            more_from_document=page.held.get(row["doc_id"], 0) if last_of_document[row["doc_id"]] == case_id else 0,
            more_matching_from_document=(page.held_matching.get(row["doc_id"], 0)
                                         if last_of_document[row["doc_id"]] == case_id else 0),
            graded=page.judged is None or case_id in page.judged,
            same_text=tuple((rows[p]["case_id"], rows[p]["case_title"], rows[p]["source"])
                            for p in page.folded.get(case_id, ())), section=row["section"]))
    return tuple(hits)


def listed_apart(hits: Sequence[Hit], page: int = 10) -> tuple[list[Hit], list[Hit]]:
    """A page's cards to show, and apart from them the weak matches, where the page has cards that match: two
    matches for "agritourism in Egypt" stood over weak cards (a Paraguay programme document, 1960s Chinese
    government reports), which read as answers. A page of weak cards alone keeps them, under its warning that
    nothing matches.

    A card in another language has no grade (its weak one is no verdict: cross-lingual answers have it), so it
    goes apart only where nothing else speaks for it either: one of the query's words at most (or their names in
    its language), and no ranking's first `page` places (a page's length). Measured on every eval set: the answers
    and relevant files among such cards stood first to ninth in a space or held two words or more; of the 702
    others, 225 go apart (126 with no word at all, the rule before: "in Spanish: mujeres" kept a Paraguayan
    table ninth for "mobile money for rural women"); no answer or relevant file of any set goes with them."""
    def loose(hit: Hit) -> bool:
        if hit.relevance != "weak":
            return False
        ranks = [r for r in (hit.semantic_rank, hit.keyword_rank, hit.space_rank) if r is not None]
        words: list[str] = []  # one word in its forms ("mujer", "mujeres") is one word
        for start, end in hit.matched:
            if not any(same_word(hit.text[start:end], w) for w in words):
                words.append(hit.text[start:end])
        return hit.graded or (len(words) <= 1 and min(ranks, default=page + 1) > page)
    flags = [loose(hit) for hit in hits]
    if not any(flags) or all(hit.relevance == "weak" for hit in hits):
        return list(hits), []
    return ([hit for hit, flag in zip(hits, flags) if not flag],
            [hit for hit, flag in zip(hits, flags) if flag])
