"""What every view shares: the library, the session's state mirrored in the URL, filters and case actions (how
values read on a page is views/labels.py).

A search, its filters, the open case and the comparison are the session's state, kept apart from the widgets
that edit them: Streamlit drops a widget's value when its page is not drawn, and the state must outlive a
visit to another page. The state is written to the URL on every change (the browser keeps each as a history
entry) and read back whenever the URL is not the one last written, so Back and Forward, bookmarks and
shared links all show what they showed.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping

import streamlit as st

from kb.config import load_settings
from kb.export import md_escape
from kb.library import Library
from kb.models import Filters
from views import labels

PAGE = 10
FACETS = (("approach", "Approach"), ("sdg", "SDG"), ("country", "Country"), ("region", "Region"),
          ("doc_type", "Document type"), ("language", "Language"))
LISTS = ("approach", "sdg", "country", "region", "doc_type", "language", "source", "cmp")
VALUES = ("view", "q", "mode", "case", "passage", "year_from", "year_to", "mentions", "unit", "scope", "copies")
DEFAULTS: dict[str, object] = {"view": "search", "mode": "hybrid", "unit": "case", "mentions": ""}


def index_dir() -> str:
    """The index folder the app serves (KB_INDEX_DIR, default index/)."""
    return os.environ.get("KB_INDEX_DIR", "index")


@st.cache_resource(show_spinner=False)
def _library(path: str) -> Library:
    return Library(path, load_settings())


def library() -> Library:
    """The process's library: the model and index loaded once, shared by every session."""
    return _library(index_dir())


# -- who may change things ---------------------------------------------------------------------------
def _read_only() -> bool:
    return load_settings().read_only  # read afresh: an operator may lock the app without a restart


def _passphrase() -> str:
    return load_settings().edit_passphrase


def editable() -> bool:
    """True when this visitor may upload and edit collections.

    The read_only setting (KB_READ_ONLY=1) makes the app read-only for everyone; edit_passphrase
    (KB_EDIT_PASSPHRASE) makes it read-only until the visitor gives the passphrase in the sidebar.
    """
    if _read_only():
        return False
    secret = _passphrase()
    return not secret or bool(st.session_state.get("_unlocked"))


def needs_passphrase() -> bool:
    """True when editing is locked behind a passphrase this visitor has not given."""
    return bool(_passphrase()) and not _read_only() and not editable()


def edit_lock() -> None:
    """The sidebar's passphrase box, when editing needs one."""
    secret = _passphrase()
    if not secret or _read_only() or st.session_state.get("_unlocked"):
        return

    def unlock() -> None:
        given = st.session_state.get("w_passphrase", "")
        st.session_state["_unlocked"] = hmac.compare_digest(given.encode(), secret.encode())
        if not st.session_state["_unlocked"]:
            st.session_state["flash"] = "That passphrase does not unlock editing."

    st.sidebar.text_input("Passphrase to edit", type="password", key="w_passphrase", on_change=unlock,
                          help="Uploads and collection edits are open to those who have it.")


# -- state and URL ------------------------------------------------------------------------------------
def _option_label(facet: str, shown: Mapping[str, int]) -> Callable[[str], str]:
    """How a facet's option reads in its filter: its label and how many cases it holds."""
    return lambda value: f"{labels.value_label(facet, value)} · {shown.get(value, 0)}"


def state(key: str, default: object = None) -> object:
    """A value of the session's state."""
    return st.session_state.get(key, DEFAULTS.get(key, default))


def _wanted() -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key in VALUES:
        value = st.session_state.get(key)
        if value not in (None, "", DEFAULTS.get(key)):
            out[key] = str(value)
    for key in LISTS:
        if st.session_state.get(key):
            out[key] = [str(v) for v in st.session_state[key]]
    return out


def _from_url() -> dict[str, str | list[str]]:
    params = st.query_params
    out: dict[str, str | list[str]] = {k: [v for v in params.get_all(k) if v] for k in LISTS if k in params}
    out.update({k: params[k] for k in VALUES if params.get(k)})
    return out


def _history_navigation() -> bool:
    """True when this run comes from the browser's Back or Forward."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", False))


def load_url_state() -> None:
    """Take the state from the URL when it is not the one this session last wrote: the first visit, a shared
    link, or the browser's Back and Forward.

    A click on the page may reach the server with the URL from before the last change (the browser reports
    its address late now and then); that is no navigation, and the state stands.
    """
    found = _from_url()
    written = st.session_state.get("_written")
    if written == found or (written is not None and not _history_navigation()):
        return
    for key in (*VALUES, *LISTS):
        st.session_state.pop(key, None)
        st.session_state.pop(f"w_{key}", None)  # widgets show the state anew
    st.session_state.pop("w_years", None)
    st.session_state.update(found)
    st.session_state["_written"] = found


def save_url_state() -> None:
    """Write the state to the URL (a new history entry when it changed, or when the browser's report of its
    address was late)."""
    wanted = _wanted()
    if wanted != _from_url() or wanted != st.session_state.get("_written", wanted):
        st.query_params.from_dict(wanted)
    st.session_state["_written"] = wanted


def widget(key: str, value: object) -> str:
    """The key of the widget that edits a state value; seeded from the state when it has none."""
    name = f"w_{key}"
    if name not in st.session_state:
        st.session_state[name] = value
    return name


def relabelled(key: str, value: object) -> str:
    """The key of a widget whose option labels change from run to run (they carry counts), given its value
    afresh on every run.

    The browser holds a chosen option by its label and sends that label back on the next run; a label that
    has changed since (a count that moved) no longer names an option and would come back as the value itself.
    Set on every run, the widget's value is sent to the browser with this run's labels.
    """
    st.session_state[f"w_{key}"] = value
    return f"w_{key}"


def copy_to_state(key: str, transform: Callable[[object], object] = lambda v: v) -> Callable[[], None]:
    """A widget callback that copies the widget's value into the state."""
    def copy() -> None:
        st.session_state[key] = transform(st.session_state[f"w_{key}"])
    return copy


def go(view: str, **values: object) -> None:
    """Switch to a view (a button callback), setting state on the way; the page opens at its top."""
    st.session_state["view"] = view
    if st.session_state.get("w_view") != view:
        st.session_state.pop("w_view", None)  # a radio's own callback may not set its value
    st.session_state["_scroll_top"] = True
    for key, value in values.items():
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value


def scroll_to_top() -> None:
    """Open a page at its top, not where the previous page was scrolled to."""
    if st.session_state.pop("_scroll_top", False):
        import streamlit.components.v1 as components

        components.html("<script>const m = window.parent.document.querySelector('[data-testid=\"stMain\"]');"
                        "if (m) { m.scrollTo(0, 0); } window.parent.scrollTo(0, 0);</script>", height=0)


# -- filters ------------------------------------------------------------------------------------------
def current_filters() -> Filters:
    """The filters the session holds now."""
    ss = st.session_state
    year = lambda key: int(ss[key]) if str(ss.get(key) or "").isdigit() else None  # noqa: E731
    return Filters(**{facet: tuple(ss.get(facet) or ()) for facet, _ in FACETS}, source=tuple(ss.get("source") or ()),
                   year_from=year("year_from"), year_to=year("year_to"), mentions=bool(ss.get("mentions")))


def filter_sidebar(counts: dict[str, dict[str, int]] | None) -> None:
    """Sidebar filters; each value shows its count of matching cases (or, with no search, of all cases).

    A filtered facet's counts leave its own filter out, so its other values show what choosing them adds.
    """
    lib = library()
    ss = st.session_state
    st.sidebar.header("Filters")
    for source in ss.get("source") or []:
        st.sidebar.caption(f"Only the document {md_escape(source)}")
        st.sidebar.button("Show every document", key="all-documents", on_click=lambda: ss.update(source=[]))
    st.sidebar.toggle("Countries only mentioned count too", key=widget("mentions", bool(ss.get("mentions"))),
                      on_change=copy_to_state("mentions", lambda v: "1" if v else ""),
                      help="By default a case counts under the countries it is about, not those it names in passing.")
    for facet, label in FACETS:
        known = lib.facet_values(facet, bool(ss.get("mentions")))
        chosen = [v for v in ss.get(facet) or []]
        shown = counts.get(facet, {}) if counts is not None else known
        options = sorted(set(known) | set(chosen), key=lambda v: (-shown.get(v, 0), v))
        ss[facet] = [v for v in chosen if v in options]
        st.sidebar.multiselect(label, options, key=relabelled(facet, list(ss[facet])), on_change=copy_to_state(facet),
                               format_func=_option_label(facet, shown))
    years = sorted(int(y) for y in lib.facet_values("year") if y.isdigit())
    if years and years[0] < years[-1]:
        low = max(int(ss.get("year_from") or years[0]), years[0])
        high = min(int(ss.get("year_to") or years[-1]), years[-1])

        def set_years() -> None:
            picked = ss["w_years"]
            ss["year_from"] = str(picked[0]) if picked[0] > years[0] else None
            ss["year_to"] = str(picked[1]) if picked[1] < years[-1] else None

        st.sidebar.slider("Year", years[0], years[-1], key=widget("years", (low, high)), on_change=set_years)
    if not current_filters().empty:
        st.sidebar.button("Clear filters", key="clear-filters", on_click=clear_filters)


def clear_filters() -> None:
    """Drop every filter (a button callback)."""
    for facet, _ in FACETS:
        st.session_state[facet] = []
        st.session_state.pop(f"w_{facet}", None)
    st.session_state["year_from"] = st.session_state["year_to"] = None
    st.session_state["source"] = []
    st.session_state.pop("w_years", None)


# -- actions shared by cards and the case view ---------------------------------------------------
def toggle_compare(case_id: str) -> None:
    """Add a case to the comparison, or take it out (a button callback); at most four."""
    chosen = list(st.session_state.get("cmp") or [])
    if case_id in chosen:
        chosen.remove(case_id)
    elif len(chosen) < 4:
        chosen.append(case_id)
    else:
        st.session_state["flash"] = "A comparison holds four cases at most: take one out first."
    st.session_state["cmp"] = chosen
    st.session_state.pop("w_cmp", None)


NEW_COLLECTION = "＋ a new collection"


def collection_picker(key: str) -> None:
    """Which collection "Add to collection" adds to; remembers the last choice for the session."""
    names = library().collections().names()
    options = [*names, NEW_COLLECTION]
    current = st.session_state.get("collection")
    if current not in names:
        current = next(iter(names), NEW_COLLECTION)
    st.selectbox("Collect into", options, index=options.index(current), key=f"pick-{key}",
                 format_func=lambda c: names.get(c, c) if c != NEW_COLLECTION else "a new collection “My collection”",
                 on_change=lambda: st.session_state.update(collection=st.session_state[f"pick-{key}"]))


def add_to_collection(case_id: str, passage_id: int | None = None) -> None:
    """Add a case to the chosen collection (a first one is made when there is none)."""
    if not editable():
        st.session_state["flash"] = "This library is read-only here: collections cannot be changed."
        return
    coll = library().collections()
    names = coll.names()
    target = st.session_state.get("collection")
    if target not in names:
        target = next(iter(names), None) if target != NEW_COLLECTION else None
        if target is None:
            base, n = "My collection", 1
            while base in names.values():
                n += 1
                base = f"My collection {n}"
            target = coll.create(base)
        st.session_state["collection"] = target
    added = library().collect(int(target), case_id, passage_id)
    name = coll.names()[int(target)]
    st.session_state["flash"] = (f"Added to the collection “{name}”." if added
                                 else f"Already in the collection “{name}”.")


def case_actions(case_id: str, passage_id: int | None = None, key: str = "", can_open: bool = True) -> None:
    """The buttons under a result card or a case: open (unless it is open), compare, collect."""
    cols = iter(st.columns([1, 1, 1, 3]))  # the buttons shown sit side by side, with no gap for one left out
    if can_open:
        next(cols).button("Open case", key=f"open{key}-{case_id}", on_click=go, args=("case",),
                          kwargs={"case": case_id, "passage": str(passage_id) if passage_id else None})
    in_cmp = case_id in (st.session_state.get("cmp") or [])
    next(cols).button("Remove from comparison" if in_cmp else "Compare", key=f"cmp{key}-{case_id}",
                      on_click=toggle_compare, args=(case_id,))
    if editable():
        next(cols).button("Add to collection", key=f"col{key}-{case_id}", on_click=add_to_collection,
                          args=(case_id, passage_id))


def flash() -> None:
    """Show the message an action left for this run."""
    message = st.session_state.pop("flash", None)
    if message:
        st.toast(message)
        st.info(message)
