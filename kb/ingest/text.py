"""Plain text and Markdown: byte decoding with encoding detection, and Markdown metadata."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from kb.errors import IngestError
from kb.language import CJK
from kb.models import RawDocument

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Candidates for text that is not UTF-8: the encodings users of this corpus meet.
_CANDIDATES = ["gb18030", "big5", "utf_16_le", "utf_16_be", "cp1252", "latin_1", "cp1251", "shift_jis"]


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by where its zero bytes fall (ASCII-heavy text)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _is_cjk_text(text: str) -> bool:
    """True when most letters are CJK ideographs, the mark of a right GB18030/Big5 guess."""
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return False
    cjk = sum(1 for c in letters if CJK.match(c))
    return cjk / len(letters) > 0.3


def _reads_as_text(data: bytes, encoding: str) -> bool:
    """True when bytes decode strictly to printable text that is mostly CJK (BOM-less UTF-16 Chinese). Seven-bit
    bytes never are: any ASCII read as UTF-16 lands among the CJK code points ("binary" reads "楢慮祲")."""
    if max(data[:8192], default=0) < 0x80:
        return False
    try:
        text = data[:8192].decode(encoding)
    except UnicodeDecodeError:
        return False
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    return printable > 0.98 * len(text) and _is_cjk_text(text)


def _binary(data: bytes) -> bool:
    """Bytes that are no text in a one-byte or UTF-8 encoding: text never holds NUL bytes (UTF-16 is read
    before this is asked) and few other control bytes."""
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in data or controls > len(sample) * 0.05


def decode(data: bytes, source: str) -> str:
    """Decode bytes to str: BOM, then UTF-8, then BOM-less UTF-16, then detected encodings."""
    if not data.strip():
        raise IngestError(source, "empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(source, f"invalid {encoding} after its byte-order mark: {exc.reason}") from exc
    # NUL and other control bytes are valid UTF-8: a binary file named .txt decoded as "text" and was stored.
    # Such bytes are UTF-16 without its mark (read below) or no text at all (refused below).
    binary = _binary(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not binary:
            return text
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-16-le", "utf-16-be"):
        if len(data) % 2 == 0 and _reads_as_text(data, encoding):
            return data.decode(encoding)
    if binary:
        raise IngestError(source, "binary data, not text")
    # GB18030 decodes almost any byte string, so accept it only when the result reads as Chinese.
    try:
        text = data.decode("gb18030")
        if _is_cjk_text(text):
            return text
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None or best.encoding in ("gb18030", "big5") and not _is_cjk_text(str(best)):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise IngestError(source, "undecodable text: no known encoding fits") from exc
    return str(best)


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Front matter a page hides inside an HTML comment ("<!---" / "---" / "title: ..." / "---" / "-->"): its text, so
# it is read as front matter (it was read as the page's first paragraph, "menu_parent: 2 / nav_order: 3").
_HIDDEN_FRONT_MATTER = re.compile(r"\A<!--+[ \t]*\n(---\n.*?\n---\n)[ \t]*-*-->[ \t]*\n?", re.S)
# What a Markdown page does not show: an HTML comment.
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG_LINE = re.compile(r"^\[\[(\w+):(.*)\]\]\s*$", re.M)


def read_text(data: bytes, source: str, fmt: str) -> RawDocument:
    """Read a .txt or .md file; Markdown front matter and [[key:value]] lines become metadata."""
    text = decode(data, source)
    meta: list[tuple[str, str]] = []
    title = None
    if fmt == "md":
        text = _HIDDEN_FRONT_MATTER.sub(lambda m: m.group(1), text, count=1)
        match = _FRONT_MATTER.match(text)
        if match:
            for line in match.group(1).splitlines():
                key, sep, value = line.partition(":")
                if sep and value.strip():
                    meta.append((key.strip().lower(), value.strip().strip("\"'")))
            text = text[match.end():]
        text = _COMMENT.sub("", text)
        for key, value in _TAG_LINE.findall(text):
            meta.append((key.lower(), value.strip()))
        title = dict(meta).get("title")
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        if not title and heading:
            title = heading.group(1).strip()
    if not text.strip():
        raise IngestError(source, "empty file")
    return RawDocument(source=source, format=fmt, pages=(text,), title=title, meta=tuple(meta))
