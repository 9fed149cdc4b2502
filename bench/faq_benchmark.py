"""An FAQ benchmark built from ParsiNLU paraphrase pairs (read from ../shared, never copied).

Every distinct q1 becomes an article (title = q1); the q2 of a paraphrase pair must be answered
with its q1's article; the q2 of a non-paraphrase pair is a near miss (no answer in the KB).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from bench.noise import arabic_and_spacing, typo, wrong_layout
from kb.article import Article
from kb.evaluate import LabelledQuestion
from kb.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
QQP_DIR = ROOT.parent / "shared" / "data" / "parsinlu-qqp"
OOD_FILES = (ROOT / "bench" / "data" / "ood_fa.txt", ROOT / "bench" / "data" / "ood_en.txt")


@dataclass(frozen=True)
class Benchmark:
    articles: list[Article]
    answerable: list[LabelledQuestion]
    near_miss: list[LabelledQuestion]
    out_of_domain: list[LabelledQuestion]
    # Normalized question -> its pair's category: "natural" (native Persian, search-box
    # style, mostly lexical) or "qqp" (translated Quora questions, mostly semantic).
    categories: dict[str, str] = field(default_factory=dict)

    def of_category(
        self, questions: list[LabelledQuestion], category: str
    ) -> list[LabelledQuestion]:
        """The ParsiNLU questions of one category (out-of-domain ones have none)."""
        return [q for q in questions if self.categories.get(normalize(q.question)) == category]

    def noisy(self, kind: str, seed: int = 7) -> list[LabelledQuestion]:
        """Copies of the answerable questions with one kind of noise."""
        rng = random.Random(seed)
        change = {
            "typo": lambda q: typo(q, rng),
            "arabic": lambda q: arabic_and_spacing(q, rng),
            "layout": wrong_layout,
        }[kind]
        return [LabelledQuestion(change(q.question), q.expected, kind) for q in self.answerable]

    def all_clean(self) -> list[LabelledQuestion]:
        return [*self.answerable, *self.near_miss, *self.out_of_domain]


def read_pairs(split: str) -> list[dict[str, str]]:
    path = QQP_DIR / f"{split}.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: the benchmark reads ../shared/data/parsinlu-qqp")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_ood(limit: int | None = None) -> list[str]:
    lines: list[str] = []
    for path in OOD_FILES:
        if path.exists():
            lines.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line][:limit]


def build(split: str, *, unseen_split: str | None = None) -> Benchmark:
    """The benchmark of one split; questions of `unseen_split` join the out-of-domain pool."""
    pairs = read_pairs(split)
    ids: dict[str, str] = {}
    articles: list[Article] = []
    for pair in pairs:
        key = normalize(pair["q1"])
        if key not in ids:
            ids[key] = f"q{len(ids) + 1}"
            articles.append(Article(id=ids[key], title=pair["q1"], body=""))
    answerable, near_miss = [], []
    categories: dict[str, str] = {}
    for pair in pairs:
        expected = ids[normalize(pair["q1"])]
        categories.setdefault(normalize(pair["q2"]), pair["category"])
        if pair["label"] == "1":
            answerable.append(LabelledQuestion(pair["q2"], expected, "paraphrase"))
        elif normalize(pair["q2"]) not in ids:
            near_miss.append(LabelledQuestion(pair["q2"], None, "near_miss"))
    ood = [LabelledQuestion(q, None, "out_of_scope") for q in read_ood()]
    if unseen_split:
        seen = set(ids)
        unseen = {normalize(p["q1"]): p["q1"] for p in read_pairs(unseen_split)}
        ood += [LabelledQuestion(q, None, "unseen") for k, q in unseen.items() if k not in seen]
    return Benchmark(articles, answerable, near_miss, ood, categories)
