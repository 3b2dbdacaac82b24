"""Readers, one per format: bytes in, a RawDocument out, or an IngestError naming the file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
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


# A file a person writes beside a document to correct or complete its metadata: NAME.EXT.meta.toml.
SIDECAR_SUFFIX = ".meta.toml"
SIDECAR_KEYS = ("title", "publisher", "date", "year", "type", "language")
_TABLES = ("csv", "json", "jsonl")


def sidecars(path: Path) -> list[Path]:
    """The files beside a document that describe it: its sidecar, and for a table the README of its folder."""
    found = [path.with_name(path.name + SIDECAR_SUFFIX)]
    if format_of(path) in _TABLES:
        found.append(path.with_name("README.md"))
    return [p for p in found if p.is_file()]


def _overrides(path: Path, source: str) -> dict[str, str]:
    """Metadata a person wrote for a document; a table also takes the title and publisher of its folder's README
    front matter when the README names it (`file:`) or the folder holds no other table."""
    values: dict[str, str] = {}
    readme = path.with_name("README.md")
    if format_of(path) in _TABLES and readme.is_file():
        match = re.match(r"\A---\n(.*?)\n---\n", readme.read_text(encoding="utf-8", errors="replace"), re.S)
        front = dict(line.partition(":")[::2] for line in (match.group(1).splitlines() if match else ()))
        front = {k.strip().lower(): v.strip().strip("\"'") for k, v in front.items()}
        tables = [p for p in path.parent.iterdir() if format_of(p) in _TABLES]
        if front.get("file") == path.name or (not front.get("file") and len(tables) == 1):
            values.update({k: v for k, v in front.items() if k in ("title", "publisher") and v})
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        try:
            data = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(source, f"its sidecar {sidecar.name} is not valid TOML: {exc}") from exc
        unknown = set(data) - set(SIDECAR_KEYS)
        if unknown:
            raise IngestError(source, f"its sidecar {sidecar.name} has unknown key(s) {', '.join(sorted(unknown))}; "
                                      f"use {', '.join(SIDECAR_KEYS)}")
        values.update({k: str(v) for k, v in data.items()})
    return values


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
    """Read one file from disk; returns the raw document and the bytes it was read from (its sidecars' too)."""
    fmt = format_of(path)
    if fmt is None:
        raise IngestError(source, f"unknown format {path.suffix or '(no suffix)'!r}; "
                                  f"readers exist for {', '.join(sorted(FORMATS))}")
    try:
        size = path.stat().st_size
        if size > settings.max_file_mb * 1024 * 1024:
            raise IngestError(source, f"file too large ({size / 1048576:.0f} MB > {settings.max_file_mb} MB limit)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(source, "file disappeared during ingest") from exc
    except OSError as exc:
        raise IngestError(source, f"unreadable file: {exc.strerror or exc}") from exc
    raw = read_bytes(data, source, fmt, settings)
    overrides = _overrides(path, source)
    if overrides:
        raw = replace(raw, overrides=tuple(sorted(overrides.items())))
    return raw, data + b"".join(p.read_bytes() for p in sidecars(path))
