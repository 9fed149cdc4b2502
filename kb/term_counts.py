"""TF-IDF fitting that remembers each text's term counts between builds of the index.

Analysing the texts (cutting character n-grams, counting them) is most of the time a large KB
takes to build its index: 9 of 10 seconds at 5,000 articles. An editor's save changes a few
texts; a reload through `TermCounts` analyses only those, and gives the same matrix and the
same vectorizer `TfidfVectorizer.fit_transform` would (same sorted vocabulary, same IDF).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

# Term ids of terms no remembered text uses any more are reclaimed once they are this share of
# all ids (an editor's edits retire n-grams one by one, for as long as the process runs).
RECLAIM_SHARE = 0.5


class TermCounts:
    """Every text's term counts from one vectorizer's analyzer, kept for the next fit."""

    def __init__(self) -> None:
        self._analyzer: tuple[object, ...] | None = None  # whose analysis is remembered
        self._forget()

    def _forget(self) -> None:
        self._ids: dict[str, int] = {}  # term -> id, in the order first seen
        self._terms: list[str] = []
        # text -> its terms' ids and counts (as many entries as the index's matrix: kept small)
        self._counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def fit_transform(self, vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
        """`vectorizer.fit_transform(texts)`, analysing only texts not seen in the last fit.

        The vectorizer keeps its vocabulary and IDF (`vocabulary_`, `idf_`), as after a fit;
        what is remembered afterwards is the counts of `texts` alone.
        """
        if (vectorizer.min_df, vectorizer.max_df, vectorizer.max_features) != (1, 1.0, None):
            raise ValueError("TermCounts keeps every term: min_df, max_df, max_features unset")
        if vectorizer.binary:
            raise ValueError("TermCounts counts terms: binary unset")
        analyzer = _analysis_settings(vectorizer)
        if analyzer != self._analyzer:
            self._forget()  # another analysis: nothing carries over
            self._analyzer = analyzer
        analyze = vectorizer.build_analyzer()
        remembered, self._counts = self._counts, {}
        rows: list[tuple[np.ndarray, np.ndarray]] = []
        for text in texts:  # a text met twice (a title that is its article's only phrasing) once
            row = self._counts.get(text)
            if row is None:
                row = remembered.get(text)
            if row is None:
                row = self._analysed(text, analyze)
            self._counts[text] = row
            rows.append(row)
        del remembered
        ids = np.concatenate([row_ids for row_ids, _ in rows]) if rows else np.empty(0, np.int32)
        used = np.unique(ids)
        if not len(used):
            raise ValueError("empty vocabulary; the texts hold no terms")
        terms = [self._terms[i] for i in used.tolist()]
        order = sorted(range(len(terms)), key=terms.__getitem__)  # scikit-learn sorts its columns
        column_of = np.empty(len(self._terms), dtype=np.int32)
        column_of[used[order]] = np.arange(len(used), dtype=np.int32)
        indices = column_of[ids]
        del ids, column_of
        indptr = np.zeros(len(rows) + 1, dtype=np.int32 if len(indices) < 2**31 else np.int64)
        np.cumsum([len(row_ids) for row_ids, _ in rows], out=indptr[1:])
        data = np.concatenate(
            [row_counts for _, row_counts in rows], dtype=vectorizer.dtype, casting="unsafe"
        )
        counts = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), len(used)))
        counts.sort_indices()
        tfidf = TfidfTransformer(
            norm=vectorizer.norm,
            use_idf=vectorizer.use_idf,
            smooth_idf=vectorizer.smooth_idf,
            sublinear_tf=vectorizer.sublinear_tf,
        ).fit(counts)
        vectorizer.set_params(vocabulary={terms[k]: column for column, k in enumerate(order)})
        vectorizer.idf_ = tfidf.idf_
        if len(used) < len(self._terms) * (1 - RECLAIM_SHARE):
            self._reclaim(used)
        return sparse.csr_matrix(tfidf.transform(counts, copy=False))

    def _analysed(
        self, text: str, analyze: Callable[[str], list[str]]
    ) -> tuple[np.ndarray, np.ndarray]:
        counted = Counter(analyze(text))  # counted in C: a text has far fewer terms than n-grams
        ids, terms = self._ids, self._terms
        for term in counted:
            if term not in ids:
                ids[term] = len(terms)
                terms.append(term)
        # Kept for as long as the text is in the KB, a count takes the fewest bytes it can: no
        # term occurs more often than three times the text's length (a word's n-grams of one
        # size, with the two spaces around it).
        most = 3 * len(text) + 3
        count_type: type[np.unsignedinteger[Any]] = (
            np.uint8 if most <= 0xFF else np.uint16 if most <= 0xFFFF else np.uint32
        )
        return (
            np.fromiter(map(ids.__getitem__, counted), np.int32, len(counted)),
            np.fromiter(counted.values(), count_type, len(counted)),
        )

    def _reclaim(self, used: np.ndarray) -> None:
        """Renumber the terms still used from 0, forgetting the others."""
        new_id = np.full(len(self._terms), -1, dtype=np.int32)
        new_id[used] = np.arange(len(used))
        self._terms = [self._terms[i] for i in used.tolist()]
        self._ids = {term: i for i, term in enumerate(self._terms)}
        self._counts = {text: (new_id[ids], counts) for text, (ids, counts) in self._counts.items()}


@dataclass(frozen=True, slots=True)
class IndexCounts:
    """The term counts of both of the index's vectorizers (see kb.index.KBIndex)."""

    char: TermCounts = field(default_factory=TermCounts)
    word: TermCounts = field(default_factory=TermCounts)


def _analysis_settings(vectorizer: TfidfVectorizer) -> tuple[object, ...]:
    """What decides how the vectorizer cuts a text into terms."""
    params = vectorizer.get_params()
    return tuple(
        params[name]
        for name in (
            "analyzer",
            "ngram_range",
            "lowercase",
            "token_pattern",
            "tokenizer",
            "preprocessor",
            "strip_accents",
            "stop_words",
        )
    )
