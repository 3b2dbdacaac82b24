"""Languages: the one CJK pattern, the language lists, and the one rule for a text's language."""

from __future__ import annotations

import re
from functools import lru_cache

# CJK ideographs (the CJK Unified Ideographs and Extension A blocks): Chinese text, character by character. HAN is
# the range for other modules' patterns, so "Chinese" is written once.
HAN = r"\u3400-\u9fff"
CJK = re.compile(r"[" + HAN + r"]")
CJK_RUN = re.compile(r"[" + HAN + r"]+")
# A letter of any script (no digit, no underscore).
LETTER = re.compile(r"[^\W\d_]")
# Languages the taxonomy's cues and the glossary's names are written in; English first.
CUE_LANGUAGES = ("en", "zh", "es", "pt", "fr")
# Snowball stemmers of the cue languages that are written in words.
STEMMERS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
# Passages are short: a free choice among py3langid's 97 languages calls English blog posts Indonesian.
# Passage languages are chosen among the corpus's languages; a document's own language is always allowed.
PASSAGE_LANGUAGES = ("en", "zh", "es", "pt", "fr", "ar", "ru", "sw", "vi", "id", "hi", "bn", "de", "it")
UNDETERMINED = "und"
# What a model that reads English only reads: English, and passages of no stated language (kb.embed's registry).
ENGLISH_READABLE = ("en", "")
# The commonest function words of the cue languages: prose is full of them, a table or a heading is not; a
# line ending on one continues on the next.
FUNCTION_WORDS = frozenset("""
the of and to in a is that for on with as by are was be it this from or an at which have has were not their
they its can also been more these than but such will would may other into who all one there our when while
de la el en y los las que del se por con para una un es su al lo como más o le les et des du pour dans est
qui sur au pas par ne plus ce sont da do das dos em para com uma os as no na não
""".split())
# Names people type for the corpus's languages, in English and in the language itself.
_NAMES = {"english": "en", "chinese": "zh", "中文": "zh", "spanish": "es", "español": "es", "espanol": "es",
          "portuguese": "pt", "português": "pt", "portugues": "pt", "french": "fr", "français": "fr",
          "francais": "fr", "arabic": "ar", "russian": "ru", "swahili": "sw", "vietnamese": "vi",
          "indonesian": "id", "hindi": "hi", "bengali": "bn", "german": "de", "italian": "it"}


def language_code(name: str) -> str | None:
    """The ISO 639-1 code of a language name ("English" -> "en"), or None."""
    return _NAMES.get(name.strip().lower())


def language_name(code: str) -> str:
    """The English name of a language code ("es" -> "Spanish"), or the code when it is not one of ours."""
    return next((name.capitalize() for name, c in _NAMES.items() if c == code and name.isascii()), code)


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among the letters of a text (0 when it has none)."""
    letters = sum(1 for c in text if c.isalpha())
    return len(CJK.findall(text)) / letters if letters else 0.0


def is_cjk(text: str) -> bool:
    """True when CJK ideographs make up a tenth or more of the letters (a Chinese document)."""
    return cjk_share(text[:50000]) > 0.1


@lru_cache(maxsize=16)
def _identifier(languages: tuple[str, ...]) -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of a document's main language, among the corpus's languages (py3langid, offline)."""
    sample = text[:6000].strip()
    if not sample:
        return UNDETERMINED
    if cjk_share(sample) > 0.3:
        return "zh"
    lang, _prob = _identifier(PASSAGE_LANGUAGES).classify(sample)  # type: ignore[attr-defined]
    return str(lang)


def passage_language(text: str, document_language: str) -> str:
    """ISO 639-1 code of one passage; short or unclear passages take their document's language."""
    sample = text[:2000]
    cjk = len(CJK.findall(sample))
    if cjk >= 15 and cjk > 0.3 * len(sample.replace(" ", "")):
        return "zh"
    if len(sample.strip()) < 60:
        return document_language
    allowed = tuple(sorted(set(PASSAGE_LANGUAGES) | {document_language} - {UNDETERMINED, ""}))
    lang, prob = _identifier(allowed).classify(sample)  # type: ignore[attr-defined]
    return str(lang) if prob >= 0.9 else document_language
