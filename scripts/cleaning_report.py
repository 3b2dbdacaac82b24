"""What each cleaning rule removes from corpus/ plus ../shared/corpus/: counts and examples; prints a table,
writes JSON."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from scripts.common import DEFAULT_ROOTS, prepared_documents  # noqa: E402


def main() -> None:
    settings = load_settings()
    counts: dict[str, int] = defaultdict(int)
    chars: dict[str, int] = defaultdict(int)
    examples: dict[str, list[str]] = defaultdict(list)
    for source, seg, _ in prepared_documents(DEFAULT_ROOTS, settings):
        for removal in seg.removals if seg else ():
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
