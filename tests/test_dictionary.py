"""A Chinese question reaches English passages: CC-CEDICT renders it word for word into English."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

import kb.dictionary as dictionary_module
from kb.dictionary import Reading, load_dictionary, parse_cedict
from kb.errors import ConfigError
from kb.explain import Highlighter
from kb.glossary import load_glossary
from kb.pipeline import ingest
from kb.query import make_plan, shown_words
from kb.search import Searcher
from tests.conftest import HASH_ONLY, first_hit

CEDICT = """# CC-CEDICT
和 和 [He2] /surname He/Japanese/
和 和 [he2] /and/together with/with/sum/union/peace/harmony/
和 和 [huo4] /to mix together/to blend/
和政 和政 [He2 zheng4] /Hezheng county in Linxia Hui autonomous prefecture, Gansu/
政府 政府 [zheng4 fu3] /government/CL:個|个[ge4]/
府 府 [fu3] /seat of government/government repository (archive)/
甘肅 甘肃 [Gan1 su4] /Gansu province, abbr. 甘[Gan1] or 隴|陇[Long3], capital Lanzhou/
個 个 [ge4] /CL:個|个[ge4]/
not an entry
"""

SOLAR = """Barefoot solar engineers

Grandmothers from villages in Africa were trained for six months as solar engineers and went home to install and
repair solar energy lanterns, so that households without electricity had light in the evening.
"""
SAVINGS = """Savings groups for market traders

Women who trade in the market meet every week, save small sums and lend to each other from the common fund.
"""


def test_a_word_is_read_by_its_commonest_meaning_and_a_place_by_its_name():
    words = parse_cedict(CEDICT.splitlines(), "mini.txt").words
    # The lower-case reading with the most meanings, its first two; a name up to its first comma.
    assert words["和"] == ("and", "together with") and words["甘肃"] == words["甘肅"] == ("Gansu province",)
    # How a word is counted is not what it means; a word with no meaning left is left out.
    assert words["政府"] == ("government",) and "个" not in words
    with pytest.raises(ConfigError, match=r"empty\.txt: no CC-CEDICT entries"):
        parse_cedict(["# nothing"], "empty.txt")


def test_a_query_is_cut_into_words_both_ways_and_other_text_is_kept():
    dictionary = parse_cedict(CEDICT.splitlines(), "mini.txt")
    # Forward matching alone takes the county 和政 and leaves 府; the backward cut has as many words, and wins.
    assert dictionary.segment("和政府") == ["和", "政府"]
    reading = dictionary.read("WhatsApp 和政府")
    assert reading.english == "WhatsApp and together with government"
    assert reading.words == (("和", ("and", "together with")), ("政府", ("government",)))
    assert dictionary.read("こんにちは政府") == Reading("", ())  # Japanese, not Chinese


def test_the_shipped_dictionary_and_a_missing_one():
    dictionary = load_dictionary()
    assert "solar" in dictionary.read("太阳能工程师").english and "engineer" in dictionary.read("太阳能工程师").english
    with pytest.raises(ConfigError, match=r"nowhere\.txt: dictionary file not found"):
        load_dictionary("nowhere.txt")


def test_the_plan_of_a_chinese_query_reads_its_english_rendering():
    plan = make_plan("培训农村妇女成为太阳能工程师", load_glossary(), {"en"}, dictionary=load_dictionary())
    assert not plan.english and "solar" in plan.main_text and {"solar", "engineer"} <= set(plan.translated)
    # The query's own words stay its keywords (Chinese passages are found by them, as before).
    assert "太阳" in plan.terms and "solar" not in plan.terms
    # An English passage that holds a word's meaning holds the word, for the grade and the count of matches.
    assert (("太阳", "阳能"), ("solar energy",)) in plan.concepts and (("工程", "程师"), ("engineer",)) in plan.concepts
    english = make_plan("solar engineers", load_glossary(), {"en"}, dictionary=load_dictionary())
    assert english.main_text == "solar engineers"


def test_a_chinese_question_finds_an_english_passage_by_its_words(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "solar.md").write_text(SOLAR, encoding="utf-8")
    (tmp_path / "corpus" / "savings.md").write_text(SAVINGS, encoding="utf-8")
    ingest(tmp_path / "corpus", tmp_path / "index", HASH_ONLY)
    for settings, found in ((HASH_ONLY, ["solar.md"]), (replace(HASH_ONLY, dictionary="off"), [])):
        s = Searcher(tmp_path / "index", settings)
        try:
            hits = s.search("太阳能工程师", k=5, mode="keyword").hits
        finally:
            s.close()
        assert [h.source for h in hits] == found
        if hits:  # the English words the question was read as are the ones marked, and they make it a match
            assert {hits[0].text[a:b].lower() for a, b in hits[0].matched} >= {"solar", "engineers"}
            assert hits[0].relevance != "weak"


def test_a_chinese_question_finds_the_english_seed_that_answers_it(seed_index):
    # Before the rendering, the white paper's general passages on poverty reduction came first.
    hit = first_hit(seed_index, "亚洲开发银行的减贫案例征集收到了多少个案例？")
    assert hit.source == "seeds/000_45fcad44f57e7d29.txt"


def test_a_match_of_two_character_pieces_is_named_by_the_words_it_falls_in():
    # Seen: an English question's Chinese rendering 失业保险 (unemployment insurance), read in pieces, named
    # "业保险" on a card about 农业保险 (farm insurance): a fragment that hid what the passage says.
    pieces = ["失业", "业保", "保险"]
    text = "农民参加了农业保险。"
    assert Highlighter().matches(text, pieces, set(pieces))[1] == ["业保险"]
    spans, mine, _ = Highlighter(load_dictionary().segment).matches(text, pieces, set(pieces))
    assert mine == ["农业保险"] and [text[a:b] for a, b in spans] == ["农业保险"]


def test_a_chinese_query_is_shown_by_its_words_not_its_bigrams():
    # A passage reading "帮助农民增加收入" was marked and named "帮助农民增" (the bigrams 帮助 助农 农民 民增 joined).
    plan = make_plan("农村电商如何帮助农民增收", load_glossary(), {"en", "zh"}, dictionary=load_dictionary())
    assert plan.own_terms == ("农村", "电商", "如何", "帮助", "农民", "增收")
    assert "民增" in plan.terms  # the keyword index still reads bigrams
    spans, mine, _ = Highlighter().matches("电商平台帮助农民增加收入，农民增收明显。", list(plan.highlight_terms),
                                           set(plan.own_terms))
    assert mine == ["电商", "帮助", "农民", "增收"]
    # Characters the dictionary cut apart are joined back; a character alone is no word to show.
    assert shown_words("小额信贷的作用", ["小", "额", "信贷", "的", "作用"]) == ("小额", "信贷", "作用")


def test_a_warm_up_reads_the_dictionary_beside_the_searches_once_unless_it_is_off(tmp_path, monkeypatch):
    # The app's first search waited 2.7 s for the models, and its first card showing Chinese 1.7 s more for the
    # dictionary: a long-lived app reads them beside the searches. A search asking meanwhile waits for that
    # read; it does not parse the file a second time.
    file = tmp_path / "mini.txt"
    file.write_text(CEDICT, encoding="utf-8")
    parsed: list[str] = []

    def slow_parse(lines, source):
        parsed.append(source)
        time.sleep(0.3)  # long enough for the searches' threads to ask while it parses
        return parse_cedict(lines, source)

    monkeypatch.setattr(dictionary_module, "parse_cedict", slow_parse)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "doc.md").write_text(SOLAR, encoding="utf-8")
    ingest(tmp_path / "corpus", tmp_path / "index", HASH_ONLY)
    for setting, reads in (("off", []), (str(file), [str(file)])):
        s = Searcher(tmp_path / "index", replace(HASH_ONLY, dictionary=setting))
        try:
            job = s.warm()
            asking = [threading.Thread(target=load_dictionary, args=(str(file),)) for _ in range(3)] if reads else []
            for thread in asking:
                thread.start()
            job.result()
            for thread in asking:
                thread.join()
            assert parsed == reads
            assert s._embedder is not None  # the first search ran: its model is loaded
        finally:
            s.close()
