"""The shipped sample KB stays valid and does not regress on its own question set.

Limits are the figures measured when kb/model.json was last fitted (python -m kb eval:
top-1 0.752, MRR@5 0.835, precision 0.955 (21 of 22 answers), unanswerable answered 0.016),
less a small margin.
"""

from __future__ import annotations

from pathlib import Path

from kb.cli import main

ROOT = Path(__file__).resolve().parents[2]
KB_DIR = str(ROOT / "kb" / "articles")
QUESTIONS = str(ROOT / "kb" / "eval" / "questions.jsonl")


def test_sample_kb_passes_check() -> None:
    assert main(["check", "--kb-dir", KB_DIR]) == 0


def test_sample_kb_meets_its_regression_limits() -> None:
    limits = [
        "--min-top1", "0.72",
        "--min-mrr", "0.80",
        "--min-precision", "0.90",
        "--max-unanswerable-answered", "0.04",
    ]
    assert main(["eval", "--kb-dir", KB_DIR, QUESTIONS, *limits]) == 0
