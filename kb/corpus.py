"""The files of a corpus folder: which to read, which to skip up front, and their content hashes."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path

from kb.config import Settings
from kb.ingest import SIDECAR_SUFFIX, format_of, sidecars


def _ignored(rel: Path, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in patterns)


def walk_corpus(corpus: Path, settings: Settings) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Files to ingest as (path, source relative to the corpus), and files skipped up front with reasons."""
    files: list[tuple[Path, str]] = []
    skipped: list[tuple[str, str]] = []
    # Symlinked folders are followed once each, so a link loop ends instead of recursing.
    seen = {os.path.realpath(corpus)}
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=True):
        base = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            real = os.path.realpath(base / d)
            if _ignored(Path(d), settings.ignore):
                continue
            if real in seen:
                skipped.append(((base / d).relative_to(corpus).as_posix(), "folder already visited (symlink loop?)"))
                continue
            seen.add(real)
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = base / name
            rel = path.relative_to(corpus)
            if _ignored(rel, settings.ignore):
                continue
            source = rel.as_posix()
            if name.endswith(SIDECAR_SUFFIX):
                continue  # read with the document it describes
            if not path.is_file():
                skipped.append((source, "not a regular file (broken or looping symlink?)"))
            elif format_of(path) is None:
                skipped.append((source, f"unknown format {path.suffix or '(no suffix)'!r}"))
            else:
                files.append((path, source))
    return files, skipped


def hash_file(path: Path) -> str:
    """sha256 of a file and of the sidecars that describe it, read in blocks: editing either re-reads it."""
    h = hashlib.sha256()
    for part in (path, *sidecars(path)):
        with open(part, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()
