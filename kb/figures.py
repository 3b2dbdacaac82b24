"""What a case's text says in numbers and names: amounts, people reached and shares (each with its sentence),
and the organisations and programmes it names. Patterns, plus spaCy's small English model for names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from kb.errors import ConfigError
from kb.gazetteer import default_gazetteer, named_entities, subdivision_names
from kb.headings import names_a_section
from kb.latex import mask_math, plain_math, whole_math
from kb.lexicon import known_words
from kb.models import Case
from kb.ruledata import read_toml, shipped
from kb.tag import sentence_around
from kb.titles import in_capitals

# ASCII digits: full-width ones ("１，０００元") are read through _ASCII first; "\d" took "０００元" alone. A
# decimal comma of one or two digits is a decimal (Spanish, French, Portuguese: "13,3 %"; thousands take three):
# the compare page had shown "3 %" for "Base de referencia: 13,3 %" and "8 % · 9 % · 3 %" for "46,8 %, 38,9 % y
# 14,3 %".
_NUM = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+,[0-9]{1,2}(?![0-9])|[0-9]+(?:\.[0-9]+)?"
_ASCII = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_WIDE_COMMA = re.compile(r"(?<=[0-9])，(?=[0-9]{3})")
# South Asia counts in lakhs (100,000) and crores (10 million): "Rs. 8.9 lakh" was shown as "Rs. 8.9".
_SCALE = r"(?:\s?(?:million|billion|trillion|thousand|bn|mn|lakhs?|crores?)\b)?"
_CUR_BEFORE = r"(?:US\$|USD|R\$|\$|€|EUR|£|GBP|RMB|CNY|¥|Rs\.?|INR|KES|Ksh|PHP|₱|MXN|BRL)"
_CUR_AFTER = r"(?:(?:US |U\.S\. )?dollars|USD|euros?|EUR|yuan|RMB|pesos|rupees|francs|shillings|reais|birr|taka)\b"
# Words that may stand between a number and whom it counts: "98.99 million rural poor people".
_REACHED = (r"(?:people|persons|households|families|farmers|women|men|beneficiaries|villages|counties|students|"
            r"jobs|individuals|residents|workers|children|youths?|young people|enterprises|smallholders|members|"
            r"entrepreneurs|borrowers|clients|communities|townships|cooperatives|poor)")
# The longest sentence figures share: text without full stops (a machine translation's commas) chains no further.
_SHARED_MAX = 640
_NOT_BETWEEN = r"(?:and|or|to|percent|per|percentage|for|in|at|from|by|with|than|on)\b"
FIGURE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # A range is one amount ("$3 to $5", "$3-5"; its second number with its currency, or "US$ 3.2 million to
    # 12,500 households" would be one): the course pack's figures read "$3" for "$3 to $5".
    ("money", re.compile(rf"{_CUR_BEFORE}\s?(?:{_NUM}){_SCALE}(?:\s(?:to|–|-)\s{_CUR_BEFORE}\s?(?:{_NUM}){_SCALE}"
                         rf"|[-–](?:{_NUM}){_SCALE}\b)?|(?:{_NUM}){_SCALE}\s(?:{_CUR_AFTER})"
                         rf"|(?:{_NUM})\s?(?:万亿|亿|万)?元")),
    # "3 percent of children" is a share, not people reached (a survey's nutrition chapter listed it as reached);
    # nor is "44 for women" (a rate, its "percent" left unsaid): no preposition stands between a count and whom.
    ("reach", re.compile(rf"\b(?:{_NUM}){_SCALE}(?:\s+(?!{_NOT_BETWEEN})[a-z-]+){{0,2}}"
                         rf"\s+{_REACHED}\b(?:\s+(?:and|or)\s+{_REACHED}\b)?"
                         rf"|(?:{_NUM})\s?(?:万|亿)?(?:人|户|名)")),
    ("share", re.compile(rf"(?:{_NUM})\s?(?:%|percent\b|per cent\b|percentage points\b)")),
)
FIGURE_KINDS = {"money": "money amounts", "reach": "people or households reached", "share": "percentages"}
# A count of fewer than ten people, no scale word: how many a household or a group holds, not a programme's reach
# (places and bodies, "5 counties", "3 cooperatives", are counted at any size).
_FEW = re.compile(r"\d(?:\s+(?!million|billion|trillion|thousand|bn\b|mn\b|lakh|crore)[a-z-]+){0,2}"
                  r"\s+(?!villages|counties|townships|communities|cooperatives|enterprises|jobs)\w+|\d\s?[人户名]")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
# The words that end a body's name ("Ministry of Water Resources", "Development and Reform Commission").
_BODY_WORDS = (r"Bank|Ministry|Fund|Foundation|Agency|Programme|Program|Organi[sz]ation|Cooperative|Association|"
               r"Council|Commission|Institute|University|Office|Alliance|Network|Corporation|Company|Centre|Center|"
               r"Federation|Union")
# A name stays on its line (a table's or a list's next line is another entry: "Wage Assistance Scheme" / "World
# Bank"), and "the" or "The" joins no two of its words ("Technically the Bank", "Kenya and Somalia The Regional
# Programme"): only the trailing "of the ..." does ("Food and Agriculture Organization of the United Nations").
_ORG_WORDS = re.compile(
    rf"\b(?:(?!The\b)(?!(?:{_BODY_WORDS})[^\S\n]+and\b)[A-Z][\w'&-]*[^\S\n]+(?:(?:and|of|for)[^\S\n]+)?){{0,5}}"
    rf"(?:{_BODY_WORDS})\b"
    r"(?:[^\S\n]+(?:of|for)[^\S\n]+(?:the[^\S\n]+)?[A-Z][\w'-]*(?:[^\S\n]+[A-Z][\w'-]*){0,3})?")
_NER_CHARS = 50_000
_ACRONYM = re.compile(r"^[A-Z][A-Z&-]{1,7}$")
# The words that name a body, in an acronym's spelled-out form ("Ghana Statistical Service (GSS)").
_BODY = re.compile(rf"\b(?:{_BODY_WORDS}|Service|Authority|Bureau|Department|Board|Committee|"
                   r"Secretariat|Partnership|Initiative|Government|Group|Society|Trust|Facility|Project|Unit|Panel|Team|"
                   r"Court|Assembly|Parliament)s?\b", re.I)
# The words a document's or a measure's name ends with, which name no body: "Development Credit Agreement",
# "General Conditions", "Gender Parity Index", "Loan Account", "Interest Period", "Project Development Objective".
_PAPER = re.compile(r"(?:Agreement|Conditions|Strategy|Report|Plan|Policy|Framework|Law|Act|Regulations|"
                    r"Guidelines|Manual|Survey|Index|Account|Period|Objective|Indicator|Goal)s?"
                    # People a programme serves and what they do are no body: "Cross Border Traders", "Village
                    # Banking" (the compare page of a baseline survey).
                    r"|Traders|Farmers|Workers|Households|Vendors|Entrepreneurs|Beneficiaries|Banking|Lending",
                    re.I)
_PARTY = re.compile(r"Party|Parties|Ministries|Agencies|Nations|Division|Directorate|Lab|Laboratory|Hub",
                    re.I)
_CAPITALS_BEFORE = re.compile(r"^(?:[A-Z][A-Z/&-]{3,} ){2,}(?=[A-Z][a-z])")
_SMALL = {"and", "of", "for", "the", "on", "in", "to", "de", "la", "et", "du", "des", "del", "y", "e", "do", "da",
          "dan"}


@dataclass(frozen=True)
class Figure:
    """A number pulled from a case (an amount, a count of people reached, a share) with its sentence; `start` is
    where it stands in its document's text, -1 for a record's column (record_figures)."""

    kind: str
    value: str
    sentence: str
    start: int


# The most actors a case lists (on the compare page).
ACTORS = 8
# A record's amount column names its currency ("IDA Commitment $US", "Grant Amount $US", "Total cost (USD)").
# A record's text seldom repeats the amounts: a comparison of World Bank projects had shown none (walk).
_MONEY_COLUMN = re.compile(r"\$|\bUSD\b|\bdollars?\b|€|\bEUR\b", re.I)
# An export lists a column's values with a comma and no space ("Government of Bangladesh,UNDP Bangladesh,a2i");
# a name keeps its own comma and space ("Ministry of Agriculture, Livestock and Fisheries"); roles join with "; ".
_LISTED = re.compile(r";\s*|,(?=\S)")
# A state's formal name, which a gazetteer may not hold whole: "The Republic of Cameroon", "République du Sénégal".
_STATE = re.compile(r"(?:the\s+)?(?:[\w'’-]+\s+){0,2}(?:republic|république|kingdom|state|commonwealth|federation)"
                    r"\s+(?:of(?:\s+the)?|du|de|de la|des)\s+(.+)", re.I)


# A column's amount as a table writes it: "512500000.0", "1,200,000", "$ 75" (not "n/a", "1e309", "-5").
_PLAIN_AMOUNT = re.compile(r"(?:US\$|\$|USD|€|EUR)?\s?(\d{1,15}(?:,\d{3})*(?:\.\d+)?)")


def _amount(value: float) -> str:
    """An amount as a reader says it: 512500000.0 -> '512.5 million'."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{value / size:,.1f}".removesuffix(".0") + f" {word}"
    return f"{value:,.0f}"


def record_figures(fields: Sequence[tuple[str, str]]) -> tuple[Figure, ...]:
    """The amounts a case record's own columns give, each with its column's name as its sentence (shown "US$512.5
    million: IDA Commitment $US"); a blank, zero or unreadable amount is none."""
    found = []
    for column, value in fields:
        if not _MONEY_COLUMN.search(column):
            continue
        plain = _PLAIN_AMOUNT.fullmatch(value.strip())
        amount = float(plain.group(1).replace(",", "")) if plain else 0.0
        if amount > 0:
            currency = "€" if re.search(r"€|\bEUR\b", column, re.I) else "US$" if "US" in column.upper() else "$"
            found.append(Figure("money", f"{currency}{_amount(amount)}", column, -1))
    return tuple(found)


def case_figures(text: str, case: Case, limit: int = 12) -> tuple[Figure, ...]:
    """A case's key figures: its record's amount columns first, then those of its span of `text`."""
    own = record_figures(case.fields)
    return (*own, *key_figures(text, case.start, case.end, limit))[:limit]


def record_actors(fields: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The organisations a case record's own columns name (its "organisation" role, kb.config.RecordColumns): not
    a country (a World Bank project's borrower, "Republic of Fiji"), nor a sentence a column holds ("The
    initiative's main partners include ...", "and the latter is also the implementing partner")."""
    gazetteer = default_gazetteer()

    def a_place(name: str) -> bool:
        """A country or a subdivision, by any of its names ("Republic of Niger", "Japan and Romania")."""
        state = _STATE.fullmatch(name)
        return any(gazetteer.lookup(part) or part in subdivision_names()
                   for part in (name, state.group(1) if state else "")) \
            or all(gazetteer.lookup(part) for part in name.split(" and "))

    names = (" ".join(n.split()).strip(" .") for role, value in fields if role == "organisation"
             for n in _LISTED.split(value))
    return tuple(dict.fromkeys(n for n in names if 2 <= len(n) <= 80 and n[0].isupper() and ". " not in n
                               and not a_place(n)))


def key_figures(text: str, start: int = 0, end: int | None = None, limit: int = 12) -> tuple[Figure, ...]:
    """Amounts, counts of people reached and percentages in text[start:end], each with its sentence (its start
    an offset into `text`). Only the span is read: a case of a long report costs its own length, not the report's."""
    span = text[start:len(text) if end is None else end]
    # Full-width digits and signs read as ASCII, character for character, so positions stay those of `span`.
    read = _WIDE_COMMA.sub(",", mask_math(span).translate(_ASCII))
    matches: list[tuple[int, int, str, str]] = []
    for kind, pattern in FIGURE_PATTERNS:
        for m in pattern.finditer(read):
            value = m.group().strip()
            number = re.match(r"[\d,.]+", value.lstrip("US$R€£¥₱ "))
            if kind != "money" and number and _YEAR.match(re.split(r"[.,]", number.group())[0]):
                continue  # "in 2015 households ..." and "2020.8%" (a year glued to a share) are not counts
            if any(a < m.end() and m.start() < b for a, b, _, _ in matches):
                continue
            if kind == "reach" and _FEW.fullmatch(value):
                continue  # "2 children" a woman has, "5 people" of a focus group: no one a programme reached
            matches.append((m.start(), m.end(), kind, value))
    # Each kind of figure gets its share of the places, the earliest first: a case's first twelve figures had all
    # been one report's opening shares ("2 billion workers" worldwide), its programme's transfer left out (walk).
    quota = max(1, limit // len(FIGURE_KINDS))
    taken: Counter[str] = Counter()
    kept = []
    for match in sorted(matches):
        taken[match[2]] += 1
        if taken[match[2]] <= quota:
            kept.append(match)
    matches = kept
    spans: list[tuple[int, int]] = []
    group = 0  # the first of the figures that share the last sentence
    for a, b, _, _ in matches:
        within = bool(spans) and spans[-1][0] <= a < spans[-1][1]
        if len(spans) >= limit and not within:
            break  # only a figure of the last sentence can still change what is shown
        s, e = whole_math(span, *sentence_around(span, a, b, 0, len(span)))
        # A figure inside the sentence of the one before shares it: a long sentence's second figure was shown
        # with a window cut mid-sentence ("58 percent: of currently married employed women who ...").
        if within and max(e, spans[-1][1]) - spans[-1][0] <= _SHARED_MAX:
            s, e = spans[-1][0], max(e, spans[-1][1])
            spans[group:] = [(s, e)] * (len(spans) - group)
        else:
            group = len(spans)
        spans.append((s, e))
    found = [Figure(kind, value, " ".join(plain_math(span[s:e]).split()).lstrip("•▪◦·-–— "),  # a bullet is no word
                    start + a) for (a, _, kind, value), (s, e) in zip(matches, spans, strict=False)]
    return tuple(found[:limit])


def by_sentence(figures: Sequence[Figure]) -> list[tuple[tuple[str, ...], str]]:
    """The figures' values grouped by the sentence they share, in order: "a loan of 90 million USD and an
    in-loan grant of 1 million USD." was listed twice on the compare page, once under each amount."""
    groups: dict[str, list[str]] = {}
    for f in figures:
        groups.setdefault(f.sentence, []).append(f.value)
    return [(tuple(dict.fromkeys(values)), sentence) for sentence, values in groups.items()]


def _acronym(name: str) -> bool:
    """A name in capitals ("GSS", "UNICEF"), not a report's section named in capitals that spaCy calls an
    organisation ("FOREWORD", from the contents page: an actor of the Ghana DHS on the compare page)."""
    return bool(_ACRONYM.match(name)) and not names_a_section(name)


def _spelled(acronym: str, words: list[str]) -> str | None:
    """The words that spell an acronym out, read back from its last word. Each word gives its initial, or its
    first two letters ("ANtenatal Care" is ANC), or a hyphenated word its parts' initials ("insecticide-treated
    net" is ITN) or one ("Community-based Health Planning and Services" is CHPS); small words give their
    initial or nothing ("Ministry of Finance" is MF or MoF)."""
    letters = acronym.replace("&", "").replace("-", "").lower()
    needed = 0  # letters the words from `first` on give at least
    for first in range(len(words) - 1, -1, -1):
        needed += words[first].lower() not in _SMALL
        if needed > len(letters):
            return None
        if words[first].lower() not in _SMALL and _gives(letters, words[first:]):
            return " ".join(words[first:])
    return None


def _gives(letters: str, words: list[str]) -> bool:
    """Whether the words, in order, give exactly these letters (see _spelled)."""
    ends = {0}  # how many letters the words so far can have given
    for word in words:
        low = word.lower()
        parts = [p for p in re.split(r"[-‐]", low) if p]
        readings = {low[:1], low[:2], "".join(p[:1] for p in parts)} | ({""} if low in _SMALL else set())
        ends = {end + len(r) for end in ends for r in readings if letters.startswith(r, end)}
        if not ends:
            return False
    return len(letters) in ends


def _spelled_as(acronym: str, document: str) -> list[str]:
    """The words a document spells an acronym out with, wherever it does: before it in brackets ("insecticide-
    treated nets (ITNs)"), after it in brackets ("CBT (Cross Border Traders)"), or as a list's entry, in lower case
    after it ("IRS indoor residual spraying ITN insecticide-treated net") or in capitals on a line of its own ("GSS
    Ghana Statistical Service")."""
    name = re.escape(acronym)
    found = [_spelled(acronym, re.findall(r"[\w'’-]+", document[max(0, m.start() - 120):m.start()]))
             for m in re.finditer(rf"\(\s*{name}s?\s*\)", document)]
    for m in re.finditer(rf"(?m)\b{name}\s+([a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){{0,7}})"
                         rf"|^[ \t]*{name}[ \t]+([A-Z][^\n]{{3,80}})$", document):
        words = re.findall(r"[\w'’-]+", m.group(1) or m.group(2))
        # Spelled out from the word right after it, as a list writes an entry.
        found += [" ".join(words[:n]) for n in range(1, min(len(words), 12) + 1)
                  if _spelled(acronym, words[:n]) == " ".join(words[:n])]
    for m in re.finditer(rf"\b{name}s?\s*\(([^()]{{3,80}})\)", document):
        words = re.findall(r"[\w'’-]+", m.group(1))
        found.append(" ".join(words) if _spelled(acronym, words) == " ".join(words) else None)
    return [words for words in found if words]


def _a_thing(spelled: list[str]) -> bool:
    """Whether an acronym spelled out so names no one: every spelling is a thing, or a kind of body written in
    lower case ("a recipient executed trust fund (TF)", "the national executing agency (NEA)"). spaCy calls ITN,
    IRS, ANC and LLIN organisations: they were the first actors of the Ghana DHS's malaria chapter on the compare
    page."""
    return all(words == words.lower() or not _BODY.search(_head(words)) for words in spelled)


def _head(name: str) -> str:
    """The word a name is the name of: its last before "of", "for" or "to" ("Ministry of Finance", "Consultative
    Group to Assist the Poor"); "Unstructured Supplementary Service Data" (USSD) is data, not a service."""
    return re.split(r"\s+(?:of|for|to|on|in)\s+", name, maxsplit=1)[0].split()[-1]


def _common_head(name: str) -> bool:
    """A name whose head word is a common English word and no body's ("Type of Provider ...", "Google My
    Business"): a body's name ends with what it is ("... Agency", "... Council") or with a name of its own."""
    head, last = _head(name), name.split()[-1]
    return head.lower() in known_words() and not default_gazetteer().lookup(head) \
        and not any(_BODY.fullmatch(word) or _PARTY.fullmatch(word) for word in (head, last))


@cache
def thing_acronyms() -> frozenset[str]:
    """Acronyms that name a thing, never a body (kb/data/acronyms.toml), in capitals."""
    text, source = shipped("acronyms.toml")
    things = read_toml(text, source).get("things", {}).get("en")
    if not isinstance(things, list) or not all(isinstance(a, str) and a for a in things):
        raise ConfigError(f"{source}: [things] en must be a list of acronyms")
    return frozenset(a.upper() for a in things)


def actors(text: str, language: str, limit: int = ACTORS, document: str = "", prose: str | None = None
           ) -> tuple[str, ...]:
    """Organisations and programmes named in a text (a case of `document`, which spells out its acronyms),
    most often named first. The named-entity model reads `prose` (the whole text when not given): in a table it
    takes column heads for names ("Total Number"), while a body's name ("... Programme") is one anywhere."""
    names: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    found = [(m.group(), True) for m in _ORG_WORDS.finditer(text)]
    if language == "en":
        sample = (text if prose is None else prose)[:_NER_CHARS]
        entities = [(sample[s:e], label) for s, e, label in named_entities(sample)]
        # spaCy's small model reads machine-translated Title Case ("Focus on adopting development", "Life
        # Care") as ORG; an entity it alone found is kept when it is an acronym or a capitalised name named twice.
        found += [(name, _acronym(name.strip())) for name, label in entities if label == "ORG"]
        # A list of people and their bodies reads as one name ("Emmanuel Larbi Ghana AIDS Commission", from a
        # survey's list of participants): the person it opens with is no part of the body's name.
        people = tuple(f"{name} " for name, label in entities if label == "PERSON" and " " in name)
        found = [(name[len(next((p for p in people if name.startswith(p)), "")):], sure) for name, sure in found]
    gazetteer = default_gazetteer()
    things: dict[str, bool] = {}  # an acronym is looked up in the whole document once, not at each mention
    for name, sure in found:
        name = " ".join(name.split()).removeprefix("the ").removeprefix("The ").strip(" .,;:\"'“”")
        # Two or more words in capitals before a name are a heading or a list's label run into it ("HIV/MALARIA
        # TESTING STAFF National Public Health Reference Laboratory"), not part of it.
        name = _CAPITALS_BEFORE.sub("", name)
        # An acronym run into the name it stands for, as a list of acronyms sets them ("UNCDF United Nations Capital
        # Development Fund", an endline report's compare column): the name.
        first, _, rest = name.partition(" ")
        if rest and _acronym(first) and _spelled(first, rest.split()) == rest:
            name = rest
        if (not 2 <= len(name) <= 80 or not any(ch.isalpha() for ch in name) or gazetteer.lookup(name)
                or name in subdivision_names()):  # Ghana's "Upper West", which spaCy calls an organisation
            continue
        if " " not in name:
            if not _acronym(name):
                continue  # "Bank" or "Develop" alone names no one
            if name not in things:
                # What the document spells it out as, else whether it is a common thing's acronym ("SMS").
                spelled_out = _spelled_as(name, document or text)
                things[name] = _a_thing(spelled_out) if spelled_out else name.upper() in thing_acronyms()
            if things[name]:
                continue  # nor does "ITN" (insecticide-treated net)
        if not sure and not all(w[:1].isupper() for w in name.split() if len(w) > 3):
            continue
        if " " in name and _PAPER.fullmatch(_head(name)):
            continue  # a document or a measure, which spaCy calls an organisation: "Project Agreement"
        if not sure and " " in name and _common_head(name):
            continue  # the model's name for a thing: "Type of Provider of First Postnatal Checkup"
        key = name.casefold()
        spelled.setdefault(key, name)
        names[key] += 2 if sure else 1
    names = Counter({k: n for k, n in names.items() if n >= 2})
    # A word in capitals is an acronym where the text writes it so: "WOMEN" and "CONTROL", from the heading
    # "16.2 WOMEN'S CONTROL OVER THEIR OWN EARNINGS", were actors of the Ghana DHS's chapter on the compare page.
    capitals = {spelled[k] for k in names if " " not in k and spelled[k].isupper()}
    kept = in_capitals(capitals, document or text)
    names = Counter({k: n for k, n in names.items() if spelled[k] not in capitals or spelled[k] in kept})
    # "Reform Commission" inside "Development and Reform Commission" is the same actor, cut short.
    whole = [k for k in names if not any(k != other and k in other for other in names)]
    # An acronym beside the name it stands for is that actor once ("WHO" and "World Health Organization").
    for key in [k for k in whole if " " not in k]:
        full = next((o for o in whole if " " in o and _spelled(spelled[key], spelled[o].split()) == spelled[o]), None)
        if full:
            names[full] += names[key]
            whole.remove(key)
    return tuple(spelled[key] for key in sorted(whole, key=lambda k: -names[k])[:limit])
