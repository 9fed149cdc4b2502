"""Read a rating the customer typed («۵», «۴ از ۵») instead of pressing a rating button.

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

_RATING = re.compile(r"([1-5])(?:\s*(?:از|/)\s*5)?[\s.!]*")


def typed_rating(text: str) -> int | None:
    """The 1..5 of a message that is only a rating; None for anything else (an order number)."""
    match = _RATING.fullmatch(text.strip().translate(ASCII_DIGITS))
    return int(match.group(1)) if match else None
