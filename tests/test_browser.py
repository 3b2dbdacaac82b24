"""The app served by `streamlit run` and driven in headless Chromium, as its users walk it.

Staff find cases (search, a filter and its count, a case far down the list, Back, the view selector), trainers
collect and teach (two collections, the picker, a note typed and packed, the downloads), analysts count (three
charts, by case and by document, the CSV), and a shared deployment is read-only or asks for a passphrase.
Hostile text in a document is shown as text and runs nothing.

One index (the seeds, a few real documents of the shared corpus and two hostile files) and one server serve
every test; the deployment test starts two more servers on the same index. Needs Debian's chromium and
chromium-driver; `make test` installs them when they are missing.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoAlertPresentException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from kb.config import Settings
from kb.library import Library
from kb.models import Filters
from kb.pipeline import ingest
from kb.prepare import doc_id_for
from scripts.screenshots import chrome, serve, view_url, wait_for_text
from tests.conftest import ROOT, SHARED

PAYLOAD_TITLE = "<script>window.__xss='title'</script>Hostile savings club"
PAYLOADS = (
    "<img src=x onerror=\"window.__xss='img'\">",
    "<svg onload=\"window.__xss='svg'\"></svg>",
    "[a markdown link](javascript:window.__xss='mdlink')",
    "<a href=\"javascript:window.__xss='href'\">an html link</a>",
    "![an image](x\" onerror=\"window.__xss='mdimg')",
    ":red[styled] <iframe src=\"javascript:window.__xss='iframe'\"></iframe>",
)
# A file name carrying an event handler: it is shown as the result's source path.
HOSTILE_NAME = "club <img src=x onerror=window.__xss=1>.txt"
HTML_DOC = """<html><head><title>&lt;img src=x onerror="window.__xss='meta'"&gt; Village savings report</title>
<meta name="author" content="<script>window.__xss='author'</script>"></head>
<body><h1>Village savings report</h1><p>Hostile savings groups in the report lend to members every month and
keep their books in public. <b onmouseover="window.__xss='b'">Bold</b> text and a <script>window.__xss='inline'
</script> script element that the reader drops.</p></body></html>"""
# Real documents of the shared corpus, used by path (copied into the test's own corpus folder only).
SHARED_FILES = (
    "undp-acclabs-blogs/accelerating_poverty_reduction.md",
    "undp-acclabs-blogs/financial_inclusion_for_women_entrepreneurs_building_the_bridge_of_trust.md",
    "bolsa-familia-notes/TheImpactOfBolsaFamiliaOnSchooling.md",
)
# The South-South records table, its first rows only: one case per row, countries as ISO3 columns.
RECORDS = "undp-south-south-cases/south_south_projects.csv"
RECORD_ROWS = 25
QUERY = "poverty alleviation"
# A partner's repost of one of the shared blog posts: the same case from two sources.
REPOST = "partner-network/women-entrepreneurs-repost.md"
MATCH_WELL = re.compile(r"([\d,]+) (cases?) (match(?:es)?) well")


# -- the index and the server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The index every test shares, and its ingest report."""
    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus" / "seeds", corpus / "seeds")
    # Each line differs: the cleaner drops lines repeated across a document as boilerplate.
    body = "\n\n".join(f"Hostile savings club members {verb} every week, as payload {n} shows: {p} and so on."
                       for n, (verb, p) in enumerate(zip(("lend", "repay", "save", "meet", "vote", "audit"), PAYLOADS)))
    (corpus / HOSTILE_NAME).write_text(f"{PAYLOAD_TITLE}\n\n{body}\n", encoding="utf-8")
    (corpus / "report.html").write_text(HTML_DOC, encoding="utf-8")
    (corpus / "shared").mkdir()
    for name in SHARED_FILES:
        shutil.copy(SHARED / name, corpus / "shared" / Path(name).name)
    original = (SHARED / SHARED_FILES[1]).read_text(encoding="utf-8")
    (corpus / REPOST).parent.mkdir()
    (corpus / REPOST).write_text(original.replace("# Financial inclusion", "# Reposted: Financial inclusion", 1)
                                 + "\n\nReposted by the partner network with thanks.\n", encoding="utf-8")
    with open(SHARED / RECORDS, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[:RECORD_ROWS + 1]
    with open(corpus / "shared" / Path(RECORDS).name, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = ingest(corpus, root / "index", Settings())
    assert not report.skipped, report.skipped
    return root / "index", report


@pytest.fixture(scope="module")
def app_url(built) -> Iterator[str]:
    with serve(built[0]) as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads):
    with chrome(download_dir=downloads) as d:
        yield d


# -- what a person sees and does -------------------------------------------------------------------------
def body(driver) -> str:
    return driver.execute_script("return document.body.innerText")


def main_text(driver) -> str:
    return driver.execute_script("return document.querySelector('[data-testid=\"stMain\"]').innerText")


def sidebar_text(driver) -> str:
    return driver.execute_script("return document.querySelector('[data-testid=\"stSidebar\"]').innerText")


def until(driver, condition, timeout: float = 60) -> None:
    """Wait for a condition on the page (the page may redraw under it meanwhile)."""
    def safe(d):
        try:
            return condition(d)
        except StaleElementReferenceException:
            return False
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.3).until(safe)
    except TimeoutException:
        raise AssertionError(f"waited {timeout:.0f} s in vain at {driver.current_url}; the page shows:\n"
                             f"{body(driver)[-3000:]}") from None


def click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except ElementClickInterceptedException:  # a toast or the sidebar's edge over it: click it as a script would
        driver.execute_script("arguments[0].click()", element)


def buttons(driver, label: str) -> list:
    """The buttons (and download buttons) shown with this label, in page order."""
    return [b for b in driver.find_elements(By.XPATH, f"//button[normalize-space(.)='{label}']") if b.is_displayed()]


def press(driver, label: str, n: int = 0) -> None:
    """Press the n-th button with this label (found afresh if the page redraws under the click)."""
    for attempt in range(3):
        try:
            found = buttons(driver, label)
            assert len(found) > n, f"no button {label!r} (#{n + 1}) on the page:\n{body(driver)[:3000]}"
            click(driver, found[n])
            return
        except StaleElementReferenceException:
            if attempt == 2:
                raise
            time.sleep(0.5)


def pick_view(driver, name: str) -> None:
    """Choose a view in the sidebar's View selector."""
    options = driver.find_elements(By.CSS_SELECTOR, '.st-key-w_view [data-testid="stRadioOption"]')
    click(driver, next(o for o in options if o.text.split(" (")[0] == name))


def view_options(driver) -> list[str]:
    return [o.text for o in driver.find_elements(By.CSS_SELECTOR, '.st-key-w_view [data-testid="stRadioOption"]')]


def field(driver, key: str, tag: str = "input"):
    """The input of the widget with this key (Streamlit marks each widget's container with its key)."""
    return driver.find_element(By.CSS_SELECTOR, f".st-key-{key} {tag}")


def choose(driver, box, option: str, typed: str = "") -> str:
    """Open a select box (or multiselect), optionally type into it, and pick the option that starts with a text."""
    click(driver, box)
    if typed:
        box.send_keys(typed)
    until(driver, lambda d: any(o.text.startswith(option) for o in d.find_elements(By.CSS_SELECTOR, '[role="option"]')))
    found = next(o for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]') if o.text.startswith(option))
    text = found.text
    click(driver, found)
    return text


def scroll_offsets(driver) -> list[int]:
    """How far the window and Streamlit's main pane are scrolled."""
    return driver.execute_script("const m = document.querySelector('[data-testid=\"stMain\"]');"
                                 "return [Math.round(window.scrollY), Math.round(m ? m.scrollTop : 0)];")


def card_titles(driver) -> list[str]:
    """The numbered result cards' titles, in order."""
    strong = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stMarkdownContainer"] strong')
    return [s.text for s in strong if re.match(r"\d+\. ", s.text)]


def matches_well(driver) -> tuple[int, str]:
    found = MATCH_WELL.search(main_text(driver))
    assert found, f"no 'match well' line:\n{main_text(driver)[:2000]}"
    return int(found.group(1).replace(",", "")), found.group(0)


def download(driver, folder: Path, label: str, name: str, n: int = 0, timeout: float = 60) -> Path:
    """Press a download button and wait for its file to be saved whole."""
    path = folder / name
    path.unlink(missing_ok=True)
    press(driver, label, n)
    until(driver, lambda d: path.exists() and path.stat().st_size > 0
          and not any(folder.glob("*.crdownload")), timeout)
    wait_for_text(driver, label)  # a download reruns the page: let it settle
    return path


def _no_script_ran(driver) -> None:
    assert driver.execute_script("return window.__xss === undefined"), driver.execute_script("return window.__xss")
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        alert = None
    assert alert is None
    # The only frame allowed is the app's own: the helper that opens a new page at its top.
    found = driver.execute_script("""return [
        document.querySelectorAll('[data-testid="stMain"] script').length,
        document.querySelectorAll('img[onerror], svg[onload], [onmouseover]').length,
        [...document.querySelectorAll('iframe')].filter(f => !(f.getAttribute('srcdoc') || '').startsWith(
            '<script>const m = window.parent.document.querySelector')).length,
        document.querySelectorAll('a[href^="javascript:"]').length]""")
    assert found == [0, 0, 0, 0], found


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# -- the tests -----------------------------------------------------------------------------------------------
def test_search_open_a_case_and_screenshot(app_url, driver, tmp_path):
    driver.get(app_url)
    wait_for_text(driver, "Type what you are looking for")
    box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]')
    box.send_keys("microcredit for rural women", Keys.ENTER)
    wait_for_text(driver, "Why: close in meaning")
    assert "q=microcredit+for+rural+women" in driver.current_url
    first_title = card_titles(driver)[0]
    # Under a card, the next passages of its case for the query (kb.hits): the best of them on the card itself (the
    # answer to the aspect a question asks is often there), the others opened from it, the case's own text.
    assert "Also in this case" in main_text(driver)
    more = [e for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"]')
            if "of this case, best first" in e.text]
    assert more, main_text(driver)[:3000]
    closed = len(more[0].text)
    click(driver, more[0].find_element(By.CSS_SELECTOR, "summary"))
    WebDriverWait(driver, 10).until(lambda d: len(more[0].text) > closed + 100)
    assert more[0].find_elements(By.CSS_SELECTOR, "strong"), more[0].text  # the card's words, bold there too
    press(driver, "Open case")
    wait_for_text(driver, "More like this")
    text = body(driver)
    assert first_title.split(". ", 1)[1][:40] in text and "Tags" in text and "confidence" in text
    assert "view=case" in driver.current_url and "case=" in driver.current_url
    shot = tmp_path / "case.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    # The URL is a bookmark: opened afresh, it shows the same case.
    driver.get(driver.current_url)
    wait_for_text(driver, "More like this")
    assert first_title.split(". ", 1)[1][:40] in body(driver)


def test_hostile_text_is_shown_literally_and_runs_nothing(app_url, driver):
    driver.get(view_url(app_url, q="hostile savings club", mode="keyword"))
    wait_for_text(driver, "Why: holds your words")
    text = body(driver)
    assert "<script>window.__xss='title'</script>Hostile savings club" in text
    assert "club <img src=x onerror=window.__xss=1>.txt" in text  # the file name, as text
    assert "<img src=x onerror=\"window.__xss='img'\">" in text
    _no_script_ran(driver)
    press(driver, "Open case")
    wait_for_text(driver, "More like this")
    text = body(driver)
    for payload in PAYLOADS:
        assert payload.strip(":") in text, payload
    _no_script_ran(driver)
    # Collected, then shown in the collection, its course pack and a comparison: still text.
    press(driver, "Add to collection")
    wait_for_text(driver, "Added to the collection")
    pick_view(driver, "Collections")
    wait_for_text(driver, "Make the course pack")
    assert PAYLOAD_TITLE in body(driver)
    _no_script_ran(driver)
    press(driver, "Make the course pack")
    wait_for_text(driver, "Course pack (Markdown)")
    assert PAYLOAD_TITLE in body(driver)
    _no_script_ran(driver)
    hostile, report = f"{doc_id_for(HOSTILE_NAME)}-1", f"{doc_id_for('report.html')}-1"
    driver.get(view_url(app_url, view="compare", cmp=[hostile, report]))
    wait_for_text(driver, "As a table")
    text = body(driver)
    # The HTML report's title comes from its heading; its hostile <title> is kept as metadata, never drawn.
    assert PAYLOAD_TITLE in text and "Village savings report · no date · report.html" in text
    _no_script_ran(driver)
    driver.get(view_url(app_url, view="library"))
    wait_for_text(driver, "Documents")
    _no_script_ran(driver)


def test_staff_find_a_case_with_a_filter_and_come_back(app_url, driver):
    driver.get(app_url)
    wait_for_text(driver, "Type what you are looking for")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]').send_keys(QUERY, Keys.ENTER)
    wait_for_text(driver, "match well")
    assert "q=poverty+alleviation" in driver.current_url
    unfiltered, _ = matches_well(driver)

    # A country in the sidebar: its number there is the number of cases that match well once it is chosen.
    option = choose(driver, driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Country"]'), "China (CHN)", "China")
    facet_n = int(re.search(r"· ([\d,]+)$", option).group(1).replace(",", ""))
    until(driver, lambda d: "country=CHN" in d.current_url)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_for_text(driver, "match well")
    n, line = matches_well(driver)
    assert n == facet_n and 0 < n <= unfiltered, (option, line)
    assert f"China (CHN) · {n}" in sidebar_text(driver)
    titles = card_titles(driver)
    assert len(titles) >= 6, titles

    # A case far down the list opens at the top of its page.
    sixth = buttons(driver, "Open case")[5]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", sixth)
    assert max(scroll_offsets(driver)) > 400
    click(driver, sixth)
    wait_for_text(driver, "More like this")
    title = titles[5].split(". ", 1)[1].rstrip("…")[:40]
    assert title in main_text(driver)
    assert "view=case" in driver.current_url and "country=CHN" in driver.current_url
    assert max(scroll_offsets(driver)) < 50, scroll_offsets(driver)

    # Back: the same search, filter and results.
    driver.back()
    until(driver, lambda d: "view=case" not in d.current_url)
    wait_for_text(driver, "match well")
    assert "q=poverty+alleviation" in driver.current_url and "country=CHN" in driver.current_url
    assert field(driver, "w_q").get_attribute("value") == QUERY
    assert matches_well(driver)[1] == line and f"China (CHN) · {n}" in sidebar_text(driver)
    assert card_titles(driver) == titles

    # A case, then Search in the view selector: the search is kept.
    press(driver, "Open case", 1)
    until(driver, lambda d: "view=case" in d.current_url)
    wait_for_text(driver, "More like this")
    pick_view(driver, "Search")
    until(driver, lambda d: "view=" not in d.current_url)
    wait_for_text(driver, "match well")
    assert field(driver, "w_q").get_attribute("value") == QUERY
    assert matches_well(driver)[1] == line and "China (CHN) · " in sidebar_text(driver)
    assert card_titles(driver) == titles
    assert "view=" not in driver.current_url and "country=CHN" in driver.current_url

    # The Analyst view and back: the search is kept there too, and offered as the analyst's scope.
    pick_view(driver, "Analyst")
    until(driver, lambda d: "view=analyst" in d.current_url)
    wait_for_text(driver, "by year")
    assert f"Only the cases that match the search “{QUERY}” well" in main_text(driver)
    assert "view=analyst" in driver.current_url
    # The sidebar's count for the chosen country is the page's own headline (it was the whole library's).
    counted = int(re.search(r"(\d+) cases?: the cases the sidebar", main_text(driver))[1])
    assert f"China (CHN) · {counted}" in sidebar_text(driver)
    pick_view(driver, "Search")
    until(driver, lambda d: "view=" not in d.current_url)
    wait_for_text(driver, "match well")
    assert field(driver, "w_q").get_attribute("value") == QUERY and matches_well(driver)[1] == line

    # New words, the filter kept: its count follows each search (and the chosen value stays a country code).
    for words in ("microcredit for rural women", "tourism"):
        box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]')
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(words, Keys.ENTER)
        until(driver, lambda d, w=words: "q=" + w.replace(" ", "+") in d.current_url)
        wait_for_text(driver, "Why:")
        n, _ = matches_well(driver)
        assert "country=CHN" in driver.current_url and f"China (CHN) · {n}" in sidebar_text(driver)
        assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')


def test_staff_filter_by_a_sustainable_development_goal(app_url, driver):
    driver.get(app_url)
    wait_for_text(driver, "Type what you are looking for")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]').send_keys(QUERY, Keys.ENTER)
    wait_for_text(driver, "match well")
    unfiltered, _ = matches_well(driver)
    option = choose(driver, driver.find_element(By.CSS_SELECTOR, 'input[aria-label="SDG"]'), "SDG 1 No poverty",
                    "poverty")
    facet_n = int(re.search(r"· ([\d,]+)$", option).group(1).replace(",", ""))
    until(driver, lambda d: "sdg=sdg1" in d.current_url)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_for_text(driver, "match well")
    n, line = matches_well(driver)
    assert n == facet_n and 0 < n <= unfiltered, (option, line)
    # Every card shown carries the goal's chip: by name, or by number in one chip where a card has more than
    # three goals ("SDG 1 · 2 · 13 · 17").
    titles, text = card_titles(driver), main_text(driver)
    chips = len(re.findall(r"SDG 1 No poverty|SDG 1 · \d", text))
    assert titles and chips >= len(titles), text[:3000]
    # A South-South record's goals are its authors' (the table's SDG column), and its case page says so.
    choose(driver, driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Document type"]'), "Case record")
    until(driver, lambda d: "doc_type=record" in d.current_url)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_for_text(driver, "Why:")
    press(driver, "Open case", 0)
    wait_for_text(driver, "More like this")
    text = main_text(driver)
    assert "Sustainable Development Goals" in text and "SDG 1 No poverty" in text
    assert "from the record's column" in text, text[:3000]


def test_a_case_published_by_two_sources_is_shown_once_with_both(app_url, driver):
    driver.get(view_url(app_url, q="financial inclusion for women entrepreneurs bridge of trust"))
    wait_for_text(driver, "Why:")
    titles = [t for t in card_titles(driver) if "building the bridge of trust" in t.lower()]
    assert len(titles) == 1, card_titles(driver)
    text = main_text(driver)
    assert re.search(r"Also published by: .*(partner-network/women-entrepreneurs-repost\.md|"
                     r"shared/financial_inclusion_for_women_entrepreneurs)", text), text[:3000]
    # The link opens the other source's copy of the case, which names the first in turn.
    link = driver.find_element(By.CSS_SELECTOR, '[data-testid="stMain"] a[href*="view=case"]')
    driver.get(link.get_attribute("href"))  # Streamlit opens Markdown links in a new tab: follow it here
    wait_for_text(driver, "More like this")
    assert "Also published by" in main_text(driver) and "view=case" in driver.current_url


def test_nonsense_says_nothing_matches_and_one_is_singular(app_url, driver):
    driver.get(view_url(app_url, q=QUERY))
    wait_for_text(driver, "match well")
    box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]')
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("xyzzyq plugh", Keys.ENTER)
    wait_for_text(driver, "Nothing matches “xyzzyq plugh” well")
    text = main_text(driver)
    assert not MATCH_WELL.search(text), text[:1500]
    assert "weak match" in text and "strong match" not in text and "good match" not in text
    # The cards are the nearest, not near: no line says they are close in meaning.
    assert "Why:" in text and "Why: close in meaning" not in text, re.findall(r"Why:.*", text)
    # Words found nowhere, by words only: nothing to show, and no filter to blame.
    driver.get(view_url(app_url, q="xyzzyq plugh", mode="keyword"))
    wait_for_text(driver, "Nothing matches “xyzzyq plugh”")
    text = main_text(driver)
    assert "filter" not in text and not buttons(driver, "Clear filters")

    # One case: "1 case matches well", and its facet reads 1.
    driver.get(view_url(app_url, q="ekShop"))
    wait_for_text(driver, "matches well")
    assert matches_well(driver)[1] == "1 case matches well"
    country = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Country"]')
    choose(driver, country, "Malaysia (MYS) · 1", "Malaysia")
    until(driver, lambda d: "country=MYS" in d.current_url)
    wait_for_text(driver, "matches well")
    assert matches_well(driver)[1] == "1 case matches well" and "Malaysia (MYS) · 1" in sidebar_text(driver)
    text = body(driver)
    assert not re.search(r"\b1 (cases|passages|other passages|more cases|items|documents)\b", text), text[:2000]


def test_trainer_collects_notes_and_packs(app_url, built, driver, downloads):
    first, second = "Unit 1: savings groups", "Unit 2: targeted poverty alleviation"
    driver.get(view_url(app_url, view="collections"))
    wait_for_text(driver, "New collection")
    for name in (first, second):
        driver.find_element(By.CSS_SELECTOR, 'input[aria-label="New collection"]').send_keys(name)
        press(driver, "Create")
        until(driver, lambda d, name=name: field(d, "w_collection").get_attribute("value") == name)
    # Back on the first: the picker on the search page starts on it.
    choose(driver, field(driver, "w_collection"), first)
    until(driver, lambda d: field(d, "w_collection").get_attribute("value") == first)

    pick_view(driver, "Search")
    wait_for_text(driver, "Type what you are looking for")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]').send_keys(QUERY, Keys.ENTER)
    wait_for_text(driver, "Collect into")
    assert field(driver, "pick-search").get_attribute("value") == first
    choose(driver, field(driver, "pick-search"), second)
    until(driver, lambda d: field(d, "pick-search").get_attribute("value") == second)
    wait_for_text(driver, "match well")
    titles = card_titles(driver)
    press(driver, "Add to collection", 0)
    wait_for_text(driver, f"Added to the collection “{second}”.")

    # Another from its own page: the picker there remembers the choice.
    press(driver, "Open case", 1)
    wait_for_text(driver, "More like this")
    case_id = re.search(r"[?&]case=([^&]+)", driver.current_url).group(1)
    assert field(driver, "pick-case").get_attribute("value") == second
    press(driver, "Add to collection")
    until(driver, lambda d: main_text(d).count(f"Added to the collection “{second}”.") >= 1)

    pick_view(driver, "Collections")
    wait_for_text(driver, "Make the course pack")
    assert field(driver, "w_collection").get_attribute("value") == second
    text = main_text(driver)
    added = [t.split(". ", 1)[1].rstrip("…")[:40] for t in titles[:2]]
    assert f"1. {added[0]}" in text and f"2. {added[1]}" in text, text[:2000]
    # The first collection holds neither.
    choose(driver, field(driver, "w_collection"), first)
    wait_for_text(driver, "This collection is empty")
    choose(driver, field(driver, "w_collection"), second)
    wait_for_text(driver, "Make the course pack")

    # The second item shows the whole case; a note is typed into the first and packed at once.
    contents = driver.find_elements(By.CSS_SELECTOR, 'input[aria-label="The course pack shows"]')
    assert len(contents) == 2
    choose(driver, contents[1], "the whole case")
    until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[aria-label="The course pack shows"]')[1]
          .get_attribute("value") == "the whole case")
    wait_for_text(driver, "Make the course pack")
    note = "Discuss who lent and who repaid"
    driver.find_elements(By.CSS_SELECTOR, 'textarea[aria-label="Note"]')[0].send_keys(note)
    press(driver, "Make the course pack")
    wait_for_text(driver, "Course pack (Markdown)")
    text = main_text(driver)
    assert f"Note: {note}" in text and "Source: " in text
    assert max(scroll_offsets(driver)) < 50

    passages = [chunk.text for _, chunk in Library(built[0]).case_page(case_id).passages]
    assert len(passages) >= 2
    stem = "unit-2-targeted-poverty-alleviation"  # the collection's name, as a file name
    md = download(driver, downloads, "Course pack (Markdown)", f"{stem}.md").read_text("utf-8")
    assert f"*Note:* {note}" in md and md.count("\nSource: ") == 2, md[:2000]
    assert md.index(added[0]) < md.index(added[1])
    section = _words(md[md.index("## 2. "):])
    assert all(_words(p)[:80] in section for p in passages), "the second item is not the whole case"
    handout = download(driver, downloads, "Handout to print (HTML)", f"{stem}.html")
    html = handout.read_text("utf-8")
    assert html.startswith("<!doctype html>") and note in html and "Source: " in html
    docx = download(driver, downloads, "Course pack (DOCX)", f"{stem}.docx")
    assert docx.read_bytes()[:2] == b"PK"
    # The note was saved with the item: it is there when editing again.
    press(driver, "Back to editing")
    wait_for_text(driver, "Make the course pack")
    assert driver.find_elements(By.CSS_SELECTOR, 'textarea[aria-label="Note"]')[0].get_attribute("value") == note


def test_analyst_counts_by_case_and_by_document(app_url, built, driver, downloads):
    report = built[1]
    driver.get(view_url(app_url, view="analyst"))
    wait_for_text(driver, "(CSV)")
    until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"] svg.marks')) == 4)
    text = main_text(driver)
    for heading in ("Cases by approach and country", "Cases by Sustainable Development Goal", "Cases by year",
                    "Cases by country"):
        assert heading in text
    # Each chart drew its marks: cells, bars, and the world's countries.
    marks = driver.execute_script("""return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(c => [
        c.querySelectorAll('.mark-rect path').length, c.querySelectorAll('.mark-shape path').length,
        c.getBoundingClientRect().width, c.getBoundingClientRect().height])""")
    heat, goals, years, world = marks
    assert heat[0] >= 10 and goals[0] >= 5 and years[0] >= 5 and world[1] >= 150, marks
    assert all(w > 300 and h > 200 for *_, w, h in marks), marks
    # Each says what it leaves out.
    assert re.search(r"Not shown: .*without an approach", text)
    assert re.search(r"Undated and not shown: [\d,]+ cases?\.", text)
    assert re.search(r"Without a goal: [\d,]+ cases?\.", text)
    assert "Not on the map:" in text
    # The partner's repost counts once with its original (the switch counts every source).
    once = Library(built[0]).counts(Filters())
    assert once.copies >= 1 and once.total == report.cases - once.copies
    assert f"Download these {once.total} cases (CSV)" in text
    assert re.search(rf"A case that several sources published counts once: {once.copies} cop(y|ies) left out", text)
    assert len(buttons(driver, "PNG")) == 4 and len(buttons(driver, "SVG")) == 4 and len(buttons(driver, "CSV")) == 4
    svg = download(driver, downloads, "SVG", "years.svg", n=2, timeout=90).read_text("utf-8")
    assert "<svg" in svg[:300]

    # By document: the labels and the download follow.
    options = driver.find_elements(By.CSS_SELECTOR, '.st-key-w_unit [data-testid="stRadioOption"]')
    click(driver, next(o for o in options if o.text == "documents"))
    until(driver, lambda d: "unit=document" in d.current_url)
    wait_for_text(driver, "documents (CSV)")
    label = re.search(r"Download these ([\d,]+) (documents?) \(CSV\)", main_text(driver))
    documents = Library(built[0]).counts(Filters(), unit="document").total
    assert documents == report.documents - 1  # the repost holds nothing counted twice
    assert label and int(label.group(1)) == documents, main_text(driver)[-500:]
    path = download(driver, downloads, label.group(0), "documents.csv")
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert rows[0][:2] == ["id", "title"] and len(rows) - 1 == documents


def test_shared_deployment_is_read_only_or_asks_for_the_passphrase(built, driver):
    index = built[0]
    lib = Library(index)
    coll = lib.collections()
    cid = coll.create("Shared unit")
    case_id = next(iter(lib.case_titles()))
    lib.collect(cid, case_id)
    coll.set_note(cid, case_id, "Read this before the session")

    with serve(index, env={"KB_READ_ONLY": "1"}) as url:
        driver.get(view_url(url, q=QUERY))
        wait_for_text(driver, "match well")
        assert "Add documents" not in view_options(driver) and "Collections" in view_options(driver)
        assert not buttons(driver, "Add to collection") and "Collect into" not in main_text(driver)
        assert "Passphrase to edit" not in sidebar_text(driver)
        # An upload link opens the search instead.
        driver.get(view_url(url, view="upload"))
        wait_for_text(driver, "Type what you are looking for")
        assert "view=upload" not in driver.current_url and "Documents" not in main_text(driver)
        driver.get(view_url(url, view="collections"))
        wait_for_text(driver, "read-only")
        choose(driver, field(driver, "w_collection"), "Shared unit")
        wait_for_text(driver, "Read this before the session")
        text = main_text(driver)
        assert "This library is read-only here: collections can be read" in text and "Note: Read this" in text
        assert "New collection" not in text and not buttons(driver, "Remove") and not buttons(driver, "Create")
        assert not driver.find_elements(By.CSS_SELECTOR, 'textarea[aria-label="Note"]')
        press(driver, "Make the course pack")  # reading and exporting stay open
        wait_for_text(driver, "Course pack (Markdown)")

    with serve(index, env={"KB_EDIT_PASSPHRASE": "secret"}) as url:
        driver.get(view_url(url, q=QUERY))
        wait_for_text(driver, "match well")
        assert not buttons(driver, "Add to collection") and "Passphrase to edit" in sidebar_text(driver)
        assert "Add documents" in view_options(driver)
        box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Passphrase to edit"]')
        box.send_keys("guess", Keys.ENTER)
        wait_for_text(driver, "That passphrase does not unlock editing.")
        assert not buttons(driver, "Add to collection")
        box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Passphrase to edit"]')
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("secret", Keys.ENTER)
        until(driver, lambda d: buttons(d, "Add to collection"))
        wait_for_text(driver, "Add to collection")
        assert "Passphrase to edit" not in sidebar_text(driver)
        choose(driver, field(driver, "pick-search"), "Shared unit")
        until(driver, lambda d: field(d, "pick-search").get_attribute("value") == "Shared unit")
        press(driver, "Add to collection", 2)
        wait_for_text(driver, "Added to the collection “Shared unit”.")
        pick_view(driver, "Collections")
        wait_for_text(driver, "Make the course pack")
        assert "read-only" not in main_text(driver)
        assert len(driver.find_elements(By.CSS_SELECTOR, 'textarea[aria-label="Note"]')) == 2
    assert len(coll.get(cid).items) == 2


# Last in this file: it adds a document to the shared index.
NEW_FILE = "undp-acclabs-blogs/a_peek_into_the_life_of_informal_waste_workers_in_viet_nam_during_covid-19.md"


def test_staff_save_a_search_and_see_what_a_later_ingest_added(app_url, built, driver):
    index = built[0]
    driver.get(view_url(app_url, q="informal waste workers", country=["VNM"]))
    wait_for_text(driver, "Save this search")
    click(driver, driver.find_element(By.CSS_SELECTOR, '[data-testid="stPopover"] button'))
    until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[aria-label="Name"]'))
    name = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Name"]')
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Waste pickers in Asia", Keys.ENTER)
    press(driver, "Save")
    wait_for_text(driver, "Saved “Waste pickers in Asia”")
    pick_view(driver, "Saved searches")
    wait_for_text(driver, "Nothing new since you last looked.")
    assert "informal waste workers" in main_text(driver) and "Viet" in main_text(driver)

    corpus = index.parent / "corpus"
    shutil.copy(SHARED / NEW_FILE, corpus / "shared" / Path(NEW_FILE).name)
    ingest(corpus, index, Settings())
    added = {c.case_id: c.title for c in Library(index).cases_of(doc_id_for(f"shared/{Path(NEW_FILE).name}"))}
    driver.get(view_url(app_url, view="saved"))
    wait_for_text(driver, "since then:")
    text = main_text(driver)
    found = re.search(r"(\d+) new cases? since then", text)
    assert found and 1 <= int(found.group(1)) <= len(added), text
    listed = [t for t in added.values() if t in text]
    assert len(listed) == int(found.group(1)), (listed, text)
    press(driver, "Run this search")
    wait_for_text(driver, "Why:")
    assert "q=informal+waste+workers" in driver.current_url and "country=VNM" in driver.current_url
    assert field(driver, "w_q").get_attribute("value") == "informal waste workers"
    pick_view(driver, "Saved searches")
    wait_for_text(driver, "since then:")
    press(driver, "Mark as seen")
    wait_for_text(driver, "Nothing new since you last looked.")
