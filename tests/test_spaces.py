"""Embedding spaces as data: `[[space]]` in kb.toml gives one space or three, validated on load, with one
vectors table keyed by model. Every space runs on the deterministic test embedder, so no model is loaded."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb.check import check_index, repair_index
from kb.config import Settings, load_settings
from kb.errors import ConfigError
from kb.fingerprint import fingerprint
from kb.indexdir import open_store
from kb.pipeline import ingest
from kb.search import Searcher
from kb.store import MIGRATIONS, Store
from tests.conftest import SEEDS

GUIZHOU_ZH = """贵州省易地扶贫搬迁与后续就业

贵州省把居住在深山区的贫困户整体搬迁到县城附近的安置点。政府在安置点旁边建设扶贫车间和卫星工厂，让搬迁群众在家门口就业。
"""
ONE_SPACE = """
[[space]]
name = "main"
model = "hash-48-any"
"""
THREE_SPACES = """
[[space]]
name = "main"
model = "hash-64"

[[space]]
name = "multilingual"
model = "hash-32"
passages = "other"
weight = 0.5

[[space]]
name = "extra"
model = "hash-16"
passages = "all"
weight = 0.3
"""


def _settings(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "kb.toml"
    config.write_text(text, encoding="utf-8")
    return load_settings(config, environ={})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("spaces") / "corpus"
    shutil.copytree(SEEDS, root / "seeds")
    (root / "guizhou.txt").write_text(GUIZHOU_ZH, encoding="utf-8")
    return root


def _manifest(index: Path) -> dict:
    return json.loads((index / "manifest.json").read_text(encoding="utf-8"))


def _built(corpus: Path, tmp_path: Path, text: str) -> tuple[Settings, Path, dict, dict]:
    """Settings from a kb.toml, the index ingested with them, its manifest's spaces and the store's counts."""
    settings = _settings(tmp_path, text)
    index = tmp_path / "index"
    ingest(corpus, index, settings)
    store = open_store(index)
    try:
        stats = store.stats()
    finally:
        store.close()
    return settings, index, _manifest(index)["spaces"], stats


def test_one_space_embeds_every_passage_and_searches_them(corpus, tmp_path):
    settings, index, spaces, stats = _built(corpus, tmp_path, ONE_SPACE)
    passages = stats["passages"]
    assert list(spaces) == ["main"] and spaces["main"]["model"] == "hash-48-any"
    assert spaces["main"]["passages"] == passages
    searcher = Searcher(index, settings)
    try:
        result = searcher.search("政府在安置点旁边建设扶贫车间和卫星工厂", 5, mode="semantic")
    finally:
        searcher.close()
    assert result.hits[0].source == "guizhou.txt" and result.hits[0].semantic_rank == 1
    assert check_index(index) == []


def test_three_spaces_each_embed_their_passages_and_add_a_ranking(corpus, tmp_path):
    settings, index, spaces, stats = _built(corpus, tmp_path, THREE_SPACES)
    passages, chinese = stats["passages"], stats["passages_by_language"]["zh"]
    assert [(n, s["model"], s["passages"]) for n, s in spaces.items()] == [
        ("main", "hash-64", passages), ("multilingual", "hash-32", chinese), ("extra", "hash-16", passages)]
    query = "vocational training for relocated households"
    answers = []
    for weights in ((1.0, 0.5, 1.0), (1.0, 0.5, 0.0)):  # the extra space's ranking in the fusion, then not
        spaces = tuple(replace(spec, weight=w) for spec, w in zip(settings.spaces, weights))
        searcher = Searcher(index, replace(settings, space=spaces))
        try:
            answers.append([(h.case_id, h.passage_id, h.score) for h in searcher.search(query, 10, "semantic").hits])
        finally:
            searcher.close()
    assert answers[0] != answers[1]
    assert check_index(index) == []

    db = sqlite3.connect(index / "kb.sqlite")
    db.execute("DELETE FROM vectors WHERE model = 'hash-16' AND text_hash IN (SELECT text_hash FROM chunks LIMIT 3)")
    db.commit()
    db.close()
    found = [f.problem for f in check_index(index)]
    assert any("have no vector in the extra space" in p for p in found), found
    assert any("hash-16" in action for action in repair_index(index, settings))
    assert check_index(index) == []


def test_dropping_a_space_keeps_none_of_its_vectors_and_reuses_the_rest(corpus, tmp_path):
    index = tmp_path / "index"
    first = ingest(corpus, index, _settings(tmp_path, THREE_SPACES))
    # The report names each space: "extra" reads every passage, as the main space does.
    assert first.embedded_spaces["extra"] == first.embedded and first.embedded_spaces["multilingual"] > 0
    assert sum(first.embedded_spaces.values()) == first.embedded_multilingual
    report = ingest(corpus, index, _settings(tmp_path, THREE_SPACES.split("[[space]]\nname = \"extra\"")[0]))
    assert report.embedded == 0 and report.embedded_multilingual == 0  # every kept vector was reused
    assert report.embedded_spaces == {"multilingual": 0}
    unchanged = ingest(corpus, index, _settings(tmp_path, THREE_SPACES.split("[[space]]\nname = \"extra\"")[0]))
    assert not unchanged.changed and unchanged.embedded_spaces == {"multilingual": 0}
    store = open_store(index)
    try:
        models = {row[0] for row in store.db.execute("SELECT DISTINCT model FROM vectors")}
    finally:
        store.close()
    assert models == {"hash-64", "hash-32"}
    assert list(_manifest(index)["spaces"]) == ["main", "multilingual"]


def test_a_space_weight_acts_at_query_time_and_its_passages_at_ingest(tmp_path):
    base = _settings(tmp_path, THREE_SPACES)
    lighter = _settings(tmp_path, THREE_SPACES.replace("weight = 0.3", "weight = 0.1"))
    other = _settings(tmp_path, THREE_SPACES.replace('passages = "all"', 'passages = ["es", "fr"]'))
    assert fingerprint(lighter) == fingerprint(base) != fingerprint(other)


@pytest.mark.parametrize("text, message", [
    ('[[space]]\nname = "multilingual"\nmodel = "hash-32"\n', 'first \\[\\[space\\]\\] must be name = "main"'),
    ('[[space]]\nname = "main"\nmodel = "hash-32"\npassages = "other"\n', 'passages = "all"'),
    (ONE_SPACE + '[[space]]\nname = "keyword"\nmodel = "hash-16"\n', "space name 'keyword'"),
    (ONE_SPACE + '[[space]]\nname = "extra"\nmodel = "hash-16"\nweight = -1\n', "weight -1 must be"),
    (ONE_SPACE + '[[space]]\nname = "extra"\nmodel = "hash-16"\npassages = "english"\n', "passages 'english'"),
    (ONE_SPACE + '[[space]]\nname = "extra"\nmodel = "hash-16"\nlanguage = "zh"\n', "#2: unknown key 'language'"),
    (ONE_SPACE + ONE_SPACE, "two spaces are named 'main'"),
    ('model = "hash-16"\n' + ONE_SPACE, "give the models in the \\[\\[space\\]\\] tables only"),
])
def test_a_bad_space_table_is_refused_naming_the_file_and_the_fault(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        _settings(tmp_path, text)


def test_a_store_of_the_previous_schema_keeps_its_vectors_under_their_models(tmp_path):
    path = tmp_path / "kb.sqlite"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:5], start=1):
        db.executescript(script)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute("INSERT INTO meta VALUES ('embedder', 'hash-64')")
    db.execute("INSERT INTO embeddings VALUES ('a', ?)", (np.ones(4, dtype=np.float32).tobytes(),))
    db.execute("INSERT INTO space_vectors VALUES ('multilingual-e5-small-int8', 'b', ?)",
               (np.zeros(4, dtype=np.float32).tobytes(),))
    db.commit()
    db.close()
    fresh = Store(tmp_path / "new.sqlite")
    fresh.copy_embeddings_from(path)  # what a rebuild reuses, read from the old layout
    copied = sorted(map(tuple, fresh.db.execute("SELECT model, text_hash FROM vectors")))
    fresh.close()
    store = Store(path)  # opened for writing: migrated in place
    migrated = sorted(map(tuple, store.db.execute("SELECT model, text_hash FROM vectors")))
    store.close()
    assert copied == migrated == [("hash-64", "a"), ("multilingual-e5-small-int8", "b")]
