"""Screenshots of each view of the app, for the README: serves the app on localhost, drives headless Chromium.

    python scripts/screenshots.py [--index index] [--out docs/screenshots]

Works on a copy of the index folder, so the example collection it makes never reaches your own.
Needs Debian's chromium and chromium-driver (`make browser`). The browser tests use serve() and chrome().
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Without the background-networking flags Chromium keeps dialling Google, which this network refuses.
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1100")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(index_dir: Path, timeout: float = 90, env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run app.py` on a free localhost port for an index; yields the base URL.

    env adds to (or overrides) this process's environment, e.g. {"KB_READ_ONLY": "1"}.
    """
    port = _free_port()
    env = {**os.environ, **(env or {}), "KB_INDEX_DIR": str(index_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"streamlit did not start on {url}:\n{out}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chrome(download_dir: Path | None = None) -> Iterator[WebDriver]:
    """Headless Debian Chromium under Selenium, with a fresh profile; downloads go to download_dir if given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kb-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if download_dir is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if download_dir is not None:  # headless Chromium saves downloads only when told where
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for_text(driver, text: str, timeout: float = 90) -> None:
    """Wait until the page shows a text, Streamlit's script has finished (the app says it is not running, and
    shows no running status) and the page has stopped changing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    seen: list[str] = []

    def settled(d) -> bool:
        body, state = d.execute_script(
            "const app = document.querySelector('[data-testid=\"stApp\"]');"
            "return [document.body.innerText, app && app.getAttribute('data-test-script-state')]")
        body += d.current_url
        running = d.find_elements("css selector", '[data-testid="stStatusWidget"]')
        seen.append(body)
        return (text in body and state == "notRunning" and not running and len(seen) > 2
                and seen[-2] == body == seen[-3])

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.4).until(settled)
    except TimeoutException:
        shown = seen[-1] if seen else ""
        raise TimeoutException(f"{text!r} not shown, or the page never settled, within {timeout:.0f} s; "
                               f"the page shows:\n{shown[-3000:]}") from None


def view_url(base: str, **params: str | list[str]) -> str:
    """The URL of a view with its query parameters."""
    return base + "/?" + urlencode(params, doseq=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--query", default="microcredit for rural women")
    args = parser.parse_args()

    from kb.collections import Collections
    from kb.config import Settings
    from kb.export import excerpt_of
    from kb.indexdir import open_store
    from kb.search import Searcher

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(args.index, index, ignore=shutil.ignore_patterns("collections.sqlite", "*.lock"))
        searcher = Searcher(index, Settings())
        hits = searcher.search(args.query, 4).hits
        searcher.close()
        cases = [h.case_id for h in hits]
        store = open_store(index)
        coll = Collections(index)
        cid = coll.create("Module 3: finance for rural women")
        for hit in hits[:3]:
            coll.add(cid, excerpt_of(store, hit.case_id, hit.passage_id), note="Discuss: who lent, who repaid?")
        store.close()
        views = {
            "search": {"q": args.query},
            "case": {"view": "case", "case": cases[0], "q": args.query},
            "compare": {"view": "compare", "cmp": cases[:3]},
            "collections": {"view": "collections"},
            "analyst": {"view": "analyst"},
            "upload": {"view": "upload"},
        }
        with serve(index) as base, chrome() as driver:
            for name, params in views.items():
                driver.get(view_url(base, **params))
                wait_for_text(driver, {"search": "Why:", "case": "More like this", "compare": "As a table",
                                       "collections": "Make the course pack", "analyst": "Cases by year",
                                       "upload": "Documents"}[name])
                time.sleep(1.5)  # charts draw after the script finishes
                if name == "analyst":  # the whole page: all three charts
                    height = driver.execute_script(
                        "return document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                    driver.set_window_size(1400, height + 40)
                    time.sleep(1.5)
                path = out / f"{name}.png"
                driver.save_screenshot(str(path))
                driver.set_window_size(1400, 1100)
                print(f"{name:12} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
