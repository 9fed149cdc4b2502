"""Turn a customer's question into a decision over one built index."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from kb.confidence import (
    ConfidenceModel,
    Fusion,
    PairScorer,
    SemanticModel,
    Thresholds,
    feature_values,
    semantic_feature_values,
    sigmoid,
    top_candidates_within,
)
from kb.decision import Decision, Hit
from kb.index import Candidate, KBIndex, Ranking, query_key
from kb.latin import persian_readings
from kb.normalize import has_latin, has_persian, normalize
from kb.semantic import SemanticIndex

log = logging.getLogger(__name__)

MAX_HITS = 5
DECISION_CACHE_SIZE = 4096
# The pair log-odds of a question that is word for word the phrasing (not encoded).
SAME_PAIR = 10.0
# A Persian reading of Latin-typed text whose lexical top score reaches this is the reading
# meant, and the search stops. Its own value, not the suggest threshold it once was: where
# choices start to be offered is a different question, and moving it (tuning, or
# KB_SUGGEST_THRESHOLD) must not change how «rmzm ro yadam rafte» is read. 0.36 is the
# lexical suggest threshold the readings and kb/model.json were tuned with.
READING_SETTLES = 0.36


@dataclass(frozen=True, slots=True)
class Assessment:
    """A ranking with the confidence of its top candidate."""

    ranking: Ranking
    confidence: float
    text: str = ""  # what was ranked: the question, or its Persian reading


class Engine:
    """An index plus the confidence model: immutable, safe to share between threads.

    With a `semantic` index (and a semantic model in `model`) articles are ranked by a blend of
    lexical and sentence similarity and judged by the semantic model; without, lexically.
    """

    def __init__(
        self, index: KBIndex, model: ConfidenceModel, semantic: SemanticIndex | None = None
    ) -> None:
        self.index = index
        self.model = model
        self.semantic_model: SemanticModel | None = model.semantic if semantic else None
        self.semantic = semantic if self.semantic_model else None
        # The pair model judges vectors of the encoder it was fitted on, and no other's.
        pair = self.semantic_model.pair if self.semantic_model else None
        self._pair: PairScorer | None = None
        if pair is not None and self.semantic is not None:
            encoder = self.semantic.encoder
            if pair.encoder == encoder.name and pair.dim == encoder.dim:
                self._pair = pair
            elif pair.encoder == encoder.name:
                log.warning(
                    "pair model judges %d-dimensional vectors, %s makes %d: not used",
                    pair.dim, encoder.name, encoder.dim,
                )
        self._neutral = pair.neutral if pair else 0.0
        # Support questions repeat («رمزم را فراموش کرده‌ام» all day long); an engine never
        # changes, so its decisions can be kept. A reload builds a new engine and a new cache.
        self._decisions: OrderedDict[str, Decision] = OrderedDict()
        self._decisions_lock = threading.Lock()

    def decide(self, text: str) -> Decision:
        """Answer, suggest or hand off, with the ranked hits."""
        decision = self._remembered(text)
        if decision is None:
            decision = self._decide(text)
            with self._decisions_lock:
                self._decisions[text] = decision
                if len(self._decisions) > DECISION_CACHE_SIZE:
                    self._decisions.popitem(last=False)
        return decision

    def decide_now(self, text: str) -> Decision | None:
        """The decision when it is cheap (remembered, word for word a phrasing, or no sentence
        encoder), else None: then call `decide` where blocking for milliseconds is fine."""
        decision = self._remembered(text)
        if decision is not None:
            return decision
        if self.semantic is None or query_key(text) in self.index.exact_:
            return self.decide(text)
        return None

    def _remembered(self, text: str) -> Decision | None:
        with self._decisions_lock:
            decision = self._decisions.get(text)
            if decision is not None:
                self._decisions.move_to_end(text)
            return decision

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds of the model in use."""
        if self.semantic_model is not None:
            return self.semantic_model.thresholds
        return self.model.thresholds

    def assess(self, text: str) -> Assessment:
        """Rank `text` (its Persian reading when typed in Latin letters) and judge the top."""
        lexical = self.assess_lexically(text)
        if self.semantic is None or not lexical.ranking.key:
            return lexical
        return self._assess_semantically(lexical.text)

    def assess_lexically(self, text: str) -> Assessment:
        """The lexical ranking of `text`, or of its best Persian reading when typed in Latin."""
        if not has_latin(text) or has_persian(text):
            if self.semantic is not None:
                # The semantic pass ranks it again with its own candidates: only the key is needed.
                return Assessment(Ranking(query_key(text), ()), 0.0, text)
            return self._assess_one(text)
        # Latin letters only: the text as typed matters only if the KB itself uses such words
        # (vpn, excel); its Persian readings (keyboard layout, Finglish) usually carry it. The
        # first assessment to reach READING_SETTLES ends the search (each costs a ranking);
        # readings come best first and are made only when reached.
        vocabulary = self.index.vocabulary_
        if any(word in vocabulary for word in normalize(text).split()):
            best = self._assess_one(text)
        else:
            best = Assessment(Ranking(normalize(text), ()), 0.0, text)
        for reading in persian_readings(text, vocabulary):
            if _settled(best):
                break
            best = _better(best, self._assess_one(reading))
        return best

    def _decide(self, text: str) -> Decision:
        assessment = self.assess(text)
        ranking, confidence = assessment.ranking, assessment.confidence
        hits = tuple(
            Hit(
                self.index.articles_[c.index].id,
                self.index.articles_[c.index].title,
                round(c.score, 4),
            )
            for c in ranking.candidates[:MAX_HITS]
        )
        thresholds = self.thresholds
        if not hits:
            reason = "empty_kb" if len(self.index) == 0 else "no_match"
            return Decision(text, "handoff", (), 0.0, reason)
        if confidence >= thresholds.answer:
            return Decision(text, "answer", hits, confidence, "confident")
        if ranking.candidates[0].score >= thresholds.suggest:
            choices = top_candidates_within(ranking, thresholds.suggest_gap)
            return Decision(text, "suggest", hits, confidence, "unsure", n_choices=len(choices))
        return Decision(text, "handoff", hits, confidence, "low_confidence")

    def _assess_one(self, text: str) -> Assessment:
        exact = self.index.exact_.get(query_key(text))
        if exact is not None:
            return self._exactly_by_words(text, exact)
        ranking = self.index.rank(text, limit=MAX_HITS)
        if not ranking.candidates:
            return Assessment(ranking, 0.0, text)
        confidence = self.model.probability(feature_values(ranking, self.index))
        return Assessment(ranking, confidence, text)

    def _assess_semantically(self, text: str) -> Assessment:
        """Blend the lexical and the sentence similarity of every candidate, then judge the top."""
        assert self.semantic is not None and self.semantic_model is not None
        fusion = self.semantic_model.fusion
        exact = self.index.exact_.get(query_key(text))
        if exact is not None:
            return self._exactly(text, exact, fusion)
        query = self.semantic.query_vector(text)
        if query is None:
            ranking = self.index.rank(text, limit=fusion.pool)
            return self._judge(Ranking(ranking.key, ranking.candidates[:MAX_HITS]), text)
        phrasing_cosines = self.semantic.phrasing_cosines(query)
        cosines = self.semantic.article_cosines(phrasing_cosines)
        closest = np.argpartition(-cosines, min(fusion.pool, len(cosines)) - 1)[: fusion.pool]
        lexical = self.index.rank(text, limit=fusion.pool, include=closest.tolist())
        if not lexical.candidates:
            return Assessment(lexical, 0.0, text)
        positions = [c.index for c in lexical.candidates]
        closeness = [float(cosines[position]) for position in positions]
        pairs = self._pair_logits(query, phrasing_cosines, positions)
        bodies = self.semantic.body_cosines(query, positions).tolist()
        credits = [fusion.body_similarity(cosine) for cosine in bodies]
        blended = _blend(lexical.candidates, closeness, pairs, credits, fusion)
        top = blended[0]
        others = np.delete(cosines, top.index)
        # With no other article, the next-closest is as far as an unrelated sentence (the
        # floor): its own cosine as the lead would lie far outside what the model was fitted on
        # and made a one-article KB unsure of every question.
        margin = top.dense - (float(others.max()) if len(others) else fusion.floor)
        return self._judge(Ranking(lexical.key, tuple(blended[:MAX_HITS]), margin), text)

    def _pair_logits(
        self, query: np.ndarray, phrasing_cosines: np.ndarray, articles: list[int]
    ) -> list[float]:
        """The pair model's log-odds for each article's closest phrasing; its neutral value
        where it cannot judge (no pair model, another encoder, nothing encoded)."""
        assert self.semantic is not None
        pair = self._pair
        if pair is None:
            return [self._neutral] * len(articles)
        phrasings, found = self.semantic.closest_phrasings(phrasing_cosines, articles)
        logits = pair.logits(query, phrasings)
        return [float(x) if ok else pair.neutral for x, ok in zip(logits, found, strict=True)]

    def _exactly(self, text: str, position: int, fusion: Fusion) -> Assessment:
        """The question is one article's phrasing, word for word: that article, for certain.

        Nothing is encoded (a copied title or a stock question is common, and encoding costs
        milliseconds); the others keep their lexical rank, with no semantic credit.
        """
        lexical = self.index.rank(text, limit=MAX_HITS, include=[position])
        same = [c.index == position for c in lexical.candidates]
        cosines = [1.0 if s else fusion.floor for s in same]
        pairs = [SAME_PAIR if s else self._neutral for s in same]
        blended = _blend(lexical.candidates, cosines, pairs, [0.0] * len(same), fusion)
        return Assessment(Ranking(lexical.key, tuple(blended[:MAX_HITS]), 1.0), 1.0, text)

    def _exactly_by_words(self, text: str, position: int) -> Assessment:
        """The question is one article's phrasing, word for word: that article, for certain,
        by words alone too (a third of the sample KB's own phrasings were only suggested,
        their words shared with other articles'); it leads, the others as ranked."""
        ranking = self.index.rank(text, limit=MAX_HITS, include=[position])
        same = [c for c in ranking.candidates if c.index == position]
        if not same:  # too short to rank at all
            return Assessment(ranking, 0.0, text)
        top = replace(same[0], score=max(c.score for c in ranking.candidates))
        others = [c for c in ranking.candidates if c.index != position]
        return Assessment(Ranking(ranking.key, (top, *others[: MAX_HITS - 1])), 1.0, text)

    def _judge(self, ranking: Ranking, text: str) -> Assessment:
        if not ranking.candidates or self.semantic_model is None:
            return Assessment(ranking, 0.0, text)
        values = semantic_feature_values(ranking, self.index, self.semantic_model.fusion)
        return Assessment(ranking, self.semantic_model.probability(values), text)


def _blend(
    candidates: Sequence[Candidate],
    cosines: Sequence[float],
    pairs: Sequence[float],
    body_credits: Sequence[float],
    fusion: Fusion,
) -> list[Candidate]:
    """The candidates rescored with their sentence cosines, pair log-odds and body credits
    (`Fusion.body_similarity`), best first."""
    keep = 1.0 - fusion.semantic - fusion.pair
    blended = (
        replace(
            c,
            score=keep * c.score
            + fusion.semantic * fusion.similarity(cos)
            + fusion.pair * sigmoid(pair)
            + fusion.body * body,
            dense=cos,
            pair=pair,
            body=body,
        )
        for c, cos, pair, body in zip(candidates, cosines, pairs, body_credits, strict=True)
    )
    return sorted(blended, key=lambda c: (-c.score, c.index))


def _better(best: Assessment, candidate: Assessment) -> Assessment:
    """The more confident of two assessments; on a tie, the one found first."""
    if candidate.confidence > best.confidence or not best.ranking.candidates:
        return candidate
    return best


def _settled(assessment: Assessment) -> bool:
    """A reading that already matches this well is the reading meant."""
    candidates = assessment.ranking.candidates
    return bool(candidates) and candidates[0].score >= READING_SETTLES
