"""Approach, SDG and country tags for passages, rolled up to cases and documents, each with its evidence.

Approaches and goals (one taxonomy each, scored the same way) combine two signals per passage: cue phrases
matched on word stems in the passage's language (kb.cues; a negated cue does not count) and, for English
passages, the passage vector's similarity to each tag's definition. A case or document carries a tag when
enough of its text supports it, so a passing mention in one passage of a long report does not tag the report,
or when its own title names it. A record table's SDG column gives its rows' goals (source "column").
Countries come from the gazetteer through kb.places. Thresholds are data (kb/data/tagging.toml).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kb.cues import CueHit, cue_language, cue_matcher, sentence_around
from kb.embed import Embedder
from kb.gazetteer import Gazetteer, PlaceMention
from kb.kinds import PROSE
from kb.models import Case, Chunk, Evidence, Segmented, Tag, Tagged
from kb.places import Places
from kb.ruledata import compile_pattern, read_toml, rule_entries, shipped
from kb.taxonomy import Taxonomy

_MAX_EVIDENCE = 5


def _outside(mentions: list[PlaceMention], spans: list[tuple[int, int]]) -> list[PlaceMention]:
    """The mentions that start in none of the (sorted, disjoint) spans."""
    starts = [a for a, _ in spans]
    out = []
    for m in mentions:
        at = bisect.bisect_right(starts, m.start) - 1
        if at < 0 or m.start >= spans[at][1]:
            out.append(m)
    return out


@dataclass(frozen=True)
class TagRules:
    """The thresholds of a taxonomy's roll-up (kb/data/tagging.toml [approaches], [sdg]; it says why each)."""

    passage_threshold: float = 0.7
    cue_weight: float = 0.5
    sim_floor: float = 0.3
    sim_scale: float = 2.5
    full_coverage: float = 0.2
    full_support: float = 6.0
    long_document: float = 80.0
    tag_threshold: float = 0.5
    # The confidence of a tag a case's own title names (0: a title tags nothing).
    title_confidence: float = 1.0
    # The confidence a case of a longer document takes for a tag its document's title names (0: none).
    document_title: float = 1.0
    sim_alone: float = 0.0


# The tagging.toml section of each taxonomy kind's rules; a kind without one uses the approaches'.
_RULES_SECTION = {"approach": "approaches", "sdg": "sdg"}
_SDG_ID = re.compile(r"\bSDG\s*[-_ ]?\s*(1[0-7]|[1-9])\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def summary_titles() -> tuple[re.Pattern[str], ...]:
    """The titles of a document's summary case ("Executive summary", "Schedule 2: Description of the Project"),
    each a [[summary]] rule of kb/data/tagging.toml, matched against a whole case title."""
    source = "kb/data/tagging.toml"
    data = read_toml(*shipped("tagging.toml"))
    return tuple(compile_pattern(source, e["id"], e.get("pattern")) for e in rule_entries(data, "summary", source,
                                                                                            {"pattern"}))


def tag_rules(kind: str = "approach", **overrides: float) -> TagRules:
    """The shipped rules of a taxonomy kind, with values overridden (for evaluation)."""
    data = read_toml(*shipped("tagging.toml"))
    values = {**data.get("approaches", {}), **data.get(_RULES_SECTION.get(kind, ""), {}), **overrides}
    return TagRules(**{k: float(v) for k, v in values.items()})


def approach_prototypes(taxonomy: Taxonomy, embedder: Embedder) -> np.ndarray:
    """Vectors of each tag's label and definition, in the taxonomy's order, then of each tag's targets."""
    texts = [f"{a.label}: {a.definition}" for a in taxonomy.approaches]
    texts += [target for a in taxonomy.approaches for target in a.targets]
    return embedder.encode(texts)


def _owners(taxonomy: Taxonomy) -> np.ndarray:
    """The tag (column) of each prototype row, in approach_prototypes' order."""
    owners = list(range(len(taxonomy.approaches)))
    owners += [j for j, a in enumerate(taxonomy.approaches) for _ in a.targets]
    return np.array(owners, dtype=np.int64)


def sdg_column(value: str) -> list[str]:
    """Goal ids named in a record's SDG cell ("SDG2,SDG17", "Goal 5"): sdg2, sdg17, ... in order, once each."""
    found = [f"sdg{int(m.group(1))}" for m in _SDG_ID.finditer(value)]
    found += [f"sdg{int(n)}" for n in re.findall(r"\b(?:goal)\s*(1[0-7]|[1-9])\b", value, re.IGNORECASE)]
    return list(dict.fromkeys(found))


class Themes:
    """One taxonomy's tags (approaches or goals) for passages and their roll-up to a case or document."""

    def __init__(self, taxonomy: Taxonomy, prototypes: np.ndarray | None = None, rules: TagRules | None = None,
                 every_language: bool = False) -> None:
        self.taxonomy = taxonomy
        self.kind = taxonomy.kind
        self.prototypes = prototypes  # unit vectors of the tags and their targets, in the passages' space
        # Meaning counts where the main model reads the passage: English cues' passages for an English model
        # (kb.embed declares what each model reads), every passage for one that reads every language.
        self.every_language = every_language
        self.owners = _owners(taxonomy)
        self.rules = rules or tag_rules(taxonomy.kind)
        self.cues = cue_matcher(taxonomy)
        # The tags meaning alone may support (SDG 17's targets read like any project's financing: kb/data/sdg.toml).
        self._alone = np.array([a.meaning_alone for a in taxonomy.approaches])


    def passage_scores(
        self, chunks: Sequence[Chunk], vectors: np.ndarray | None
    ) -> tuple[np.ndarray, list[list[CueHit]]]:
        """Score of every tag for every passage (rows: passages), and the cue hits behind them."""
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
            if vectors is not None and self.prototypes is not None and (lang == "en" or self.every_language):
                sims = np.full(len(ids), -1.0, dtype=np.float32)
                np.maximum.at(sims, self.owners, self.prototypes @ vectors[i])  # the nearest of each tag's rows
                scores[i] += np.maximum(sims - rules.sim_floor, 0) * rules.sim_scale * (scores[i] > 0)
                if rules.sim_alone:  # close enough in meaning to stand without a cue
                    alone = (sims >= rules.sim_alone) & self._alone
                    scores[i] = np.maximum(scores[i], alone * rules.passage_threshold)
        return np.minimum(scores, 1.0), all_hits

    def titled(self, title: str, language: str) -> set[str]:
        """The tags whose cues a title holds."""
        return {hit.approach for hit in self.cues.find(title, cue_language(language))} if title else set()

    def inherited(self, title: str, language: str) -> set[str]:
        """The tags every case of a document with this title takes from it (none when the rules say so)."""
        return self.titled(title, language) if self.rules.document_title else set()

    def from_document_title(self, tags: list[Tag], inherited: set[str]) -> list[Tag]:
        """A case's tags with those its document's title names added (`inherited`): the title says what every
        section is about ("Loan Agreement (Sustainable Coastal Tourism Development Project)", ARTICLE VI)."""
        have = {t.value for t in tags if t.kind == self.kind}
        return tags + [Tag(self.kind, value, self.rules.document_title, (), source="document_title")
                       for value in sorted(inherited - have)]

    def roll_up(self, chunks: Sequence[Chunk], rows: np.ndarray, hits: list[list[CueHit]], text: str,
                 title: str = "", language: str = "en") -> list[Tag]:
        """Tags of a span of passages (a case or a whole document), and of its title's cues."""
        rules = self.rules
        titled = self.titled(title, language) if rules.title_confidence > 0 else set()
        if not len(rows):
            return [Tag(self.kind, a, rules.title_confidence, (), source="title") for a in sorted(titled)]
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
                base = chunks[i].start
                cue = next((h for h in hits[i] if h.approach == approach), None)
                # A passage close in meaning without a cue: its opening sentence, so no tag comes without a place.
                at = (cue.start + base, cue.end + base) if cue else (base, min(base + 1, chunks[i].end))
                start, end = sentence_around(text, *at, base, chunks[i].end)
                evidence.append(Evidence(start, end, text[start:end]))
            value = rules.title_confidence if from_title else float(confidence[j])
            tags.append(Tag(self.kind, approach, round(value, 3), tuple(evidence),
                            source="title" if from_title else "text"))
        return sorted(tags, key=lambda t: -t.confidence)


class Tagger:
    """Tags documents with approaches (taxonomy), goals (the SDGs, when given) and countries (kb.places)."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer, prototypes: np.ndarray | None = None,
                 rules: TagRules | None = None, places: Places | None = None, goals: Themes | None = None,
                 every_language: bool = False) -> None:
        self.approaches = Themes(taxonomy, prototypes, rules, every_language)
        self.goals = goals
        self.gazetteer = gazetteer
        self.places = places or Places(gazetteer)

    def _themes(self, chunks: list[Chunk], vectors: np.ndarray | None
                ) -> list[tuple[Themes, np.ndarray, list[list[CueHit]]]]:
        """Each taxonomy with its passage scores and cue hits."""
        out = []
        for themes in (self.approaches, self.goals):
            if themes is not None:
                rows, hits = themes.passage_scores(chunks, vectors)
                out.append((themes, rows, hits))
        return out

    @staticmethod
    def _summary_tags(seg: Segmented, chunks: list[Chunk], scored: list[tuple[Themes, np.ndarray, list[list[CueHit]]]],
                      have: list[Tag]) -> list[Tag]:
        """Tags a document's summary case supports that its whole text does not reach."""
        summary = {c.case_id for c in seg.cases if any(p.fullmatch(c.title.strip()) for p in summary_titles())}
        idx = [i for i, c in enumerate(chunks) if c.case_id in summary]
        if not idx:
            return []
        out: list[Tag] = []
        for themes, rows, hits in scored:
            known = {t.value for t in have if t.kind == themes.kind}
            own = themes.roll_up([chunks[i] for i in idx], rows[idx], [hits[i] for i in idx], seg.document.text)
            out += [dataclasses.replace(t, source="summary") for t in own if t.value not in known]
        return out

    @staticmethod
    def _column_goals(case: Case) -> list[Tag]:
        """A record's goals from its SDG column, as its authors chose them."""
        value = dict(case.fields).get("sdg", "")
        return [Tag("sdg", goal, 1.0, (), source="column") for goal in sdg_column(value)]

    def tag(self, seg: Segmented, vectors: np.ndarray | None = None, use_columns: bool = True) -> Tagged:
        """Tags of a document and of each of its cases; vectors are its passages' vectors, in order.

        A case carries its own approaches and goals, and those its document's title names (kb.tag.Themes); its
        countries are its own focus when it has enough evidence, else its document's focus (so a section of a
        Cambodia evaluation is about Cambodia); a table's rows stand alone and the table's own focus is what
        most rows are about.
        """
        doc = seg.document
        text = doc.text
        # What a document or case is about is read from its prose: a reference list's "Kenya (2019)", a contents
        # page or a table's row labels are no evidence, as they do not compete in search (kb.kinds). Measured
        # (scripts/eval_tags.py): dev approach F1 .872 and focus .982 unchanged, held-out approach .687 -> .708.
        keep = [i for i, c in enumerate(seg.chunks) if c.kind == PROSE]
        chunks = [seg.chunks[i] for i in keep]
        if vectors is not None:
            vectors = vectors[keep]
        scored = self._themes(chunks, vectors)
        mentions = _outside(self.gazetteer.find(text), sorted((c.start, c.end) for c in seg.chunks if c.kind != PROSE))
        meta = dict(doc.meta)
        doc_fixed = self.places.fixed([meta["country"]]) if "country" in meta else ()
        record_table = doc.doc_type == "record"
        single = len(seg.cases) == 1
        doc_tags: list[Tag] = []
        if not record_table:
            for themes, rows, hits in scored:
                doc_tags += themes.roll_up(chunks, rows, hits, text, doc.title, doc.language)
            doc_tags += self.places.tags(text, doc.title, mentions, doc_fixed, "metadata",
                                         sections=not single)
        if not record_table and not single:
            doc_tags += self._summary_tags(seg, chunks, scored, doc_tags)
        doc_focus = tuple(t.value for t in doc_tags if t.kind == "country" and t.role == "focus")
        by_case: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(chunks):
            by_case[chunk.case_id].append(i)
        # Read once per document, not once per case.
        inherited = {themes.kind: themes.inherited(doc.title, doc.language) for themes, _, _ in scored}
        case_tags = []
        for case in seg.cases:
            idx = by_case.get(case.case_id, [])
            if single and not record_table and not case.fields:  # the case is the whole document: its tags
                case_tags.append((case.case_id, tuple(doc_tags)))
                continue
            title = case.title if case.title != doc.title else ""
            column_goals = self._column_goals(case) if use_columns else []
            tags: list[Tag] = list(column_goals)
            for themes, rows, hits in scored:
                if themes.kind == "sdg" and column_goals:
                    continue  # the authors' own goals stand; the text is not asked to second-guess them
                own = themes.roll_up([chunks[i] for i in idx], rows[idx], [hits[i] for i in idx], text, title,
                                     doc.language)
                tags += own if record_table else themes.from_document_title(own, inherited[themes.kind])
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
