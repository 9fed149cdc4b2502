"""Calibrated confidence that the top-ranked article answers the question, and the decision.

The model is a logistic regression over a handful of signals (the top score, its margin over
the runner-up, and what the question and the matched phrasing do not share), fitted by
`bench/tune.py` on held-out paraphrase data and stored in `kb/model.json`. Two are fitted: one
over the lexical signals alone, and one that also reads the semantic similarity
(`kb.semantic`), used whenever the sentence encoder runs. The semantic one also reads a pair
model's verdict on the two sentence vectors (`PairModel`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
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
# The semantic model reads the same signals of the blended ranking, plus the sentence
# similarity of the top article, its lead over the next-closest article, and the pair model's
# log-odds that the question and the top article's closest phrasing ask the same thing.
SEMANTIC_FEATURES = (*FEATURES, "dense", "dense_margin", "pair")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the decision changes; tuned by bench/tune.py, overridable by configuration."""

    answer: float = 0.5  # confidence at or above which the top article is sent
    suggest: float = 0.25  # top score at or above which choices are offered instead of a hand-off
    suggest_gap: float = 0.12  # a choice may score at most this much below the top one


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the sentence similarity joins the lexical score.

    An article scores (1 - `semantic`) x its lexical score + `semantic` x its closest
    phrasing's cosine rescaled from [`floor`, 1] to [0, 1] (unrelated Persian sentences sit
    near 0.8 under e5). The `pool` articles closest by meaning are ranked beside the lexical
    ones, so a paraphrase that shares no word with any phrasing can still be found.
    """

    semantic: float = 0.55
    floor: float = 0.80
    pool: int = 10
    # Weight of the pair model's probability (`PairModel`), taken from the lexical share.
    pair: float = 0.0
    # Added for the body's passage cosine, rescaled from [`body_floor`, 1] (articles without a
    # body get nothing, so a KB of bare questions ranks as without it).
    body: float = 0.0
    body_floor: float = 0.8

    def similarity(self, cosine: float) -> float:
        return _rescaled(cosine, self.floor)

    def body_similarity(self, cosine: float) -> float:
        return _rescaled(cosine, self.body_floor)


def _rescaled(cosine: float, floor: float) -> float:
    """`cosine` from [`floor`, 1] to [0, 1], clipped."""
    return min(1.0, max(0.0, (cosine - floor) / (1.0 - floor)))


class PairScorer(Protocol):
    """Judges (question vector, phrasing vectors): the log-odds that each phrasing asks what the
    question asks."""

    @property
    def encoder(self) -> str: ...  # the name of the encoder whose vectors it judges

    @property
    def neutral(self) -> float: ...  # the log-odds given where there is nothing to judge

    @property
    def dim(self) -> int: ...  # the size of the vectors it judges

    def logits(self, query: np.ndarray, phrasings: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, slots=True, eq=False)
class PairModel:
    """Logistic regression over (q * p, |q - p|) of two unit sentence vectors.

    A cosine says how close two questions are on the whole; «چطور رمز را عوض کنم» and «چطور رمز
    را پیدا کنم» are close and ask different things. Weighing each dimension of the product and
    the difference learns which directions of the space carry such differences (the classic
    sentence-pair classifier over frozen embeddings). Fitted by bench/tune.py on the paraphrase
    and near-miss pairs; valid only for vectors of the `encoder` it was fitted on.
    """

    encoder: str
    coef: np.ndarray  # 2 x dim: product weights, then difference weights
    intercept: float
    neutral: float  # a typical log-odds: what an article with nothing to compare gets

    @property
    def dim(self) -> int:
        return len(self.coef) // 2

    def logits(self, query: np.ndarray, phrasings: np.ndarray) -> np.ndarray:
        # pair_features(query, phrasings) @ coef, without building the rows (and summed in
        # this order, which the fitted kb/model.json reproduces to the last digit).
        dim = self.dim
        product = (phrasings * query) @ self.coef[:dim]
        difference = np.abs(phrasings - query) @ self.coef[dim:]
        return np.asarray(self.intercept + product + difference, dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder,
            "intercept": round(self.intercept, 6),
            "neutral": round(self.neutral, 6),
            "coef": [round(float(c), 6) for c in self.coef],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairModel:
        coef = np.asarray(data["coef"], dtype=np.float32)
        if coef.ndim != 1 or len(coef) == 0 or len(coef) % 2:
            raise ValueError(f"{len(coef)} weights, expected 2 x the vector size")
        return cls(str(data["encoder"]), coef, float(data["intercept"]), float(data["neutral"]))


def pair_features(query: np.ndarray, phrasings: np.ndarray) -> np.ndarray:
    """What a PairModel weighs, one row a phrasing: (q * p, |q - p|)."""
    return np.hstack([phrasings * query, np.abs(phrasings - query)])


@dataclass(frozen=True, slots=True)
class SemanticModel:
    """Logistic regression weights over SEMANTIC_FEATURES, its thresholds and the fusion."""

    coef: tuple[float, ...]
    intercept: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    fusion: Fusion = field(default_factory=Fusion)
    pair: PairScorer | None = None

    def probability(self, values: list[float]) -> float:
        return _logistic(self.coef, self.intercept, values)


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """Logistic regression weights over FEATURES, plus the decision thresholds; `semantic` is
    the model used instead when the sentence encoder runs."""

    coef: tuple[float, ...] = field(default=(4.0, 6.0, 0.0, 0.0, 0.0, -2.0, -1.0, 0.0))
    intercept: float = -2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: RankWeights = field(default_factory=RankWeights)
    semantic: SemanticModel | None = None

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ConfidenceModel:
        """Read the tuned model; fall back to the built-in defaults when the file is absent."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: features {data['features']} do not match {FEATURES}")
        semantic = None
        if "semantic" in data:
            section = data["semantic"]
            if tuple(section["features"]) != SEMANTIC_FEATURES:
                raise ValueError(
                    f"{path}: semantic features {section['features']} do not match "
                    f"{SEMANTIC_FEATURES}"
                )
            semantic = SemanticModel(
                coef=tuple(float(c) for c in section["coef"]),
                intercept=float(section["intercept"]),
                thresholds=Thresholds(**section["thresholds"]),
                fusion=Fusion(**section.get("fusion", {})),
                pair=_pair_model(path, section),
            )
        return cls(
            coef=tuple(float(c) for c in data["coef"]),
            intercept=float(data["intercept"]),
            thresholds=Thresholds(**data["thresholds"]),
            weights=RankWeights(**data.get("weights", {})),
            semantic=semantic,
        )

    def with_thresholds(self, **changes: float) -> ConfidenceModel:
        """The same model with some thresholds set, in whichever of its models is used."""
        semantic = self.semantic
        if semantic is not None:
            semantic = replace(semantic, thresholds=replace(semantic.thresholds, **changes))
        return replace(
            self, thresholds=replace(self.thresholds, **changes), semantic=semantic
        )

    def probability(self, values: list[float]) -> float:
        return _logistic(self.coef, self.intercept, values)


def _pair_model(path: Path, section: dict[str, Any]) -> PairModel | None:
    if "pair" not in section:
        return None
    try:
        return PairModel.from_json(section["pair"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: pair model: {error}") from error


def _logistic(coef: tuple[float, ...], intercept: float, values: list[float]) -> float:
    return sigmoid(intercept + sum(c * v for c, v in zip(coef, values, strict=True)))


def sigmoid(z: float) -> float:
    """The probability of log-odds `z` (0.0 far below: exp would overflow)."""
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


def semantic_feature_values(ranking: Ranking, index: KBIndex, fusion: Fusion) -> list[float]:
    """The signals for the top candidate of a blended ranking, in SEMANTIC_FEATURES order.

    The scores are read without the body credit: it decides which article comes first, but a KB
    of bare questions (most of the data the model is fitted on) has none, and a score that means
    one thing in every KB keeps one threshold right for all.
    """
    top = ranking.candidates[0]
    if fusion.body:
        phrasings_only = tuple(
            replace(c, score=c.score - fusion.body * c.body) for c in ranking.candidates[:2]
        )
        ranking = replace(ranking, candidates=phrasings_only)
    return [*feature_values(ranking, index), top.dense, ranking.dense_margin, top.pair]


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
