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
>>> rating_and_comment("۳ ولی دیر جواب دادید")
(3, 'ولی دیر جواب دادید')

A digit at the start or the end of a short message, set apart from the words by punctuation or
by a word that opens a comment («ولی», «مرسی», «عالی»), is the rating and the rest its comment;
a digit that counts something («۲ تا فایل آپلود نمیشه», «ممنون ۵ تا فایل») is not. Finglish
and the English keyboard layout are read too («5 setare», «mk[» for «پنج»).
"""

from __future__ import annotations

import re

from triage.latin import readings
from triage.person import ASCII_DIGITS, fold
from triage.smalltalk import small_talk

_NUMBER_WORDS = {"یک": "1", "دو": "2", "سه": "3", "چهار": "4", "پنج": "5"}
_OUT_OF = r"(?:\s*(?:از|/|az)\s*(?:5|پنج))?(?:\s*(?:ستاره|امتیاز|setare|star|stars))?"
_SCORE = rf"([1-5]|{'|'.join(_NUMBER_WORDS)}){_OUT_OF}"
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
# A digit score opening or closing a short message that comments on it («۳ ولی دیر جواب
# دادید», «مرسی از کارشناستون، ۵»): set apart by punctuation, or by a word that opens or
# closes a comment rather than says what the digit counts («۲ تا فایل»).
_FIRST = re.compile(rf"\s*([1-5]){_OUT_OF}(?P<apart>\s*[،,.!:\-]|\s+|$)")
_LAST = re.compile(rf"(?P<apart>[،,.!:\-]\s*|\s+|^)([1-5]){_OUT_OF}[\s.!]*$")
_DIGITS = re.compile(r"\d+")
_COMMENT_OPENERS = frozenset(
    {"ولی", "اما", "ممنون", "ممنونم", "مرسی", "سپاس", "تشکر", "متشکرم", "چون", "بابت", "عالی",
     "خوب", "خیلی", "بد", "ضعیف", "متوسط", "افتضاح", "واقعا", "thanks", "merci", "mersi"}
)  # fmt: skip
MAX_COMMENTED_WORDS = 12


def typed_rating(text: str) -> int | None:
    """The 1..5 of a message that is a rating (with a comment, maybe); None for anything else
    (an order number)."""
    rated = rating_and_comment(text)
    return None if rated is None else rated[0]


def rating_and_comment(text: str) -> tuple[int, str] | None:
    """The 1..5 of a message that is a rating, and what it says besides ("" for nothing but
    thanks or words on the score: «۵ ممنون»); None when it is not a rating."""
    for reading in readings(text.strip()):  # «5 setare», «mk[» (پنج on an English layout)
        rated = _rating(reading.strip())
        if rated is not None:
            return rated
    return None


def _rating(text: str) -> tuple[int, str] | None:
    if _STARS.fullmatch(text):
        return sum(ch in "⭐🌟" for ch in text), ""
    text = text.translate(ASCII_DIGITS)
    match = _RATING.fullmatch(text)
    if match is None:
        match = _with_words(text)
    if match is not None:
        value = match.group(1)
        return int(_NUMBER_WORDS.get(value, value)), ""
    return _with_comment(text)


def _with_comment(text: str) -> tuple[int, str] | None:
    """A digit score at the start or the end of a short message, and the message's comment."""
    if len(_DIGITS.findall(text)) != 1 or len(text.split()) > MAX_COMMENTED_WORDS:
        return None
    first = _FIRST.match(text)
    if first is not None:
        comment, score, apart = text[first.end() :], first.group(1), first.group("apart")
        word = (fold(comment).split() or [""])[0]
    else:
        last = _LAST.search(text)
        if last is None:
            return None
        comment, score, apart = text[: last.start()], last.group(2), last.group("apart")
        word = (fold(comment).split() or [""])[-1]
        if small_talk(comment) == "greeting":  # «سلام ۵»: a hello with a number
            return None
    if not apart.strip() and word not in _COMMENT_OPENERS | _ABOUT_A_SCORE:
        return None  # «۲ تا فایل», «سلام ۵»: the digit counts something, or says nothing
    comment = comment.strip(" \t\n،,.!:-")
    if not fold(comment):
        return None
    return int(score), comment


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
