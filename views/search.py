"""Search: one query box, filters with facet counts, result cards with highlights and why they matched."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.export import hits_table, md_escape, table_csv
from kb.query import MAX_K, MODES, QueryError
from kb.search import SearchResult
from views import common

FACET_NAMES = {"approach": "approach", "country": "country", "region": "region", "doc_type": "document type",
               "language": "language", "source": "source", "years": "year range"}


def render() -> None:
    """The search page."""
    ss = st.session_state
    st.text_input("Search the cases", key="q", placeholder="e.g. microcredit for rural women, tourism in mountain villages")
    st.sidebar.radio("Ranking", MODES, key="mode", horizontal=True,
                     help="hybrid: meaning and words together; semantic: meaning only; keyword: the words only")
    query = (ss.get("q") or "").strip()
    filters = common.current_filters()
    shown = int(ss.get("shown") or common.PAGE)
    if ss.get("_last_query") != (query, filters):
        shown = ss["shown"] = common.PAGE  # a new search starts on its first page
        ss["_last_query"] = (query, filters)
    result: SearchResult | None = None
    counts = None
    error = None
    if query:
        with st.spinner("Loading the model and index (once per server)…"):
            searcher = common.searcher()
        try:
            mode = ss.get("mode") or "hybrid"
            result = searcher.search(query, min(shown, MAX_K), mode, filters)
            counts = searcher.disjunctive_facets(query, mode, filters, result)
        except QueryError as exc:
            error = str(exc)
    with common.store() as s:
        common.filter_sidebar(s, counts)
    common.flash()
    if error:
        st.error(error)
        return
    if result is None:
        st.info("Type what you are looking for: a problem, an approach, a place. Filters in the sidebar narrow "
                "the cases; the counts beside them follow your search.")
        return
    if not result.hits:
        _explain_empty(query, filters)
        return
    _cards(result)
    cols = st.columns(3)
    if len(result.hits) == shown and shown < min(MAX_K, result.candidates):
        cols[0].button("Show more", key="more", on_click=lambda: ss.update(shown=shown + common.PAGE))
    cols[1].download_button("Download these results (CSV)", table_csv(*hits_table(result.hits)),
                            file_name="search-results.csv", mime="text/csv", key="csv")
    cols[2].caption(f"{len(result.hits)} of {result.candidates} matching cases shown")


def _cards(result: SearchResult) -> None:
    st.caption(f"{result.candidates} cases match · ranked by {result.mode}")
    for hit in result.hits:
        with st.container(border=True):
            st.markdown(f"**{hit.rank}. {md_escape(hit.title)}**")
            meta = [md_escape(hit.document_title)] if hit.document_title != hit.title else []
            meta += [md_escape(hit.source), f"page {hit.page}" if hit.page else "",
                     hit.published or "no date", hit.doc_type.replace("_", " "), hit.language]
            st.caption(" · ".join(m for m in meta if m))
            tags = " ".join(common.flag(c) for c in hit.countries)
            st.markdown(f"{tags} {common.chips(hit.approaches)}".strip() or "*no approach or country tagged*")
            st.markdown(common.highlight(hit.text, hit.matched))
            st.caption(f"Why: {md_escape(hit.why)}")
            common.case_actions(hit.case_id, hit.passage_id, key=f"hit{hit.rank}")


def _explain_empty(query: str, filters) -> None:
    """No results: say which filter removed them, and offer to drop it."""
    if filters.empty:
        st.warning(f"Nothing in the index matches “{md_escape(query)}”. Try other words, or the semantic ranking, "
                   "which finds passages by meaning rather than by words.")
        return
    try:
        found = common.searcher().relaxations(query, st.session_state.get("mode") or "hybrid", filters)
    except KBError as exc:
        st.error(str(exc))
        return
    lines = [f"- without the {FACET_NAMES[f]} filter: {n} cases" for f, n in found if n]
    st.warning("No case matches this search with these filters."
               + ("\n\n" + "\n".join(lines) if lines else " Removing any one filter finds nothing either."))
    st.button("Clear filters", key="clear-empty", on_click=common.clear_filters)
