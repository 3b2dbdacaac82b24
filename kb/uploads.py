"""Files added from the browser: type and size checked on the server, names made safe, saved in the corpus."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.config import Settings
from kb.errors import IndexMissingError, KBError
from kb.indexdir import MANIFEST_FILE
from kb.ingest import FORMATS
from kb.pipeline import IngestReport, Progress, ingest

UPLOAD_FOLDER = "uploads"
MAX_UPLOAD_MB = 50
MAX_FILES = 20
_UNSAFE = re.compile(r"[^\w.\- ]+", re.U)


@dataclass(frozen=True)
class UploadResult:
    """Where each accepted file went (corpus-relative path), and each refused file with its reason."""

    saved: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


def safe_name(name: str) -> str:
    """A file name that stays inside its folder: no directories, no control or shell characters."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[:100] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def save_uploads(files: Sequence[tuple[str, bytes]], corpus_dir: str | Path,
                 max_mb: int = MAX_UPLOAD_MB) -> UploadResult:
    """Check each (name, content) pair and write the good ones to corpus_dir/uploads/, never outside it."""
    folder = Path(corpus_dir) / UPLOAD_FOLDER
    saved: list[str] = []
    refused: list[tuple[str, str]] = []
    if len(files) > MAX_FILES:
        return UploadResult((), tuple((n, f"more than {MAX_FILES} files at once; add them in smaller groups")
                                      for n, _ in files))
    for name, data in files:
        safe = safe_name(name)
        suffix = Path(safe).suffix.lower()
        if suffix not in FORMATS:
            refused.append((name, f"type {suffix or '(none)'} is not read; use one of {', '.join(sorted(FORMATS))}"))
        elif len(data) > max_mb * 1024 * 1024:
            refused.append((name, f"{len(data) / 1024 / 1024:.1f} MB is over the {max_mb} MB limit"))
        elif not data:
            refused.append((name, "the file is empty"))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / safe
            if target.resolve().parent != folder.resolve():
                refused.append((name, "the name points outside the upload folder"))
                continue
            tmp = target.with_name(f".{target.name}.part")
            tmp.write_bytes(data)
            os.replace(tmp, target)  # a half-written file is never seen by a concurrent ingest
            saved.append(f"{UPLOAD_FOLDER}/{safe}")
    return UploadResult(tuple(saved), tuple(refused))


def corpus_of(index_dir: str | Path) -> Path:
    """The corpus folder an index was built from, as its manifest records it."""
    manifest = Path(index_dir) / MANIFEST_FILE
    try:
        corpus = Path(json.loads(manifest.read_text(encoding="utf-8"))["corpus"])
    except (OSError, ValueError, KeyError) as exc:
        raise IndexMissingError(f"{manifest}: cannot tell which corpus folder this index mirrors ({exc})") from None
    if corpus.is_file():
        raise KBError(f"{manifest}: this index mirrors the manifest {corpus}, not a folder an upload can be saved "
                      "in; add the file's path to the manifest and run kb ingest")
    if not corpus.is_dir():
        raise IndexMissingError(f"{manifest}: its corpus folder {corpus} is gone; files can only be added beside it")
    return corpus


def add_files(
    index_dir: str | Path, files: Sequence[tuple[str, bytes]], settings: Settings,
    progress: Progress | None = None, max_mb: int = MAX_UPLOAD_MB,
) -> tuple[UploadResult, IngestReport | None]:
    """Save uploads into the index's own corpus folder and update the index; no ingest when nothing was saved."""
    corpus = corpus_of(index_dir)
    result = save_uploads(files, corpus, max_mb)
    if not result.saved:
        return result, None
    return result, ingest(corpus, index_dir, settings, progress)
