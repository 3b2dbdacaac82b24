"""Search: modes, filters (true top k), facets, bad input, batch, incremental updates, Chinese, refresh."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb import bm25, keywords
from kb.cli import build_parser, main
from kb.commands import filters_of
from kb.config import Settings, load_settings
from kb.embed import load_embedder
from kb.errors import IndexMissingError, IndexVersionError
from kb.explain import one_run_each
from kb.keywords import KEPT_POSTINGS, kept_postings
from kb.library import Library
from kb.memo import Memo
from kb.models import Filters
from kb.pipeline import ingest
from kb.query import QueryError
from kb.rank import first_in, fold_same_text, repeated_text
from kb.relevance import calibration_sample, cosine_scale, grade_cases
from kb.search import Searcher
from kb.store import Store, text_hash
from kb.tokens import fts_query
from tests.conftest import HASH_ONLY, hits_of, index_of

HASH = Settings(model="hash-64", crosslingual_model="")


def _ingest_and_search(corpus: Path, index: Path, settings: Settings, query: str, **options):
    """The hits of one search of a fresh index of the corpus."""
    ingest(corpus, index, settings)
    return hits_of(index, query, settings=settings, **options)
DOCS = {
    "tourism/homestay.md":
        "# Homestays in Sylhet\n\nIn Sylhet, Bangladesh, an indigenous community runs homestays for "
        "tourists; rural tourism income pays for school fees and the homestay owners formed a cooperative.",
    "tourism/thai.md":
        "# Community-based tourism in Thailand\n\nVillages in Thailand plan community-based tourism with "
        "a social enterprise; tourists stay in homestays and buy crafts, and tourism income stays local.",
    "finance/loans.md":
        "# Microcredit for women in Tunisia\n\nWomen craft makers in Tunisia took microcredit and small "
        "loans from a microfinance bank; savings groups and financial literacy classes followed the loans.",
    "finance/wallet.md":
        "# Mobile money in South Sudan\n\nMobile wallets and mobile money reached traders in South Sudan; "
        "financial inclusion grew as the mobile wallet replaced cash and microcredit followed.",
    "relocation/xinjiang.md":
        "# 易地扶贫搬迁\n\n南疆的易地扶贫搬迁安置点建设了卫星工厂，搬迁户在家门口就业。易地扶贫搬迁后续扶持，"
        "安置点配套扶贫车间，搬迁群众实现稳定就业。",
    "records/cases.csv": "title,description,country\nSolar engineers,Rural women trained as solar engineers install "
                         "solar panels and solar power in their villages; solar energy lights homes.,IND\n"
                         "Cash transfers,Cash transfers and a social safety net pension reach poor households with "
                         "cash assistance every month.,BRA\n",
}


def _write(folder: Path, docs: dict[str, str]) -> Path:
    for rel, text in docs.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("search")
    corpus = _write(root / "corpus", DOCS)
    ingest(corpus, root / "index", HASH)
    return corpus, root / "index"


@pytest.fixture()
def searcher(small):
    s = Searcher(small[1], HASH)
    yield s
    s.close()


def _snapshot(index: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(index.iterdir()) if p.is_file()}


def test_each_mode_finds_the_case_that_shares_the_words(searcher):
    for mode in ("keyword", "semantic", "hybrid"):
        hits = searcher.search("microcredit women Tunisia", k=3, mode=mode).hits
        assert hits[0].source == "finance/loans.md", mode
        assert hits[0].text in hits[0].text and hits[0].start < hits[0].end
    hit = searcher.search("microcredit women Tunisia", k=1).hits[0]
    shown = {hit.text[s:e].lower() for s, e in hit.matched}
    assert {"microcredit", "women", "tunisia"} <= shown
    assert "microcredit" in hit.why and hit.countries == ("TUN",) and "finance" in hit.approaches


def test_results_group_to_one_passage_per_case(searcher):
    hits = searcher.search("tourism homestays", k=10).hits
    assert len({h.case_id for h in hits}) == len(hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_filters_give_the_true_top_k_of_the_allowed_passages(searcher, small):
    filters = Filters(approach=("finance",))
    hits = searcher.search("homestays tourism", k=5, mode="semantic", filters=filters).hits
    store = Store(small[1] / "kb.sqlite", readonly=True)
    allowed = set(store.allowed_passages(filters).tolist())
    ids, vectors = store.all_vectors()
    cases = {pid: c.case_id for pid, c in store.chunks()}
    store.close()
    query = load_embedder("hash-64").encode(["homestays tourism"])[0]
    order = [int(i) for i in ids[np.argsort(-(vectors @ query))] if int(i) in allowed]
    expected = list(dict.fromkeys(cases[i] for i in order))[:5]
    assert [h.case_id for h in hits] == expected
    assert all("finance" in h.approaches for h in hits)
    assert all(h.countries and h.countries[0] in ("IND", "BRA", "TUN", "SSD") for h in hits)
    only_thai = searcher.search("homestays", k=5, filters=Filters(country=("THA",))).hits
    assert {h.source for h in only_thai} == {"tourism/thai.md"}
    assert {h.source for h in searcher.search("tourism", filters=Filters(source=("tourism",))).hits} == {
        "tourism/homestay.md", "tourism/thai.md"}


def test_facet_counts_come_from_the_filtered_candidates(searcher):
    result = searcher.search("income", k=2, filters=Filters(approach=("tourism",)))
    # Facets count the cases that match the query well: the number the search reports, one meaning everywhere.
    assert result.facets["approach"]["tourism"] == result.matches > 0
    assert set(result.facets["country"]) <= {"BGD", "THA"}
    assert result.candidates >= result.matches >= len(result.hits)
    # A filtered facet's own counts leave its filter out: the other approaches show what they would add.
    filtered = searcher.search("microcredit", k=2, filters=Filters(country=("TUN",)))
    counts = searcher.disjunctive_facets("microcredit", "hybrid", Filters(country=("TUN",)), filtered)
    unfiltered = searcher.search("microcredit", k=2).facets
    assert counts["country"] == unfiltered["country"] and set(counts["country"]) > {"TUN"}
    assert counts["approach"] == filtered.facets["approach"] and filtered.matches == 1


@pytest.mark.parametrize("query,k,mode,filters,message", [
    ("", 10, "hybrid", Filters(), "empty"),
    ("   \n ", 10, "hybrid", Filters(), "empty"),
    ("poverty " * 1250, 10, "hybrid", Filters(), "10,000 characters"),
    ("loans", 0, "hybrid", Filters(), "k = 0"),
    ("loans", 1_000_000, "hybrid", Filters(), "k = 1000000"),
    ("loans", 10, "fuzzy", Filters(), "mode 'fuzzy'"),
    ("loans", 10, "hybrid", Filters(approach=("tourismm",)), "unknown approach 'tourismm'"),
    ("loans", 10, "hybrid", Filters(country=("XXX",)), "unknown country 'XXX'"),
    # A country typed by its name, as the CLI upper-cases it, is told its code.
    ("loans", 10, "hybrid", Filters(country=("TUNISIA",)), "unknown country 'TUNISIA': did you mean TUN[?]"),
    ("loans", 10, "hybrid", Filters(year_from=2020, year_to=2010), "2020-2010"),
])
def test_bad_queries_get_a_clear_message_and_change_nothing(searcher, small, query, k, mode, filters, message):
    before = _snapshot(small[1])
    with pytest.raises(QueryError, match=message):
        searcher.search(query, k=k, mode=mode, filters=filters)
    assert _snapshot(small[1]) == before


def test_missing_or_foreign_index_is_a_clear_error(small, tmp_path):
    with pytest.raises(IndexMissingError, match="index folder not found"):
        Searcher(tmp_path / "none", HASH)
    with pytest.raises(IndexVersionError, match="built with model 'hash-64'"):
        Searcher(small[1], Settings(model="hash-32"))


def test_cli_search_prints_the_json_contract_and_errors_without_traceback(small, capsys, monkeypatch):
    monkeypatch.setenv("KB_MODEL", "hash-64")
    assert main(["search", "mobile money", "--index", str(small[1]), "--json", "-k", "2"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2
    required = {"rank", "score", "case_id", "doc_id", "title", "source", "text", "start", "end", "page",
                "approaches", "countries"}
    assert required <= set(hits[0]) and hits[0]["source"] == "finance/wallet.md" and hits[0]["countries"] == ["SSD"]
    assert main(["search", " ", "--index", str(small[1])]) == 2
    err = capsys.readouterr().err
    assert "query is empty" in err and "Traceback" not in err


def test_cli_year_takes_one_year_or_a_range_and_not_both_forms(small, capsys, monkeypatch):
    monkeypatch.setenv("KB_MODEL", "hash-64")
    base = ["search", "loans", "--index", str(small[1]), "--json", "-k", "5"]
    parse = build_parser().parse_args
    assert filters_of(parse([*base, "--year", "2010-2020"])) == Filters(year_from=2010, year_to=2020)
    assert filters_of(parse([*base, "--year", "2015"])) == Filters(year_from=2015, year_to=2015)
    assert main([*base, "--year", "2010", "--year-to", "2030"]) == 2
    assert "name the years twice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--year", "last year"])
    assert "give a year (2015) or a range of years (2010-2020)" in capsys.readouterr().err


def test_cli_batch_answers_each_line_in_order(small, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KB_MODEL", "hash-64")
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join([
        json.dumps({"query": "solar engineers", "k": 1, "mode": "keyword"}),
        json.dumps({"query": "loans", "k": 50, "filters": {"country": ["ZZZ"]}}),
        json.dumps({"query": "homestays", "k": 2, "filters": {"approach": ["tourism"], "country": ["THA"]}}),
        json.dumps({"q": "homestays"}),
        json.dumps({"query": "homestays", "filters": {"countries": ["THA"]}}),
        # A single value is read as one value (not as letters); a script's own id beside the query is let be.
        json.dumps({"id": "q6", "query": "homestays", "k": 2, "filters": {"country": "THA"}}),
    ]) + "\n")
    assert main(["search", "--batch", str(batch), "--index", str(small[1])]) == 3
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [len(x) for x in lines] == [1, 0, 1, 0, 0, 1]
    assert lines[0][0]["title"] == "Solar engineers" and lines[2][0]["source"] == "tourism/thai.md"
    assert lines[5][0]["source"] == "tourism/thai.md"
    assert "line 2" in err and "ZZZ" in err
    assert "line 4: no \"query\" key (found 'q')" in err and "line 5: unknown filter 'countries'" in err


def test_adding_a_document_embeds_only_its_passages(small, tmp_path):
    corpus = _write(tmp_path / "c", DOCS)
    index = tmp_path / "i"
    first = ingest(corpus, index, HASH)
    assert first.embedded == first.passages
    (corpus / "new.md").write_text(
        "# Forest rangers\n\nPoor villagers became forest rangers paid by ecological compensation.")
    second = ingest(corpus, index, HASH)
    assert second.added == ("new.md",) and second.embedded == 1
    hits = Searcher(index, HASH).search("forest rangers", k=1).hits
    assert hits[0].source == "new.md" and "ecological" in hits[0].approaches


def test_a_case_is_shown_by_its_best_passage_with_content_not_by_its_header(tmp_path):
    from kb.explain import is_header

    title = "Seed capital for migrant entrepreneurs in Lima"
    long_story = " ".join(["Migration has shaped human history, and every year millions of people leave their homes "
                           "in search of safety and work in cities where they know nobody."] * 12)
    corpus = _write(tmp_path / "c", {"blog.md": f"# {title}\n\nBy the Accelerator Lab team.\n\n25 July 2023\n\n"
                                               f"{long_story}\n\nThe programme gave seed capital and coaching to two "
                                               "hundred migrant entrepreneurs in Lima, who opened food stalls."})
    ingest(corpus, tmp_path / "i", HASH)
    searcher = Searcher(tmp_path / "i", HASH)
    try:
        passages = [c for _, c in searcher.store.chunks()]
        # The title opens the first passage, with the story (kb.segment), where it had stood alone as a header.
        assert passages[0].text.startswith(f"{title}\n\nMigration")
        assert not any(is_header(c.text, (title,)) for c in passages)
        hit = searcher.search(title, k=1, mode="semantic").hits[0]
    finally:
        searcher.close()
    # The first passage holds the title's words, yet the hit shows the passage that says what the title does.
    assert hit.passage_id != 1 and not is_header(hit.text, (title,)) and hit.rank == 1
    assert not is_header(f"{title}\n\n1. Carrying out a program of roadside maintenance on thirteen thousand "
                         "kilometers of the municipal road network.", (title,))


@pytest.fixture()
def counted(small, monkeypatch):
    """A searcher, and the texts its model is asked to encode, call by call."""
    searcher = Searcher(small[1], HASH)
    calls: list[list[str]] = []
    encode = searcher.embedder.encode_queries
    monkeypatch.setattr(searcher.embedder, "encode_queries", lambda texts: calls.append(list(texts)) or encode(texts))
    yield searcher, calls
    searcher.close()


def test_a_query_text_is_encoded_once_while_filters_change(counted):
    searcher, calls = counted
    first = searcher.search("rural tourism homestays", k=3)
    narrowed = searcher.search("rural tourism homestays", k=3, filters=Filters(country=("BGD",)))
    again = searcher.search("rural tourism homestays", k=3)
    searcher.search("microcredit for women", k=3)
    assert calls == [["rural tourism homestays"], ["microcredit for women"]]
    assert again == first and [h.source for h in narrowed.hits] == ["tourism/homestay.md"]


def test_a_forgotten_query_is_read_again_and_answered_the_same(counted):
    searcher, calls = counted
    first = searcher.search("rural tourism homestays", k=3)
    searcher.forget()  # what the benchmarks call before each timed search
    again = searcher.search("rural tourism homestays", k=3)
    assert calls == [["rural tourism homestays"], ["rural tourism homestays"]]
    assert again == first and first.hits


def test_chinese_text_is_found_by_chinese_keywords(searcher):
    hits = searcher.search("卫星工厂 就业", k=3, mode="keyword").hits
    assert hits[0].source == "relocation/xinjiang.md"
    # The query's words side by side (卫星 and 工厂, as the dictionary cuts it) are marked as one run, not as
    # the bigrams the keyword index reads.
    assert "卫星工厂" in {hits[0].text[s:e] for s, e in one_run_each(hits[0].matched)}
    assert "卫星, 工厂" in hits[0].why
    assert "relocation" in hits[0].approaches and hits[0].countries == ("CHN",)


def test_more_like_this_leaves_out_the_case_itself(searcher):
    case_id = searcher.search("Thailand community-based tourism", k=1).hits[0].case_id
    similar = searcher.more_like_this(case_id, k=3).hits
    assert case_id not in {h.case_id for h in similar}
    assert similar[0].source == "tourism/homestay.md"


def test_more_like_this_lists_other_documents_and_other_rows_of_a_table(tmp_path):
    # A report's other chapters are its neighbours on the case page; "more like this" on its IFAD-framework
    # chapter filled three of its five places with them, above any other source.
    filler = " ".join(f"Guests in year {n} ate local food, walked to the fields and paid." for n in range(12))
    index = index_of(tmp_path, {
        "report.md": f"# Rural tourism report\n\n## Sylhet homestays\n\nAn indigenous community in Sylhet runs "
                     f"homestays for tourists; tourism income pays school fees. {filler}\n\n## Thai homestays\n\n"
                     f"Villages in Thailand plan homestays for tourists with a social enterprise. {filler}\n\n"
                     f"## Lao homestays\n\nHomestays in Laos host tourists; owners formed a cooperative. {filler}\n",
        "other.md": "# Homestays in Nepal\n\nFamilies in Nepal open homestays to tourists and share the tourism "
                    "income.\n",
        "rows.csv": "title,description,country\nHomestays A,Tourists stay in homestays of a mountain village.,IND\n"
                    "Homestays B,Homestays for tourists along a river.,BRA\n"
                    "Solar lamps,Rural women install solar lamps.,KEN\n"}, HASH)
    s = Searcher(index, HASH)
    try:
        first = next(h for h in s.search("Sylhet homestays", k=10).hits if h.source == "report.md")
        similar = s.more_like_this(first.case_id, k=5).hits
        row = next(h for h in s.search("Homestays A", k=10).hits if h.source == "rows.csv")
        rows = s.more_like_this(row.case_id, k=5).hits
    finally:
        s.close()
    assert "other.md" in {h.source for h in similar}
    assert "report.md" not in {h.source for h in similar}
    assert "rows.csv" in {h.source for h in rows}  # a table's rows are cases of their own


def test_more_like_this_reaches_past_a_long_documents_own_passages(tmp_path):
    # A chapter of the Ghana survey (1,900 passages) found only its own report's passages within the pool of
    # nearest ones, all left out as its neighbours, and "more like this" showed nothing.
    para = "Tourists stay in the homestays of village {} in region {} and pay the families for meals and rooms."
    sections = "".join(f"## Region {r}\n\n" + "\n\n".join(para.format(n, r) for n in range(300)) + "\n\n"
                       for r in range(4))  # about 450 passages, more than the pool of nearest ones
    index = index_of(tmp_path, {"report.md": f"# Homestays\n\n{sections}",
                                "other.md": "# Homestays in Nepal\n\nFamilies in Nepal open homestays to tourists "
                                            "and share the tourism income.\n"}, HASH)
    s = Searcher(index, HASH)
    try:
        case = next(h for h in s.search("homestays of village 7 in region 2", k=10).hits if h.source == "report.md")
        similar = s.more_like_this(case.case_id, k=5).hits
    finally:
        s.close()
    assert [h.source for h in similar] == ["other.md"]


def test_cases_are_shown_as_their_cards_grade_them(tmp_path):
    # Five short pages on solar pumps sit closest to "solar lanterns" for the test model and hold one of its
    # words; they were shown above the page that holds both, weak above good.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "festival.md").write_text("# Lantern festival\n\nLanterns, lanterns and more lanterns: the town hangs "
                                        "paper lanterns on every street for the festival.\n", encoding="utf-8")
    (corpus / "barefoot.md").write_text(
        "# Barefoot College\n\nGrandmothers from villages in Africa trained for six months in India and went home "
        "to install solar lanterns, so that households far from the grid had light for children to study in the "
        "evening and for women to work.\n", encoding="utf-8")
    for i in range(1, 6):
        (corpus / f"solar{i}.md").write_text(f"# Solar pumps {i}\n\nSolar pumps irrigate the fields of village {i}, "
                                             "and solar panels on the school roof power its computers.\n",
                                             encoding="utf-8")
    hits = _ingest_and_search(corpus, tmp_path / "index", HASH_ONLY, "solar lanterns", k=5)
    grades = [h.relevance for h in hits]
    assert "weak" in grades and grades == sorted(grades, key=["strong", "good", "weak"].index)
    assert [h.source for h in hits].index("barefoot.md") < grades.index("weak")


def test_a_running_searcher_picks_up_a_new_ingest(tmp_path):
    corpus = _write(tmp_path / "c", {k: v for k, v in DOCS.items() if k.startswith("finance")})
    ingest(corpus, tmp_path / "i", HASH)
    searcher = Searcher(tmp_path / "i", HASH)
    assert searcher.search("solar engineers", k=5, mode="keyword").hits == ()
    _write(corpus, {"records/cases.csv": DOCS["records/cases.csv"]})
    ingest(corpus, tmp_path / "i", HASH)
    assert searcher.search("solar engineers", k=5, mode="keyword").hits[0].title == "Solar engineers"
    searcher.close()


def test_real_model_finds_relocation_in_the_white_paper_by_meaning(seed_index):
    searcher = Searcher(seed_index)
    hits = searcher.search("moving families out of places too harsh to live in", k=5, mode="semantic").hits
    assert any(h.source.endswith("001_eefbb86231c6afad.txt") and "relocat" in h.text for h in hits[:3])
    designated = searcher.search("central units help designated poor counties", k=5,
                                 filters=Filters(approach=("paired_assistance",), country=("CHN",))).hits
    assert designated and all("paired_assistance" in h.approaches and "CHN" in h.countries for h in designated)
    searcher.close()


def test_a_weak_match_is_never_said_to_be_close_in_meaning(seed_index):
    # The why-line of `kb search` (and of the app's cards) follows the relevance grade, not only the rank.
    searcher = Searcher(seed_index)
    nonsense = searcher.search("xyzzyq plugh", k=5).hits
    near = searcher.search("moving families out of places too harsh to live in", k=1, mode="semantic").hits
    searcher.close()
    assert nonsense and all(h.relevance == "weak" for h in nonsense)
    assert all("close in meaning" not in h.why for h in nonsense)
    assert any("loosely related in meaning" in h.why for h in nonsense)
    assert near[0].relevance != "weak" and "close in meaning" in near[0].why


def test_term_shares_count_a_term_once_and_keyword_scores_keep_the_whole_index_statistics(searcher):
    store, matcher = searcher.store, searcher._matcher
    every = matcher.shares(("microcredit", "tourism"), ())
    held = {pid: store.passages([pid])[pid]["text"].lower() for pid in every}
    assert every and all(share == sum(t in held[pid] for t in ("microcredit", "tourism")) / 2
                         for pid, share in every.items())
    # A term held both as itself and through a glossary name counts once; a subset of passages stays a subset.
    doubled = matcher.shares(("microcredit", "tourism"), ((("microcredit",), ("microcredit", "microfinance")),))
    assert all(share <= 1.0 for share in doubled.values()) and set(every) <= set(doubled)
    some = sorted(every)[:1]
    assert set(matcher.shares(("microcredit", "tourism"), (), some)) == set(some)
    # The BM25 of given passages equals the whole ranking's for them (the index's statistics, not the subset's).
    match = fts_query(["tourism", "homestays"])
    ranking = dict(store.keyword_search(match, 100, Filters()))
    subset = sorted(ranking)[:2]
    assert dict(store.keyword_scores(match, subset)) == pytest.approx({pid: ranking[pid] for pid in subset})


def test_kept_postings_rank_and_score_exactly_as_fts5_does(searcher):
    # A query's BM25 summed from each word's postings read alone: the same ids, the same doubles, the same order
    # as FTS5's own OR ranking, with a filter too, on the first ranking (postings read from the words' counts),
    # and the next ones (postings kept); the scores of given passages are those of the whole ranking.
    store, postings = searcher.store, searcher._postings
    terms = ["tourism", "homestays", "women", "microcredit", "poor"]
    for filters in (Filters(), Filters(country=("THA",))):
        fts = store.keyword_search(fts_query(terms), 5, filters, postings.heading_weight)
        allowed = store.allowed_passages(filters)
        rankings = [postings.ranking(terms, 5, filters, allowed) for _ in range(2)]
        searcher.read_words()  # the second ranking had them read beside it
        assert all(postings.held(term) for term in terms)
        rankings.append(postings.ranking(terms, 5, filters, allowed))  # from the kept postings
        assert fts and all(ranking == fts for ranking in rankings)
    whole = dict(postings.ranking(terms, 1000, Filters(), None))
    some = sorted(whole)[:3]
    assert dict(postings.scores(terms, some)) == {pid: whole[pid] for pid in some}
    # Passages asked twice, or holding none of the words, are listed once and not at all.
    holds_none = next(pid for pid in range(1, 10_000) if pid not in whole)
    assert postings.scores(terms, [some[2], holds_none, *some]) == [(pid, whole[pid]) for pid in some]
    # A rare new word beside kept ones is read on the ranking's path, not left to FTS5: the same ranking.
    rare = [*terms, "literacy"]
    assert not postings.held("literacy")
    assert postings.ranking(rare, 5, Filters(), None) == store.keyword_search(fts_query(rare), 5, Filters(),
                                                                             postings.heading_weight)
    assert postings.held("literacy")
    # Some words kept and one new: the kept words' scores and FTS5's for the new one add up to FTS5's own.
    mixed = [*terms, "savings"]
    assert not postings.held("savings")
    for ids in (some, sorted(whole)[-20:]):
        assert postings.scores(mixed, ids) == sorted(store.keyword_scores(fts_query(mixed), ids,
                                                                          postings.heading_weight))
    # Scored within pages a second time (as the common words the rankings leave out are, every search), the new
    # word's postings are read beside the searches; its scores from them are FTS5's.
    searcher.read_words()
    assert postings.held("savings")
    assert postings.scores(mixed, some) == sorted(store.keyword_scores(fts_query(mixed), some, postings.heading_weight))
    assert dict(postings.scores(mixed, sorted(whole))) != dict(postings.scores(terms, sorted(whole)))  # it counts
    assert postings.count("tourism") == len(store.passages_holding(fts_query(["tourism"])))


def test_a_new_word_is_read_from_its_counts_on_its_first_ranking_and_fts5_ranks_where_they_would_differ(
        small, monkeypatch):
    # Reading a token's counts costs less than FTS5's bm25() on its passages (kb.bm25), so a new word is kept
    # from its first ranking; a word FTS5 reads as two tokens is a phrase, which bm25() scores. Where the computed
    # doubles differ from FTS5's on the first word read (a newer SQLite's bm25()), or its row sizes read otherwise
    # (a newer FTS5's records), FTS5 scores every word.
    def unreadable(*_: object) -> None:
        raise ValueError("FTS5's row sizes are not one number per column")

    for differs, broken in ((False, None), (True, "scores"), (True, "sizes")):
        searcher = Searcher(small[1], HASH)
        store, postings = searcher.store, searcher._postings
        asked: list[str] = []
        fts = store.keyword_search
        monkeypatch.setattr(store, "keyword_search",
                            lambda match, *a, asked=asked, fts=fts: asked.append(match) or fts(match, *a))
        if broken == "scores":
            monkeypatch.setattr(bm25, "scores", lambda *a, computed=bm25.scores: computed(*a) * (1 + 1e-12))
        elif broken == "sizes":
            monkeypatch.setattr(store, "row_sizes", unreadable)
        try:
            terms = ["tourism", "microcredit"]
            assert postings.ranking(terms, 5, Filters(), None) == fts(fts_query(terms), 5, Filters(),
                                                                      postings.heading_weight)
            assert asked == [] and all(postings.held(term) for term in terms)
            # The next new words: read from their counts while those equal FTS5's, else ranked by FTS5.
            for term in ("solar", "women's"):
                assert postings.ranking([term], 5, Filters(), None) == fts(fts_query([term]), 5, Filters(),
                                                                          postings.heading_weight)
            assert postings.computed("solar") is not differs and not postings.computed("women's")
            assert postings.held("solar") is not differs and not postings.held("women's")
            assert asked == [fts_query([term]) for term in ("solar", "women's")][differs is False:]
            assert postings.of("solar")[1].tolist() == store.phrase_scores(fts_query(["solar"]),
                                                                           postings.heading_weight)[1].tolist()
        finally:
            monkeypatch.undo()
            searcher.close()


def test_kept_places_and_case_passages_give_the_pages_of_a_searcher_that_keeps_none(searcher):
    # Where passages sit and each case's passages are kept for the index generation (Results.places and
    # case_passages); a page built from them is the page built from the store's rows.
    queries = ["tourism homestays for women", "microcredit for the poor", "solar"]
    first = [searcher.search(q, k=5).hits for q in queries]
    results = searcher._results
    kept = [hit.passage_id for hits in first for hit in hits]
    assert kept and all(results._places.holds(pid) for pid in kept)
    assert all(results._case_rows.holds(hit.case_id) for hits in first for hit in hits)
    again = [searcher.search(q, k=5).hits for q in queries]
    searcher.forget(words=True)
    assert not results._places.holds(kept[0])
    fresh = [searcher.search(q, k=5).hits for q in queries]
    assert first == again == fresh
    assert results.case_passages(["no such case"]) == []


def test_the_postings_kept_grow_with_the_index(searcher):
    # A 1M-passage index's dev queries hold 5.8M postings: a fixed 4M had them read again and again.
    assert kept_postings(1_000) == KEPT_POSTINGS and kept_postings(1_000_000) == 12_000_000
    assert searcher._postings._words.size == kept_postings(searcher.vectors.index.ntotal)


def test_memo_computes_only_what_it_does_not_keep_and_keeps_within_its_weight():
    asked: list[list[int]] = []

    def square(keys: list[int]) -> dict[int, int]:
        asked.append(keys)
        return {k: k * k for k in keys if k != 7}  # 7 has no value

    memo: Memo[int, int] = Memo(3)
    assert memo.get_many([2, 1, 2, 7], square) == {2: 4, 1: 1}
    assert memo.get_many([3, 1], square) == {3: 9, 1: 1}
    assert asked == [[2, 1, 7], [3]]
    assert memo.get_many([4], square) == {4: 16} and not memo.holds(2)  # the one used longest ago went
    assert memo.holds(1) and memo.holds(3) and memo.holds(4)
    assert memo.get(1, lambda: -1) == 1  # used again: 3 is now the one used longest ago
    assert memo.get_many([5], square) == {5: 25} and not memo.holds(3) and memo.holds(1)


def test_a_record_is_dated_by_its_own_row(tmp_path):
    corpus = _write(tmp_path / "corpus", {"rows.csv": "title,description,start year\nSolar engineers,Rural women "
                                          "trained as solar engineers light their villages.,2016\n"})
    hit = _ingest_and_search(corpus, tmp_path / "index", HASH, "solar engineers", k=1, mode="keyword")[0]
    assert hit.published is not None and hit.published.startswith("2016"), hit.published


def test_a_query_that_names_a_country_or_region_shows_its_good_matches_first(tmp_path):
    corpus = _write(tmp_path / "c", {
        "tunisia.md": "# Savings groups and small loans for women\n\nWomen craft makers in Tunisia formed savings "
                      "groups; the savings groups gave small loans to women, and women repaid the small loans.",
        "ghana.md": "# Village savings in Ghana\n\nIn Ghana, women in village savings groups lend small sums to each "
                    "other; a group's savings pay for school fees.",
    })
    ingest(corpus, tmp_path / "i", HASH)
    searcher = Searcher(tmp_path / "i", HASH)
    query = "savings groups and small loans for women in Ghana"
    try:
        plain = searcher.search(query, k=2, filters=Filters(approach=()))
        region = searcher.search(query.replace("Ghana", "West Africa"), k=2)
        filtered = searcher.search(query, k=2, filters=Filters(country=("GHA",)))
        searcher.rules = replace(searcher.rules, place_first="off")
        unmoved = searcher.search(query, k=2)
    finally:
        searcher.close()
    # A region named in the query stands for its countries (kb/data/region_countries.tsv); Tunisia is not in it.
    assert [h.countries for h in region.hits] == [("GHA",), ("TUN",)]
    assert "about Ghana in West Africa, as your query asks" in region.hits[0].why
    # Ranked on words and meaning alone, the Tunisian case holds more of the query; the person asked for Ghana.
    assert [h.countries for h in unmoved.hits] == [("TUN",), ("GHA",)]
    assert [h.countries for h in plain.hits] == [("GHA",), ("TUN",)]
    assert plain.hits[0].relevance != "weak" and "about Ghana, as your query asks" in plain.hits[0].why
    # Moved for its place, a case is graded on what the query asks about: never shown first as a weak match.
    assert region.hits[0].relevance != "weak"
    assert "as your query asks" not in plain.hits[1].why
    # A country filter that says where already grades the case as the page without it does.
    assert [(h.countries, h.relevance) for h in filtered.hits] == [(("GHA",), plain.hits[0].relevance)]


def test_a_country_filter_grades_a_case_as_the_page_without_it_does(tmp_path):
    # Seen: under "mobile money and poverty in Kenya" a card read "strong" and, with the filter Kenya, "good": the
    # filter turned off grading the place's cases on the query's topic, which does not hold the place's name.
    index = index_of(tmp_path, {
        "rows.csv": "title,description,country\nVillage savings,Women in village savings groups give small loans "
                    "to each other and repay the small loans.,GHA\nCraft makers,Women craft makers formed savings "
                    "groups that give small loans.,TUN\n",
        "other.md": "# Roads\n\nRural roads in Ghana were paved by the ministry.\n"}, HASH)
    searcher = Searcher(index, HASH)
    query = "savings groups and small loans for women in Ghana"
    try:
        plain = searcher.search(query, k=3).hits
        filtered = searcher.search(query, k=3, filters=Filters(country=("GHA",))).hits
        searcher.rules = replace(searcher.rules, place_first="off")
        plain_off = searcher.search(query, k=3).hits
        filtered_off = searcher.search(query, k=3, filters=Filters(country=("GHA",))).hits
    finally:
        searcher.close()
    assert (filtered[0].case_id, filtered[0].relevance) == (plain[0].case_id, plain[0].relevance) == (
        plain[0].case_id, "strong")
    # With place-first off (kb.toml), neither page grades a place's cases on the topic alone.
    ghana = {h.case_id: h.relevance for h in plain_off}[filtered[0].case_id]
    assert (filtered_off[0].case_id, filtered_off[0].relevance) == (filtered[0].case_id, ghana) != (
        filtered[0].case_id, "strong")


def test_another_spaces_cosines_are_read_on_the_main_models_scale():
    rng = np.random.default_rng(0)
    main = rng.normal(size=(400, 16))
    main /= np.linalg.norm(main, axis=1, keepdims=True)
    # The same space is its own scale; a space whose cosines all sit higher maps onto the main one in order.
    same = cosine_scale(main, main)
    assert same.read(np.array([0.1, 0.3, 0.5])) == pytest.approx([0.1, 0.3, 0.5], abs=0.02)
    wide = np.hstack([main, np.ones((400, 16)) / 4.0])
    wide /= np.linalg.norm(wide, axis=1, keepdims=True)
    scale = cosine_scale(main, wide)
    read = scale.read(np.array([0.55, 0.6, 0.65]))
    assert list(read) == sorted(read) and scale.read(np.array([-0.5]))[0] == -1.0


def test_the_calibration_sample_stays_when_a_document_is_added_or_read_again():
    # Chosen by place, one more passage early in the index shifted the whole sample, and with it the grade
    # of every Chinese passage; chosen by text, the passages sampled before are sampled again.
    passages = [(i, text_hash(f"passage {i}")) for i in range(20_000)]
    ids, asked = calibration_sample(passages, 2_000)
    assert 1_700 < len(ids) < 2_300 and 0.06 < asked.mean() < 0.12
    shifted = [(i + 1, h) for i, h in passages]  # a new passage first: every id moves
    again, asked_again = calibration_sample([(0, text_hash("a new passage")), *shifted], 2_000)
    kept = {i + 1 for i in ids}
    assert len(kept & set(again)) >= 0.99 * len(kept)
    same = {i: a for i, a in zip(again, asked_again)}
    assert all(same[i + 1] == a for i, a in zip(ids, asked) if i + 1 in same)


def test_a_strong_match_needs_meaning_and_words_to_agree():
    # Both words of "school feeding", far apart in a loan agreement's list of sectors (cosine 0.20), are a good
    # match, not a strong one; near in meaning they are strong. Near in meaning with half of the words (a survey's
    # pre-school education, cosine 0.63) is good, not strong; in keyword mode there is no meaning to ask, and a
    # query without words to hold (all common) has only the meaning.
    passages = [(1, "loan"), (2, "survey"), (3, "meal"), (4, "pre-school")]
    shares = {1: 1.0, 2: 1.0, 3: 0.75, 4: 0.5}
    assert grade_cases(passages, {1: 0.20, 2: 0.50, 3: 0.62, 4: 0.63}, shares, 2) == {
        "loan": "good", "survey": "strong", "meal": "strong", "pre-school": "good"}
    assert grade_cases(passages, {}, shares, 2) == {
        "loan": "strong", "survey": "strong", "meal": "strong", "pre-school": "weak"}
    assert grade_cases(passages, {1: 0.20, 2: 0.50, 3: 0.62, 4: 0.63}, {}, 0)["pre-school"] == "strong"


def test_cases_moved_ahead_keep_their_documents_order():
    order = ["r-1", "x-1", "r-2", "r-3", "t-1", "t-2"]
    document_of = {c: c.split("-")[0] for c in order}
    # r-3 is eligible; its report's sections r-1 and r-2 share its place: r-1 takes the slot, in its first order.
    assert first_in(order, {"r-3", "t-2"}, document_of, {"r-1", "r-2", "r-3"}) == ["r-1", "t-2", "x-1", "r-2",
                                                                                  "r-3", "t-1"]
    assert first_in(order, {"t-2"}, document_of) == ["t-2", "r-1", "x-1", "r-2", "r-3", "t-1"]


def test_every_region_a_query_can_name_has_its_countries():
    from kb.gazetteer import default_gazetteer, region_countries, region_label

    members = region_countries()
    assert set(members) == {p.code for p in default_gazetteer().names.values() if p.kind == "region"}
    assert "KEN" in members["east_southern_africa"] and "KEN" not in members["west_central_africa"]
    assert members["west_central_africa"] <= members["sub_saharan_africa"] <= members["africa"]
    assert region_label("east_southern_africa") == "East and Southern Africa"


def test_a_case_counts_under_the_regions_of_its_focus_countries(searcher):
    # Neither the Tunisian nor the South Sudanese text names Africa; both are about African countries.
    hits = searcher.search("microcredit and loans", k=10, filters=Filters(region=("africa",))).hits
    assert {h.countries for h in hits} == {("TUN",), ("SSD",)}
    assert all("africa" in h.regions for h in hits)
    assert "east_southern_africa" in next(h.regions for h in hits if h.countries == ("SSD",))


def test_a_passage_without_the_querys_telling_word_is_not_a_strong_match(tmp_path):
    # "land titling for smallholder farmers": a passage holding "land", "smallholder" and "farmers" held three
    # quarters of the words and was graded strong, though it says nothing of titling.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = ["irrigation canals", "seed fairs", "crop insurance", "dairy cooperatives", "market roads"]
    for n, topic in enumerate(topics):
        (corpus / f"farm{n}.md").write_text(
            f"# Farmers and {topic}\n\nSmallholder farmers on small plots of land gained from {topic}; "
            "the land they farm is rented.", encoding="utf-8")
    (corpus / "titles.md").write_text(
        "# Titles for plots\n\nThe programme issued land titling certificates so that each family's plot "
        "is registered.", encoding="utf-8")
    hits = _ingest_and_search(corpus, tmp_path / "index", HASH, "land titling smallholder farmers", k=10,
                              mode="keyword")
    grade = {Path(h.source).stem: h.relevance for h in hits}
    assert grade["titles"] == "strong"
    assert {grade[f"farm{n}"] for n in range(len(topics))} <= {"good", "weak"}


def test_cases_ranked_by_the_same_text_show_on_one_card(tmp_path):
    # A project and its additional financing share their objective sentence: the three showed it on three cards.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shared = ("The objective is to improve the resilience of pastoralists and agro-pastoralists in selected areas "
              "of the Sahel region through animal health services, water points and access to markets.")
    rest = {"parent": "veterinary clinics and vaccination campaigns reached herds across six countries",
            "niger": "additional financing extended the corridors and the fodder banks in Niger and Mauritania",
            "burkina": "additional financing added emergency feed and cash support for herders in Burkina Faso"}
    for name, words in rest.items():
        body = " ".join(f"In year {n} {words}, and the district teams reported on progress {n}." for n in range(40))
        intro = f"This page describes project {name} as its team wrote it up for the partners: {words} in the end."
        (corpus / f"{name}.md").write_text(f"# Project {name}\n\n{intro}\n\n{shared}\n\n{body}\n", encoding="utf-8")
    (corpus / "other.md").write_text("# Fisheries\n\nFishing cooperatives on the lake shared boats and nets "
                                     "and sold their catch together at the landing site each morning.\n",
                                     encoding="utf-8")
    hits = _ingest_and_search(corpus, tmp_path / "index", HASH_ONLY, "resilience of pastoralists in the Sahel", k=5)
    first = hits[0]
    assert first.text.startswith("The objective is to improve")
    assert [h for h in hits if h.text.startswith("The objective")] == [first]
    assert len(first.same_text) == 2 and {Path(src).stem for _, _, src in first.same_text} | {
        Path(first.source).stem} == {"parent", "niger", "burkina"}
    assert fold_same_text(["a", "b", "c", "d"], {"a": "x", "b": "y", "c": "x", "d": "x"}) == (
        ["a", "b"], {"a": ["c", "d"]})


def test_a_report_that_reprints_its_own_paragraph_shows_it_on_one_card(tmp_path):
    # Seen: "cash transfers for elderly people" showed a South Sudan report's survey chapter and its background
    # chapter as two cards with the same two sentences (the background reprints the finding, a few words apart).
    finding = ("Using mobile money to distribute cash transfers has also been more effective and cost efficient: "
               "moving large amounts of cash through high-risk areas often required security services, costing up "
               "to 30% of the transfer value. Mobile money has improved payment confidentiality too.")
    background = " ".join(f"The survey team visited market {n} and counted the traders who keep a phone." for n in
                          range(30))
    survey = " ".join(f"In county {n} the agents said that traders top up airtime every week." for n in range(30))
    corpus = _write(tmp_path / "corpus", {"report.md": (
        f"# Mobile wallets report\n\n## 1. Background\n\n{background}\n\nHowever, it needs phones. {finding}"
        f"\n\n{background}\n\n## 3. Survey findings\n\n{survey}\n\n{finding}\n\n{survey}\n")})
    hits = _ingest_and_search(corpus, tmp_path / "index", HASH_ONLY, "mobile money to distribute cash transfers", k=5)
    shown = [h for h in hits if "transfer value" in h.text]
    assert len(shown) == 1 and [title for _, title, _ in shown[0].same_text] == [
        "1. Background" if shown[0].title.endswith("Survey findings") else "3. Survey findings"], [
        (h.title, h.text[:60]) for h in hits]
    assert repeated_text(["a", "b", "c"], {"a": finding, "b": "However, it needs phones. " + finding, "c": finding},
                         {"a": "d1", "b": "d1", "c": "d2"}) == {"b": "a"}


def test_a_food_security_project_is_no_strong_match_for_school_meals(tmp_path):
    # Walk 3: "school meals programme" graded six cards strong, five of them food-security and nutrition projects
    # with no school in them, because one glossary term named school meals and food security alike.
    index = index_of(tmp_path, {
        "meals.txt": "School meals in Ghana\n\nThe Ghana School Feeding Programme gives every pupil of a public "
                     "primary school in the poorest districts one hot meal a day, cooked by women from the village. "
                     "Enrolment rose where the school meals programme started, most of all among girls.",
        "food.txt": "Food and nutrition security in Haiti\n\nThe programme will improve food security and nutrition of "
                    "poor households: fortified meals for young children under five and pregnant women, cooked in "
                    "community kitchens, and support to local production of staple crops so that families have "
                    "enough to eat in the lean season.",
    })
    searcher = Searcher(index)
    hits = {h.source: h.relevance for h in searcher.search("school meals programme", 10).hits}
    searcher.close()
    assert hits["meals.txt"] == "strong" and hits["food.txt"] != "strong"


def test_the_place_a_query_names_does_not_make_a_match_alone(tmp_path):
    corpus = _write(tmp_path / "c", {
        "rwanda.md": "# Rwanda's green bonds\n\nHow did Rwanda do it? How did Rwanda pay? Rwanda sold green bonds.",
        "djibouti.md": "# Zero stunting in Djibouti\n\nThe project helped reduce stunting among children under "
                       "five: child stunting fell in every district.",
    })
    ingest(corpus, tmp_path / "i", HASH)
    searcher = Searcher(tmp_path / "i", HASH)
    try:
        result = searcher.search("how did Rwanda reduce child stunting", k=2)
        plain = searcher.search("how did Rwanda pay for green bonds", k=2)
    finally:
        searcher.close()
    grades = {h.countries: h.relevance for h in result.hits}
    # The Rwandan case holds the query's place and none of what it asks about: shown, but not as a match.
    assert grades == {("RWA",): "weak", ("DJI",): "good"}, grades
    assert [h.case_id for h in result.hits if h.countries == ("DJI",)] == sorted(result.matching)
    # On its own topic the same case matches; for the stunting question, Rwanda's cases are said to match none.
    assert plain.hits[0].countries == ("RWA",) and plain.hits[0].relevance != "weak"
    assert result.unmatched_places == ("Rwanda",) and plain.unmatched_places == ()


def test_a_document_shows_two_of_its_cases_and_says_how_many_more(tmp_path):
    # A long report split into many cases on one topic filled a broad query's page (the issue's "one document
    # floods the page"); two of its cases are shown, and its last shown says how many more it holds.
    # Each section tells its own district (sections of one text would be one text, listed on one card).
    uses = ["goats", "seed", "school fees", "a sewing machine", "a market stall", "a water tank"]
    sections = "\n\n".join(f"## {n}. Savings groups in district {n}\n\n" + " ".join(
        f"In district {n}, week {w}, the savings groups lent {w * n} members money for {uses[(n + w) % 6]}; "
        f"women in savings groups there repaid {uses[(n * w) % 6]} loans first." for w in range(1, 25))
        for n in range(1, 7))
    corpus = _write(tmp_path / "corpus", {"report.md": f"# Savings groups report\n\n{sections}",
                                          "other.md": "# Savings groups in Kenya\n\nSavings groups in Kenya lend "
                                                      "to women who save weekly in savings groups."})
    hits = _ingest_and_search(corpus, tmp_path / "index", HASH, "savings groups", k=10)
    report = [h for h in hits if h.source == "report.md"]
    assert len(report) == 2 and report[-1].more_from_document >= 1, [(h.title, h.more_from_document) for h in hits]
    # And how many of those match well, so that the cards and the link add up to "N cases match well" (walk: "5
    # cases match well" over two cards and "4 more cases from this document", one of the four weak).
    assert report[-1].more_matching_from_document == report[-1].more_from_document


def test_a_hit_left_off_for_saying_nothing_of_why_is_replaced_by_the_next_case(tmp_path, monkeypatch):
    # kb.hits.assemble leaves off a hit that cannot say why it is there; the page takes the next cases in its place
    # so that it still holds k hits while the library has more.
    import kb.results

    corpus = _write(tmp_path / "corpus", DOCS)
    ingest(corpus, tmp_path / "index", HASH)
    before = hits_of(tmp_path / "index", "tourism income homestays microcredit", k=3, settings=HASH)
    dropped = before[0].case_id
    real = kb.results.assemble

    def without_first(page, *args, **kwargs):
        return tuple(h for h in real(page, *args, **kwargs) if h.case_id != dropped)

    monkeypatch.setattr(kb.results, "assemble", without_first)
    after = hits_of(tmp_path / "index", "tourism income homestays microcredit", k=3, settings=HASH)
    assert len(before) == len(after) == 3 and dropped not in [h.case_id for h in after]
    assert [h.case_id for h in after[:2]] == [h.case_id for h in before[1:]]


def test_a_warm_up_keeps_the_commonest_words_by_their_tokens_and_ranks_from_them_as_fts5_does(searcher, monkeypatch):
    # A query's new common words are what FTS5 ranks slowest (at 100k passages a first pass of the dev queries
    # had p95 185 ms, 81 once they were read): a long-lived app reads them after its first search. They are kept
    # by the tokens FTS5 reads a word as, so "homestay" finds the postings read for "homestays".
    store, postings = searcher.store, searcher._postings
    assert store.tokens("homestays") == store.tokens("homestay") == ("homestai",)  # Porter's stem
    assert store.tokens("Labour-intensive") == ("labour", "intens")
    # A word held by fewer passages than WARM_LEAST costs a search little to read when asked: none is warmed here.
    assert postings.common_words() == []
    monkeypatch.setattr(keywords, "WARM_LEAST", 1)
    words = postings.common_words()
    assert {"homestai", "tourism", "microcredit"} <= set(words) and not {"the", "and", "in"} & set(words)
    searcher.warm().result()
    assert all(postings.held(word) for word in ("homestays", "homestay", "tourism", "microcredit"))
    asked: list[str] = []
    fts = store.keyword_search
    monkeypatch.setattr(store, "keyword_search", lambda match, *a: asked.append(match) or fts(match, *a))
    terms = ["homestay", "tourism", "microcredit"]
    ranking = postings.ranking(terms, 5, Filters(), None)
    assert asked == [] and ranking == fts(fts_query(terms), 5, Filters(), postings.heading_weight)
    assert postings.count("homestays") == len(store.passages_holding(fts_query(["homestays"])))


def test_the_app_warms_its_searcher_unless_the_setting_says_not_to(small, monkeypatch):
    # A long-lived app's searcher warms beside the first searches (at 1M passages 12 s of a core and about
    # 200 MB); `warm = false` or KB_WARM=0 leaves each part to the first search that needs it.
    monkeypatch.setattr(keywords, "WARM_LEAST", 1)  # this small index's words are all rarer than that
    assert load_settings(environ={"KB_WARM": "0"}).warm is False and Settings().warm is True
    for warm in (True, False):
        library = Library(small[1], replace(HASH, warm=warm))
        searcher = library.searcher
        try:
            if warm:
                assert library.warming is not None
                library.warming.result()
                assert searcher._embedder is not None and searcher._postings.held("tourism")
            else:
                assert library.warming is None and searcher._embedder is None
        finally:
            searcher.close()
