"""Read a few words that only judge the service («خوب بود», «افتضاح», «بد نبود», «نمیدونم»).

After a close the bot asks for a 1-5 rating; many customers answer in words instead of a
digit. A short message (five words at most) whose every word judges the service, names what
is judged («کارشناستون عالی بود») or thanks is a judgement: "good", "bad", "mixed" («بد نبود»,
«متوسط», «عالی نبود») or "unsure" («نمیدونم»). Anything else is None: a problem («بد کار
میکنه», «هنوز خرابه», «خوب نشد»: «نشد» says it failed), a question («خوب بود؟»), or a digit
(«۴», «بد بود ۱»: the rating reader's, `triage.rating`).

>>> judgement("خوب بود")
'good'
>>> judgement("بد نبود")
'mixed'
>>> judgement("راضی نبودم")
'bad'
>>> judgement("نمیدونم")
'unsure'
>>> judgement("۱۰۰ از ۱۰۰")
'good'
>>> judgement("خوب نشد") is None
True
"""

from __future__ import annotations

import re
from typing import Literal

from triage.latin import readings
from triage.person import ASCII_DIGITS, fold
from triage.smalltalk import small_talk

Judgement = Literal["good", "bad", "mixed", "unsure"]
MAX_JUDGEMENT_WORDS = 5

# What a word does in a judgement (on folded text: drawn-out letters shortened, «می» joined,
# half-spaces read as spaces or joined to a suffix: «راضی‌ام» is «راضیام»).
# Judging words, by kind:
#   good: «خوب»; great: «عالی» (not great is only mixed: «عالی نبود»); bad: «بد»;
#   mixed: «متوسط»; unsure: «نمیدونم».
# Words around them: not: a negated verb («نبود»); at_all: «اصلا», which makes a negation
# flat («اصلا بد نبود» is good); somewhat: «نسبتا», which makes good or bad mixed; neutral:
# a verb «to be», a word that stresses or goes with a judgement. What is judged is matched by
# _JUDGED; thanks and «باشه» may come too (small talk).
_Role = Literal["good", "great", "bad", "mixed", "unsure", "not", "at_all", "somewhat", "neutral"]
_ROLES: dict[_Role, tuple[str, ...]] = {
    "good": (
        "خوب", "خوبه", "راضی", "راضیم", "راضیام", "راضیه", "good", "nice", "fine", "khoob",
        "khub", "khob", "khoobe", "khube", "razi", "razim",
    ),
    "great": (
        "عالی", "عالیه", "عالیی", "فوقالعاده", "بینظیر", "محشر", "محشره", "بیست", "بهترین",
        "great", "excellent", "perfect", "awesome", "amazing", "aali", "ali", "aaliye", "aliye",
        "mahshar",
    ),
    "bad": (
        "بد", "بدک", "افتضاح", "افتضاحه", "افتضاحی", "افتزاح", "ضعیف", "ضعیفه", "ناراضی",
        "ناراضیم", "ناراضیام", "بدترین", "داغون", "مزخرف", "bad", "terrible", "awful",
        "horrible", "poor", "aftezah", "aftezahe", "zaif", "narazi", "narazim",
    ),
    "mixed": (
        "متوسط", "متوسطه", "معمولی", "معمولیه", "قابلقبول", "average", "mediocre", "soso",
        "motevaset", "mamooli", "maamooli", "mamuli",
    ),
    "unsure": ("نمیدونم", "نمیدانم", "idk", "nemidoonam", "nemidunam", "nemidonam", "nemidanam"),
    "not": (
        "نبود", "نبودید", "نبودین", "نبودی", "نبودم", "نبودن", "نبوده", "نیست", "نیستم",
        "نیستش", "نیستید", "نیستین", "nabood", "nabud", "naboodam", "nabudam", "nist", "nistam",
        "not", "wasn", "isn",
    ),
    "at_all": ("اصلا", "اصلاً", "ابدا", "aslan", "asan"),
    "somewhat": ("نسبتا", "تقریبا", "یکم", "کمی", "یکمی", "زیاد", "چندان", "nesbatan", "taghriban"),
    "neutral": (
        # to be («هستید» is left out: «خوب هستید» asks how one is)
        "بود", "بودید", "بودین", "بودی", "بودم", "بودن", "بوده", "بودش", "است", "هست", "هستم", "ام",
        "هستش", "bood", "bud", "boodam", "budam", "boodid", "boodin", "hast", "hastam", "was",
        "is", "it", "t",
        # stress, and the rest of a judgement («در کل خوب بود», «از شما راضیم», «راستش بد بود»)
        "خیلی", "واقعا", "کاملا", "بسیار", "همه", "چی", "چیز", "کلا", "در", "کل", "از", "شما",
        "من", "هم", "و", "ولی", "اما", "یک", "یه", "والا", "والله", "راستش", "kheili", "kheyli",
        "khyli", "vaghean", "kamelan", "az", "shoma", "man", "very", "really", "so", "quite",
        "pretty", "all", "you", "i",
    ),
}  # fmt: skip
_LEXICON: dict[str, _Role] = {
    fold(word): role for role, words in _ROLES.items() for word in words if fold(word)
}
# What each judging kind reads as: as said, negated («خوب نبود»), flatly negated («اصلا خوب
# نبود»); None where it says nothing clear («معمولی نبود»).
_VERDICTS: dict[_Role, tuple[Judgement | None, Judgement | None, Judgement | None]] = {
    "good": ("good", "bad", "bad"),
    "great": ("good", "mixed", "bad"),
    "bad": ("bad", "mixed", "good"),
    "mixed": ("mixed", None, None),
    "unsure": ("unsure", "unsure", "unsure"),
}
# What is judged: the agent, the answer, the service («کارشناستون», «برخوردتون», «پاسخ‌ها»).
_JUDGED = re.compile(
    r"(?:کار|کارشناس|کارشناسا|کارشناسان|اپراتور|پشتیبانی|پشتیبان|پاسخ|پاسخگویی|جواب|برخورد"
    r"|خدمات|سرویس|رسیدگی|پیگیری|همکاری|راهنمایی|رفتار|ربات"
    r"|service|support|agent|answer|karshenas|poshtibani|javab)"
    r"(?:ها|های|هاتون|تون|تان|ت|تو|ش|ی)?"
)
# Set phrases, each read as one word of the lexicon (on folded text).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?<!\S)(?:{pattern})(?!\S)"), word)
    for pattern, word in (
        (r"نه خوب نه بد|نه بد نه خوب|نه بد بود نه خوب|نه خوب بود نه بد", "متوسط"),
        (r"فوق العاده|فوق الاده|بی نظیر|درجه یک", "عالی"),
        (r"قابل قبول|so so", "متوسط"),
        (r"مطمین نیستم|مطمئن نیستم|نظری ندارم|نظر خاصی ندارم|ایده ای ندارم", "نمیدونم"),
        (r"don t know|dont know|no idea|not sure", "نمیدونم"),
    )
)
# A score out of ten, twenty (as at school) or a hundred: «۱۰۰ از ۱۰۰», «۱۸/۲۰». Out of five
# is a rating (`triage.rating`), and so is a digit alone.
_SCORE = re.compile(r"(?<!\d)(\d{1,3})\s*(?:از|/|az|out of)\s*(10|20|100)(?!\d)")
_SCORE_KINDS: tuple[tuple[float, str], ...] = ((0.8, "خوب"), (0.5, "متوسط"), (0.0, "بد"))
_ASKS = re.compile("[?؟]")


# A negation in the present tense: of «خوب» it says the problem is there still, not a verdict.
_NOT_NOW = frozenset(fold(w) for w in ("نیست", "نیستش", "nist", "isn"))


def judgement(text: str) -> Judgement | None:
    """How a short message that only judges the service judges it; None for anything else (a
    problem, a question, a digit rating, more than five words)."""
    if not isinstance(text, str) or _ASKS.search(text):
        return None
    for reading in readings(text.strip()):  # «khoob bood», or typed on an English layout
        judged = _judgement(reading)
        if judged is not None:
            return judged
    return None


def _judgement(text: str) -> Judgement | None:
    text = _SCORE.sub(_score_word, text.translate(ASCII_DIGITS))
    folded = fold(text)
    words = folded.split()
    if not words or len(words) > MAX_JUDGEMENT_WORDS or any(c.isdigit() for c in folded):
        return None
    for pattern, word in _PHRASES:
        folded = pattern.sub(word, folded)
    kinds: list[_Role] = []
    others: list[str] = []
    negated = flat = somewhat = now_not = False
    for word in folded.split():
        role = _LEXICON.get(word)
        if role is None and _JUDGED.fullmatch(word):
            role = "neutral"
        if role is None:
            others.append(word)
        elif role == "not":
            negated = True
            now_not = now_not or word in _NOT_NOW
        elif role == "at_all":
            flat = True
        elif role == "somewhat":
            somewhat = True
        elif role != "neutral":
            kinds.append(role)
    if not kinds or (others and small_talk(" ".join(others)) not in ("thanks", "ok", "solved")):
        return None  # no judgement, or words of something else: «بد کار میکنه», «خوب نشد»
    if now_not and {"good", "great"} & set(kinds):
        return None  # «خوب نیست», «هنوز خوب نیست»: how things stand now, a problem still
    said = {_VERDICTS[kind][2 if negated and flat else 1 if negated else 0] for kind in kinds}
    if None in said:
        return None
    return _combined({verdict for verdict in said if verdict is not None}, somewhat)


def _combined(said: set[Judgement], somewhat: bool) -> Judgement:
    """One judgement of several («خوب بود ولی متوسط»): unsure gives way to any other, and
    good with bad, or anything with mixed, is mixed; «نسبتا» makes good or bad mixed."""
    if said != {"unsure"}:
        said.discard("unsure")
    if len(said) > 1:
        return "mixed"
    (verdict,) = said
    return "mixed" if somewhat and verdict in ("good", "bad") else verdict


def _score_word(score: re.Match[str]) -> str:
    """«۱۸ از ۲۰» as the word for its kind («خوب»); a score above its scale as a digit, so
    the message is no judgement."""
    got, scale = int(score.group(1)), int(score.group(2))
    if got > scale:
        return score.group(0)
    return next(word for share, word in _SCORE_KINDS if got / scale >= share)
