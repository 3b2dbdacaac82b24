"""Analyst view: cases (or documents) counted by approach and country, by year and on a world map.

Every chart says what it counts and what it leaves out, and downloads as CSV, PNG and SVG. The counts are
kb.analysis's, the same as `kb counts`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import altair as alt
import streamlit as st

from kb.analysis import UNITS, Counts
from kb.errors import KBError
from kb.export import table_csv
from kb.gazetteer import country_name
from kb.taxonomy import goal_number
from views import common, labels

TOP_COUNTRIES = 25


@lru_cache(maxsize=1)
def _world() -> list[dict]:
    # Natural Earth 1:110m countries (public domain), shipped in kb/data: the map needs no network.
    return json.loads(resources.files("kb.data").joinpath("world.geojson").read_text(encoding="utf-8"))["features"]


def render() -> None:
    """The analyst page."""
    lib = common.library()
    query = str(common.state("q") or "").strip()
    filters = common.current_filters()
    unit = str(common.state("unit"))
    st.radio("Count", UNITS, key=common.widget("unit", unit), on_change=common.copy_to_state("unit"),
             horizontal=True, format_func=lambda u: f"{u}s",
             help="By case, a long report counts once per case; by document, once whatever its length.")
    case_ids, search = None, None
    scope = "the cases the sidebar's filters keep"
    # The cases the search page says match well, not its page of results: a top 100 counted its weak cards (72
    # "cases" where the search said 53 matched), China first for "mobile money for rural women".
    if query and st.toggle(f"Only the cases that match the search “{query}” well",
                           key=common.widget("scope", common.state("scope") == "1"),
                           on_change=common.copy_to_state("scope", lambda v: "1" if v else "")):
        mode = str(common.state("mode"))
        search = lambda f: sorted(lib.searcher.search(query, 1, mode, f).matching)  # noqa: E731
        scope = f"the cases that match “{query}” well, within the filters"
    copies = st.toggle("Count every source's copy of a case published more than once",
                       key=common.widget("copies", common.state("copies") == "1"),
                       on_change=common.copy_to_state("copies", lambda v: "1" if v else ""),
                       help="By default a case published by several sources (the same text in several documents) "
                            "counts once.")
    try:
        case_ids = search(filters) if search else None
        counts = lib.counts(filters, case_ids, unit, copies)
        # The sidebar's numbers are this page's: what choosing each value would count (they had counted the whole
        # library whatever the filters: "China · 244" over a headline of 26).
        options = lib.option_counts(filters, [f for f, _ in common.FACETS], unit, copies, search, counts)
    except KBError as exc:
        common.filter_sidebar(None)  # its "Clear filters" is the way out of a filter the index does not know
        st.error(str(exc))
        return
    common.filter_sidebar(options)
    if not counts.total:
        st.warning(f"No case matches “{query}” well within these filters: turn the switch above off to count "
                   "every case the filters keep, or clear a filter in the sidebar." if search else
                   "No case matches these filters: clear one in the sidebar.")
        return
    noun = lambda n: labels.plural(n, unit)  # noqa: E731
    countries = ("the countries they are about and those they only mention" if filters.mentions
                 else "the countries they are about (not those they only mention: see the sidebar's switch)")
    left_out = labels.plural(counts.copies, "copy", "copies")
    republished = (f" A case that several sources published counts once: {left_out} left out (see the switch above)."
                   if counts.copies else "")
    unread = (f" Left out too: {labels.plural(counts.no_text, 'part')} of documents that hold no prose (reference "
              "lists, statistical tables)." if counts.no_text else "")
    st.markdown(f"**{noun(counts.total)}**: {scope}. Each counts under its own approaches and {countries}; "
                f"one with several counts under each.{republished}{unread}")
    _heatmap(counts, noun)
    _goals(counts, noun)
    left, right = st.columns(2)
    with left:
        _years(counts, noun)
    with right:
        _map(counts, noun)
    header = ["id", "title", "document", "source", "years", "countries", "approaches", "sdgs"]
    st.download_button(f"Download these {noun(counts.total)} (CSV)",
                       table_csv(header, [[r[h] for h in header] for r in counts.rows]),
                       file_name=f"{unit}s.csv", mime="text/csv", key="analyst-csv")


def _heatmap(counts: Counts, noun: Callable[[int], str]) -> None:
    st.markdown(f"#### {counts.unit.capitalize()}s by approach and country")
    top = list(counts.by_country)[:TOP_COUNTRIES]
    label = {c: f"{country_name(c)} ({c})" for c in top}
    approaches = {a: labels.value_label("approach", a) for a in counts.by_approach}
    rows = [{"approach": approaches[a], "country": label[c], counts.unit + "s": n}
            for (a, c), n in counts.by_approach_country.items() if c in label]
    if not rows:
        st.caption(f"No {counts.unit} here has both an approach and a country.")
        return
    field = counts.unit + "s"
    chart = alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        # Every column named: slanted labels never touch, though their boxes overlap (Vega would drop 3 in 4).
        x=alt.X("country:N", sort=[label[c] for c in top], title=None,
                axis=alt.Axis(labelAngle=-60, labelLimit=0, labelOverlap=False)),
        y=alt.Y("approach:N", sort=[approaches[a] for a in counts.by_approach], title=None,
                axis=alt.Axis(labelLimit=0)),
        # On a log scale: one cell of 107 (China x agriculture) had left every cell of 1 to 10 the same pale blue.
        color=alt.Color(f"{field}:Q", scale=alt.Scale(type="symlog", scheme="blues")),
        tooltip=["approach:N", "country:N", f"{field}:Q"])
    st.altair_chart(chart, width="stretch")
    left_out = [f"{noun(counts.no_approach)} without an approach" if counts.no_approach else "",
                f"{noun(counts.no_country)} without a country" if counts.no_country else "",
                f"{len(counts.by_country) - len(top)} more countries" if len(counts.by_country) > len(top) else ""]
    st.caption(f"Each cell counts the {counts.unit}s that carry both the approach and the country (colours on a "
               "log scale, so small counts stand apart); columns in order of count. Not shown: "
               + (", ".join(x for x in left_out if x) or "nothing") + ".")
    _downloads("heatmap", chart, ["approach", "country", field], rows)


def _goals(counts: Counts, noun: Callable[[int], str]) -> None:
    st.markdown(f"#### {counts.unit.capitalize()}s by Sustainable Development Goal")
    field = counts.unit + "s"
    goals = sorted(counts.by_sdg.items(), key=lambda item: goal_number(item[0]))
    rows: list[dict[str, str | int]] = [{"goal": labels.value_label("sdg", g), field: n} for g, n in goals]
    if not rows:
        st.caption(f"No {counts.unit} here carries a goal.")
        return
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(color="#3f7f4f").encode(
        y=alt.Y("goal:N", sort=[str(r["goal"]) for r in rows], title=None,
                axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        x=alt.X(f"{field}:Q"), tooltip=["goal:N", f"{field}:Q"]).properties(height=24 * len(rows))
    st.altair_chart(chart, width="stretch")
    without = counts.total - sum(1 for r in counts.rows if r["sdgs"])
    st.caption(f"A {counts.unit} counts under each goal its own text supports (or, for a record, that its table's "
               f"SDG column names). Without a goal: {noun(without)}.")
    _downloads("sdgs", chart, ["goal", field], rows)


def _years(counts: Counts, noun: Callable[[int], str]) -> None:
    st.markdown(f"#### {counts.unit.capitalize()}s by year")
    field = counts.unit + "s"
    rows = [{"year": int(y), field: n} for y, n in counts.by_year.items() if y.isdigit()]
    if not rows:
        st.caption(f"No {counts.unit} here has a date.")
        return
    # Years on a time scale, each bar a year wide: 1954 and 1958 stand apart, 2005 and 2010 too. A bar stands
    # over its year's tick: one from 2021 to 2022 read as 2022, or as both.
    bars = [{**row, "from": row["year"] - 0.5, "until": row["year"] + 0.5} for row in rows]
    first, last = min(r["year"] for r in rows) - 1, max(r["year"] for r in rows) + 1
    # Ticks on whole years only, a dozen at most (Vega put one at 2021.5 and labelled it "2022"), each labelled and
    # inside the scale's ends: in the app, one year alone with ticks on its ends showed "2021" and "2023" but not
    # its own (checked in Chromium).
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if (last - first) / s <= 12)
    ticks = list(range(-(-first // step) * step, last + 1, step))
    chart = alt.Chart(alt.Data(values=bars)).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("from:Q", title="year", axis=alt.Axis(format="d", values=ticks, labelOverlap=False, labelFlush=False),
                scale=alt.Scale(domain=[first - 0.5, last + 0.5], nice=False)),
        x2="until:Q", y=f"{field}:Q", y2=alt.datum(0), tooltip=["year:O", f"{field}:Q"])
    st.altair_chart(chart, width="stretch")
    st.caption(f"By the year of the record or, failing that, of its document. Undated and not shown: "
               f"{noun(counts.undated)}.")
    _downloads("years", chart, ["year", field], rows)


def _map(counts: Counts, noun: Callable[[int], str]) -> None:
    st.markdown(f"#### {counts.unit.capitalize()}s by country")
    field = counts.unit + "s"
    rows = [{"iso3": c, "country": country_name(c), field: n} for c, n in counts.by_country.items()]
    # Every country is drawn, those without a case grey: a filtered map keeps the world around its few.
    chart = alt.Chart(alt.Data(values=_world())).mark_geoshape(stroke="white", strokeWidth=0.3).encode(
        color=alt.condition(f"datum.{field} > 0", alt.Color(f"{field}:Q", scale=alt.Scale(scheme="oranges")),
                            alt.value("#e3e3e3")),
        tooltip=[alt.Tooltip("properties.name:N", title="country"), alt.Tooltip(f"{field}:Q")],
    ).transform_lookup(lookup="properties.iso3", from_=alt.LookupData(alt.Data(values=rows), "iso3", [field]),
                       default="0").project("equalEarth").properties(height=320)
    st.altair_chart(chart, width="stretch")
    st.caption(f"Grey: no {counts.unit} here. Not on the map: {noun(counts.no_country)} without a country"
               + (", and any about places too small for a 1:110m map." if counts.no_country else "."))
    _downloads("map", chart, ["iso3", "country", field], rows)


def _downloads(name: str, chart: alt.Chart, header: list[str], rows: list[dict]) -> None:
    """CSV of the chart's numbers, and the chart as PNG and SVG (drawn only when asked for)."""
    spec = chart.to_json()
    cols = st.columns(3)
    cols[0].download_button("CSV", table_csv(header, [[r[h] for h in header] for r in rows]),
                            file_name=f"{name}.csv", mime="text/csv", key=f"{name}-csv")
    cols[1].download_button("PNG", lambda: _render(spec, "png"), file_name=f"{name}.png", mime="image/png",
                            key=f"{name}-png", on_click="ignore")
    cols[2].download_button("SVG", lambda: _render(spec, "svg"), file_name=f"{name}.svg", mime="image/svg+xml",
                            key=f"{name}-svg", on_click="ignore")


@st.cache_data(show_spinner=False, max_entries=32)
def _render(spec: str, kind: str) -> bytes:
    import vl_convert

    if kind == "png":
        return bytes(vl_convert.vegalite_to_png(spec, scale=2))
    return vl_convert.vegalite_to_svg(spec).encode()
