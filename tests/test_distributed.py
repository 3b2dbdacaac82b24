"""The Ray engine: a real local Ray instance with two workers builds the same index as the single-process path."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kb.config import Settings
from kb.distributed import RayEngine
from kb.errors import ConfigError
from kb.pipeline import IngestReport, Step, ingest
from tests.conftest import HASH_ONLY, SEEDS

# Two English posts and a Chinese paper (the multilingual space) from the shared corpus, beside the seeds.
SHARED_PART = ("undp-acclabs-blogs/7_things_we_learned_about_frugal_entrepreneurship.md",
               "undp-acclabs-blogs/accelerating_poverty_reduction.md",
               "chinaxiv-poverty-zh/ChinaXiv-201710.00032V1.md")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared: Path) -> Path:
    root = tmp_path_factory.mktemp("ray") / "corpus"
    shutil.copytree(SEEDS, root / "seeds")
    for part in SHARED_PART:
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared / part, root / part)
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    return root


def _content(index: Path) -> tuple[dict[str, list], dict[tuple[str, str], np.ndarray]]:
    """Every stored row that holds content (no row ids), and every vector by space and passage-text hash."""
    db = sqlite3.connect(f"file:{index / 'kb.sqlite'}?mode=ro", uri=True)
    try:
        rows = {
            "documents": "SELECT doc_id, source, title, format, doc_type, language, published, publisher, "
                         "content_hash, text, meta FROM documents",
            "cases": "SELECT case_id, doc_id, ordinal, title, heading_path, start, end, page, fields FROM cases",
            "passages": "SELECT case_id, doc_id, ordinal, start, end, page, text, text_hash, language, kind "
                        "FROM chunks",
            "tags": "SELECT doc_id, coalesce(case_id, ''), kind, value, coalesce(role, ''), round(confidence, 4), "
                    "source, evidence FROM tags",
            "facets": "SELECT * FROM case_facets",
            "groups": "SELECT case_id, group_id, reason FROM case_groups",
            "skipped": "SELECT * FROM skipped",
        }
        content = {name: sorted(db.execute(sql).fetchall()) for name, sql in rows.items()}
        vectors = {(model, h): np.frombuffer(v, dtype=np.float32) for model, h, v in db.execute(
            "SELECT model, text_hash, vector FROM vectors")}
        return content, vectors
    finally:
        db.close()


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory) -> tuple[Path, IngestReport, IngestReport, list[Step]]:
    """The corpus indexed in this process (here/) and on Ray with two workers (ray/), with the Ray run's steps."""
    root = tmp_path_factory.mktemp("built")
    here = ingest(corpus, root / "here", Settings())
    steps: list[Step] = []
    on_ray = ingest(corpus, root / "ray", Settings(), steps.append, engine=RayEngine(workers=2))
    return root, here, on_ray, steps


def test_ray_with_two_workers_builds_the_single_process_index(built):
    root, here, on_ray, steps = built
    # The user is told the job runs on Ray, then each of the 9 files as it is merged.
    assert steps[0].stage == "on ray" and steps[-1].stage == "done"
    assert on_ray.nodes == 1 and here.nodes == 0
    merged = [step for step in steps if step.stage == "merging"]
    assert [step.done for step in merged] == list(range(1, 10))
    assert (on_ray.documents, on_ray.cases, on_ray.passages) == (here.documents, here.cases, here.passages)
    assert sorted(on_ray.added) == sorted(here.added) and len(here.added) == 8
    assert on_ray.skipped == here.skipped and [s for s, _ in here.skipped] == ["broken.pdf"]
    assert on_ray.embedded == here.embedded and on_ray.embedded_multilingual == here.embedded_multilingual > 0
    assert on_ray.embedded_spaces == here.embedded_spaces
    assert here.embedded_spaces["multilingual"] > 0 and here.embedded_spaces["crosslingual"] == here.embedded
    assert sum(here.embedded_spaces.values()) == here.embedded_multilingual
    mine, theirs = _content(root / "here"), _content(root / "ray")
    for table in mine[0]:
        assert mine[0][table] == theirs[0][table], table
    assert mine[1].keys() == theirs[1].keys() and any(space != "main" for space, _ in mine[1])
    cosines = [float(mine[1][key] @ theirs[1][key]) for key in mine[1]]
    assert min(cosines) > 1 - 1e-5
    manifest = json.loads((root / "ray" / "manifest.json").read_text())
    assert manifest["counts"]["passages"] == here.passages
    assert manifest["spaces"]["multilingual"]["passages"] > 0


def test_ray_rerun_from_the_cli_processes_only_the_changed_file(built, corpus, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(built[0] / "ray", index)
    post = corpus / SHARED_PART[0]
    original = post.read_text(encoding="utf-8")
    try:
        post.write_text(original + "\n\nA closing note on frugal innovation in Kenya's informal markets.\n",
                        encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(corpus), "--index", str(index),
                              "--engine", "ray", "--workers", "2", "--json", "--quiet"],
                             capture_output=True, text=True, timeout=600)
    finally:
        post.write_text(original, encoding="utf-8")
    assert run.returncode == 3, run.stderr[-2000:]  # 3: broken.pdf skipped, the rest stored
    report = json.loads(run.stdout)
    assert report["updated"] == [SHARED_PART[0]] and report["added"] == [] and report["unchanged"] == 7
    # Stored vectors were reused: only the passages the new paragraph touched were embedded.
    assert 1 <= report["embedded"] <= 3
    assert report["embedded_spaces"] == {"multilingual": 0, "crosslingual": report["embedded"]}


def test_a_cluster_of_two_nodes_builds_the_single_process_index(corpus, tmp_path):
    # A real Ray cluster of two nodes (a head and a second node, each its own raylet with one CPU), joined by
    # address as `kb ingest --engine ray --address` joins one: each of the two workers runs on its own node.
    from ray.cluster_utils import Cluster

    fast = Settings(model="hash-64", multilingual_model="hash-32-any", crosslingual_model="hash-48-any")
    here = ingest(corpus, tmp_path / "here", fast)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        on_cluster = ingest(corpus, tmp_path / "cluster", fast, engine=RayEngine(cluster.address, workers=2))
    finally:
        cluster.shutdown()
    assert on_cluster.nodes == 2 and here.nodes == 0
    assert (on_cluster.documents, on_cluster.passages, on_cluster.skipped) == (here.documents, here.passages,
                                                                               here.skipped)
    mine, theirs = _content(tmp_path / "here"), _content(tmp_path / "cluster")
    assert mine[0] == theirs[0] and mine[1].keys() == theirs[1].keys()
    assert all(np.allclose(mine[1][key], theirs[1][key], atol=1e-6) for key in mine[1])


def test_bad_engine_settings_say_what_to_fix(corpus, tmp_path):
    with pytest.raises(ConfigError, match="at least one worker"):
        RayEngine(workers=0)
    run = subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(corpus), "--index", str(tmp_path / "i"),
                          "--address", "10.0.0.1:6379"], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "--engine ray" in run.stderr


def test_ray_reads_a_manifest_of_paths_and_uris_as_one_process_does(corpus, tmp_path):
    manifest = tmp_path / "corpus.list"
    manifest.write_text(f"{corpus / SHARED_PART[1]}\n{(corpus / SHARED_PART[2]).as_uri()}\n", encoding="utf-8")
    here = ingest(manifest, tmp_path / "here", HASH_ONLY)
    on_ray = ingest(manifest, tmp_path / "ray", HASH_ONLY, engine=RayEngine(workers=2))
    assert sorted(on_ray.added) == sorted(here.added) == sorted([str(corpus / SHARED_PART[1]),
                                                                (corpus / SHARED_PART[2]).as_uri()])
    mine, theirs = _content(tmp_path / "here"), _content(tmp_path / "ray")
    assert mine[0] == theirs[0] and mine[1].keys() == theirs[1].keys()


def test_a_shard_is_typed_parquet_that_any_reader_reads_and_the_merge_reads_back(corpus, tmp_path):
    # Shards held each document as a pickled record: readable by this version of kb only.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kb.corpus import hash_location
    from kb.distributed import MATRIX, EnrichActor, read_row
    from kb.enrich import Enricher, Processed, read_stage
    from kb.shards import record_from

    fast = Settings(model="hash-64", multilingual_model="hash-32-any", crosslingual_model="")
    files = [corpus / part for part in SHARED_PART] + [corpus / "broken.pdf"]
    rows = [read_row({"order": n, "path": str(p), "source": p.name, "digest": hash_location(str(p))}, fast)
            for n, p in enumerate(files)]
    batch = {key: np.array([row[key] for row in rows], dtype=object) for key in rows[0]}
    pq.write_table(EnrichActor(fast, "")(batch), tmp_path / "shard.parquet")
    table = pq.read_table(tmp_path / "shard.parquet")
    assert not [f.name for f in table.schema if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
    shard = table.to_pylist()
    assert [r["source"] for r in shard] == [p.name for p in files]
    assert shard[-1]["error"] and shard[-1]["seg"] is None
    chinese = shard[2]
    assert chinese["seg"]["document"]["language"] == "zh" and len(chinese["seg"]["cases"]) >= 2
    assert len(chinese["vectors"]) == len(chinese["seg"]["chunks"]) and chinese["dim"] == 64
    assert {t["kind"] for t in chinese["tagged"]["document"]} >= {"approach", "country"}
    assert [space["key"] for space in chinese["spaces"]] == ["hash-32-any"]
    # Read back, each document is what the single-process path makes of the file.
    alone = list(Enricher(fast).process([(p.name, read_stage(str(p), p.name, hash_location(str(p)), fast))
                                         for p in files[:3]], None))
    for row, expected in zip(shard, alone):
        back = record_from(row, Processed, MATRIX)
        assert (back.seg, back.tagged, back.facets) == (expected.seg, expected.tagged, expected.facets)
        assert np.array_equal(back.vectors, expected.vectors)
        assert {m: set(v) for m, v in back.spaces.items()} == {m: set(v) for m, v in expected.spaces.items()}
