"""Search: one query box, filters with facet counts, result cards that say how well and why they match."""

from __future__ import annotations

import streamlit as st

from kb.explain import spans_of
from kb.export import hits_table, md_escape, table_csv
from kb.hits import listed_apart
from kb.language import language_name
from kb.models import Filters, Hit
from kb.query import MAX_K, MODES, QueryError
from kb.relevance import GRADE_LABELS, UNGRADED_LABEL
from kb.search import SearchResult
from kb.titles import shorten, unnumbered
from views import common, labels, watches

FACET_NAMES = {"approach": "approach", "sdg": "SDG", "country": "country", "region": "region",
               "doc_type": "document type", "language": "language", "source": "document", "years": "year range"}
# How each grade of match is shown on a card (kb.relevance decides the grade).
_BADGE_COLOURS = {"strong": "green", "good": "gray", "weak": "orange"}
GRADE_BADGES = {grade: f":{colour}-badge[{GRADE_LABELS[grade]}]" for grade, colour in _BADGE_COLOURS.items()}
UNGRADED = f":blue-badge[{UNGRADED_LABEL}]"


def render() -> None:
    """The search page."""
    ss = st.session_state
    st.text_input("Search the cases", key=common.widget("q", common.state("q") or ""),
                  on_change=common.copy_to_state("q", lambda v: str(v).strip()),
                  placeholder="e.g. microcredit for rural women, tourism in mountain villages")
    st.sidebar.radio("Ranking", MODES, key=common.widget("mode", common.state("mode")), horizontal=True,
                     on_change=common.copy_to_state("mode"),
                     help="hybrid: meaning and words together; semantic: meaning only; keyword: the words only")
    query = str(common.state("q") or "").strip()
    mode = str(common.state("mode"))
    filters = common.current_filters()
    shown = int(ss.get("shown") or common.PAGE)
    if ss.get("_last_query") != (query, mode, filters):
        shown = ss["shown"] = common.PAGE  # a new search starts on its first page
        ss["_last_query"] = (query, mode, filters)
    result: SearchResult | None = None
    counts = None
    error = None
    if query:
        try:
            with st.spinner("Loading the model and index (once per server)…"):
                searcher = common.library().searcher
            result = searcher.search(query, min(shown, MAX_K), mode, filters)
            counts = searcher.disjunctive_facets(query, mode, filters, result)
        except QueryError as exc:
            error = str(exc)
    common.filter_sidebar(counts)
    common.flash()
    if error:
        st.error(error)
        return
    if result is None:
        st.info("Type what you are looking for: a problem, an approach, a place. Filters in the sidebar narrow "
                "the cases; the counts beside them follow your search.")
        return
    if not result.hits:
        _explain_empty(query, mode, filters)
        watches.save_control(query, mode, filters)  # to hear when a case that matches arrives
        return
    top = st.columns([5, 1])
    with top[0]:
        _summary(result, query)
    with top[1]:
        watches.save_control(query, mode, filters)
    if common.editable():
        common.collection_picker("search")
    close, loose = listed_apart(result.hits)
    for number, hit in enumerate(close, 1):
        _card(hit, number)
    if loose:
        with st.expander(f"{labels.plural(len(loose), 'loosely related case')}: neither close in meaning nor "
                         "holding most of your words"):
            for number, hit in enumerate(loose, len(close) + 1):
                _card(hit, number)
    cols = st.columns(3)
    if len(result.hits) == shown and shown < min(MAX_K, result.candidates):
        cols[0].button("Show more", key="more", on_click=lambda: ss.update(shown=shown + common.PAGE))
    cols[1].download_button("Download these results (CSV)", table_csv(*hits_table(result.hits)),
                            file_name="search-results.csv", mime="text/csv", key="csv")
    cols[2].caption(f"{len(result.hits)} shown")


def _summary(result: SearchResult, query: str) -> None:
    if result.matches:
        st.caption(f"{labels.plural(result.matches, 'case')} {'matches' if result.matches == 1 else 'match'} "
                   f"well · ranked by {result.mode}")
        if not all(hit.graded for hit in result.hits):
            st.caption("Cases marked “not graded” are in a language other than the question's. They are placed "
                       "by models that compare meaning across languages, but no model here judges how well they "
                       "answer, so they carry no grade.")
    else:
        st.warning(f"Nothing matches “{md_escape(query)}” well: no passage is close in meaning to it or holds "
                   "most of its words. The nearest cases are below, marked as weak matches; try other words.")
    if result.hits and result.unmatched_places:
        st.info(f"No case about {md_escape(' or '.join(result.unmatched_places))} matches what you asked well: "
                "the cases below are about other places.")


def _card(hit: Hit, number: int) -> None:
    # Numbered as listed: with weak cards apart the ranking's own numbers skipped (1, 4, 5 ... then 2, 3).
    with st.container(border=True):
        grade = GRADE_BADGES.get(hit.relevance, "") if hit.graded else UNGRADED
        # The passage's own section beside a title that does not say where it stands (a span "1.6 … 2.2").
        section = f" › {md_escape(hit.section)}" if hit.section else ""
        st.markdown(f"**{number}. {md_escape(unnumbered(hit.title))}**{section} {grade}")
        meta = [labels.document_title(hit), md_escape(hit.source), f"page {hit.page}" if hit.page else "",
                 hit.published or "no date", labels.value_label("doc_type", hit.doc_type),
                 language_name(hit.language)]
        st.caption(" · ".join(m for m in meta if m))
        # A regional project names no country: its region stands in their place.
        tags = " ".join([labels.flag(c) for c in hit.countries] or
                        [f":gray-badge[{md_escape(labels.value_label('region', r))}]" for r in hit.regions])
        st.markdown(f"{tags} {labels.chips(hit.approaches, hit.sdgs)}".strip() or "*no approach or country tagged*")
        st.markdown(labels.highlight(hit.text, hit.matched))
        st.caption(f"Why: {md_escape(hit.why)}")
        if hit.also_published:
            st.caption(labels.also_published(hit.also_published, hit.source))
        if hit.same_text:
            st.caption(f"The same passage is in {labels.plural(len(hit.same_text), 'more case')}:")
            for case_id, title, source in hit.same_text:
                name = shorten(source.rsplit("/", 1)[-1], 40)
                st.button(f"{shorten(title, 90)} ({name})", key=f"same-{hit.case_id}-{case_id}",
                          on_click=common.go, args=("case",), kwargs={"case": case_id, "passage": None},
                          type="tertiary", icon=":material/open_in_new:",
                          help="Open this case")  # a tertiary button reads as plain text without them (walk)
        if hit.matching_passages:
            # The case's next best passages for the query (kb.hits): the answer to the aspect asked is often one.
            # The first stands on the card where it is a good match in the passage's language (Hit.also_text): with
            # it the card holds an answer for 0.581 of the blind queries' relevant files (nDCG@10) against 0.481
            # with the shown passage alone (README "Search").
            words = {hit.text[start:end] for start, end in hit.matched}  # the card's words, bold here too
            if hit.also_text:
                st.caption("Also in this case")
                st.markdown(labels.highlight(hit.also_text, spans_of(hit.also_text, words)))
            listed = hit.matching_passages[1:] if hit.also_text else hit.matching_passages
            if listed:
                more = common.library().passages(list(listed))
                with st.expander(f"{labels.plural(len(more), 'more passage')} of this case, best first"):
                    for n, (_, text, page) in enumerate(more):
                        if n:
                            st.divider()  # one passage's bullets ran on into the next's
                        if page:
                            st.caption(f"page {page}")
                        st.markdown(labels.highlight(text, spans_of(text, words)))
        common.case_actions(hit.case_id, hit.passage_id, key=f"hit{hit.rank}")
        if hit.more_from_document:
            st.button(labels.more_from_document(hit.more_from_document, hit.more_matching_from_document),
                      key=f"morefrom-{hit.case_id}", on_click=_only_document, args=(hit.source,))


def _only_document(source: str) -> None:
    st.session_state["source"] = [source]
    st.session_state["_scroll_top"] = True


def _explain_empty(query: str, mode: str, filters: Filters) -> None:
    """No results: say which filter removed them, and offer to drop it."""
    if filters.empty:  # no filter to blame: the words themselves are found nowhere
        st.warning(f"Nothing matches “{md_escape(query)}”: no passage holds its words."
                   + (" Try other words, or the hybrid or semantic ranking, which also find meaning."
                      if mode == "keyword" else " Try other words."))
        return
    found = common.library().searcher.relaxations(query, mode, filters)
    lines = [f"- without the {FACET_NAMES[f]} filter: {labels.plural(n, 'case')} "
             f"{'matches' if n == 1 else 'match'} well" for f, n in found if n]
    st.warning("No case matches this search with these filters."
               + ("\n\n" + "\n".join(lines) if lines else " Removing any one filter finds no good match either."))
    st.button("Clear filters", key="clear-empty", on_click=common.clear_filters)
