"""What every view shares: the cached searcher, URL state, filters in the sidebar, and safe rendering."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pycountry
import streamlit as st

from kb.collections import Collections
from kb.config import load_settings
from kb.export import excerpt_of, md_escape
from kb.gazetteer import country_name
from kb.models import Filters
from kb.indexdir import open_store
from kb.search import Searcher
from kb.store import Store
from kb.taxonomy import load_taxonomy

PAGE = 10
FACETS = (("approach", "Approach"), ("country", "Country"), ("region", "Region"), ("doc_type", "Document type"),
          ("language", "Language"))
# Session keys mirrored in the URL, so that a search, a case or a comparison can be bookmarked and shared.
URL_LISTS = ("approach", "country", "region", "doc_type", "language", "cmp")
URL_VALUES = ("view", "q", "mode", "case", "year_from", "year_to")


def index_dir() -> str:
    """The index folder the app serves (KB_INDEX_DIR, default index/)."""
    return os.environ.get("KB_INDEX_DIR", "index")


@st.cache_resource(show_spinner=False)
def _searcher(path: str) -> Searcher:
    return Searcher(path, load_settings())


def searcher() -> Searcher:
    """The process's searcher for the index: model and vectors loaded once, shared by every session."""
    s = _searcher(index_dir())
    s.refresh()  # an ingest that ran beside the app is picked up without a restart
    return s


@contextmanager
def store() -> Iterator[Store]:
    """A read-only store for this run of the script."""
    s = open_store(index_dir())
    try:
        yield s
    finally:
        s.close()


def collections() -> Collections:
    """The trainers' collections kept beside the index."""
    return Collections(index_dir())


@st.cache_data(show_spinner=False)
def approach_labels(taxonomy: str = "") -> dict[str, str]:
    """Approach id -> label from the taxonomy."""
    return {a.id: a.label for a in load_taxonomy(taxonomy or None).approaches}


def flag(iso3: str) -> str:
    """A country's flag emoji and ISO3 code ("🇨🇳 CHN"), or the code alone when it has no flag."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country.alpha_2) + " " + iso3


def value_label(facet: str, value: str) -> str:
    """How a facet value is shown: approach labels, country names, the raw value otherwise."""
    if facet == "approach":
        return approach_labels().get(value, value)
    if facet == "country":
        return f"{country_name(value)} ({value})"
    return value.replace("_", " ")


def chips(approaches: tuple[str, ...] | list[str]) -> str:
    """Approach chips as Streamlit badges, labels escaped."""
    return " ".join(f":blue-badge[{md_escape(value_label('approach', a))}]" for a in approaches)


def highlight(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> str:
    """Text as escaped Markdown with the given spans in bold: document text can never become markup."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last or end <= start:
            continue
        out += [md_escape(text[last:start]), "**" + md_escape(text[start:end]) + "**"]
        last = end
    out.append(md_escape(text[last:]))
    return "".join(out).replace("\n", "  \n")


# -- URL state --------------------------------------------------------------------------------------
def load_url_state() -> None:
    """On a session's first run, take the search, filters, case and comparison from the URL."""
    if st.session_state.get("_url_loaded"):
        return
    st.session_state["_url_loaded"] = True
    params = st.query_params
    for key in URL_LISTS:
        if key in params:
            st.session_state[key] = [v for v in params.get_all(key) if v]
    for key in URL_VALUES:
        if params.get(key):
            st.session_state[key] = params[key]


def save_url_state() -> None:
    """Write the session's search, filters, case and comparison to the URL."""
    state: dict[str, str | list[str]] = {}
    for key in URL_VALUES:
        value = st.session_state.get(key)
        if value not in (None, "", "hybrid"):
            state[key] = str(value)
    for key in URL_LISTS:
        if st.session_state.get(key):
            state[key] = list(st.session_state[key])
    if dict(st.query_params.to_dict()) != {k: (v[0] if isinstance(v, list) and len(v) == 1 else v)
                                           for k, v in state.items()}:
        st.query_params.from_dict(state)


def go(view: str, **state: object) -> None:
    """Switch to a view (a button callback), setting session values on the way."""
    st.session_state["view"] = view
    for key, value in state.items():
        st.session_state[key] = value


# -- filters --------------------------------------------------------------------------------------
def current_filters() -> Filters:
    """The filters the sidebar holds now (read before the widgets are drawn)."""
    ss = st.session_state
    year = lambda key: int(ss[key]) if str(ss.get(key) or "").isdigit() else None  # noqa: E731
    return Filters(**{facet: tuple(ss.get(facet) or ()) for facet, _ in FACETS},
                   year_from=year("year_from"), year_to=year("year_to"))


def filter_sidebar(s: Store, counts: dict[str, dict[str, int]] | None) -> None:
    """Sidebar filters; each value shows its count of cases for the current query (or the whole index).

    A filtered facet's counts leave its own filter out, so its other values show what choosing them adds.
    """
    st.sidebar.header("Filters")
    for facet, label in FACETS:
        known = s.facet_values(facet)
        chosen = [v for v in st.session_state.get(facet) or []]
        shown = counts.get(facet, {}) if counts is not None else known
        options = sorted(set(known) | set(chosen), key=lambda v: (-shown.get(v, 0), v))
        st.session_state[facet] = [v for v in chosen if v in options]
        st.sidebar.multiselect(label, options, key=facet,
                               format_func=lambda v, f=facet, c=shown: f"{value_label(f, v)} · {c.get(v, 0)}")
    years = sorted(int(y) for y in s.facet_values("year") if y.isdigit())
    if years and years[0] < years[-1]:
        ss = st.session_state
        low = max(int(ss.get("year_from") or years[0]), years[0])
        high = min(int(ss.get("year_to") or years[-1]), years[-1])
        if "years" not in ss:
            ss["years"] = (low, high)
        picked = st.sidebar.slider("Year", years[0], years[-1], key="years")
        ss["year_from"] = str(picked[0]) if picked[0] > years[0] else None
        ss["year_to"] = str(picked[1]) if picked[1] < years[-1] else None
    if not current_filters().empty:
        st.sidebar.button("Clear filters", on_click=clear_filters)


def clear_filters() -> None:
    """Drop every filter (a button callback)."""
    for facet, _ in FACETS:
        st.session_state[facet] = []
    st.session_state["year_from"] = st.session_state["year_to"] = None
    st.session_state.pop("years", None)


# -- actions shared by cards and the case view ---------------------------------------------------
def toggle_compare(case_id: str) -> None:
    """Add a case to the comparison, or take it out (a button callback); at most four."""
    chosen = list(st.session_state.get("cmp") or [])
    if case_id in chosen:
        chosen.remove(case_id)
    elif len(chosen) < 4:
        chosen.append(case_id)
    else:
        st.session_state["flash"] = "A comparison holds four cases at most: take one out first."
    st.session_state["cmp"] = chosen


def add_to_collection(case_id: str, passage_id: int | None = None) -> None:
    """Add a case to the collection chosen in the sidebar, making a first one if there is none."""
    coll = collections()
    names = coll.names()
    target = st.session_state.get("collection")
    if target not in names:
        target = next(iter(names), None) or coll.create("My collection")
        st.session_state["collection"] = target
    with store() as s:
        added = coll.add(int(target), excerpt_of(s, case_id, passage_id))
    name = coll.names()[int(target)]
    st.session_state["flash"] = (f"Added to the collection “{name}”." if added
                                 else f"Already in the collection “{name}”.")


def case_actions(case_id: str, passage_id: int | None = None, key: str = "", can_open: bool = True) -> None:
    """The buttons under a result card or a case: open (unless it is open), compare, collect."""
    cols = st.columns([1, 1, 1, 3])
    if can_open:
        cols[0].button("Open case", key=f"open{key}-{case_id}", on_click=go, args=("case",),
                       kwargs={"case": case_id, "passage": passage_id})
    in_cmp = case_id in (st.session_state.get("cmp") or [])
    cols[1].button("Remove from comparison" if in_cmp else "Compare", key=f"cmp{key}-{case_id}",
                   on_click=toggle_compare, args=(case_id,))
    cols[2].button("Add to collection", key=f"col{key}-{case_id}", on_click=add_to_collection,
                   args=(case_id, passage_id))


def flash() -> None:
    """Show the message an action left for this run."""
    message = st.session_state.pop("flash", None)
    if message:
        st.toast(message)
        st.info(message)
