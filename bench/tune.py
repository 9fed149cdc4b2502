"""Tune the ranking blend and fit the confidence model on ParsiNLU train; report on dev.

    python -m bench.tune            # fit, write kb/model.json, print train and dev figures
    python -m bench.tune --report   # only report with the current kb/model.json

Reproducible: fixed seeds, the data read from ../shared/data/parsinlu-qqp.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, replace

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.qqp import Benchmark, build
from kb.confidence import FEATURES, MODEL_PATH, ConfidenceModel, Thresholds, feature_values
from kb.engine import Engine
from kb.evaluate import LabelledQuestion, Report, evaluate
from kb.index import KBIndex, RankWeights

TARGET_PRECISION = 0.96  # leave a margin over the 0.95 the held-out check asks for
MAX_NEAR_MISS_ANSWERED = (
    0.30  # the target is 0.35; near misses are where held-out data differs most
)
MAX_OOD_ANSWERED = 0.005
MAX_UNSEEN_ANSWERED = 0.03
SUGGEST_RECALL = 0.92


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


def tune_weights(bench: Benchmark) -> RankWeights:
    questions = bench.answerable + bench.noisy("typo")
    best: tuple[float, RankWeights] | None = None
    for char, word, fuzzy in itertools.product(
        (0.5, 0.6, 0.7, 0.8), (0.1, 0.2, 0.3, 0.4), (0.0, 0.1, 0.2, 0.3)
    ):
        weights = RankWeights(char=char, word=word, fuzzy=fuzzy)
        top1, mrr = rank_quality(KBIndex(bench.articles, weights), questions)
        print(f"  weights char={char} word={word} fuzzy={fuzzy}: top1={top1:.4f} mrr={mrr:.4f}")
        if best is None or top1 + mrr > best[0]:
            best = (top1 + mrr, weights)
    assert best is not None
    return best[1]


def fit_model(bench: Benchmark, index: KBIndex) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features of the top candidate and whether it is right, for every training question."""
    rows, labels, kinds = [], [], []
    questions = [*bench.all_clean(), *bench.noisy("typo"), *bench.noisy("arabic")]
    for q in questions:
        ranking = index.rank(q.question)
        if not ranking.candidates:
            continue
        rows.append(feature_values(ranking, index))
        labels.append(int(index.articles_[ranking.candidates[0].index].id == q.expected))
        kinds.append(q.kind)
    return np.asarray(rows), np.asarray(labels), kinds


def choose_thresholds(bench: Benchmark, engine: Engine) -> Thresholds:
    """The lowest answer threshold meeting the precision and false-accept limits, then suggest."""
    assessed = []
    for q in [*bench.answerable, *bench.noisy("typo"), *bench.near_miss, *bench.out_of_domain]:
        a = engine.assess(q.question)
        top = (
            engine.index.articles_[a.ranking.candidates[0].index].id
            if a.ranking.candidates
            else None
        )
        assessed.append((q, a.confidence, a.ranking.candidates[0].score if top else 0.0, top))
    answer = 0.99
    for t in np.arange(0.30, 0.99, 0.01):
        answered = [(q, top) for q, p, _, top in assessed if p >= t]
        ans = [(q, top) for q, top in answered if q.expected is not None]
        right = sum(1 for q, top in ans if top == q.expected)
        precision_answerable = right / max(1, len(ans))
        if (
            precision_answerable >= TARGET_PRECISION
            and _share(answered, bench.all_clean(), "near_miss") <= MAX_NEAR_MISS_ANSWERED
            and _share(answered, bench.all_clean(), "out_of_scope") <= MAX_OOD_ANSWERED
            and _share(answered, bench.all_clean(), "unseen") <= MAX_UNSEEN_ANSWERED
        ):
            answer = float(round(t, 2))
            break
    thresholds = Thresholds(answer=answer)
    # Suggest: the lowest top score at which the right article is still among the choices often.
    for s in np.arange(0.10, 0.6, 0.01):
        trial = Engine(
            engine.index, replace(engine.model, thresholds=Thresholds(answer, float(s), 0.12))
        )
        report = evaluate(trial.decide, bench.answerable[::3])
        if report.suggest_recall >= SUGGEST_RECALL:
            thresholds = Thresholds(answer, float(round(s, 2)), 0.12)
            break
    return thresholds


def _share(
    answered: list[tuple[LabelledQuestion, str | None]], pool: list[LabelledQuestion], kind: str
) -> float:
    total = sum(1 for q in pool if q.kind == kind)
    return sum(1 for q, _ in answered if q.kind == kind) / max(1, total)


def report(name: str, engine: Engine, bench: Benchmark) -> Report:
    result = evaluate(engine.decide, [*bench.answerable, *bench.near_miss, *bench.out_of_domain])
    figures = result.summary()
    noisy = {
        kind: evaluate(engine.decide, bench.noisy(kind)).top1
        for kind in ("typo", "arabic", "layout")
    }
    print(f"\n== {name}: {len(bench.articles)} articles")
    for key in ("answerable", "top1", "mrr@5", "coverage", "precision", "suggest_recall"):
        print(
            f"  {key:24} {figures[key]:.3f}"
            if isinstance(figures[key], float)
            else f"  {key:24} {figures[key]}"
        )
    for kind in ("near_miss", "out_of_scope", "unseen"):
        if f"{kind}.n" in figures:
            answered, n = figures[kind + ".answered"], figures[kind + ".n"]
            print(f"  {kind + ' answered':24} {answered:.3f}  (n={n})")
    for kind, top1 in noisy.items():
        print(f"  {'top1 ' + kind:24} {top1:.3f}  (cost {figures['top1'] - top1:+.3f})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", action="store_true", help="report with the current model only")
    parser.add_argument("--skip-weights", action="store_true", help="keep the current rank weights")
    args = parser.parse_args()
    train = build("train", unseen_split="dev")
    dev = build("dev", unseen_split="train")
    if args.report:
        model = ConfidenceModel.load()
        weights = model.weights
    else:
        weights = ConfidenceModel.load().weights if args.skip_weights else tune_weights(train)
        print("weights:", weights)
        index = KBIndex(train.articles, weights)
        x, y, _ = fit_model(train, index)
        lr = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
        model = ConfidenceModel(
            tuple(float(c) for c in lr.coef_[0]), float(lr.intercept_[0]), weights=weights
        )
        model = replace(model, thresholds=choose_thresholds(train, Engine(index, model)))
        MODEL_PATH.write_text(
            json.dumps(
                {
                    "features": list(FEATURES),
                    "coef": [round(c, 6) for c in model.coef],
                    "intercept": round(model.intercept, 6),
                    "thresholds": asdict(model.thresholds),
                    "weights": asdict(weights),
                    "fitted_on": "parsinlu-qqp train (bench/tune.py)",
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print("wrote", MODEL_PATH, model)
    report("train", Engine(KBIndex(train.articles, weights), model), train)
    report("dev", Engine(KBIndex(dev.articles, weights), model), dev)


if __name__ == "__main__":
    main()
