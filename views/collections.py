"""Trainers' collections: make one, order its cases, note them, and export a course pack."""

from __future__ import annotations

import re

import streamlit as st

from kb.collections import CollectionError
from kb.export import citation, course_pack_docx, course_pack_markdown, md_escape
from views import common


def render() -> None:
    """The collections page."""
    common.flash()
    coll = common.collections()
    with st.form("new-collection", clear_on_submit=True):
        name = st.text_input("New collection", key="new_name", placeholder="e.g. Module 3: finance for rural women")
        if st.form_submit_button("Create"):
            try:
                st.session_state["collection"] = coll.create(name)
            except CollectionError as exc:
                st.error(str(exc))
    names = coll.names()
    if not names:
        st.info("No collection yet. Create one here, or press “Add to collection” on any result or case.")
        return
    if st.session_state.get("collection") not in names:
        st.session_state["collection"] = next(iter(names))
    collection_id = st.selectbox("Collection", list(names), format_func=names.__getitem__, key="collection")
    collection = coll.get(collection_id)
    if not collection.items:
        st.info("This collection is empty. Press “Add to collection” on a search result or a case.")
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        with st.container(border=True):
            st.markdown(f"**{n}. {md_escape(e.title)}**")
            st.caption(md_escape(citation(e)))
            st.markdown(common.highlight(e.excerpt[:600] + ("…" if len(e.excerpt) > 600 else ""), []))
            note = st.text_area("Note", value=item.note, key=f"note-{collection_id}-{e.case_id}")
            cols = st.columns(5)
            if note != item.note:
                coll.set_note(collection_id, e.case_id, note)
                cols[4].caption("note saved")
            cols[0].button("↑", key=f"up-{e.case_id}", disabled=n == 1,
                           on_click=coll.move, args=(collection_id, e.case_id, -1))
            cols[1].button("↓", key=f"down-{e.case_id}", disabled=n == len(collection.items),
                           on_click=coll.move, args=(collection_id, e.case_id, 1))
            cols[2].button("Remove", key=f"rm-{e.case_id}", on_click=coll.remove, args=(collection_id, e.case_id))
            cols[3].button("Open case", key=f"coll-open-{e.case_id}", on_click=common.go, args=("case",),
                           kwargs={"case": e.case_id, "passage": None})
    if collection.items:
        stem = re.sub(r"[^\w-]+", "-", collection.name).strip("-").lower() or "course-pack"
        cols = st.columns(3)
        cols[0].download_button("Course pack (Markdown)", course_pack_markdown(collection),
                                file_name=f"{stem}.md", mime="text/markdown", key="pack-md")
        cols[1].download_button("Course pack (DOCX)", course_pack_docx(collection), file_name=f"{stem}.docx",
                                mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                key="pack-docx")
    with st.expander("Delete this collection"):
        st.button(f"Delete “{collection.name}” and its {len(collection.items)} items", key="delete-coll",
                  on_click=coll.delete, args=(collection_id,))
