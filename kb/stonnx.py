"""The main model's twin: the same BERT as an fp32 ONNX graph, for queries (a search never imports torch) and
passages (an ingest embeds 1.75x faster).

Loading torch and sentence-transformers was most of a `kb search` call (about 9 of its 15 s here) and of the
app's and the API's start; a query needs only the encoder. The twin is built from the model folder's own files
(config.json, model.safetensors, tokenizer.json) when the folder is a BERT encoder with mean pooling and
normalisation, as all-MiniLM-L6-v2 is, and its vectors equal the library's (cosine 1 within 1e-6 on the test
texts, long, Chinese and accented ones included). Any other model is run by sentence-transformers.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.bertgraph import build_graph, building, checked, model_dir, sha256
from kb.errors import ConfigError
from kb.sidebyside import one_core_session, side_by_side
from kb.unitvec import unit_rows

# The folder's parts a twin is made of (tokenizer.json also serves the twin at query time).
_SOURCES = ("config.json", "model.safetensors", "tokenizer.json")
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
          "fo": "output.dense", "oln": "output.LayerNorm"}
_EMBEDDINGS = {"emb.word": "word_embeddings.weight", "emb.pos": "position_embeddings.weight",
               "emb.type": "token_type_embeddings.weight", "emb.ln.w": "LayerNorm.weight", "emb.ln.b": "LayerNorm.bias"}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def twin_shape(folder: Path) -> dict[str, float] | None:
    """The encoder's dimensions and token limit when the folder's model can have a twin; None when it cannot."""
    try:
        config = _json(folder / "config.json")
        modules = [m["type"].rsplit(".", 1)[-1] for m in _json(folder / "modules.json")]
        pooling = _json(folder / "1_Pooling" / "config.json")
        limit = _json(folder / "sentence_bert_config.json").get("max_seq_length") \
            if (folder / "sentence_bert_config.json").is_file() else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode")}
    if (config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute"
            or config.get("hidden_act") != "gelu" or modules != ["Transformer", "Pooling", "Normalize"]
            or [k for k, v in modes.items() if v] != ["pooling_mode_mean_tokens"]
            or not all((folder / name).is_file() for name in _SOURCES)):
        return None
    positions = int(config["max_position_embeddings"])
    return {"hidden": config["hidden_size"], "layers": config["num_hidden_layers"],
            "heads": config["num_attention_heads"], "ffn": config["intermediate_size"], "vocab": config["vocab_size"],
            "positions": positions, "types": config["type_vocab_size"], "eps": config["layer_norm_eps"],
            "max_tokens": min(int(limit or positions), positions)}


class _FolderWeights:
    """The tensors of a folder's model.safetensors under the graph's short names."""

    def __init__(self, folder: Path, dims: dict[str, float]) -> None:
        from safetensors.numpy import load_file

        self._tensors = load_file(str(folder / "model.safetensors"))
        self._dims = dims
        # Some checkpoints name their tensors "bert.embeddings..." rather than "embeddings...".
        self._prefix = "bert." if "bert.embeddings.word_embeddings.weight" in self._tensors else ""

    @property
    def dims(self) -> Mapping[str, float]:
        """The encoder's dimensions."""
        return self._dims

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of the given shape."""
        if name in _EMBEDDINGS:
            key = f"embeddings.{_EMBEDDINGS[name]}"
        else:
            layer, part, kind = name.split(".")
            key = f"encoder.layer.{layer[1:]}.{_LAYER[part]}.{'weight' if kind == 'w' else 'bias'}"
        return np.asarray(self._tensors[self._prefix + key], dtype=np.float32).reshape(shape)


def twin_folder(model: str, folder: Path) -> Path:
    """Where a model's twin is kept: named by the model and the checksum of its weights."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", model).strip("-.") or "model"
    return model_dir() / f"{slug}-queries-{sha256(folder / 'model.safetensors')[:16]}"


def convert(folder: Path, target: Path) -> Path:
    """Write the twin (graph, tokenizer, manifest with checksums) into target, built aside and then renamed."""
    import onnx

    shape = twin_shape(folder)
    if shape is None:
        raise ConfigError(f"{folder}: not a BERT model with mean pooling and normalisation; it has no ONNX twin")
    with building(target) as work:
        onnx.save(build_graph(_FolderWeights(folder, shape), target.name), work / "model.onnx")
        shutil.copyfile(folder / "tokenizer.json", work / "tokenizer.json")
        manifest = {"source": str(folder), "licence": f"the licence of the model it is converted from ({folder})",
                    "source_sha256": {n: sha256(folder / n) for n in _SOURCES},
                    "files": {n: sha256(work / n) for n in ("model.onnx", "tokenizer.json")},
                    "dim": int(shape["hidden"]), "max_tokens": int(shape["max_tokens"])}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return target


def ensure_twin(model: str, folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The model's twin and its manifest, converted first when missing or damaged (about 2 s); None when the
    model cannot have one."""
    if twin_shape(folder) is None:
        return None
    target = twin_folder(model, folder)
    manifest = checked(target)
    if manifest is None:
        convert(folder, target)
        manifest = checked(target)
        if manifest is None:
            raise ConfigError(f"{target}: the converted model fails its own checksums; delete the folder and "
                              "run `kb models` again")
    return target, manifest


class Twin:
    """Encodes texts with the twin: each text alone, so no padding and a vector that owes nothing to neighbours.

    Passages run side by side (kb.sidebyside), one core each. On 600 English passages of the eval index, two
    threads embedded 76 passages/s against sentence-transformers' 43 (torch on two threads, batches of 32; the
    same 2 threads each given half the batches 46), every cosine to the library's at least 0.9999998.
    """

    def __init__(self, target: Path, manifest: Mapping[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.dim = int(manifest["dim"])
        self._tokenizer = Tokenizer.from_file(str(target / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(manifest["max_tokens"]))
        self._session = one_core_session(target / "model.onnx")

    def encode(self, texts: Sequence[str], threads: int = 1) -> np.ndarray:
        """Unit vectors of the texts on as many threads: mean of the last layer over every token, then
        normalised, as the model's own pooling and normalisation do."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)

        def run(i: int) -> None:
            ids = np.array([self._tokenizer.encode(texts[i]).ids], dtype=np.int64)
            hidden = self._session.run(["hidden"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            out[i] = hidden[0].mean(axis=0)

        side_by_side(run, len(texts), threads)
        return unit_rows(out)
