"""Comparison of 2 to 4 cases side by side, with alike passages, differences and a table to export."""

from __future__ import annotations

import streamlit as st

from kb.compare import MAX_CASES, MIN_CASES, comparison_table
from kb.errors import KBError
from kb.export import md_escape, table_csv, table_markdown
from kb.figures import FIGURE_KINDS, by_sentence
from kb.titles import shorten
from views import common, labels


def render() -> None:
    """The comparison page."""
    common.flash()
    lib = common.library()
    titles = lib.case_titles()
    asked = common.state("cmp")
    chosen = [c for c in (asked if isinstance(asked, list) else []) if c in titles]
    st.session_state["cmp"] = chosen
    st.multiselect(f"Cases to compare ({MIN_CASES} to {MAX_CASES})", list(titles),
                   key=common.widget("cmp", chosen), on_change=common.copy_to_state("cmp"), max_selections=MAX_CASES,
                   format_func=lambda c: f"{shorten(titles[c][0], 70)} — {shorten(titles[c][1], 40)}")
    if len(chosen) < MIN_CASES:
        st.info(f"Pick {MIN_CASES} to {MAX_CASES} cases here, or press “Compare” on search results and cases.")
        return
    try:
        with st.spinner("Reading the cases…"):
            comparison = lib.compare(chosen)
    except KBError as exc:
        st.error(str(exc))
        return
    only = dict(comparison.only)
    for col, p in zip(st.columns(len(comparison.profiles)), comparison.profiles):
        with col:
            st.markdown(f"#### {md_escape(p.case.title)}")
            st.caption(f"{md_escape(p.document.title)} · {p.year or 'no date'} · {md_escape(p.document.source)}")
            st.markdown(" ".join(labels.flag(c) for c in p.countries) or "*no country tagged*")
            st.markdown(labels.chips(p.approaches, p.sdgs) or "*no approach tagged*")
            st.markdown("**Actors:** " + (md_escape("; ".join(p.actors)) or "none named"))
            for kind, label in FIGURE_KINDS.items():
                figures = [f for f in p.figures if f.kind == kind]
                if figures:
                    st.markdown(f"**{label.capitalize()}**")
                    for values, sentence in by_sentence(figures):
                        st.markdown(f"- **{md_escape(' · '.join(values))}**: {md_escape(sentence)}")
            st.markdown("**Only this case has:**")
            st.markdown("\n".join(f"- {md_escape(line)}" for line in only.get(p.case.case_id, ()))
                        or "*nothing the others lack*")
            st.button("Open case", key=f"cmp-open-{p.case.case_id}", on_click=common.go, args=("case",),
                      kwargs={"case": p.case.case_id, "passage": None})
    st.markdown("#### Passages most alike across the cases")
    case_title = {p.case.case_id: p.case.title for p in comparison.profiles}
    if not comparison.alike:
        st.caption("No passage of one case is close in meaning to a passage of another.")
    for pair in comparison.alike[:6]:
        with st.container(border=True):
            st.caption(f"similarity {pair.score:.2f}")
            left, right = st.columns(2)
            for column, case, text in ((left, pair.case_a, pair.text_a), (right, pair.case_b, pair.text_b)):
                column.markdown(f"**{md_escape(shorten(case_title[case], 80))}**\n\n{labels.highlight(text, [])}")
    header, rows = comparison_table(comparison)
    st.markdown("#### As a table")
    columns = ["", *(f"Case {n}: {shorten(h, 40)}" for n, h in enumerate(header[1:], 1))]
    st.dataframe([dict(zip(columns, row)) for row in rows],
                 hide_index=True, width="stretch")
    cols = st.columns(2)
    cols[0].download_button("Download the table (CSV)", table_csv(header, rows), file_name="comparison.csv",
                            mime="text/csv", key="cmp-csv")
    cols[1].download_button("Download the table (Markdown)", table_markdown(header, rows),
                            file_name="comparison.md", mime="text/markdown", key="cmp-md")
