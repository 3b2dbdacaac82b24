"""`kb serve`: a real HTTP server on localhost answers every endpoint in the CLI's JSON, and says no clearly."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.cli import main

QUERIES = ("relocation of poor households", "microcredit for women", "e-commerce in villages")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `kb serve` process and a small client for it."""

    def __init__(self, index: Path, writes: bool, workers: int = 1) -> None:
        self.port = _free_port()
        env = {**os.environ, "KB_SERVE_WRITES": "1" if writes else "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--index", str(index), "--port", str(self.port),
             "--workers", str(workers)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read() if self.process.stdout else ""
            try:
                if self.call("GET", "/openapi.json")[0] == 200:
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("kb serve did not answer within 240 s")

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any, dict[str, str]]:
        """Status, decoded body (JSON when it is JSON) and headers of one request."""
        query = urllib.parse.urlencode(params, doseq=True)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{urllib.parse.quote(path)}" + (f"?{query}" if query else ""), method=method,
            data=None if body is None else json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, raw, headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, headers = error.code, error.read(), dict(error.headers)
        if headers.get("content-type", "").startswith("application/json"):
            return status, json.loads(raw), headers
        return status, raw, headers

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def index(seed_index: Path, tmp_path_factory) -> Path:
    """A copy of the seed index, so collections written here stay here."""
    copy = tmp_path_factory.mktemp("api") / "index"
    shutil.copytree(seed_index, copy)
    assert main(["watch", "add", "China", QUERIES[0], "--country", "CHN", "--index", str(copy)]) == 0
    return copy


@pytest.fixture(scope="module")
def server(index: Path) -> Iterator[Server]:
    s = Server(index, writes=True)
    assert s.call("POST", "/collections", {"name": "Fixed"})[0] == 201
    yield s
    s.stop()


def cli_json(capsys, *args: str) -> Any:
    """What `kb ARGS --json` prints, parsed."""
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_read_endpoint_answers_what_the_cli_prints(server: Server, index: Path, capsys) -> None:
    at = ("--index", str(index))
    for query in QUERIES:
        status, hits, _ = server.call("GET", "/search", q=query, k=5)
        assert status == 200 and hits == cli_json(capsys, "search", query, "-k", "5", *at)
    status, faceted, _ = server.call("GET", "/search", q=QUERIES[0], country=["chn"], facets="true")
    assert status == 200 and faceted == cli_json(capsys, "search", QUERIES[0], "--country", "chn", "--facets", *at)
    assert faceted["matches"] >= 1 and all("CHN" in h["countries"] for h in faceted["hits"])

    first, second = faceted["hits"][0]["case_id"], cli_json(capsys, "search", QUERIES[1], *at)[0]["case_id"]
    assert server.call("GET", f"/cases/{first}")[1] == cli_json(capsys, "show", first, *at)
    assert server.call("GET", f"/cases/{first}/similar", k=3)[1] == cli_json(capsys, "similar", first, "-k", "3", *at)
    assert server.call("GET", "/compare", case=[first, second])[1] == cli_json(capsys, "compare", first, second, *at)
    assert server.call("GET", "/counts", by="document")[1] == cli_json(capsys, "counts", "--by", "document", *at)
    assert server.call("GET", "/stats")[1] == cli_json(capsys, "stats", *at)
    assert server.call("GET", "/documents")[1] == cli_json(capsys, "docs", *at)
    assert server.call("GET", "/documents", type=["news"])[1] == cli_json(capsys, "docs", "--type", "news", *at)
    assert server.call("GET", "/approaches")[1] == cli_json(capsys, "approaches")
    assert server.call("GET", "/sdgs")[1] == cli_json(capsys, "sdgs")
    status, goal, _ = server.call("GET", "/search", q=QUERIES[0], sdg=["SDG 1"], k=5)
    assert status == 200 and goal == cli_json(capsys, "search", QUERIES[0], "--sdg", "1", "-k", "5", *at)
    assert goal and all("sdg1" in h["sdgs"] for h in goal)
    assert server.call("GET", "/counts", copies="true")[1] == cli_json(capsys, "counts", "--copies", *at)
    assert server.call("GET", "/watches")[1] == cli_json(capsys, "watch", "list", *at)
    assert [server.call("GET", "/watches/China/new")[1]] == cli_json(capsys, "watch", "run", "China", "--peek", *at)
    facets = server.call("GET", "/facets")[1]
    assert facets["country"]["CHN"] >= 1 and set(facets) >= {"approach", "sdg", "country", "region", "year"}
    status, page, _ = server.call("GET", "/docs")
    assert status == 200 and b"swagger" in page.lower()


def test_collections_are_written_only_where_allowed_and_export_like_the_cli(server: Server, index: Path,
                                                                            capsys) -> None:
    hit = server.call("GET", "/search", q=QUERIES[0], k=1)[1][0]
    status, created, _ = server.call("POST", "/collections", {"name": "Resettlement course"})
    assert status == 201 and created["items"] == []
    status, filled, _ = server.call("POST", "/collections/Resettlement course/items",
                                    {"case_id": hit["case_id"], "passage_id": hit["passage_id"], "note": "week 1"})
    assert status == 200 and filled["added"] and filled["items"][0]["note"] == "week 1"
    assert filled["items"][0]["text"] == hit["text"]
    assert server.call("GET", "/collections")[1] == cli_json(capsys, "collections", "--index", str(index))
    status, pack, headers = server.call("GET", "/collections/Resettlement course/export", format="md")
    assert main(["export", "Resettlement course", "--index", str(index)]) == 0
    assert status == 200 and pack.decode() == capsys.readouterr().out
    assert headers["content-type"].startswith("text/markdown")
    status, docx, _ = server.call("GET", f"/collections/{created['id']}/export", format="docx")
    assert status == 200 and docx[:2] == b"PK"
    assert server.call("DELETE", f"/collections/{created['id']}/items/{hit['case_id']}")[1]["items"] == []

    # The same index served read-only: reads answer, writes are refused naming the setting, nothing changes.
    readonly = Server(index, writes=False)
    try:
        assert server.call("GET", "/collections")[1] == readonly.call("GET", "/collections")[1]
        status, refused, _ = readonly.call("POST", "/collections", {"name": "Other"})
        assert status == 403 and "serve_writes" in refused["detail"]
        status, refused, _ = readonly.call("POST", "/collections/Resettlement course/items", {"case_id": "x"})
        assert status == 403
        assert [c["name"] for c in readonly.call("GET", "/collections")[1]] == ["Fixed", "Resettlement course"]
    finally:
        readonly.stop()


@pytest.mark.parametrize(("method", "path", "params", "body", "status", "names"), [
    ("GET", "/search", {"q": ""}, None, 422, "q"),
    ("GET", "/search", {"q": "x" * 1001}, None, 422, "q"),
    ("GET", "/search", {"q": "cash", "k": 101}, None, 422, "k"),
    ("GET", "/search", {"q": "cash", "mode": "fuzzy"}, None, 400, "'fuzzy'"),
    ("GET", "/search", {"q": "cash", "country": "ZZZ"}, None, 400, "'ZZZ'"),
    ("GET", "/search", {"q": "cash", "approach": "microfinance"}, None, 400, "'microfinance'"),
    ("GET", "/search", {"q": "cash", "sdg": "18"}, None, 400, "'18'"),
    ("GET", "/cases/nope", {}, None, 404, "'nope'"),
    ("GET", "/cases/nope/similar", {}, None, 404, "'nope'"),
    ("GET", "/compare", {"case": "one"}, None, 422, "case"),
    ("GET", "/counts", {"by": "doc"}, None, 400, "'doc'"),
    ("GET", "/collections/missing", {}, None, 404, "'missing'"),
    ("GET", "/watches/missing/new", {}, None, 404, "'missing'"),
    ("GET", "/collections/missing/export", {"format": "pdf"}, None, 400, "'pdf'"),
    ("POST", "/collections", {}, {"name": ""}, 422, "name"),
    ("POST", "/collections", {}, {"name": "Fixed"}, 409, "exists already"),
    ("POST", "/collections/Fixed/items", {}, {"case_id": "nope"}, 404, "'nope'"),
])
def test_bad_requests_get_a_4xx_that_names_the_value(server: Server, method: str, path: str,
                                                     params: dict[str, Any], body: Any, status: int,
                                                     names: str) -> None:
    got, answer, _ = server.call(method, path, body, **params)
    assert got == status, answer
    assert names in json.dumps(answer["detail"], ensure_ascii=False)


def _children(pid: int) -> list[int]:
    """The processes whose parent is pid (read from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_two_worker_processes_answer_as_one_does(server: Server, index: Path) -> None:
    # Threads of one process share the interpreter's lock, which a search's Python half holds; `--workers 2` runs
    # two processes, each with its own models, so two cores search at once (scripts/bench_api.py).
    pair = Server(index, writes=False, workers=2)
    try:
        # uvicorn starts its workers through multiprocessing's spawn (its resource tracker is no worker).
        workers = [p for p in _children(pair.process.pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 2, workers
        for query in QUERIES:
            one, two = server.call("GET", "/search", q=query), pair.call("GET", "/search", q=query)
            assert one[0] == two[0] == 200
            assert [h["case_id"] for h in two[1]] == [h["case_id"] for h in one[1]] and two[1]
        # Writes stay off on a read-only server, whichever worker answers.
        assert all(pair.call("POST", "/collections", {"name": f"X{n}"})[0] == 403 for n in range(4))
    finally:
        pair.stop()
