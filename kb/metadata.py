"""A document's metadata as a librarian would record it: title, publisher, date, type and language.

Each field is decided by trying the rules of kb/data/metadata.toml (and the document's own fields) in a
fixed order; the first that gives a value wins, and its id is recorded as the field's provenance. A
sidecar file or front matter overrides everything (provenance "sidecar" or "front_matter").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from kb.dates import find_dates, iso, parse_date
from kb.language import CJK, detect_language
from kb.metarules import MetadataRules, metadata_rules
from kb.models import RawDocument, Removal

_URL = re.compile(r"https?://[^\s\])>\"']+")
_ORG_PHRASE = re.compile(
    r"\b((?:[A-Z][\w&'’.-]*\s){0,4}?(?:Center|Centre|Institute|Foundation|Office|Ministry|Agency|Council|"
    r"Commission|Department|Fund|Bank|University|Association|Organi[sz]ation|Service|Bureau|Authority))\b")
# A form's title field: "Title: Solução Digital para acompanhamento de Microcrédito".
_TITLE_FIELD = re.compile(r"^(?:title|título|titre|project title|título do projeto)\s*[:：]\s*(\S.{2,200}?)\s*$",
                          re.I | re.M)
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_LICENSEE = re.compile(r"\bLicensee\s+([A-Z][\w&.-]*(?:\s[A-Z][\w&.-]*){0,3})")
_SOURCE = re.compile(r"(?:^|\s)(?:source|publisher|published by|来源)\s*[:：]\s*(.+)$", re.I)
_SMALL_WORDS = frozenset("a an and as at but by for from in into of on or the to vs via with against".split())
_TITLE_MAX_WORDS = 25


@dataclass(frozen=True)
class Metadata:
    """What the metadata step decided for one document, and which rule gave each field."""

    title: str
    published: str | None
    publisher: str | None
    doc_type: str
    language: str
    provenance: tuple[tuple[str, str], ...] = ()


def _words(line: str) -> int:
    return len(line.split()) + len(CJK.findall(line)) // 3


def title_like(line: str, rules: MetadataRules) -> bool:
    """A line that can be a title: short, mostly letters, unterminated, not a stamp or form field."""
    line = line.strip()
    if not 3 <= len(line) <= 220 or _words(line) > _TITLE_MAX_WORDS or rules.is_not_title(line):
        return False
    if len(line.split()) < 2 and len(CJK.findall(line)) < 4:
        return False  # one word is a label, a logo or a place, rarely a title
    # A short line may end with a full stop (machine-translated pages do); a sentence may not.
    if re.search(r"[;,:；，：。]$", line) or line.endswith(".") and (len(line.split()) > 12 or ". " in line):
        return False
    if not (line[0].isupper() or line[0].isdigit() or CJK.match(line) or line[0] in "“\"‘'«¿¡"):
        return False
    letters = sum(c.isalpha() for c in line)
    if letters < 0.5 * len(line.replace(" ", "")) or "@" in line or _URL.search(line):
        return False
    # A list of people ("John Walker & Max Ghenis") or a date line is a byline, not a title.
    return not (re.fullmatch(r"(?:[A-Z][\w.'’-]+\s?){2,4}(?:(?:,|&|and)\s(?:[A-Z][\w.'’-]+\s?){2,4})+", line)
                or find_dates(line) and len(line) < 40)


def tidy_title(title: str) -> str:
    """One line, no trailing punctuation, and ALL-CAPS titles in title case (acronyms of 2-4 letters kept)."""
    title = " ".join(title.split()).strip(" .:;,-–—|")
    letters = [c for c in title if c.isalpha() and not CJK.match(c)]
    if letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        out = []
        for i, word in enumerate(title.split()):
            core = word.strip("()[],:;")
            # Capitals can no longer tell an acronym from a word: keep the ones with digits or of three letters.
            if re.search(r"\d", core) or (len(core) <= 3 and core.isalpha() and core.lower() not in _SMALL_WORDS
                                             and len(title.split()) > 1) or metadata_rules().publisher_named(core):
                out.append(word)
            elif i and word.lower() in _SMALL_WORDS and not out[-1].endswith(":"):
                out.append(word.lower())
            else:
                out.append(word.capitalize() if "-" not in word else "-".join(p.capitalize() for p in word.split("-")))
        title = " ".join(out)
    return title[:300]


def cover_title(head: str, rules: MetadataRules, place: Callable[[str], bool] | None = None) -> str | None:
    """The first title block of a document's head: title-like lines, continued while they read as one title."""
    split = head.splitlines()
    # Which lines follow a blank one: a blank line ends a run of capitals ("EXPLAINER: THE EXPERIMENT JOURNEY",
    # then "STAGE I: LOCAL SENSING" is its first section's heading).
    after_blank = [i > 0 and not split[i - 1].strip() for i, ln in enumerate(split) if ln.strip()][:60]
    raw_lines = [ln.strip() for ln in split if ln.strip()][:60]
    lines = [re.sub(r"^#{1,6}\s+", "", ln) for ln in raw_lines]
    body = 0
    for i, line in enumerate(lines):
        # A Markdown top heading is a title even when it ends like a sentence; a country's name opens one.
        h1 = raw_lines[i].startswith("# ") and not rules.is_not_title(line) and _words(line) <= 40
        country = place is not None and place(line) and i + 1 < len(lines) and title_like(lines[i + 1], rules)
        if not (h1 or country or title_like(line, rules)):
            # Two long lines in a row are body text: a title comes before it, not inside it.
            body = body + 1 if _words(line) >= 8 else 0
            if body >= 2:
                return None
            continue
        parts = [line]
        for at, nxt in enumerate(lines[i + 1:i + 4], i + 1):
            joined = " ".join(parts)
            if CJK.search(joined[-1:]) and CJK.match(nxt) and len(nxt) <= 4:  # "政府工作报" / "告": no title alone
                parts.append(nxt)
                continue
            continues = (
                re.fullmatch(r"\(?(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d\)?", nxt)  # a period: 2018-2024
                or nxt[:1] in "—–-:(" or nxt[:1].islower()
                or (place is not None and len(parts) == 1 and place(joined))  # a country, then the document
                or joined.isupper() and nxt.isupper() and _words(joined) >= 2 and not after_blank[at]
                or re.search(r"\b(?:and|of|for|in|on|the|to|with|a|an|de|del|la|et|des|du)$", joined, re.I))
            if (not continues or find_dates(nxt) and len(nxt) < 40
                    or not (title_like(nxt, rules) or nxt[:1] in "—–-:(" or re.match(r"\(?\d{4}", nxt))):
                break
            parts.append(nxt)
        if len(parts) > 1 and CJK.match(parts[-1]) and len(parts[-1]) <= 4:
            parts[-2:] = [parts[-2] + parts[-1]]
        if len(parts) > 1 and place is not None and place(parts[0]):
            first = parts[0].title() if parts[0].isupper() else parts[0]
            return f"{first}: {' '.join(parts[1:])}"
        return " ".join(parts)
    return None


def _template_title(head: str, rules: MetadataRules) -> tuple[str, str] | None:
    flat = re.sub(r"[ \t]+", " ", head[:3000])
    for t in rules.templates:
        m = t.pattern.search(flat)
        if m:
            parts = {k.rstrip("2"): " ".join(v.split()) for k, v in m.groupdict().items() if v}
            return tidy_title(t.template.format(**{k: v.title() if v.isupper() or k == "kind" else v
                                                   for k, v in parts.items()})), f"template:{t.id}"
    return None


def _bibliographic(head: str) -> dict[str, str]:
    """A reference-manager export at the top: 'Authors,\\nTitle,\\nJournal,\\nVolume 70,\\n2015,\\nPages ...'."""
    lines = [ln.strip() for ln in head.splitlines()[:10] if ln.strip()]
    if len(lines) < 5 or sum(ln.endswith(",") for ln in lines[:6]) < 4:
        return {}
    year = next((ln.rstrip(",") for ln in lines if re.fullmatch(r"(?:19|20)\d\d,?", ln)), "")
    return {"title": lines[1].rstrip(","), "publisher": lines[2].rstrip(","), "year": year}


def _readable_name(source: str) -> str | None:
    """A file name as words ('priority_projects_with_abstracts.csv' -> 'Priority projects with abstracts')."""
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", stem)  # camel case: "FamiliaEMortalida"
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w]
    if len(words) < 2 or sum(w.isalpha() for w in words) < 2 or any(re.fullmatch(r"[0-9a-f]{8,}", w) for w in words):
        return None
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _first_paragraph(text: str, rules: MetadataRules) -> str | None:
    for para in text.split("\n\n")[:2]:
        para = para.strip()
        if title_like(para, rules):
            return para
    return None


def _first_sentence(text: str) -> str | None:
    for para in text.split("\n\n")[:8]:
        para = para.strip()
        if re.fullmatch(r"[\d\W]*", para):
            continue
        sentence = re.split(r"(?<=[.!?。])\s", para, maxsplit=1)[0]
        if len(sentence) > 120:
            sentence = sentence[:120].rsplit(" ", 1)[0] + "…"
        return sentence
    return None


def _copyright_lines(removals: tuple[Removal, ...]) -> str:
    """The copyright lines cleaning took from a document's head: they name its year and often its publisher."""
    return "\n".join(r.text for r in removals if r.rule == "copyright")


def _decide_title(raw: RawDocument, head: str, text: str, meta: dict[str, str], is_records: bool,
                  rules: MetadataRules, place: Callable[[str], bool]) -> tuple[str, str]:
    fm = meta.get("title", "").strip()
    if fm and not re.match(r"^(?:\.|…|[a-z])", fm):  # "... with digital payments": a menu fragment, not a title
        return fm, "front_matter"
    # The fragment reads as a title once its menu's lead-in goes: "... through a video course" -> "A video course".
    fragment = re.sub(r"^[.…\s]*(?:(?:by providing|through|with|by|via|how to|how|using|the)\s+)?", "", fm)
    fragment = fragment[:1].upper() + fragment[1:] if len(fragment.split()) >= 3 else ""
    if is_records:
        return (_readable_name(raw.source) or raw.source), "file_name"
    found = _template_title(head, rules)
    if found:
        return found
    bib = _bibliographic(head)
    if bib.get("title"):
        return bib["title"], "bibliographic_record"
    field = _TITLE_FIELD.search(head[:3000])
    if field and title_like(field.group(1), rules):
        return field.group(1), "title_field"
    for key, rule in (("font_title", "pdf_largest_font"), ("html_title", "html_title"), ("docx_title", "docx_title")):
        value = meta.get(key, "")
        value = value[:1].upper() + value[1:]  # a designer's lower-case cover line is still the title
        if value and title_like(value, rules) and not re.fullmatch(r"[\w-]+", value):
            return value, rule
    for rule, candidate in (("cover_block", cover_title(head, rules, place)), ("front_matter_fragment", fragment),
                            ("first_paragraph", _first_paragraph(text, rules)),
                            ("file_name", _readable_name(raw.source)), ("first_sentence", _first_sentence(text))):
        if candidate:
            return candidate, rule
    return raw.source.rsplit("/", 1)[-1], "file_name"


def _decide_date(raw: RawDocument, head: str, text: str, meta: dict[str, str], head_removals: tuple[Removal, ...],
                 rules: MetadataRules) -> tuple[str | None, str]:
    for key in ("date", "year"):
        if meta.get(key) and parse_date(meta[key]):
            return parse_date(meta[key]), f"metadata:{key}"
    bib = _bibliographic(head)
    if bib.get("year"):
        return bib["year"], "bibliographic_record"
    cover = head[:rules.head_chars * 2]
    labelled = [find_dates(cover[m.end():m.end() + 40]) for m in rules.date_label.finditer(cover)]
    dates = [d[0][1] for d in labelled if d and d[0][0] <= 2]
    if dates:
        return dates[0], "cover_date_label"
    lines = [r.text for r in head_removals if r.rule in ("byline", "editor", "dateline")]
    for line in lines:
        found = find_dates(line)
        if found:
            return found[0][1], "byline_date"
    citation = rules.citation.search(head[:400])
    if citation:
        return citation.group(1), "journal_citation"
    copyright_ = rules.copyright.search(cover + "\n" + _copyright_lines(head_removals))
    if copyright_:
        return copyright_.group(1) or copyright_.group(2), "copyright_year"
    found = find_dates(text[:rules.head_chars])
    if found:
        return found[0][1], "head_date"
    m = rules.preprint_file.search(raw.source)
    if m:
        return iso(m.group(1), m.group(2)), "preprint_id"
    m = rules.file_date.search(raw.source)
    if m:
        value = iso(*m.groups())
        if value:
            return value, "file_name_date"
    years = re.findall(r"(?:^|[_\-. ])((?:19|20)\d\d)(?=[_\-. ]|$)", raw.source.rsplit("/", 1)[-1])
    if len(years) == 1:
        return years[0], "file_name_year"
    if meta.get("file_date") and parse_date(meta["file_date"]):
        return parse_date(meta["file_date"]), "file_metadata"
    return None, "none"


def _decide_publisher(raw: RawDocument, head: str, text: str, meta: dict[str, str],
                      head_removals: tuple[Removal, ...], language: str, research: bool,
                      rules: MetadataRules) -> tuple[str | None, str]:
    def known(value: str) -> str:
        found = rules.publisher_named(value)
        return found.name_in(language) if found and len(value) <= len(found.name) + 40 else value.strip()

    for key in ("publisher", "organization", "organisation", "site"):
        if meta.get(key):
            return known(meta[key]), f"metadata:{key}"
    bib = _bibliographic(head)
    if bib.get("publisher"):
        return bib["publisher"], "bibliographic_record"
    for removal in head_removals:
        m = _SOURCE.search(removal.text) if removal.rule == "byline" else None
        if m:
            value = re.split(r"\s{2,}|\s(?:author|editor)\s*:", m.group(1), flags=re.I)[0].strip()
            return known(value), "byline_source"
    if meta.get("html_site"):
        return known(meta["html_site"]), "html_site_name"
    cover = head[:2500] + "\n" + _copyright_lines(head_removals)
    m = rules.copyright.search(cover)
    if m:
        found = rules.publisher_named(cover[m.start():m.end() + 60])
        if found:
            return found.name_in(language), "copyright"
    m = _LICENSEE.search(cover)
    if m:
        return known(m.group(1)), "licensee"
    hosts = [urlparse(v).netloc for v in [*meta.values(), *_URL.findall(head[:1500])] if _URL.match(v)]
    hosts += _EMAIL.findall(head[:3000])
    for host in hosts:
        host = host.lower().removeprefix("www.")
        found = next((p for p in rules.publishers if any(host == d or host.endswith("." + d) for d in p.domains)), None)
        if found:
            return found.name_in(language), "web_domain"
    # An organisation named near a paper's top is an affiliation or a subject, not its publisher.
    found = None if research else rules.publisher_named(head[:800])
    if found:
        return found.name_in(language), "cover_organisation"
    for removal in head_removals:
        if removal.rule in ("breadcrumb", "current_location"):
            parts = [p.strip() for p in re.split(r"\s+[-›>»/|]\s+", removal.text) if p.strip()]
            parts = [p for p in parts if not re.match(r"(?:current location|you are here|home)\b", p, re.I)]
            if parts:
                return known(parts[0]), "breadcrumb_site"
        if removal.rule == "masthead":
            return known(removal.text), "masthead"
    tokens = [t for t in re.split(r"[-_/. ]+", raw.source.lower()) if t]
    for p in rules.publishers:
        for path_token in p.path_tokens:
            n = len(path_token)
            if any(tuple(tokens[i:i + n]) == path_token for i in range(len(tokens) - n + 1)):
                return p.name_in(language), "collection_folder"
    # A report's title page, the first page of text after its cover, names who publishes it ("Ghana Statistical
    # Service / Accra, Ghana").
    title_page = next((p[:3000] for p in raw.pages[1:4] if p.strip()), "") if not research else ""
    for page, source in ((head[:3000], "organisation_phrase"), (title_page, "title_page_organisation")):
        for m in _ORG_PHRASE.finditer(page):
            if len(m.group(1).split()) >= 2:
                return known(m.group(1)), source
    return None, "none"


def _decide_type(title: str, text: str, meta: dict[str, str], is_records: bool, web: bool,
                 rules: MetadataRules) -> tuple[str, str]:
    if is_records:
        return "record", "record_table"
    head = text[:3000]
    values = [v.strip().lower() for k, v in meta.items() if k in ("type", "layout", "category", "categories")]
    for rule in rules.doc_types:
        if rule.title and not rule.title.search(title):
            continue
        if rule.head and not rule.head.search(head):
            continue
        if rule.meta and not any(rule.meta.search(v) for v in values):
            continue
        if rule.web and not web:
            continue
        return rule.type, rule.id
    return "report", "default"


def extract(raw: RawDocument, text: str, removals: tuple[Removal, ...], web: bool = False,
            place: Callable[[str], bool] | None = None) -> Metadata:
    """Decide a document's metadata from its reader's findings, its clean text and the removals of its head.

    `raw.pages[0]` is the document's head (its first page without furniture, lines as laid out), the pages after
    it as read, and
    `removals` what cleaning took from that head (bylines, datelines, breadcrumbs, mastheads).

    `place` tells whether a line names a country (a COSOP's cover reads "People's Republic of Bangladesh" above
    "Country strategic opportunities programme"); `web` says cleaning found web-page furniture.
    """
    rules = metadata_rules()
    meta = {k.lower(): v for k, v in raw.meta}
    overrides = dict(raw.overrides)
    is_records = raw.records is not None
    head = raw.pages[0][:6000] if raw.pages else ""
    language = overrides.get("language") or detect_language(text)
    title, title_from = _decide_title(raw, head, text, meta, is_records, rules, place or (lambda _: False))
    published, date_from = _decide_date(raw, head, text, meta, removals, rules) if not is_records else (None, "none")
    doc_type, type_from = _decide_type(title, text, meta, is_records, web, rules)
    publisher, publisher_from = _decide_publisher(raw, head, text, meta, removals, language, doc_type == "research",
                                                  rules)
    title, language_from = tidy_title(title), "detected"
    # What a person wrote (a sidecar or a README's front matter) wins over every decision.
    for key, value in overrides.items():
        field = {"date": "published", "year": "published", "type": "doc_type"}.get(key, key)
        if field == "title":
            title, title_from = value, "sidecar"
        elif field == "published":
            published, date_from = parse_date(value), "sidecar"
        elif field == "publisher":
            publisher, publisher_from = value, "sidecar"
        elif field == "doc_type":
            doc_type, type_from = value, "sidecar"
        elif field == "language":
            language, language_from = value, "sidecar"
    return Metadata(
        title=title or raw.source, published=published, publisher=publisher, doc_type=doc_type, language=language,
        provenance=(("title", title_from), ("published", date_from), ("publisher", publisher_from),
                    ("doc_type", type_from), ("language", language_from)))
