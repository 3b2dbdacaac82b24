"""The kb command: exit codes, JSON output and error messages."""

from __future__ import annotations

import json
import shutil

import pytest

from kb.cli import main
from kb.indexdir import open_store
from tests.conftest import SEEDS, WHITE_PAPER


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    return corpus, root / "index"


def test_ingest_exit_3_when_files_skipped_and_reason_printed(built, capsys):
    corpus, index = built
    assert main(["ingest", str(corpus), "--index", str(index)]) == 3
    out = capsys.readouterr().out
    assert "5 added" in out and "skipped broken.pdf: unreadable or truncated PDF" in out
    assert main(["ingest", str(corpus), "--index", str(index), "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["unchanged"] == 5 and report["skipped"][0]["source"] == "broken.pdf"


def test_stats_and_show_json(built, capsys):
    corpus, index = built
    main(["ingest", str(corpus), "--index", str(index)])
    capsys.readouterr()
    assert main(["stats", "--index", str(index), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == 5 and stats["cases"] > 25 and stats["passages"] > 200
    assert stats["documents_by_type"]["white_paper"] == 1 and stats["documents_by_language"] == {"en": 5}
    # Every seed case is about China, and the counts an analyst reads come from the stored tags.
    assert stats["cases_by_country"]["CHN"] == stats["cases"]
    assert stats["cases_by_approach"]["paired_assistance"] >= 5
    assert main(["docs", "--index", str(index), "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    paper = next(d for d in docs if d["source"] == f"seeds/{WHITE_PAPER}")
    store = open_store(index)
    case_id = next(c.case_id for c in store.cases(paper["doc_id"]) if c.title.startswith("(1) Accurate"))
    store.close()
    assert main(["show", case_id, "--index", str(index), "--json"]) == 0
    case = json.loads(capsys.readouterr().out)
    assert case["title"].startswith("(1) Accurate identification")
    assert case["heading_path"][0] == "3. Implement targeted poverty alleviation strategy"
    assert case["passages"] and all(case["text"].find(p["text"]) >= 0 for p in case["passages"])
    assert "governance_targeting" in {a["id"] for a in case["tags"]["approaches"]}
    assert case["document_tags"]["countries"][0]["iso3"] == "CHN"


def test_errors_name_the_index_or_case(built, tmp_path, capsys):
    corpus, index = built
    main(["ingest", str(corpus), "--index", str(index)])
    capsys.readouterr()
    assert main(["show", "nope-1", "--index", str(index)]) == 2
    assert "no case with id 'nope-1'" in capsys.readouterr().err
    missing = tmp_path / "missing-index"
    assert main(["stats", "--index", str(missing)]) == 2
    assert f"{missing}: index folder not found" in capsys.readouterr().err
    assert main(["ingest", str(tmp_path / "no-corpus"), "--index", str(index)]) == 2
    assert "no-corpus: corpus folder not found" in capsys.readouterr().err


def test_unknown_setting_is_an_error(built, tmp_path, capsys):
    corpus, index = built
    config = tmp_path / "kb.toml"
    config.write_text("chunk_token = 100\n")
    assert main(["--config", str(config), "ingest", str(corpus), "--index", str(index)]) == 2
    assert "unknown setting 'chunk_token'" in capsys.readouterr().err


def test_compare_json_csv_and_errors(seed_index, capsys):
    store = open_store(seed_index)
    ids = [c.case_id for c in store.cases()[7:9]]
    store.close()
    assert main(["compare", *ids, "--index", str(seed_index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["case_id"] for c in data["cases"]] == ids
    assert set(data["cases"][0]) >= {"title", "source", "year", "countries", "approaches", "actors", "figures"}
    assert set(data["only"]) == set(ids)
    assert main(["compare", *ids, "--index", str(seed_index), "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"Case id,{ids[0]},{ids[1]}"
    assert main(["compare", ids[0], "--index", str(seed_index)]) == 2
    assert "pick 2 to 4 cases to compare, not 1" in capsys.readouterr().err
    assert main(["compare", ids[0], "nope-1", "--index", str(seed_index)]) == 2
    assert "no case with id 'nope-1'" in capsys.readouterr().err


def test_export_a_collection_as_markdown_and_docx(seed_index, tmp_path, capsys):
    from docx import Document as Docx

    from kb.collections import Collections
    from kb.export import excerpt_of

    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    store = open_store(index)
    case = store.cases()[3]
    coll = Collections(index)
    coll.add(coll.create("Week 1"), excerpt_of(store, case.case_id), note="Read before class")
    store.close()
    assert main(["collections", "--index", str(index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"id": 1, "name": "Week 1", "items": 1}]
    assert main(["export", "Week 1", "--index", str(index)]) == 0
    pack = capsys.readouterr().out
    assert pack.startswith("# Week 1\n") and "*Note:* Read before class" in pack and "file: seeds/0" in pack
    out = tmp_path / "pack.docx"
    assert main(["export", "1", "--index", str(index), "--format", "docx", "--out", str(out)]) == 0
    assert "Note: Read before class" in [p.text for p in Docx(str(out)).paragraphs]
    assert main(["export", "Week 2", "--index", str(index)]) == 2
    assert "no collection named 'Week 2'; there are: Week 1" in capsys.readouterr().err
    assert main(["export", "Week 1", "--index", str(index), "--format", "docx"]) == 2
    assert "needs --out FILE" in capsys.readouterr().err
