"""The index ranks the same way whether it scores every text or shortlists first."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.index
from kb.evaluate import read_questions
from kb.index import KBIndex
from kb.loader import load_articles

ROOT = Path(__file__).resolve().parents[2]


def test_shortlisting_large_kb_keeps_the_exact_ranking(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = load_articles(ROOT / "kb" / "articles").articles
    questions = [q.question for q in read_questions(ROOT / "kb" / "eval" / "questions.jsonl")]
    exact = KBIndex(articles)
    monkeypatch.setattr(kb.index, "EXACT_MAX_DOCS", 10)
    monkeypatch.setattr(kb.index, "SHORTLIST_DOCS", 100)
    shortlisted = KBIndex(articles)
    assert shortlisted.char_docs_ is not None  # the two-stage path is the one under test
    same = sum(
        [c.index for c in exact.rank(q).candidates[:1]]
        == [c.index for c in shortlisted.rank(q).candidates[:1]]
        for q in questions
    )
    assert same / len(questions) >= 0.98


def test_article_whose_text_normalizes_to_nothing_is_never_ranked() -> None:
    from kb.article import Article

    articles = [Article("emoji", "😀", "🙂"), Article("vpn", "اتصال وی پی ان", "راهنما")]
    ranking = KBIndex(articles).rank("وی پی ان وصل نمی شود")
    assert [articles[c.index].id for c in ranking.candidates] == ["vpn"]
