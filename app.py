"""Streamlit app: browse the documents and cases of an index (widgets and rendering only)."""

from __future__ import annotations

import os
import re

import streamlit as st

from kb.errors import KBError
from kb.pipeline import open_store

INDEX_DIR = os.environ.get("KB_INDEX_DIR", "index")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Document text shown as text: Markdown and HTML characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


st.set_page_config(page_title="Poverty reduction cases", layout="wide")
st.title("Poverty reduction case library")

try:
    store = open_store(INDEX_DIR)
except KBError as exc:
    st.warning(f"No index to show yet: {exc}")
    st.markdown("Build one from the corpus folder with `kb ingest corpus --index index` (or `make run`).")
    st.stop()

try:
    stats = store.stats()
    docs = store.documents()
    cols = st.columns(3)
    cols[0].metric("Documents", stats["documents"])
    cols[1].metric("Cases", stats["cases"])
    cols[2].metric("Passages", stats["passages"])

    st.subheader("Documents")
    st.dataframe(
        [{k: d[k] for k in ("title", "doc_type", "language", "published", "publisher", "cases", "passages", "source")}
         for d in docs],
        width="stretch",
        hide_index=True,
    )

    labels = {d["doc_id"]: f"{d['title'][:90]} ({d['source']})" for d in docs}
    doc_id = st.selectbox("Document", list(labels), format_func=labels.__getitem__, key="doc")
    if doc_id:
        cases = store.cases(doc_id=doc_id)
        st.subheader(f"Cases ({len(cases)})")
        case_labels = {c.case_id: f"{c.ordinal}. {c.title[:120]}" for c in cases}
        case_id = st.selectbox("Case", list(case_labels), format_func=case_labels.__getitem__, key="case")
        if case_id:
            case = store.case(case_id)
            doc = store.document(case.doc_id)
            st.markdown(f"### {md_escape(case.title)}")
            if len(case.heading_path) > 1:
                st.caption(" › ".join(case.heading_path))
            where = f" · page {case.page}" if case.page else ""
            st.caption(f"{doc.source}{where} · {doc.doc_type} · {doc.language} · {doc.published or 'no date'}")
            for key, value in case.fields:
                st.markdown(f"**{md_escape(key)}**: {md_escape(value)}")
            tags = store.tags(doc.doc_id, case_id) or store.tags(doc.doc_id)
            for tag in tags:
                if tag.kind == "region":
                    continue
                role = f" · {tag.role}" if tag.role else ""
                with st.expander(f"{tag.kind}: {tag.value} · {tag.confidence:.2f}{role} · from {tag.source}"):
                    for ev in tag.evidence:
                        st.markdown("> " + md_escape(ev.text))
            for _pid, chunk in store.chunks(case_id=case_id):
                st.markdown(md_escape(chunk.text))
    skipped = store.skipped()
    if skipped:
        with st.expander(f"Skipped files ({len(skipped)})"):
            for source, reason in skipped:
                st.markdown(f"- {md_escape(source)}: {md_escape(reason)}")
finally:
    store.close()
