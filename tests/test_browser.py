"""The app served by `streamlit run` and driven in headless Chromium: search, open a case, and hostile text.

Needs Debian's chromium and chromium-driver; `make test` installs them when they are missing.
"""

from __future__ import annotations

import shutil

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from kb.config import Settings
from kb.pipeline import ingest
from kb.prepare import doc_id_for
from scripts.screenshots import chrome, serve, view_url, wait_for_text
from tests.conftest import ROOT

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


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus" / "seeds", corpus / "seeds")
    # Each line differs: the cleaner drops lines repeated across a document as boilerplate.
    body = "\n\n".join(f"Hostile savings club members {verb} every week, as payload {n} shows: {p} and so on."
                       for n, (verb, p) in enumerate(zip(("lend", "repay", "save", "meet", "vote", "audit"), PAYLOADS)))
    (corpus / HOSTILE_NAME).write_text(f"{PAYLOAD_TITLE}\n\n{body}\n", encoding="utf-8")
    (corpus / "report.html").write_text(HTML_DOC, encoding="utf-8")
    ingest(corpus, root / "index", Settings())
    with serve(root / "index") as url:
        yield url


@pytest.fixture(scope="module")
def driver():
    with chrome() as d:
        yield d


def _no_script_ran(driver) -> None:
    assert driver.execute_script("return window.__xss === undefined"), driver.execute_script("return window.__xss")
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        alert = None
    assert alert is None
    found = driver.execute_script("""return [
        document.querySelectorAll('[data-testid="stMain"] script').length,
        document.querySelectorAll('img[onerror], svg[onload], [onmouseover], iframe').length,
        document.querySelectorAll('a[href^="javascript:"]').length]""")
    assert found == [0, 0, 0]


def test_search_open_a_case_and_screenshot(app_url, driver, tmp_path):
    driver.get(app_url)
    wait_for_text(driver, "Type what you are looking for")
    box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Search the cases"]')
    box.send_keys("microcredit for rural women", Keys.ENTER)
    wait_for_text(driver, "Why: close in meaning")
    assert "q=microcredit+for+rural+women" in driver.current_url
    first_title = driver.find_element(By.CSS_SELECTOR, '[data-testid="stMain"] [data-testid="stMarkdownContainer"] strong').text
    driver.find_element(By.XPATH, "//button[.//p[text()='Open case']]").click()
    wait_for_text(driver, "More like this")
    body = driver.execute_script("return document.body.innerText")
    assert first_title.split(". ", 1)[1][:40] in body and "Tags" in body and "confidence" in body
    assert "view=case" in driver.current_url and "case=" in driver.current_url
    shot = tmp_path / "case.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    # The URL is a bookmark: opened afresh, it shows the same case.
    driver.get(driver.current_url)
    wait_for_text(driver, "More like this")
    assert first_title.split(". ", 1)[1][:40] in driver.execute_script("return document.body.innerText")


def test_hostile_text_is_shown_literally_and_runs_nothing(app_url, driver):
    driver.get(view_url(app_url, q="hostile savings club", mode="keyword"))
    wait_for_text(driver, "Why: shares the words")
    body = driver.execute_script("return document.body.innerText")
    assert "<script>window.__xss='title'</script>Hostile savings club" in body
    assert "club <img src=x onerror=window.__xss=1>.txt" in body  # the file name, as text
    assert "<img src=x onerror=\"window.__xss='img'\">" in body
    _no_script_ran(driver)
    driver.find_element(By.XPATH, "//button[.//p[text()='Open case']]").click()
    wait_for_text(driver, "More like this")
    body = driver.execute_script("return document.body.innerText")
    for payload in PAYLOADS:
        assert payload.strip(":") in body, payload
    _no_script_ran(driver)
    # Collected, then shown in the collection and in a comparison: still text.
    driver.find_element(By.XPATH, "//button[.//p[text()='Add to collection']]").click()
    wait_for_text(driver, "Added to the collection")
    driver.get(view_url(app_url, view="collections"))
    wait_for_text(driver, "Course pack (Markdown)")
    assert PAYLOAD_TITLE in driver.execute_script("return document.body.innerText")
    _no_script_ran(driver)
    hostile, report = f"{doc_id_for(HOSTILE_NAME)}-1", f"{doc_id_for('report.html')}-1"
    driver.get(view_url(app_url, view="compare", cmp=[hostile, report]))
    wait_for_text(driver, "As a table")
    body = driver.execute_script("return document.body.innerText")
    assert PAYLOAD_TITLE in body and "<img src=x onerror=\"window.__xss='meta'\"> Village savings report" in body
    _no_script_ran(driver)
    driver.get(view_url(app_url, view="library"))
    wait_for_text(driver, "Documents")
    _no_script_ran(driver)
