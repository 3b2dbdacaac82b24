"""HTML: the main text without navigation, scripts and styles; headings kept as Markdown marks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from kb.errors import IngestError
from kb.ingest.text import decode
from kb.models import RawDocument

_SKIP = {
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "iframe",
    "button", "template", "select", "canvas", "object", "embed", "menu",
}
_BLOCK = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "br", "tr", "table", "blockquote",
    "pre", "dd", "dt", "dl", "figure", "figcaption", "hr", "td", "th",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "wbr"}
_META_KEYS = {
    "og:title": "html_title", "title": "html_title", "article:published_time": "date", "date": "date",
    "dc.date": "date", "pubdate": "date", "author": "author", "article:author": "author",
    "og:site_name": "html_site", "publisher": "publisher", "dc.publisher": "publisher",
}


class _Extractor(HTMLParser):
    """Collects text outside skipped elements, separately for <main>/<article> content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.all: list[str] = []
        self.main: list[str] = []
        self.skip_depth = 0
        self.main_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.stack: list[str] = []

    def _emit(self, text: str) -> None:
        self.all.append(text)
        if self.main_depth:
            self.main.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k: v or "" for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").lower()
            if key in _META_KEYS and values.get("content"):
                self.meta.setdefault(_META_KEYS[key], values["content"].strip())
            return
        if tag in _VOID:
            if tag in ("br", "hr") and not self.skip_depth:
                self._emit("\n")
            return
        self.stack.append(tag)
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in ("main", "article"):
            self.main_depth += 1
        if tag == "title":
            self.in_title = True
        if self.skip_depth:
            return
        if tag in _HEADINGS:
            self._emit("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag in _BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return
        # Close elements left open inside this one, as browsers do.
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag in _SKIP:
                self.skip_depth -= 1
            elif open_tag in ("main", "article"):
                self.main_depth -= 1
            if open_tag == "title":
                self.in_title = False
            if not self.skip_depth and (open_tag in _HEADINGS or open_tag in _BLOCK):
                self._emit("\n\n" if open_tag in _HEADINGS or open_tag == "p" else "\n")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if not self.skip_depth:
            self._emit(data.replace("\n", " "))


# Markup in a field of a record table: an element's tag or an entity, not "<5 years" or "R&D".
_MARKUP = re.compile(r"</?(?:p|br|div|span|li|ul|ol|strong|b|i|em|a|table|tr|td|th|h[1-6])\b[^<>]{0,200}>|"
                     r"&(?:[a-z]{2,8}|#\d{1,6}|#x[0-9a-f]{1,5});", re.I)


def fragment_text(value: str) -> str:
    """A field written in HTML ("<p>The objective ...<br />&nbsp;</p>") as its text, its paragraphs and lines
    kept; a field with no markup as it is."""
    if not _MARKUP.search(value):
        return value
    parser = _Extractor()
    parser.feed(value)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.all).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read_html(data: bytes, source: str) -> RawDocument:
    """Read an HTML page; prefer <main>/<article> content when the page marks it."""
    text = decode(data, source)
    parser = _Extractor()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # malformed markup the parser cannot recover from
        raise IngestError(source, f"unreadable HTML: {exc}") from exc
    main = "".join(parser.main)
    body = main if len(main.strip()) > 200 else "".join(parser.all)
    if not body.strip():
        raise IngestError(source, "no text in HTML page")
    title = " ".join("".join(parser.title_parts).split()) or parser.meta.get("html_title")
    site = parser.meta.get("html_site", "")
    if title and site:  # "Counting the cost | UNDP": the page's title without its site's name
        title = re.sub(rf"\s*[|\-–—:]\s*{re.escape(site)}\s*$", "", title)
    meta = dict(parser.meta)
    if title:
        meta["html_title"] = title
    return RawDocument(source=source, format="html", pages=(body,), title=title or None,
                       meta=tuple(sorted(meta.items())))
