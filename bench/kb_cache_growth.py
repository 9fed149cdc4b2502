"""How the sentence-vector cache file grows as an editor keeps editing one article.

    python -m bench.kb_cache_growth                   # 200 edits, one a day
    python -m bench.kb_cache_growth --per-day 20      # 200 edits, twenty a day

A copy of the shipped sample KB (kb/articles) is served with the bundled encoder and a cache
file of its own in a temporary folder; one article's first question is then rewritten
`--edits` times, the KB reloaded after each (as the bot's watcher does). The days are
simulated: kb.semantic's clock moves on a day every `--per-day` edits. It prints the file's
rows and size as it goes, and how many texts a restart on that file encodes (none, when every
served vector is on disk). It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

import numpy as np

import kb.semantic
from kb.semantic import EmbeddingStore, Encoder, load_encoder
from kb.service import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = Path("account-login") / "account-locked.md"


class Counting:
    """An encoder that counts the texts it encodes."""

    def __init__(self, encoder: Encoder) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self.inner.encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self.inner.encode_passages(texts)


class SimulatedClock:
    """kb.semantic's `time`: the wall clock, plus the days the benchmark has skipped."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def time(self) -> float:
        return time.time() + self.skipped

    def monotonic(self) -> float:
        return time.monotonic() + self.skipped


def figures(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    return f"{rows} vectors, {path.stat().st_size / 1024:.0f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--per-day", type=int, default=1, help="edits a simulated day")
    args = parser.parse_args()
    encoder = load_encoder()
    if encoder is None:
        print("the sentence encoder cannot load", file=sys.stderr)
        return 1
    clock = SimulatedClock()
    with mock.patch.object(kb.semantic, "time", clock), tempfile.TemporaryDirectory() as scratch:
        kb_dir = Path(scratch) / "articles"
        shutil.copytree(ROOT / "kb" / "articles", kb_dir)
        cache = Path(scratch) / "kb-embeddings.sqlite3"
        served = KnowledgeBase(kb_dir, encoder=encoder, store=EmbeddingStore(cache))
        print(f"served KB: {figures(cache)}")
        article = kb_dir / ARTICLE
        original = article.read_text(encoding="utf-8")
        for edit in range(1, args.edits + 1):
            text = re.sub(r"(questions:\n  - )", rf"\g<1>نسخهٔ {edit} از ", original, count=1)
            article.write_text(text, encoding="utf-8")
            served.reload(force=True)
            if edit % args.per_day == 0:
                clock.skipped += 86400
            if edit % 50 == 0 or edit == args.edits:
                day = edit // args.per_day
                print(f"after {edit} edits (day {day}): {figures(cache)}")
        counting = Counting(encoder)
        KnowledgeBase(kb_dir, encoder=counting, store=EmbeddingStore(cache))
        print(f"a restart encoded {counting.encoded} texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
