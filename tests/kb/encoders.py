"""A sentence encoder for tests: deterministic, instant, no model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class WordsEncoder:
    """Hashes words into a small vector: texts sharing words point the same way."""

    name = "test-words"
    dim = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                out[row, hashlib.md5(word.encode()).digest()[0] % self.dim] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)
