"""Trainers' collections: make one, order its cases, note them, choose what each shows, make a course pack.

The pack is made in a step of its own: "Make the course pack" saves what is on the screen and shows the pack
as it will be exported, with its downloads. A download button's file is built when the page is drawn, so one
shown beside a note being typed would export the note as it was before.
"""

from __future__ import annotations

import re

import streamlit as st

from kb.collections import CONTENTS, Collection, CollectionError, Collections
from kb.export import citation, course_pack_docx, course_pack_html, course_pack_markdown, md_escape
from kb.titles import shorten, unnumbered
from views import common, labels


def render() -> None:
    """The collections page."""
    common.flash()
    coll = common.library().collections()
    can_edit = common.editable()
    if can_edit:
        _new_collection(coll)
    else:
        st.info("This library is read-only here: collections can be read and made into course packs, not changed."
                + (" Give the passphrase in the sidebar to edit them." if common.needs_passphrase() else ""))
    names = coll.names()
    if not names:
        st.info("No collection yet. Create one here, or press “Add to collection” on any result or case.")
        return
    if st.session_state.get("collection") not in names:
        st.session_state["collection"] = next(iter(names))
        st.session_state.pop("w_collection", None)
    collection_id = st.selectbox("Collection", list(names), format_func=names.__getitem__,
                                 key=common.widget("collection", st.session_state["collection"]),
                                 on_change=common.copy_to_state("collection"))
    collection = coll.get(int(collection_id))
    if not collection.items:
        st.info("This collection is empty. Press “Add to collection” on a search result or a case.")
    elif st.session_state.get("_pack") == collection.collection_id:
        _pack(collection)
        return
    for n in range(1, len(collection.items) + 1):
        _item(coll, collection, n, can_edit)
    if collection.items:
        st.button("Make the course pack", key="make-pack", type="primary", on_click=_make_pack,
                  args=(coll, collection.collection_id),
                  help="Saves the notes as they are on the screen, then shows the pack and its downloads.")
    if can_edit:
        with st.expander("Delete this collection"):
            st.button(f"Delete “{collection.name}” and its {labels.plural(len(collection.items), 'item')}",
                      key="delete-coll", on_click=coll.delete, args=(collection.collection_id,))


def _new_collection(coll: Collections) -> None:
    with st.form("new-collection", clear_on_submit=True):
        name = st.text_input("New collection", key="new_name", placeholder="e.g. Module 3: finance for rural women")
        if st.form_submit_button("Create"):
            try:
                st.session_state["collection"] = coll.create(name)
                st.session_state.pop("w_collection", None)
            except CollectionError as exc:
                st.error(str(exc))


def _item(coll: Collections, collection: Collection, n: int, can_edit: bool) -> None:
    item = collection.items[n - 1]
    e, cid = item.excerpt, collection.collection_id
    with st.container(border=True):
        st.markdown(f"**{n}. {md_escape(unnumbered(e.title))}**")
        st.caption(md_escape(citation(e)))
        text = item.text
        st.markdown(labels.highlight(shorten(text, 600), []))  # cut at a word ("The second component is t…")
        if e.figures:
            st.caption("Key figures: " + md_escape("; ".join(e.figures.splitlines()[:3])))
        if not can_edit:
            if item.note:
                st.markdown(f"*Note:* {md_escape(item.note)}")
            return
        st.text_area("Note", value=item.note, key=f"note-{cid}-{e.case_id}", on_change=_save_note,
                     args=(coll, cid, e.case_id))
        st.selectbox("The course pack shows", list(CONTENTS), index=list(CONTENTS).index(item.content),
                     format_func=CONTENTS.__getitem__, key=f"content-{cid}-{e.case_id}",
                     on_change=_save_content, args=(coll, cid, e.case_id))
        cols = st.columns(4)
        cols[0].button("↑", key=f"up-{e.case_id}", disabled=n == 1, on_click=coll.move, args=(cid, e.case_id, -1))
        cols[1].button("↓", key=f"down-{e.case_id}", disabled=n == len(collection.items),
                       on_click=coll.move, args=(cid, e.case_id, 1))
        cols[2].button("Remove", key=f"rm-{e.case_id}", on_click=coll.remove, args=(cid, e.case_id))
        cols[3].button("Open case", key=f"coll-open-{e.case_id}", on_click=common.go, args=("case",),
                       kwargs={"case": e.case_id, "passage": None})


def _save_note(coll: Collections, collection_id: int, case_id: str) -> None:
    try:
        coll.set_note(collection_id, case_id, st.session_state[f"note-{collection_id}-{case_id}"])
    except CollectionError as exc:
        st.session_state["flash"] = str(exc)


def _save_content(coll: Collections, collection_id: int, case_id: str) -> None:
    coll.set_content(collection_id, case_id, st.session_state[f"content-{collection_id}-{case_id}"])


def _make_pack(coll: Collections, collection_id: int) -> None:
    """Save every note as shown (a note's own save may not have run yet), then show the pack."""
    for item in coll.get(collection_id).items:
        typed = st.session_state.get(f"note-{collection_id}-{item.excerpt.case_id}")
        if typed is not None and typed != item.note:
            _save_note(coll, collection_id, item.excerpt.case_id)
    st.session_state["_pack"] = collection_id
    st.session_state["_scroll_top"] = True


def _pack(collection: Collection) -> None:
    """The course pack as it will be exported, with its downloads."""
    stem = re.sub(r"[^\w-]+", "-", collection.name).strip("-").lower() or "course-pack"
    st.success(f"The course pack of {labels.plural(len(collection.items), 'case')}, as each download holds it.")
    cols = st.columns(4)
    cols[0].download_button("Course pack (Markdown)", course_pack_markdown(collection), file_name=f"{stem}.md",
                            mime="text/markdown", key="pack-md")
    cols[1].download_button("Course pack (DOCX)", course_pack_docx(collection), file_name=f"{stem}.docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            key="pack-docx")
    cols[2].download_button("Handout to print (HTML)", course_pack_html(collection), file_name=f"{stem}.html",
                            mime="text/html", key="pack-html",
                            help="Open it in a browser and print it, or save it as PDF.")
    cols[3].button("Back to editing", key="edit-pack", on_click=lambda: st.session_state.pop("_pack", None))
    st.markdown(f"# {md_escape(collection.name)}")
    for n, item in enumerate(collection.items, start=1):
        e = item.excerpt
        with st.container(border=True):
            st.markdown(f"### {n}. {md_escape(unnumbered(e.title))}")
            if item.note.strip():
                st.markdown(f"*Note:* {md_escape(item.note.strip())}")
            st.markdown(labels.highlight(item.text, []))
            if e.figures:
                st.markdown("**Key figures**\n\n"
                            + "\n".join(f"- {md_escape(line)}" for line in e.figures.splitlines()))
            st.caption("Source: " + md_escape(citation(e)))
