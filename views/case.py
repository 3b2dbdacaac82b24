"""The case view (a whole case with its tags, evidence, neighbours and more like this) and the library."""

from __future__ import annotations

import re

import streamlit as st

from kb.errors import KBError, NotFoundError
from kb.export import md_escape, url_of
from kb.gazetteer import country_name
from kb.language import language_name
from kb.library import CasePage
from kb.models import DATE_FROM, TAG_SOURCES, Chunk, Tag
from kb.titles import shorten
from views import common, labels

# A case of at most this many passages fits about a screen: its matched passage is marked where it stands.
_SHORT_CASE = 3


def render() -> None:
    """The case chosen from a result, the library, a comparison or a collection."""
    common.flash()
    case_id = str(common.state("case") or "")
    if not case_id:
        st.info("No case is open. Search for one, or pick one in the Library.")
        return
    try:
        page = common.library().case_page(case_id)
    except NotFoundError:
        st.warning(f"Case {md_escape(case_id)} is not in this index: its document may have changed or been "
                   "removed since the link was made. Search for it again.")
        return
    passage = common.state("passage")
    show_case(page, int(str(passage)) if str(passage or "").isdigit() else None)
    _more_like_this(case_id)


def field_value(value: str) -> str:
    """A record's cell as a reader writes it: "375000000.0" (a spreadsheet's float) as "375,000,000"."""
    if re.fullmatch(r"[1-9]\d{3,}(?:\.0+)?", value.strip()) and not re.fullmatch(r"(?:1[89]|20)\d\d", value.strip()):
        return f"{int(float(value)):,}"
    return value


def pages_label(pages: list[int | None]) -> str:
    """" · pages 335–412" for a case over several pages: its card gives the page of the passage it shows, which
    may be any of them (a card said "page 400" and the case page "page 335", its first)."""
    known = sorted({p for p in pages if p})
    if not known:
        return ""
    return f" · pages {known[0]}–{known[-1]}" if len(known) > 1 else f" · page {known[0]}"


def show_case(page: CasePage, chosen: int | None = None, actions: bool = True) -> None:
    """One case: heading path, document metadata, its tags with evidence, passages and neighbouring cases."""
    case, doc = page.case, page.document
    st.markdown(f"## {md_escape(case.title)}")
    if len(case.heading_path) > 1:
        st.caption(" › ".join(md_escape(h) for h in case.heading_path))
    where = pages_label([case.page, *(chunk.page for _, chunk in page.passages)])
    fields = dict(case.fields)
    # A record's number counts records, its row the table's rows (repeated rows are one record): both said.
    row = f" (row {fields['row']} of its table)" if "row" in fields else ""
    st.caption(f"{md_escape(doc.title)} · {md_escape(doc.publisher or 'no publisher')} · "
               f"{case.date(doc.published) or 'no date'}{where} · {labels.value_label('doc_type', doc.doc_type)} · "
               f"{language_name(doc.language)} · {md_escape(doc.source)} · "
               f"{'record' if doc.doc_type == 'record' else 'case'} {case.ordinal} of {page.cases_in_document}{row}")
    url = url_of(dict(doc.meta), fields)
    if url:
        st.caption(f"Source on the web: {md_escape(url)}")
    if page.also_published:
        st.caption(labels.also_published([(m["case_id"], m["title"], m["source"], m["publisher"] or "")
                                          for m in page.also_published], doc.source))
    if doc.provenance:
        with st.expander("Where these details come from"):
            st.markdown("\n".join(f"- {md_escape(field)}: {md_escape(rule.replace('_', ' '))}"
                                  for field, rule in doc.provenance))
    if actions:
        if common.editable():
            common.collection_picker("case")
        common.case_actions(case.case_id, chosen, key="case", can_open=False)
    _matched_first(page, chosen)
    for key, value in case.fields:
        if key in (DATE_FROM, "row") or key == "url" and url:
            continue  # said beside the date ("date: 2018-07-09 (Board Approval Date)"), the record's number, above
        source = f" ({fields[DATE_FROM]})" if key == "date" and DATE_FROM in fields else ""
        st.markdown(f"**{md_escape(key)}**: {md_escape(field_value(value) + source)}")
    _tags(page)
    st.markdown("#### Text")
    for pid, chunk in page.passages:
        label = f"page {chunk.page}" if chunk.page else ""
        if chunk.language and chunk.language != doc.language:  # a passage in another language says so
            label = " · ".join(x for x in (label, f"in {language_name(chunk.language)}") if x)
        if pid == chosen:
            st.caption(" · ".join(x for x in (label, "the passage that matched your search") if x))
            st.success(labels.highlight(chunk.text, []))
        else:
            if label:
                st.caption(label)
            st.markdown(labels.highlight(chunk.text, []))
    cols = st.columns(2)
    if page.previous:
        cols[0].button(f"← {shorten(page.previous.title, 80)}", key="prev", on_click=common.go, args=("case",),
                       kwargs={"case": page.previous.case_id, "passage": None})
    if page.next:
        cols[1].button(f"{shorten(page.next.title, 80)} →", key="next", on_click=common.go, args=("case",),
                       kwargs={"case": page.next.case_id, "passage": None})


def _matched_first(page: CasePage, chosen: int | None) -> None:
    """The passage that matched the search, at the top of a case longer than a few passages: a government work
    report is one case of some 15,000 characters, and its matching paragraph was a long scroll down."""
    ids = [pid for pid, _ in page.passages]
    if chosen not in ids or len(ids) <= _SHORT_CASE:
        return
    st.markdown("#### The passage that matched your search")
    n = ids.index(chosen)
    st.caption(f"Passage {n + 1} of {len(ids)}; the whole case is below, with this passage marked.")
    st.success(labels.highlight(page.passages[n][1].text, []))


def _tags(page: CasePage) -> None:
    """The case's own tags, as the result cards and the counts use them, each with its evidence."""
    tags = [t for t in page.tags if t.kind != "region"]
    groups = (("Approaches", [t for t in tags if t.kind == "approach"]),
              ("Sustainable Development Goals", [t for t in tags if t.kind == "sdg"]),
              ("Countries it is about", [t for t in tags if t.kind == "country" and t.role == "focus"]),
              ("Countries it names in passing (counted only when you ask for mentions)",
               [t for t in tags if t.kind == "country" and t.role != "focus"]))
    st.markdown("#### Tags")
    if not tags:
        st.caption("No approach or country was found in this case.")
    chunks = [c for _, c in page.passages]
    for heading, group in groups:
        if not group:
            continue
        st.markdown(f"**{heading}**")
        for tag in group:
            name = country_name(tag.value) if tag.kind == "country" else labels.value_label(tag.kind, tag.value)
            role = f" · {tag.role}" if tag.role and tag.role != "focus" else ""
            with st.expander(f"{name} · confidence {tag.confidence:.2f}{role} · {TAG_SOURCES[tag.source]}"):
                _evidence(tag, chunks)
    own = {(t.kind, t.value) for t in page.tags}
    rest = [t for t in page.document_tags if t.kind in ("approach", "country") and (t.kind, t.value) not in own
            and (t.kind == "approach" or t.role == "focus")]
    if rest and page.cases_in_document > 1:
        names = [labels.value_label("approach", t.value) if t.kind == "approach" else country_name(t.value)
                 for t in rest]
        st.caption("Its document as a whole is also about: " + md_escape(", ".join(names)))


def _evidence(tag: Tag, chunks: list[Chunk]) -> None:
    if not tag.evidence:
        st.caption("Taken from a title, the document's metadata or a table column; no passage to show.")
    for ev in tag.evidence:
        holder = next((c for c in chunks if c.start <= ev.start < c.end), None)
        if holder is None:
            st.markdown("> " + md_escape(ev.text))
            continue
        span = (ev.start - holder.start, min(ev.end, holder.end) - holder.start)
        page = f" (page {holder.page})" if holder.page else ""
        st.markdown(f"> {labels.highlight(holder.text, [span])}".replace("  \n", "  \n> ") + page)


def _more_like_this(case_id: str) -> None:
    st.markdown("#### More like this")
    try:
        result = common.library().searcher.more_like_this(case_id, k=5)
    except KBError as exc:
        st.caption(f"Not available: {md_escape(str(exc))}")
        return
    for hit in result.hits:
        cols = st.columns([5, 1])
        within = f" · {title}" if (title := labels.document_title(hit)) else ""  # as on the cards
        cols[0].markdown(f"**{md_escape(hit.title)}**{within} {' '.join(labels.flag(c) for c in hit.countries)}")
        cols[1].button("Open", key=f"mlt-{hit.case_id}", on_click=common.go, args=("case",),
                       kwargs={"case": hit.case_id, "passage": None})


def render_library() -> None:
    """Every document of the index, and a case picker."""
    lib = common.library()
    stats = lib.stats()
    cols = st.columns(3)
    cols[0].metric("Documents", f"{stats['documents']:,}")
    cols[1].metric("Cases", f"{stats['cases']:,}")
    cols[2].metric("Passages", f"{stats['passages']:,}")
    # The sidebar's filters keep the documents that hold a case they keep (walk: "?view=library&country=CHN" listed
    # every document).
    filters = common.current_filters()
    try:
        common.filter_sidebar(lib.option_counts(filters, [facet for facet, _ in common.FACETS]))
    except KBError as exc:
        common.filter_sidebar(None)
        st.error(str(exc))
        return
    docs = lib.documents(filters)
    kept = not filters.empty
    if kept:
        st.caption(f"{len(docs)} of {stats['documents']:,} documents hold a case these filters keep; "
                   "“Cases kept” counts them.")
    st.dataframe([{"Title": d["title"], "Type": labels.value_label("doc_type", d["doc_type"]),
                   "Language": language_name(d["language"]), "Published": d["published"] or "",
                   "Publisher": d["publisher"] or "", "Cases": d["cases"],
                   **({"Cases kept": d["kept"]} if kept else {}), "Passages": d["passages"],
                   "Source": d["source"]} for d in docs], width="stretch", hide_index=True)
    doc_labels = {d["doc_id"]: f"{shorten(d['title'], 90)} ({d['source']})" for d in docs}
    doc_id = st.selectbox("Document", list(doc_labels), format_func=doc_labels.__getitem__, key="doc")
    if doc_id:
        cases = lib.cases_of(doc_id, filters)  # under filters, the cases they keep
        case_labels = {c.case_id: f"{c.ordinal}. {shorten(c.title, 120)}" for c in cases}
        picked = st.selectbox(f"Case ({len(cases)}{' kept' if kept else ''})", list(case_labels),
                              format_func=case_labels.__getitem__, key="lib_case")
        if picked:
            st.button("Open this case", key="lib-open", on_click=common.go, args=("case",),
                      kwargs={"case": picked, "passage": None})
            show_case(lib.case_page(picked), actions=False)
    skipped = stats["skipped_files"]
    if skipped:
        with st.expander(f"Skipped files ({len(skipped)})"):
            for source, reason in skipped:
                st.markdown(f"- {md_escape(source)}: {md_escape(reason)}")
