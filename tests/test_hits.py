"""Which passage a case is shown by when the passage that ranked it is a lone subheading."""

from __future__ import annotations

from kb.headings import only_headings
from kb.hits import _places, _titled


def _rows(*passages: tuple[str, str]) -> list[dict]:
    return [{"chunk_id": n, "kind": kind, "text": text} for n, (kind, text) in enumerate(passages, start=1)]


def _tells(rows: list[dict]):
    return lambda pid: rows[pid - 1]["kind"] == "prose" and not only_headings(rows[pid - 1]["text"])


def test_a_subheading_is_shown_by_the_paragraph_under_it_past_a_byline():
    rows = _rows(("prose", "Why informal vendors stay informal"),
                 ("prose", "Cecilia Vuyk\n\nHead of Solutions Mapping"),
                 ("prose", "A fruit seller in Luque has sold fruit salad on the same corner for years, and since "
                           "January she takes payments by phone."))
    assert _titled(1, rows, _tells(rows)) == 3


def test_a_subheading_before_a_table_is_shown_by_itself_not_by_a_later_paragraph():
    # An annex of survey tables: the question on school is followed by its table, and the next prose is another
    # question's answers (the fault seen: "reasons of not attending school" shown by reasons for skipping a clinic).
    rows = _rows(("prose", "Reasons of not attending school\n\nSchools have closed\n\nChildren want to stay home"),
                 ("table", "Number\n\nPercentage\n\n117\n\n26\n\n23\n\n63.6"),
                 ("prose", "Pregnant women did not visit the clinic because they feared infection and lacked money "
                           "for the check-up, and nearby health facilities were closed during the lockdown."))
    assert _titled(1, rows, _tells(rows)) == 1


def test_countries_a_query_named_through_a_region_are_said_once_with_the_region():
    # "community tourism in Africa" on a ten-country project read "about Cameroon, in Africa, DR Congo, in Africa, ...".
    africa = ["CMR", "COD", "GHA", "KEN", "ETH", "NGA"]
    assert _places(africa, dict.fromkeys(africa, "Africa")) == ["Cameroon, DR Congo, Ghana and 3 more in Africa"]
    assert _places(["KEN", "GHA", "ETH"], {"GHA": "West Africa", "ETH": "Africa"}) == [
        "Kenya", "Ghana in West Africa", "Ethiopia in Africa"]
    assert _places(["GHA", "KEN"], {"GHA": "Africa", "KEN": "Africa"}) == ["Ghana and Kenya in Africa"]
