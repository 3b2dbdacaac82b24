"""Streamlit app: search, read, compare, collect, analyse and add documents (widgets only; actions in kb/)."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from views import analyst, case, collections, common, compare, search, upload, watches

VIEWS = {
    "search": ("Search", search.render),
    "case": ("Case", case.render),
    "compare": ("Compare", compare.render),
    "collections": ("Collections", collections.render),
    "saved": ("Saved searches", watches.render),
    "analyst": ("Analyst", analyst.render),
    "library": ("Library", case.render_library),
    "upload": ("Add documents", upload.render),
}

st.set_page_config(page_title="Poverty reduction cases", layout="wide")
st.title("Poverty reduction case library")
common.load_url_state()
views = [v for v in VIEWS if v != "upload" or common.editable() or common.needs_passphrase()]
if common.state("view") not in views:
    st.session_state["view"] = "search"
    st.session_state.pop("w_view", None)
n_cmp = len(st.session_state.get("cmp") or [])
st.sidebar.radio("View", views, key=common.relabelled("view", common.state("view")),
                 on_change=lambda: common.go(st.session_state["w_view"]),
                 format_func=lambda v: VIEWS[v][0] + (f" ({n_cmp})" if v == "compare" and n_cmp else ""))
common.edit_lock()
common.scroll_to_top()

try:
    common.library().check()
except KBError as exc:
    st.warning(f"No index to show yet: {exc}")
    st.markdown("Build one from the corpus folder with `kb ingest corpus --index index` (or `make run`), "
                "then reload this page.")
    st.stop()

try:
    VIEWS[str(common.state("view"))][1]()
except KBError as exc:  # a changed or broken index: say what, keep the app up
    st.error(str(exc))
common.save_url_state()
