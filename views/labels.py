"""How the index's values read on a page: labels of approaches, goals, countries and types, flags, tag chips,
and document text as safe Markdown with its matches in bold."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import pycountry
import streamlit as st

from kb import taxonomy as taxonomy_labels
from kb.doctypes import type_label
from kb.duplicates import listed_again
from kb.explain import one_run_each
from kb.export import md_escape
from kb.gazetteer import country_name, region_label
from kb.latex import plain_math
from kb.models import Hit


@st.cache_data(show_spinner=False)
def approach_labels(taxonomy: str = "") -> dict[str, str]:
    """Approach id -> label from the taxonomy."""
    return taxonomy_labels.approach_labels(taxonomy or None)


@st.cache_data(show_spinner=False)
def goal_labels() -> dict[str, str]:
    """Goal id -> "SDG 5 Gender equality"."""
    return taxonomy_labels.goal_labels()


def flag(iso3: str) -> str:
    """A country's flag emoji and ISO3 code ("🇨🇳 CHN"), or the code alone when it has no flag."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country.alpha_2) + " " + iso3


def value_label(facet: str, value: str) -> str:
    """How a facet value is shown: approach labels, country names, type labels, the raw value otherwise."""
    if facet == "approach":
        return approach_labels().get(value, value)
    if facet == "sdg":
        return goal_labels().get(value, value)
    if facet == "country":
        return f"{country_name(value)} ({value})"
    if facet == "doc_type":
        return type_label(value)
    if facet == "region":
        return region_label(value)
    return value.replace("_", " ")


# Goals a card names in full; more share one chip by number.
_NAMED_GOALS = 3


def document_title(hit: Hit) -> str:
    """The title of a hit's document as it stands beside the hit's own, or "" where it would say nothing: a case
    titled as its document ("X · X"), or a record, whose table's title is the collector's file name ("Remaining
    projects to process with abstracts", walk); the source beside it names the table."""
    return "" if hit.doc_type == "record" or hit.document_title == hit.title else md_escape(hit.document_title)


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 case", "2 cases"."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def more_from_document(more: int, matching: int) -> str:
    """"4 more cases from this document, 3 of them matching well": with the cards above, what the headline's count
    of cases that match well adds up to."""
    label = f"{plural(more, 'more case')} from this document"
    if more == 1:
        return f"{label}, {'matching well' if matching else 'a weak match'}"
    if matching == more:
        return f"{label}, all matching well"
    return f"{label}, {matching} of them matching well" if matching else f"{label}, none matching well"


def chips(approaches: tuple[str, ...] | list[str], sdgs: tuple[str, ...] | list[str] = ()) -> str:
    """Approach chips (blue) and goal chips (green) as Streamlit badges, labels escaped; more than a few goals
    share one chip by number ("SDG 1 · 2 · 13 · 17"): a project abstract tagged with 14 goals wore three lines
    of them above its text (walk). The case page names each goal with its evidence."""
    out = [f":blue-badge[{md_escape(value_label('approach', a))}]" for a in approaches]
    if len(sdgs) > _NAMED_GOALS:
        # By number: a card and the comparison read "2 · 3 · 11 · 16" and "16 · 2 · 3 · 11" for one case (walk).
        numbers = sorted(taxonomy_labels.goal_number(g) for g in sdgs)
        out.append(f":green-badge[SDG {' · '.join(map(str, numbers))}]")
    else:
        out += [f":green-badge[{md_escape(value_label('sdg', g))}]" for g in sdgs]
    return " ".join(out)


def also_published(copies: Sequence[tuple[str, str, str, str]], source: str = "") -> str:
    """ "Also published by" with a link to each other source's copy of the case (case id, title, source,
    publisher), and "listed again" for another row of the case's own table (`source`), as escaped Markdown;
    empty when there is none."""
    links = [f"[{md_escape(publisher or title)} · {md_escape(src)}](?view=case&case={quote(case_id)})"
             for case_id, title, src, publisher in copies if not listed_again(src, source)]
    parts = [f"Also published by: {'; '.join(links)}"] if links else []
    parts += [f"[Listed again in this table](?view=case&case={quote(case_id)})"
              for case_id, _, src, _ in copies if listed_again(src, source)]
    return " · ".join(parts)


def highlight(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> str:
    """Text as escaped Markdown with the given spans in bold: document text can never become markup."""
    out, last = [], 0
    for start, end in one_run_each(spans):  # inline LaTeX of plain numbers read as numbers (kb.latex.plain_math)
        out += [md_escape(plain_math(text[last:start])), "**" + md_escape(plain_math(text[start:end])) + "**"]
        last = end
    out.append(md_escape(plain_math(text[last:])))
    return "".join(out).replace("\n", "  \n")
