"""Passage kinds: prose, or one of the kinds of text that does not answer a reader's question.

A passage is classified from its own shape, with no model and no tuned weights: references and footnotes
cite (years in brackets, "et al.", journal volumes, DOIs, numbered notes); a table of contents ends its
lines in page numbers; a survey form asks a question a line or codes its answers behind dot leaders; table
cells are mostly numbers and short labels without the small words of sentences, or set one cell a line (most
lines of three words or fewer, hardly a full stop: a survey's questionnaire table as a PDF converter lays it
out); a list of letters or numbers is mostly one- or two-character tokens; page furniture is links,
addresses and contact lines. Non-prose passages stay in the case view but do not compete in search, "more
like this", key figures or comparison pairs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.contents import CONTENTS_WORDS, LEADERS
from kb.language import CJK, FUNCTION_WORDS, HAN, LETTER
from kb.latex import INLINE_MATH

KINDS = ("prose", "references", "toc", "form", "table", "list", "furniture")
PROSE = "prose"

_CITATION = re.compile(
    r"\bet al\b|\(\s*(?:19|20)\d\d[a-z]?\s*\)|\b(?:19|20)\d\d[a-z]?\)|\bvol(?:ume)?\.?\s*\d|\bpp?\.\s*\d|"
    r"\bdoi\b|https?://|\bissn\b|\bisbn\b|[\[［][JMDCR][\]］]|\bretrieved\b|\bworking paper\b|\bjournal\b|\bpress\b|"
    r"\b\d+\s*\(\d+\)\s*[:,]\s*\d+|(?:19|20)\d\d\s*[,，]\s*\(?\d+\)?\s*[:：]\s*\d+"
    # The year standing alone between an entry's authors and its title ("Ruel. 2004. “Dietary ..."), as the DHS
    # reports' reference lists set it.
    r"|[A-Za-z)]\.\s(?:19|20)\d\d[a-z]?\.\s")
_NOTE_START = re.compile(r"(?m)^(?:\[\d{1,3}\]|\d{1,3}\s+[A-Z" + HAN + r"]"
                         r"|\d{1,3}\.\s+[A-Z][^.]{0,60}(?:\(|,\s*(?:19|20)\d\d))")
# A table's or figure's caption label and number: "TABLE 3.2.", "Tab.1", "表1", "图 2", "Cuadro 4".
CAPTION = re.compile(r"(?:table|tableau|cuadro|tabela|tab|figure|fig|表|图)\.?\s*\d{1,2}(?:\.\d{1,2})*\.?", re.I)
# An author-year entry opening a line: "Gu, H. L., Liu, J. (2017). Effect of ...", "[顾红磊，刘君.(2017).家庭...",
# as a psychology paper lists its works with no heading the converter kept.
_AUTHOR_YEAR = re.compile(r"^(?:[\[［][" + HAN + r"][^\]］]{0,60}?"
                          r"|[A-Z][A-Za-z'’-]+,\s?(?:[A-Z][a-z]?\.?\s?[,&]?\s?){1,4}[^()\n]{0,120}?)"
                          r"\.?\s*[(（](?:19|20)\d\d[a-z]?(?:-\d\d-\d\d)?[)）]\s*[.．]")
# Chinese journals set an entry's number in half- or full-width brackets ("[19］").
_ENTRY = re.compile(r"[\[［]\d{1,3}[\]］]")
_LIST_ENTRY = re.compile(r"\s*" + _ENTRY.pattern)  # an entry's number opening the passage
# A note opens as a sentence does ("The", "IFAD Policy"), not as a form's "MONTHS..." or "NOT AT HOME".
_NOTE_WORD = r"(?=[A-Z](?:[a-z]|[A-Z]+\s+[A-Z]?[a-z])|[" + HAN + r"])"
_FIRST_NOTE = re.compile(r"\s*(\d{1,3})\s+" + _NOTE_WORD)
_REF_WORDS = (r"(?:references|bibliography|works cited|notes|endnotes|footnotes|sources|参考文献|referencias|"
              r"bibliografía|références|referências)")
_REF_HEADING = re.compile(rf"^\s*{_REF_WORDS}\b", re.I)
# A section headed by nothing but such a word ("参考文献(References)：", "7. References"): every passage in it cites.
_REF_SECTION = re.compile(rf"^[\W\d_]*{_REF_WORDS}[\W_]*(?:{_REF_WORDS}[\W_]*)?$", re.I)
# A section of tables by its title ("Annex I: Statistical tables (Household Survey)", "DATA QUALITY TABLES
# Appendix C"): its passages are a table's labels and cells read one a line, whatever their shape.
_TABLES_SECTION = re.compile(r"(?:^|[:.]\s*|\s)(?:statistical|data(?:\s+quality)?|supplementary|additional|annex|"
                             r"appendix)\s+tables\b", re.I)
# An appendix or annex of questionnaires ("QUESTIONNAIRES Appendix E", "Annex 2: Household questionnaire"): its
# passages are a form's questions, codes and skips however they read; a report's own section about its
# questionnaires ("1.6 Questionnaires") is prose.
_FORMS_SECTION = re.compile(r"(?=.*\b(?:appendix|annex)\b).*\bquestionnaires?\b", re.I)
_TOC_HEADING = re.compile(rf"^\s*{CONTENTS_WORDS}\b", re.I)
# A contents line: its leaders and page ("Conclusion………22"), or a page number.
_TOC_LINE = re.compile(rf"(?:{LEADERS})\s*\d{{1,4}}$|\s\d{{1,3}}$")
# A survey form: its questions one a line ("On the radio? / From a poster?"), or its answer codes behind dot
# leaders ("GOVT. HEALTH CENTER....... B").
_QUESTION = re.compile(r"[?？]\s*$")
_ANSWER_CODE = re.compile(r"\.{3,}\s*[A-Z0-9]{1,3}\b")
# Every sentence of a passage is a question ("Did anyone sleep under this mosquito net last night?").
_ASKS = re.compile(r"[?？](?=\s|$)|[？]")
_TELLS = re.compile(r"[.!。！](?=\s|$)|[。！]")
_NUMBER = re.compile(r"^[(\[]?[-+]?[\d.,%/:–-]+[)\]%]?$")
# A cell that holds no number: a value suppressed or missing ("*", "na", "-", ".."), as survey tables print it.
_EMPTY_CELL = re.compile(r"^(?:\*{1,2}|na|n/a|-|–|—|\.\.|…)$", re.I)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_CJK_END = re.compile(r"[。！？]")
# A line's own number ("41. Status of cash transfers ..."): its label, not a sentence's end.
_LINE_NUMBER = re.compile(r"(?m)^[ \t]*\d{1,3}[.)][ \t]+(?=\S)")
_BULLET = re.compile(r"(?:[-•*▪●◦–]|\d{1,2}[.)]|[a-z][.)])\s")
# A caption's source or note: its own line, or the caption's tail ("... in 2016. Source: Bangladesh Bureau ...").
_SOURCE_LINE = re.compile(r"^(?:sources?|note|notes|©)\s*:", re.I)
_SOURCE_TAIL = re.compile(r"\s*\b(?:sources?|notes?)\s*:.*$", re.I)
# A caption's title is a phrase: the captions alone read in the eval index ran up to 120 characters, the
# captions that run on into a paragraph from 240.
_TITLE_LENGTH = 160
_FURNITURE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|\+?\d[\d ()-]{7,}\d|\b(?:tel|fax|e-?mail|phone)\b", re.I)


def _sentence_ends(text: str) -> int:
    """How many sentences a text ends, a line's own number ("41. Status of ...") not counted as one."""
    return len(_SENTENCE_END.findall(_LINE_NUMBER.sub("", text)))


def _tokens(text: str) -> list[str]:
    return text.split()


def classify_case(texts: Sequence[str], sections: Sequence[str] = ()) -> list[str]:
    """The kinds of a case's passages in order: each by its own shape in its own section (classify; `sections`
    gives each passage's, else none), and past a passage that opens a list of works ("参考文献", "References"),
    every passage that still cites, up to the first that does not; a passage that ends no sentence between two
    tables is a table.

    An entry cut in two by the passage length ("2010,69(3):592-602. [22］TIAN Q, ...") cites too little for its
    shape alone: on the eval index 18 such prose passages followed a references heading in their case, all of
    them references, one a top-10 hit for "factories at relocation sites in southern Xinjiang".
    """
    kinds = [classify(text, section) for text, section in zip(texts, sections or [""] * len(texts), strict=True)]
    listing = False
    for i, text in enumerate(texts):
        if kinds[i] == "references":
            listing = listing or bool(_REF_HEADING.match(text.strip()))
        elif listing and kinds[i] in (PROSE, "table") and (_CITATION.search(text) or _ENTRY.search(text)):
            kinds[i] = "references"
        else:
            listing = False
    # A passage that ends no sentence between two tables is the table's too: its column headings or a run of
    # its rows the shape rules miss ("2.3 Literacy rate ... 89.3a 80.9 85.1 b / 3. Promote gender equality and
    # empower women", the Ghana DHS's goal table, first for "how to get girls to stay in secondary school").
    for i in range(1, len(texts) - 1):
        if kinds[i] == PROSE and kinds[i - 1] == kinds[i + 1] == "table" and not _ends_any(texts[i]):
            kinds[i] = "table"
    return kinds


def _ends_any(text: str) -> bool:
    """Whether a text ends a sentence in any script (a line's own number is no end)."""
    return _sentence_ends(text) > 0 or _CJK_END.search(text) is not None


def classify(text: str, section: str = "") -> str:
    """The kind of one passage (in the section of that heading): prose, references, toc, table, list or furniture.

    A passage of a references section is references even when it holds one citation alone, which its shape
    cannot tell from a sentence.
    """
    # Formulas and numbers set in LaTeX ("$3 0 . 6 7 \%$") count as one token, not many digits.
    stripped = INLINE_MATH.sub(" 0 ", text).strip()
    if not stripped:
        return "furniture"
    if _REF_SECTION.match(section.strip()):
        return "references"
    kind = _shape(stripped)
    if kind == PROSE and _FORMS_SECTION.match(section):
        return "form"
    return "table" if kind == PROSE and _TABLES_SECTION.search(section) else kind


def _shape(stripped: str) -> str:
    """The kind of a passage's text by its shape alone."""
    lines = [ln.strip() for ln in stripped.splitlines() if ln.strip()]
    tokens = _tokens(stripped)
    cjk = len(CJK.findall(stripped))
    if _REF_HEADING.match(stripped) or _is_references(stripped, lines, tokens, cjk):
        return "references"
    if _TOC_HEADING.match(stripped) or (len(lines) >= 4 and sum(bool(_TOC_LINE.search(ln)) and len(ln) < 120
                                                                 for ln in lines) >= 0.6 * len(lines)):
        return "toc"
    if _is_form(lines, stripped):
        return "form"
    if (tokens and sum(len(t.strip(".,;:()")) <= 2 for t in tokens) >= 0.6 * len(tokens)
            and len(tokens) >= 6 and not cjk):
        return "list"
    # A table's caption alone on its first line ("TABLE 3.2."), its cells below: all four such prose passages of
    # the eval index were tables, one a top hit for "COVID-19 impact on household income". A figure's likewise
    # ("Figure 3.10.", then its axis values): 6 more, chart labels and numbers, one with the paragraph after its
    # chart in the same passage; every eval figure unchanged.
    # A Chinese paper's table or figure under its caption ("表1数据描述性统计 / Tab.1 Data descriptive statistics /
    # 区域时期人均可支配收入…15797.57…") ends no sentence: 44 prose passages of the eval index, none an answer,
    # one in the top 10 for an English question on China's poverty-exit plan.
    if (_is_table(stripped, tokens, cjk) or _cells_by_line(stripped, lines, cjk) or _rows(lines)
            or (len(lines) >= 4 and CAPTION.fullmatch(lines[0]))
            or (cjk and CAPTION.match(stripped) and "。" not in stripped)):
        return "table"
    kind = _front_matter(stripped, lines)
    if kind:
        return kind
    # So is a passage that opens on a caption and ends no sentence: the caption and the cells of a table or
    # chart, the cells on one line ("Table 2.1 Household drinking water Percent distribution of households ...
    # Total Number"): 167 prose passages of the shared corpus, 156 of them the Ghana DHS's tables, all read.
    if not cjk and CAPTION.match(stripped) and not _sentence_ends(stripped):
        return "table"
    if _captions_alone(lines):
        return "table"
    furniture = sum(len(m.group(0)) for m in _FURNITURE.finditer(stripped))
    if furniture >= 0.4 * len(stripped):
        return "furniture"
    return PROSE


def _captions_alone(lines: list[str]) -> bool:
    """Whether a passage is a figure's or table's caption without its figure and without prose ("Figure 1:
    Estimates of poverty ... per Upazila, in 2016. Source: Bangladesh Bureau of Statistics (2020)", first for
    "poverty graduation in Bangladesh"), or holds no letter at all (a table's cells cut off: "0.6 17.1 3.0 0.").

    A caption line is its label, a colon or a stop, and a title of a caption's length: a label then a verb ("Table
    6.3 shows that ...") is a sentence, and a caption that runs on into a paragraph ("Figure 6: Change in Gini
    ... In the expense replacement scenario, ...") is longer than a title.
    """
    captions = letters = 0
    for line in lines:
        if LETTER.search(line) is None:
            continue
        letters += 1
        if _SOURCE_LINE.match(line):
            continue
        label = CAPTION.match(line)
        title = _SOURCE_TAIL.sub("", line[label.end():]) if label else ""
        if not label or not (label.group().endswith(".") or title.startswith(":")) or len(title) > _TITLE_LENGTH:
            return False
        captions += 1
    # A table's note alone ("Note: Totals may not add up to 100 percent ...") is left as it reads: notes define
    # terms, and some run on into the table's reading.
    return captions > 0 or not letters


_LEADERS = re.compile(rf"\w(?:{LEADERS})\s*\d{{1,4}}$")
# A list of a report's tables and figures names them by number ("Figure 10.1 Trends in basic vaccination ...").
_LISTED = re.compile(r"\b(?:[Tt]able|[Ff]igure|[Mm]ap|[Cc]hart|[Bb]ox)\s+[A-Z]?\d{1,2}(?:\.\d{1,2})*[a-z]?\b")
# A table's row: its label, then two cells or more ("4.2 Infant mortality rate4 52 43 41", "5.3 ... na 26.7 na").
_ROW = re.compile(r"^\S.*?[A-Za-z].*?(?:\s+(?:[-+]?\d(?:[\d,]*\d)?(?:\.\d+)?[a-z%]?|na|n/a|\*{1,2}|[-–—])){2,}$", re.I)
# An acronym and what it stands for ("ANC antenatal care", "GSS Ghana Statistical Service").
_ACRONYM = re.compile(r"(?:^|\s)[A-Z][A-Z0-9&/-]{1,9}\s+(?=[A-Za-z][a-z])")


def _front_matter(text: str, lines: list[str]) -> str | None:
    """A report's front matter that ends no sentence: its list of tables and figures (toc), its acronyms (list),
    a summary table whose rows end in their cells (table).

    Seen: the Ghana DHS's Millennium Development Goal table ("4.1 Under-5 mortality rate4 78 62 60") first for
    "cash transfers to reduce child mortality", its acronyms and its list of tables as prose. On the shared
    corpus these take 23 prose passages, all read: 14 DHS table rows, 4 of its acronym passages, 3 of its list
    of tables, two papers' author lines. A row's cells are two numbers or more, neither ending in a comma ("June
    30, 1994" in a loan's schedule is a date); acronyms are six different ones at least, each followed by a word
    in lower case (an outcome written in capitals is no list).
    """
    if _sentence_ends(text) > 1:
        return None
    # A contents line: its title, dot leaders and page number ("... Pregnant Women.. 191").
    if len(_LISTED.findall(text)) >= 3 or any(_LEADERS.search(line) for line in lines):
        return "toc"
    acronyms = [a.strip() for a in _ACRONYM.findall(text)]
    if len(set(acronyms)) >= 6 and len(acronyms) >= 0.12 * len(text.split()):
        return "list"
    if len(lines) >= 2 and sum(bool(_ROW.match(line)) for line in lines) >= 2 / 3 * len(lines):
        return "table"
    return None


def _is_form(lines: list[str], text: str) -> bool:
    """A questionnaire: most of three or more lines are questions, two questions and no other sentence, or three
    answer codes behind dot leaders.

    It asks and does not answer. Survey annexes (a DHS questionnaire, a workshop's prompts) were shown as the
    answer, graded strong: "On the television? / On the radio? / From a poster?" first for "community health
    workers". On the eval index this took 74 + 104 prose passages; a sample of 40 read were all forms or lists
    of prompts.
    """
    questions = sum(bool(_QUESTION.search(line)) for line in lines)
    # Two questions or more and no other sentence: it asks, whatever its lines. On the shared corpus 138 prose
    # passages, of a sample of 25 read 19 a DHS questionnaire's items, the others interview guides, a paper's
    # research questions and a workshop's prompts; one ranked third, graded strong, for "what share of children
    # sleep under a mosquito net in Ghana".
    asks = len(_ASKS.findall(text)) >= 2 and not _TELLS.search(text)
    return (len(lines) >= 3 and questions > len(lines) / 2) or asks or len(_ANSWER_CODE.findall(text)) >= 3


def _is_references(text: str, lines: list[str], tokens: list[str], cjk: int) -> bool:
    """Citations close together: one per 120 characters, or most lines start as numbered notes."""
    cites = len(_CITATION.findall(text))
    notes = len(_NOTE_START.findall(text))
    # Entries one a line, two or more, each opening on its authors and year: on the eval index 15 prose passages,
    # all of them one paper's list of works. (One such line alone may be a sentence's citation.)
    if len(lines) >= 2 and sum(1 for line in lines if _AUTHOR_YEAR.match(line)) >= 0.6 * len(lines):
        return True
    if len(lines) >= 3 and notes >= 0.6 * len(lines) and cites >= 2:
        return True
    # One entry of a numbered list of works, split from its neighbours ("[17] 刘伟,黎洁.…[J].干旱区地理,2019,
    # 42(3): 673-680."): it opens on its number and cites. On the eval index all 34 such prose passages were
    # references; those that open on a number and cite less are endnotes that may answer ("[7] The survey shows").
    if _LIST_ENTRY.match(text) and cites >= 2 or _notes_in_a_row(text):
        return True
    per_char = cites / max(len(text), 1)
    if cjk > 0.3 * len(text):  # Chinese references are dense: a citation every 40-80 characters
        return cites >= 2 and per_char >= 1 / 100 and text.count("。") <= cites // 2
    return cites >= 4 and per_char >= 1 / 120 and not _reads_as_sentences(tokens, cjk, text)


def _notes_in_a_row(text: str) -> bool:
    """Notes numbered in a row, three at least, the passage opening on the first ("20 IFAD Bangladesh Social Sector
    Study (2021). 21 The Bangladeshi microfinance sector ... 22 Microfinance Statistics ..."): a page's footnotes or
    a table's notes, which a converter ran into one paragraph. Notes are sentences: two end at least, which a
    survey's numbered options ("6 Income from properties ... 7 Private pension 8 State pension") do not, nor a
    form's numbered questions ("411 MONTHS... 412 NUMBER OF TIMES"). On the eval index 11 prose passages and a
    table's, all read: footnotes and the DHS's table notes, none holding an answer of any query set."""
    first = _FIRST_NOTE.match(text)
    if not first or _sentence_ends(text) < 2:
        return False
    number, at = int(first.group(1)), first.end()
    for step in (1, 2):
        note = re.compile(rf"(?:^|[.\s)])\s*{number + step}\s+{_NOTE_WORD}", re.M).search(text, at)
        if not note:
            return False
        at = note.end()
    return True


def _reads_as_sentences(tokens: list[str], cjk: int, text: str) -> bool:
    """Running prose: the small words of sentences (English, Spanish, French, Portuguese), or Chinese full stops."""
    if cjk > 0.3 * len(text):
        return text.count("。") >= max(2, cjk // 80)
    small = sum(t.lower().strip(".,;:()\"'") in FUNCTION_WORDS for t in tokens)
    return small >= 0.18 * max(len(tokens), 1)


def _cells_by_line(text: str, lines: list[str], cjk: int) -> bool:
    """A table or a chart laid out one cell or label a line.

    Cells ("Response / yes / No / total / 480 / 204"): seven in ten lines of three words or fewer and at most
    one sentence ending; on the corpus index this took 525 of 23,930 prose passages, every one of a sample of
    30 read a table, and none holds an evaluation answer. Labels ("Internet sites / Newspapers / Health worker
    at health facility / Door-to-door campaign", a chart's legend shown first, graded strong, for "community
    health workers"): nine in ten lines of six words or fewer, no sentence ending, no bullet (a list of points
    is written). On the eval index this took 66 more prose passages, none holding an answer of any query set;
    a sample of 25 read were legends, answer options, tables and loan agreements' cover pages. Three or four
    labels ("Rely on the help of [extended] family members ... / Find another job / Permanently migrating back
    to my original home place", shown first for "income of resettled households after relocation"): no line
    of more than twelve words, no sentence ending, no bullet. On the eval index this took 240 more prose
    passages; a sample of 40 read were chart labels, table rows, credits, cover blocks and contents lines.
    A number that opens a line of text ("41. Status of cash transfers ...") is its label, not a sentence's end
    (with stars and "na" as cells, see _is_table: 24 more prose passages, all survey tables and chart debris
    but one, a chart's figures before a cut list of sectors; every eval figure unchanged).
    Statements between their counts ("20 / promote and organise destinations ... / 7 / way the industry
    actually works", third for "tourism as a way out of poverty"): no sentence ending and two or more lines,
    a third of them at least, bare numbers. On the eval index 22 more prose passages, all survey tables and
    chart debris read.
    """
    if len(lines) < 3 or cjk > 0.3 * len(text):
        return False
    ends = _sentence_ends(text)
    words = [len(line.split()) for line in lines]
    if not ends and max(words) <= 12 and not any(_BULLET.match(line) for line in lines):
        return True
    cells = sum(bool(_NUMBER.match(line)) for line in lines)
    if not ends and cells >= 2 and cells >= len(lines) / 3:
        return True
    if len(lines) < 5:
        return False
    if sum(n <= 3 for n in words) >= 0.7 * len(lines) and ends <= 1:
        return True
    return (not ends and sum(n <= 6 for n in words) >= 0.9 * len(lines)
            and not any(_BULLET.match(line) for line in lines))


def _rows(lines: list[str]) -> bool:
    """A table the document marked as one: its rows, cells set apart by " | " as the readers write them (a DOCX
    table, an HTML table in Markdown), in most of the passage's lines."""
    return sum(line.count(" | ") >= (1 if len(lines) > 1 else 2) for line in lines) >= 0.6 * len(lines)


def _is_table(text: str, tokens: list[str], cjk: int) -> bool:
    """Cells: mostly numbers, few of the small words that sentences need."""
    if len(tokens) < 8 and not cjk:
        return False
    if cjk > 0.3 * len(text):
        digits = sum(c.isdigit() for c in text)
        # Chinese sentences run on commas and full stops; a table's cells have neither.
        return digits >= 0.3 * len(text.replace(" ", "")) and text.count("。") + text.count("，") < 3
    numbers = sum(bool(_NUMBER.match(t) or _EMPTY_CELL.match(t)) for t in tokens)
    small = sum(t.lower().strip(".,;:()\"'") in FUNCTION_WORDS for t in tokens)
    share = numbers / len(tokens)
    return share >= 0.4 or (share >= 0.2 and small < 0.08 * len(tokens))
