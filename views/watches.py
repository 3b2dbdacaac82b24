"""Saved searches: keep the search on screen, and see the cases added to each since it was last looked at."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from kb.errors import KBError
from kb.export import md_escape
from kb.models import FACET_FILTERS, Filters
from kb.watch import Watch
from views import common, labels

SHOWN_NEW = 20
_LISTED = (*FACET_FILTERS, "source")


def save_control(query: str, mode: str, filters: Filters) -> None:
    """"Save this search" beside the results' count, where this visitor may change the library."""
    if not common.editable():
        return
    with st.popover("Save this search"):
        st.text_input("Name", value=query[:80], key="watch-name", max_chars=120)
        st.caption("Saved searches list the cases added to the library later, under Saved searches.")
        st.button("Save", key="watch-save", on_click=_save, args=(query, mode, filters))


def _save(query: str, mode: str, filters: Filters) -> None:
    name = str(st.session_state.get("watch-name") or query)
    lib = common.library()
    try:
        run = lib.watches().add(lib.searcher, name, query, mode, filters)
    except KBError as exc:
        st.session_state["flash"] = str(exc)
        return
    st.session_state["flash"] = (f"Saved “{run.watch.name}”: {labels.plural(run.matches, 'case')} match it now. "
                                 "Cases added to the library later will be listed under Saved searches.")


def _open(watch: Watch) -> None:
    """Show a saved search on the search page (a button callback), its filters and all."""
    ss = st.session_state
    for key in (*common.VALUES, *common.LISTS, "years"):
        ss.pop(f"w_{key}", None)  # the widgets show the saved values anew
    f = watch.filters
    common.go("search", q=watch.query, mode=watch.mode, mentions="1" if f.mentions else "",
              year_from=str(f.year_from) if f.year_from else None, year_to=str(f.year_to) if f.year_to else None,
              **{facet: list(getattr(f, facet)) for facet in _LISTED})


def _mark_seen(name: str) -> None:
    common.library().watch_run(name, mark_seen=True)


def _describe(watch: Watch) -> str:
    f = watch.filters
    parts = [f"{labels.value_label(facet, v)}" for facet in _LISTED for v in getattr(f, facet)]
    if f.year_from or f.year_to:
        parts.append(f"{f.year_from or '…'}–{f.year_to or '…'}")
    if f.mentions:
        parts.append("countries mentioned count")
    return " · ".join(parts)


def _link(watch: Watch) -> str:
    base = str(getattr(st.context, "url", "") or "").split("?")[0].rstrip("/")
    return f"{base}/{watch.app_link()}"


def render() -> None:
    """The saved searches page: each search, what is new in it, and its link to share."""
    common.flash()
    lib = common.library()
    watches = lib.watches().all()
    if not watches:
        st.info("No saved searches yet. Search, then “Save this search” beside the number of matches, above the "
                "results: this page then "
                "lists the cases added to the library since you last looked.")
        return
    for watch in watches:
        run, titles = lib.watch_run(watch.name, mark_seen=False)
        seen = datetime.fromtimestamp(watch.seen_at, UTC).strftime("%d %b %Y %H:%M UTC")
        with st.container(border=True):
            described = _describe(watch)
            st.markdown(f"**{md_escape(watch.name)}** · “{md_escape(watch.query)}”"
                        + (f" · {md_escape(described)}" if described else ""))
            verb = "matches" if run.matches == 1 else "match"
            st.caption(f"{labels.plural(run.matches, 'case')} {verb} it now · last looked at {seen}")
            if run.new:
                st.markdown(f"**{labels.plural(len(run.new), 'new case')}** since then:")
                for case_id in run.new[:SHOWN_NEW]:
                    title, document = titles.get(case_id, (case_id, ""))
                    cols = st.columns([5, 1])
                    cols[0].markdown(f"{md_escape(title)}" + (f" · _{md_escape(document)}_" if document else ""))
                    cols[1].button("Open case", key=f"watch-open-{watch.name}-{case_id}", on_click=common.go,
                                   args=("case",), kwargs={"case": case_id, "passage": None})
                if len(run.new) > SHOWN_NEW:
                    st.caption(f"and {len(run.new) - SHOWN_NEW} more: run the search to see them all")
            else:
                st.caption("Nothing new since you last looked.")
            cols = st.columns([1, 1, 1, 3])
            cols[0].button("Run this search", key=f"watch-run-{watch.name}", on_click=_open, args=(watch,))
            if common.editable():
                cols[1].button("Mark as seen", key=f"watch-seen-{watch.name}", disabled=not run.new,
                               on_click=_mark_seen, args=(watch.name,))
                cols[2].button("Remove", key=f"watch-remove-{watch.name}",
                               on_click=lambda n=watch.name: lib.watches().remove(n))
            with st.expander("Link to share"):
                st.code(_link(watch), language=None)
