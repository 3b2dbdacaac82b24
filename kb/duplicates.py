"""One case from many partners: cases whose text was published in more than one document, grouped.

Two cases of different documents are the same case when most of the rarer of them is in the other: runs of five
words (eight characters in Chinese) they share, against the runs each has. Runs found in more than a few
documents are a template's ("ARTICLE II ... The Borrower shall ..."), not one story's, and count for neither
side. Records that name their own web address are the same case when the address is the same and different
cases when it is not, whatever their text: an additional financing repeats its parent project's objective word
for word. Groups are the connected pairs; each keeps every source, for citation.
A record table lists each of its cases once, so two rows of one table are one case listed twice when their text
is the same (as above, each row counted as its own source) or when they bear the same name and do not name two
different addresses (the South-South table describes some projects twice, in other words).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb.language import CJK

_WORD = re.compile(r"\w+")
# Runs a sketch keeps: with 128 hashes (1 KB) a share of 0.9 is estimated within 0.03 (one standard deviation).
SKETCH_SIZE = 128


@dataclass(frozen=True)
class DuplicateRules:
    """When two cases are one (scripts/eval_dedup.py measures each value on real pairs and hard negatives)."""

    words: int = 5
    cjk_chars: int = 8
    # A run found in more documents than this is a template's or a formula's: it proves no shared story. Four
    # leaves room for a case told by four partners; the World Bank's loan agreements share articles across 13.
    max_sources: int = 4
    # Shared runs needed, and the share of the smaller case's own runs they must make: a republication keeps
    # nearly all of its text, while articles of two loan agreements written from one template share 0.60-0.84
    # of theirs (the set's hard negatives; the republished report sections share 1.0).
    min_shared: int = 20
    containment: float = 0.9


@dataclass(frozen=True)
class CaseText:
    """What the grouping reads of one case."""

    case_id: str
    doc_id: str
    text: str
    url: str = ""
    title: str = ""
    record: bool = False  # a row of a record table

    @property
    def unit(self) -> str:
        """Where the case was published on its own: its document, or for a table's row the row."""
        return f"{self.doc_id}#{self.case_id}" if self.record else self.doc_id


@dataclass(frozen=True)
class DuplicatePair:
    """Two cases of different documents found to be one, and the share of the smaller one found in the other."""

    a: str
    b: str
    containment: float
    reason: str  # "text", "address", or "listing" (one table's rows of the same name)


def _grams(text: str, rules: DuplicateRules) -> list[str]:
    """A text's runs: of words, or of characters where it is mostly Chinese."""
    if len(CJK.findall(text[:2000])) > 200:
        chars = "".join(c for c in text if c.isalnum())
        return [chars[i:i + rules.cjk_chars] for i in range(len(chars) - rules.cjk_chars + 1)]
    words = _WORD.findall(text.lower())
    return [" ".join(words[i:i + rules.words]) for i in range(len(words) - rules.words + 1)]


def shingles(text: str, rules: DuplicateRules = DuplicateRules()) -> np.ndarray:
    """The distinct hashed runs of a text: word runs, or character runs where it is mostly Chinese."""
    grams = _grams(text, rules)
    # hash() differs between processes, but every comparison happens inside one call: only equality matters.
    return np.unique(np.fromiter((hash(g) for g in grams), dtype=np.int64, count=len(grams)))


def text_sketch(text: str, size: int = SKETCH_SIZE, rules: DuplicateRules = DuplicateRules()) -> tuple[int, ...]:
    """The `size` smallest of a text's runs by a hash that is the same in every process (a bottom-k sketch): kept
    where the text is not, it tells later how much of another text is this one's (contained)."""
    hashes = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in _grams(text, rules)}
    return tuple(sorted(hashes)[:size])


def contained(a: Sequence[int], b: Sequence[int], size: int = SKETCH_SIZE) -> float:
    """The estimated share of text a's runs found in text b, from their sketches: of the `size` smallest runs of
    both, those of a that b holds too (each sketch holds every run of its text among those smallest)."""
    mine, theirs = set(a), set(b)
    smallest = sorted(mine | theirs)[:size]
    of_a = [h for h in smallest if h in mine]
    return sum(h in theirs for h in of_a) / len(of_a) if of_a else 0.0


def duplicate_pairs(cases: Sequence[CaseText], rules: DuplicateRules = DuplicateRules()) -> list[DuplicatePair]:
    """Pairs of cases published apart that are one case (by shared text, the same address, or one table's rows
    of the same name)."""
    runs = [shingles(c.text, rules) for c in cases]
    unit_index = {u: i for i, u in enumerate(sorted({c.unit for c in cases}))}
    hashes = np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(cases)), [len(r) for r in runs])
    docs = np.array([unit_index[c.unit] for c in cases], dtype=np.int64)[owner]
    # Sources (documents, or a table's rows) each run is found in.
    pairs_hd = np.unique(np.stack([hashes, docs], axis=1), axis=0) if len(hashes) else np.zeros((0, 2), np.int64)
    uniq, sources = np.unique(pairs_hd[:, 0], return_counts=True)
    common = uniq[sources > rules.max_sources]
    shared_by = uniq[(sources >= 2) & (sources <= rules.max_sources)]
    own = np.array([len(r) - np.isin(r, common, assume_unique=True).sum() for r in runs])
    keep = np.isin(hashes, shared_by)
    order = np.argsort(hashes[keep], kind="stable")
    h, who = hashes[keep][order], owner[keep][order]
    counts: dict[tuple[int, int], int] = defaultdict(int)
    bounds = np.flatnonzero(np.diff(h)) + 1
    for group in np.split(who, bounds):
        members = sorted(set(group.tolist()))
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if cases[i].unit != cases[j].unit:
                    counts[(i, j)] += 1
    out = []
    for (i, j), n in counts.items():
        a, b = cases[int(i)], cases[int(j)]
        if a.url and b.url and a.url != b.url:
            continue  # two records that say who they are, and are not the same one
        share = n / max(min(own[i], own[j]), 1)
        if n >= rules.min_shared and share >= rules.containment:
            out.append(DuplicatePair(a.case_id, b.case_id, round(float(min(share, 1.0)), 3), "text"))
    by_url: dict[str, list[CaseText]] = defaultdict(list)
    for c in cases:
        if c.url:
            by_url[c.url].append(c)
    found = {(p.a, p.b) for p in out}
    for same in by_url.values():
        for x, a in enumerate(same):
            for b in same[x + 1:]:
                # One table's rows may all point at one listing page: the address tells cases apart, not together.
                if a.doc_id != b.doc_id and (a.case_id, b.case_id) not in found:
                    out.append(DuplicatePair(a.case_id, b.case_id, 1.0, "address"))
                    found.add((a.case_id, b.case_id))
    return sorted(out + _listings(cases, found), key=lambda p: (p.a, p.b))


def _listings(cases: Sequence[CaseText], found: set[tuple[str, str]]) -> list[DuplicatePair]:
    """Rows of one table with the same name that name no two different addresses, not already paired."""
    rows: dict[tuple[str, str], list[CaseText]] = defaultdict(list)
    for c in cases:
        if c.record and c.title.strip():
            rows[(c.doc_id, " ".join(c.title.lower().split()))].append(c)
    out = []
    for same in rows.values():
        for x, a in enumerate(same):
            for b in same[x + 1:]:
                if (a.case_id, b.case_id) not in found and not (a.url and b.url and a.url != b.url):
                    out.append(DuplicatePair(a.case_id, b.case_id, 1.0, "listing"))
    return out


def duplicate_groups(cases: Sequence[CaseText], rules: DuplicateRules = DuplicateRules()
                     ) -> dict[str, tuple[str, str]]:
    """Case id -> (group id, "text" or "address": how it joined), for every case published more than once."""
    pairs = duplicate_pairs(cases, rules)
    reason: dict[str, str] = {}
    for p in pairs:
        reason.setdefault(p.a, p.reason)
        reason.setdefault(p.b, p.reason)
    return {case: (group, reason[case]) for case, group in group_pairs(pairs).items()}


def listed_again(copy_source: str, source: str) -> bool:
    """Whether a copy of a case is another row of the case's own table (the same source file: "Listed again in
    this table"), not a copy another document publishes ("Also published by")."""
    return copy_source == source


def other_sources(members: Iterable[Mapping[str, Any]], case_id: str) -> list[Mapping[str, Any]]:
    """A group's cases published apart from the case `case_id` (another document, or another row of its table),
    the first of each document or row only."""
    members = list(members)
    seen = {m["unit"] for m in members if m["case_id"] == case_id}
    out = []
    for member in members:
        if member["unit"] not in seen:
            seen.add(member["unit"])
            out.append(member)
    return out


def group_pairs(pairs: Iterable[DuplicatePair]) -> dict[str, str]:
    """Case id -> its group's id (the smallest case id in it), for every case in some pair."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = root(p.a), root(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {case: root(case) for case in parent}
