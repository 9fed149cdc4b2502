"""TF-IDF fits that remember term counts: scikit-learn's fit, analysing only what changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.loader import load_articles
from kb.service import KnowledgeBase
from kb.term_counts import TermCounts
from tests.kb.conftest import WriteArticle

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    text
    for article in load_articles(ROOT / "kb" / "articles").articles
    for text in (*article.phrasings, article.body)
]


def _vectorizer(analyzer: str) -> TfidfVectorizer:
    if analyzer == "word":
        return TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float32,
    )


def _assert_same_fit(
    got: sparse.csr_matrix, vectorizer: TfidfVectorizer, texts: list[str], analyzer: str
) -> None:
    reference = _vectorizer(analyzer)
    expected = sparse.csr_matrix(reference.fit_transform(texts))
    expected.sort_indices()
    assert vectorizer.vocabulary_ == reference.vocabulary_
    np.testing.assert_array_equal(vectorizer.idf_, reference.idf_)
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)
    question = ["رمز عبورم یادم رفته"]
    assert (vectorizer.transform(question) != reference.transform(question)).nnz == 0


def _counting(vectorizer: TfidfVectorizer, analysed: list[str]) -> None:
    build = vectorizer.build_analyzer

    def counting_analyzer() -> Callable[[str], list[str]]:
        analyze = build()

        def run(text: str) -> list[str]:
            analysed.append(text)
            return list(analyze(text))

        return run

    vectorizer.build_analyzer = counting_analyzer


@pytest.mark.parametrize("analyzer", ["char_wb", "word"])
def test_a_fit_is_scikit_learns_fit(analyzer: str) -> None:
    vectorizer = _vectorizer(analyzer)
    _assert_same_fit(TermCounts().fit_transform(vectorizer, TEXTS), vectorizer, TEXTS, analyzer)


@pytest.mark.parametrize("analyzer", ["char_wb", "word"])
def test_a_refit_analyses_only_the_changed_texts_and_gives_a_fresh_fit(analyzer: str) -> None:
    counts = TermCounts()
    counts.fit_transform(_vectorizer(analyzer), TEXTS)
    edited = [*TEXTS[5:], "وی‌پی‌ان سازمان وصل نمی‌شود", TEXTS[0] + " ویرایش‌شده"]
    vectorizer = _vectorizer(analyzer)
    analysed: list[str] = []
    _counting(vectorizer, analysed)
    got = counts.fit_transform(vectorizer, edited)
    assert analysed == edited[-2:]
    _assert_same_fit(got, vectorizer, edited, analyzer)


def test_terms_no_text_uses_any_more_are_forgotten_and_fits_stay_right() -> None:
    counts = TermCounts()
    first, second = TEXTS[: len(TEXTS) // 2], TEXTS[len(TEXTS) // 2 :]
    counts.fit_transform(_vectorizer("char_wb"), first)
    counts.fit_transform(_vectorizer("char_wb"), second)  # most of the first's terms retire
    for texts in (second, [*second, *first[:20]]):
        vectorizer = _vectorizer("char_wb")
        _assert_same_fit(counts.fit_transform(vectorizer, texts), vectorizer, texts, "char_wb")


def test_another_analyzer_starts_afresh() -> None:
    counts = TermCounts()
    counts.fit_transform(_vectorizer("char_wb"), TEXTS)
    vectorizer = _vectorizer("word")
    _assert_same_fit(counts.fit_transform(vectorizer, TEXTS), vectorizer, TEXTS, "word")


def test_a_reloaded_kb_answers_as_a_restarted_one(
    sample_kb: Path, write_article: WriteArticle
) -> None:
    kb = KnowledgeBase(sample_kb)
    write_article("vpn", "اتصال به وی پی ان سازمان", questions=["وی پی ان وصل نمی‌شود"])
    (sample_kb / "docs" / "report-export.md").unlink()
    kb.reload()
    kb.reload()  # a deleted file is held for one poll
    restarted = KnowledgeBase(sample_kb)
    assert kb.get("report-export") is None and kb.get("vpn") is not None
    for question in ("وی پی ان وصل نمیشه", "رمزم یادم رفته", "گزارش اکسل", "حجم فایل"):
        got, expected = kb.ask(question), restarted.ask(question)
        assert (got.kind, got.confidence, got.hits) == (
            expected.kind,
            expected.confidence,
            expected.hits,
        )
