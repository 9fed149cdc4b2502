"""Calibrated confidence that the top-ranked article answers the question, and the decision.

The model is a logistic regression over a handful of signals (the top score, its margin over
the runner-up, and what the question and the matched phrasing do not share), fitted by
`bench/tune.py` on held-out paraphrase data and stored in `kb/model.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz

from kb.index import Candidate, KBIndex, Ranking, RankWeights, log_length

MODEL_PATH = Path(__file__).with_name("model.json")

FEATURES = (
    "score",
    "margin",
    "char",
    "word",
    "fuzzy",
    "missing_in_article",
    "missing_in_query",
    "length",
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the decision changes; tuned by bench/tune.py, overridable by configuration."""

    answer: float = 0.5  # confidence at or above which the top article is sent
    suggest: float = 0.25  # top score at or above which choices are offered instead of a hand-off
    suggest_gap: float = 0.12  # a choice may score at most this much below the top one


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """Logistic regression weights over FEATURES, plus the decision thresholds."""

    coef: tuple[float, ...] = field(default=(4.0, 6.0, 0.0, 0.0, 0.0, -2.0, -1.0, 0.0))
    intercept: float = -2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: RankWeights = field(default_factory=RankWeights)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ConfidenceModel:
        """Read the tuned model; fall back to the built-in defaults when the file is absent."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: features {data['features']} do not match {FEATURES}")
        return cls(
            coef=tuple(float(c) for c in data["coef"]),
            intercept=float(data["intercept"]),
            thresholds=Thresholds(**data["thresholds"]),
            weights=RankWeights(**data.get("weights", {})),
        )

    def with_thresholds(self, **changes: float) -> ConfidenceModel:
        return replace(self, thresholds=replace(self.thresholds, **changes))

    def probability(self, values: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, values, strict=True))
        if z < -40:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


def feature_values(ranking: Ranking, index: KBIndex) -> list[float]:
    """The signals for the top candidate of `ranking`, in FEATURES order."""
    top = ranking.candidates[0]
    runner_up = ranking.candidates[1].score if len(ranking.candidates) > 1 else 0.0
    missing_in_article = _missing_share(ranking.key, index.article_words_[top.index], index)
    missing_in_query = _missing_share(top.phrasing, frozenset(ranking.key.split()), index)
    return [
        top.score,
        top.score - runner_up,
        top.char,
        top.word,
        top.fuzzy,
        missing_in_article,
        missing_in_query,
        log_length(ranking.key),
    ]


def _missing_share(source: str, target_words: frozenset[str], index: KBIndex) -> float:
    """IDF-weighted share of the words of `source` that have no close match in `target_words`."""
    source_words = set(source.split())
    if not source_words:
        return 0.0
    total = missing = 0.0
    for word in source_words:
        weight = index.idf(word)
        total += weight
        if word in target_words or any(_close(word, other) for other in target_words):
            continue
        missing += weight
    return missing / total if total else 0.0


def _close(a: str, b: str) -> bool:
    """Two words are the same word with a different affix or a typo."""
    if len(a) < 3 or len(b) < 3:
        return False
    if a.startswith(b) or b.startswith(a) or a.endswith(b) or b.endswith(a):
        return True
    return fuzz.ratio(a, b) >= 80


def top_candidates_within(ranking: Ranking, gap: float, limit: int = 3) -> tuple[Candidate, ...]:
    """The top candidates scoring within `gap` of the best one."""
    if not ranking.candidates:
        return ()
    best = ranking.candidates[0].score
    return tuple(c for c in ranking.candidates[:limit] if best - c.score <= gap)
