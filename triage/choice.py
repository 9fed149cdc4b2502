"""Read a guide picked by typing («دومی», «۲») instead of pressing its button.

The bot offers up to three guides as buttons; some customers answer in words, in Finglish
(«dovomi») or on an English keyboard layout («n,ld»), sometimes with a word more («دومی
مرسی», «اولی رو بزن»).

>>> typed_choice("دومی")
2
>>> typed_choice("گزینه ۳")
3
>>> typed_choice("dovomi")
2
>>> typed_choice("دومین گزارش ماه") is None
True
"""

from __future__ import annotations

from triage.latin import readings
from triage.person import ASCII_DIGITS, fold

MAX_CHOICE = 3
_ORDINALS = {
    "1": 1, "اول": 1, "اولی": 1, "اولیه": 1, "اولیش": 1, "یکم": 1, "یکمی": 1, "اولین": 1,
    "اولیو": 1, "اولیشو": 1, "اولیرو": 1,
    "2": 2, "دوم": 2, "دومی": 2, "دومیه": 2, "دومیش": 2, "دومین": 2, "دومیو": 2, "دومیشو": 2,
    "دومیرو": 2,
    "3": 3, "سوم": 3, "سومی": 3, "سومیه": 3, "سومیش": 3, "سومین": 3, "سومیو": 3, "سومیشو": 3,
    "سومیرو": 3,
}  # fmt: skip
# Number words, a pick only when alone in Persian letters («سه»; not «سه روزه», nor a Latin
# word that reads as one).
_NUMBER_WORDS = {"یک": 1, "دو": 2, "سه": 3}
# Words around the pick that say nothing more: «گزینه ی دوم رو لطفا», «همون اولی».
_AROUND = frozenset(
    {"گزینه", "گزینهی", "شماره", "مورد", "ی", "همون", "همان", "رو", "را", "لطفا", "میخوام",
     "میخواستم", "عدد"}
)  # fmt: skip
# Words that may come with a pick, thanking or choosing: «دومی مرسی», «اولی بهتره», «اولی
# رو بزن», «منظورم دومی بود». Any other word makes it a question («۲ تا فایل دارم»).
_BESIDE = frozenset(
    {"مرسی", "ممنون", "ممنونم", "بهتره", "بهتر", "بزن", "بزنید", "بزنین", "میزنم", "انتخاب",
     "میکنم", "خوبه", "درسته", "باشه", "پس", "منظورم", "بود", "هست", "اون", "میشه"}
)  # fmt: skip
MAX_BESIDE = 2
MAX_WORDS = 4


def typed_choice(text: str) -> int | None:
    """The 1-based position a message picks («اولی», «۲», «گزینه سوم»); None otherwise."""
    for i, reading in enumerate(readings(text)):  # «dovomi», «n,ld»: read as «دومی»
        position = _pick(reading, number_words=i == 0)
        if position is not None:
            return position
    return None


def _pick(text: str, *, number_words: bool) -> int | None:
    folded = fold(text.translate(ASCII_DIGITS)).split()
    if not folded or len(folded) > MAX_WORDS:
        return None
    words = [w for w in folded if w not in _AROUND]
    picks = [w for w in words if w in _ORDINALS]
    if len(picks) == 1:
        beside = len(words) - 1
        if beside <= MAX_BESIDE and all(w in _BESIDE for w in words if w != picks[0]):
            return _ORDINALS[picks[0]]
        return None
    if number_words and len(words) == 1:
        return _NUMBER_WORDS.get(words[0])
    return None
