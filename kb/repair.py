"""Repairs of text damaged on its way into the corpus: words glued by extraction, machine-translation
numbers and capitals, footnote markers stuck to words, characters lost by an ASCII export.

Each repair has a stable id and reports what it changed, so the cleaning report counts it like a removal.
Repairs that split or change words only act on evidence from the document itself (its own vocabulary),
never on a dictionary of what a word "should" be.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable

from kb.language import HAN, detect_language
from kb.layout import roman_value
from kb.lexicon import known_words
from kb.models import Removal

_WORD = re.compile(r"[A-Za-z]+")
# "19.20,000 poor women": a Chinese 19.2万 (x 10,000) translated digit by digit.
# A comma beside it is the sentence's ("system,25.30,000 de facto", "pairing 7.70,000, Selected", "71.90,000,72.6%
# of poor"), unless it joins digits in threes, which makes it the number's own.
_WAN_NUMBER = re.compile(r"(?<![\d.])(?<!\d,)(\d{1,5})\.(\d{1,3})0,000(?!\d|,\d{3}(?!\d))")
# "revolution,Establishing New China": a comma glued to a capitalised word marks machine-translated text.
_GLUED_COMMA = re.compile(r"(?<=[a-z" + HAN + r"])([,，])([A-Z][a-z]+)\b")
_MONTH_OR_DAY = re.compile(r"^(?:january|february|march|april|may|june|july|august|september|october|november|"
                           r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.I)
# "ContextAgriculture", "bundledinterventions": two words joined where a line break was lost.
_CAMEL = re.compile(r"(?<![\w./@:-])([a-z]*[A-Za-z][a-z]{2,})([A-Z][a-z]{2,})(?![\w./@-])")
# A capital standing alone before capitals: its word's initial, split off by small capitals ("10.5 F EVER"); not
# after an apostrophe ("WOMAN’S NAME", "DON’T KNOW").
_SMALL_CAPS = re.compile(r"(?<![\w’'‘])([A-Z]) ([A-Z]{2,})\b")
# Capitals that are words on their own in English, Spanish, Portuguese or French headings ("A CHILD", "SALUD Y
# EDUCACIÓN", "O ESTADO"); any other lone capital before capitals is an initial when the two make a word.
_LETTER_WORDS = frozenset("AIOEUY")
# A lower-case run long enough to be two words, as a whole whitespace-separated token (URLs are skipped).
_LOWER_RUN = re.compile(r"(?<![\w./@:-])[a-z]{9,}(?![\w./@-])")
# Parts that make one word with their neighbour ('microfinance', 'employability'), not two words.
_PREFIXES = frozenset("micro macro sub under over inter intra multi non pre post agro eco socio cross counter out "
                      "up down self mid semi anti extra super trans bio geo tele mini mega hyper".split())
_SUFFIXES = frozenset("ability ibility ment ments ness ship ships able ible less wise ward wards where ever "
                      "hood hoods like".split())
# "definition53.", "Pacific4." : a footnote marker stuck to the word it annotates (not a table cell: no digit follows).
_FOOTNOTE = re.compile(r"\b([A-Za-z]*[a-z]{3,})(\d{1,3})(?=[.,;:)]?(?:\s+[^\d\s(]|\s*$))", re.M)
# Two lower-case pieces ("Thes e", "p ublic", "Accr a"): a word a PDF's letter spacing cut in two.
_PIECES = re.compile(r"(?<![\w’'‘.@/-])([A-Z]?[a-z]+) ([a-z]+)(?![\w’'‘@/-])")
_ARTICLES = frozenset({"a", "an"})
# A paragraph opening with a lower-case word, and a heading line before it: short, not a sentence's end.
_OPENING = re.compile(r"([a-z]{2,})\b(?![’'.-])")
_HEADING_LINE = re.compile(r"[^\n]{1,80}(?<![.,;:!?])")
_WORD_NEXT = re.compile(r"\s*[A-Za-z]")
# English words of one or two letters (known_words holds three letters or more).
_SHORT_WORDS = frozenset("a i am an as at be by do go he if in is it me my no of on or so to up us we".split())
# Words that keep their digits: names written that way, and labels ("Table4", "Annex2") that number a thing.
_KEEP = re.compile(r"^(?:covid|sars|mers|ebola|sdg|web|industry|version|article|table|figure|fig|chart|annex|"
                   r"appendix|section|chapter|schedule|part|box|step|phase|level|type|grade|class|round|wave|"
                   r"year|page|volume|vol|no|map|goal|target|indicator|pillar|component|output|outcome)$", re.I)

Repair = Callable[[str, Counter[str], list[Removal]], str]


def _vocabulary(text: str) -> Counter[str]:
    """Word counts, lower-cased; a word's capitalised uses are also counted under word + NUL + 'cap'."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall(text):
        counts[word.lower()] += 1
        if word[:1].isupper():
            counts[word.lower() + "\0cap"] += 1
    return counts


def wan_numbers(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """'19.20,000' -> '192,000': a number in units of 10,000 (万) whose unit became ',000' in translation
    ('levels3.760,000' -> 'levels 37,600')."""
    def fix(m: re.Match[str]) -> str:
        value = round(float(f"{m.group(1)}.{m.group(2)}") * 10_000)
        log.append(Removal("mt_wan_number", m.group(0)))
        glued = m.start() > 0 and text[m.start() - 1].isalpha()
        return f"{' ' if glued else ''}{value:,}"
    return _WAN_NUMBER.sub(fix, text)


def comma_capitals(text: str, log: list[Removal]) -> str:
    """'revolution,Establishing New China' -> 'revolution,establishing New China' in machine-translated text.

    Runs on the text as read, before punctuation is spaced: only a document that glues commas to
    capitalised words at least three times is machine translated, and only such glued words change, and
    only when the document also writes the word in lower case (names, never lower-cased, keep their capital).
    """
    glued = _GLUED_COMMA.findall(text)
    if len(glued) < 3:
        return text
    vocab = _vocabulary(text)

    def fix(m: re.Match[str]) -> str:
        word = m.group(2)
        lower = word.lower()
        if vocab[lower] - vocab[lower + "\0cap"] >= 1 and not _MONTH_OR_DAY.match(word):
            log.append(Removal("mt_comma_capital", word))
            return m.group(1) + lower
        return m.group(0)
    return _GLUED_COMMA.sub(fix, text)


def joined_words(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """Split 'ContextAgriculture' and 'bundledinterventions', words glued where a line break was lost.

    The joined form must occur once only (a brand written in camel case, 'VillageSavers', recurs). A
    camel-case join splits when the document writes both parts in lower case elsewhere (so 'AliResearch',
    a name, stays). A lower-case join splits only when the installed English vocabularies do not know it
    and do know both parts, which the document also uses on their own.
    """
    counts = Counter(_WORD.findall(text))

    def lower_uses(word: str) -> int:
        return vocab[word.lower()] - vocab[word.lower() + "\0cap"]

    def camel(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        if counts[m.group(0)] == 1 and lower_uses(left) >= 1 and lower_uses(right) >= 1:
            log.append(Removal("joined_words", m.group(0)))
            return f"{left} {right}"
        return m.group(0)

    def lower(m: re.Match[str]) -> str:
        word = m.group(0)
        known = known_words()
        if vocab[word] > 1 or not known or word in known:
            return word
        splits = [(min(vocab[word[:i]], vocab[word[i:]]), i) for i in range(3, len(word) - 2)
                  if word[:i] in known and word[i:] in known
                  and word[:i] not in _PREFIXES and word[i:] not in _SUFFIXES]
        best = max(splits, default=(0, 0))
        if best[0] >= 1:
            log.append(Removal("joined_words", word))
            return f"{word[:best[1]]} {word[best[1]:]}"
        return word
    return _LOWER_RUN.sub(lower, _CAMEL.sub(camel, text))


def split_words(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """'Thes e' -> 'These', 'Greater Accr a' -> 'Greater Accra': a word cut in two by letter spacing, joined again.

    The whole word must be one the document itself writes at least twice. When neither piece is a word,
    they join; when one is ('t he', 's and'), only if the document writes the whole word more often than
    that piece ('the' is commoner than 'he'; 'sand' is rarer than 'and', so 'women s and' stays). English
    documents only: 'de los' and 'com o' are words in the languages that write them.
    """
    known = known_words()

    def word(piece: str) -> bool:
        return piece in _SHORT_WORDS or piece in known

    def joins(left: str, right: str, right_counts: bool) -> bool:
        whole = left + right
        if left == right or len(whole) < 3 or vocab[whole] < 2:
            return False
        pieces = (left, right) if right_counts else (left,)
        return not any(word(piece) and vocab[piece] >= vocab[whole] for piece in pieces)

    def join(m: re.Match[str]) -> str | None:
        # "a" or "an" before no word ("Greater Accr a (19 percent)") is no article: a piece of the word before.
        right_counts = m.group(2) not in _ARTICLES or _WORD_NEXT.match(m.string, m.end()) is not None
        if not joins(m.group(1).lower(), m.group(2), right_counts):
            return None
        log.append(Removal("split_word", m.group(0)))
        return m.group(1) + m.group(2)
    return join_pairs(text, _PIECES, join)


def join_pairs(text: str, pairs: re.Pattern[str], join: Callable[[re.Match[str]], str | None]) -> str:
    """Each pair of pieces (groups 1 and 2 of `pairs`) replaced by what `join` makes of it; a pair it leaves
    as written (None) lets its right piece begin a pair of its own ("where p ublic", "SeIA objeC tIVeS")."""
    out, done, at = [], 0, 0
    while m := pairs.search(text, at):
        whole = join(m)
        if whole is None:
            at = m.start(2)
            continue
        out += [text[done:m.start()], whole]
        done = at = m.end()
    return "".join(out) + text[done:]


def footnote_markers(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """'definition53.' -> 'definition.' when the document also writes the bare word."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(1)
        if _KEEP.match(word) or not vocab[word.lower()] or word.lower() == m.group(0).lower():
            return m.group(0)
        log.append(Removal("footnote_marker", m.group(0)))
        return word
    return _FOOTNOTE.sub(fix, text)


def small_caps(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """'D EMOGRAPHIC PROFILE' -> 'DEMOGRAPHIC PROFILE': a PDF's small capitals extracted apart from their initial."""
    def fix(m: re.Match[str]) -> str:
        joined = join_initial(m.group(1), m.group(2), vocab)
        if joined != m.group(0):
            log.append(Removal("small_caps_split", m.group(0)))
        return joined
    return _SMALL_CAPS.sub(fix, text)


def join_initials(text: str) -> str:
    """Every initial split off by small capitals joined to its word again (a title, with no document at hand)."""
    return _SMALL_CAPS.sub(lambda m: join_initial(m.group(1), m.group(2), Counter()), text)


def join_initial(initial: str, rest: str, vocab: Counter[str]) -> str:
    """'F', 'EVER' -> 'FEVER' when the two make a word (a known one, or one the document uses), else as written.

    A capital that is a word on its own joins only when the rest alone is no word or is rarer in the document
    ('A CHILD' stays; 'T RAINING' joins where the report says 'training' more often than 'raining'). Any other
    capital joins whenever the whole is a word: 'F EVER', 'S TOOL' and 'B RIDEWEALTH' in a report that says
    'bridewealth'; a questionnaire's coded options ('B CENTER', 'C POST') make no word and stay apart.
    """
    known = known_words()
    word, low = (initial + rest).lower(), rest.lower()
    is_word = word in known or vocab[word] > 0
    if initial in _LETTER_WORDS:
        is_word = word in known and (low not in known or vocab[word] > vocab[low])
    return initial + rest if is_word else f"{initial} {rest}"


def drop_cap(paragraph: str, previous: str, vocab: Counter[str], log: list[Removal]) -> str:
    """'he Republic of Ghana ...' after a heading -> 'The Republic of Ghana ...': a chapter's large initial,
    drawn apart from its text, lost on extraction.

    Only a paragraph that opens in lower case right after a heading line, and only with the one capital that
    makes the word the document writes capitalised most often, at least twice and more often than it writes
    the piece itself ('he' -> 'The', 'ertility' -> 'Fertility'; 'and' never -> 'Land'); never a lone letter,
    which a list's "f) ..." or a table's "n" leaves as often.
    """
    m = _OPENING.match(paragraph)
    if not m or not _HEADING_LINE.fullmatch(previous):
        return paragraph
    piece = m.group(1)
    if roman_value(piece) is not None:  # a front-matter page number, "iv • Contents"
        return paragraph
    uses, whole = max((vocab[letter + piece + "\0cap"], letter + piece) for letter in "abcdefghijklmnopqrstuvwxyz")
    if uses < 2 or uses <= vocab[piece]:
        return paragraph
    log.append(Removal("drop_cap", piece))
    return whole.capitalize() + paragraph[len(piece):]


# A curly quote whose UTF-8 bytes were read as cp1252 and the last two lost ("Malawiâ??s", "â??to increase").
_LOST_QUOTE = re.compile(r"â\?\?")
_LOST_APOSTROPHE = re.compile(r"(?<=[^\W\d_])â\?\?(?=[^\W\d_])")


def lost_quotes(text: str, vocab: Counter[str], log: list[Removal]) -> str:
    """A quote lost between two decodings read as one: an apostrophe inside a word ("Malawi’s"), a plain
    double quote elsewhere (which of “ and ” it was is lost with its bytes)."""
    if "â??" not in text:
        return text
    log.append(Removal("lost_quote", " ".join(m.group() for m in re.finditer(r"\S*â\?\?\S*", text))[:300]))
    return _LOST_QUOTE.sub('"', _LOST_APOSTROPHE.sub("’", text))


# Repairs of paragraphs, in order; comma_capitals runs earlier, on the text as read.
REPAIRS: dict[str, Repair] = {
    "lost_quote": lost_quotes,
    "small_caps_split": small_caps,
    "split_word": split_words,
    "mt_wan_number": wan_numbers,
    "joined_words": joined_words,
    "footnote_marker": footnote_markers,
}

# Repairs that read pieces as English words.
_ENGLISH_ONLY = frozenset({"split_word"})


class Repairer:
    """Applies every repair to a document's paragraphs, with the vocabulary of the whole document."""

    def __init__(self, text: str) -> None:
        self.vocab = _vocabulary(text)
        self.log: list[Removal] = []
        self.shares = script_shares(text)
        english = detect_language(text) == "en"
        self.rules = [rule for name, rule in REPAIRS.items() if name not in _ENGLISH_ONLY or english]
        # drop_cap reads the paragraph before, so it is no REPAIRS rule; it reads pieces as English words too.
        self.drop_caps = english
        self.previous = ""

    def __call__(self, paragraph: str) -> str:
        """The paragraph repaired, read after the one before it; what changed is appended to `log`."""
        paragraph = foreign_script(paragraph, self.shares, self.log)
        for rule in self.rules:
            paragraph = rule(paragraph, self.vocab, self.log)
        if self.drop_caps:
            paragraph = drop_cap(paragraph, self.previous, self.vocab, self.log)
        self.previous = paragraph
        return paragraph


# Characters that never survive extraction intact: the replacement character, private-use glyphs (a symbol
# font's bullets), and the "â?" that a mis-decoded quote leaves before them.
_BROKEN = re.compile(r"(?:â\S?)?[\ufffd\ue000-\uf8ff]+")
# Scripts a document may quote a few words of without them being damage: Latin names, Chinese terms, Greek symbols.
_QUOTED_SCRIPTS = frozenset({"LATIN", "CJK", "GREEK", "DIGIT"})


def _script(char: str) -> str:
    if char < "\u0370":  # Latin letters and their signs (º, ª, IPA) before the Greek block
        return "LATIN"
    try:
        return unicodedata.name(char).split()[0]
    except ValueError:
        return ""


# ASCII letters, counted apart: a character at a time, a long report's Latin text had cost most of the count.
_ASCII_LETTERS = str.maketrans("", "", string.ascii_letters)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def script_shares(text: str) -> dict[str, float]:
    """Share of a text's letters in each script (LATIN, CJK, KHMER ...)."""
    counts = Counter(_script(c) for c in _NOT_ASCII.findall(text) if c.isalpha())
    ascii_letters = len(text) - len(text.translate(_ASCII_LETTERS))
    if ascii_letters:
        counts["LATIN"] += ascii_letters
    total = sum(counts.values()) or 1
    return {script: n / total for script, n in counts.items()}


def foreign_script(text: str, shares: dict[str, float], log: list[Removal]) -> str:
    """Drop words extracted as mojibake: holding replacement or private-use characters, or written in a script
    that makes up under 2% of the document's letters (Khmer glyphs in an English passage of a bilingual PDF)."""
    def damaged(word: str) -> bool:
        if word.isascii():  # Latin letters and digits, scripts a document may quote
            return False
        letters = [c for c in word if c.isalpha()]
        if not letters:
            return False
        script = Counter(_script(c) for c in letters).most_common(1)[0][0]
        return script not in _QUOTED_SCRIPTS and shares.get(script, 0.0) < 0.02

    broken = _BROKEN.findall(text)
    if broken:
        log.append(Removal("foreign_script", " ".join(broken)[:300]))
        text = _BROKEN.sub("", text)
    words = text.split(" ")
    kept = [w for w in words if not damaged(w)]
    if len(kept) < len(words):
        log.append(Removal("foreign_script", " ".join(w for w in words if damaged(w))[:300]))
        return " ".join(kept)
    return text


def repair_underscores(text: str) -> str:
    """Undo an export that replaced each non-ASCII character by '_': "Women__ rights" -> "Women’s rights".

    Used on record tables that show the damage; "Sa_o Tome_" loses its marks ("Sao Tome"), which reads
    better than the underscores and is what a search for the name types.
    """
    text = re.sub(r"(?<=[^\W_])__(?=\s)", "’s", text)
    text = re.sub(r"(?<=[^\W_])_s\b", "’s", text)
    text = re.sub(r"(?<=\s)_{1,2}(?=[^\W_])|(?<=^)_{1,2}(?=[^\W_])", "", text)
    text = re.sub(r"(?<=[^\W_])_(?=[^\W_])|(?<=[^\W_])_{1,2}(?=[\s,.;:)]|$)", "", text)
    return re.sub(r"\s_\s", " – ", text)
