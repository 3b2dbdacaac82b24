"""Reliability: hostile input, SIGKILL during ingest, `kb check`, and many searches at once beside an ingest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.check import check_index, repair_index
from kb.config import Settings
from kb.indexdir import open_store
from kb.models import Filters
from kb.pipeline import Step, ingest
from kb.search import Searcher
from tests.conftest import ROOT, SEEDS
from tests.hostile import make_corpus

FAST = Settings(model="hash-64", crosslingual_model="")
ENV = {**os.environ, "KB_MODEL": "hash-64", "KB_CROSSLINGUAL_MODEL": "", "PYTHONUNBUFFERED": "1"}
QUERIES = [("poverty alleviation through tourism", Filters()), ("microcredit for women", Filters()),
           ("relocation of poor households", Filters(country=("CHN",))), ("digital payments", Filters()),
           ("youth unemployment", Filters(doc_type=("news",))), ("climate resilience farmers", Filters())]
# Peak resident memory allowed to `kb ingest` of the hostile corpus with the real model (measured: ~0.92 GB, and
# 1.34 GB in the same hour while an ingest still loaded torch; scripts/bench_hostile.py prints it).
MEMORY_BOUND_MB = 1500


def _kb(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env or ENV, timeout=600)


def _answers(index: Path) -> list[list[tuple[str, float]]]:
    searcher = Searcher(index, FAST)
    try:
        return [[(h.case_id, h.score) for h in searcher.search(q, 10, "hybrid", f).hits] for q, f in QUERIES]
    finally:
        searcher.close()


def test_hostile_corpus_indexes_every_good_file_and_names_every_bad_one(tmp_path):
    good, bad = make_corpus(tmp_path / "corpus")
    # The wrapper reports the peak memory of its only child, the ingest.
    wrapper = ("import resource, subprocess, sys; "
               "r = subprocess.run([sys.executable, '-m', 'kb.cli', 'ingest', sys.argv[1], '--index', sys.argv[2], "
               "'--json'], capture_output=True, text=True); "
               "print(r.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.stdout)")
    env = {k: v for k, v in ENV.items() if k not in ("KB_MODEL", "KB_CROSSLINGUAL_MODEL")}  # as users run it
    run = subprocess.run([sys.executable, "-c", wrapper, str(tmp_path / "corpus"), str(tmp_path / "index")],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    code, peak_kb, out = run.stdout.split("\n", 2)
    assert int(code) == 3, run.stderr
    report = json.loads(out)
    skipped = {s["source"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == bad
    assert all(reason for reason in skipped.values())
    assert set(report["added"]) == good
    store = open_store(tmp_path / "index")
    try:
        texts = {d["source"]: store.document(d["doc_id"]).text for d in store.documents()}
    finally:
        store.close()
    assert set(texts) == good
    assert "let homestay hosts save" in texts["good/huge script line.html"]
    assert "blob" not in texts["good/huge script line.html"] and "Sky bet" not in texts["good/huge script line.html"]
    assert texts["good/utf16 no bom.txt"].startswith("Savings groups in Ghana")
    assert texts["good/gb18030.txt"].startswith("贵州省的易地扶贫搬迁")
    assert skipped["bad/encrypted.pdf"] == "encrypted PDF (needs a password)"
    assert skipped["bad/thousands of empty pages.pdf"].startswith("PDF has no text layer (5000 pages")
    assert int(peak_kb) / 1024 < MEMORY_BOUND_MB


def test_files_that_disappear_or_change_during_the_ingest_are_named_and_the_rest_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    *_, changed, doomed = sorted((corpus / "seeds").iterdir())

    def progress(step: Step) -> None:
        if step.done == 0:  # after the scan hashed every file, before these two are read
            doomed.unlink()
            changed.write_text("Edited meanwhile\n\nA partner replaced this file during the ingest.\n")

    report = ingest(corpus, tmp_path / "index", FAST, progress)
    reasons = dict(report.skipped)
    assert set(reasons) == {f"seeds/{doomed.name}", f"seeds/{changed.name}"}
    assert reasons[f"seeds/{doomed.name}"] == "file disappeared during ingest"
    assert reasons[f"seeds/{changed.name}"] == "file changed while it was being read"
    assert report.documents == 3


@pytest.fixture(scope="module")
def versions(tmp_path_factory, shared) -> dict[str, Path]:
    """A corpus and its index before (v1) and after (v2) an edit, a removal and an addition."""
    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    blogs = sorted((shared / "undp-acclabs-blogs").glob("*"))[:15]
    (corpus / "blogs").mkdir()
    for path in blogs:
        shutil.copy(path, corpus / "blogs" / path.name)
    ingest(corpus, root / "v1", FAST)
    v1_corpus = root / "v1-corpus"
    shutil.copytree(corpus, v1_corpus)
    first, second = sorted((corpus / "blogs").iterdir())[:2]
    first.write_text(first.read_text(encoding="utf-8") + "\n\nA new paragraph on rural tourism cooperatives.\n")
    second.unlink()
    shutil.copy(SEEDS / sorted(os.listdir(SEEDS))[0], corpus / "blogs" / "added.txt")
    ingest(corpus, root / "v2", FAST)
    return {"root": root, "corpus": corpus, "v1-corpus": v1_corpus, "v1": root / "v1", "v2": root / "v2"}


def _kill_during(corpus: Path, index: Path, after: float) -> int:
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "ingest", str(corpus), "--index", str(index)],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    return proc.wait()


def _duration(corpus: Path, index: Path) -> float:
    started = time.monotonic()
    assert _kb("ingest", str(corpus), "--index", str(index)).returncode == 0
    return time.monotonic() - started


@pytest.mark.parametrize("kind", ["build", "update"])
def test_sigkill_at_many_points_leaves_the_previous_index_whole(versions, tmp_path, kind):
    corpus = versions["corpus"] if kind == "update" else versions["v1-corpus"]
    before = versions["v1"] if kind == "update" else None
    expected_before = _answers(before) if before else None
    expected_after = _answers(versions["v2"] if kind == "update" else versions["v1"])
    probe = tmp_path / "probe"
    if before:
        shutil.copytree(before, probe)
    total = _duration(corpus, probe)
    kills = 0
    # Eight kill points, and up to four earlier ones when a run finished before its kill (a shared machine
    # runs some ingests faster than the one timed): six kills must land while the ingest runs.
    for n, fraction in enumerate((0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.97, 0.1, 0.25, 0.4, 0.55)):
        if n >= 8 and kills >= 6:
            break
        index = tmp_path / f"index-{n}"
        if before:
            shutil.copytree(before, index)
        code = _kill_during(corpus, index, total * fraction)
        kills += code == -signal.SIGKILL
        if (index / "kb.sqlite").is_file():
            # Old or new, never a mix: the index opens, answers as one of the two, and its parts agree.
            assert _answers(index) in [a for a in (expected_before, expected_after) if a is not None]
            assert [f.problem for f in check_index(index) if "interrupted" not in f.problem
                    and "half-written" not in f.problem and "manifest" not in f.problem] == []
        else:
            assert before is None  # a first build killed before its commit leaves no index, not a broken one
        assert _kb("ingest", str(corpus), "--index", str(index)).returncode == 0
        assert check_index(index) == []
        assert _answers(index) == expected_after
    assert kills >= 6  # most kill points landed while the ingest was running


def test_check_finds_damage_and_repair_restores_the_same_answers(versions, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(versions["v2"], index)
    expected = _answers(index)
    store_file = index / "kb.sqlite"
    import sqlite3

    db = sqlite3.connect(store_file)
    db.execute("DELETE FROM vectors WHERE text_hash IN (SELECT text_hash FROM chunks LIMIT 5)")
    db.commit()
    db.close()
    (index / ".staging-dead").mkdir()
    found = [f.problem for f in check_index(index)]
    assert any("passages have no vector" in p for p in found) and any(".staging-dead" in p for p in found)
    result = _kb("check", "--index", str(index))
    assert result.returncode == 1 and "kb check --repair mends it" in result.stdout
    done = repair_index(index, FAST)
    assert any(a.startswith("embedded ") for a in done) and check_index(index) == []
    assert _answers(index) == expected
    for vectors in index.glob("vectors-*.faiss"):
        vectors.unlink()
    assert any("is missing" in f.problem for f in check_index(index))
    result = _kb("check", "--index", str(index), "--repair", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["ok"] is True
    assert _answers(index) == expected


def test_twenty_concurrent_searches_match_serial_while_an_ingest_runs(versions, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(versions["v1"], index)
    searcher = Searcher(index, FAST)
    serial = [[(h.case_id, h.score) for h in searcher.search(q, 10, "hybrid", f).hits] for q, f in QUERIES]
    jobs = [QUERIES[i % len(QUERIES)] for i in range(120)]
    errors: list[BaseException] = []

    def one(job: tuple[str, Filters]) -> list[tuple[str, float]]:
        try:
            return [(h.case_id, h.score) for h in searcher.search(job[0], 10, "hybrid", job[1]).hits]
        except BaseException as exc:  # noqa: BLE001 - collected and failed on below
            errors.append(exc)
            raise

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, jobs))
    assert not errors
    assert results == [serial[i % len(QUERIES)] for i in range(len(jobs))]

    # An update lands while twenty threads keep searching: no search fails, each answers from one index.
    expected_after = _answers(versions["v2"])
    updater = threading.Thread(target=ingest, args=(versions["corpus"], index, FAST))
    during: list[list[tuple[str, float]]] = []
    with ThreadPoolExecutor(max_workers=20) as pool:
        updater.start()
        while updater.is_alive():
            during += list(pool.map(one, jobs[:40]))
        updater.join()
    assert not errors
    allowed = {json.dumps(a) for a in serial + expected_after}
    assert all(json.dumps(r) in allowed for r in during)
    assert [one(q) for q in QUERIES] == expected_after  # picked up without reopening
    searcher.close()


def test_the_app_picks_up_a_new_index_without_a_restart(versions, tmp_path, monkeypatch):
    index = tmp_path / "index"
    shutil.copytree(versions["v1"], index)
    monkeypatch.setenv("KB_INDEX_DIR", str(index))
    monkeypatch.setenv("KB_MODEL", "hash-64")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["q"] = "rural tourism cooperatives"
    at.query_params["mode"] = "keyword"
    at.run()
    before = [m.value for m in at.markdown if m.value.startswith("**")]
    ingest(versions["corpus"], index, FAST)
    at.run()
    after = [m.value for m in at.markdown if m.value.startswith("**")]
    assert not at.exception and before != after
    assert any("**rural**" in m.value and "**tourism**" in m.value and "**cooperatives**" in m.value
               for m in at.markdown)
