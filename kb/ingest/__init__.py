"""Readers, one per format: bytes in, a RawDocument out, or an IngestError naming the file."""

from __future__ import annotations

from pathlib import Path

from kb.config import Settings
from kb.errors import IngestError
from kb.ingest.docx import read_docx
from kb.ingest.html import read_html
from kb.ingest.pdf import read_pdf
from kb.ingest.records import read_csv, read_json
from kb.ingest.text import read_text
from kb.models import RawDocument

FORMATS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx", ".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}


def format_of(path: Path) -> str | None:
    """The format name for a file's suffix, or None when no reader handles it."""
    return FORMATS.get(path.suffix.lower())


def read_bytes(data: bytes, source: str, fmt: str, settings: Settings) -> RawDocument:
    """Dispatch bytes to the reader for their format."""
    if not data.strip():
        raise IngestError(source, "empty file")
    if fmt in ("txt", "md"):
        return read_text(data, source, fmt)
    if fmt == "html":
        return read_html(data, source)
    if fmt == "pdf":
        return read_pdf(data, source)
    if fmt == "docx":
        return read_docx(data, source)
    if fmt == "csv":
        return read_csv(data, source, settings.records)
    if fmt in ("json", "jsonl"):
        return read_json(data, source, settings.records, lines=fmt == "jsonl")
    raise IngestError(source, f"unknown format {fmt!r}")


def read_file(path: Path, source: str, settings: Settings) -> tuple[RawDocument, bytes]:
    """Read one file from disk; returns the raw document and the bytes it was read from."""
    fmt = format_of(path)
    if fmt is None:
        raise IngestError(source, f"unknown format {path.suffix or '(no suffix)'!r}; readers exist for {', '.join(sorted(FORMATS))}")
    try:
        size = path.stat().st_size
        if size > settings.max_file_mb * 1024 * 1024:
            raise IngestError(source, f"file too large ({size / 1048576:.0f} MB > {settings.max_file_mb} MB limit)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(source, "file disappeared during ingest") from exc
    except OSError as exc:
        raise IngestError(source, f"unreadable file: {exc.strerror or exc}") from exc
    return read_bytes(data, source, fmt, settings), data
