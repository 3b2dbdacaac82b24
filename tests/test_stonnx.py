"""The main model's twin: the same vectors as sentence-transformers for queries and passages, and searches that
never load torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kb.embed import SentenceTransformerEmbedder, resolve_model_path
from kb.stonnx import Twin, ensure_twin, twin_shape

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["women savings groups", "How did rural producers in Sabah start selling online during the lockdown?",
         "易地扶贫搬迁 安置点 就业", "Él préstamo: crédito café Ünïcode", " ".join(["microcredit"] * 400), "x"]


def test_the_twin_gives_the_librarys_own_query_vectors():
    model = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    twin = model.encode_queries(TEXTS)
    library = model._encode(TEXTS, 32)  # sentence-transformers itself, as passages are embedded
    assert twin.shape == library.shape == (len(TEXTS), 384)
    # The long text is cut at the model's 256 tokens by both; all agree to float rounding.
    assert np.einsum("ij,ij->i", twin, library).min() > 0.99999
    assert model.encode_queries([]).shape == (0, 384)


def test_passages_embedded_by_the_twin_on_every_core_are_the_librarys_vectors():
    model = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    # Passages of many lengths, so that threads finish out of order and the library pads its batches.
    passages = [" ".join(TEXTS[i % len(TEXTS)].split()[: 3 + 7 * i]) or "x" for i in range(40)]
    twin = model.encode(passages)
    assert model._twin is not None
    library = model._encode(passages, 8)
    assert twin.shape == library.shape == (40, 384)
    assert np.einsum("ij,ij->i", twin, library).min() > 0.99999
    # Each text runs alone: its vector is the same whatever thread or company it came in.
    assert np.array_equal(twin, model._twin.encode(passages, 1))
    assert np.array_equal(twin[7:8], model.encode(passages[7:8]))


def test_embedding_passages_never_loads_torch():
    # An ingest had loaded torch and sentence-transformers (about 0.5 GB) for the passages alone.
    code = ("import sys; from kb.embed import load_embedder; m = load_embedder('all-MiniLM-L6-v2'); "
            "print(m.encode(['women savings groups', 'relocation']).shape, 'torch' in sys.modules, "
            "'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["(2,", "384)", "False", "False"]


def test_a_search_process_never_loads_torch(seed_index):
    code = ("import sys; from kb.search import Searcher; s = Searcher(sys.argv[1]); "
            "hits = s.search('relocation of poor households', 3).hits; "
            "print(len(hits), 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(seed_index)], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["3", "False", "False"]


def test_a_model_without_a_twin_answers_queries_through_the_library(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_MODEL_DIR", str(tmp_path / "models"))
    folder = tmp_path / "cls-model"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert twin_shape(folder) is None and ensure_twin(str(folder), folder) is None
    model = SentenceTransformerEmbedder(str(folder))
    vectors = model.encode_queries(TEXTS[:2])
    assert model._twin is None and vectors.shape == (2, 384)
    assert np.allclose(vectors, model.encode(TEXTS[:2]), atol=1e-6)


def test_a_damaged_twin_is_converted_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_MODEL_DIR", str(tmp_path / "models"))
    folder = resolve_model_path("all-MiniLM-L6-v2")
    target, manifest = ensure_twin("all-MiniLM-L6-v2", folder) or pytest.fail("no twin")
    before = Twin(target, manifest).encode(TEXTS[:1])
    with open(target / "model.onnx", "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\0" * 64)
    again = ensure_twin("all-MiniLM-L6-v2", folder)
    assert again is not None and again[1]["files"] == manifest["files"]
    assert np.array_equal(Twin(*again).encode(TEXTS[:1]), before)


def test_with_no_folder_to_convert_into_queries_still_work_through_the_library(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KB_MODEL_DIR", str(blocked / "models"))
    model = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    vectors = model.encode_queries(TEXTS[:2])
    assert model._twin is None and np.allclose(vectors, model.encode(TEXTS[:2]), atol=1e-6)
