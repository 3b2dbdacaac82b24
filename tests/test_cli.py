"""The kb command: exit codes, JSON output and error messages."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from kb.cli import _print_result, main
from kb.config import Settings
from kb.errors import ConfigError
from kb.indexdir import open_store
from kb.pipeline import Step
from kb.progress import IngestProgress, describe
from kb.search import Searcher
from kb.taxonomy import load_taxonomy
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
    out, err = capsys.readouterr()
    assert "5 added" in out and "skipped broken.pdf: unreadable or truncated PDF" in out
    # Without a terminal the progress is plain lines: files, passages and time, and the last step.
    assert "ingest: 0/6 files · 0 passages" in err and "6/6 files" in err and "writing the index" in err
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
    assert "no-corpus: corpus folder or manifest file not found" in capsys.readouterr().err


def test_unknown_setting_is_an_error(built, tmp_path, capsys):
    corpus, index = built
    config = tmp_path / "kb.toml"
    config.write_text("chunk_token = 100\n")
    assert main(["--config", str(config), "ingest", str(corpus), "--index", str(index)]) == 2
    assert "unknown setting 'chunk_token'" in capsys.readouterr().err


def test_a_bad_index_kind_names_the_value_and_the_valid_ones(built, tmp_path, capsys, monkeypatch):
    corpus, index = built
    config = tmp_path / "kb.toml"
    config.write_text('index_kind = "flat"\n')
    assert main(["--config", str(config), "ingest", str(corpus), "--index", str(index)]) == 2
    err = capsys.readouterr().err
    assert "kb.toml: setting 'index_kind': 'flat' is not one of auto, exact, hnsw, ivf" in err
    assert "Traceback" not in err
    monkeypatch.setenv("KB_INDEX_KIND", "ivfpq")
    assert main(["ingest", str(corpus), "--index", str(index)]) == 2
    assert ("environment (KB_*): setting 'index_kind': 'ivfpq' is not one of auto, exact, hnsw, ivf"
            in capsys.readouterr().err)
    with pytest.raises(ConfigError, match="'hnws' is not one of auto, exact, hnsw, ivf"):
        Settings(index_kind="hnws")


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


def test_a_long_step_still_reports_progress_without_a_terminal(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with IngestProgress(terminal=False) as progress:
        progress.EVERY = 0.2
        progress(Step(0, 3, "big.pdf", 0, 0, 300, 2.0))
        time.sleep(2.5)  # one 300-page file: no step arrives, yet the log must not look hung
        progress(Step(3, 3, "", 120, 300, 300, 5.0, "done"))
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("ingest: 0/3 files · 0 passages") and "reading big.pdf" in lines[0]
    assert any(line.startswith("still working: 0/3 files") for line in lines[1:-1])
    assert lines[-1].startswith("ingest: 3/3 files · 120 passages") and "writing the index" in lines[-1]
    assert "about 0:10 left" in describe(Step(1, 3, "b", 40, 100, 300, 5.0))


def test_search_from_a_script_loads_no_model_it_does_not_need(seed_index):
    # No search needs torch: keyword searches and bad values load no model, a semantic one the ONNX twin.
    code = "import sys; from kb.cli import main; main(sys.argv[1:]); print('torch' in sys.modules, file=sys.stderr)"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, *args, "--index", str(seed_index)],
                              capture_output=True, text=True, timeout=300)

    keyword = run("search", "microcredit", "--mode", "keyword", "--json")
    assert json.loads(keyword.stdout) and keyword.stderr.strip() == "False"
    bad = run("search", "microcredit", "--language", "english")
    assert "unknown language 'english': did you mean en?" in bad.stderr and bad.stderr.strip().endswith("False")
    semantic = run("search", "poverty alleviation relocation", "--mode", "semantic", "--facets", "--json")
    # The model loads without drawing a progress bar into the user's terminal or pipe, and without torch.
    assert semantic.stderr.strip() == "False", semantic.stderr
    result = json.loads(semantic.stdout)
    assert set(result) == {"hits", "facets", "candidates", "matches", "unmatched_places"} and result["matches"] >= 1
    assert result["unmatched_places"] == []


def test_a_place_none_of_whose_cases_matches_is_said(seed_index, capsys):
    assert main(["search", "relocation of poor households in Peru", "--index", str(seed_index)]) == 0
    assert "no case about Peru matches well; these are about other places" in capsys.readouterr().out


def test_approaches_lists_the_ids_filters_take(seed_index, capsys):
    assert main(["approaches", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed] == [a.id for a in load_taxonomy().approaches] and all(a["label"] for a in listed)
    assert main(["search", "x", "--approach", "microfinance", "--mode", "keyword", "--index", str(seed_index)]) == 2
    assert "unknown approach 'microfinance'" in capsys.readouterr().err


def test_counts_leave_out_a_part_with_nothing_to_read_and_say_so(tmp_path, capsys):
    # Seen: a survey's reference list and three statistical annexes, each a "case" counted under Nepal.
    from tests.conftest import index_of
    body = ("Farmers in Gandaki Province, Nepal, sold less during the lockdown and borrowed from cooperatives to buy "
            "seed; women-led households cut meals more often than others. ") * 8
    refs = "\n\n".join(f"[{n}] Author {n}, A. (20{10 + n}). Survey of rural households {n}. Kathmandu: Press, "
                       f"pp. {n}-{n + 20}." for n in range(1, 16))
    index = index_of(tmp_path, {"nepal.md": f"# Impact assessment in Nepal\n\n## Findings\n\n{body}\n\n"
                                             f"## Recommendations\n\n{body}\n\n## References\n\n{refs}\n"})
    assert main(["counts", "--index", str(index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    store = open_store(index)
    try:
        titles = [c.title for c in store.cases()]
    finally:
        store.close()
    assert "References" in titles and len(titles) >= 2, titles
    assert data["total"] == len(titles) - 1 and data["no_text"] == 1, data
    assert data["by_country"] == {"NPL": len(titles) - 1}, data


def test_search_text_names_the_cases_next_passages_that_the_json_lists(seed_index, capsys):
    assert main(["search", "relocation of poor households", "--index", str(seed_index), "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)  # without --facets, the JSON is the list of hits
    listed = [h for h in hits if h["matching_passages"]]
    assert listed, hits
    assert main(["search", "relocation of poor households", "--index", str(seed_index), "-k", "3"]) == 0
    out = capsys.readouterr().out
    first = listed[0]
    assert (f"more of this case, best first: passages {', '.join(map(str, first['matching_passages']))} "
            f"(kb show {first['case_id']})") in out, out
    # The first of them in full, as a card shows it under the passage.
    # The first of them in full where it is a good match in the passage's language, as a card shows it.
    shown = [h for h in hits if h["also_text"]]
    assert shown and all(h["matching_passages"] for h in shown), hits
    store = open_store(seed_index)
    for h in shown:
        assert h["also_text"] == store.passages(h["matching_passages"][:1])[h["matching_passages"][0]]["text"]
        assert "also in this case: " + " ".join(h["also_text"].split())[:80] in out, out
    store.close()


def test_search_text_lists_the_weak_cases_apart_after_those_that_match_as_the_json_grades_them(seed_index, capsys):
    assert main(["search", "tourism", "--index", str(seed_index), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    weak = [h["title"][:100] for h in hits if h["relevance"] == "weak" and h["graded"]]
    assert weak and len(weak) < len(hits), hits
    assert main(["search", "tourism", "--index", str(seed_index)]) == 0
    out = capsys.readouterr().out
    head, _, tail = out.partition(f"-- {len(weak)} loosely related:")
    assert tail, out
    assert re.findall(r"(?m)^ ?\d+\. (.*)  \(", tail) == weak
    assert not set(re.findall(r"(?m)^ ?\d+\. (.*)  \(", head)) & set(weak)


def test_search_text_numbers_the_cards_as_it_lists_them_when_a_weak_one_ranked_above_a_match(seed_index, capsys):
    # Over the eval index the page read 1, 4, 5 ... and then 2, 3 under the weak cards' line.
    searcher = Searcher(seed_index, Settings())
    result = searcher.search("tourism", k=6)
    searcher.close()
    hits = [replace(result.hits[0], relevance="weak"), *result.hits[1:]]
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1)) and hits[1].relevance != "weak"
    _print_result(replace(result, hits=tuple(hits)), as_json=False, facets=False)
    out = capsys.readouterr().out
    numbers = [int(n) for n in re.findall(r"(?m)^ ?(\d+)\. ", out)]
    assert numbers == list(range(1, len(hits) + 1)), out
    head, _, tail = out.partition("loosely related:")
    assert hits[0].title[:100] in tail and hits[0].title[:100] not in head, out


def test_search_text_says_each_cards_grade_and_reads_latex_numbers_as_numbers(seed_index, capsys):
    # Walk: the text output named no grade (only --json did) and printed "$1 3 . 5 \%$" where the app shows 13.5%.
    searcher = Searcher(seed_index, Settings())
    result = searcher.search("tourism", k=4)
    searcher.close()
    first, second, *rest = result.hits
    hits = (replace(first, relevance="strong", text="Poverty fell by $1 3 . 5 \\%$ in two years."),
            replace(second, relevance="good", graded=False), *rest)
    _print_result(replace(result, hits=hits), as_json=False, facets=False)
    out = capsys.readouterr().out
    assert re.search(r"(?m)^ 1\. .*  \(strong match\)$", out), out
    assert re.search(r"(?m)^ 2\. .*  \(not graded: other language\)$", out), out
    # No fused score beside the grade: a good match's higher score under a strong one read as a wrong order.
    assert not re.search(r"\[\d+\.\d{3}\]", out), out
    assert "Poverty fell by 13.5% in two years." in out and "\\%" not in out


def test_docs_lists_the_documents_holding_a_case_the_filters_keep(seed_index, capsys):
    assert main(["docs", "--index", str(seed_index), "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert len(every) == 5 and not any("kept" in d for d in every)
    assert main(["docs", "--index", str(seed_index), "--type", "news", "--json"]) == 0
    news = json.loads(capsys.readouterr().out)
    assert news and len(news) < 5 and all(d["doc_type"] == "news" and d["kept"] == d["cases"] for d in news), news
