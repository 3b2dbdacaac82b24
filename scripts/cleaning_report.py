"""What each cleaning rule removes from corpus/ plus ../shared/corpus/: counts and examples; prints a table, writes JSON."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from kb.errors import IngestError  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.pipeline import walk_corpus  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402


def main() -> None:
    settings = load_settings()
    roots = [ROOT / "corpus"] + ([ROOT.parent / "shared" / "corpus"] if (ROOT.parent / "shared" / "corpus").is_dir() else [])
    counts: dict[str, int] = defaultdict(int)
    chars: dict[str, int] = defaultdict(int)
    examples: dict[str, list[str]] = defaultdict(list)
    for root in roots:
        files, _ = walk_corpus(root, settings)
        for path, source in files:
            try:
                raw, data = read_file(path, source, settings)
                seg = prepare(raw, content_hash(data), settings)
            except IngestError:
                continue
            for removal in seg.removals:
                counts[removal.rule] += 1
                chars[removal.rule] += len(removal.text)
                if len(examples[removal.rule]) < 3:
                    examples[removal.rule].append(f"{source}: {removal.text[:100]!r}")
    print(f"{'rule':<22} {'removals':>8} {'chars':>9}  example")
    for rule in sorted(counts, key=counts.__getitem__, reverse=True):
        print(f"{rule:<22} {counts[rule]:>8} {chars[rule]:>9}  {examples[rule][0][:110]}")
    out = ROOT / "results" / "cleaning_report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({r: {"removals": counts[r], "chars": chars[r], "examples": examples[r]} for r in counts},
                              indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
