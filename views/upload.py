"""Adding documents from the browser: limits stated, saved into the index's corpus, ingested with progress."""

from __future__ import annotations

import streamlit as st

from kb.config import load_settings
from kb.errors import KBError
from kb.export import md_escape
from kb.ingest import FORMATS
from kb.pipeline import Step
from kb.uploads import MAX_FILES, MAX_UPLOAD_MB, UPLOAD_FOLDER, add_files, corpus_of
from views import common


def render() -> None:
    """The upload page."""
    if not common.editable():
        st.info("This library is read-only here: documents cannot be added."
                + (" Give the passphrase in the sidebar to add some." if common.needs_passphrase() else ""))
        return
    try:
        corpus_of(common.index_dir())  # says why documents cannot be added before any is chosen
    except KBError as exc:
        st.warning(f"Documents cannot be added here: {exc}")
        return
    kinds = sorted({s.lstrip(".") for s in FORMATS})
    st.markdown(f"Add up to {MAX_FILES} files at a time, each at most {MAX_UPLOAD_MB} MB, of these types: "
                f"{', '.join(kinds)}. They are kept with the library's documents, in its `{UPLOAD_FOLDER}` folder, "
                "and the index is updated; searches keep working meanwhile.")
    files = st.file_uploader("Documents", type=kinds, accept_multiple_files=True, key="uploads")
    if not files or not st.button("Add to the library", key="ingest", type="primary"):
        return
    bar = st.progress(0.0, text="Reading…")

    def progress(step: Step) -> None:
        bar.progress(step.done_bytes / max(step.total_bytes, 1),
                     text=f"{step.done} of {step.total} files, {step.passages:,} passages: {step.stage} {step.source}")

    try:
        named = [(f.name, f.getvalue()) for f in files]
        result, report = add_files(common.index_dir(), named, load_settings(), progress)
    except KBError as exc:
        st.error(f"The index was not changed: {exc}")
        return
    bar.progress(1.0, text="Done")
    for name, reason in result.refused:
        st.error(f"{md_escape(name)}: {md_escape(reason)}")
    if report is None:
        return
    saved = set(result.saved)
    failed = [(src, why) for src, why in report.skipped if src in saved]
    for source, reason in failed:
        st.error(f"{md_escape(source)} could not be read: {md_escape(reason)}")
    done = [s for s in (*report.added, *report.updated) if s in saved]
    if done:
        st.success(f"Added {len(done)} file(s): " + ", ".join(md_escape(s) for s in done)
                   + f". The index now holds {report.documents} documents and {report.cases} cases.")

