"""The search index: character and word TF-IDF over every phrasing, refined with fuzzy matching.

Built once from a list of articles (fit), then queried many times. Learned state carries a
trailing underscore, as in scikit-learn. An index is immutable after construction, so a
reload builds a new one and swaps the reference (see kb.service).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.article import Article
from kb.lexicon import expand
from kb.normalize import normalize

# Below this many characters a key carries too little to match on.
MIN_QUERY_CHARS = 2
# Queries are cut to this many characters of search key: answers hinge on the first few sentences,
# and a 10,000-character paste must not cost more than a question.
MAX_QUERY_CHARS = 600
# How many articles get the (slower) fuzzy and word-overlap refinement.
REFINE_TOP = 8


@dataclass(frozen=True, slots=True)
class RankWeights:
    """How the similarity signals are blended into one ranking score."""

    char: float = 0.6
    word: float = 0.25
    fuzzy: float = 0.15
    body: float = 0.7  # a match on the body counts this much of a match on a phrasing


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked article with the signals the confidence model reads."""

    index: int  # position in KBIndex.articles_
    score: float
    char: float
    word: float
    fuzzy: float
    phrasing: str  # search key of the best-matching phrasing


@dataclass(frozen=True, slots=True)
class Ranking:
    """The ranked candidates for one search key, best first."""

    key: str
    candidates: tuple[Candidate, ...]


class KBIndex:
    """Rank articles for a question; immutable once built."""

    def __init__(self, articles: Sequence[Article], weights: RankWeights | None = None) -> None:
        self.weights = weights or RankWeights()
        self.articles_: tuple[Article, ...] = tuple(articles)
        keys: list[str] = []
        owners: list[int] = []
        doc_weights: list[float] = []
        phrasing_keys: list[list[str]] = []
        for position, article in enumerate(self.articles_):
            own: list[str] = []
            for phrasing in article.phrasings:
                key = search_key(phrasing)
                if key and key not in own:
                    own.append(key)
            phrasing_keys.append(own)
            for key in own:
                keys.append(key)
                owners.append(position)
                doc_weights.append(1.0)
            if self.weights.body > 0:
                body_key = search_key(article.body[: MAX_QUERY_CHARS * 4])
                if body_key:
                    keys.append(body_key)
                    owners.append(position)
                    doc_weights.append(self.weights.body)
        self.phrasing_keys_: tuple[tuple[str, ...], ...] = tuple(tuple(p) for p in phrasing_keys)
        # Every word any phrasing of the article uses: what a question may share with it.
        self.article_words_: tuple[frozenset[str], ...] = tuple(
            frozenset(word for key in own for word in key.split()) for own in phrasing_keys
        )
        self.doc_owner_ = np.asarray(owners, dtype=np.int32)
        # Docs are contiguous per article; articles whose text normalizes to nothing have none.
        self.ranked_articles_, self.doc_start_ = np.unique(self.doc_owner_, return_index=True)
        self.doc_end_ = np.append(self.doc_start_[1:], len(owners)).astype(np.int64)
        self.doc_weight_ = np.asarray(doc_weights, dtype=np.float32)
        self.n_docs_ = len(keys)
        self.char_vectorizer_: TfidfVectorizer | None = None
        self.word_vectorizer_: TfidfVectorizer | None = None
        self.word_idf_: dict[str, float] = {}
        self.vocabulary_: frozenset[str] = frozenset()
        if not keys:
            return
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        # Documents x features, transposed to features x documents so a query only touches the
        # posting lists of its own n-grams.
        self.char_postings_ = sparse.csr_matrix(self.char_vectorizer_.fit_transform(keys).T)
        self.char_query_ = _QueryVectorizer(self.char_vectorizer_)
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        self.word_postings_ = sparse.csr_matrix(self.word_vectorizer_.fit_transform(keys).T)
        self.word_query_ = _QueryVectorizer(self.word_vectorizer_)
        vocabulary = self.word_vectorizer_.vocabulary_
        idf = self.word_vectorizer_.idf_
        self.word_idf_ = {word: float(idf[column]) for word, column in vocabulary.items()}
        self.vocabulary_ = frozenset(vocabulary)
        self.max_idf_ = float(idf.max())

    def __len__(self) -> int:
        return len(self.articles_)

    def rank(self, text: str, limit: int = 5) -> Ranking:
        """Rank articles for `text`; best first, at most `limit`."""
        key = search_key(text[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].strip()
        if len(key) < MIN_QUERY_CHARS or self.char_vectorizer_ is None:
            return Ranking(key, ())
        assert self.word_vectorizer_ is not None
        char_doc = _cosines(self.char_postings_, self.char_query_(key), self.n_docs_)
        word_doc = _cosines(self.word_postings_, self.word_query_(key), self.n_docs_)
        w = self.weights
        blended = (w.char * char_doc + w.word * word_doc) * self.doc_weight_
        article_scores = np.maximum.reduceat(blended, self.doc_start_)
        shortlist_size = min(REFINE_TOP, len(article_scores))
        shortlist = np.argpartition(-article_scores, shortlist_size - 1)[:shortlist_size]
        refined: list[Candidate] = []
        for slot in shortlist:
            if article_scores[slot] <= 0:
                continue
            start, end = int(self.doc_start_[slot]), int(self.doc_end_[slot])
            doc = start + int(np.argmax(blended[start:end]))
            position = int(self.ranked_articles_[slot])
            fuzzy_best, phrasing = (
                0.0,
                self.phrasing_keys_[position][0] if self.phrasing_keys_[position] else "",
            )
            for candidate_key in self.phrasing_keys_[position]:
                score = fuzz.token_set_ratio(key, candidate_key) / 100.0
                if score > fuzzy_best:
                    fuzzy_best, phrasing = score, candidate_key
            char = float(char_doc[doc])
            word = float(word_doc[doc])
            base = (w.char * char + w.word * word) * float(self.doc_weight_[doc])
            refined.append(
                Candidate(
                    int(position), base + w.fuzzy * fuzzy_best, char, word, fuzzy_best, phrasing
                )
            )
        refined.sort(key=lambda c: (-c.score, c.index))
        return Ranking(key, tuple(refined[:limit]))

    def idf(self, word: str) -> float:
        """IDF of a word in this KB; unseen words count as rare."""
        return self.word_idf_.get(word, getattr(self, "max_idf_", 1.0))


class _QueryVectorizer:
    """The fitted vectorizer's transform for one string, without scikit-learn's per-call checks.

    `TfidfVectorizer.transform` spends about a millisecond validating a one-row input; a query
    needs only the analyzer, the vocabulary and the IDF weights.
    """

    def __init__(self, fitted: TfidfVectorizer) -> None:
        self.analyze = fitted.build_analyzer()
        self.vocabulary = fitted.vocabulary_
        self.idf = fitted.idf_.astype(np.float32)

    def __call__(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns and L2-normalized sublinear TF-IDF weights of `key`."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for term in self.analyze(key):
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)


def _cosines(
    postings: sparse.csr_matrix, query: tuple[np.ndarray, np.ndarray], n_docs: int
) -> np.ndarray:
    """Cosine of the query with every document, reading only the query's posting lists."""
    columns, weights = query
    if len(columns) == 0:
        return np.zeros(n_docs, dtype=np.float32)
    starts = postings.indptr[columns]
    lengths = postings.indptr[columns + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(n_docs, dtype=np.float32)
    # Positions of every posting of every query feature, without a Python loop.
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    contributions = postings.data[offsets] * np.repeat(weights, lengths)
    return np.bincount(postings.indices[offsets], weights=contributions, minlength=n_docs).astype(
        np.float32, copy=False
    )


def search_key(text: str) -> str:
    """The normalized text with canonical words added for everyday vocabulary."""
    return expand(normalize(text))


def log_length(key: str) -> float:
    """A length feature that saturates: questions are a handful of words."""
    return math.log1p(len(key.split()))
