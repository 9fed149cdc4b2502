"""Turn a customer's question into a decision over one built index."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kb.confidence import ConfidenceModel, feature_values, top_candidates_within
from kb.decision import Decision, Hit
from kb.index import KBIndex, Ranking
from kb.latin import persian_candidates
from kb.normalize import has_latin, has_persian, normalize

MAX_HITS = 5
DECISION_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Assessment:
    """A ranking with the confidence of its top candidate."""

    ranking: Ranking
    confidence: float


class Engine:
    """An index plus the confidence model: immutable, safe to share between threads."""

    def __init__(self, index: KBIndex, model: ConfidenceModel) -> None:
        self.index = index
        self.model = model
        # Support questions repeat («رمزم را فراموش کرده‌ام» all day long); an engine never
        # changes, so its decisions can be kept. A reload builds a new engine and a new cache.
        self.decide = lru_cache(maxsize=DECISION_CACHE_SIZE)(self._decide)

    def assess(self, text: str) -> Assessment:
        """Rank `text` (and its Persian readings when typed in Latin letters) and keep the best."""
        if not has_latin(text) or has_persian(text):
            return self._assess_one(text)
        # Latin letters only: the text as typed matters only if the KB itself uses such words
        # (vpn, excel); its Persian readings (keyboard layout, Finglish) usually carry it.
        vocabulary = self.index.vocabulary_
        if any(word in vocabulary for word in normalize(text).split()):
            best = self._assess_one(text)
        else:
            best = Assessment(Ranking(normalize(text), ()), 0.0)
        for reading in persian_candidates(text, vocabulary):
            if _settled(best, self.model.thresholds.suggest):
                break  # readings come best first: another ranking would only cost time
            candidate = self._assess_one(reading)
            if candidate.confidence > best.confidence or not best.ranking.candidates:
                best = candidate
        return best

    def _decide(self, text: str) -> Decision:
        """Answer, suggest or hand off, with the ranked hits."""
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
        thresholds = self.model.thresholds
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
        ranking = self.index.rank(text, limit=MAX_HITS)
        if not ranking.candidates:
            return Assessment(ranking, 0.0)
        return Assessment(ranking, self.model.probability(feature_values(ranking, self.index)))


def _settled(assessment: Assessment, suggest_from: float) -> bool:
    """A reading that already matches well enough to offer choices is the reading meant."""
    candidates = assessment.ranking.candidates
    return bool(candidates) and candidates[0].score >= suggest_from
