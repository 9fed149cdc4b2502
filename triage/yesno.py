"""Recognise a typed «بله» or «نه»: the customer answering the bot's yes-or-no question.

The bot asks two such questions with buttons: "was this helpful?" under an answer, and "did you
mean this guide?" above a single suggestion. Many customers type the answer instead of pressing.
Typed, «نه» would otherwise reach the KB as a question (and a person, with «نه» for context), and
«بله» would be taken for a mere «ok».

>>> yes_or_no("بله")
'yes'
>>> yes_or_no("نه، کمک نکرد")
'no'
>>> yes_or_no("نه رمزم هنوز کار نمیکنه") is None
True
"""

from __future__ import annotations

import re
from typing import Literal

from triage.latin import readings
from triage.person import fold

YesNo = Literal["yes", "no"]

_YES = frozenset(
    {"بله", "بلی", "آره", "اره", "آری", "اوهوم", "همینه", "همین", "دقیقا", "درسته", "yes", "yep",
     "areh", "are", "bale"}
)  # fmt: skip
_NO = frozenset({"نه", "نخیر", "خیر", "نچ", "no", "nope", "na", "nah"})
# Words that may come with either, adding nothing («بله ممنون», «نه کمک نکرد»).
_WITH_YES = frozenset({"ممنون", "مرسی", "خیلی", "کمک", "کرد", "بود", "همون", "خودشه", "عالی"})
# «نه اون نه», «نه بابا», «ممنون ولی کار نکرد»: which one, a shrug, a polite «but».
_WITH_NO = frozenset(
    {"کمک", "نکرد", "نکرده", "نبود", "نیست", "اصلا", "متاسفانه", "ممنون", "مرسی", "هنوز", "این",
     "اون", "بابا", "ولی", "اما"}
)  # fmt: skip
MAX_WORDS = 4
_ASKS = re.compile(r"[?؟]\s*$")
# Answers said in a few words rather than one, each read as «بله» or «نه» (on folded text,
# where «می» is joined to its verb): «مفید بود», «به دردم نخورد», «منظورم این نبود».
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?<!\S)(?:{pattern})(?!\S)"), answer)
    for pattern, answer in (
        (r"(?:مفید|کمکی|کاربردی|خوب|عالی) نبود|(?:کمک|کمکم|کمکی) نکرد|به دردم نخورد|جواب نداد"
         r"|(?:فایده|فایده ای) نداشت|بی فایده بود|(?:(?:منظورم|مشکلم|سوالم) )?(?:این|اون) نبود"
         r"|(?:اینو|این را|این رو) نمیخواستم"
         r"|(?:(?:مشکل|مشکلم|مشکلمون) |هنوز )?(?:حل|درست) نشد(?:ه)?"
         r"|هنوز مشکل دارم|هیچ ?کدوم(?:ش)?|هیچ ?کدام"
         r"|(?:این |اینم )?کار نکرد(?:ه)?|(?:بازم |باز هم |هنوز |اینم |این هم )?نشد"
         r"|(?:این )?(?:جواب|پاسخ) (?:سوالم|سوال من|مشکلم|مشکل من|من) نبود", "نه"),
        (r"(?:مفید|کاربردی|عالی) بود|(?:کمک|کمکم) کرد|به دردم خورد|جواب داد|همین بود"
         r"|(?:همینو|همین را|همین رو) میخواستم", "بله"),
    )
)  # fmt: skip


def bare_no(text: str) -> bool:
    """Whether the message is a «نه» and nothing else (its marks aside): an answer to the
    bot's invitation to ask more, not the start of a problem («نه، هنوز وصل نمیشه»).

    >>> bare_no("نه."), bare_no("na"), bare_no("نه مشکلم حل نشد")
    (True, True, False)
    """
    words = re.sub(r"[^\w\s]", " ", fold(text)).split()
    return bool(words) and all(word in _NO for word in words)


def yes_or_no(text: str) -> YesNo | None:
    """Return "yes" or "no" when the message is only that answer; otherwise None.

    A question is no answer: «درسته؟» asks whether it is right, it does not say so.
    """
    if _ASKS.search(text):
        return None
    for reading in readings(text):  # «bale», «na»
        answer = _answer(reading)
        if answer is not None:
            return answer
    return None


def _answer(text: str) -> YesNo | None:
    folded = fold(text)
    for pattern, answer in _PHRASES:
        folded = pattern.sub(answer, folded)
    words = folded.split()
    if not words or len(words) > MAX_WORDS:
        return None
    if any(w in _YES for w in words) and all(w in _YES or w in _WITH_YES for w in words):
        return "yes"
    if any(w in _NO for w in words) and all(w in _NO or w in _WITH_NO for w in words):
        return "no"
    return None
