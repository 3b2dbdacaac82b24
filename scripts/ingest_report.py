"""Ingest corpus/ plus ../shared/corpus/ into a fresh index, then again unchanged; print a table, write JSON."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from kb.pipeline import ingest  # noqa: E402


def combined_corpus(workdir: Path) -> Path:
    """A folder of symlinks: seeds/ from corpus/, and every folder of ../shared/corpus/."""
    root = workdir / "corpus"
    root.mkdir()
    (root / "seeds").symlink_to(ROOT / "corpus" / "seeds")
    shared = ROOT.parent / "shared" / "corpus"
    for folder in sorted(p for p in shared.iterdir() if p.is_dir()):
        (root / folder.name).symlink_to(folder)
    return root


def main() -> None:
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = combined_corpus(Path(tmp))
        index = Path(tmp) / "index"
        first = ingest(corpus, index, settings)
        t = time.monotonic()
        second = ingest(corpus, index, settings)
        rerun = time.monotonic() - t
    rows = [
        ("files", first.files), ("ingested", len(first.added)), ("skipped", len(first.skipped)),
        ("documents", first.documents), ("cases", first.cases), ("passages", first.passages),
        ("first run (s)", round(first.seconds, 2)),
        ("passages embedded in the multilingual space", first.embedded_multilingual),
        ("of the first run, multilingual embedding (s)", round(first.multilingual_seconds, 1)),
        ("unchanged re-run (s)", round(rerun, 2)),
        ("re-run / first run", round(rerun / first.seconds, 4)),
        ("re-run changed files", len(second.added) + len(second.updated) + len(second.removed)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    for source, reason in first.skipped:
        print(f"skipped {source}: {reason}")
    out = ROOT / "results" / "ingest_report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**dict(rows), "skipped_files": [list(s) for s in first.skipped]}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
