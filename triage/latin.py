"""Messages typed in Latin letters, read as the Persian they stand for.

«salam», «merci hal shod», «bale»: Finglish, or Persian typed on an English keyboard layout
(«sghl» is «سلام»). Triage reads the first Persian readings the KB makes of them too.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

READINGS = 2  # the Finglish and the keyboard-layout reading, best first


@lru_cache(maxsize=256)  # small talk and yes/no ask about the same message in turn
def readings(text: str) -> tuple[str, ...]:
    """The text, then, if it is written in Latin letters only, its best Persian readings."""
    try:
        from kb.latin import persian_readings
    except ImportError:  # the KB's transliteration is optional for triage
        return (text,)
    return (text, *islice(persian_readings(text), READINGS))
