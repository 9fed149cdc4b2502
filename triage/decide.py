"""Turn the KB's decision and the conversation so far into what the bot does next.

The KB knows only the question; triage adds what it cannot see: the customer
asking for a person in plain words, and failed attempts piling up. The rules:

0. A message that is only a greeting, a thank-you, an «ok» or a goodbye gets a polite word
   back; emoji or punctuation alone, a request for a few words.
1. A request for a person always wins: hand off, reason "asked".
2. A customer who refuses a person («کارشناس نمیخوام») is never handed to one: with
   nothing else said, asked for the question ("no_person"); when the KB finds nothing
   for what else they said, told so and offered a person ("no_person", "no_answer");
   doubtful guides are offered however many failed before.
3. The KB found nothing that fits: hand off, reason "no_answer".
4. After two failed attempts in a row (a "no" on an answer, "none of these"), an
   uncertain result (suggest) goes straight to a person, reason "not_helpful":
   the customer should not be made to pick from yet another list.
5. Otherwise the KB's answer or suggestion stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kb.decision import Decision, Hit
from triage.person import asks_for_person, fold
from triage.refusal import refused_person
from triage.smalltalk import SmallTalk, small_talk
from triage.yesno import yes_or_no

Action = Literal["answer", "suggest", "handoff", "small_talk", "no_person"]
Reason = Literal["asked", "no_answer", "not_helpful"]
Priority = Literal["normal", "high", "urgent"]

# Failed attempts in a row after which the bot stops offering more articles.
MAX_FAILED_ATTEMPTS = 2
# Alternatives offered after a "no" on an answer.
MAX_ALTERNATIVES = 3


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to do with a message: answer `article_id`, suggest `hits`, hand off, or chat."""

    action: Action
    hits: tuple[Hit, ...] = ()
    article_id: str | None = None
    reason: Reason | None = None
    talk: SmallTalk | None = None

    @property
    def is_handoff(self) -> bool:
        return self.action == "handoff"


def handoff(reason: Reason, hits: tuple[Hit, ...] = ()) -> Outcome:
    """Build a hand-off outcome that carries what the bot tried."""
    return Outcome("handoff", hits=hits, reason=reason)


def decide(
    text: str,
    decision: Decision,
    *,
    failed_attempts: int = 0,
    wants_person: Callable[[str], bool] = asks_for_person,
) -> Outcome:
    """Combine the KB decision for `text` (for `question_for_kb(text)`) with the
    conversation's state."""
    talk = small_talk(text)
    if talk is not None:  # even when an article matches: «ممنون از پاسخگوییتون» is no question
        return Outcome("small_talk", talk=talk)
    refused = refused_person(text)
    if refused is not None and _nothing_asked(refused):
        return Outcome("no_person")  # «نه ممنون، کارشناس نمیخوام»: nothing asked
    if wants_person(text):
        return handoff("asked", decision.hits)
    if decision.kind == "handoff" or decision.top is None:
        if refused is not None:
            return Outcome("no_person", hits=decision.hits, reason="no_answer")
        return handoff("no_answer", decision.hits)
    if decision.kind == "suggest":
        if failed_attempts >= MAX_FAILED_ATTEMPTS and refused is None:
            return handoff("not_helpful", decision.hits)
        return Outcome("suggest", hits=decision.choices or decision.hits[:MAX_ALTERNATIVES])
    return Outcome("answer", hits=decision.hits, article_id=decision.top.article_id)


# The longest message read as the rest of the question before it: a fragment («ارور میده»,
# «از خونه»); a longer one is a question of its own, and read with the one before it, it
# was answered with that one's article (15 of 20 such merges on the sample KB's questions).
FRAGMENT_MAX_WORDS = 3


def is_fragment(message: str) -> bool:
    """Whether `message` is short enough to be the rest of the question before it."""
    return len(message.split()) <= FRAGMENT_MAX_WORDS


def read_together(message: str, alone: Decision, together: Decision) -> bool:
    """Whether to take the KB's reading of `message` together with the question just before
    it (whose guides still wait for a pick) over its reading alone: one question split over
    messages («نمیتونم وارد پرتال بشم», then «ارور میده»). Only a fragment, and only when
    together it is answered and alone it is not: guides from a merged reading were mostly
    the earlier question's again."""
    return is_fragment(message) and alone.kind != "answer" and together.kind == "answer"


def _nothing_asked(words: str) -> bool:
    """Whether what a refusal of a person says besides asks nothing: «نه ممنون», «باشه»."""
    return not words or small_talk(words) is not None or yes_or_no(words) is not None


def question_for_kb(text: str) -> str:
    """What of `text` to ask the KB: a message refusing a person, less the refusal («نمیخوام
    با کارشناس صحبت کنم، رمز چطوری عوض میشه» asks about the password, not about support)."""
    return refused_person(text) or text


def after_not_helpful(
    hits: tuple[Hit, ...], shown_article_id: str | None, *, failed_attempts: int
) -> Outcome:
    """Decide what follows a "no": alternatives and a person, or (second failure) a person.

    `failed_attempts` counts the failures before this "no".
    """
    if failed_attempts + 1 >= MAX_FAILED_ATTEMPTS:
        return handoff("not_helpful", hits)
    others = tuple(hit for hit in hits if hit.article_id != shown_article_id)
    return Outcome("suggest", hits=others[:MAX_ALTERNATIVES])


# Words that make a problem urgent for the customer (folded forms, substring match).
URGENT_MARKERS = ("فوری", "فورا", "اضطراری", "عاجل", "خیلی مهم", "urgent", "asap", "emergency")
_TIER_LEVEL = {"standard": 0, "vic": 1, "vip": 1}
_LEVELS: tuple[Priority, ...] = ("normal", "high", "urgent")


def is_urgent(text: str) -> bool:
    """Return True when the customer marks the problem as urgent."""
    folded = fold(text)
    return any(marker in folded for marker in URGENT_MARKERS)


def priority(tier: str, text: str) -> Priority:
    """Rank a new ticket: VIP/VIC customers start high; an urgent wording raises one level."""
    level = _TIER_LEVEL.get(tier, 0) + (1 if is_urgent(text) else 0)
    return _LEVELS[min(level, len(_LEVELS) - 1)]
