"""Rankings fused into one, and the choices made on a fused ranking: one passage per case, a few cases per
document, one case however many partners published it, the cases of a place the query names first.
Pure functions of lists of (id, score) and of case ids; no index, no store."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence

import numpy as np

Ranking = list[tuple[int, float]]
# The rankings by the query's words (its own, its glossary names); the main space's is "semantic", any other
# space's carries the space's name (kb.spaces).
WORD_RANKINGS = ("keyword", "translated")
MAIN_RANKING = "semantic"


def fuse(rankings: Sequence[tuple[float, Ranking]], method: str = "score", rrf_k: float = 60.0) -> Ranking:
    """One ranking from several weighted ones: scores scaled to [0, 1] per list and added ("score"), or
    reciprocal rank fusion ("rrf"). Equal totals keep the order of the ids."""
    fused: defaultdict[int, float] = defaultdict(float)
    for weight, ranking in rankings:
        if not ranking:
            continue
        top, bottom = max(s for _, s in ranking), min(s for _, s in ranking)
        span = (top - bottom) or 1.0
        for rank, (pid, score) in enumerate(sorted(ranking, key=lambda item: -item[1]), start=1):
            fused[pid] += weight * ((score - bottom) / span if method == "score" else 1 / (rrf_k + rank))
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def best_of(scores: np.ndarray, ids: np.ndarray, pool: int) -> Ranking:
    """One ranking from a search with several query vectors (rows): each passage keeps its best score."""
    best: dict[int, float] = {}
    for row_scores, row_ids in zip(scores, ids):
        for pid, score in zip(row_ids.tolist(), row_scores.tolist()):
            if pid >= 0 and score > best.get(pid, -2.0):
                best[pid] = score
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:pool]


def best_per_group(ranked: Ranking, group_of: Mapping[int, str]) -> list[tuple[str, int, float]]:
    """(group, its best id, score) for each group that has an id in the ranking, best group first."""
    best: dict[str, tuple[int, float]] = {}
    for pid, score in ranked:
        group = group_of.get(pid)
        if group is not None and group not in best:
            best[group] = (pid, score)
    return sorted(((g, pid, s) for g, (pid, s) in best.items()), key=lambda item: (-item[2], item[0]))


def cap_per_document(
    cases: Sequence[str], document_of: Mapping[str, str], cap: int, k: int, weak: Collection[str] = ()
) -> tuple[list[str], dict[str, int]]:
    """The first k cases in order with at most `cap` of any one document (0: no cap), and for each document
    shown, how many of its ranked cases are not (shown with its last case as "N more from this document").

    A case the cap holds back that matches well comes before the `weak` cases below it: a country filter's page
    showed three weak cards while a project that matched well waited behind "6 more cases from this document",
    under a count of 6 cases that match well. Between cases that match, the cap keeps the page's documents
    apart (one Cambodian evaluation had filled ranks 1 to 6), and cases above keep their places."""
    shown: list[str] = []
    held: list[str] = []
    per_doc: Counter[str] = Counter()
    for case in cases:
        doc = document_of[case]
        if not cap or per_doc[doc] < cap:
            per_doc[doc] += 1
            shown.append(case)
        else:
            held.append(case)
    if weak and held:
        place = {case: n for n, case in enumerate(cases)}
        # The held cases that match well, in rank order: a weak case lets in those ranked above it not yet in.
        strong = [h for h in held if h not in weak]
        back: list[str] = []
        taken = 0
        for case in shown:
            if case in weak:
                while taken < len(strong) and place[strong[taken]] < place[case]:
                    back.append(strong[taken])
                    taken += 1
            back.append(case)
        shown = back
    shown = shown[:k]
    ranked = Counter(document_of[case] for case in cases)
    on_page = Counter(document_of[case] for case in shown)
    return shown, {doc: ranked[doc] - n for doc, n in on_page.items() if ranked[doc] > n}


def fold_republished(cases: Sequence[str], unit_of: Mapping[str, str], group_of: Mapping[str, str]) -> list[str]:
    """The cases in order without those published again elsewhere: a case whose group already has a case of
    another document (or another row of its table: `unit_of`) above it is the same case from another source (it
    is listed with that one, not shown)."""
    seen: dict[str, set[str]] = defaultdict(set)  # group -> sources (unit_of) of its cases kept so far
    kept = []
    for case in cases:
        group = group_of.get(case)
        if group is not None:
            others = seen[group] - {unit_of[case]}
            seen[group].add(unit_of[case])
            if others:
                continue
        kept.append(case)
    return kept


def fold_same_text(cases: Sequence[str], text_of: Mapping[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """The cases in order without those ranked by the very text of a case above them (a project and its
    additional financing share their objective sentence; yearly reports repeat a line), and, by the case kept,
    the cases folded under it in order. Such cases are not the same case (kb.duplicates), only the same text."""
    kept: list[str] = []
    first: dict[str, str] = {}
    folded: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        text = text_of.get(case)
        if text is not None and text in first:
            folded[first[text]].append(case)
            continue
        if text is not None:
            first[text] = case
        kept.append(case)
    return kept, dict(folded)


# How much of a card's text another card of its document may repeat before it is the same text: most of it (a
# report's summary reprinted in its chapter, 0.92 of the smaller's word runs; in 115 eval queries the next most
# alike pair of one document's cards shared 0.47, a table's lead-in and a bullet of the same finding).
REPEATED_SHARE = 0.8
_RUN = 5  # words in a run


def _runs(text: str) -> set[tuple[str, ...]]:
    """The text's runs of _RUN words, lower-cased."""
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + _RUN]) for i in range(len(words) - _RUN + 1)}


def repeated_text(cases: Sequence[str], text_of: Mapping[str, str], document_of: Mapping[str, str]) -> dict[str, str]:
    """Each case whose text mostly repeats that of a case before it of the same document (REPEATED_SHARE of the
    shorter's word runs), and that case: "cash transfers for elderly people" showed a South Sudan report's
    survey chapter and its background chapter with the same two sentences."""
    runs = {case: _runs(text_of[case]) for case in cases}
    out: dict[str, str] = {}
    for n, case in enumerate(cases):
        for before in cases[:n]:
            mine, theirs = runs[case], runs[before]
            if (before not in out and document_of[case] == document_of[before] and mine and theirs
                    and len(mine & theirs) >= REPEATED_SHARE * min(len(mine), len(theirs))):
                out[case] = before
                break
    return out


def first_in(cases: Sequence[str], eligible: Collection[str], document_of: Mapping[str, str],
             alike: Collection[str] = ()) -> list[str]:
    """The eligible cases moved ahead, each part in its own order; a document's cases keep their order among
    themselves: the slots its eligible cases take go to its `alike` cases (those the reason for moving speaks of
    equally, e.g. all in the named place) in their first order, so a move never reorders one report's sections."""
    ahead = [case for case in cases if case in eligible]
    queue: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        if case in eligible or case in alike:
            queue[document_of[case]].append(case)
    ahead = [queue[document_of[case]].pop(0) for case in ahead]
    moved = set(ahead)
    return ahead + [case for case in cases if case not in moved]
