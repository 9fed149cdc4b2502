"""Read a guide picked by typing («دومی», «۲») instead of pressing its button.

The bot offers up to three guides as buttons; some customers answer in words.

>>> typed_choice("دومی")
2
>>> typed_choice("گزینه ۳")
3
>>> typed_choice("دومین گزارش ماه") is None
True
"""

from __future__ import annotations

from triage.person import ASCII_DIGITS, fold

MAX_CHOICE = 3
_ORDINALS = {
    "1": 1, "اول": 1, "اولی": 1, "اولیه": 1, "اولیش": 1, "یکم": 1, "یکمی": 1,
    "2": 2, "دوم": 2, "دومی": 2, "دومیه": 2, "دومیش": 2,
    "3": 3, "سوم": 3, "سومی": 3, "سومیه": 3, "سومیش": 3,
}  # fmt: skip
# Words around the pick that say nothing more: «گزینه ی دوم رو لطفا», «همون اولی».
_AROUND = frozenset(
    {"گزینه", "گزینهی", "شماره", "مورد", "ی", "همون", "همان", "رو", "را", "لطفا", "میخوام",
     "میخواستم", "عدد"}
)  # fmt: skip
MAX_WORDS = 4


def typed_choice(text: str) -> int | None:
    """The 1-based position a message picks («اولی», «۲», «گزینه سوم»); None otherwise."""
    words = [w for w in fold(text.translate(ASCII_DIGITS)).split() if w not in _AROUND]
    if len(words) != 1 or len(fold(text).split()) > MAX_WORDS:
        return None
    return _ORDINALS.get(words[0])
