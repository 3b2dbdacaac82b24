"""The JSON contract of DESIGN.md, field by field, against the real `kb` command on a tiny index.

Scripts and evaluations read these fields, so renaming one, dropping one or changing what it holds breaks
them. Other tests check what the results say; these check their shape. The index is built with the hash
embedder (no model to load) from English documents (no multilingual model either), so the file stays fast.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kb.cli import main
from kb.taxonomy import load_taxonomy
from tests.hostile import _pdf_with_text

DOCS = {
    "finance/loans.md": "# Microcredit for women in Tunisia\n\nWomen craft makers in Tunisia took microcredit and "
                        "small loans from a microfinance bank; savings groups and financial literacy classes "
                        "followed the loans.",
    "energy/solar.txt": "Solar engineers in India\n\nRural women in India trained as solar engineers install solar "
                        "panels and solar power in their villages; solar energy lights homes and schools.",
    "wallet.md": "# Mobile money in Kenya\n\nMobile wallets and mobile money reached traders in Kenya; financial "
                 "inclusion grew as the mobile wallet replaced cash and microcredit followed.",
}
PDF = ("reports/homestays.pdf", ["Homestays in Nepal", "Villages in Nepal run homestays for tourists; rural "
                                 "tourism income pays for school fees and the homestay owners formed a cooperative."])
HIT_FIELDS = {"rank", "score", "case_id", "doc_id", "title", "source", "text", "start", "end", "page", "approaches",
              "countries", "section"}
ISO3 = re.compile(r"[A-Z]{3}")


def _write_corpus(folder: Path) -> Path:
    for rel, text in DOCS.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / PDF[0]).parent.mkdir(parents=True, exist_ok=True)
    (folder / PDF[0]).write_bytes(_pdf_with_text(PDF[1]))
    return folder


@pytest.fixture(autouse=True)
def hash_model(monkeypatch):
    """Every command reads its settings from the environment: the hash embedder, as the index was built."""
    monkeypatch.setenv("KB_MODEL", "hash-64")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus, index): the ingest read every file, so it exited 0."""
    root = tmp_path_factory.mktemp("contract")
    corpus = _write_corpus(root / "corpus")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_MODEL", "hash-64")
        code = main(["ingest", str(corpus), "--index", str(root / "index")])
    assert code == 0
    return corpus, root / "index"


def _json_out(capsys, args: list[str], code: int = 0):
    assert main(args) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return [json.loads(line) for line in out.splitlines()]


def _check_hit(hit: dict, sources: set[str], approach_ids: set[str]) -> None:
    assert HIT_FIELDS <= set(hit), HIT_FIELDS - set(hit)
    assert isinstance(hit["rank"], int) and isinstance(hit["score"], float)
    for key in ("case_id", "doc_id", "title", "text"):
        assert isinstance(hit[key], str) and hit[key], key
    assert hit["source"] in sources  # relative to the corpus folder, with forward slashes
    assert isinstance(hit["start"], int) and isinstance(hit["end"], int) and 0 <= hit["start"] < hit["end"]
    assert hit["page"] == (1 if hit["source"].endswith(".pdf") else None)
    assert isinstance(hit["approaches"], list) and set(hit["approaches"]) <= approach_ids
    assert isinstance(hit["countries"], list) and all(ISO3.fullmatch(c) for c in hit["countries"])
    assert isinstance(hit["section"], str)


def test_ingest_exits_0_when_every_file_is_read_and_3_when_some_are_skipped(tmp_path, capsys):
    corpus = _write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    assert main(["ingest", str(corpus), "--index", str(index)]) == 0
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    assert main(["ingest", str(corpus), "--index", str(index)]) == 3
    assert "skipped broken.pdf" in capsys.readouterr().out
    (corpus / "broken.pdf").unlink()
    assert main(["ingest", str(corpus), "--index", str(index)]) == 0  # the index is usable and up to date again


def test_search_json_prints_one_array_of_hits_best_first_with_every_field(built, capsys):
    corpus, index = built
    sources = {*DOCS, PDF[0]}
    approach_ids = set(load_taxonomy().ids)
    [hits] = _json_out(capsys, ["search", "microcredit women savings", "--index", str(index), "--json", "-k", "10"])
    assert isinstance(hits, list) and len(hits) >= 2
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert hits[0]["source"] == "finance/loans.md" and hits[0]["countries"] == ["TUN"]
    for hit in hits:
        _check_hit(hit, sources, approach_ids)
        # start and end are offsets into the document's clean text: the case's text holds the passage there.
        [case] = _json_out(capsys, ["show", hit["case_id"], "--index", str(index), "--json"])
        assert case["doc_id"] == hit["doc_id"] and case["source"] == hit["source"]
        assert case["start"] <= hit["start"] and hit["end"] <= case["end"]
        assert case["text"][hit["start"] - case["start"]:hit["end"] - case["start"]] == hit["text"]


def test_a_hit_in_a_case_merged_from_sections_names_its_section(tmp_path, capsys, monkeypatch):
    body = "Households in the district {} and the committee kept a record of every visit for the next survey. "
    notes = "# Field notes from Kalomo\n\n" + "".join(
        f"## {n}. {name}\n\n{body.format(what) * 2}\n\n" for n, name, what in [
            (1, "Water points", "repaired boreholes"), (2, "School meals", "cooked lunch for pupils"),
            (3, "Feeder roads", "graded the road")]) + "## 4. Savings groups\n\n" + body.format("saved") * 12
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "notes.md").write_text(notes, encoding="utf-8")
    monkeypatch.setenv("KB_MODEL", "hash-64")
    index = str(tmp_path / "index")
    assert main(["ingest", str(tmp_path / "corpus"), "--index", index]) == 0
    capsys.readouterr()
    [hits] = _json_out(capsys, ["search", "lunch for pupils", "--index", index, "--json", "-k", "1", "--mode",
                                "keyword"])
    assert hits[0]["title"].startswith("1. Water points … ") and hits[0]["section"] == "2. School meals"
    assert main(["search", "lunch for pupils", "--index", index, "-k", "1", "--mode", "keyword"]) == 0
    assert "section 2. School meals" in capsys.readouterr().out


def test_search_hit_of_a_pdf_names_its_page_counting_from_1(built, capsys):
    corpus, index = built
    [hits] = _json_out(capsys, ["search", "homestays tourists Nepal", "--index", str(index), "--json", "-k", "1",
                                "--mode", "keyword"])
    assert hits[0]["source"] == PDF[0] and hits[0]["page"] == 1 and hits[0]["countries"] == ["NPL"]


def test_search_batch_prints_one_array_per_line_in_order_as_single_searches_do(built, tmp_path, capsys):
    corpus, index = built
    specs = [
        {"query": "solar engineers", "k": 1, "mode": "keyword"},
        {"query": "mobile money", "k": 2, "mode": "hybrid", "filters": {"country": ["KEN"]}},
        {"query": "microcredit", "k": 3, "mode": "semantic", "filters": {"approach": ["finance"]}},
        {"query": "microcredit", "filters": {"country": ["BRA"]}},
    ]
    batch = tmp_path / "queries.jsonl"
    batch.write_text("".join(json.dumps(s) + "\n" for s in specs))
    lines = _json_out(capsys, ["search", "--batch", str(batch), "--index", str(index)])
    assert len(lines) == len(specs) and all(isinstance(line, list) for line in lines)
    assert lines[0][0]["source"] == "energy/solar.txt" and lines[1][0]["source"] == "wallet.md"
    assert lines[3] == []  # no case in Brazil: an empty array keeps the lines in step with the queries
    for spec, line in zip(specs[:3], lines[:3], strict=True):
        assert 1 <= len(line) <= spec["k"]
        args = ["search", spec["query"], "--index", str(index), "--json", "-k", str(spec["k"]), "--mode", spec["mode"]]
        for name, values in spec.get("filters", {}).items():
            args += [arg for v in values for arg in (f"--{name}", v)]
        [single] = _json_out(capsys, args)
        assert line == single
        for hit in line:
            _check_hit(hit, {*DOCS, PDF[0]}, set(load_taxonomy().ids))


def test_a_batch_line_with_a_filter_at_its_top_is_named_and_the_commands_k_holds_for_every_line(built, tmp_path,
                                                                                                 capsys):
    # Seen on a walk: {"query": ..., "country": ["ETH"]} searched the whole library without a word, and `-k 5`
    # with --batch gave ten cases.
    corpus, index = built
    batch = tmp_path / "queries.jsonl"
    batch.write_text(json.dumps({"query": "mobile money", "country": ["KEN"]}) + "\n"
                     + json.dumps({"query": "microcredit loans", "id": "q2"}) + "\n")
    assert main(["search", "--batch", str(batch), "--index", str(index), "-k", "1"]) == 3
    out, err = capsys.readouterr()
    first, second = [json.loads(line) for line in out.splitlines()]
    assert first == [] and "line 1: 'country' at the top of the line filters nothing" in err
    assert '"filters": {"country": ["KEN"]}' in err
    assert len(second) == 1  # an id beside the query is let be; -k 1 holds where the line sets no k


def test_tag_json_of_one_file_prints_its_source_approaches_and_countries(built, capsys):
    corpus, _ = built
    path = corpus / "finance" / "loans.md"
    [doc] = _json_out(capsys, ["tag", str(path), "--json"])
    assert doc["source"] == "loans.md"
    assert "finance" in {a["id"] for a in doc["approaches"]}
    for approach in doc["approaches"]:
        assert {"id", "confidence", "evidence"} <= set(approach)
        assert isinstance(approach["confidence"], float) and 0 <= approach["confidence"] <= 1
    country = next(c for c in doc["countries"] if c["iso3"] == "TUN")
    assert {"iso3", "name", "role", "confidence", "evidence"} <= set(country)
    assert country["name"] == "Tunisia" and country["role"] == "focus" and isinstance(country["confidence"], float)
    # Evidence: the words found, and where they are (offsets into the document's clean text).
    clean = path.read_text(encoding="utf-8").replace("# ", "", 1)
    for tag in [*doc["approaches"], *doc["countries"]]:
        assert tag["evidence"]
        for ev in tag["evidence"]:
            assert set(ev) == {"text", "start", "end"} and ev["text"]
            assert clean[ev["start"]:ev["end"]] == ev["text"]


def test_tag_json_of_a_folder_prints_one_object_per_line_with_sources_relative_to_it(built, tmp_path, capsys):
    corpus, _ = built
    folder = shutil.copytree(corpus / "finance", tmp_path / "in" / "finance")
    lines = _json_out(capsys, ["tag", str(folder.parent), "--json"])
    assert [d["source"] for d in lines] == ["finance/loans.md"]


def test_stats_json_counts_documents_cases_and_passages(built, capsys):
    corpus, index = built
    [stats] = _json_out(capsys, ["stats", "--index", str(index), "--json"])
    assert stats["documents"] == len(DOCS) + 1
    assert all(isinstance(stats[key], int) for key in ("documents", "cases", "passages"))
    assert stats["documents"] <= stats["cases"] <= stats["passages"]
