"""The case view (a whole case with its tags, evidence, neighbours and more like this) and the library."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError, NotFoundError
from kb.export import md_escape
from kb.gazetteer import country_name
from kb.store import Store
from views import common


def render() -> None:
    """The case chosen from a result, the library, a comparison or a collection."""
    common.flash()
    case_id = st.session_state.get("case")
    if not case_id:
        st.info("No case is open. Search for one, or pick one in the Library.")
        return
    with common.store() as s:
        try:
            show_case(s, case_id)
        except NotFoundError:
            st.warning(f"Case {md_escape(case_id)} is not in this index: its document may have changed or been "
                       "removed since the link was made. Search for it again.")
            return
    _more_like_this(case_id)


def show_case(s: Store, case_id: str) -> None:
    """One case: heading path, document metadata, tags with evidence, passages and neighbouring cases."""
    case = s.case(case_id)
    doc = s.document(case.doc_id)
    st.markdown(f"## {md_escape(case.title)}")
    if len(case.heading_path) > 1:
        st.caption(" › ".join(md_escape(h) for h in case.heading_path))
    where = f" · page {case.page}" if case.page else ""
    st.caption(f"{md_escape(doc.title)} · {md_escape(doc.publisher or 'no publisher')} · "
               f"{doc.published or 'no date'}{where} · {doc.doc_type.replace('_', ' ')} · {doc.language} · "
               f"{md_escape(doc.source)}")
    common.case_actions(case_id, st.session_state.get("passage"), key="case", can_open=False)
    for key, value in case.fields:
        st.markdown(f"**{md_escape(key)}**: {md_escape(value)}")

    chunks = s.chunks(case_id=case_id)
    tags = [t for t in s.case_tags(doc.doc_id, case_id) if t.kind != "region"]
    st.markdown("#### Tags")
    if not tags:
        st.caption("No approach or country was found in this case.")
    for tag in tags:
        name = common.value_label("approach", tag.value) if tag.kind == "approach" else country_name(tag.value)
        role = f" · {tag.role}" if tag.role else ""
        with st.expander(f"{tag.kind}: {name} · confidence {tag.confidence:.2f}{role} · from {tag.source}"):
            if not tag.evidence:
                st.caption("Taken from the document's metadata or a table column; no passage to show.")
            for ev in tag.evidence:
                holder = next((c for _, c in chunks if c.start <= ev.start < c.end), None)
                if holder is None:
                    st.markdown("> " + md_escape(ev.text))
                    continue
                span = (ev.start - holder.start, min(ev.end, holder.end) - holder.start)
                page = f" (page {holder.page})" if holder.page else ""
                st.markdown(f"> {common.highlight(holder.text, [span])}".replace("  \n", "  \n> ") + page)

    st.markdown("#### Text")
    chosen = st.session_state.get("passage")
    for pid, chunk in chunks:
        page = f"page {chunk.page} · " if chunk.page else ""
        if chunk.language and chunk.language != doc.language:  # a passage in another language says so
            page += f"in {chunk.language} · "
        if pid == chosen:
            st.caption(f"{page}the passage that matched your search")
            st.success(common.highlight(chunk.text, []))
        else:
            if page:
                st.caption(page.rstrip(" ·"))
            st.markdown(common.highlight(chunk.text, []))

    siblings = s.cases(doc_id=doc.doc_id)
    i = next(n for n, c in enumerate(siblings) if c.case_id == case_id)
    cols = st.columns(2)
    if i > 0:
        prev = siblings[i - 1]
        cols[0].button(f"← {prev.title[:80]}", key="prev", on_click=common.go, args=("case",),
                       kwargs={"case": prev.case_id, "passage": None})
    if i + 1 < len(siblings):
        nxt = siblings[i + 1]
        cols[1].button(f"{nxt.title[:80]} →", key="next", on_click=common.go, args=("case",),
                       kwargs={"case": nxt.case_id, "passage": None})


def _more_like_this(case_id: str) -> None:
    st.markdown("#### More like this")
    try:
        result = common.searcher().more_like_this(case_id, k=5)
    except KBError as exc:
        st.caption(f"Not available: {md_escape(str(exc))}")
        return
    for hit in result.hits:
        cols = st.columns([5, 1])
        cols[0].markdown(f"**{md_escape(hit.title)}** · {md_escape(hit.document_title)} "
                         f"{' '.join(common.flag(c) for c in hit.countries)}")
        cols[1].button("Open", key=f"mlt-{hit.case_id}", on_click=common.go, args=("case",),
                       kwargs={"case": hit.case_id, "passage": None})


def render_library() -> None:
    """Every document of the index, and a case picker."""
    with common.store() as s:
        stats = s.stats()
        cols = st.columns(3)
        cols[0].metric("Documents", stats["documents"])
        cols[1].metric("Cases", stats["cases"])
        cols[2].metric("Passages", stats["passages"])
        docs = s.documents()
        st.dataframe([{k: d[k] for k in ("title", "doc_type", "language", "published", "publisher", "cases",
                                          "passages", "source")} for d in docs], width="stretch", hide_index=True)
        labels = {d["doc_id"]: f"{d['title'][:90]} ({d['source']})" for d in docs}
        doc_id = st.selectbox("Document", list(labels), format_func=labels.__getitem__, key="doc")
        if doc_id:
            cases = s.cases(doc_id=doc_id)
            case_labels = {c.case_id: f"{c.ordinal}. {c.title[:120]}" for c in cases}
            picked = st.selectbox(f"Case ({len(cases)})", list(case_labels), format_func=case_labels.__getitem__,
                                  key="lib_case")
            if picked:
                show_case(s, picked)
        skipped = s.skipped()
        if skipped:
            with st.expander(f"Skipped files ({len(skipped)})"):
                for source, reason in skipped:
                    st.markdown(f"- {md_escape(source)}: {md_escape(reason)}")
