"""Approach and country tags for passages, rolled up to cases and documents, each with its evidence.

Approaches combine two signals per passage: cue phrases matched on word stems in the passage's language
(a negated cue does not count) and, for English passages, the passage vector's similarity to each
approach's definition. A case or document carries an approach when enough of its text supports it, so a
passing mention in one passage of a long report does not tag the report, or when its own title names it.
Countries come from the gazetteer through kb.places. Thresholds are data (kb/data/tagging.toml).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from kb.embed import Embedder
from kb.gazetteer import Gazetteer
from kb.language import STEMMERS
from kb.models import Chunk, Evidence, Segmented, Tag, Tagged
from kb.places import Places
from kb.ruledata import read_toml, shipped
from kb.taxonomy import Taxonomy

_NEGATORS = {
    "en": {"no", "not", "never", "without", "nor", "neither", "non"},
    "es": {"no", "sin", "ni", "nunca"},
    "pt": {"não", "sem", "nem", "nunca"},
    "fr": {"pas", "sans", "ni", "jamais", "aucun", "aucune", "non"},
}
_ZH_NEGATORS = ("不", "未", "无", "没有", "非")
_MAX_EVIDENCE = 5


@dataclass(frozen=True)
class TagRules:
    """The thresholds of the approach roll-up (kb/data/tagging.toml [approaches], which says why each)."""

    passage_threshold: float = 0.7
    cue_weight: float = 0.5
    sim_floor: float = 0.3
    sim_scale: float = 2.5
    full_coverage: float = 0.2
    full_support: float = 6.0
    long_document: float = 80.0
    tag_threshold: float = 0.5
    title_confidence: float = 1.0


def tag_rules(**overrides: float) -> TagRules:
    """The shipped approach rules, with values overridden (for evaluation)."""
    values = {**read_toml(*shipped("tagging.toml")).get("approaches", {}), **overrides}
    return TagRules(**{k: float(v) for k, v in values.items()})


@dataclass(frozen=True)
class CueHit:
    """A cue phrase of an approach found in a passage."""

    approach: str
    start: int
    end: int


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


def _fold(word: str) -> str:
    """Lower case without accents, so 'microcrédito' and 'microcredito' meet."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def cue_language(language: str) -> str:
    """The language a passage's cues are matched in: its own when the taxonomy has cues for it, else English."""
    return language if language in STEMMERS or language == "zh" else "en"


class CueMatcher:
    """Finds the taxonomy's cue phrases in a passage, on word stems, skipping negated ones."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._tokenizers: dict[str, Any] = {}
        self._stemmers: dict[str, Any] = {}
        self._stem_cache: dict[str, dict[str, str]] = {lang: {} for lang in STEMMERS}
        # Built per language on first use: most corpora never need the Spanish or French tables.
        self._patterns: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        zh = [(cue, a.id) for a in taxonomy.approaches for cue in a.cues_for("zh")]
        zh.sort(key=lambda e: -len(e[0]))
        self._zh_ids = dict(zh)
        self._zh = re.compile("|".join(re.escape(c) for c, _ in zh)) if zh else None

    def _language(self, lang: str) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The cue table of a language: first stem -> (stems, approach), longest cue first."""
        if lang not in self._patterns:
            import snowballstemmer  # uses PyStemmer's C code when it is installed
            import spacy

            self._tokenizers[lang] = spacy.blank(lang).tokenizer
            self._stemmers[lang] = snowballstemmer.stemmer(STEMMERS[lang])
            table: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
            for approach in self.taxonomy.approaches:
                for cue in approach.cues_for(lang):
                    stems = tuple(s for s, _, _ in self._tokens(cue, lang))
                    if stems:
                        table[stems[0]].append((stems, approach.id))
            for entries in table.values():
                entries.sort(key=lambda e: -len(e[0]))
            self._patterns[lang] = dict(table)
        return self._patterns[lang]

    def _stem(self, word: str, lang: str) -> str:
        cache = self._stem_cache[lang]
        stem = cache.get(word)
        if stem is None:
            stem = _fold(self._stemmers[lang].stemWord(word.lower()))
            cache[word] = stem
        return stem

    def _tokens(self, text: str, lang: str) -> list[tuple[str, int, int]]:
        """(stem, start, end) of each word; punctuation and hyphens dropped so 'e-commerce' = 'e commerce'."""
        out = []
        for token in self._tokenizers[lang](text):
            if token.is_punct or token.is_space:
                continue
            out.append((self._stem(token.text, lang), token.idx, token.idx + len(token.text)))
        return out

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
                if tuple(t[0] for t in tokens[i:i + n]) == stems:
                    if matched and n < matched:
                        break
                    if not any(t[0] in negators for t in tokens[max(0, i - 2):i]):
                        hits.append(CueHit(approach, tokens[i][1], tokens[i + n - 1][2]))
                    matched = n
            i += max(matched, 1)
        return hits

    def _find_zh(self, text: str) -> list[CueHit]:
        if self._zh is None:
            return []
        hits = []
        for match in self._zh.finditer(text):
            before = text[max(0, match.start() - 2):match.start()]
            if not any(before.endswith(n) for n in _ZH_NEGATORS):
                hits.append(CueHit(self._zh_ids[match.group()], match.start(), match.end()))
        return hits


def approach_prototypes(taxonomy: Taxonomy, embedder: Embedder) -> np.ndarray:
    """One vector per approach: its label and definition, in the embedder's space."""
    return embedder.encode([f"{a.label}: {a.definition}" for a in taxonomy.approaches])


@lru_cache(maxsize=4)
def cue_matcher(taxonomy: Taxonomy) -> CueMatcher:
    """One cue matcher per taxonomy (building it tokenizes every cue)."""
    return CueMatcher(taxonomy)


class Tagger:
    """Tags documents with approaches (taxonomy) and countries (gazetteer, through kb.places)."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer, prototypes: np.ndarray | None = None,
                 rules: TagRules | None = None, places: Places | None = None) -> None:
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.prototypes = prototypes  # one unit vector per approach, in the passages' vector space
        self.rules = rules or tag_rules()
        self.places = places or Places(gazetteer)
        self.cues = cue_matcher(taxonomy)

    # -- approaches -------------------------------------------------------------------------------
    def passage_scores(
        self, chunks: Sequence[Chunk], vectors: np.ndarray | None
    ) -> tuple[np.ndarray, list[list[CueHit]]]:
        """Score of every approach for every passage (rows: passages), and the cue hits behind them."""
        ids = self.taxonomy.ids
        col = {a: j for j, a in enumerate(ids)}
        rules = self.rules
        scores = np.zeros((len(chunks), len(ids)), dtype=np.float32)
        all_hits = []
        for i, chunk in enumerate(chunks):
            lang = cue_language(chunk.language)
            hits = self.cues.find(chunk.text, lang)
            all_hits.append(hits)
            distinct: dict[str, set[str]] = defaultdict(set)
            for hit in hits:
                distinct[hit.approach].add(chunk.text[hit.start:hit.end].lower())
            for approach, cues in distinct.items():
                count = sum(1 for h in hits if h.approach == approach)
                scores[i, col[approach]] = rules.cue_weight * (len(cues) + 0.5 * (count - len(cues)))
            if vectors is not None and self.prototypes is not None and lang == "en":
                sims = self.prototypes @ vectors[i]
                scores[i] += np.maximum(sims - rules.sim_floor, 0) * rules.sim_scale * (scores[i] > 0)
        return np.minimum(scores, 1.0), all_hits

    def _roll_up(self, chunks: Sequence[Chunk], rows: np.ndarray, hits: list[list[CueHit]], text: str,
                 title: str = "", language: str = "en") -> list[Tag]:
        """Approach tags of a span of passages (a case or a whole document), and of its title's cues."""
        rules = self.rules
        titled = {hit.approach for hit in self.cues.find(title, cue_language(language))} if title else set()
        if not len(rows):
            return [Tag("approach", a, rules.title_confidence, (), source="title") for a in sorted(titled)]
        lengths = np.array([max(c.end - c.start, 1) for c in chunks], dtype=np.float32)
        support = rows >= rules.passage_threshold
        coverage = (support * lengths[:, None]).sum(axis=0) / lengths.sum()
        counts = support.sum(axis=0)
        needed = rules.full_support * max(1.0, math.sqrt(len(chunks) / rules.long_document))
        confidence = np.minimum(1.0, np.maximum(coverage / rules.full_coverage, counts / needed))
        tags = []
        for j, approach in enumerate(self.taxonomy.ids):
            from_title = approach in titled and confidence[j] < rules.tag_threshold
            if confidence[j] < rules.tag_threshold and not from_title:
                continue
            best = np.argsort(-rows[:, j])[:_MAX_EVIDENCE]
            evidence = []
            for i in best:
                if rows[i, j] <= 0:
                    break
                for hit in hits[i]:
                    if hit.approach == approach:
                        base = chunks[i].start
                        start, end = sentence_around(text, hit.start + base, hit.end + base, base, chunks[i].end)
                        evidence.append(Evidence(start, end, text[start:end]))
                        break
            value = rules.title_confidence if from_title else float(confidence[j])
            tags.append(Tag("approach", approach, round(value, 3), tuple(evidence),
                            source="title" if from_title else "text"))
        return sorted(tags, key=lambda t: -t.confidence)

    # -- documents --------------------------------------------------------------------------------
    def tag(self, seg: Segmented, vectors: np.ndarray | None = None, use_columns: bool = True) -> Tagged:
        """Tags of a document and of each of its cases; vectors are its passages' vectors, in order.

        A case carries its own approaches; its countries are its own focus when it has enough evidence, else
        its document's focus (so a section of a Cambodia evaluation is about Cambodia); a table's rows stand
        alone and the table's own focus is what most rows are about.
        """
        doc = seg.document
        text = doc.text
        chunks = list(seg.chunks)
        rows, hits = self.passage_scores(chunks, vectors)
        mentions = self.gazetteer.find(text)
        meta = dict(doc.meta)
        doc_fixed = self.places.fixed([meta["country"]]) if "country" in meta else ()
        record_table = doc.doc_type == "record"
        doc_tags = [] if record_table else self._roll_up(chunks, rows, hits, text, doc.title, doc.language)
        if not record_table:
            doc_tags += self.places.tags(text, doc.title, mentions, doc_fixed, "metadata")
        doc_focus = tuple(t.value for t in doc_tags if t.kind == "country" and t.role == "focus")
        by_case: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(chunks):
            by_case[chunk.case_id].append(i)
        single = len(seg.cases) == 1
        case_tags = []
        for case in seg.cases:
            idx = by_case.get(case.case_id, [])
            if single and not record_table and not case.fields:  # the case is the whole document: its tags
                case_tags.append((case.case_id, tuple(doc_tags)))
                continue
            title = case.title if case.title != doc.title else ""
            tags = self._roll_up([chunks[i] for i in idx], rows[idx], [hits[i] for i in idx], text, title, doc.language)
            fields = dict(case.fields)
            fixed = self.places.fixed([fields["country"]]) if use_columns and "country" in fields else ()
            providers = self.places.fixed([fields["provider"]]) if use_columns and "provider" in fields else ()
            inside = [m for m in mentions if case.start <= m.start < case.end]
            tags += self.places.tags(text, case.title if record_table else "", inside, fixed, "column", providers,
                                     "record" if record_table else "case", doc_focus, (case.start, case.end))
            case_tags.append((case.case_id, tuple(tags)))
        if record_table:
            doc_tags = self.places.table_focus([tags for _, tags in case_tags])
        return Tagged(tuple(doc_tags), tuple(case_tags))
