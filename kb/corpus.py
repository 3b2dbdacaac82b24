"""The files of a corpus: which to read, which to skip up front, and their content hashes.

A corpus is a folder, or a manifest file listing paths and URIs one per line (a cluster's shared storage:
anything pyarrow's file systems read, such as s3://, gs://, hdfs:// or file://). A file is named by its
location: a local path as a Path's string, a remote one as its URI; `local_copy` gives either as a local path.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePosixPath
from typing import Any

from kb.config import Settings
from kb.errors import KBError
from kb.ingest import SIDECAR_SUFFIX, format_of, sidecars

_URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")


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


def is_uri(location: str) -> bool:
    """Whether a location is a URI (scheme://...) rather than a local path."""
    return bool(_URI.match(location))


def corpus_files(corpus: Path, settings: Settings) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The corpus's files as (location, source), and those skipped up front with reasons: a folder's files,
    or the files a manifest lists (a listed folder's files under the line's name)."""
    if corpus.is_dir():
        walked, passed = walk_corpus(corpus, settings)
        return [(str(path), source) for path, source in walked], passed
    if not corpus.is_file():
        raise KBError(f"{corpus}: corpus folder or manifest file not found")
    listed: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    try:
        lines = corpus.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KBError(f"{corpus}: a corpus manifest must be a UTF-8 text file with one path or URI per line "
                      f"({exc})") from exc
    for number, line in enumerate(lines, start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if is_uri(entry):
            _remote(entry, listed, skipped)
            continue
        path = Path(entry).expanduser()
        path = path if path.is_absolute() else corpus.parent / path
        source = PurePosixPath(entry).as_posix()
        if path.is_dir():
            found, inner = walk_corpus(path, settings)
            listed += [(str(p), f"{source.rstrip('/')}/{s}") for p, s in found]
            skipped += [(f"{source.rstrip('/')}/{s}", reason) for s, reason in inner]
        elif not path.is_file():
            skipped.append((source, f"{corpus.name} line {number}: no such file or folder"))
        elif format_of(path) is None:
            skipped.append((source, f"unknown format {path.suffix or '(no suffix)'!r}"))
        else:
            listed.append((str(path), source))
    seen: set[str] = set()
    files: list[tuple[str, str]] = []
    for location, source in listed:  # a file listed twice is read once
        if source not in seen:
            seen.add(source)
            files.append((location, source))
    return files, skipped


def _remote(uri: str, files: list[tuple[str, str]], skipped: list[tuple[str, str]]) -> None:
    """Add a URI's file, or say why it cannot be read (an unknown scheme, a missing file, a folder)."""
    try:
        info = _file_info(uri)
    except (KBError, OSError, ValueError) as exc:
        skipped.append((uri, f"cannot read: {exc}"))
        return
    if info is None:
        skipped.append((uri, "no such file"))
    elif format_of(Path(PurePosixPath(uri).name)) is None:
        skipped.append((uri, f"unknown format {PurePosixPath(uri).suffix or '(no suffix)'!r}"))
    else:
        files.append((uri, uri))


# A listing's answers while `listing()` is open: each remote file is asked its size and time once to list,
# hash and size it (three round trips to an object store before), and again by the read stage, which must
# see a change made since.
_LISTED: ContextVar[dict[str, tuple[int, float] | None] | None] = ContextVar("kb_listed", default=None)


@contextmanager
def listing() -> Iterator[None]:
    """Within it, a remote file's size and time are asked once (listing, hashing and sizing a corpus)."""
    token = _LISTED.set({})
    try:
        yield
    finally:
        _LISTED.reset(token)


def _file_info(uri: str) -> tuple[int, float] | None:
    """A remote file's size and modification time, or None when there is no such file."""
    known = _LISTED.get()
    if known is not None and uri in known:
        return known[uri]
    info = _ask(uri)
    if known is not None:
        known[uri] = info
    return info


def _ask(uri: str) -> tuple[int, float] | None:
    fs, path = _filesystem(uri)
    import pyarrow.fs as pafs

    info = fs.get_file_info(path)
    if info.type != pafs.FileType.File:
        return None
    mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
    return int(info.size or 0), mtime


def _filesystem(uri: str) -> tuple[Any, str]:
    """pyarrow's file system for a URI and the path within it, or a KBError naming the URI."""
    import pyarrow.fs as pafs  # pyarrow comes with Ray Data; a folder corpus never imports it

    try:
        return pafs.FileSystem.from_uri(uri)
    except ValueError as exc:  # pyarrow's ArrowInvalid: a scheme it has no file system for
        raise KBError(f"{uri}: pyarrow reads no such location ({exc})") from exc


def hash_location(location: str) -> str:
    """A local file's content hash (kb.corpus.hash_file); a remote file's from its URI, size and modification
    time, so that listing a large remote corpus does not download it to find what changed."""
    if not is_uri(location):
        return hash_file(Path(location))
    info = _file_info(location)
    if info is None:
        raise OSError(f"{location}: no such file")
    return hashlib.sha256(f"{location}\n{info[0]}\n{info[1]}".encode()).hexdigest()


def size_of(location: str) -> int:
    """A file's size in bytes (0 when it cannot be read)."""
    try:
        if is_uri(location):
            info = _file_info(location)
            return info[0] if info else 0
        return Path(location).stat().st_size
    except (OSError, KBError, ValueError):
        return 0


@contextmanager
def local_copy(location: str) -> Iterator[Path]:
    """A location as a local path: a local file as it is, a remote one copied to a temporary folder (with its
    sidecar, if it has one) and removed afterwards."""
    if not is_uri(location):
        yield Path(location)
        return
    fs, path = _filesystem(location)
    folder = Path(tempfile.mkdtemp(prefix="kb-fetch-"))
    try:
        target = folder / PurePosixPath(path).name
        for remote, local in ((path, target), (path + SIDECAR_SUFFIX, Path(str(target) + SIDECAR_SUFFIX))):
            try:
                with fs.open_input_stream(remote) as src, open(local, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except FileNotFoundError:
                if remote == path:
                    raise
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)
