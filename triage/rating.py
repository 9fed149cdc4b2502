"""Read a rating the customer typed («۵», «۴ از ۵», «پنج», «⭐⭐⭐⭐») instead of pressing a button.

>>> typed_rating("۵")
5
>>> typed_rating("4 از 5")
4
>>> typed_rating("۱۲۳۴۵") is None
True
"""

from __future__ import annotations

import re

from triage.person import ASCII_DIGITS

_NUMBER_WORDS = {"یک": "1", "دو": "2", "سه": "3", "چهار": "4", "پنج": "5"}
_RATING = re.compile(
    rf"([1-5]|{'|'.join(_NUMBER_WORDS)})(?:\s*(?:از|/)\s*(?:5|پنج))?(?:\s*(?:ستاره|امتیاز))?[\s.!]*"
)
# «⭐⭐⭐⭐», as some rate anywhere: the count of stars (with or without emoji variation marks).
_STARS = re.compile(r"(?:[⭐🌟]\ufe0f?\s*){1,5}")


def typed_rating(text: str) -> int | None:
    """The 1..5 of a message that is only a rating; None for anything else (an order number)."""
    text = text.strip()
    if _STARS.fullmatch(text):
        return sum(ch in "⭐🌟" for ch in text)
    match = _RATING.fullmatch(text.translate(ASCII_DIGITS))
    if match is None:
        return None
    value = match.group(1)
    return int(_NUMBER_WORDS.get(value, value))
