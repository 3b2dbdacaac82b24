"""The HTTP API of `kb serve`: the CLI's JSON contract over one index, with the models loaded once.

Reads only, unless the settings allow writes (serve_writes): then collections can be created and filled.
Every error the knowledge base raises on purpose becomes a 4xx answer whose "detail" names the value at fault.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from kb.analysis import UNITS
from kb.collections import MAX_NAME, MAX_NOTE, CollectionError
from kb.config import Settings, load_settings
from kb.contract import (
    approaches_json,
    case_json,
    collection_json,
    collections_json,
    comparison_json,
    counts_json,
    result_json,
    stats_json,
    watch_json,
    watch_run_json,
)
from kb.errors import IndexBusyError, IndexMissingError, IndexVersionError, KBError, NotFoundError
from kb.export import course_pack_docx, course_pack_html, course_pack_markdown
from kb.library import Library
from kb.models import Filters
from kb.query import MAX_K, MAX_QUERY_CHARS
from kb.taxonomy import goal_id, load_goals, load_taxonomy

# Facets /facets lists, each value with its number of cases (what the filters of /search accept).
FACETS = ("approach", "sdg", "country", "country_mention", "region", "doc_type", "language", "year")
EXPORTS = {"md": ("text/markdown; charset=utf-8", "md"), "html": ("text/html; charset=utf-8", "html"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")}

Many = Annotated[list[str] | None, Query(max_length=50)]


class NewCollection(BaseModel):
    """The body of POST /collections."""

    name: str = Field(min_length=1, max_length=MAX_NAME)


class NewItem(BaseModel):
    """The body of POST /collections/{name}/items: a case, the passage that brought it, and a note."""

    case_id: str = Field(min_length=1, max_length=200)
    passage_id: int | None = None
    note: str = Field(default="", max_length=MAX_NOTE)


def _filters(approach: Many = None, sdg: Many = None, country: Many = None, region: Many = None, type: Many = None,
             language: Many = None, source: Many = None, year_from: int | None = None, year_to: int | None = None,
             mentions: bool = False) -> Filters:
    """The filters of /search, /cases/{id}/similar and /counts, read from the query string once."""
    return Filters(approach=tuple(approach or ()), sdg=tuple(goal_id(g) for g in sdg or ()),
                   country=tuple(c.upper() for c in country or ()),
                   region=tuple(region or ()), doc_type=tuple(type or ()), language=tuple(language or ()),
                   source=tuple(source or ()), year_from=year_from, year_to=year_to, mentions=mentions)


Chosen = Annotated[Filters, Depends(_filters)]


def _status(exc: KBError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, CollectionError):
        return 409 if "exists already" in str(exc) else 400
    if isinstance(exc, (IndexMissingError, IndexVersionError, IndexBusyError)):
        return 503
    return 400


# How `kb serve --workers N` tells each worker process its index and kb.toml (not KB_*: those name settings).
SERVE_INDEX, SERVE_CONFIG = "KBSERVE_INDEX", "KBSERVE_CONFIG"


def app_from_environment() -> FastAPI:
    """The app of one `kb serve --workers` process, over the index and kb.toml its parent named."""
    return create_app(os.environ[SERVE_INDEX], load_settings(os.environ.get(SERVE_CONFIG) or None))


def create_app(index_dir: str | Path, settings: Settings | None = None) -> FastAPI:
    """The API over one index folder; the Searcher (and its models) is opened when the server starts."""
    settings = settings or Settings()
    library = Library(index_dir, settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        library.check()
        library.searcher.embedder  # noqa: B018 -- load the model now, not on the first request
        yield

    app = FastAPI(title="Poverty-reduction case knowledge base", version="1", lifespan=lifespan,
                  description="Search, read, compare and count cases; the same JSON as `kb ... --json`.")

    @app.exception_handler(KBError)
    async def kb_error(_: Request, exc: KBError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_status(exc))

    def writable() -> None:
        if not settings.serve_writes:
            raise _Forbidden("this server is read-only; start it with serve_writes = true in kb.toml "
                             "(or KB_SERVE_WRITES=1) to change collections")

    @app.exception_handler(_Forbidden)
    async def forbidden(_: Request, exc: _Forbidden) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.get("/search", summary="The cases that best answer a query (kb search --json)")
    def search(q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
               filters: Chosen, k: Annotated[int, Query(ge=1, le=MAX_K)] = 10, mode: str = "hybrid",
               facets: bool = False) -> Any:
        return result_json(library.searcher.search(q, k=k, mode=mode, filters=filters), facets)

    @app.get("/cases/{case_id}/similar", summary="Cases like this one (kb similar --json)")
    def similar(case_id: str, filters: Chosen, k: Annotated[int, Query(ge=1, le=MAX_K)] = 10) -> Any:
        return result_json(library.searcher.more_like_this(case_id, k=k, filters=filters), False)

    @app.get("/cases/{case_id}", summary="One case with its text, tags and passages (kb show --json)")
    def case(case_id: str) -> Any:
        return case_json(library.case_page(case_id))

    @app.get("/compare", summary="2 to 4 cases side by side (kb compare --json)")
    def compare(case: Annotated[list[str], Query(min_length=2, max_length=4)]) -> Any:
        return comparison_json(library.compare(case))

    @app.get("/counts", summary="Cases or documents by approach, focus country and year (kb counts --json)")
    def counts(filters: Chosen, by: str = "case", copies: bool = False) -> Any:
        if by not in UNITS:
            raise KBError(f"by {by!r}: use one of {', '.join(UNITS)}")
        return counts_json(library.counts(filters, unit=by, copies=copies))

    @app.get("/facets", summary="Every value of each facet with its number of cases")
    def facets() -> Any:
        return {facet: library.facet_values(facet) for facet in FACETS}

    @app.get("/stats", summary="Counts of documents, cases and passages (kb stats --json)")
    def stats() -> Any:
        with library.store() as store:
            return stats_json(store)

    @app.get("/documents", summary="Every document with its counts; with filters, those holding a case they keep "
                                    "(kb docs --json)")
    def documents(filters: Chosen) -> Any:
        return library.documents(filters)

    @app.get("/approaches", summary="The approach ids the filters take (kb approaches --json)")
    def approaches() -> Any:
        return approaches_json(load_taxonomy(settings.taxonomy))

    @app.get("/sdgs", summary="The Sustainable Development Goals the sdg filter takes (kb sdgs --json)")
    def sdgs() -> Any:
        return approaches_json(load_goals())

    @app.get("/collections", summary="The trainers' collections (kb collections --json)")
    def collections() -> Any:
        return collections_json(library.collections())

    @app.get("/collections/{name}", summary="One collection, by name or id, with its items")
    def collection(name: str) -> Any:
        coll = library.collections()
        return collection_json(coll.get(coll.find(name)))

    @app.get("/collections/{name}/export", summary="A collection as a course pack (kb export)")
    def export(name: str, format: str = "md") -> Response:
        if format not in EXPORTS:
            raise KBError(f"format {format!r}: use one of {', '.join(EXPORTS)}")
        coll = library.collections()
        pack = coll.get(coll.find(name))
        body = {"md": course_pack_markdown, "html": course_pack_html, "docx": course_pack_docx}[format](pack)
        media, suffix = EXPORTS[format]
        filename = f"collection-{pack.collection_id}.{suffix}"
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.get("/watches", summary="The saved searches (kb watch list --json)")
    def watches() -> Any:
        return [watch_json(w) for w in library.watches().all()]

    @app.get("/watches/{name}/new", summary="The cases a saved search has not seen (kb watch run NAME --peek)")
    def watch_new(name: str) -> Any:
        return watch_run_json(*library.watch_run(name, mark_seen=False))

    @app.post("/collections", status_code=201, summary="Create a collection (needs serve_writes)")
    def create_collection(body: NewCollection) -> Any:
        writable()
        coll = library.collections()
        return collection_json(coll.get(coll.create(body.name)))

    @app.post("/collections/{name}/items", summary="Add a case to a collection (needs serve_writes)")
    def add_item(name: str, body: NewItem) -> Any:
        writable()
        cid = library.collections().find(name)
        added = library.collect(cid, body.case_id, body.passage_id)
        if body.note and added:
            library.collections().set_note(cid, body.case_id, body.note)
        return {**collection_json(library.collections().get(cid)), "added": added}

    @app.delete("/collections/{name}/items/{case_id}", summary="Take a case out of a collection (needs serve_writes)")
    def remove_item(name: str, case_id: str) -> Any:
        writable()
        coll = library.collections()
        cid = coll.find(name)
        coll.remove(cid, case_id)
        return collection_json(coll.get(cid))

    return app


class _Forbidden(Exception):
    """A write asked of a read-only server."""
