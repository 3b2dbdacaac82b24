"""Approach and country tags for passages, rolled up to cases and documents, each with its evidence.

Approaches combine two signals per passage: cue phrases matched on word stems in the passage's language
(a negated cue does not count) and, for English passages, the passage vector's similarity to each
approach's definition. A case or document carries an approach when enough of its text supports it, so a
passing mention in one passage of a long report does not tag the report. Countries come from the
gazetteer; the most-named countries are the focus, the rest are mentions.
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
from kb.gazetteer import WEIGHTS, Gazetteer, PlaceMention
from kb.models import Chunk, Evidence, Segmented, Tag, Tagged
from kb.taxonomy import Taxonomy

_CJK = re.compile(r"[\u3400-\u9fff]")
_STEMMER_NAMES = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
_NEGATORS = {
    "en": {"no", "not", "never", "without", "nor", "neither", "non"},
    "es": {"no", "sin", "ni", "nunca"},
    "pt": {"não", "sem", "nem", "nunca"},
    "fr": {"pas", "sans", "ni", "jamais", "aucun", "aucune", "non"},
}
_ZH_NEGATORS = ("不", "未", "无", "没有", "非")
# Fields of a record table whose values are tags already, and the document metadata keys for countries.
_COUNTRY_FIELDS = ("country",)
_MAX_EVIDENCE = 5


@dataclass(frozen=True)
class TagRules:
    """The thresholds of the roll-up, in one place so that evaluation can show their effect."""

    # A passage supports an approach when its score reaches this.
    passage_threshold: float = 0.7
    # Score of one cue match, and of each further distinct cue, before the meaning signal.
    cue_weight: float = 0.5
    # Similarity to the definition above `sim_floor` adds score; `sim_scale` is the slope.
    sim_floor: float = 0.3
    sim_scale: float = 2.5
    # A case or document is fully supported when this share of its text, or this many passages, support it;
    # past `long_document` passages the count needed grows with the square root of the length, so that a
    # topic touched in a few passages of a 1,000-passage report does not tag it.
    full_coverage: float = 0.2
    full_support: float = 6.0
    long_document: float = 80.0
    tag_threshold: float = 0.5
    # Countries named at least this share as often as the most-named one are a focus too.
    focus_ratio: float = 0.5
    title_bonus: float = 3.0


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


def passage_language(text: str, doc_language: str) -> str:
    """The cue language of a passage: Chinese by its characters, else the document's if cues exist for it."""
    if len(_CJK.findall(text)) > 0.2 * max(len(text.replace(" ", "")), 1):
        return "zh"
    return doc_language if doc_language in _STEMMER_NAMES else "en"


class CueMatcher:
    """Finds the taxonomy's cue phrases in a passage, on word stems, skipping negated ones."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._tokenizers: dict[str, Any] = {}
        self._stemmers: dict[str, Any] = {}
        self._stem_cache: dict[str, dict[str, str]] = {lang: {} for lang in _STEMMER_NAMES}
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
            self._stemmers[lang] = snowballstemmer.stemmer(_STEMMER_NAMES[lang])
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
    """Tags documents with approaches (taxonomy) and countries (gazetteer)."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer, prototypes: np.ndarray | None = None,
                 rules: TagRules = TagRules()) -> None:
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.prototypes = prototypes  # one unit vector per approach, in the passages' vector space
        self.rules = rules
        self.cues = cue_matcher(taxonomy)

    # -- approaches -------------------------------------------------------------------------------
    def passage_scores(self, chunks: Sequence[Chunk], language: str, vectors: np.ndarray | None) -> tuple[np.ndarray, list[list[CueHit]]]:
        """Score of every approach for every passage (rows: passages), and the cue hits behind them."""
        ids = self.taxonomy.ids
        col = {a: j for j, a in enumerate(ids)}
        rules = self.rules
        scores = np.zeros((len(chunks), len(ids)), dtype=np.float32)
        all_hits = []
        for i, chunk in enumerate(chunks):
            lang = passage_language(chunk.text, language)
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

    def _roll_up(self, chunks: Sequence[Chunk], rows: np.ndarray, hits: list[list[CueHit]], text: str) -> list[Tag]:
        """Approach tags of a span of passages (a case or a whole document)."""
        rules = self.rules
        if not len(rows):
            return []
        lengths = np.array([max(c.end - c.start, 1) for c in chunks], dtype=np.float32)
        support = rows >= rules.passage_threshold
        coverage = (support * lengths[:, None]).sum(axis=0) / lengths.sum()
        counts = support.sum(axis=0)
        needed = rules.full_support * max(1.0, math.sqrt(len(chunks) / rules.long_document))
        confidence = np.minimum(1.0, np.maximum(coverage / rules.full_coverage, counts / needed))
        tags = []
        for j, approach in enumerate(self.taxonomy.ids):
            if confidence[j] < rules.tag_threshold:
                continue
            best = np.argsort(-rows[:, j])[:_MAX_EVIDENCE]
            evidence = []
            for i in best:
                if not support[i, j]:
                    break
                for hit in hits[i]:
                    if hit.approach == approach:
                        base = chunks[i].start
                        start, end = sentence_around(text, hit.start + base, hit.end + base, base, chunks[i].end)
                        evidence.append(Evidence(start, end, text[start:end]))
                        break
            tags.append(Tag("approach", approach, round(float(confidence[j]), 3), tuple(evidence)))
        return sorted(tags, key=lambda t: -t.confidence)

    # -- countries --------------------------------------------------------------------------------
    def _places(self, text: str, title: str, mentions: list[PlaceMention], fixed: tuple[str, ...], fixed_source: str) -> list[Tag]:
        """Country and region tags from place mentions; countries given by a column or metadata are the focus."""
        rules = self.rules
        score: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[Evidence]] = defaultdict(list)
        regions: dict[str, list[Evidence]] = defaultdict(list)
        for m in mentions:
            ev = Evidence(m.start, m.end, text[m.start:m.end])
            if m.kind == "region":
                regions[m.code].append(ev)
                continue
            score[m.code] += WEIGHTS.get(m.kind, 1.0)
            evidence[m.code].append(ev)
        for m in self.gazetteer.find(title) if title else ():
            if m.kind != "region":
                score[m.code] += rules.title_bonus
        tags = [Tag("country", code, 1.0, tuple(evidence.get(code, ())[:_MAX_EVIDENCE]), "focus", fixed_source)
                for code in fixed]
        top = max(score.values(), default=0.0)
        for code, value in sorted(score.items(), key=lambda kv: -kv[1]):
            if code in fixed:
                continue
            share = value / top
            role = "focus" if share >= rules.focus_ratio and not fixed else "mention"
            confidence = min(1.0, share) if role == "focus" else min(0.99, 1 - math.exp(-value / 3))
            tags.append(Tag("country", code, round(confidence, 3), tuple(evidence[code][:_MAX_EVIDENCE]), role))
        tags += [Tag("region", code, 1.0, tuple(evs[:_MAX_EVIDENCE])) for code, evs in regions.items()]
        return tags

    def _fixed_countries(self, values: Sequence[str]) -> tuple[str, ...]:
        """ISO3 codes named by a country column or metadata value ('ETH,DJI', 'Republic of Uganda')."""
        codes: list[str] = []
        for value in values:
            # A whole cell that names a place wins; otherwise it is a list ("ETH,DJI,NGA").
            cells = [value] if self.gazetteer.lookup(value) else re.split(r"[;,|/]", value)
            for cell in cells:
                place = self.gazetteer.lookup(cell) if cell.strip() else None
                if place and place.kind != "region" and place.code not in codes:
                    codes.append(place.code)
        return tuple(codes)

    # -- documents --------------------------------------------------------------------------------
    def tag(self, seg: Segmented, vectors: np.ndarray | None = None, use_columns: bool = True) -> Tagged:
        """Tags of a document and of each of its cases; vectors are its passages' vectors, in order."""
        doc = seg.document
        text = doc.text
        chunks = list(seg.chunks)
        rows, hits = self.passage_scores(chunks, doc.language, vectors)
        mentions = self.gazetteer.find(text)
        meta = dict(doc.meta)
        doc_fixed = self._fixed_countries([meta["country"]]) if "country" in meta else ()
        record_table = doc.doc_type == "record"
        doc_tags = [] if record_table else self._roll_up(chunks, rows, hits, text)
        doc_tags += self._places(text, doc.title, mentions, doc_fixed, "metadata")
        by_case: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(chunks):
            by_case[chunk.case_id].append(i)
        case_tags = []
        for case in seg.cases:
            idx = by_case.get(case.case_id, [])
            tags = self._roll_up([chunks[i] for i in idx], rows[idx], [hits[i] for i in idx], text)
            fields = dict(case.fields)
            fixed = ()
            if use_columns:
                fixed = self._fixed_countries([fields[f] for f in _COUNTRY_FIELDS if f in fields])
            inside = [m for m in mentions if case.start <= m.start < case.end]
            title = case.title if record_table else ""
            tags += self._places(text, title, inside, fixed, "column")
            case_tags.append((case.case_id, tuple(tags)))
        return Tagged(tuple(doc_tags), tuple(case_tags))


def case_facets(seg: Segmented, tagged: Tagged | None) -> list[tuple[str, str, str]]:
    """(case_id, facet, value) rows: a case's own tags, plus its document's unless the document is a table."""
    doc = seg.document
    # What every case takes from its document, decided once: its approaches and focus countries, not the
    # countries it only mentions (a passing mention does not make each case about that country).
    inherited: list[tuple[str, str]] = []
    if tagged is not None and doc.doc_type != "record":
        inherited = [(t.kind, t.value) for t in tagged.document if t.kind != "country" or t.role == "focus"]
    by_case = dict(tagged.cases) if tagged else {}
    collection = doc.source.split("/", 1)[0] if "/" in doc.source else "."
    rows: set[tuple[str, str, str]] = set()
    languages: dict[str, set[str]] = {}
    for chunk in seg.chunks:  # a case is found by each language its passages are in
        if chunk.language:
            languages.setdefault(chunk.case_id, set()).add(chunk.language)
    for case in seg.cases:
        year = (dict(case.fields).get("date") or doc.published or "")[:4]
        values = [("doc_type", doc.doc_type), ("language", doc.language), ("collection", collection)]
        values += [("language", lang) for lang in languages.get(case.case_id, ())]
        if year.isdigit():
            values.append(("year", year))
        values += [(t.kind, t.value) for t in by_case.get(case.case_id, ())] + inherited
        rows.update((case.case_id, facet, value) for facet, value in values)
    return sorted(rows)
