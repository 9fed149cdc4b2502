"""Recognise messages that are only a greeting or a thank-you, so they never open a ticket.

«سلام» matches no article, and the KB rightly says "hand off"; but a customer
who says hello wants to be greeted, not to be handed to a person.

>>> small_talk("سلام")
'greeting'
>>> small_talk("سلام، وقت بخیر!")
'greeting'
>>> small_talk("خیلی ممنون")
'thanks'
>>> small_talk("سلام رمزم یادم رفته") is None
True
"""

from __future__ import annotations

from typing import Literal

from triage.person import fold

SmallTalk = Literal["greeting", "thanks"]
MAX_WORDS = 5

_GREETING = frozenset(
    {"سلام", "درود", "علیکم", "سلامعلیکم", "صبح", "عصر", "شب", "روز", "وقت", "بخیر", "به",
     "خیر", "hi", "hello", "hey", "salam", "dorood"}
)  # fmt: skip
_THANKS = frozenset(
    {"ممنون", "ممنونم", "مرسی", "سپاس", "سپاسگزارم", "متشکرم", "متشکر", "تشکر", "دمت", "گرم",
     "thanks", "thank", "you", "thx", "merci", "mamnoon", "mersi"}
)  # fmt: skip
# Words that add politeness but no request.
_FILLER = frozenset({"خیلی", "و", "هم", "آقا", "خانم", "جان", "عزیز", "لطفا", "خب", "اوکی", "ok"})


def small_talk(text: str) -> SmallTalk | None:
    """Return "greeting" or "thanks" when the message is nothing else; otherwise None."""
    words = [w for w in fold(text).split() if w not in _FILLER]
    if not words or len(words) > MAX_WORDS:
        return None
    if all(w in _THANKS for w in words):
        return "thanks"
    if all(w in _GREETING or w in _THANKS for w in words):
        return "greeting"
    return None
