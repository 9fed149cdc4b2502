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


def test_compiled_kernels_and_numpy_fallback_score_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    articles = load_articles(ROOT / "kb" / "articles").articles
    index = KBIndex(articles)
    query = index.char_query_(kb.index.query_key("رمز عبور ایمیلم را فراموش کرده ام"))
    rows = np.asarray([0, 3, 7, index.n_docs_ - 1], dtype=np.int64)
    assert kb.index._KERNELS is not None  # the fast path is the one in use here
    fast = (
        kb.index._cosines(index.char_postings_, query, index.n_docs_),
        kb.index._row_cosines(sparse_rows(index), rows, query),
    )
    monkeypatch.setattr(kb.index, "_KERNELS", None)
    slow = (
        kb.index._cosines(index.char_postings_, query, index.n_docs_),
        kb.index._row_cosines(sparse_rows(index), rows, query),
    )
    assert fast[0].max() > 0.3
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_shortlisted_texts_get_their_exact_cosines(monkeypatch: pytest.MonkeyPatch) -> None:
    # The two-stage path adds the common n-grams' share to the rough cosine: on the shortlist,
    # that must be the cosine of the whole query.
    import numpy as np

    articles = load_articles(ROOT / "kb" / "articles").articles
    questions = read_questions(ROOT / "kb" / "eval" / "questions.jsonl")
    monkeypatch.setattr(kb.index, "EXACT_MAX_DOCS", 10)
    monkeypatch.setattr(kb.index, "SHORTLIST_DOCS", 40)
    index = KBIndex(articles)
    assert index.char_common_.any() and not index.char_common_.all()
    checked = 0
    for question in questions[:60]:
        key = kb.index.query_key(question.question)
        char_query, word_query = index.char_query_(key), index.word_query_(key)
        char, word, shortlist = index._similarities(char_query, word_query)
        if shortlist is None:
            continue
        checked += 1
        full_char = kb.index._cosines(index.char_postings_, char_query, index.n_docs_)
        full_word = kb.index._cosines(index.word_postings_, word_query, index.n_docs_)
        np.testing.assert_allclose(char[shortlist], full_char[shortlist], atol=1e-6)
        np.testing.assert_allclose(word[shortlist], full_word[shortlist], atol=1e-6)
        # Scoring only some articles gives them the scores that scoring all of them gives.
        w = index.weights
        similarity = w.char * char + w.word * word
        n, m = index.n_phrasings_, len(index.ranked_)
        every = (
            w.phrasing * np.maximum.reduceat(similarity[:n], index.phrasing_start_)
            + w.article * similarity[n : n + m]
            + w.body * similarity[n + m :]
        )
        slots = np.unique(index.doc_slot_[shortlist])
        np.testing.assert_array_equal(index._slot_scores(slots, char, word), every[slots])
    assert checked > 30


def sparse_rows(index: KBIndex) -> object:
    """The texts x features character matrix (the transpose of the postings)."""
    from scipy import sparse

    return sparse.csr_matrix(index.char_postings_.T)


def test_a_one_word_question_is_matched_by_its_word_too() -> None:
    from kb.article import Article

    articles = [
        Article("password", "رمز عبور", "راهنما"),
        Article("vpn", "اتصال وی پی ان", "تنظیمات شبکه"),
    ]
    candidates = KBIndex(articles).rank("رمز").candidates
    assert [articles[c.index].id for c in candidates] == ["password"]  # vpn shares nothing
    assert candidates[0].word > 0.3  # the word «رمز» itself, not only its letters


def test_a_two_letter_question_is_ranked_and_a_single_letter_is_not() -> None:
    from kb.article import Article

    articles = [
        Article("ip-address", "آدرس IP سامانه", "راهنما"),
        Article("vpn", "اتصال وی پی ان", "راهنما"),
    ]
    index = KBIndex(articles)
    assert [articles[c.index].id for c in index.rank("ip").candidates][:1] == ["ip-address"]
    assert index.rank("i").candidates == ()  # one letter says nothing


def test_the_articles_refined_are_the_best_scoring_ones() -> None:
    # Only the best few articles get the fuzzy refinement; picking them must not lose any
    # article that scores higher than those returned.
    import numpy as np

    articles = load_articles(ROOT / "kb" / "articles").articles
    questions = read_questions(ROOT / "kb" / "eval" / "questions.jsonl")
    index = KBIndex(articles)  # default weights: no fuzzy share, so a score is its base score
    assert index.weights.fuzzy == 0.0 and index.char_docs_ is None
    for question in questions[:80]:
        key = kb.index.query_key(question.question)
        char, word, _ = index._similarities(index.char_query_(key), index.word_query_(key))
        every = index._slot_scores(np.arange(len(index.ranked_)), char, word)
        ranked = index.rank(question.question, limit=5).candidates
        if not ranked:
            continue
        fifth = ranked[-1].score
        better = {int(index.ranked_[s]) for s in np.flatnonzero(every > fifth + 1e-6)}
        assert better <= {c.index for c in ranked}, question.question


def test_a_candidates_signals_are_those_of_its_best_matching_phrasing() -> None:
    from kb.article import Article

    articles = [
        Article("pw", "تغییر رمز عبور حساب کاربری ایمیل سازمانی", "x", questions=("رمزعبورها",)),
        Article("report", "گزارش ماهانه", "x"),
    ]
    top = KBIndex(articles).rank("رمز عبور").candidates[0]
    # The title shares both words; the run-together question only letters.
    assert top.word > 0.3 and top.char > 0.3


def test_a_query_is_weighted_as_scikit_learn_weights_it() -> None:
    # The index's own query transform skips scikit-learn's per-call checks; it must still give
    # what TfidfVectorizer.transform gives, repeated words and n-grams included.
    import numpy as np

    index = KBIndex(load_articles(ROOT / "kb" / "articles").articles)
    assert index.char_vectorizer_ is not None and index.word_vectorizer_ is not None
    for question in ("رمز رمز رمز عبور", "خروجی اکسل گزارش ماهانه", "ایمیل ایمیل", "zzz"):
        key = kb.index.query_key(question)
        for vectorizer, own in (
            (index.char_vectorizer_, index.char_query_),
            (index.word_vectorizer_, index.word_query_),
        ):
            expected = vectorizer.transform([key]).toarray()[0]
            columns, weights = own(key)
            got = np.zeros_like(expected)
            got[columns] = weights
            np.testing.assert_allclose(got, expected, atol=1e-6)
