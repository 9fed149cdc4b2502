"""The outcome of matching one customer question against the KB."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DecisionKind = Literal["answer", "suggest", "handoff"]


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article for a question; `score` is the ranker's blended similarity in [0, 1]."""

    article_id: str
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot should do with a question.

    `hits` are best first (at most 5); for `suggest` the choices are the first
    `n_choices` (1-3) hits; `confidence` is the calibrated probability that the
    top hit is the right article.
    """

    query: str
    kind: DecisionKind
    hits: tuple[Hit, ...]
    confidence: float
    reason: str = ""
    n_choices: int = 0  # for `suggest`: how many of the first hits to offer

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def choices(self) -> tuple[Hit, ...]:
        return self.hits[: self.n_choices] if self.kind == "suggest" else ()
