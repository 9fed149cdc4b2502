"""Triage: what to do with a customer's message (answer, suggest or hand off), and how urgent."""

from triage.decide import (
    FRAGMENT_MAX_WORDS,
    MAX_FAILED_ATTEMPTS,
    Outcome,
    after_not_helpful,
    decide,
    handoff,
    is_fragment,
    is_urgent,
    priority,
    question_for_kb,
    read_together,
)
from triage.judgement import Judgement, judgement
from triage.person import PersonRequestDetector, asks_for_person
from triage.refusal import refused_person
from triage.smalltalk import SmallTalk, small_talk

__all__ = [
    "FRAGMENT_MAX_WORDS",
    "MAX_FAILED_ATTEMPTS",
    "Judgement",
    "Outcome",
    "PersonRequestDetector",
    "SmallTalk",
    "after_not_helpful",
    "asks_for_person",
    "decide",
    "handoff",
    "is_fragment",
    "is_urgent",
    "judgement",
    "priority",
    "question_for_kb",
    "read_together",
    "refused_person",
    "small_talk",
]
