"""The search index: character and word TF-IDF over every phrasing, refined with fuzzy matching.

Built once from a list of articles (fit), then queried many times. Learned state carries a
trailing underscore, as in scikit-learn. An index is immutable after construction, so a
reload builds a new one and swaps the reference (see kb.service).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.article import Article
from kb.lexicon import expand
from kb.normalize import normalize
from kb.term_counts import IndexCounts, TermCounts

# Below this many characters a key carries too little to match on.
MIN_QUERY_CHARS = 2
# Queries are cut to this many characters of search key: answers hinge on the first few sentences,
# and a 10,000-character paste must not cost more than a question.
MAX_QUERY_CHARS = 600
# How many articles get the (slower) fuzzy and word-overlap refinement.
REFINE_TOP = 8
# Up to this many indexed texts every character n-gram is scored exactly.
EXACT_MAX_DOCS = 4000
# Above it, n-grams in more than this share of texts are left out of a first, rough pass...
COMMON_SHARE = 0.02
COMMON_MIN_DOCS = 50
# ...which keeps this many texts for the exact character score.
SHORTLIST_DOCS = 200


@dataclass(frozen=True, slots=True)
class RankWeights:
    """How the similarity signals are blended into one ranking score.

    An article scores `phrasing` x its best-matching phrasing (title or one of `questions:`)
    + `article` x all its phrasings taken as one text + `body` x its answer, where each text's
    similarity is `char` x character n-gram cosine + `word` x word cosine. Long, chatty
    questions share words with several phrasings at once, which only the whole article sees.
    """

    char: float = 0.7
    word: float = 0.2
    fuzzy: float = 0.0
    phrasing: float = 0.3
    article: float = 0.7
    body: float = 0.3


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked article with the signals the confidence model reads."""

    index: int  # position in KBIndex.articles_
    score: float
    char: float
    word: float
    fuzzy: float
    phrasing: str  # search key of the best-matching phrasing
    dense: float = 0.0  # sentence cosine of the closest phrasing (semantic ranking only)
    pair: float = 0.0  # the pair model's log-odds for that phrasing (semantic ranking only)
    body: float = 0.0  # how close in meaning the body is, in [0, 1] (semantic ranking only)


@dataclass(frozen=True, slots=True)
class Ranking:
    """The ranked candidates for one search key, best first."""

    key: str
    candidates: tuple[Candidate, ...]
    # Semantic ranking only: the top article's sentence cosine minus the best other article's.
    dense_margin: float = 0.0


class KBIndex:
    """Rank articles for a question; immutable once built."""

    def __init__(
        self,
        articles: Sequence[Article],
        weights: RankWeights | None = None,
        *,
        term_counts: IndexCounts | None = None,
    ) -> None:
        """`term_counts` remembers the texts' term counts for the next index, so that a reload
        analyses only the texts that changed; it holds about as much memory as the index's
        character matrix."""
        self.weights = weights or RankWeights()
        self.articles_: tuple[Article, ...] = tuple(articles)
        phrasing_keys: list[tuple[str, ...]] = []
        for article in self.articles_:
            normalized = (search_key(phrasing) for phrasing in article.phrasings)
            phrasing_keys.append(tuple(dict.fromkeys(key for key in normalized if key)))
        self.phrasing_keys_ = tuple(phrasing_keys)
        # A question that is word for word one phrasing of one article (a copied title, a
        # common question) needs no ranking to be understood.
        owners: dict[str, set[int]] = {}
        for position, own in enumerate(phrasing_keys):
            for key in own:
                owners.setdefault(key, set()).add(position)
        self.exact_: dict[str, int] = {
            key: next(iter(found)) for key, found in owners.items() if len(found) == 1
        }
        # Phrasings of more than one article (kb.overlap warns the editor): article positions.
        self.shared_: dict[str, tuple[int, ...]] = {
            key: tuple(sorted(found)) for key, found in owners.items() if len(found) > 1
        }
        # Every word any phrasing of the article uses: what a question may share with it.
        self.article_words_: tuple[frozenset[str], ...] = tuple(
            frozenset(word for key in own for word in key.split()) for own in phrasing_keys
        )
        # Articles whose phrasings normalize to nothing (an emoji title) cannot be matched.
        self.ranked_ = np.asarray([i for i, own in enumerate(phrasing_keys) if own], dtype=np.int64)
        # Article position -> its slot among the ranked articles (-1: not ranked).
        self.slot_of_ = np.full(len(self.articles_), -1, dtype=np.int64)
        self.slot_of_[self.ranked_] = np.arange(len(self.ranked_))
        # Texts, in three blocks: every phrasing (grouped by article), then one text per ranked
        # article with all its phrasings, then one per ranked article with its body.
        texts = [key for i in self.ranked_ for key in phrasing_keys[i]]
        counts = np.asarray([len(phrasing_keys[i]) for i in self.ranked_], dtype=np.int64)
        self.phrasing_start_ = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        self.phrasing_end_ = self.phrasing_start_ + counts
        # The same bounds as one CSR-style pointer array (phrasings are contiguous per article).
        self.phrasing_indptr_ = np.concatenate((self.phrasing_start_, [len(texts)])).astype(
            np.int64
        )
        self.n_phrasings_ = len(texts)
        # Text -> slot of the article it belongs to, for each of the three blocks.
        slots = np.arange(len(self.ranked_), dtype=np.int64)
        self.doc_slot_ = np.concatenate((np.repeat(slots, counts), slots, slots))
        texts += [" ".join(phrasing_keys[i]) for i in self.ranked_]
        texts += [search_key(self.articles_[i].body[: MAX_QUERY_CHARS * 4]) for i in self.ranked_]
        self.n_docs_ = len(texts)
        keys = texts
        self.char_vectorizer_: TfidfVectorizer | None = None
        self.word_vectorizer_: TfidfVectorizer | None = None
        self.char_docs_: sparse.csr_matrix | None = None
        self.word_docs_: sparse.csr_matrix | None = None
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
        char_docs = _fit(self.char_vectorizer_, keys, term_counts.char if term_counts else None)
        self.char_postings_ = sparse.csr_matrix(char_docs.T)
        # n-grams found in many texts (mostly two-letter ones) carry most of the posting volume
        # and little of the ranking: a large KB shortlists on the rest, then scores exactly.
        frequency = np.diff(self.char_postings_.indptr)
        self.char_common_ = frequency > max(COMMON_MIN_DOCS, COMMON_SHARE * len(keys))
        # The shortlist's exact character cosine is its rough (rare n-gram) cosine plus the
        # common n-grams' share, so the rows keep only the common n-grams: fewer entries to read
        # per query, and less memory.
        self.char_docs_ = (
            _keep_columns(char_docs, self.char_common_) if len(keys) > EXACT_MAX_DOCS else None
        )
        self.char_query_ = _QueryVectorizer(self.char_vectorizer_)
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        word_docs = _fit(self.word_vectorizer_, keys, term_counts.word if term_counts else None)
        self.word_postings_ = sparse.csr_matrix(word_docs.T)
        self.word_docs_ = word_docs if self.char_docs_ is not None else None
        self.word_query_ = _QueryVectorizer(self.word_vectorizer_)
        vocabulary = self.word_vectorizer_.vocabulary_
        idf = self.word_vectorizer_.idf_
        self.word_idf_ = {word: float(idf[column]) for word, column in vocabulary.items()}
        self.vocabulary_ = frozenset(vocabulary)
        self.max_idf_ = float(idf.max())

    def __len__(self) -> int:
        return len(self.articles_)

    def rank(self, text: str, limit: int = 5, include: Sequence[int] = ()) -> Ranking:
        """Rank articles for `text`; best first, at most `limit`.

        Articles at the positions in `include` are refined and ranked too, whatever their score:
        the semantic pass brings candidates that share no words with the question.
        """
        key = query_key(text)
        if len(key) < MIN_QUERY_CHARS or self.char_vectorizer_ is None:
            return Ranking(key, ())
        assert self.word_vectorizer_ is not None
        char_doc, word_doc, shortlist = self._similarities(
            self.char_query_(key), self.word_query_(key)
        )
        w = self.weights
        if shortlist is None:
            similarity = w.char * char_doc + w.word * word_doc
            n_phrasings, n_ranked = self.n_phrasings_, len(self.ranked_)
            best_phrasing = np.maximum.reduceat(similarity[:n_phrasings], self.phrasing_start_)
            scores = (
                w.phrasing * best_phrasing
                + w.article * similarity[n_phrasings : n_phrasings + n_ranked]
                + w.body * similarity[n_phrasings + n_ranked :]
            )
            matched = np.flatnonzero(scores > 0)
            matched_scores = scores[matched]
        else:
            # Only the shortlisted texts are nonzero: score their articles alone, not every one.
            matched = np.unique(self.doc_slot_[shortlist])
            matched_scores = self._slot_scores(matched, char_doc, word_doc)
            keep = matched_scores > 0
            matched, matched_scores = matched[keep], matched_scores[keep]
        refine = max(REFINE_TOP, limit)
        if len(matched) > refine:
            matched = matched[np.argpartition(-matched_scores, refine - 1)[:refine]]
        if len(include):
            extra = self.slot_of_[np.asarray(include, dtype=np.int64)]
            matched = np.union1d(matched, extra[extra >= 0])
        scores_of = self._slot_scores(matched, char_doc, word_doc)
        refined: list[Candidate] = []
        for slot, base in zip(matched.tolist(), scores_of.tolist(), strict=True):
            start, end = int(self.phrasing_start_[slot]), int(self.phrasing_end_[slot])
            similarity = w.char * char_doc[start:end] + w.word * word_doc[start:end]
            doc = start + int(np.argmax(similarity))
            position = int(self.ranked_[slot])
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
            refined.append(
                Candidate(
                    int(position), base + w.fuzzy * fuzzy_best, char, word, fuzzy_best, phrasing
                )
            )
        refined.sort(key=lambda c: (-c.score, c.index))
        return Ranking(key, tuple(refined[:limit]))

    def _similarities(
        self, char_query: _Query, word_query: _Query
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Character and word cosines of every text: exact for a small KB; for a large one,
        exact on a shortlist of the texts that share the query's rarer character n-grams, which
        is returned too (None: every text was scored)."""
        columns, weights = char_query
        rare = ~self.char_common_[columns]
        if self.char_docs_ is None or self.word_docs_ is None or not rare.any():
            return (
                _cosines(self.char_postings_, char_query, self.n_docs_),
                _cosines(self.word_postings_, word_query, self.n_docs_),
                None,
            )
        rough = _cosines(self.char_postings_, (columns[rare], weights[rare]), self.n_docs_)
        shortlist = np.flatnonzero(rough != 0)  # 5x faster than on the floats themselves
        if len(shortlist) > SHORTLIST_DOCS:
            top = np.argpartition(-rough[shortlist], SHORTLIST_DOCS - 1)[:SHORTLIST_DOCS]
            shortlist = shortlist[top]
        common = ~rare
        char = np.zeros(self.n_docs_, dtype=np.float32)
        word = np.zeros(self.n_docs_, dtype=np.float32)
        char[shortlist] = rough[shortlist] + _row_cosines(
            self.char_docs_, shortlist, (columns[common], weights[common])
        )
        word[shortlist] = _row_cosines(self.word_docs_, shortlist, word_query)
        return char, word, shortlist

    def _slot_scores(
        self, slots: np.ndarray, char_doc: np.ndarray, word_doc: np.ndarray
    ) -> np.ndarray:
        """Ranking scores of the ranked articles at `slots` (see RankWeights)."""
        if len(slots) == 0:
            return np.zeros(0, dtype=np.float32)
        w = self.weights
        phrasings, owner = _segments(self.phrasing_indptr_, slots)
        similarity = w.char * char_doc[phrasings] + w.word * word_doc[phrasings]
        firsts = np.flatnonzero(np.diff(owner, prepend=-1))
        best_phrasing = np.maximum.reduceat(similarity, firsts)
        articles = self.n_phrasings_ + slots
        bodies = articles + len(self.ranked_)
        scores: np.ndarray = (
            w.phrasing * best_phrasing
            + w.article * (w.char * char_doc[articles] + w.word * word_doc[articles])
            + w.body * (w.char * char_doc[bodies] + w.word * word_doc[bodies])
        )
        return scores

    def idf(self, word: str) -> float:
        """IDF of a word in this KB; unseen words count as rare."""
        return self.word_idf_.get(word, getattr(self, "max_idf_", 1.0))


_Query = tuple[np.ndarray, np.ndarray]  # feature columns, L2-normalized weights


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


def _fit(
    vectorizer: TfidfVectorizer, texts: list[str], counts: TermCounts | None
) -> sparse.csr_matrix:
    if counts is None:
        return sparse.csr_matrix(vectorizer.fit_transform(texts))
    return counts.fit_transform(vectorizer, texts)


def _keep_columns(matrix: sparse.csr_matrix, keep: np.ndarray) -> sparse.csr_matrix:
    """`matrix` with only the entries in the columns where `keep` is true, changed in place
    (a copy of a KB's character matrix would raise the build's peak memory)."""
    matrix.data[~keep[matrix.indices]] = 0
    matrix.eliminate_zeros()
    return matrix


def _load_kernels() -> Any:
    """scipy's compiled CSR kernels, or None if a scipy release moves them (they are private)."""
    try:
        return importlib.import_module("scipy.sparse._sparsetools")
    except ImportError:  # pragma: no cover - the numpy fallback below is tested directly
        return None


# Slicing a scipy matrix costs about 0.1 ms of checks per call, three times the arithmetic on
# a query's few hundred rows; the kernels behind it take the raw CSR arrays.
_KERNELS = _load_kernels()


def _row_cosines(docs: sparse.csr_matrix, rows: np.ndarray, query: _Query) -> np.ndarray:
    """Cosines of the query with the given rows (texts) of a texts x features matrix."""
    columns, weights = query
    if len(rows) == 0 or len(columns) == 0:
        return np.zeros(len(rows), dtype=np.float32)
    dense = np.zeros(docs.shape[1], dtype=docs.data.dtype)
    dense[columns] = weights
    if _KERNELS is not None:
        indptr, indices, data = _rows_of(docs, rows)
        out = np.zeros(len(rows), dtype=docs.data.dtype)
        _KERNELS.csr_matvec(len(rows), docs.shape[1], indptr, indices, data, dense, out)
        return out.astype(np.float32, copy=False)
    positions, owner = _segments(docs.indptr, rows)
    products = docs.data[positions] * dense[docs.indices[positions]]
    return np.bincount(owner, weights=products, minlength=len(rows)).astype(np.float32)


def _cosines(postings: sparse.csr_matrix, query: _Query, n_docs: int) -> np.ndarray:
    """Cosine of the query with every text, reading only the query's posting lists."""
    columns, weights = query
    if len(columns) == 0:
        return np.zeros(n_docs, dtype=np.float32)
    if _KERNELS is not None:
        # The query's posting lists are the columns of a texts x query-features CSC matrix.
        indptr, indices, data = _rows_of(postings, columns)
        out = np.zeros(n_docs, dtype=postings.data.dtype)
        x = weights.astype(postings.data.dtype, copy=False)
        _KERNELS.csc_matvec(n_docs, len(columns), indptr, indices, data, x, out)
        return out.astype(np.float32, copy=False)
    positions, owner = _segments(postings.indptr, columns)
    products = postings.data[positions] * weights[owner]
    return np.bincount(postings.indices[positions], weights=products, minlength=n_docs).astype(
        np.float32
    )


def _rows_of(
    matrix: sparse.csr_matrix, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR arrays (indptr, indices, data) of the given rows of `matrix`, in that order."""
    assert _KERNELS is not None
    pointers = matrix.indptr
    rows = rows.astype(pointers.dtype, copy=False)
    indptr = np.zeros(len(rows) + 1, dtype=pointers.dtype)
    np.cumsum(pointers[rows + 1] - pointers[rows], out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=matrix.indices.dtype)
    data = np.empty(int(indptr[-1]), dtype=matrix.data.dtype)
    _KERNELS.csr_row_index(len(rows), rows, pointers, matrix.indices, matrix.data, indices, data)
    return indptr, indices, data


def _segments(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every stored entry of `rows` in a CSR matrix, and which row each belongs to.

    Plain numpy on the CSR arrays: scipy's row slicing builds matrix objects whose checks cost
    more than the arithmetic on a one-question query.
    """
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return starts[owner] + offsets, owner


def search_key(text: str) -> str:
    """The normalized text with canonical words added for everyday vocabulary."""
    return expand(normalize(text))


def query_key(text: str) -> str:
    """The search key a question is ranked by: bounded, whatever was pasted."""
    return search_key(text[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].strip()


def log_length(key: str) -> float:
    """A length feature that saturates: questions are a handful of words."""
    return math.log1p(len(key.split()))
