"""How well a case matches a query, read from absolute signals: strong, good or weak.

Fused scores are relative (each ranking scaled to its own best), so whether anything matches at all is read
from the main model's cosine and the share of the query's words a passage holds. Thresholds are calibrated on
the dev tuning queries and 15 queries about nothing in the corpus ("xyzzyq plugh", "football world cup final
score"): the best passage of a real query sits at cosine 0.53-0.78, of a nonsense one at 0.24-0.43; the
held-out queries' lowest best is 0.49. Words: a passage holds more than half of the query's terms (at least
half let one word of a two-word query match: "how to cook pasta" matched 23 cases; more than half keeps every
relevant file of the dev and held-out queries among the matches that at least half did, recall 0.972 and 0.871,
and leaves 9 of 10 nonsense queries with no match instead of 6: scripts/eval_matching.py). The share weighs each
word by what it tells (kb.matching: its inverse document frequency); against equal words that left every figure
of scripts/eval_matching.py and scripts/eval_search.py as it was (recall dev-tune / dev-held-out / held-out
0.958 / 1.0 / 0.871, nonsense 9 of 10 matching nothing; strong hits from a relevant file 0.714 -> 0.706 of 35
-> 34, 0.537, 0.588), and a passage lacking the query's rarest word is no longer strong for it. A strong match
needs meaning and words to agree: of the top 10 hits graded strong, those from a relevant file went from 0.706 /
0.537 / 0.588 (of 34 / 41 / 51) to 1.0 / 0.812 / 0.850 (of 14 / 16 / 20); the relevant files' hits graded strong
from 0.60 / 0.79 / 0.67 to 0.35 / 0.46 / 0.38 (the others are good), none more graded weak.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GRADES = ("weak", "good", "strong")
# How a grade reads on a card, in the app and in `kb search`; a case no model reads beside the question's language
# is not graded and keeps its place in the ranking.
GRADE_LABELS = {"strong": "strong match", "good": "good match", "weak": "weak match"}
UNGRADED_LABEL = "not graded: other language"


@dataclass(frozen=True)
class Relevance:
    """The cut-offs between weak, good and strong matches."""

    match_cosine: float = 0.46
    strong_cosine: float = 0.60
    # A passage must hold more than this share of the query's terms.
    match_words: float = 0.5
    strong_words: float = 0.75


def grade_cases(passages: Sequence[tuple[int, str]], cosine: Mapping[int, float], shares: Mapping[int, float],
                terms: int, cuts: Relevance = Relevance()) -> dict[str, str]:
    """The grade of each case: the best grade of its passages, given as (passage id, case id).

    `shares` is the share of the query's terms a passage holds, itself or through the glossary's names of them
    in its language (kb.matching): the multilingual model alone puts something near any query, nonsense included.
    """
    level: dict[str, str] = {}
    for pid, case in passages:
        share = shares.get(pid, 0.0)
        value = cosine.get(pid, 0.0)
        # Words alone make a good match; a strong one needs the meaning to agree, or a passage holding "school"
        # and "feeding" far apart (a loan agreement's list of sectors, cosine 0.20) is called strong. Meaning
        # alone makes a good match too; a strong one needs the words to agree, or a survey's passage on
        # pre-school education (cosine 0.63, neither word together) is strong for "school feeding programmes".
        agrees = not cosine or value >= cuts.match_cosine
        if (value >= cuts.strong_cosine and (share > cuts.match_words or not terms)) or \
                (terms >= 2 and share >= cuts.strong_words and agrees):
            grade = "strong"
        elif value >= cuts.match_cosine or share > cuts.match_words:
            grade = "good"
        else:
            grade = "weak"
        if case not in level or GRADES.index(grade) > GRADES.index(level[case]):
            level[case] = grade
    return level


# Quantiles from the median up: the cut-offs sit in the top few percent of passage pairs.
_QUANTILES = np.linspace(50.0, 99.99, 200)


@dataclass(frozen=True)
class CosineScale:
    """Another space's cosines read on the main model's scale, so the cut-offs above hold for them."""

    source: tuple[float, ...]
    target: tuple[float, ...]

    def read(self, cosines: np.ndarray) -> np.ndarray:
        """The cosines as the main model's at the same quantile (below the median: -1, no match)."""
        return np.interp(cosines, self.source, self.target, left=-1.0)


def calibration_sample(passages: Sequence[tuple[int, str]], size: int, ask: int = 11) -> tuple[list[int], np.ndarray]:
    """About `size` of the (id, text hash) passages, and which of them ask (one in `ask`), both chosen by the
    hash: re-reading or adding a document leaves the rest of the sample, and every grade read on it, as it was.
    Every k-th passage by place chose it before: taking two reports' running headers off shifted it, and five
    Chinese answers moved a rank or two."""
    share = size / max(1, len(passages))
    chosen = [(pid, h) for pid, h in passages if int(h[:8], 16) < share * 16**8]
    return [pid for pid, _ in chosen], np.array([int(h[8:16], 16) % ask == 0 for _, h in chosen], dtype=bool)


def cosine_scale(main: np.ndarray, other: np.ndarray, probes: int = 200, asked: np.ndarray | None = None
                 ) -> CosineScale:
    """The scale between two spaces from the same passages' vectors in each (rows in the same order): the
    `asked` rows (else every k-th, about `probes` of them) stand for questions, the rest for passages; each
    cosine maps to the one at its quantile."""
    if asked is None or asked.all() or not asked.any():
        asked = np.zeros(len(main), dtype=bool)
        asked[::max(2, len(main) // max(1, probes))] = True
    source = np.percentile((other[asked] @ other[~asked].T).ravel(), _QUANTILES)
    target = np.percentile((main[asked] @ main[~asked].T).ravel(), _QUANTILES)
    return CosineScale(tuple(np.maximum.accumulate(source).tolist()), tuple(target.tolist()))
