"""Dates written in text or table cells, as ISO strings (a day, a month or a year)."""

from __future__ import annotations

import re

_ENGLISH = "january february march april may june july august september october november december".split()
MONTHS = {m: i for i, m in enumerate(_ENGLISH, 1)}
# Spanish, Portuguese and French month names, for the corpus's other-language pages.
MONTHS.update({m: i for i, m in enumerate(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(), 1)})
MONTHS.update({m: i for i, m in enumerate(
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split(), 1)})
MONTHS.update({m: i for i, m in enumerate(
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(), 1)})
# Abbreviations of the English names only: "out" and "set" (Portuguese) are English words.
MONTHS.update({m[:3]: i for i, m in enumerate(_ENGLISH, 1)})
MONTHS["sept"] = 9
_MONTH_RX = "|".join(sorted(MONTHS, key=len, reverse=True))
YEAR_RX = r"(?:19[5-9]\d|20[0-4]\d)"
_PATTERNS = (
    # 2021-04-06, 2024/09/16, 2020-03-05T00:00:00Z
    (re.compile(rf"(?<!\d)({YEAR_RX})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?!\d)"), "ymd"),
    # 2021年4月6日
    (re.compile(rf"({YEAR_RX})\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?"), "ymd"),
    # May 3, 1996 / March 5, 2020 / JULY 14, 2021
    (re.compile(rf"\b({_MONTH_RX})\.?\s+(\d{{1,2}}),?\s+({YEAR_RX})\b", re.I), "mdy"),
    # 21 August 2018 / 3 de mayo de 2023 / 12 mars 2021
    (re.compile(rf"\b(\d{{1,2}})(?:er)?\s+(?:de\s+)?({_MONTH_RX})\.?,?\s+(?:de\s+)?({YEAR_RX})\b", re.I), "dmy"),
    # (April 2021), April 2016, août 2020
    (re.compile(rf"\b({_MONTH_RX})\.?,?\s+(?:de\s+)?({YEAR_RX})\b", re.I), "my"),
)
_YEAR_ONLY = re.compile(rf"^\s*({YEAR_RX})(?:\.0)?\s*$")


def iso(year: str, month: str | int | None = None, day: str | int | None = None) -> str | None:
    """An ISO date (or year-month, or year), or None when a part is out of range."""
    if month is None:
        return year
    if isinstance(month, str) and not month.isdigit():
        m = MONTHS.get(month.lower().rstrip("."))
        if m is None:
            return None
    else:
        m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{year}-{m:02d}"
    d = int(day)
    return f"{year}-{m:02d}-{d:02d}" if 1 <= d <= 31 else None


def _value(groups: tuple[str, ...], order: str) -> str | None:
    if order == "ymd":
        return iso(groups[0], groups[1], groups[2])
    if order == "mdy":
        return iso(groups[2], groups[0], groups[1])
    if order == "dmy":
        return iso(groups[2], groups[1], groups[0])
    return iso(groups[1], groups[0])


def find_dates(text: str) -> list[tuple[int, str]]:
    """Every full or month date written in text, as (offset, ISO string), in reading order."""
    found: dict[int, tuple[int, str]] = {}
    for rx, order in _PATTERNS:
        for match in rx.finditer(text):
            value = _value(match.groups(), order)
            # At one offset the pattern that says the most wins (a day beats a month).
            if value and len(value) > len(found.get(match.start(), (0, ""))[1]):
                found[match.start()] = (match.start(), value)
    # A month pattern inside a day pattern ("May 3, 1996" also holds "May ... 1996") is the same date.
    out: list[tuple[int, str]] = []
    for start, value in sorted(found.values()):
        if out and start < out[-1][0] + 20 and out[-1][1].startswith(value):
            continue
        out.append((start, value))
    return out


def find_date(text: str) -> str | None:
    """The first date written in a piece of text, as an ISO string."""
    dates = find_dates(text)
    return dates[0][1] if dates else None


def parse_date(cell: str) -> str | None:
    """A table cell or metadata value as an ISO date: '2011', 'January 20, 2020', '2020-03-05T00:00:00Z'."""
    match = _YEAR_ONLY.match(cell)
    if match:
        return match.group(1)
    return find_date(cell)
