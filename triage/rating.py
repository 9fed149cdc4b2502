"""Read a rating the customer typed («۵», «۴ از ۵», «پنج», «⭐⭐⭐⭐») instead of pressing a button.

A rating may come with a few words of thanks or judgement («۵ ممنون», «عالی بود ۵», «امتیاز
۵»); any other word makes it something else («۵ تا فایل»: an order, not a rating).

>>> typed_rating("۵")
5
>>> typed_rating("4 از 5")
4
>>> typed_rating("۵، خیلی ممنون")
5
>>> typed_rating("۱۲۳۴۵") is None
True
"""

from __future__ import annotations

import re

from triage.person import ASCII_DIGITS, fold
from triage.smalltalk import small_talk

_NUMBER_WORDS = {"یک": "1", "دو": "2", "سه": "3", "چهار": "4", "پنج": "5"}
_SCORE = rf"([1-5]|{'|'.join(_NUMBER_WORDS)})(?:\s*(?:از|/)\s*(?:5|پنج))?(?:\s*(?:ستاره|امتیاز))?"
_RATING = re.compile(rf"{_SCORE}[\s.!]*")
_SCORE_IN = re.compile(rf"(?<!\w){_SCORE}(?!\w)")
# Words that may go with a score: what it is, and how it went (on folded text).
_ABOUT_A_SCORE = frozenset(
    {"امتیاز", "امتیازم", "امتیازمن", "نمره", "نمرم", "نمرهام", "ستاره", "میدم", "میدهم",
     "دادم", "بهتون", "بهتان", "بهت", "به", "شما", "من", "بود", "بودید", "بودین", "هست",
     "عالی", "خوب", "خیلی", "بد", "ضعیف", "متوسط", "افتضاح", "معمولی", "قابل", "قبول"}
)  # fmt: skip
# «⭐⭐⭐⭐», as some rate anywhere: the count of stars (with or without emoji variation marks).
_STARS = re.compile(r"(?:[⭐🌟]\ufe0f?\s*){1,5}")


def typed_rating(text: str) -> int | None:
    """The 1..5 of a message that is only a rating; None for anything else (an order number)."""
    text = text.strip()
    if _STARS.fullmatch(text):
        return sum(ch in "⭐🌟" for ch in text)
    text = text.translate(ASCII_DIGITS)
    match = _RATING.fullmatch(text)
    if match is None:
        match = _with_words(text)
    if match is None:
        return None
    value = match.group(1)
    return int(_NUMBER_WORDS.get(value, value))


def _with_words(text: str) -> re.Match[str] | None:
    """The one score in a message whose other words only thank or say how it went."""
    scores = list(_SCORE_IN.finditer(text))
    if len(scores) != 1:
        return None
    score = scores[0]
    rest = fold(text[: score.start()] + " " + text[score.end() :]).split()
    said = " ".join(w for w in rest if w not in _ABOUT_A_SCORE)
    if said and small_talk(said) not in ("thanks", "ok", "solved"):
        return None
    return score
