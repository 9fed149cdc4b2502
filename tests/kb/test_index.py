"""The index ranks the same way whether it scores every text or shortlists first."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.index
from kb.evaluate import read_questions
from kb.index import KBIndex
from kb.loader import load_articles

ROOT = Path(__file__).resolve().parents[2]


def test_shortlisting_large_kb_keeps_the_right_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = load_articles(ROOT / "kb" / "articles").articles
    questions = read_questions(ROOT / "kb" / "eval" / "questions.jsonl")
    exact = KBIndex(articles)

    def top(index: KBIndex, question: str) -> str | None:
        candidates = index.rank(question).candidates
        return articles[candidates[0].index].id if candidates else None

    right = [q for q in questions if q.expected and top(exact, q.question) == q.expected]
    monkeypatch.setattr(kb.index, "EXACT_MAX_DOCS", 10)
    monkeypatch.setattr(kb.index, "SHORTLIST_DOCS", 100)
    shortlisted = KBIndex(articles)
    assert shortlisted.char_docs_ is not None  # the two-stage path is the one under test
    kept = sum(top(shortlisted, q.question) == q.expected for q in right)
    assert kept / len(right) >= 0.98


def test_article_whose_text_normalizes_to_nothing_is_never_ranked() -> None:
    from kb.article import Article

    articles = [Article("emoji", "😀", "🙂"), Article("vpn", "اتصال وی پی ان", "راهنما")]
    ranking = KBIndex(articles).rank("وی پی ان وصل نمی شود")
    assert [articles[c.index].id for c in ranking.candidates] == ["vpn"]
