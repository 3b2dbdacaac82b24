"""What the report scripts share: every document of a corpus folder, read and prepared as an ingest does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.corpus import walk_corpus  # noqa: E402
from kb.errors import IngestError  # noqa: E402
from kb.ingest import read_file  # noqa: E402
from kb.models import Segmented  # noqa: E402
from kb.prepare import content_hash, prepare  # noqa: E402

DEFAULT_ROOTS = [ROOT / "corpus", ROOT.parent / "shared" / "corpus"]


def prepared_documents(roots: list[Path], settings: Settings) -> Iterator[tuple[str, Segmented | None, str]]:
    """(source, prepared document, "") for each readable file of the folders, (source, None, reason) for the rest."""
    for root in roots:
        if not root.is_dir():
            continue
        files, _ = walk_corpus(root, settings)
        for path, source in files:
            try:
                raw, data = read_file(path, source, settings)
                yield source, prepare(raw, content_hash(data), settings), ""
            except IngestError as exc:
                yield source, None, exc.reason
