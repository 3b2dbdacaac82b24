"""Cue phrases of a taxonomy found in text: matched on word stems in the text's language, negations skipped."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kb.language import STEMMERS
from kb.lexicon import fold, same_word
from kb.taxonomy import Taxonomy

_NEGATORS = {
    "en": {"no", "not", "never", "without", "nor", "neither", "non"},
    "es": {"no", "sin", "ni", "nunca"},
    "pt": {"não", "sem", "nem", "nunca"},
    "fr": {"pas", "sans", "ni", "jamais", "aucun", "aucune", "non"},
}
_ZH_NEGATORS = ("不", "未", "无", "没有", "非")

@dataclass(frozen=True)
class CueHit:
    """A cue phrase of an approach found in a passage."""

    approach: str
    start: int
    end: int


# Words are runs of letters and digits, split at hyphens and apostrophes ("l'économie" -> "l", "économie").
# spaCy's tokenizers gave the same cue matches on the dev tags but cost 5 s to build for French alone and
# three quarters of the tagging time.
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|[。！？；]|\n")
_EVIDENCE_MAX = 320


def sentence_around(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The span of the sentence holding [start, end), inside [lo, hi) and at most about 320 characters."""
    hi = len(text) if hi is None else hi
    left = max(lo, start - _EVIDENCE_MAX // 2)
    cut = [m.end() for m in _SENTENCE_END.finditer(text, left, start)]
    if cut:
        left = cut[-1]
    elif left > lo:  # no sentence start in reach: begin at a word, not inside one
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else start
    stop = _SENTENCE_END.search(text, end, min(hi, end + _EVIDENCE_MAX // 2))
    if stop:
        right = stop.start() + 1
    else:
        right = min(hi, end + _EVIDENCE_MAX // 2)
        if right < hi:
            space = text.rfind(" ", end, right)
            right = space if space != -1 else end
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, max(right, end)


def cue_language(language: str) -> str:
    """The language a passage's cues are matched in: its own when the taxonomy has cues for it, else English."""
    return language if language in STEMMERS or language == "zh" else "en"


class CueMatcher:
    """Finds the taxonomy's cue phrases in a passage, on word stems, skipping negated ones."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._stemmers: dict[str, Any] = {}
        self._stem_cache: dict[str, dict[str, str]] = {lang: {} for lang in STEMMERS}
        # Built per language on first use: most corpora never need the Spanish or French tables.
        self._patterns: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        # English cues' words as written, by stems and tag: a word of the text matches a cue's word only where
        # both name one thing (kb.lexicon.same_word), not where the stemmer merely joins them.
        self._written: dict[tuple[tuple[str, ...], str], list[tuple[str, ...]]] = defaultdict(list)
        # A name's words cue nothing: it is matched like a cue of no tag (""), and longer names win as cues do.
        zh = [(cue, a.id) for a in taxonomy.approaches for cue in a.cues_for("zh")]
        zh += [(name, "") for name in taxonomy.names_for("zh")]
        zh.sort(key=lambda e: -len(e[0]))
        self._zh_ids = dict(zh)
        self._zh = re.compile("|".join(re.escape(c) for c, _ in zh)) if zh else None

    def _language(self, lang: str) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The cue table of a language: first stem -> (stems, approach), longest cue first."""
        if lang not in self._patterns:
            import snowballstemmer  # uses PyStemmer's C code when it is installed

            self._stemmers[lang] = snowballstemmer.stemmer(STEMMERS[lang])
            table: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
            phrases = [(cue, a.id) for a in self.taxonomy.approaches for cue in a.cues_for(lang)]
            for cue, approach in phrases + [(name, "") for name in self.taxonomy.names_for(lang)]:
                tokens = self._tokens(cue, lang)
                stems = tuple(s for s, _, _ in tokens)
                if lang == "en" and stems:
                    self._written[(stems, approach)].append(tuple(cue[a:b] for _, a, b in tokens))
                # "hospital" and "hospitals" share their stems: one entry, or one word would count twice.
                if stems and (stems, approach) not in table[stems[0]]:
                    table[stems[0]].append((stems, approach))
            for entries in table.values():
                entries.sort(key=lambda e: -len(e[0]))
            self._patterns[lang] = dict(table)
        return self._patterns[lang]

    def _stem(self, word: str, lang: str) -> str:
        cache = self._stem_cache[lang]
        stem = cache.get(word)
        if stem is None:
            stem = fold(self._stemmers[lang].stemWord(word.lower()))
            cache[word] = stem
        return stem

    def _tokens(self, text: str, lang: str) -> list[tuple[str, int, int]]:
        """(stem, start, end) of each word; punctuation and hyphens dropped so 'e-commerce' = 'e commerce'."""
        return [(self._stem(m.group(), lang), m.start(), m.end()) for m in _WORD.finditer(text)]

    def find(self, text: str, lang: str) -> list[CueHit]:
        """Cue hits in text, longest cue first at each word, not preceded by a negation."""
        if lang == "zh":
            return self._find_zh(text)
        patterns = self._language(lang)
        tokens = self._tokens(text, lang)
        negators = {self._stem(n, lang) for n in _NEGATORS[lang]}
        hits: list[CueHit] = []
        i = 0
        while i < len(tokens):
            matched = 0
            for stems, approach in patterns.get(tokens[i][0], ()):
                n = len(stems)
                if tuple(t[0] for t in tokens[i:i + n]) == stems and self._same(text, tokens[i:i + n], stems, approach):
                    if matched and n < matched:
                        break
                    if approach and not any(t[0] in negators for t in tokens[max(0, i - 2):i]):
                        hits.append(CueHit(approach, tokens[i][1], tokens[i + n - 1][2]))
                    matched = n
            i += max(matched, 1)
        return hits

    def _same(self, text: str, tokens: list[tuple[str, int, int]], stems: tuple[str, ...], approach: str) -> bool:
        """Whether the text's words name what the cue's words do (English; other languages by stems alone)."""
        written = self._written.get((stems, approach))
        if not written:
            return True
        words = [text[a:b] for _, a, b in tokens]
        return any(all(same_word(w, c) for w, c in zip(words, cue)) for cue in written)

    def _find_zh(self, text: str) -> list[CueHit]:
        if self._zh is None:
            return []
        hits = []
        for match in self._zh.finditer(text):
            before = text[max(0, match.start() - 2):match.start()]
            if self._zh_ids[match.group()] and not any(before.endswith(n) for n in _ZH_NEGATORS):
                hits.append(CueHit(self._zh_ids[match.group()], match.start(), match.end()))
        return hits


@lru_cache(maxsize=4)
def cue_matcher(taxonomy: Taxonomy) -> CueMatcher:
    """One cue matcher per taxonomy (building it tokenizes every cue)."""
    return CueMatcher(taxonomy)
