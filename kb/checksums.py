"""A file's SHA-256, remembered while the file stays as it was read.

The converted models are checked against their checksums each time a process loads them: reading and hashing
their 317 MB cost each search process 0.26 s with the files in the page cache, more from disk. A digest is kept
beside the converted models (`.sha256.json` in the model folder) with the file's size and modification and change
times, and read from there while all three are unchanged. A file written in the last few seconds is always read
whole, since a change in the same tick of the file system's clock would leave its times as they were (git's
"racily clean" files).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path

_CACHE_NAME = ".sha256.json"
# A file younger than this is hashed every time (see the module's docstring).
_SETTLED_SECONDS = 5.0
_LOCK = threading.Lock()


def sha256(path: Path, cache_dir: Path | None = None) -> str:
    """The file's SHA-256: read in blocks, or as recorded in cache_dir while the file is unchanged since."""
    stat = path.stat()
    key, stamp = str(path.resolve()), [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
    cache = _read(cache_dir) if cache_dir is not None else {}
    entry = cache.get(key)
    if isinstance(entry, list) and len(entry) == 4 and entry[:3] == stamp:
        return str(entry[3])
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    found = digest.hexdigest()
    if cache_dir is not None and time.time() - max(stat.st_mtime, stat.st_ctime) > _SETTLED_SECONDS:
        _record(cache_dir, key, [*stamp, found])
    return found


def _read(cache_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((cache_dir / _CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _record(cache_dir: Path, key: str, entry: list[object]) -> None:
    """Add one digest to the cache, written aside and renamed; a folder that cannot be written keeps no cache."""
    with _LOCK:
        cache = _read(cache_dir)
        cache[key] = entry
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".sha256-", dir=cache_dir)
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(cache, handle)
            os.replace(name, cache_dir / _CACHE_NAME)
        except OSError:
            Path(name).unlink(missing_ok=True)
