"""Analyst view: cases counted by approach and country, by year, on a world map, and downloadable."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from importlib import resources

import altair as alt
import streamlit as st

from kb.errors import KBError
from kb.export import table_csv
from kb.gazetteer import country_name
from kb.query import MAX_K
from views import common

TOP_COUNTRIES = 25


@lru_cache(maxsize=1)
def _world() -> list[dict]:
    # Natural Earth 1:110m countries (public domain), shipped in kb/data: the map needs no network.
    return json.loads(resources.files("kb.data").joinpath("world.geojson").read_text(encoding="utf-8"))["features"]


def render() -> None:
    """The analyst page."""
    query = (st.session_state.get("q") or "").strip()
    filters = common.current_filters()
    with common.store() as s:
        common.filter_sidebar(s, None)
        case_ids = s.case_ids(filters)
        scope = f"{len(case_ids)} cases match the sidebar filters"
        if query and st.toggle(f"Only the top {MAX_K} results of the search “{query}”", key="scope_query"):
            try:
                hits = common.searcher().search(query, MAX_K, st.session_state.get("mode") or "hybrid", filters).hits
            except KBError as exc:
                st.error(str(exc))
                return
            case_ids = [h.case_id for h in hits]
            scope = f"{len(case_ids)} cases: the top results of “{query}” within the filters"
        facets = s.facets_of(case_ids)
        cases = {c.case_id: c for c in s.cases()} if case_ids else {}
        docs = {d["doc_id"]: d for d in s.documents()} if case_ids else {}
    st.caption(scope)
    if not case_ids:
        st.warning("No case matches these filters: clear one in the sidebar.")
        return
    pairs = Counter((a, c) for f in facets.values() for a in f.get("approach", ()) for c in f.get("country", ()))
    by_country = Counter(c for f in facets.values() for c in f.get("country", ()))
    by_year = Counter(y for f in facets.values() for y in f.get("year", ()))
    top = [c for c, _ in by_country.most_common(TOP_COUNTRIES)]

    st.markdown("#### Cases by approach and country")
    rows = [{"approach": common.value_label("approach", a), "country": f"{country_name(c)} ({c})", "cases": n}
            for (a, c), n in pairs.items() if c in top]
    if rows:
        st.altair_chart(alt.Chart(alt.Data(values=rows)).mark_rect().encode(
            x=alt.X("country:N", sort="-color", title=None), y=alt.Y("approach:N", title=None),
            color=alt.Color("cases:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["approach:N", "country:N", "cases:Q"]), width="stretch")
    else:
        st.caption("No case here has both an approach and a country tag.")

    left, right = st.columns(2)
    with left:
        st.markdown("#### Cases by year")
        years = [{"year": y, "cases": n} for y, n in sorted(by_year.items())]
        if years:
            st.altair_chart(alt.Chart(alt.Data(values=years)).mark_bar().encode(
                x=alt.X("year:O"), y="cases:Q", tooltip=["year:O", "cases:Q"]), width="stretch")
        else:
            st.caption("No case here has a date.")
    with right:
        st.markdown("#### Cases by country")
        counts = [{"iso3": c, "cases": n} for c, n in by_country.items()]
        world = alt.Chart(alt.Data(values=_world())).mark_geoshape(stroke="white", strokeWidth=0.3).encode(
            color=alt.condition("datum.cases > 0", alt.Color("cases:Q", scale=alt.Scale(scheme="oranges")),
                                alt.value("#e6e6e6")),
            tooltip=[alt.Tooltip("properties.name:N", title="country"), alt.Tooltip("cases:Q")],
        ).transform_lookup(lookup="properties.iso3", from_=alt.LookupData(alt.Data(values=counts), "iso3", ["cases"])
                           ).project("equalEarth").properties(height=320)
        st.altair_chart(world, width="stretch")

    table = [[cid, cases[cid].title, docs[cases[cid].doc_id]["title"], docs[cases[cid].doc_id]["source"],
              "; ".join(facets[cid].get("year", ())), "; ".join(facets[cid].get("country", ())),
              "; ".join(facets[cid].get("approach", ()))] for cid in case_ids if cid in cases]
    header = ["case_id", "title", "document", "source", "year", "countries", "approaches"]
    st.download_button(f"Download these {len(table)} cases (CSV)", table_csv(header, table),
                       file_name="cases.csv", mime="text/csv", key="analyst-csv")
