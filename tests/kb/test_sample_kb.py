"""The shipped sample KB stays valid and does not regress on its own question set.

Limits are the figures measured when kb/model.json was last fitted (python -m kb eval:
top-1 0.561, MRR@5 0.677, precision 1.000, unanswerable answered 0.016), less a small margin.
"""

from __future__ import annotations

from kb.cli import main


def test_sample_kb_passes_check() -> None:
    assert main(["check", "--kb-dir", "kb/articles"]) == 0


def test_sample_kb_meets_its_regression_limits() -> None:
    limits = [
        "--min-top1", "0.53",
        "--min-mrr", "0.65",
        "--min-precision", "0.95",
        "--max-unanswerable-answered", "0.04",
    ]
    assert main(["eval", "--kb-dir", "kb/articles", "kb/eval/questions.jsonl", *limits]) == 0
