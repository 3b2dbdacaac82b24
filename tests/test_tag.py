"""Tagging: cue phrases on stems, negation, passing mentions, the gazetteer, roles, columns and evidence."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb.cli import main
from kb.config import Settings
from kb.cues import cue_matcher
from kb.embed import HashEmbedder
from kb.errors import ConfigError
from kb.gazetteer import default_gazetteer
from kb.models import TAG_SOURCES, Case, Chunk, Document, Segmented, Tag
from kb.tag import Tagger, Themes, approach_prototypes
from kb.taxonomy import load_goals, load_taxonomy, parse_taxonomy
from tests.conftest import SEEDS, prepare_path

TAXONOMY = load_taxonomy()


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(TAXONOMY, default_gazetteer())


def _doc(paragraphs: list[str], title: str = "A case", doc_type: str = "case", language: str = "en",
         meta: tuple = ()) -> Segmented:
    """A one-case document whose passages are the given paragraphs."""
    text = "\n\n".join(paragraphs)
    doc = Document("d1", "x.txt", title, "txt", doc_type, language, None, None, "h", text, (), meta)
    chunks, pos = [], 0
    for i, para in enumerate(paragraphs):
        chunks.append(Chunk("c1", "d1", i, pos, pos + len(para), para))
        pos += len(para) + 2
    return Segmented(doc, (Case("c1", "d1", 0, title, (title,), 0, len(text)),), tuple(chunks))


def _approaches(tags) -> set[str]:
    return {t.value for t in tags if t.kind == "approach"}


def test_cues_match_on_stems_in_each_language_and_skip_negations():
    cues = cue_matcher(TAXONOMY)
    found = lambda text, lang: {h.approach for h in cues.find(text, lang)}  # noqa: E731
    assert "relocation" in found("The relocated households moved in 2018.", "en")
    assert "relocation" in found("Relocating villages out of the mountains.", "en")
    assert "finance" in found("Los microcréditos llegaron a las mujeres.", "es")
    assert "finance" in found("Acesso ao microcrédito rural.", "pt")
    assert "relocation" in found("实施易地扶贫搬迁工程。", "zh")
    assert "tourism" not in found("The project did not include tourism at all.", "en")
    assert "relocation" not in found("这些村没有搬迁。", "zh")
    assert "ecommerce" in found("Farmers joined e-commerce and e commerce platforms.", "en")


def test_a_passing_mention_does_not_tag_a_long_document(tagger):
    body = ["Microcredit groups gave small loans and savings accounts to poor women borrowers; the "
            f"microfinance institution {i} also ran financial literacy classes for the savings group."
            for i in range(30)]
    body[17] += " Some visitors came as tourists to a homestay nearby."
    tags = tagger.tag(_doc(body)).document
    assert "finance" in _approaches(tags)
    assert "tourism" not in _approaches(tags)


def test_a_case_about_an_approach_is_tagged_with_evidence_that_reads_as_such(tagger):
    seg = _doc(["Rural tourism in the village: homestays run by poor households host tourists every summer.",
                "The scenic area brought tourism income and the homestay owners formed a cooperative."])
    tags = [t for t in tagger.tag(seg).document if t.value == "tourism"]
    assert tags and 0.5 <= tags[0].confidence <= 1.0
    for ev in tags[0].evidence:
        assert seg.document.text[ev.start:ev.end] == ev.text
        assert any(w in ev.text.lower() for w in ("tourism", "homestay", "tourist"))


def test_a_country_named_only_by_its_states_or_its_projects_name_is_found():
    # Seen on World Bank records with the country column hidden: "Adamawa, Borno, and Yobe States" (Nigeria), the
    # Mai-Ndombe province (DR Congo), and "Guinea Commercial Agriculture Development Project", "Chad First
    # Programmatic ... Grant" (spaCy reads the whole as an organisation, and "Chad" opening a text was read as
    # "had") found no country; "other Lake Chad countries" was Chad.
    g = default_gazetteer()
    codes = lambda text: [m.code for m in g.find(text)]  # noqa: E731
    assert codes("communities of Adamawa and Borno States, and the Mai-Ndombe province") == [
        "NGA", "NGA", "COD"]
    assert codes("Guinea Commercial Agriculture Development Project") == ["GIN"]
    assert codes("a Vocational Training Centre in Northern Bosnia") == ["BIH"]
    assert codes("Chad First Programmatic Economic Recovery and Resilience Grant") == ["TCD"]
    assert codes("the Development Policy Operation Project for Chad") == ["TCD"]
    assert [m.kind for m in g.find("coordination among other Lake Chad countries")] == ["region"]
    # A subdivision named by words alone is no one place ("North Western", Sierra Leone's); a person is no country.
    assert codes("the North Western trail; Chad Johnson presented the programme.") == []


def test_a_programming_language_is_no_island_its_provinces_are():
    # Seen: a Cabo Verde terms of reference asking for "Conhecimento de linguagens: Java, PHP" was about Indonesia
    # too (focus, in the comparison and every count by country).
    g = default_gazetteer()
    assert [m.code for m in g.find("• Conhecimento de linguagens: Java, PHP\n\n• Base de Dados MySQL")] == []
    assert [m.text for m in g.find("districts of West Java and Central Java used the app")] == [
        "West Java", "Central Java"]


def test_the_dollar_written_us_and_a_sea_are_no_countries():
    # Seen as focus countries of World Bank records: "(US 55 Million Dollars Equivalent)" made a Comoros grant
    # about the United States; "Red Sea and Gulf of Aden" made a regional fisheries programme about Yemen.
    g = default_gazetteer()
    assert [m.code for m in g.find("an IDA Credit of Euro 47.5 Million (US 55 Million Dollars Equivalent)")] == []
    assert [m.code for m in g.find("a grant of US$ 40 million")] == []
    assert [m.code for m in g.find("We use US Current Population Survey data")] == ["USA"]
    assert [(m.code, m.kind) for m in g.find("Fishery Development in Red Sea and Gulf of Aden")] == [("mena", "region")]
    assert [m.code for m in g.find("the port of Aden")] == ["YEM"]
    # A sea named after a country is not the country: piracy in the Gulf of Guinea is not a case in Guinea.
    assert [m.code for m in g.find("piracy in the Gulf of Guinea and the Sea of Japan")] == []
    assert [m.code for m in g.find("farmers in Guinea and Japan")] == ["GIN", "JPN"]
    assert [m.code for m in g.find("fishers of the South China Sea")] == ["east_asia_pacific"]
    # A river, basin or animal named like a country is not the country: the Congo Basin's forests span six.
    assert [m.code for m in g.find("Forests of the Congo Basin, the Niger River and the Chad Basin")] == []
    assert [m.code for m in g.find("Guinea fowl and Guinea worm in Burkina Faso")] == ["BFA"]


def test_asian_regions_are_the_ones_named():
    """"South Asia" is South Asia: a walk query for "small loans for women entrepreneurs in South Asia" put China
    first, "about China in South Asia, as your query asks", for the region had read as all of Asia and the Pacific."""
    from kb.gazetteer import region_countries
    from kb.glossary import load_glossary
    from kb.query import make_plan

    g = default_gazetteer()
    assert [m.code for m in g.find("microfinance in South Asia and Southeast Asia")] == ["south_asia", "southeast_asia"]
    assert [m.code for m in g.find("ASEAN members, the Asia-Pacific and East Asia and Pacific")] == [
        "southeast_asia", "asia_pacific", "east_asia_pacific"]
    members = region_countries()
    assert {"IND", "BGD", "PAK"} <= members["south_asia"] and "CHN" not in members["south_asia"]
    assert {"CHN", "VNM", "FJI"} <= members["east_asia_pacific"] and "IND" not in members["east_asia_pacific"]
    assert "VNM" in members["southeast_asia"] and not {"CHN", "IND"} & members["southeast_asia"]
    # Each subregion lies inside Asia and the Pacific, which still holds them all.
    for region in ("south_asia", "east_asia_pacific", "southeast_asia"):
        assert members[region] <= members["asia_pacific"]
    plan = make_plan("small loans for women entrepreneurs in South Asia", load_glossary(), {"en"})
    assert "IND" in plan.countries and "CHN" not in plan.countries


def test_gazetteer_aliases_provinces_and_regions():
    g = default_gazetteer()
    codes = lambda text: [(m.code, m.kind == "region") for m in g.find(text)]  # noqa: E731
    assert codes("Lao PDR, Burma, Viet Nam and Côte d'Ivoire") == [
        ("LAO", False), ("MMR", False), ("VNM", False), ("CIV", False)]
    assert codes("the Federative Republic of Brazil") == [("BRA", False)]
    assert codes("Longnan in Gansu, and 陕西 too") == [("CHN", False), ("CHN", False), ("CHN", False)]
    assert codes("Western and Central Africa, Latin America and ASEAN") == [
        ("west_central_africa", True), ("latin_america_caribbean", True), ("southeast_asia", True)]
    # Words, currencies, addresses and languages are not countries.
    assert codes("we ate turkey; US$ 5 million in United States dollars; read it in Spanish.") == []
    assert codes("1818 H Street, N.W., Washington, D.C. 20433 United States of America") == []
    # The same address over two lines, and a telex number: the Algeria loan agreement's notices made it about the
    # United States once its cover page stopped counting as prose.
    assert codes("1818 H Street, N.W.\n\nWashington, D.C. 20433\n\n"
                 "INTBAFRAD 248423 (MCI) or Washington, D.C. 64145") == []
    # A city that names a global agreement is not where a case happens: the IFAD Strategic Framework cites the
    # Addis Ababa Action Agenda five times and was tagged Ethiopia. A country's own framework stays its own.
    assert codes("the Addis Ababa Action Agenda, the Paris Agreement, the Sendai Framework for Disaster Risk "
                 "Reduction, the Kyoto Protocol and the Beijing Declaration and Platform for Action") == []
    assert codes("a clinic in Addis Ababa; the Ethiopia Country Strategic Framework") == [("ETH", False)] * 2
    assert g.lookup("Republic of Uganda").code == "UGA" and g.lookup("eth").code == "ETH"
    # Typeset text writes the apostrophe curly: 412 of 963 World Bank abstracts name "Lao People’s Democratic
    # Republic" or "Côte d’Ivoire" that way, and were tagged with no country at all.
    assert codes("the Lao People’s Democratic Republic and Côte d’Ivoire") == [("LAO", False), ("CIV", False)]
    assert g.lookup("Lao People’s Democratic Republic").code == "LAO"


def test_a_document_of_several_cases_needs_more_than_one_passing_name_for_its_focus(tagger):
    # The IFAD Strategic Framework (14 cases) names Mozambique once, in passing, and was tagged about it; a short
    # one-case post that names its country once is about it.
    paragraphs = ["Rural transformation needs investment in smallholder agriculture and rural finance.",
                  "Cyclone recovery in Mozambique showed how fast rural assets can be rebuilt.",
                  "Partnerships with governments and the private sector scale up what works."]
    one = {t.value: t.role for t in tagger.tag(_doc(paragraphs, title="Rural strategy")).document
           if t.kind == "country"}
    assert one == {"MOZ": "focus"}
    seg = _doc(paragraphs, title="Rural strategy")
    text = seg.document.text
    cut = text.index("Partnerships")
    cases = (Case("c1", "d1", 0, "Vision", ("Vision",), 0, cut - 2),
             Case("c2", "d1", 1, "Partnerships", ("Partnerships",), cut, len(text)))
    chunks = tuple(replace(c, case_id="c2" if c.start >= cut else "c1") for c in seg.chunks)
    several = tagger.tag(Segmented(seg.document, cases, chunks))
    assert {t.value: t.role for t in several.document if t.kind == "country"} == {"MOZ": "mention"}


def test_most_named_country_is_the_focus_and_others_are_mentions(tagger):
    seg = _doc(["Bangladesh: char dwellers in Sylhet and Dhaka got cash for work.",
                "Bangladesh extended the programme; a study tour visited India once."], title="Bangladesh chars")
    countries = {t.value: t for t in tagger.tag(seg).document if t.kind == "country"}
    assert countries["BGD"].role == "focus" and countries["BGD"].confidence == 1.0
    assert countries["IND"].role == "mention"
    assert {e.text for e in countries["BGD"].evidence} >= {"Bangladesh", "Sylhet"}


def test_a_country_column_or_metadata_sets_the_focus_and_says_so(tagger):
    seg = _doc(["The project trains Kenyan farmers, with a study visit to Uganda and Uganda again."],
               meta=(("country", "Republic of Kenya"),))
    tags = tagger.tag(seg).document
    kenya = next(t for t in tags if t.value == "KEN")
    assert kenya.role == "focus" and kenya.source == "metadata"
    assert next(t for t in tags if t.value == "UGA").role == "mention"
    record = Segmented(seg.document, (Case("c1", "d1", 0, "r", ("r",), 0, len(seg.document.text),
                                           fields=(("country", "ETH,DJI"),)),), seg.chunks)
    case_tags = dict(tagger.tag(record).cases)["c1"]
    assert [(t.value, t.source) for t in case_tags if t.kind == "country" and t.role == "focus"] == [
        ("ETH", "column"), ("DJI", "column")]
    hidden = dict(tagger.tag(record, use_columns=False).cases)["c1"]
    assert {t.value for t in hidden if t.role == "focus"} == {"UGA"}


def test_chinese_documents_get_countries_and_approaches(tagger):
    text = ["甘肃陇南实施易地扶贫搬迁，搬迁户在安置点发展产业。易地扶贫搬迁后续扶持。",
            "陕西的搬迁安置点建设了扶贫车间，安置搬迁户就业，易地扶贫搬迁成效明显。"]
    tags = tagger.tag(_doc(text, title="易地扶贫搬迁", language="zh")).document
    assert "relocation" in _approaches(tags)
    assert [(t.value, t.role) for t in tags if t.kind == "country"] == [("CHN", "focus")]


def test_taxonomy_is_data_and_bad_files_are_named(tmp_path):
    assert len(TAXONOMY.approaches) == 20 and TAXONOMY.ids[:4] == ("industry", "tourism", "ecommerce", "consumption")
    custom = parse_taxonomy('[[approach]]\nid = "fishing"\nlabel = "Fishing"\ndefinition = "Fisheries."\n'
                            'en = ["fishing boat", "fish farming"]\n', "mine.toml")
    hits = cue_matcher(custom).find("They bought fishing boats for fish farming.", "en")
    assert [h.approach for h in hits] == ["fishing", "fishing"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[approach]]\nid = "Bad Id"\nlabel = "x"\ndefinition = "y"\nen = ["z"]\n')
    with pytest.raises(ConfigError, match=r"bad\.toml.*'Bad Id'"):
        load_taxonomy(bad)
    bad.write_text('[[approach]]\nid = "ok"\nlabel = "x"\ndefinition = "y"\nen = "not a list"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml.*'ok' en"):
        load_taxonomy(bad)


def test_every_evidence_span_of_the_corpus_reads_as_its_tag(tagger):
    cues = cue_matcher(TAXONOMY)
    g = default_gazetteer()
    for path in sorted(SEEDS.glob("*")):
        seg = prepare_path(path)
        tagged = tagger.tag(seg)
        text = seg.document.text
        for tag in list(tagged.document) + [t for _, tags in tagged.cases for t in tags]:
            assert tag.kind != "approach" or tag.evidence, f"{path.name}: {tag.value} has no evidence"
            for ev in tag.evidence:
                assert text[ev.start:ev.end] == ev.text, f"{path.name}: {tag.value} span does not cut out its text"
                if tag.kind == "approach":
                    assert tag.value in {h.approach for h in cues.find(ev.text, "en")}, f"{path.name}: {ev.text!r}"
                else:
                    assert tag.value in {m.code for m in g.find(ev.text)}, f"{path.name}: {ev.text!r}"


def test_kb_tag_prints_the_json_contract_for_a_folder(tmp_path, capsys):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "gansu.txt").write_text(
        "E-commerce in Gansu\n\nIn Longnan, Gansu, poor farmers opened online stores on Taobao and sold walnuts "
        "through e-commerce and livestreaming; the e-commerce centre trained them to sell online.\n")
    (folder / "empty.txt").write_text("")
    assert main(["tag", str(folder), "--json"]) == 3
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["source"] for d in lines] == ["sub/gansu.txt"]
    doc = lines[0]
    assert set(doc) >= {"source", "approaches", "countries"}
    assert [a["id"] for a in doc["approaches"]] == ["ecommerce"]
    assert set(doc["approaches"][0]) >= {"id", "confidence", "evidence"}
    assert set(doc["approaches"][0]["evidence"][0]) == {"text", "start", "end"}
    assert doc["countries"][0] | {"evidence": None} == {
        "iso3": "CHN", "name": "China", "role": "focus", "confidence": 1.0, "from": "text", "evidence": None}
    assert "empty.txt" in err


def test_a_changed_taxonomy_retags_on_the_next_ingest(tmp_path):
    from kb.indexdir import open_store
    from kb.pipeline import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "boats.txt").write_text("Boats\n\nThe cooperative bought fishing boats and fishing nets; fishing boats "
                                      "doubled the catch and fishing boats were shared.\n")
    settings = Settings(model="hash-32")
    ingest(corpus, tmp_path / "index", settings)
    store = open_store(tmp_path / "index")
    assert "fishing" not in {t.value for t in store.tags(store.documents()[0]["doc_id"])}
    store.close()
    custom = Path(tmp_path / "tax.toml")
    custom.write_text('[[approach]]\nid = "fishing"\nlabel = "Fishing"\ndefinition = "Fisheries."\n'
                      'en = ["fishing boat", "fishing net"]\n')
    report = ingest(corpus, tmp_path / "index", Settings(model="hash-32", taxonomy=str(custom)))
    assert report.updated == ("boats.txt",)
    store = open_store(tmp_path / "index")
    assert "fishing" in {t.value for t in store.tags(store.documents()[0]["doc_id"])}
    store.close()


def _sections(title: str, sections: list[tuple[str, str]]) -> Segmented:
    """A document of several cases (heading, one paragraph each), as a loan agreement's articles are."""
    text, cases, chunks = "", [], []
    for i, (heading, para) in enumerate(sections):
        start = len(text)
        text += para + "\n\n"
        cases.append(Case(f"c{i}", "d1", i, heading, (title, heading), start, start + len(para)))
        chunks.append(Chunk(f"c{i}", "d1", i, start, start + len(para), para))
    doc = Document("d1", "x.txt", title, "txt", "report", "en", None, None, "h", text, (), ())
    return Segmented(doc, tuple(cases), tuple(chunks))


def test_a_section_is_about_what_its_documents_title_names():
    """A case carries the approach its document's title names (every article of a tourism project's loan
    agreement is about that project); an approach the document's text only gathers over many cases is not
    inherited, and the SDGs, whose title cues are too broad ("Partnership"), are not either."""
    seg = _sections("Partnership Agreement (Sustainable Coastal Tourism Development Project)", [
        ("ARTICLE I", "The General Conditions apply to this agreement with the modifications set out below."),
        ("SCHEDULE 2", "The objective of the Project is to test the institutional framework and contractual "
                       "procedures for managing public-private partnerships to develop new coastal sites."),
        ("ARTICLE III", "Microcredit and small loans for poor women: the savings group and the microfinance "
                        "institution offered financial literacy and mobile money to the borrowers."),
    ])
    tagged = Tagger(TAXONOMY, default_gazetteer(), goals=Themes(load_goals())).tag(seg)
    assert "sdg17" in {t.value for t in tagged.document if t.kind == "sdg"}  # an SDG 17 title cue
    for case_id, tags in tagged.cases:
        tourism = [t for t in tags if t.value == "tourism"]
        assert tourism and tourism[0].source == "document_title", case_id
    own = dict(tagged.cases)
    assert "finance" in _approaches(own["c2"]) and "finance" not in _approaches(own["c0"])
    assert all(t.source != "document_title" for _, tags in tagged.cases for t in tags if t.kind == "sdg")


def test_a_reference_list_is_no_evidence_of_what_a_case_is_about(tagger):
    """A Chinese paper's reference list citing a Kenyan study made its "参考文献" case about Kenya, counted in
    Kenya's searches and charts; what does not compete in search is not evidence either."""
    seg = _sections("Relocation and livelihoods in Guizhou", [
        ("Findings", "Relocated households in Guizhou, China, found jobs in factories near the resettlement site; "
                     "China's follow-up support kept incomes stable in Guizhou."),
        ("References", "Mwangi, J. (2019). Microfinance and savings groups in Kenya. Journal of Development 12(3): "
                       "45-60. Otieno, K. et al. (2020). Mobile money in Kenya. World Development, vol. 4, pp. 1-20."),
    ])
    chunks = tuple(replace(c, kind="references") if c.case_id == "c1" else c for c in seg.chunks)
    tagged = tagger.tag(replace(seg, chunks=chunks))
    refs = dict(tagged.cases)["c1"]
    assert {t.value for t in refs if t.kind == "country"} == {"CHN"}  # its document's focus, not Kenya
    assert "finance" not in _approaches(refs) and "finance" not in _approaches(tagged.document)
    assert "KEN" not in {t.value for t in tagged.document if t.kind == "country"}


def test_meaning_counts_for_a_chinese_passage_only_when_the_main_model_reads_chinese():
    prototypes = approach_prototypes(TAXONOMY, HashEmbedder(64))
    tourism = TAXONOMY.ids.index("tourism")
    row = int(np.flatnonzero(Themes(TAXONOMY).owners == tourism)[0])
    passage = Chunk("c", "d", 0, 0, 20, "村民在山里经营民宿。", language="zh")
    vectors = prototypes[row][None, :]  # as close in meaning to tourism as a passage can be
    english_only = Themes(TAXONOMY, prototypes).passage_scores([passage], vectors)[0][0, tourism]
    every = Themes(TAXONOMY, prototypes, every_language=True).passage_scores([passage], vectors)[0][0, tourism]
    assert 0 < english_only < every


def test_a_section_is_about_another_country_only_where_it_names_it_more_than_its_documents():
    from kb.gazetteer import default_gazetteer
    from kb.places import Places

    places = Places(default_gazetteer())
    # A Mauritius report's section on risk communication: "Wuhan, China" twice, Mauritius three times.
    text = ("The virus first reported in Wuhan, China spread fast. Mauritius closed its borders in March. In "
            "Mauritius, radio and television carried the messages; people in Mauritius trusted the health workers.")

    def focus(section: str) -> set[str]:
        tags = places.tags(section, "", places.gazetteer.find(section), scope="case", inherited=("MUS",))
        return {t.value for t in tags if t.kind == "country" and t.role == "focus"}

    assert focus(text) == {"MUS"}
    # Where it names the other country more, the section is about it too.
    assert focus(text + " China sent masks; China sent doctors; China trained nurses.") == {"CHN", "MUS"}


def test_a_record_tells_the_country_that_shares_its_experience_from_the_one_it_helps():
    # South-South records open on the provider's experience and name the host later: "China’s experiences ...
    # hold critically important lessons for other countries ... with special focus on COVID-19 in Cambodia" was
    # a record about China.
    from kb.places import Places

    places = Places(default_gazetteer())
    text = ("Medical waste management\n\nChina’s experiences and approaches in responding to COVID-19 hold "
            "important lessons for other countries. The project strengthens preparedness with a special focus on "
            "COVID-19 in Cambodia, and shares China’s successful experiences with partner countries.")
    roles = {t.value: t.role for t in places.tags(text, "Medical waste management", places.gazetteer.find(text),
                                                  scope="record", span=(0, len(text))) if t.kind == "country"}
    assert roles == {"KHM": "focus", "CHN": "provider"}
    # A record about one country's own experience is still about that country.
    alone = "Flood response\n\nMalawi’s experience in flood response shows how early warning saves lives."
    assert [(t.value, t.role) for t in places.tags(alone, "", places.gazetteer.find(alone), scope="record",
                                                   span=(0, len(alone))) if t.kind == "country"] == [("MWI", "focus")]
    # A record titled with one country is about it: "UNDP China and the Chinese Ministry of Commerce" opening the
    # Malawi record made China a focus country beside Malawi.
    title = "Strengthening Disaster Risk Management in Malawi"
    text = (f"{title}\n\nUNDP China and the Chinese Ministry of Commerce formulated and approved a new disaster risk "
            "management project with the government of Malawi. The trilateral project builds resilience to floods.")
    roles = {t.value: t.role for t in places.tags(text, title, places.gazetteer.find(text), scope="record",
                                                  span=(0, len(text))) if t.kind == "country"}
    assert roles == {"MWI": "focus", "CHN": "mention"}
    # The countries listed with a provider give too: "learned experience from Ghana, Rwanda, South Africa" made
    # Rwanda and South Africa the Lesotho record's focus.
    text = ("Hackathon on Inclusive Financial Services\n\nThe project promoted financial inclusion for marginalized "
            "communities. Lesotho learned experience from Ghana, Rwanda, South Africa and Kenya through SSTC.")
    roles = {t.value: t.role for t in places.tags(text, "Hackathon on Inclusive Financial Services",
                                                  places.gazetteer.find(text), scope="record", span=(0, len(text)))
             if t.kind == "country"}
    assert roles == {"LSO": "focus", "GHA": "provider", "RWA": "provider", "ZAF": "provider", "KEN": "provider"}


def test_a_country_named_only_as_an_agency_offices_seat_is_no_records_host():
    # "With the support of the ... UNDP Regional Office (Addis Ababa), the South-South partnership between the
    # Bureau Géologique des Comores ..." was a record about Ethiopia.
    from kb.places import Places

    places = Places(default_gazetteer())

    def roles(text: str) -> dict[str, str]:
        return {t.value: t.role for t in places.tags(text, "Geological partnership", places.gazetteer.find(text),
                                                     scope="record", span=(0, len(text))) if t.kind == "country"}

    text = ("Geological partnership\n\nWith the support of the UNDP Regional Office (Addis Ababa), a partnership "
            "between geological surveys was restarted. A geological map of the Comoros is being prepared.")
    assert roles(text) == {"COM": "focus", "ETH": "mention"}
    # A country the record names otherwise as well is no mere seat.
    both = text + " Ethiopia's surveyors will train the Comoros team in Ethiopia."
    assert roles(both)["ETH"] == "focus"


def test_a_record_that_names_who_takes_the_solution_is_about_that_country():
    # "BGD transferred its experience to Philippines" was a record about Bangladesh, whose project its opening
    # sentence describes; "requested support from the international NGO TREE AID of Burkina Faso" made Burkina
    # Faso a focus of a Beninese record.
    from kb.places import Places

    places = Places(default_gazetteer())

    def roles(title: str, body: str) -> dict[str, str]:
        text = f"{title}\n\n{body}"
        return {t.value: t.role for t in places.tags(text, title, places.gazetteer.find(text), scope="record",
                                                     span=(0, len(text))) if t.kind == "country"}

    assert roles("Curbing Child Marriage Using Technology",
                 "A mobile phone-based system helps prevent child marriages in Bangladesh. BGD transferred its "
                 "experience to Philippines.") == {"PHL": "focus", "BGD": "mention"}
    assert roles("Aquaponics", "With the support of the Small Grants Programme, Jamaica participated in a "
                 "South-South exchange to learn from farms in Mexico.") == {"JAM": "focus", "MEX": "mention"}
    assert roles("Shea butter: Benin and Burkina Faso",
                 "To improve shea production in Benin, a local NGO requested support from the international NGO "
                 "TREE AID of Burkina Faso.") == {"BEN": "focus", "BFA": "provider"}
    # Without such a phrase the record's opening sentence still decides.
    assert roles("Cook stoves", "Stoves made in Kenya were shown to women in Uganda.")["KEN"] == "focus"


def test_a_food_bank_is_no_market_link_for_poor_areas_products():
    # The taxonomy's consumption approach is guaranteed purchase, procurement and market links that sell what poor
    # areas produce; a food bank hands out food. "Egyptian Food Bank" in a post's title made it consumption.
    found = lambda text, lang: {h.approach for h in cue_matcher(TAXONOMY).find(text, lang)}  # noqa: E731
    assert "consumption" not in found("UNDP and the Egyptian Food Bank partner to empower women in agriculture.", "en")
    assert "consumption" not in found("El banco de alimentos repartió canastas a las familias.", "es")
    assert "consumption" in found("Consumption poverty alleviation: buy instead of donate.", "en")


def test_cues_read_as_cooperation_agencies_write():
    # A World Bank project's "Capacity Building and Project Management" component trains institutions, not poor
    # people; "private sector-led growth" and "climate resilience" name a policy's aim, not firms mobilised against
    # poverty or green livelihoods. Payments for reduced deforestation (REDD+) are ecological compensation.
    found = lambda text: {h.approach for h in cue_matcher(TAXONOMY).find(text, "en")}  # noqa: E731
    assert "skills_entrepreneurship" not in found("Component 3: Capacity Building and Project Management.")
    assert "social_participation" not in found("Pillar 2 reforms promote private sector-led growth.")
    assert "ecological" not in found("Foster green growth, inclusion, and climate resilience.")
    assert "ecological" in found("Results-based REDD+ payments shared through a Benefit Sharing Plan.")
    assert "ecological" in found("Scale up sustainable land management in the watersheds.")
    assert "finance" in found("A credit line improves smallholders' access to finance.")
    assert "skills_entrepreneurship" in found("Vocational training for rural youth.")
    assert "social_participation" in found("Private enterprises adopted poor villages.")

def test_every_source_of_a_tag_has_words_for_the_reader():
    # Seen: a case's country inherited from its document read "South Africa · confidence 1.00 · document" on the
    # case page, the source's id, as the page's own list of sources had no words for it.
    assert TAG_SOURCES[Tag("country", "ZAF", 1.0, (), "focus", "document").source] == "from its document"
    with pytest.raises(ValueError, match="tag source 'guess' is not one of text, title"):
        Tag("approach", "finance", 1.0, source="guess")


def test_a_documents_summary_says_what_the_document_is_about(tagger):
    """An approach its executive summary supports is the document's, though its long text, mostly about other
    things, does not reach it; a section that only summarises one topic ("Summary of the economy") is no summary
    of the document."""
    other = [(f"Section {i}", "The committee met in the capital and reviewed the annual accounts of the programme, "
                              f"its staffing and its reporting schedule for quarter {i}.") for i in range(60)]
    summary = ("Executive summary", "Microcredit and small loans for poor women: the savings group and the "
                                    "microfinance institution offered financial literacy and mobile money.")
    tags = tagger.tag(_sections("An assessment", [summary, *other])).document
    found = [t for t in tags if t.value == "finance"]
    assert found and found[0].source == "summary" and "microfinance" in found[0].evidence[0].text
    assert TAG_SOURCES["summary"] == "found in its summary"
    not_summary = tagger.tag(_sections("An assessment", [("Summary of the microfinance sector", summary[1]), *other]))
    assert "finance" not in _approaches(not_summary.document)
