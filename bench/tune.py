"""Tune the ranking blend and fit the confidence model; report on held-out questions.

    python -m bench.tune                 # fit, write kb/model.json, print the figures
    python -m bench.tune --skip-weights  # keep the current rank weights (fast)
    python -m bench.tune --report        # only report with the current kb/model.json

Fitted on ParsiNLU train (read from ../shared/data/parsinlu-qqp, never copied) and on the sample
KB's tuning questions (kb/eval/tuning.jsonl); reported on ParsiNLU dev and on the sample KB's
regression questions (kb/eval/questions.jsonl), which tuning never sees. Reproducible: no
randomness beyond fixed seeds.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.faq_benchmark import Benchmark, build
from kb.article import Article
from kb.confidence import FEATURES, MODEL_PATH, ConfidenceModel, Thresholds, feature_values
from kb.engine import Engine
from kb.evaluate import LabelledQuestion, evaluate, read_questions
from kb.index import KBIndex, RankWeights
from kb.loader import load_articles

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "kb" / "articles"
KB_TUNING = ROOT / "kb" / "eval" / "tuning.jsonl"
KB_REGRESSION = ROOT / "kb" / "eval" / "questions.jsonl"

TARGET_PRECISION = 0.96  # leave a margin over the 0.95 the held-out check asks for
# Largest share of each unanswerable kind that may be answered outright.
MAX_ANSWERED = {"near_miss": 0.30, "out_of_scope": 0.005, "unseen": 0.03}
SUGGEST_RECALL = 0.92
SUGGEST_GAP = 0.12
KB_SAMPLE_WEIGHT = 3.0  # the sample KB is the domain the bot serves; ParsiNLU is the volume


@dataclass(frozen=True)
class TuningSet:
    """Questions and the index they are asked against."""

    name: str
    index: KBIndex
    questions: list[LabelledQuestion]
    weight: float = 1.0


def rank_quality(index: KBIndex, questions: Sequence[LabelledQuestion]) -> tuple[float, float]:
    """Top-1 and MRR@5 of the raw ranking."""
    top1 = rr = 0.0
    for q in questions:
        ids = [index.articles_[c.index].id for c in index.rank(q.question).candidates]
        if ids[:1] == [q.expected]:
            top1 += 1
        if q.expected in ids:
            rr += 1 / (ids.index(q.expected) + 1)
    return top1 / len(questions), rr / len(questions)


def tune_weights(
    bench: Benchmark, sample: Sequence[Article], sample_questions: Sequence[LabelledQuestion]
) -> RankWeights:
    """Character/word blend on ParsiNLU (one phrasing per article, so the article blocks do not
    matter there); phrasing/article/body blend on the sample KB's tuning questions."""
    questions = bench.answerable + bench.noisy("typo")
    best: tuple[float, RankWeights] | None = None
    for char, word in itertools.product((0.5, 0.6, 0.7, 0.8), (0.1, 0.2, 0.3, 0.4)):
        weights = RankWeights(char=char, word=word, fuzzy=0.0)
        top1, mrr = rank_quality(KBIndex(bench.articles, weights), questions)
        print(f"  char={char} word={word}: top1={top1:.4f} mrr={mrr:.4f}")
        if best is None or top1 + mrr > best[0]:
            best = (top1 + mrr, weights)
    assert best is not None
    answerable = [q for q in sample_questions if q.expected is not None]
    chosen = best[1]
    best = None
    for phrasing, body in itertools.product((0.1, 0.2, 0.3, 0.4, 0.5), (0.0, 0.1, 0.2, 0.3, 0.4)):
        weights = replace(chosen, phrasing=phrasing, article=1.0 - phrasing, body=body)
        top1, mrr = rank_quality(KBIndex(sample, weights), answerable)
        print(f"  phrasing={phrasing} body={body}: top1={top1:.4f} mrr={mrr:.4f}")
        if best is None or top1 + mrr > best[0] + 1e-9:
            best = (top1 + mrr, weights)
    assert best is not None
    return best[1]


def training_rows(sets: Sequence[TuningSet]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of the top candidate, whether it is right, and a sample weight, per question."""
    rows, labels, weights = [], [], []
    for tuning_set in sets:
        index = tuning_set.index
        for q in tuning_set.questions:
            ranking = index.rank(q.question)
            if not ranking.candidates:
                continue
            rows.append(feature_values(ranking, index))
            labels.append(int(index.articles_[ranking.candidates[0].index].id == q.expected))
            weights.append(tuning_set.weight)
    return np.asarray(rows), np.asarray(labels), np.asarray(weights)


def answer_threshold(engine: Engine, questions: Sequence[LabelledQuestion]) -> float:
    """The lowest confidence meeting the precision target and every false-answer limit."""
    assessed = []
    for q in questions:
        a = engine.assess(q.question)
        top = (
            engine.index.articles_[a.ranking.candidates[0].index].id
            if a.ranking.candidates
            else None
        )
        assessed.append((q, a.confidence, top))
    totals = {kind: sum(1 for q in questions if q.kind == kind) for kind in MAX_ANSWERED}
    for t in np.arange(0.20, 0.99, 0.01):
        answered = [(q, top) for q, p, top in assessed if p >= t]
        answerable = [(q, top) for q, top in answered if q.expected is not None]
        right = sum(1 for q, top in answerable if top == q.expected)
        if right / max(1, len(answerable)) < TARGET_PRECISION:
            continue
        shares = {
            kind: sum(1 for q, _ in answered if q.kind == kind) / max(1, totals[kind])
            for kind in MAX_ANSWERED
        }
        if all(shares[kind] <= limit for kind, limit in MAX_ANSWERED.items()):
            return float(round(t, 2))
    return 0.99


def suggest_threshold(engine: Engine, questions: Sequence[LabelledQuestion]) -> float:
    """The lowest top score at which the right article is still among the choices often enough."""
    answerable = [q for q in questions if q.expected is not None]
    for s in np.arange(0.05, 0.6, 0.01):
        thresholds = replace(engine.model.thresholds, suggest=float(s))
        trial = Engine(engine.index, replace(engine.model, thresholds=thresholds))
        if evaluate(trial.decide, answerable).suggest_recall >= SUGGEST_RECALL:
            return float(round(s, 2))
    return 0.6


def show(
    name: str,
    engine: Engine,
    questions: Sequence[LabelledQuestion],
    noisy: dict[str, Sequence[LabelledQuestion]] | None = None,
) -> None:
    figures = evaluate(engine.decide, questions).summary()
    print(f"\n== {name}: {len(engine.index)} articles")
    for key in ("answerable", "top1", "mrr@5", "coverage", "precision", "suggest_recall"):
        value = figures[key]
        print(f"  {key:24} {value:.3f}" if isinstance(value, float) else f"  {key:24} {value}")
    for kind in sorted({q.kind for q in questions}):
        answered, n = figures[kind + ".answered"], figures[kind + ".n"]
        top1 = figures.get(kind + ".top1")
        extra = f"  top1 {top1:.3f}" if isinstance(top1, float) else ""
        print(f"  {kind + ' answered':24} {answered:.3f}  (n={n}){extra}")
    for kind, noisy_questions in (noisy or {}).items():
        top1 = evaluate(engine.decide, noisy_questions).top1
        print(f"  {'top1 ' + kind:24} {top1:.3f}  (cost {figures['top1'] - top1:+.3f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", action="store_true", help="report with the current model only")
    parser.add_argument("--skip-weights", action="store_true", help="keep the current rank weights")
    args = parser.parse_args()
    train = build("train", unseen_split="dev")
    dev = build("dev", unseen_split="train")
    sample_articles = list(load_articles(KB_DIR).articles)
    model = ConfidenceModel.load()
    if not args.report:
        tuning_questions = read_questions(KB_TUNING)
        weights = (
            model.weights
            if args.skip_weights
            else tune_weights(train, sample_articles, tuning_questions)
        )
        print("weights:", weights)
        qqp_train = TuningSet(
            "parsinlu train",
            KBIndex(train.articles, weights),
            [*train.all_clean(), *train.noisy("typo"), *train.noisy("arabic")],
        )
        sample = TuningSet(
            "sample KB tuning",
            KBIndex(sample_articles, weights),
            tuning_questions,
            KB_SAMPLE_WEIGHT,
        )
        x, y, w = training_rows([qqp_train, sample])
        lr = LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=w)
        model = ConfidenceModel(
            tuple(float(c) for c in lr.coef_[0]), float(lr.intercept_[0]), weights=weights
        )
        sets = [(Engine(s.index, model), s.questions) for s in (qqp_train, sample)]
        answer = max(answer_threshold(engine, questions) for engine, questions in sets)
        model = replace(model, thresholds=Thresholds(answer, 0.0, SUGGEST_GAP))
        sets = [(Engine(e.index, model), q) for e, q in sets]
        suggest = max(suggest_threshold(engine, questions) for engine, questions in sets)
        model = replace(model, thresholds=Thresholds(answer, suggest, SUGGEST_GAP))
        MODEL_PATH.write_text(
            json.dumps(
                {
                    "features": list(FEATURES),
                    "coef": [round(c, 6) for c in model.coef],
                    "intercept": round(model.intercept, 6),
                    "thresholds": asdict(model.thresholds),
                    "weights": asdict(weights),
                    "fitted_on": "parsinlu-qqp train + kb/eval/tuning.jsonl (bench/tune.py)",
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print("wrote", MODEL_PATH, model)
        show(
            "parsinlu train (fitted on)",
            Engine(qqp_train.index, model),
            [*train.answerable, *train.near_miss, *train.out_of_domain],
        )
        show("sample KB tuning (fitted on)", Engine(sample.index, model), sample.questions)
    dev_engine = Engine(KBIndex(dev.articles, model.weights), model)
    show(
        "parsinlu dev (held out)",
        dev_engine,
        [*dev.answerable, *dev.near_miss, *dev.out_of_domain],
        {kind: dev.noisy(kind) for kind in ("typo", "arabic", "layout")},
    )
    show(
        "sample KB regression questions (held out)",
        Engine(KBIndex(sample_articles, model.weights), model),
        read_questions(KB_REGRESSION),
    )


if __name__ == "__main__":
    main()
