"""Document metadata found in the text: title, date, publisher, type and language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.models import Removal

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_RX = "|".join(_MONTHS)
_DATE_PATTERNS = (
    # 2021-04-06, 2024/09/16, 2020-03-05T00:00:00Z
    (re.compile(r"(?<!\d)((?:19[5-9]|20[0-3])\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    # 2021年4月6日
    (re.compile(r"((?:19[5-9]|20[0-3])\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?"), "ymd"),
    # May 3, 1996 / March 5, 2020
    (re.compile(rf"\b({_MONTH_RX})\s+(\d{{1,2}}),?\s+((?:19[5-9]|20[0-3])\d)\b", re.I), "mdy"),
    # 21 August 2018
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RX})\s+((?:19[5-9]|20[0-3])\d)\b", re.I), "dmy"),
    # (April 2021)
    (re.compile(rf"\(({_MONTH_RX})\s+((?:19[5-9]|20[0-3])\d)\)", re.I), "my"),
)
_FILE_DATE = re.compile(rf"(?:^|/)((?:19[5-9]|20[0-3])\d)[-_]((?:\d{{1,2}})|{_MONTH_RX})[-_](\d{{1,2}})", re.I)
_ORG_WORDS = re.compile(
    r"\b(?:Office|Ministry|Bank|Programme|Program|Fund|Agency|Council|Organi[sz]ation|Centre|Center|"
    r"Institute|University|Commission|Department|Foundation|Association)\b")
_PUBLISHER_LINE = re.compile(r"(?:^|\s)(?:source|publisher|published by)\s*[:：]\s*(.+)$", re.I)


@dataclass(frozen=True)
class Metadata:
    """What the metadata step decided for one document."""

    title: str
    published: str | None
    publisher: str | None
    doc_type: str
    language: str


def _iso(year: str, month: str | int | None = None, day: str | None = None) -> str | None:
    """Build an ISO date (or year-month, or year), or None when a part is out of range."""
    if month is None:
        return year
    m = _MONTHS[month.lower()] if isinstance(month, str) and not month.isdigit() else int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{year}-{m:02d}"
    d = int(day)
    return f"{year}-{m:02d}-{d:02d}" if 1 <= d <= 31 else None


def find_date(text: str) -> str | None:
    """The first date written in a piece of text, as an ISO string."""
    best: tuple[int, str] | None = None
    for rx, order in _DATE_PATTERNS:
        match = rx.search(text)
        if not match:
            continue
        g = match.groups()
        if order == "ymd":
            value = _iso(g[0], g[1], g[2])
        elif order == "mdy":
            value = _iso(g[2], g[0], g[1])
        elif order == "dmy":
            value = _iso(g[2], g[1], g[0])
        else:
            value = _iso(g[1], g[0])
        if value and (best is None or match.start() < best[0]):
            best = (match.start(), value)
    return best[1] if best else None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language (py3langid, offline)."""
    import py3langid

    sample = text[:6000].strip()
    if not sample:
        return "und"
    lang, _score = py3langid.classify(sample)
    return str(lang)


# Passages are short: a free choice among py3langid's 97 languages calls English blog posts Indonesian.
# Passage languages are chosen among the corpus's languages; a document's own language is always allowed.
PASSAGE_LANGUAGES = ("en", "zh", "es", "pt", "fr", "ar", "ru", "sw", "vi", "id", "hi", "bn", "de", "it")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=16)
def _identifier(languages: tuple[str, ...]) -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def passage_language(text: str, document_language: str) -> str:
    """ISO 639-1 code of one passage; short or unclear passages take their document's language."""
    sample = text[:2000]
    cjk = len(_CJK.findall(sample))
    if cjk >= 15 and cjk > 0.3 * len(sample.replace(" ", "")):
        return "zh"
    if len(sample.strip()) < 60:
        return document_language
    allowed = tuple(sorted(set(PASSAGE_LANGUAGES) | {document_language} - {"und", ""}))
    lang, prob = _identifier(allowed).classify(sample)  # type: ignore[attr-defined]
    return str(lang) if prob >= 0.9 else document_language


def _title_from_text(text: str) -> str | None:
    """The first paragraph when it is title-sized, else its first sentence cut at a word."""
    for para in text.split("\n\n")[:8]:
        para = para.strip()
        if re.fullmatch(r"[\d\W]*", para):
            continue
        if len(para) <= 200:
            return para.rstrip(".:")
        sentence = re.split(r"(?<=[.!?。])\s", para, maxsplit=1)[0]
        if len(sentence) > 120:
            sentence = sentence[:120].rsplit(" ", 1)[0] + "…"
        return sentence.rstrip(".:")
    return None


def extract(
    source: str,
    fmt: str,
    text: str,
    raw_title: str | None,
    raw_meta: dict[str, str],
    removals: tuple[Removal, ...],
    is_records: bool,
) -> Metadata:
    """Decide a document's metadata from its reader's findings, its clean text and cleaning removals."""
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    title = (raw_title or "").strip() or _title_from_text(text) or stem.replace("_", " ")
    bylines = " ".join(r.text for r in removals if r.rule in ("byline", "editor"))
    published = None
    for candidate in (raw_meta.get("date"), bylines, text[:1500]):
        if candidate:
            published = find_date(candidate)
            if published:
                break
    if published is None and raw_meta.get("year", "").isdigit():
        published = raw_meta["year"]
    if published is None:
        match = _FILE_DATE.search(source)
        if match:
            published = _iso(*match.groups())
    publisher = raw_meta.get("publisher")
    for removal in removals:
        match = _PUBLISHER_LINE.search(removal.text) if removal.rule == "byline" else None
        if match and not publisher:
            publisher = re.split(r"\s{2,}|\s(?:author|editor)\s*:", match.group(1), flags=re.I)[0].strip()
    if not publisher:
        for para in text.split("\n\n")[:12]:
            para = para.strip()
            if len(para.split()) <= 8 and _ORG_WORDS.search(para) and not re.search(r"[.。]$", para):
                publisher = para
                break
    head = text[:3000].lower()
    doc_type = "report"
    if is_records:
        doc_type = "record"
    elif "white paper" in head or (publisher and "information office" in publisher.lower()):
        doc_type = "white_paper"
    elif re.search(r"\bcases?\b|case stud", title, re.I):
        doc_type = "case"
    elif fmt in ("pdf", "docx"):
        doc_type = "report"
    elif raw_meta.get("type") in ("blog", "news", "story", "stories") or fmt == "html" or bylines:
        doc_type = "news"
    elif any(r.rule in ("breadcrumb", "nav_breadcrumb", "current_location", "masthead") for r in removals):
        doc_type = "news"
    return Metadata(
        title=" ".join(title.split())[:300],
        published=published,
        publisher=publisher,
        doc_type=doc_type,
        language=detect_language(text),
    )
